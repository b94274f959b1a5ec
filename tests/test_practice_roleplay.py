"""The role-play on the live engine: what a reply is judged on, how the customer reacts,
the branches taken, the scorecard, and that the same replies give the same result.

The scenario here is written for the tests (tests carry their own fixtures); the shipped
library is checked in test_practice_scenarios.py.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from coaching.acknowledgement import Verdict
from coaching.model import Assessment
from coaching.policy import Policy
from coaching.practice import criteria
from coaching.practice.judgement import honest, judge
from coaching.practice.roleplay import (
    WEEK,
    Briefing,
    CoachTip,
    CustomerSays,
    PracticeOver,
    Roleplay,
    Session,
    is_stop,
)
from coaching.practice.scenario import Need, Outcome, Reaction, Scenario, Step, from_dict
from coaching.practice.scorecard import Scorecard
from coaching.state import Promised
from coaching.steps import gives_instructions
from coaching.types import NudgeKind
from tests.helpers import ScriptedDetectors

SCENARIO: dict[str, Any] = {
    "id": "parcel",
    "title": "A late parcel",
    "situation": "The parcel is four days late.\nYou can send a replacement.",
    "customer": "Robin",
    "update_window": [15, 480],
    "steps": {
        "open": {
            "says": "My parcel is four days late and nobody has told me anything. Where is it??",
            "example": "I'm so sorry, Robin — four days with no news is really frustrating. "
            "I'm sending a replacement today.",
            "calm": "when",
            "partial": "push",
            "escalate": "angry",
        },
        "when": {
            "says": "Ok. When will I hear from you?",
            "needs": ["ownership", "update_time"],
            "example": "I'll message you by 3pm with the tracking number.",
            "calm": "calmed",
            "escalate": "gone",
        },
        "push": {
            "says": "Fine, but what are you going to do?",
            "needs": ["ownership", "next_step"],
            "example": "I'm sending a replacement by express today.",
            "calm": "calmed",
            "escalate": "gone",
        },
        "angry": {
            "says": "This is ridiculous. I've waited four days. I want a refund or a manager.",
            "example": "You're right to be angry, and I'm sorry. I'm refunding you now.",
            "calm": "calmed",
            "escalate": "gone",
        },
        "calmed": {"says": "Okay, thank you. That helps.", "outcome": "calmed"},
        "gone": {"says": "Forget it, I'm disputing the charge.", "outcome": "escalated"},
    },
}
EMPATHETIC = (
    "I'm really sorry, Robin — four days without a word is so frustrating. "
    "That's on us: I'm sending you a replacement by express today.",
    "I'll message you within the hour with the tracking number.",
)
DISMISSIVE = ("Calm down, these things happen.", "You'll need to contact the courier yourself.")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return from_dict(SCENARIO, "test")


@pytest.fixture(scope="module")
def roleplay() -> Roleplay:
    return Roleplay()


def play(roleplay: Roleplay, scenario: Scenario, replies: tuple[str, ...]) -> tuple[Session, list]:  # type: ignore[type-arg]
    session, lines = roleplay.start(scenario, "U1")
    shown = list(lines)
    for reply in replies:
        session, lines = roleplay.reply(scenario, session, reply)
        shown += lines
    return session, shown


def said(lines: list) -> list[str]:  # type: ignore[type-arg]
    return [line.text for line in lines if isinstance(line, CustomerSays)]


def test_empathetic_replies_calm_the_customer_and_score_high(
    roleplay: Roleplay, scenario: Scenario
) -> None:
    session, lines = play(roleplay, scenario, EMPATHETIC)
    steps = SCENARIO["steps"]
    assert said(lines) == [steps[s]["says"] for s in ("open", "when", "calmed")]
    assert isinstance(lines[0], Briefing) and lines[0].situation == (
        "The parcel is four days late. You can send a replacement."  # line breaks undone
    )
    card = lines[-1]
    assert isinstance(card, Scorecard) and session.finished
    assert (card.outcome, card.score, card.replies) == (Outcome.CALMED, 100, 2)
    assert card.try_ == () and card.examples == ()
    assert "You acknowledged how Robin felt in every reply that needed it." in card.strengths
    assert "You promised the next update at an honest time (within an hour)." in card.strengths
    assert any(s.startswith("Robin calmed down: frustration") for s in card.strengths)


def test_dismissive_replies_escalate_and_score_low(roleplay: Roleplay, scenario: Scenario) -> None:
    _, lines = play(roleplay, scenario, DISMISSIVE)
    steps = SCENARIO["steps"]
    assert said(lines) == [steps[s]["says"] for s in ("open", "angry", "gone")]
    card = lines[-1]
    assert isinstance(card, Scorecard)
    assert (card.outcome, card.score) == (Outcome.ESCALATED, 0)
    assert card.strengths == ()
    assert card.try_[0].startswith("Acknowledge how Robin feels before the fix (Robin ")
    assert any("brushed the customer's feelings aside" in t for t in card.try_)
    assert any("handed the problem back to the customer" in t for t in card.try_)
    # example wordings: the live coach's opener and the scenario's own example
    assert steps["open"]["example"] in card.examples
    assert any("kept waiting" in e or "frustrating" in e for e in card.examples)


def test_a_reply_that_half_lands_takes_the_partial_branch(
    roleplay: Roleplay, scenario: Scenario
) -> None:
    acknowledges_only = "I'm so sorry, that sounds really frustrating."
    session, lines = play(roleplay, scenario, (acknowledges_only,))
    assert said(lines)[-1] == SCENARIO["steps"]["push"]["says"]
    [judged] = session.judgements
    assert (judged.reaction, judged.met, judged.points) == (
        Reaction.PARTIAL,
        (Need.ACKNOWLEDGE,),
        50,
    )
    # without a partial branch a half-landing reply escalates
    no_partial = replace(
        scenario, steps={**scenario.steps, "open": replace(scenario.steps["open"], partial="")}
    )
    session, lines = play(roleplay, no_partial, (acknowledges_only,))
    assert said(lines)[-1] == SCENARIO["steps"]["angry"]["says"]


def test_the_live_coach_speaks_during_practice(roleplay: Roleplay, scenario: Scenario) -> None:
    _, lines = roleplay.start(scenario, "U1")
    [heads_up] = [line for line in lines if isinstance(line, CoachTip)]
    assert heads_up.kind is NudgeKind.FRUSTRATION
    assert heads_up.reasons and heads_up.suggestion
    session, _ = roleplay.start(scenario, "U1")
    _, lines = roleplay.reply(scenario, session, DISMISSIVE[0])
    kinds = [line.kind for line in lines if isinstance(line, CoachTip)]
    # the follow-up for the unacknowledging reply, then the warning at the customer's threat
    assert kinds == [NudgeKind.ACKNOWLEDGE, NudgeKind.ESCALATION]


def test_the_same_replies_give_the_same_session_and_scorecard(
    roleplay: Roleplay, scenario: Scenario
) -> None:
    for replies in (EMPATHETIC, DISMISSIVE, (EMPATHETIC[0], DISMISSIVE[1])):
        first, lines_a = play(roleplay, scenario, replies)
        second, lines_b = play(Roleplay(), scenario, replies)
        assert first == second and lines_a == lines_b


def test_a_session_round_trips_through_json_without_text(
    roleplay: Roleplay, scenario: Scenario
) -> None:
    session, _ = play(roleplay, scenario, EMPATHETIC[:1])
    stored = json.dumps(session.to_dict())
    assert Session.from_dict(json.loads(stored)) == session
    for text in (*EMPATHETIC, *(s["says"] for s in SCENARIO["steps"].values())):
        assert text not in stored
    assert "four days" not in stored
    # and it plays on from where it was stored
    resumed, lines = roleplay.reply(scenario, Session.from_dict(json.loads(stored)), EMPATHETIC[1])
    assert resumed.outcome is Outcome.CALMED and isinstance(lines[-1], Scorecard)


def test_stopping_early_is_unresolved_and_a_finished_session_takes_no_reply(
    roleplay: Roleplay, scenario: Scenario
) -> None:
    session, _ = play(roleplay, scenario, EMPATHETIC[:1])
    stopped, lines = roleplay.stop(scenario, session)
    [card] = lines
    assert isinstance(card, Scorecard) and card.outcome is Outcome.UNRESOLVED
    assert card.score == round(0.8 * 100 + 10)
    assert roleplay.stop(scenario, stopped) == (stopped, ())
    with pytest.raises(PracticeOver):
        roleplay.reply(scenario, stopped, "hello?")
    assert roleplay.scorecard(scenario, roleplay.start(scenario, "U1")[0]).score == 0


@pytest.mark.parametrize(
    ("text", "ownership", "next_step", "dismissive"),
    [
        ("I'll chase the courier myself right now.", True, True, False),
        ("Leave it with me.", True, False, False),
        ("That's on us, and I'm sorry.", True, False, False),
        ("I'll look into it.", True, False, False),
        ("I've refunded the second charge just now.", True, True, False),
        ("Here's what I'll do: a replacement goes out today.", False, True, False),
        ("You need to contact your bank.", False, False, True),
        ("It's with the courier now, nothing I can do.", False, False, True),
        ("Calm down, please.", False, False, True),
        ("That's our policy.", False, False, True),
        ("As I said, the refund takes 5 days.", False, False, True),
        ("Please wait for the courier to deliver it.", False, False, False),
        ("I'm staying on it until it happens.", True, False, False),  # not "it happens"
        ("It happens. The courier is busy.", False, False, True),
        ("You shouldn't have had to deal with it.", False, False, False),
        ("Sorry. Deal with it.", False, False, True),
    ],
)
def test_what_counts_as_ownership_a_next_step_and_dismissal(
    text: str, ownership: bool, next_step: bool, dismissive: bool
) -> None:
    assert criteria.takes_ownership(text) is ownership
    assert criteria.has_next_step(text) is next_step
    assert bool(criteria.dismissals(text)) is dismissive


def _promise(minutes: float, when: str = "within x") -> Promised:
    return Promised("U1", "e1", 0.0, minutes * 60, when)


def test_an_honest_update_time_is_a_time_inside_the_window() -> None:
    window = (15.0, 480.0)
    assert honest(_promise(60), window)
    assert not honest(_promise(5), window)  # "in five minutes" for a courier check
    assert not honest(_promise(3 * 1440), window)  # "by Thursday" for a live outage
    assert not honest(_promise(60, when=""), window)  # "I'll get back to you": no time
    assert not honest(None, window)


OWED, ACKNOWLEDGED, NOT_OWED = Verdict(True, False), Verdict(True, True), Verdict(False, False)


def test_points_and_reactions_follow_the_steps_needs() -> None:
    step = Step("s", "Where is it?", (Need.ACKNOWLEDGE, Need.OWNERSHIP, Need.NEXT_STEP))
    full = judge(step, "Sorry! I'm sending a replacement today.", ACKNOWLEDGED, None, (15, 480))
    assert (full.points, full.reaction) == (100, Reaction.CALM)
    no_ack = judge(step, "I'm sending a replacement today.", OWED, None, (15, 480))
    assert (no_ack.points, no_ack.reaction) == (50, Reaction.PARTIAL)
    rude = judge(step, "Calm down. I'm sending a replacement today.", ACKNOWLEDGED, None, (15, 480))
    assert (rude.points, rude.reaction) == (60, Reaction.ESCALATE)
    nothing = judge(step, "Ok.", OWED, None, (15, 480))
    assert (nothing.points, nothing.reaction) == (0, Reaction.ESCALATE)


def test_acknowledgement_is_needed_exactly_when_the_live_coach_owed_it() -> None:
    """Whatever the step lists: the scorecard never asks for what the coach did not, nor
    passes over a reply the coach followed up."""
    listed = Step("s", "Fine. Send it.", (Need.ACKNOWLEDGE, Need.OWNERSHIP, Need.NEXT_STEP))
    calm = judge(listed, "I'm sending a replacement today.", NOT_OWED, None, (15, 480))
    assert calm.needs == (Need.OWNERSHIP, Need.NEXT_STEP) and calm.missed() == ()
    assert (calm.points, calm.reaction) == (100, Reaction.CALM)
    unlisted = Step("s", "How long??", (Need.OWNERSHIP, Need.NEXT_STEP))
    missed = judge(unlisted, "I'm sending a replacement today.", OWED, None, (15, 480))
    assert missed.needs == (Need.ACKNOWLEDGE, Need.OWNERSHIP, Need.NEXT_STEP)
    assert missed.missed() == (Need.ACKNOWLEDGE,)
    assert (missed.points, missed.reaction) == (50, Reaction.PARTIAL)
    only = Step("s", "Ok, thanks.", (Need.ACKNOWLEDGE,))  # nothing asked of this reply
    assert judge(only, "Great.", NOT_OWED, None, (15, 480)).points == 100
    assert judge(only, "Calm down.", NOT_OWED, None, (15, 480)).reaction is Reaction.ESCALATE


@pytest.mark.parametrize("offset", [0.0, -8 * 3600.0, 9 * 3600.0])
def test_a_session_is_played_at_the_scenarios_weekday_and_time_in_the_teams_zone(
    offset: float,
) -> None:
    thursday = from_dict({**SCENARIO, "starts": "Thursday 14:30"})
    roleplay = Roleplay(Policy(utc_offset=lambda _at: offset))
    session, _ = roleplay.start(thursday, "U1")
    assert session.clock + offset - WEEK == 3 * 86_400 + 14.5 * 3600  # local wall time
    session, _ = roleplay.reply(thursday, session, "I'll message you by 5pm.")
    promised = session.state.promised
    assert promised is not None and promised.when == "by 17:00"
    assert promised.due - promised.at == 2.5 * 3600 - 120  # the reply came 2 minutes later
    assert Need.UPDATE_TIME in session.judgements[0].met


@pytest.mark.parametrize("text", ["stop", "Stop.", " /stop ", "END", "quit!"])
def test_stop_words_end_a_chat_practice(text: str) -> None:
    assert is_stop(text)


def test_a_sentence_with_stop_is_a_reply() -> None:
    assert not is_stop("I'll stop the second charge now.")


def test_confusion_is_read_only_after_the_agent_gave_instructions(scenario: Scenario) -> None:
    """As live (coaching.confusion.can_follow): reading confusion can cost the model a
    second run, and no confusion nudge can follow a reply that gave no instructions."""

    class Recording(ScriptedDetectors):
        def frustration(self, text: str, context: str = "", confusion: bool = True) -> Assessment:
            read.append(confusion)
            return super().frustration(text, context, confusion)

    read: list[bool] = []
    roleplay = Roleplay(Policy(), Recording())
    session, _ = roleplay.start(scenario, "U1")
    for reply in DISMISSIVE:  # no instructions, then "You'll need to contact the courier"
        session, _ = roleplay.reply(scenario, session, reply)
    assert [gives_instructions(r) for r in DISMISSIVE] == [False, True]
    assert read == [False, False, True]  # the opening, then after each reply
