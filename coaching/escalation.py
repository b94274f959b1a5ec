"""Escalation risk: a frustrated customer who talks about taking it further (a manager,
a chargeback, a lawyer, a public review), about leaving, or who has grown more frustrated
message after message. The agents get an escalation warning instead of a plain heads-up,
at most once per cooldown. A customer frustrated or left unresolved last time escalates
sooner (rising over one message fewer), and the warning names that history.

Only a message judged frustrated can raise it: "could you cancel my subscription?" asked
calmly is a request, and "my manager asked me for an invoice" is not a threat.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from coaching import frustration, history, suggestions
from coaching.model import Assessment, label
from coaching.nudging import Draft, issue
from coaching.policy import Policy
from coaching.state import ConversationState
from coaching.types import Cue, MessageEdited, MessagePosted, Nudge, NudgeKind

RISING_FLOOR = (
    0.25  # a rise counts from an already uneasy start: 0.02 -> 0.4 -> 0.9 is one outburst
)
_INTENT = {
    "escalation": Cue("escalation", label("escalation"), 1.0),
    "churn": Cue("churn", label("churn"), 0.9),
}


@dataclass(frozen=True, slots=True)
class Risk:
    score: float
    cues: tuple[Cue, ...]


def assess(
    state: ConversationState, customer: str, result: Assessment, policy: Policy
) -> Risk | None:
    """The escalation risk a message judged frustrated shows, if any (``state`` holds its
    score)."""
    cues = [cue for name, cue in _INTENT.items() if name in result.matched]
    score = max((c.weight for c in cues), default=0.0)
    recent = state.scores.get(customer, ())
    turns = history.escalation_turns(state.returning.get(customer), policy.escalation_turns)
    if len(recent) >= turns:
        window = recent[-turns:]
        if window[0] >= RISING_FLOOR and all(b > a for a, b in itertools.pairwise(window)):
            rise = window[-1] - window[0]
            cues.append(Cue("rising", f"more frustrated over {turns} messages in a row", rise))
            score = max(score, min(1.0, 0.5 + rise))
    return Risk(score, tuple(cues)) if cues else None


def warn(
    state: ConversationState,
    event: MessagePosted | MessageEdited,
    risk: Risk,
    policy: Policy,
    now: float,
) -> tuple[ConversationState, list[Nudge]]:
    """The escalation warning, unless one went out within the cooldown (then nothing: the
    caller falls back to a heads-up)."""
    last = state.escalated_at
    if last is not None and now - last < policy.cooldown:
        return state, []
    state = replace(state, escalated_at=now)
    pending = state.frustration
    cue_names = tuple(c.name for c in risk.cues) + (pending.cues if pending else ())
    past = history.reason(state.returning.get(event.author), policy.history)
    why = frustration.merge(
        [c.label for c in risk.cues], pending.reasons if pending else (), last=past
    )
    draft = Draft(
        NudgeKind.ESCALATION,
        event.event_id,
        why,
        suggestions.suggestion(NudgeKind.ESCALATION, cue_names),
        event.author,
    )
    return issue(state, draft, policy, now)
