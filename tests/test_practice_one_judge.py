"""One judge: what the practice scorecard says about acknowledgement is what the live coach
said during the session, reply by reply.

Every shipped scenario is played with a mix of acknowledging and non-acknowledging
replies, on both models. For each reply, the live coach's words are read off the lines
it showed (a heads-up or escalation warning on the customer's message: acknowledgement
owed; "Your reply didn't acknowledge how the customer feels": the follow-up), and set
against the reply's judgement and the scorecard's text. The case that started it:
double-charge, an apology that half-lands, then a fix without acknowledgement — the live
coach followed it up, and the scorecard used to say "You acknowledged how Priya felt in
every reply that needed it".
"""

from __future__ import annotations

import itertools
import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from adapters.base import Roles
from adapters.console.transcript import Turn
from adapters.console.transcript import load as load_transcript
from adapters.practice import PracticeCommand, PracticeMessage
from bot.ops.clock import VirtualClock
from bot.practice import importer, library
from bot.practice.service import PracticeService
from bot.practice.store import MemoryPracticeStore
from bot.service.scoring import build_scorer
from coaching.engine import Engine
from coaching.model import Assessment
from coaching.policy import Policy
from coaching.practice.roleplay import CoachTip, CustomerSays, Line, Roleplay, Session
from coaching.practice.scenario import Need, Scenario, from_dict
from coaching.practice.scorecard import Scorecard
from coaching.types import NudgeKind
from tests.helpers import ScriptedDetectors

SHIPPED = library.load()
MODELS = ("lexicon", "contextual")
ROLEPLAYS = {model: Roleplay(Policy(), build_scorer(model)) for model in MODELS}

ACKNOWLEDGES = "I'm so sorry, that's really frustrating."
FIXES = "I'm emailing you the confirmation now, and I'll message you by 3pm with an update."
BOTH = f"{ACKNOWLEDGES} {FIXES}"
BARE = "ok"
SORRY_BUT = "That's our policy, sorry."  # the detector hears an apology; dismissive all the same
# Each sequence answers the customer until the scenario ends (the last reply repeats).
SEQUENCES = (
    (ACKNOWLEDGES, FIXES),
    (FIXES,),
    (BOTH, BARE),
    (BARE, ACKNOWLEDGES, FIXES),
    (ACKNOWLEDGES, ACKNOWLEDGES, FIXES, BARE),
    (SORRY_BUT, FIXES, ACKNOWLEDGES),
    (FIXES, BOTH, SORRY_BUT, BARE),
)
# The case reproduced on the old code (both models): the live coach followed the fix up;
# the scorecard said acknowledgement was never missed. Whether Priya's "Reversing it how? I
# need something in writing..." reads as frustrated after the apology is the model's call.
# The lexicon and the contextual models a3eddb692ecc and 835c7f74e42c hear it so, and the fix
# answers it (SHORT); the contextual model before it (f6697a913ad6) read it as calm, so
# its case went one step further: a bare "ok" sent her to her bank ("Unbelievable...").
THURSDAY = "I'm emailing you the reversal confirmation now, and I'll message you by Thursday to check the money is back."  # fmt: skip
SHORT = ((ACKNOWLEDGES, THURSDAY), ["open", "proof"], [(True, False), (True, True)])
LONG = (
    (ACKNOWLEDGES, BARE, THURSDAY),
    ["open", "proof", "bank"],
    [(True, False), (False, False), (True, True)],
)
FOLLOW_UP = "Your reply didn't acknowledge how the customer feels."


def case(model: str) -> tuple[tuple[str, ...], list[str], list[tuple[bool, bool]]]:
    """SHORT when ``model`` hears Priya's second message as frustrated, else LONG."""
    scenario = SHIPPED.scenarios["double-charge"]
    *_, live = play(ROLEPLAYS[model], scenario, SHORT[0], to_the_end=False)
    return SHORT if live[1].owed else LONG


@dataclass(frozen=True)
class Heard:
    """What the live coach said around one reply."""

    owed: bool  # the customer's message before it got a heads-up (or escalation warning)
    follow_up: bool  # the reply got the acknowledgement follow-up
    why: tuple[str, ...] = field(default=(), compare=False)  # the follow-up's reasons


def heard(replies_lines: Sequence[Sequence[Line]], opening: Sequence[Line]) -> list[Heard]:
    """``opening``: the lines before the first reply; ``replies_lines``: each reply's."""
    found = []
    before = list(opening)
    for lines in replies_lines:
        owed = any(
            isinstance(line, CoachTip)
            and line.kind in (NudgeKind.FRUSTRATION, NudgeKind.ESCALATION)
            for line in _after_customer(before)
        )
        own = list(itertools.takewhile(lambda line: not isinstance(line, CustomerSays), lines))
        tips = [x for x in own if isinstance(x, CoachTip) and x.kind is NudgeKind.ACKNOWLEDGE]
        found.append(Heard(owed, bool(tips), tips[0].reasons if tips else ()))
        before = list(lines)
    return found


def _after_customer(lines: Sequence[Line]) -> list[Line]:
    customer = [i for i, line in enumerate(lines) if isinstance(line, CustomerSays)]
    return list(lines[customer[-1] + 1 :]) if customer else []


def play(
    roleplay: Roleplay, scenario: Scenario, replies: Sequence[str], to_the_end: bool = True
) -> tuple[Session, Scorecard, list[Heard]]:
    """``replies`` in turn (the last one repeated ``to_the_end``; otherwise the agent
    stops after them)."""
    session, opening = roleplay.start(scenario, "U1")
    each: list[Sequence[Line]] = []
    for turn in itertools.count():
        if session.finished or (turn == len(replies) and not to_the_end):
            break
        session, lines = roleplay.reply(scenario, session, replies[min(turn, len(replies) - 1)])
        each.append(lines)
    session, _ = roleplay.stop(scenario, session)
    return session, roleplay.scorecard(scenario, session), heard(each, opening)


def assert_one_judge(
    scenario: Scenario, session: Session, card: Scorecard, live: list[Heard]
) -> None:
    """Reply by reply, then the scorecard's words, against what the live coach said."""
    assert len(session.judgements) == len(live)
    for number, (judged, said) in enumerate(zip(session.judgements, live, strict=True), 1):
        where = f"{scenario.id} reply {number} (step {judged.step}): {said}"
        assert (Need.ACKNOWLEDGE in judged.needs) is said.owed, where
        assert (Need.ACKNOWLEDGE in judged.missed()) is said.follow_up, where
    who = scenario.customer
    follow_ups = sum(h.follow_up for h in live)
    # A dismissive reply the live coach heard as acknowledging is neither praised nor missed.
    tallied = sum(
        1
        for h, j in zip(live, session.judgements, strict=True)
        if h.owed and not (j.dismissive and not h.follow_up)
    )
    acknowledged = tallied - follow_ups
    tip = [t for t in card.try_ if t.startswith(f"Acknowledge how {who} feels before the fix")]
    assert bool(tip) is (follow_ups > 0), (scenario.id, live, card.try_)
    if tip:  # why, in the follow-ups' own words (what the customer's messages showed)
        given = {reason for h in live for reason in h.why}
        why = tip[0].partition(f"the fix ({who} ")[2].removesuffix(").")
        assert set(why.split("; ") if why else ()) <= given and bool(why) is bool(given), (
            tip,
            given,
        )
    praise = [s for s in card.strengths if s.startswith(f"You acknowledged how {who} felt")]
    if acknowledged == 0:
        assert praise == [], (scenario.id, live, praise)
    elif follow_ups == 0:
        assert praise == [f"You acknowledged how {who} felt in every reply that needed it."]
    else:
        assert praise == [
            f"You acknowledged how {who} felt in {acknowledged} of {tallied} replies."
        ]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("scenario_id", [s.id for s in SHIPPED])
def test_the_scorecard_says_what_the_live_coach_said_reply_by_reply(
    scenario_id: str, model: str
) -> None:
    scenario = SHIPPED.scenarios[scenario_id]
    follow_ups = owed = 0
    for replies in SEQUENCES:
        session, card, live = play(ROLEPLAYS[model], scenario, replies)
        assert_one_judge(scenario, session, card, live)
        follow_ups += sum(h.follow_up for h in live)
        owed += sum(h.owed for h in live)
    assert follow_ups and owed > follow_ups  # the mix had both kinds of reply


@pytest.mark.parametrize("model", MODELS)
def test_a_fix_without_acknowledgement_after_a_half_landing_apology_is_followed_up_and_scored_so(
    model: str,
) -> None:
    scenario = SHIPPED.scenarios["double-charge"]
    replies, steps, decisions = case(model)
    session, card, live = play(ROLEPLAYS[model], scenario, replies, to_the_end=False)
    assert [j.step for j in session.judgements] == steps
    assert [(h.owed, h.follow_up) for h in live] == decisions
    assert_one_judge(scenario, session, card, live)
    assert "You acknowledged how Priya felt in 1 of 2 replies." in card.strengths
    assert card.try_[0].startswith("Acknowledge how Priya feels before the fix")


def test_the_terminal_session_and_its_scorecard_agree(capsys: pytest.CaptureFixture[str]) -> None:
    """``coach practice double-charge`` from a pipe, as an agent would try it."""
    from bot.cli.main import main

    priya = case("contextual")[0]  # the default model's case
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", _Lines(priya))
        assert main(["practice", "double-charge"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # the panel's line breaks undone
    assert out.count(f"coach › {FOLLOW_UP}") == 1
    assert out.index(f"you › {priya[-1]}") < out.index(FOLLOW_UP)
    assert "in every reply that needed it" not in out
    assert "You acknowledged how Priya felt in 1 of 2 replies." in out


async def test_chat_practice_stores_and_scores_the_live_coachs_decisions() -> None:
    """Through the service behind Slack's and Discord's direct messages: the session is
    stored between replies, and the scorecard still reads the follow-up it sent."""
    roles = Roles(agents=frozenset({"UAGENT"}))
    practice = PracticeService(SHIPPED, MemoryPracticeStore(), roles, VirtualClock(1_700_000_000.0))
    started = await practice.command(
        PracticeCommand("slack", "T1", "UAGENT", frozenset(), "double-charge")
    )
    answers, card, stopped = [started.lines], None, False
    for number, reply in enumerate((*case("contextual")[0], "stop")):
        answer = await practice.message(PracticeMessage("slack", "UAGENT", f"m{number}", reply))
        answers.append(answer.lines)
        card = next((line for line in answer.lines if isinstance(line, Scorecard)), None)
        if card is not None:  # Priya's last step ends the session, or "stop" does
            stopped = reply == "stop"
            break
    assert isinstance(card, Scorecard)
    live = heard(answers[1:-1] if stopped else answers[1:], answers[0])
    # Whether Priya's "Reversing it how?" counts may differ with what the model reads it
    # beside; what must hold is that the scorecard counts exactly the follow-ups the DM
    # showed, and that the fix was one of them.
    assert live[0] == Heard(True, False) and live[-1] == Heard(True, True, live[-1].why)
    owed, missed = sum(h.owed for h in live), sum(h.follow_up for h in live)
    assert (
        f"You acknowledged how Priya felt in {owed - missed} of {owed} replies." in card.strengths
    )
    assert any(t.startswith("Acknowledge how Priya feels") for t in card.try_)


TRANSCRIPT = [
    {"conversation": "c-7", "role": "customer", "author": "c1", "ts": 100,
     "text": "I've been waiting two weeks for my refund and nobody answers my emails!!"},
    {"conversation": "c-7", "role": "agent", "author": "a1", "ts": 160,
     "text": "I'm so sorry, that must be really frustrating. I'm processing the refund now."},
    {"conversation": "c-7", "role": "customer", "author": "c1", "ts": 220,
     "text": "Ok. When will it show up on my card?"},
    {"conversation": "c-7", "role": "agent", "author": "a1", "ts": 280,
     "text": "Within 3-5 working days."},
    {"conversation": "c-7", "role": "customer", "author": "c1", "ts": 340,
     "text": "5 days?? That's ridiculous, this is the third time I've had to chase you."},
    {"conversation": "c-7", "role": "agent", "author": "a1", "ts": 400, "text": "Please hold."},
    {"conversation": "c-7", "role": "customer", "author": "c1", "ts": 460,
     "text": "Forget it. I'm disputing it with my bank."},
]  # fmt: skip


@pytest.mark.parametrize("model", MODELS)
def test_an_imported_scenario_is_judged_by_the_live_coach_too(tmp_path: Path, model: str) -> None:
    """``coach practice --import``: the draft's steps come from the engine's reading of a
    real conversation; played, its scorecard agrees with the live coach like any other."""
    source = tmp_path / "refund.jsonl"
    source.write_text("\n".join(json.dumps(row) for row in TRANSCRIPT) + "\n")
    turns = importer.conversations(load_transcript(source).turns)["c-7"]
    drafted = importer.draft(turns, "refund", Policy(), model)
    scenario = from_dict(tomllib.loads(drafted.toml), "draft")
    # The draft keeps an original answer as the example unless the live coach would have
    # followed it up: here the calm question's plain answer stays, "Please hold." goes.
    kept = {s.example for s in scenario.steps.values()}
    assert "Within 3-5 working days." in kept and "Please hold." not in kept
    assert drafted.toml.count("(the live coach\n# would have followed it up)") == 1
    follow_ups = 0
    for replies in SEQUENCES:
        session, card, live = play(ROLEPLAYS[model], scenario, replies)
        assert_one_judge(scenario, session, card, live)
        follow_ups += sum(h.follow_up for h in live)
    assert follow_ups


class _Lines:
    """Standard input from a pipe: the replies, one a line."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = [f"{line}\n" for line in lines]

    def readline(self) -> str:
        return self.lines.pop(0) if self.lines else ""

    def isatty(self) -> bool:
        return False


def test_the_importer_reads_confusion_only_after_instructions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As live (coaching.confusion.can_follow): a second model run saved wherever no
    confusion nudge could follow."""
    read: list[bool] = []

    class Recording(ScriptedDetectors):
        def frustration(self, text: str, context: str = "", confusion: bool = True) -> Assessment:
            read.append(confusion)
            return super().frustration(text, context, confusion)

    monkeypatch.setattr(importer, "build_engine", lambda *_: Engine(Policy(), Recording()))
    turns = [
        Turn("c", "customer", "kim", "Hi, the app drains my battery.", 0.0, 1),
        Turn("c", "agent", "sam", "Go to Settings, then Privacy, and switch it off.", 60.0, 2),
        Turn("c", "customer", "kim", "where is Privacy?", 120.0, 3),
        Turn("c", "agent", "sam", "Thanks for waiting.", 180.0, 4),
        Turn("c", "customer", "kim", "ok", 240.0, 5),
    ]
    importer.exchanges(turns)
    assert read == [False, True, False]
