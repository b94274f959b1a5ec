"""Acknowledgement: the follow-up an agent gets when their reply to a frustrated customer
did not acknowledge how the customer feels.

Owed only after a customer message that was itself judged frustrated: a calm problem
report ("I was billed for a plan I cancelled") needs an answer, not "that must be
frustrating". The first agent reply after the frustrated message is judged; without
acknowledgement the follow-up is due ``ack_grace`` later (agents who split a reply get
that long to add it), or at once when the customer or another agent speaks first.

The decision on each reply is also returned as a ``Verdict``, so whoever reports on the
reply (the practice scorecard) reads the very decision the follow-up came from.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from coaching import suggestions
from coaching.model import Assessment
from coaching.nudging import Draft, issue
from coaching.policy import Policy
from coaching.state import AckDue, ConversationState
from coaching.types import MessageEdited, MessagePosted, Nudge, NudgeKind


@dataclass(frozen=True, slots=True)
class Verdict:
    """The decision on one agent reply."""

    owed: bool  # it answered a frustrated customer message: acknowledgement was owed
    acknowledged: bool  # the acknowledgement detector fired

    @property
    def follow_up(self) -> bool:
        """Owed and missing: the follow-up is due (sent after ``ack_grace``, unless the
        same agent acknowledges in a later part of the reply)."""
        return self.owed and not self.acknowledged


def on_reply(
    state: ConversationState, event: MessagePosted, result: Assessment, policy: Policy, now: float
) -> tuple[ConversationState, list[Nudge], Verdict]:
    """An agent replied (``result``: its acknowledgement score)."""
    nudges: list[Nudge] = []
    due = state.ack_due
    if due is not None and due.agent == event.author and result.fired:
        state = replace(state, ack_due=None)  # acknowledged in a later part of the reply
    elif due is not None and due.agent != event.author:
        state, nudges = flush(state, policy, now, force=True)
    frustration = state.frustration
    verdict = Verdict(
        owed=frustration is not None and frustration.at <= event.sent_at,
        acknowledged=result.fired,
    )
    if frustration is not None and verdict.owed:
        state = replace(state, frustration=None)
        if verdict.follow_up:
            due = AckDue(
                event.author, event.event_id, now + policy.ack_grace, frustration, event.message_id
            )
            state, more = flush(replace(state, ack_due=due), policy, now, force=False)
            nudges += more
    return state, nudges, verdict


def on_edit(
    state: ConversationState, event: MessageEdited, result: Assessment
) -> ConversationState:
    """Editing the reply to acknowledge cancels its pending follow-up."""
    due = state.ack_due
    if due is not None and due.message_id == event.message_id and result.fired:
        return replace(state, ack_due=None)
    return state


def flush(
    state: ConversationState, policy: Policy, now: float, force: bool
) -> tuple[ConversationState, list[Nudge]]:
    """Send the pending follow-up if it is due (or ``force``: the agent's turn is over)."""
    due = state.ack_due
    if due is None or (not force and now < due.due):
        return state, []
    state = replace(state, ack_due=None)
    f = due.frustration
    draft = Draft(
        NudgeKind.ACKNOWLEDGE,
        due.event_id,
        f.reasons,
        suggestions.suggestion(NudgeKind.ACKNOWLEDGE, f.cues),
        f.customer,
    )
    return issue(state, draft, policy, now, agents=[due.agent])
