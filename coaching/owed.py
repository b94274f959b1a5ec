"""Owed updates: when a customer is waiting for the agent, and the reminder when they
have waited too long.

An update is owed
- when an agent promised one ("let me check and get back to you", "within 10 minutes",
  "by end of day tomorrow"): a grace after the promised time (``promises.grace``: a
  quarter of the promised wait, at least a minute, at most 15 minutes, so "give me a
  minute" is not reminded on the dot), or ``waiting_after`` after a promise without a
  time. The customer's "ok, thanks" does not cancel it; the agent's next
  message does (it is the update, or a new promise). While a promise stands it sets when
  the update is owed, so a promise for later than ``waiting_after`` owes nothing sooner;
- otherwise, when a customer message has gone unanswered for ``waiting_after``.

Nothing is owed after a closing or a decline ("that's all, have a nice day", "no
thanks, I'm all set", "that worked, thank you"): they also mark the conversation resolved.
Only the customer who opened the conversation (``ConversationState.owner``) closes it:
anyone else's "that's all, thanks, bye" in their thread owes nothing new, but resolves
nothing and leaves what is owed to the owner owed.
A plain "ok, thanks" owes nothing new either. Once the agent has signed off ("anything
else? have a great day", "glad I could help, bye"), the customer's goodbye, thanks, "ok"
or compliment ("you too!", "you've been so helpful") owes nothing either; a new question
or request after it ("actually, one more thing: can I change the address?") is owed a
reply as ever. Reminders repeat every ``waiting_repeat``, at most
``waiting_max_reminders`` times per wait.
"""

from __future__ import annotations

import re
from dataclasses import replace
from enum import StrEnum

from coaching import promises, suggestions, updates
from coaching.model import Assessment
from coaching.nudging import Draft, format_duration, issue, recipients
from coaching.policy import Policy
from coaching.state import ConversationState, Pending, Promised
from coaching.types import Cue, MessagePosted, Nudge, NudgeKind, Signal, SignalKind

_MAX_UNANSWERED = 20

# An agent wrapping up: a farewell, a wish, "glad I could help", "you're welcome", or the
# offer "anything else I can help with?".
_SIGN_OFF = re.compile(
    r"\b(?:good ?-?bye|bye+|take care|talk soon|all the best|farewell)\b"
    r"|\bhave an? (?:good|great|nice|lovely|wonderful|fantastic|pleasant|awesome|blessed|brilliant"
    r"|fab|safe) (?:rest of (?:your|the) )?(?:one|day|night|evening|weekend|afternoon|morning|week"
    r"|trip|flight|stay|holidays?|time)\b"
    r"|\benjoy (?:the |your )(?:rest of (?:your|the) )?(?:day|night|evening|weekend|afternoon"
    r"|morning|week|trip|flight|stay|holidays?)\b"
    r"|\b(?:glad|happy|pleased) (?:that )?(?:i|we) (?:could|can|were able to|was able to) (?:help|assist|sort)"
    r"|\b(?:glad|happy|pleased) (?:to (?:have )?help(?:ed)?|(?:that |this |it )?(?:helped|worked|did the trick))"
    r"|\byou'?re (?:very |most |so )?welcome\b|\bmy pleasure\b|\bany ?time\b!"
    r"|\banything else\b"
)
# The offer to help further: a question that asks for nothing.
_ANYTHING_ELSE = re.compile(r"\b(?:is there )?anything else\b[^?]*\?")
# What a customer says back to a sign-off: the wish returned, a compliment, a laugh.
_PLEASANTRY = re.compile(
    r"^\W*(?:and |thanks,? |thank you,? |ok,? )?(?:you too|u too|same to you|same here|likewise"
    r"|and you|you as well|back at you|right back at you|lol|haha\w*|hehe)\b"
    r"|\b(?:you(?:'ve| have)? (?:been|were|are)|you'?re|you guys (?:are|were|have been)|that was"
    r"|this was|it was|your \w+ (?:is|was|has been))\s+(?:\w+\s+){0,2}?(?:helpful|great|amazing"
    r"|awesome|brilliant|fantastic|wonderful|excellent|kind|patient|quick|fast|lovely|super|perfect"
    r"|the best|a star|a lifesaver|a legend|a (?:great|big|huge) help|a pleasure)\b"
    r"|\b(?:great|excellent|amazing|awesome|fantastic|wonderful|brilliant|fast|quick|lovely|super"
    r"|perfect|top|first[- ]class|friendly) (?:service|support|help|job|work)\b"
)
# A new question or request: owed a reply even after the agent signed off.
_NEW_BUSINESS = re.compile(
    r"\b(?:can|could|would|will) (?:you|u|i|we|someone)\b|\bplease\b|\bpls\b"
    r"|\b(?:i|we) (?:still |also |just )?(?:need|want|would like|'d like|have (?:a|another|one more))\b"
    r"|\b(?:one more|another|also|actually|but|however|though)\b"
)


class Settles(StrEnum):
    """A customer message that asks for nothing more."""

    CLOSING = "closing"  # "that's all, bye", "that worked, thanks": resolved
    DECLINE = "decline"  # "no thanks, I'm all set", "not right now": resolved
    THANKS = "thanks"  # "ok, thanks", "great": owes nothing new, resolves nothing


def settles(
    result: Assessment,
    text: str,
    frustrated: bool,
    signed_off: bool = False,
    by_owner: bool = True,
) -> Settles | None:
    """Whether a customer message settles things. A frustrated message or a question is
    owed an answer whatever else it says. ``signed_off``: the agent's latest message
    wrapped up, so a pleasantry back ("you too!", "you've been so helpful") owes nothing.
    ``by_owner``: written by the customer who opened the conversation; anyone else's
    closing or decline is only a thanks (it closes nothing of theirs)."""
    if frustrated or "?" in text:
        return None
    closing = bool(result.matched & {"closing", "resolved"})
    if not by_owner and (closing or "decline" in result.matched):
        return Settles.THANKS
    if closing:
        return Settles.CLOSING
    if "decline" in result.matched:
        return Settles.DECLINE
    if result.matched & {"acknowledges", "gratitude", "reassurance"}:
        return Settles.THANKS
    if signed_off and pleasantry(text):
        return Settles.THANKS
    return None


def signs_off(text: str) -> bool:
    """Whether an agent's message wraps up: "anything else? have a great day", "glad I
    could help, bye". A message that asks the customer something else does not."""
    lower = text.lower().replace("’", "'")
    return bool(_SIGN_OFF.search(lower)) and "?" not in _ANYTHING_ELSE.sub("", lower)


def pleasantry(text: str) -> bool:
    """A goodbye, thanks, "ok" or compliment with nothing new asked: what a customer says
    back to an agent's sign-off."""
    lower = text.lower().replace("’", "'")
    if "?" in lower or _NEW_BUSINESS.search(lower):
        return False
    return bool(_PLEASANTRY.search(lower))


def on_customer(
    state: ConversationState, event: MessagePosted, settled: Settles | None
) -> ConversationState:
    if settled in (Settles.CLOSING, Settles.DECLINE):
        return replace(
            state,
            unanswered=(),
            promised=None,
            waiting_reminders=0,
            reminded_at=None,
            first_reminded_at=None,
        )
    if settled is Settles.THANKS:
        return state
    pending = Pending(event.message_id, event.event_id, event.author, event.sent_at)
    # Something new is owed: the agent's sign-off no longer closes the conversation.
    return replace(
        state, unanswered=(*state.unanswered, pending)[-_MAX_UNANSWERED:], signed_off=False
    )


def on_agent(state: ConversationState, event: MessagePosted, policy: Policy) -> ConversationState:
    """An agent's message answers what came before it and keeps or makes a promise."""
    made = promises.find(
        event.text,
        event.sent_at,
        policy.waiting_after,
        promises.LocalTime(policy.utc_offset),
        policy.end_of_day_hour,
    )
    promised = (
        None
        if made is None
        else Promised(event.author, event.event_id, event.sent_at, made.due, made.when)
    )
    return replace(
        state,
        # Only what came before this reply is answered by it (deliveries can be late).
        unanswered=tuple(p for p in state.unanswered if p.at > event.sent_at),
        promised=promised,
        waiting_reminders=0,
        reminded_at=None,
        signed_off=signs_off(event.text),
        first_reminded_at=None,
        # an automatic update is not the agent's own word: it allows no second one
        auto_updated=event.update == updates.UpdateKind.AUTO,
    )


def deadline(state: ConversationState, policy: Policy) -> float | None:
    """When the next reminder is due, if one could be."""
    if (
        state.closed
        or (state.promised is None and not state.unanswered)
        or state.waiting_reminders >= policy.waiting_max_reminders
        or not recipients(state, policy)
    ):
        return None
    if state.reminded_at is not None:
        # After downtime, reminders must not fire back to back: time from the last one.
        return state.reminded_at + policy.waiting_repeat
    promised = state.promised
    if promised is not None:
        if not promised.when:  # no time promised: due ``waiting_after`` on, as it stands
            return promised.due
        return promised.due + promises.grace(promised.due - promised.at)
    if state.unanswered:
        return state.unanswered[0].at + policy.waiting_after
    return None


def remind(
    state: ConversationState, policy: Policy, now: float
) -> tuple[ConversationState, list[Signal], list[Nudge]]:
    """The reminder, if one is due at ``now``."""
    due = deadline(state, policy)
    if due is None or now < due:
        return state, [], []
    count = state.waiting_reminders + 1
    promised = state.promised
    if promised is not None:
        since, source, customer = promised.at, promised.event_id, None
        trigger = f"{source}#promise{count}"
        late = format_duration(now - promised.at)
        if promised.when:
            headline = f"You said you'd get back {promised.when}; it's been {late}."
            why = f"update promised {promised.when}"
        else:
            headline = f"You said you'd get back to the customer; it's been {late}."
            why = "update promised"
    else:
        first = state.unanswered[0]
        since, source, customer = first.at, first.event_id, first.customer
        trigger = f"{source}#wait{count}"
        headline = f"The customer has been waiting {format_duration(now - since)} for an update."
        why = f"no reply for {format_duration(now - since)}"
    subject = customer or state.owner  # a promise is owed to whoever opened the conversation
    cue = Cue("waiting_time", why, now - since)
    signal = Signal(
        SignalKind.WAITING,
        state.conversation,
        subject,
        min(1.0, (now - since) / (policy.waiting_after * 3)),
        True,
        (cue,),
        source,
        now,
    )
    began = now if state.first_reminded_at is None else state.first_reminded_at
    state = replace(state, waiting_reminders=count, reminded_at=now, first_reminded_at=began)
    draft = Draft(
        NudgeKind.WAITING,
        trigger,
        (why,),
        suggestions.PROMISED_UPDATE if promised else suggestions.suggestion(NudgeKind.WAITING),
        customer or subject or None,
        headline=headline,
        cooldown=False,
        update=updates.draft(trigger),
    )
    state, nudges = issue(state, draft, policy, now)
    return state, [signal], nudges
