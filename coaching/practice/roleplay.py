"""The role-play: a simulated customer who follows a scenario's branches, and the live
engine judging every turn.

Each customer message and each agent reply is stepped through ``Engine.step`` as a
conversation of its own, on a virtual clock (the scenario's weekday and time, in the
team's zone), exactly as in production: the engine scores the customer's frustration and
gives the agent the heads-up it would give live; it decides whether the reply owed and
gave acknowledgement (and sends the follow-up when it missed), and reads a promised
update. coaching/practice/judgement.py takes that decision as it is, adds ownership and
a concrete next step, picks the customer's reaction, and the scenario says what the
customer says next. At an ending (or when the agent stops) comes the scorecard.

Pure and deterministic: the same scenario and replies give the same lines and the same
score. A ``Session`` holds no message text (only step names, scores and cue names), so
it can be stored while the agent thinks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from coaching import confusion
from coaching.engine import Engine, MessageDetectors
from coaching.policy import Policy
from coaching.practice import scorecard
from coaching.practice.judgement import Judgement, judge
from coaching.practice.scenario import Outcome, Scenario, Step
from coaching.practice.scorecard import Scorecard
from coaching.promises import LocalTime
from coaching.state import ConversationState
from coaching.types import (
    ConversationRef,
    MessagePosted,
    Nudge,
    NudgeKind,
    Role,
    SignalKind,
)

PLATFORM = "practice"
WEEK = 1_705_276_800.0  # Monday 15 January 2024, 00:00: the week every session is played in
REPLY_AFTER = 120.0  # the agent answers two minutes after the customer writes ...
CUSTOMER_AFTER = 60.0  # ... and the customer a minute after that
CUSTOMER = "customer"


@dataclass(frozen=True, slots=True)
class Briefing:
    """The situation, before the customer's first message."""

    scenario: str
    title: str
    situation: str
    customer: str


@dataclass(frozen=True, slots=True)
class CustomerSays:
    name: str
    text: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class CoachTip:
    """What the live coach would privately tell the agent at this point."""

    kind: NudgeKind
    headline: str
    reasons: tuple[str, ...]
    suggestion: str

    @classmethod
    def of(cls, nudge: Nudge) -> CoachTip:
        return cls(nudge.kind, nudge.headline, nudge.reasons, nudge.suggestion)


@dataclass(frozen=True, slots=True)
class Note:
    """Anything else a surface should show (how to reply, that a session is over...)."""

    text: str


Line = Briefing | CustomerSays | CoachTip | Note | Scorecard


STOP_WORDS = frozenset({"stop", "/stop", "end", "/end", "quit", "/quit"})


def is_stop(text: str) -> bool:
    """Whether a chat message asks to end the practice rather than answer the customer."""
    return text.strip().strip(".!").lower() in STOP_WORDS


class PracticeOver(Exception):
    """A reply to a session that has ended."""


@dataclass(frozen=True, slots=True)
class Session:
    scenario: str
    agent: str
    step: str  # the step whose customer message awaits a reply (or the ending)
    clock: float  # virtual POSIX seconds of the latest message
    state: ConversationState  # the engine's, as in production (no text)
    judgements: tuple[Judgement, ...] = ()
    cues: tuple[str, ...] = ()  # what the latest customer message showed
    scores: tuple[float, ...] = ()  # the customer's frustration, message by message
    outcome: Outcome | None = None

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    @property
    def turn(self) -> int:
        return len(self.judgements)

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": 1,
            "scenario": self.scenario,
            "agent": self.agent,
            "step": self.step,
            "clock": self.clock,
            "state": self.state.to_dict(),
            "judgements": [j.to_dict() for j in self.judgements],
            "cues": list(self.cues),
            "scores": list(self.scores),
            "outcome": self.outcome.value if self.outcome else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Session:
        outcome = data.get("outcome")
        return cls(
            scenario=str(data["scenario"]),
            agent=str(data["agent"]),
            step=str(data["step"]),
            clock=float(data["clock"]),
            state=ConversationState.from_dict(data["state"]),
            judgements=tuple(Judgement.from_dict(j) for j in data.get("judgements", ())),
            cues=tuple(data.get("cues", ())),
            scores=tuple(float(s) for s in data.get("scores", ())),
            outcome=Outcome(outcome) if outcome else None,
        )


class Roleplay:
    def __init__(
        self, policy: Policy | None = None, detectors: MessageDetectors | None = None
    ) -> None:
        # The team's thresholds and time zone, but every tip shown at once: a practice
        # turn takes virtual minutes, and spacing tips by the live cooldown would hide
        # most of them. ``detectors``: the live coach's scorer (bot/service/scoring.py).
        policy = policy or Policy()
        self.engine = Engine(replace(policy, cooldown=0.0, ack_grace=0.0), detectors)
        self.local = LocalTime(policy.utc_offset)

    def start(
        self, scenario: Scenario, agent: str, at: str | None = None
    ) -> tuple[Session, tuple[Line, ...]]:
        """The briefing and the customer's opening message (with the live heads-up);
        ``at``: open with that step's message instead (``--check`` tries each example
        where the live coach reads the message it answers)."""
        ref = ConversationRef(PLATFORM, agent, scenario.id, "session")
        # The agent has picked the conversation up: the live coach addresses them from
        # the first message on.
        state = ConversationState.new(ref).with_agent(agent)
        # The scenario's weekday and time, in the team's zone (wall time -> POSIX).
        begins = self.local.to_posix(WEEK + scenario.week_offset)
        first = scenario.step(at or scenario.start)
        session = Session(scenario.id, agent, first.name, begins, state)
        briefing = Briefing(scenario.id, scenario.title, scenario.situation, scenario.customer)
        session, lines = self._customer(scenario, session, first, begins)
        return session, (briefing, *lines)

    def reply(
        self, scenario: Scenario, session: Session, text: str
    ) -> tuple[Session, tuple[Line, ...]]:
        """The agent's reply, judged; then the customer's answer, and at an ending the
        scorecard."""
        if session.finished:
            raise PracticeOver(session.scenario)
        step = scenario.step(session.step)
        at = session.clock + REPLY_AFTER
        event = MessagePosted(
            event_id=f"{PLATFORM}:{scenario.id}:{session.turn}:agent",
            conversation=session.state.conversation,
            message_id=f"agent-{session.turn}",
            author=session.agent,
            role=Role.AGENT,
            text=text,
            sent_at=at,
        )
        result = self.engine.step(session.state, event, at)
        assert result.verdict is not None  # every agent message gets one
        promise = result.state.promised
        if promise is not None and promise.at != at:
            promise = None  # an earlier reply's promise, still standing
        # The live coach's own decision on the reply: the follow-up below came from it.
        judgement = judge(step, text, result.verdict, promise, scenario.update_window, session.cues)
        tips = _tips(result.nudges, session.agent)
        session = replace(
            session,
            state=result.state,
            clock=at,
            judgements=(*session.judgements, judgement),
        )
        following = scenario.step(step.after(judgement.reaction))
        session, lines = self._customer(
            scenario, session, following, at + CUSTOMER_AFTER, context=text
        )
        return session, (*tips, *lines)

    def stop(self, scenario: Scenario, session: Session) -> tuple[Session, tuple[Line, ...]]:
        """The agent ends the session before the customer's last word: unresolved."""
        if session.finished:
            return session, ()
        session = replace(session, outcome=Outcome.UNRESOLVED)
        return session, (self.scorecard(scenario, session),)

    def scorecard(self, scenario: Scenario, session: Session) -> Scorecard:
        outcome = session.outcome or Outcome.UNRESOLVED
        return scorecard.build(scenario, session.judgements, outcome, session.scores)

    def _customer(
        self, scenario: Scenario, session: Session, step: Step, at: float, context: str = ""
    ) -> tuple[Session, list[Line]]:
        """The customer's message, read as live with the agent's reply before it."""
        event = MessagePosted(
            event_id=f"{PLATFORM}:{scenario.id}:{session.turn}:customer",
            conversation=session.state.conversation,
            message_id=f"customer-{session.turn}",
            author=CUSTOMER,
            role=Role.CUSTOMER,
            text=step.says,
            sent_at=at,
        )
        lost = confusion.can_follow(session.state)  # as live: only after instructions
        assessment = self.engine.detectors.frustration(step.says, context, lost)
        result = self.engine.step(session.state, event, at, assessment)
        felt = next(s for s in result.signals if s.kind is SignalKind.FRUSTRATION)
        session = replace(
            session,
            step=step.name,
            clock=at,
            state=result.state,
            cues=tuple(c.name for c in felt.cues),
            scores=(*session.scores, round(felt.score, 2)),
            outcome=step.outcome,
        )
        lines: list[Line] = [CustomerSays(scenario.customer, step.says)]
        if step.ending:
            lines.append(self.scorecard(scenario, session))
        else:
            lines += _tips(result.nudges, session.agent)
        return session, lines


def _tips(nudges: tuple[Nudge, ...], agent: str) -> list[Line]:
    return [CoachTip.of(n) for n in nudges if n.agent == agent]
