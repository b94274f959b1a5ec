"""The coaching engine: ``step(state, event, now) -> StepResult``.

Pure and deterministic: the same state, event and time always give the same new state,
signals and nudges (with the same nudge ids), so a redelivered event cannot produce a
second, different nudge and a replay reproduces a live run exactly.

What it does, per event:
- customer message: score frustration (and its trend); a frustrated message gives the
  conversation's agents a heads-up before they reply, or an escalation warning when the
  customer talks about escalating or has grown more frustrated turn after turn;
- agent message: score acknowledgement; the first reply after a frustrated message that
  does not acknowledge the customer's feelings earns that agent a follow-up nudge;
- tick: a customer left waiting past the policy's limit earns the agents a reminder.
Nudges go only to agents who have posted in the conversation, never to a customer.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Protocol

from coaching import suggestions
from coaching.detectors import Detectors
from coaching.model import Assessment
from coaching.nudging import Draft, format_duration, issue, recipients
from coaching.policy import Policy
from coaching.state import AckDue, ConversationState, Frustration, MessageSeen, Pending
from coaching.types import (
    ConversationClosed,
    Cue,
    Event,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    Nudge,
    NudgeKind,
    Role,
    Signal,
    SignalKind,
    Tick,
)

# Cue names that end a customer's need for an update ("thanks, that fixed it").
_CLOSING_CUES = frozenset({"gratitude", "resolved"})
_RISING_FLOOR = 0.25


@dataclass(frozen=True, slots=True)
class StepResult:
    state: ConversationState
    signals: tuple[Signal, ...] = ()
    nudges: tuple[Nudge, ...] = ()
    note: str | None = None  # why an event changed nothing, for the runtime's log


class MessageDetectors(Protocol):
    def frustration(self, text: str) -> Assessment: ...
    def acknowledgement(self, text: str) -> Assessment: ...


class Engine:
    def __init__(
        self, policy: Policy | None = None, detectors: MessageDetectors | None = None
    ) -> None:
        self.policy = policy or Policy()
        self.detectors: MessageDetectors = detectors or Detectors(
            self.policy.frustration_threshold, self.policy.acknowledgement_threshold
        )

    def step(self, state: ConversationState | None, event: Event, now: float) -> StepResult:
        state = state or ConversationState.new(event.conversation)
        if isinstance(event, MessagePosted):
            return self._posted(state, event, now)
        if isinstance(event, Tick):
            return self._tick(state, event.now)
        if isinstance(event, MessageEdited):
            return self._edited(state, event, now)
        if isinstance(event, MessageDeleted):
            return self._deleted(state, event)
        if isinstance(event, ConversationClosed):
            closed = replace(
                state,
                closed=True,
                unanswered=(),
                frustration=None,
                ack_due=None,
                last_activity=max(state.last_activity, event.closed_at),
            )
            return StepResult(closed)
        raise TypeError(f"unknown event type {type(event).__name__}")

    def next_deadline(self, state: ConversationState) -> float | None:
        """The earliest time a ``Tick`` could produce a nudge for this conversation."""
        deadlines = []
        if state.ack_due is not None:
            deadlines.append(state.ack_due.due)
        since = state.waiting_since
        if (
            since is not None
            and self._waiting_applies(state)
            and state.waiting_reminders < self.policy.waiting_max_reminders
        ):
            deadlines.append(self._waiting_due(state, since))
        return min(deadlines) if deadlines else None

    # --- messages ----------------------------------------------------------------------

    def _posted(self, state: ConversationState, event: MessagePosted, now: float) -> StepResult:
        if event.role is Role.BOT:
            return StepResult(state, note="bot message ignored")
        seen = MessageSeen(event.message_id, event.author, event.role, event.sent_at)
        state = replace(
            state.with_message(seen),
            closed=False,
            last_activity=max(state.last_activity, event.sent_at),
        )
        if event.role is Role.CUSTOMER:
            return self._customer_message(state, event, now)
        return self._agent_message(state, event, now)

    def _customer_message(
        self, state: ConversationState, event: MessagePosted, now: float
    ) -> StepResult:
        result = self.detectors.frustration(event.text)
        state = state.with_customer(event.author).with_score(event.author, result.score)
        signals = [self._signal(SignalKind.FRUSTRATION, event, event.author, result)]
        if state.last_agent_at is not None and event.sent_at < state.last_agent_at:
            # Delivered late: an agent has already replied after it. Score it, nothing more.
            return StepResult(state, tuple(signals), note="message older than the last agent reply")
        nudges: list[Nudge] = []
        # The agent's turn ended without acknowledgement: the follow-up is due now.
        state, due = self._flush_ack(state, now, force=True)
        nudges += due
        closing = (
            bool(_CLOSING_CUES & result.matched) and "?" not in event.text and not result.fired
        )
        if not closing:
            pending = Pending(event.message_id, event.event_id, event.author, event.sent_at)
            state = replace(state, unanswered=(*state.unanswered, pending)[-20:])
        if result.fired or "escalation" in result.matched:
            state, more_signals, more_nudges = self._frustrated(state, event, result, now)
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
        """A frustrated message, or one that talks about escalating: warn the agents."""
        names = tuple(c.name for c in result.cues)
        reasons = tuple(c.label for c in result.cues)
        at = event.sent_at if isinstance(event, MessagePosted) else event.edited_at
        if result.fired:
            pending = Frustration(
                event.message_id, event.event_id, event.author, at, names, reasons
            )
            state = replace(state, frustration=pending)
        signals: list[Signal] = []
        escalation = self._escalation(state, event.author, result)
        if escalation is not None:
            score, cues = escalation
            signals.append(
                Signal(
                    SignalKind.ESCALATION,
                    event.conversation,
                    event.author,
                    score,
                    True,
                    cues,
                    event.event_id,
                    at,
                )
            )
            last = state.escalated_at
            if last is None or now - last >= self.policy.cooldown:
                state = replace(state, escalated_at=now)
                why = tuple(c.label for c in cues if c.label not in reasons) + reasons
                draft = Draft(
                    NudgeKind.ESCALATION,
                    event.event_id,
                    why,
                    suggestions.suggestion(NudgeKind.ESCALATION, names),
                    event.author,
                )
                state, nudges = issue(state, draft, self.policy, now)
                return state, signals, nudges
        if not result.fired:
            return state, signals, []
        draft = Draft(
            NudgeKind.FRUSTRATION,
            event.event_id,
            reasons,
            suggestions.suggestion(NudgeKind.FRUSTRATION, names),
            event.author,
        )
        state, nudges = issue(state, draft, self.policy, now)
        return state, signals, nudges

    def _escalation(
        self, state: ConversationState, customer: str, result: Assessment
    ) -> tuple[float, tuple[Cue, ...]] | None:
        cues: list[Cue] = []
        score = 0.0
        if "escalation" in result.matched:
            cues.append(Cue("escalation_intent", "talks about escalating", 1.0))
            score = 1.0
        if not result.fired:
            return (score, tuple(cues)) if cues else None
        recent = state.scores.get(customer, ())
        turns = self.policy.escalation_turns
        if len(recent) >= turns:
            window = recent[-turns:]
            # Rising from an already uneasy start: 0.02 -> 0.4 -> 0.9 is one outburst.
            if window[0] >= _RISING_FLOOR and all(b > a for a, b in itertools.pairwise(window)):
                rise = window[-1] - window[0]
                cues.append(Cue("rising", f"more frustrated over {turns} messages in a row", rise))
                score = max(score, min(1.0, 0.5 + rise))
        return (score, tuple(cues)) if cues else None

    def _agent_message(
        self, state: ConversationState, event: MessagePosted, now: float
    ) -> StepResult:
        result = self.detectors.acknowledgement(event.text)
        last = state.last_agent_at
        state = replace(
            state.with_agent(event.author),
            # Only what came before this reply is answered by it (deliveries can be late).
            unanswered=tuple(p for p in state.unanswered if p.at > event.sent_at),
            waiting_reminders=0,
            reminded_at=None,
            last_agent_at=event.sent_at if last is None else max(last, event.sent_at),
        )
        signal = self._signal(SignalKind.ACKNOWLEDGEMENT, event, event.author, result)
        nudges: list[Nudge] = []
        due = state.ack_due
        if due is not None and due.agent == event.author and result.fired:
            state = replace(state, ack_due=None)  # acknowledged in a later part of the reply
        elif due is not None and due.agent != event.author:
            state, nudges = self._flush_ack(state, now, force=True)
        frustration = state.frustration
        if frustration is not None and frustration.at <= event.sent_at:
            state = replace(state, frustration=None)
            if not result.fired:
                due = AckDue(
                    event.author,
                    event.event_id,
                    now + self.policy.ack_grace,
                    frustration,
                    event.message_id,
                )
                state = replace(state, ack_due=due)
                state, more = self._flush_ack(state, now, force=False)
                nudges += more
        return StepResult(state, (signal,), tuple(nudges))

    def _flush_ack(
        self, state: ConversationState, now: float, force: bool
    ) -> tuple[ConversationState, list[Nudge]]:
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
        return issue(state, draft, self.policy, now, agents=[due.agent])

    def _edited(self, state: ConversationState, event: MessageEdited, now: float) -> StepResult:
        seen = state.find_message(event.message_id)
        if seen is None:
            return StepResult(state, note="edit of a message this conversation has not seen")
        if event.role is Role.CUSTOMER:
            result = self.detectors.frustration(event.text)
            signal = self._signal(SignalKind.FRUSTRATION, event, event.author, result)
            still_unanswered = any(p.message_id == event.message_id for p in state.unanswered)
            already = state.frustration is not None
            if result.fired and still_unanswered and not already:
                state, signals, nudges = self._frustrated(state, event, result, now)
                return StepResult(state, (signal, *signals), tuple(nudges))
            return StepResult(state, (signal,))
        if event.role is Role.AGENT:
            result = self.detectors.acknowledgement(event.text)
            signal = self._signal(SignalKind.ACKNOWLEDGEMENT, event, event.author, result)
            due = state.ack_due
            if due is not None and due.message_id == event.message_id and result.fired:
                state = replace(state, ack_due=None)
            return StepResult(state, (signal,))
        return StepResult(state, note="edit by a bot ignored")

    def _deleted(self, state: ConversationState, event: MessageDeleted) -> StepResult:
        if state.find_message(event.message_id) is None:
            return StepResult(state, note="deletion of a message this conversation has not seen")
        unanswered = tuple(p for p in state.unanswered if p.message_id != event.message_id)
        frustration = state.frustration
        if frustration is not None and frustration.message_id == event.message_id:
            frustration = None
        return StepResult(replace(state, unanswered=unanswered, frustration=frustration))

    # --- timers ------------------------------------------------------------------------

    def _waiting_applies(self, state: ConversationState) -> bool:
        return not state.closed and bool(state.unanswered) and bool(recipients(state, self.policy))

    def _waiting_due(self, state: ConversationState, since: float) -> float:
        """The first reminder comes ``waiting_after`` into the wait; each next one
        ``waiting_repeat`` after the previous (not after the start: after downtime,
        reminders must not fire back to back)."""
        if state.reminded_at is None:
            return since + self.policy.waiting_after
        return state.reminded_at + self.policy.waiting_repeat

    def _tick(self, state: ConversationState, now: float) -> StepResult:
        state, nudges = self._flush_ack(state, now, force=False)
        since = state.waiting_since
        if (
            since is None
            or not self._waiting_applies(state)
            or state.waiting_reminders >= self.policy.waiting_max_reminders
            or now < self._waiting_due(state, since)
        ):
            return StepResult(state, (), tuple(nudges))
        first = state.unanswered[0]
        waited = now - since
        cue = Cue("waiting_time", f"no reply for {format_duration(waited)}", waited)
        signal = Signal(
            SignalKind.WAITING,
            state.conversation,
            first.customer,
            min(1.0, waited / (self.policy.waiting_after * 3)),
            True,
            (cue,),
            first.event_id,
            now,
        )
        trigger = f"{first.event_id}#wait{state.waiting_reminders + 1}"
        state = replace(state, waiting_reminders=state.waiting_reminders + 1, reminded_at=now)
        draft = Draft(
            NudgeKind.WAITING,
            trigger,
            (cue.label,),
            suggestions.suggestion(NudgeKind.WAITING),
            first.customer,
            headline=f"The customer has been waiting {format_duration(waited)} for an update.",
            cooldown=False,
        )
        state, more = issue(state, draft, self.policy, now)
        return StepResult(state, (signal,), tuple(nudges + more))

    @staticmethod
    def _signal(
        kind: SignalKind, event: MessagePosted | MessageEdited, subject: str, result: Assessment
    ) -> Signal:
        at = event.sent_at if isinstance(event, MessagePosted) else event.edited_at
        return Signal(
            kind,
            event.conversation,
            subject,
            result.score,
            result.fired,
            result.cues,
            event.event_id,
            at,
        )
