"""The coaching engine: ``step(state, event, now) -> StepResult``.

Pure and deterministic: the same state, event and time always give the same new state,
signals and nudges (with the same nudge ids), so a redelivered event cannot produce a
second, different nudge and a replay reproduces a live run exactly.

What it does, per event (each signal lives in its own module; this one composes them):
- customer message: score frustration. A frustrated message gives the conversation's
  agents a heads-up before they reply (coaching/frustration.py), or an escalation
  warning when the customer talks about escalating or leaving, or has grown more
  frustrated turn after turn (coaching/escalation.py). A question or request is owed an
  answer; a closing or a decline owes nothing and marks the conversation resolved
  (coaching/owed.py) — when the customer who opened the conversation (its owner) says
  it: another customer's "that's all, thanks, bye" in their thread resolves nothing
  (their frustration and their questions count like anyone's);
- agent message: score acknowledgement; the first reply after a frustrated message that
  does not acknowledge the customer's feelings earns that agent a follow-up
  (coaching/acknowledgement.py). A promise ("I'll get back to you within 10 minutes")
  starts the owed-update timer at the promised time;
- confusion (coaching/confusion.py): a customer message the model reads as lost, after
  an agent message that gave instructions, earns the agents one nudge per episode to slow
  down; the agent's next reply is judged for clarification. A message judged frustrated
  gets the heads-up (or escalation warning) instead: one nudge, not two;
- tick: an update owed past its time earns the agents a reminder, carrying a drafted
  holding update; when a team opted in, one automatic holding update per wait follows
  if no agent writes (coaching/updates.py). An update the bot posted for an agent comes
  back as their message (``MessagePosted.update``): it settles what was owed and starts
  its own promise's timer, and is not judged as a reply.
- history (coaching/history.py): a customer's first message here carries their earlier
  conversations, looked up by the runtime. A customer at risk (back often, or frustrated
  or unresolved last time) earns the first agent who posts one private brief; their
  heads-ups and escalation warnings name that history, and they escalate sooner.
Nudges go only to agents who have posted in the conversation, never to a customer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from coaching import (
    acknowledgement,
    confusion,
    escalation,
    frustration,
    history,
    owed,
    updates,
)
from coaching.acknowledgement import Verdict
from coaching.detectors import Detectors
from coaching.model import Assessment
from coaching.policy import Policy
from coaching.scoring import LexiconScorer
from coaching.state import ConversationState, MessageSeen
from coaching.types import (
    ConversationClosed,
    Cue,
    Event,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    Nudge,
    Role,
    Signal,
    SignalKind,
    Tick,
)

_SETTLED = {
    owed.Settles.CLOSING: "wrapped up the conversation",
    owed.Settles.DECLINE: "declined anything more",
}


@dataclass(frozen=True, slots=True)
class StepResult:
    state: ConversationState
    signals: tuple[Signal, ...] = ()
    nudges: tuple[Nudge, ...] = ()
    note: str | None = None  # why an event changed nothing, for the runtime's log
    holding: tuple[updates.HoldingUpdate, ...] = ()  # automatic updates for the runtime to post
    # An agent message: was acknowledgement owed, and did it come (the follow-up's cause).
    verdict: Verdict | None = None


class MessageDetectors(Protocol):
    def frustration(self, text: str, context: str = "", confusion: bool = True) -> Assessment: ...
    def acknowledgement(self, text: str, context: str = "") -> Assessment: ...


class Engine:
    """``detectors`` score a message the runtime has not scored already (a message arrives
    with its ``assessment`` when the runtime scored it off the event loop, with context);
    the default is the lexicon, which needs no model file."""

    def __init__(
        self, policy: Policy | None = None, detectors: MessageDetectors | None = None
    ) -> None:
        self.policy = policy or Policy()
        self.detectors: MessageDetectors = detectors or LexiconScorer(
            Detectors(self.policy.frustration_threshold, self.policy.acknowledgement_threshold)
        )

    def step(
        self,
        state: ConversationState | None,
        event: Event,
        now: float,
        assessment: Assessment | None = None,
    ) -> StepResult:
        """``assessment``: the message's score, when the runtime has it already."""
        state = state or ConversationState.new(event.conversation)
        if isinstance(event, MessagePosted):
            return self._posted(state, event, now, assessment)
        if isinstance(event, Tick):
            return self._tick(state, event.now)
        if isinstance(event, MessageEdited):
            return self._edited(state, event, now, assessment)
        if isinstance(event, MessageDeleted):
            return self._deleted(state, event)
        if isinstance(event, ConversationClosed):
            closed = replace(
                state,
                closed=True,
                unanswered=(),
                promised=None,
                frustration=None,
                confusion=None,
                ack_due=None,
                last_activity=max(state.last_activity, event.closed_at),
            )
            return StepResult(closed)
        raise TypeError(f"unknown event type {type(event).__name__}")

    def next_deadline(self, state: ConversationState) -> float | None:
        """The earliest time a ``Tick`` could produce a nudge for this conversation."""
        deadlines = [owed.deadline(state, self.policy), updates.due(state, self.policy)]
        if state.ack_due is not None:
            deadlines.append(state.ack_due.due)
        found = [d for d in deadlines if d is not None]
        return min(found) if found else None

    # --- messages ----------------------------------------------------------------------

    def _posted(
        self,
        state: ConversationState,
        event: MessagePosted,
        now: float,
        assessment: Assessment | None,
    ) -> StepResult:
        if event.role is Role.BOT:
            return StepResult(state, note="bot message ignored")
        seen = MessageSeen(event.message_id, event.author, event.role, event.sent_at)
        state = replace(
            state.with_message(seen),
            closed=False,
            last_activity=max(state.last_activity, event.sent_at),
        )
        if event.role is Role.CUSTOMER:
            result = assessment or self.detectors.frustration(event.text)
            return self._customer_message(state, event, result, now)
        result = assessment or self.detectors.acknowledgement(event.text)
        return self._agent_message(state, event, result, now)

    def _customer_message(
        self, state: ConversationState, event: MessagePosted, result: Assessment, now: float
    ) -> StepResult:
        state = history.remember(state, event, self.policy.history)  # before with_customer
        state = state.scored_by(result.detector).with_customer(event.author)
        state = state.with_score(event.author, result.score)
        judged = frustration.judge(state, event.author, result)
        signals = [_signal(SignalKind.FRUSTRATION, event, result, judged)]
        if state.last_agent_at is not None and event.sent_at < state.last_agent_at:
            # Delivered late: an agent has already replied after it. Score it, nothing more.
            return StepResult(state, tuple(signals), note="message older than the last agent reply")
        # The agent's turn ended without acknowledgement: the follow-up is due now.
        state, nudges = acknowledgement.flush(state, self.policy, now, force=True)
        by_owner = event.author == state.owner
        settled = owed.settles(result, event.text, judged, state.signed_off, by_owner)
        state = owed.on_customer(state, event, settled)
        if settled in (owed.Settles.CLOSING, owed.Settles.DECLINE):
            signals.append(_resolved(event, settled))
        if judged:
            state, more_signals, more_nudges = self._frustrated(state, event, result, now)
        elif settled in (owed.Settles.CLOSING, owed.Settles.DECLINE):
            more_signals, more_nudges = [], []
        else:
            # Frustration wins over confusion (above): a frustrated customer's feelings come
            # first, the acknowledgement follow-up hangs on that heads-up, and the heads-ups
            # and false-alarm figures stay exactly what they were before confusion existed.
            state, more_signals, more_nudges = confusion.on_customer(
                state, event, result, self.policy, now
            )
        signals += more_signals
        nudges += more_nudges
        return StepResult(state, tuple(signals), tuple(nudges))

    def _frustrated(
        self,
        state: ConversationState,
        event: MessagePosted | MessageEdited,
        result: Assessment,
        now: float,
    ) -> tuple[ConversationState, list[Signal], list[Nudge]]:
        """A frustrated message: warn the agents of escalation risk, or give a heads-up."""
        at = event.sent_at if isinstance(event, MessagePosted) else event.edited_at
        state = frustration.remember(state, event, result, at)
        risk = escalation.assess(state, event.author, result, self.policy)
        signals: list[Signal] = []
        if risk is not None:
            signals.append(
                Signal(
                    SignalKind.ESCALATION,
                    event.conversation,
                    event.author,
                    risk.score,
                    True,
                    risk.cues,
                    event.event_id,
                    at,
                )
            )
            state, nudges = escalation.warn(state, event, risk, self.policy, now)
            if nudges:
                return state, signals, nudges
        state, nudges = frustration.heads_up(state, event, self.policy, now)
        return state, signals, nudges

    def _agent_message(
        self, state: ConversationState, event: MessagePosted, result: Assessment, now: float
    ) -> StepResult:
        last = state.last_agent_at
        state = replace(
            owed.on_agent(state.with_agent(event.author), event, self.policy),
            last_agent_at=event.sent_at if last is None else max(last, event.sent_at),
        )
        if event.update:
            # A holding update the bot posted for the agent: it is the owed update, not
            # their reply (a frustrated customer's reply is still judged when it comes).
            return StepResult(state, note=f"{event.update} update")
        clarification: list[Signal] = []
        if last is None or event.sent_at >= last:  # a late-delivered older reply gave no steps
            state, clarification = confusion.on_agent(state, event)
        state, briefs = history.brief(state, event, self.policy, now)
        state, nudges, verdict = acknowledgement.on_reply(state, event, result, self.policy, now)
        signal = _signal(SignalKind.ACKNOWLEDGEMENT, event, result, result.fired)
        return StepResult(state, (signal, *clarification), tuple(briefs + nudges), verdict=verdict)

    def _edited(
        self,
        state: ConversationState,
        event: MessageEdited,
        now: float,
        assessment: Assessment | None,
    ) -> StepResult:
        seen = state.find_message(event.message_id)
        if seen is None:
            return StepResult(state, note="edit of a message this conversation has not seen")
        if event.role is Role.CUSTOMER:
            result = assessment or self.detectors.frustration(event.text)
            judged = frustration.judge(state, event.author, result)
            signal = _signal(SignalKind.FRUSTRATION, event, result, judged)
            still_unanswered = any(p.message_id == event.message_id for p in state.unanswered)
            if judged and still_unanswered and state.frustration is None:
                state, signals, nudges = self._frustrated(state, event, result, now)
                return StepResult(state, (signal, *signals), tuple(nudges))
            return StepResult(state, (signal,))
        if event.role is Role.AGENT:
            result = assessment or self.detectors.acknowledgement(event.text)
            signal = _signal(SignalKind.ACKNOWLEDGEMENT, event, result, result.fired)
            return StepResult(acknowledgement.on_edit(state, event, result), (signal,))
        return StepResult(state, note="edit by a bot ignored")

    def _deleted(self, state: ConversationState, event: MessageDeleted) -> StepResult:
        if state.find_message(event.message_id) is None:
            return StepResult(state, note="deletion of a message this conversation has not seen")
        unanswered = tuple(p for p in state.unanswered if p.message_id != event.message_id)
        pending = state.frustration
        if pending is not None and pending.message_id == event.message_id:
            pending = None
        lost = state.confusion
        if lost is not None and lost.message_id == event.message_id:
            lost = None
        return StepResult(
            replace(state, unanswered=unanswered, frustration=pending, confusion=lost)
        )

    # --- timers ------------------------------------------------------------------------

    def _tick(self, state: ConversationState, now: float) -> StepResult:
        state, nudges = acknowledgement.flush(state, self.policy, now, force=False)
        state, signals, more = owed.remind(state, self.policy, now)
        state, holding = updates.auto(state, self.policy, now)
        return StepResult(state, tuple(signals), tuple(nudges + more), holding=tuple(holding))


def _signal(
    kind: SignalKind, event: MessagePosted | MessageEdited, result: Assessment, fired: bool
) -> Signal:
    at = event.sent_at if isinstance(event, MessagePosted) else event.edited_at
    return Signal(
        kind,
        event.conversation,
        event.author,
        result.score,
        fired,
        result.cues,
        event.event_id,
        at,
        result.detector,
    )


def _resolved(event: MessagePosted, settled: owed.Settles) -> Signal:
    return Signal(
        SignalKind.RESOLVED,
        event.conversation,
        event.author,
        1.0,
        True,
        (Cue(settled.value, _SETTLED[settled], 1.0),),
        event.event_id,
        event.sent_at,
    )
