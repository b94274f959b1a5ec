"""``coach practice --check``: is each scenario a fair exercise?

Every scenario is played twice by the live engine: once answering each customer message
with the scenario's own example reply for that step, once with dismissive replies that
could be pasted into any conversation. A usable scenario calms the customer down with
its examples, escalates with the dismissive replies, and scores the examples at least
``MIN_GAP`` points higher; and every step's example, wherever it is, is a reply that
calms the customer at that step. Teams run it on their own scenarios before sharing them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.service.scoring import DEFAULT_MODEL, build_scorer
from coaching.policy import Policy
from coaching.practice.roleplay import Line, Roleplay, Session
from coaching.practice.scenario import Outcome, Reaction, Scenario, Step
from coaching.practice.scorecard import Scorecard

MIN_GAP = 30
DISMISSIVE = (
    "Please wait, these things happen.",
    "That's our policy, I'm afraid there's nothing I can do.",
    "You'll need to contact the other department yourself.",
    "As I said, please be patient.",
)

Replies = Callable[[Step, int], str]  # the step to answer, the reply's number -> the reply


def example_replies(step: Step, _turn: int) -> str:
    return step.example


def dismissive_replies(_step: Step, turn: int) -> str:
    return DISMISSIVE[turn % len(DISMISSIVE)]


def play(
    roleplay: Roleplay, scenario: Scenario, replies: Replies, agent: str = "check"
) -> tuple[Session, list[Line]]:
    """A whole session, ``replies`` answering every customer message until the ending."""
    session, lines = roleplay.start(scenario, agent)
    shown = list(lines)
    while not session.finished:
        session, lines = roleplay.reply(
            scenario, session, replies(scenario.step(session.step), session.turn)
        )
        shown += lines
    return session, shown


@dataclass(frozen=True)
class Row:
    scenario: str
    empathetic: Scorecard
    dismissive: Scorecard
    problems: tuple[str, ...] = field(default=())  # examples that would not calm

    @property
    def gap(self) -> int:
        return self.empathetic.score - self.dismissive.score

    @property
    def ok(self) -> bool:
        return (
            self.gap >= MIN_GAP
            and self.empathetic.outcome is Outcome.CALMED
            and self.dismissive.outcome is Outcome.ESCALATED
            and not self.problems
        )


def scorecard_of(roleplay: Roleplay, scenario: Scenario, replies: Replies) -> Scorecard:
    session, _ = play(roleplay, scenario, replies)
    return roleplay.scorecard(scenario, session)


def weak_examples(roleplay: Roleplay, scenario: Scenario) -> tuple[str, ...]:
    """Every step's example, answered at its step (the step's message opening the
    session, so the live coach reads the message the example answers): those that would
    not calm."""
    problems = []
    for step in scenario.steps.values():
        if step.ending:
            continue
        session, _ = roleplay.start(scenario, "check", at=step.name)
        session, _ = roleplay.reply(scenario, session, step.example)
        judged = session.judgements[-1]
        if judged.reaction is not Reaction.CALM:
            missed = ", ".join(n.value for n in judged.missed()) or "nothing"
            dismissive = "; dismissive" if judged.dismissive else ""
            problems.append(
                f"[steps.{step.name}] example does not calm the customer "
                f"(misses: {missed}{dismissive})"
            )
    return tuple(problems)


def check(
    scenarios: list[Scenario], policy: Policy | None = None, model: str = DEFAULT_MODEL
) -> list[Row]:
    roleplay = Roleplay(policy, build_scorer(model, policy))
    return [
        Row(
            s.id,
            scorecard_of(roleplay, s, example_replies),
            scorecard_of(roleplay, s, dismissive_replies),
            weak_examples(roleplay, s),
        )
        for s in scenarios
    ]
