"""Frustration: the heads-up an agent gets before replying to a frustrated customer, and
the reasons it gives.

The detector (coaching/detectors.py) scores how frustrated a message reads, from many
weak features, and judges it frustrated when the score passes the threshold *and* a
support cue explains it (``explained``): a coach must say why, and "the model weighed
the word 'your'" is no reason. That one judgement drives everything downstream: the
heads-up, the acknowledgement follow-up, escalation, and the summaries' episodes. The
heads-up names at most three reasons, in plain words, each once ("says they have been
kept waiting"), the last of them the customer's history when it puts them at risk ("they
were frustrated last time", coaching/history.py). The message is remembered until an
agent's next reply is judged for acknowledgement (coaching/acknowledgement.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import replace

from coaching import history, suggestions
from coaching.model import Assessment
from coaching.nudging import Draft, issue
from coaching.policy import Policy
from coaching.state import MAX_PEOPLE, ConversationState, Frustration
from coaching.types import Cue, MessageEdited, MessagePosted, Nudge, NudgeKind

MAX_REASONS = 3

# Cues that say how the customer feels about the service. Any of them can explain a
# heads-up; "reports something broken" or "asks for money back" alone describe a problem,
# which a calm customer reports too, so they may only stand beside one of these.
FEELING_CUES = frozenset(
    {
        "waiting",
        "no_response",
        "still",
        "repeat_contact",
        "runaround",
        "again",
        "broken_promise",
        "escalation",
        "churn",
        "negated_positive",
        "complaint",
        "feeling",
        "giving_up",
        "rhetorical_question",
        "sarcasm",
        "profanity",
        "negative_emoji",
        "shouting",
        "repeated_punctuation",
        "praise_with_complaint",
    }
)
PROBLEM_CUES = frozenset({"not_working", "refund", "negative_tone"})
# The contextual model's reason when no cue's words explain its score (coaching/scoring.py).
PLAIN_REASON = "sounds_frustrated"
REASON_CUES = FEELING_CUES | PROBLEM_CUES | {PLAIN_REASON}
# A decline, a closing or a thank-you is calm talk whatever VADER makes of its "no": it can
# be frustrated only with a feeling cue ("no thanks, your service is useless").
CALM_CUES = frozenset(
    {
        "decline",
        "closing",
        "acknowledges",
        "no_preference",
        "gratitude",
        "reassurance",
        "resolved",
        "positive_emoji",
    }
)


def reasons(cues: Iterable[Cue], limit: int = MAX_REASONS) -> tuple[str, ...]:
    """At most ``limit`` support cues as an agent reads them, strongest first, none twice."""
    return merge((c.label for c in cues if c.name in REASON_CUES), limit=limit)


def merge(
    *groups: Iterable[str], limit: int = MAX_REASONS, last: str | None = None
) -> tuple[str, ...]:
    """Reasons from several places, in order, none twice, at most ``limit``; ``last`` (the
    customer's history) always makes the cut, as the last one."""
    found: list[str] = []
    for label in itertools.chain(*groups):
        if label not in found and label != last:
            found.append(label)
    if last is None:
        return tuple(found[:limit])
    return (*found[: limit - 1], last)


def explained(result: Assessment) -> bool:
    """Whether a support cue is among what pushed the score up (a coach must say why): a
    feeling cue, or a problem or negative tone in a message that is not calm talk."""
    names = {cue.name for cue in result.cues}
    if names & FEELING_CUES:
        return True
    return bool(names & PROBLEM_CUES) and not result.matched & CALM_CUES


def judge(state: ConversationState, customer: str, result: Assessment) -> bool:
    """Frustrated, in the conversation. The contextual model's score at its operating
    point decides (``decisive``). The lexicon reads a message on its own, so with it the
    coach also wants a cue of how the customer feels about the service (waiting,
    repetition, a broken promise, sarcasm, a threat, anger...). A problem told in negative
    words without one is a calm problem report ("my printer stopped printing after the
    update"), a correction ("no, it's the 12th") or bad news ("my tooth is killing me");
    it counts only from a customer already frustrated in this conversation."""
    if not result.fired:
        return False
    if result.decisive:  # the contextual model read the message in context: it decides
        return True
    return bool({cue.name for cue in result.cues} & FEELING_CUES) or customer in state.frustrated


def remember(
    state: ConversationState, event: MessagePosted | MessageEdited, result: Assessment, at: float
) -> ConversationState:
    """Keep the frustrated message until an agent's next reply is judged."""
    pending = Frustration(
        event.message_id,
        event.event_id,
        event.author,
        at,
        tuple(c.name for c in result.cues),
        reasons(result.cues),
    )
    frustrated = (*tuple(c for c in state.frustrated if c != event.author), event.author)
    return replace(state, frustration=pending, frustrated=frustrated[-MAX_PEOPLE:])


def heads_up(
    state: ConversationState, event: MessagePosted | MessageEdited, policy: Policy, now: float
) -> tuple[ConversationState, list[Nudge]]:
    frustration = state.frustration
    if frustration is None:
        return state, []
    past = history.reason(state.returning.get(event.author), policy.history)
    draft = Draft(
        NudgeKind.FRUSTRATION,
        event.event_id,
        merge(frustration.reasons, last=past),
        suggestions.suggestion(NudgeKind.FRUSTRATION, frustration.cues),
        event.author,
    )
    return issue(state, draft, policy, now)
