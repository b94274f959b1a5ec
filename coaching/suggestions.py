"""Suggested wording: an opener that fits what the customer is reacting to.

The strongest cue picks the opener, so a customer who has waited hears about the wait and
one who has written three times hears that it should not have taken three messages.
Deterministic: the same cues always give the same words.
"""

from __future__ import annotations

from collections.abc import Sequence

from coaching.state import Returning
from coaching.types import NudgeKind

# First matching cue wins; order = which concern to address first.
_OPENERS: tuple[tuple[frozenset[str], str], ...] = (
    (
        frozenset({"repeat_contact", "again", "still"}),
        "I'm sorry you've had to come back to us about this again — that's frustrating, "
        "and I'm going to see it through with you.",
    ),
    (
        frozenset({"waiting", "no_response"}),
        "I'm really sorry you've been kept waiting this long — thank you for bearing with us. "
        "Here's where things stand:",
    ),
    (
        frozenset({"escalation"}),
        "I completely understand wanting this taken further, and I want to fix it for you. "
        "Here's what I can do right now:",
    ),
    (
        frozenset({"refund"}),
        "I'm sorry this has cost you time and money — let me look at the charge with you now.",
    ),
    (
        frozenset({"giving_up"}),
        "Please don't give up on this yet — I'm sorry it's been such a hassle. Here's what I'll do:",
    ),
    (
        frozenset({"sarcasm", "praise_with_complaint"}),
        "Fair enough — this hasn't been the experience you deserve. Let me put it right:",
    ),
    (
        frozenset({"not_working"}),
        "I'm sorry it's still not working — that's really frustrating when you need it. "
        "Let's get it sorted:",
    ),
)
_DEFAULT_OPENER = (
    "I can hear how frustrating this has been, and I'm sorry. Let's get it sorted together:"
)


def opener(cues: Sequence[str]) -> str:
    for cue in cues:
        for names, text in _OPENERS:
            if cue in names:
                return text
    return _DEFAULT_OPENER


PROMISED_UPDATE = (
    "Here's the update I promised: [where things stand]. I'm still on it and will come back "
    "to you by [time] with the next step."
)


def suggestion(kind: NudgeKind, cues: Sequence[str] = ()) -> str:
    if kind is NudgeKind.WAITING:
        return (
            "Thanks for your patience — a quick update: I'm still on this, and I'll come back "
            "to you by [time] with the next step."
        )
    if kind is NudgeKind.ESCALATION:
        return (
            "I can see this has gone on far too long, and I want to fix it. Here's the concrete "
            "next step, and I'll stay with you until it's done:"
        )
    if kind is NudgeKind.ACKNOWLEDGE:
        return "One more thing before we go on. " + opener(cues)
    if kind is NudgeKind.CONFUSION:
        return slow_down(cues)
    return opener(cues)


def slow_down(cues: Sequence[str]) -> str:
    """For a customer lost in the steps: one step at a time, and where are they now."""
    if "where_is" in cues:
        start = "Sorry, I should have said where to find it. Let's go one step at a time: what"
    else:
        start = "Sorry, that was a lot at once — let's take it one step at a time. What"
    return (
        start + " do you see on your screen right now? "
        "If it helps, I can send a screenshot or we can go through it on a quick call."
    )


def returning(past: Returning) -> str:
    """An opener for a returning customer at risk (the history brief)."""
    if past.escalated_last:
        return (
            "Welcome back, and thank you for bearing with us last time — "
            "I'll make sure this one goes more smoothly."
        )
    if past.unresolved_last:
        return (
            "Thanks for coming back to us. I'm sorry things weren't sorted last time — "
            "I'll stay with you on this until it is."
        )
    if past.frustrated_last:
        return (
            "Good to hear from you again, and thanks for your patience with us. "
            "Let's get this one sorted properly."
        )
    return (
        "Thanks for getting back in touch — I can see you've been talking to us a lot lately, "
        "so let me make sure we get to the bottom of it this time."
    )
