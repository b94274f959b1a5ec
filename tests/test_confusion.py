"""The confusion nudge's rules, with fixed assessments (the model's decisions on real
lines: tests/test_confusion_tables.py), and the patterns that decide "after instructions"
and "clarified" (coaching/steps.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.reports.summary import compute
from bot.service.scoring import build_engine
from bot.store.base import Slice
from bot.store.records import SignalRecord
from coaching.engine import Engine, StepResult
from coaching.model import Assessment
from coaching.policy import Policy
from coaching.scoring import CONFUSION_READS_CONTEXT
from coaching.state import ConversationState
from coaching.steps import clarifies, confusion_evidence, gives_instructions
from coaching.types import (
    ConversationClosed,
    Cue,
    Event,
    MessageDeleted,
    NudgeKind,
    SignalKind,
)
from tests.helpers import CONV, Script

T0 = 1_790_000_000.0
STEPS = "Go to Settings, then Privacy, and switch off Background Sync."
LET_ME_CHECK = "Let me check that for you."
CALM = Assessment(0.1, False, (), confusion=0.1)
LOST = Assessment(
    0.1,
    False,
    (),
    confusion=0.9,
    confused=True,
    confusion_cues=(Cue("where_is", "asks where a setting is", 1.2),),
)
LOST_PLAINLY = replace(LOST, confusion_cues=(Cue("seems_lost", "seems lost in the steps", 0.0),))
FRUSTRATED_AND_LOST = replace(
    LOST,
    score=0.9,
    fired=True,
    decisive=True,
    cues=(Cue("complaint", "uses complaint words", 1.0),),
)
AGENT = Assessment(0.0, False, ())


class Conversation:
    """One conversation played through an engine, an assessment given per message."""

    def __init__(self, engine: Engine | None = None) -> None:
        self.engine = engine or Engine(Policy(cooldown=0))
        self.script = Script()
        self.state: ConversationState | None = None
        self.at = T0

    def step(self, event: Event, assessment: Assessment | None = None) -> StepResult:
        result = self.engine.step(self.state, event, self.at, assessment)
        self.state = result.state
        return result

    def say(self, role: str, text: str, assessment: Assessment | None = None) -> StepResult:
        self.at += 60
        author = "agent-1" if role == "agent" else "customer-1"
        return self.step(self.script.msg(role, author, text, self.at), assessment or AGENT)

    def kinds(self, result: StepResult) -> list[NudgeKind]:
        return [n.kind for n in result.nudges]


def test_a_lost_customer_after_instructions_gets_one_nudge_with_a_plain_reason() -> None:
    c = Conversation()
    c.say("customer", "Hi, sync keeps eating my battery.", CALM)
    c.say("agent", STEPS)
    result = c.say("customer", "sorry, where is that setting?", LOST)
    [nudge] = result.nudges
    assert nudge.kind is NudgeKind.CONFUSION and nudge.agent == "agent-1"
    assert nudge.reasons == ("asks where a setting is",)
    assert "one step at a time" in nudge.suggestion and "screenshot" in nudge.suggestion
    assert nudge.headline == "The customer seems lost in your steps."
    [signal] = [s for s in result.signals if s.kind is SignalKind.CONFUSION]
    assert signal.fired and signal.subject == "customer-1" and signal.score == 0.9
    plain = Conversation()
    plain.say("agent", STEPS)
    [nudge] = plain.say("customer", "hmm?", LOST_PLAINLY).nudges
    assert nudge.reasons == ("seems lost in the steps",)


def test_a_team_that_turned_confusion_off_gets_no_confusion_nudge() -> None:
    off = Conversation(Engine(Policy(cooldown=0, confusion_nudges=False)))
    off.say("agent", STEPS)
    result = off.say("customer", "sorry, where is that setting?", LOST)
    assert list(result.nudges) == []
    assert not [s for s in result.signals if s.kind is SignalKind.CONFUSION]
    assert off.state is not None and off.state.confusion is None


def test_the_confusion_switch_is_read_from_the_settings(tmp_path: Path) -> None:
    from bot.service.policy import policy_from
    from config.load import load

    path = tmp_path / "coach.toml"
    path.write_text("[coaching]\nconfusion_nudges = false\n")
    assert policy_from(load(path).settings).confusion_nudges is False
    assert Policy().confusion_nudges is True


def test_never_on_the_first_message_before_any_agent_message() -> None:
    c = Conversation()
    result = c.say("customer", "I'm lost, where is the settings page?", LOST)
    assert result.nudges == () and not [s for s in result.signals if s.kind is SignalKind.CONFUSION]


def test_never_after_an_agent_message_without_instructions() -> None:
    c = Conversation()
    c.say("agent", STEPS)
    c.say("agent", LET_ME_CHECK)  # the latest agent message gives none
    assert c.say("customer", "sorry, where is that?", LOST).nudges == ()


def test_one_nudge_per_episode_until_an_agent_replies() -> None:
    c = Conversation()
    c.say("agent", STEPS)
    assert c.kinds(c.say("customer", "where is it?", LOST)) == [NudgeKind.CONFUSION]
    assert c.say("customer", "I still can't find it", LOST).nudges == ()
    c.say("agent", STEPS)  # the agent replied: a new episode may start
    assert c.kinds(c.say("customer", "which button?", LOST)) == [NudgeKind.CONFUSION]


def test_the_cooldown_holds_back_a_second_episode() -> None:
    c = Conversation(Engine(Policy(cooldown=3600)))
    c.say("agent", STEPS)
    assert c.kinds(c.say("customer", "where is it?", LOST)) == [NudgeKind.CONFUSION]
    c.say("agent", STEPS)
    assert c.say("customer", "which button?", LOST).nudges == ()


def test_a_frustrated_and_lost_customer_gets_the_heads_up_only() -> None:
    c = Conversation()
    c.say("agent", STEPS)
    result = c.say("customer", "I can't find it and this is ridiculous", FRUSTRATED_AND_LOST)
    assert c.kinds(result) == [NudgeKind.FRUSTRATION]


def test_a_calm_reading_and_a_goodbye_get_nothing() -> None:
    c = Conversation()
    c.say("agent", STEPS)
    assert c.say("customer", "done, what's next?", CALM).nudges == ()
    bye = replace(LOST, matched=frozenset({"closing"}))
    c.say("agent", "Anything else? Have a great day.")
    c.say("agent", STEPS)
    assert c.say("customer", "that's all, thanks, bye", bye).nudges == ()


def test_the_lexicon_has_no_confusion_output_and_sends_no_confusion_nudge() -> None:
    engine = build_engine(Policy(cooldown=0), "lexicon")
    assert engine.detectors.frustration("I don't understand, what do you mean?").confusion is None
    c = Conversation(engine)
    c.step(c.script.msg("agent", "agent-1", STEPS, T0))
    result = c.step(c.script.msg("customer", "customer-1", "I'm lost, which button?", T0 + 60))
    assert NudgeKind.CONFUSION not in c.kinds(result)


def test_the_next_reply_is_judged_for_clarification_once() -> None:
    c = Conversation()
    c.say("agent", STEPS)
    c.say("customer", "where is it?", LOST)
    result = c.say("agent", "No problem. What do you see on your screen right now?")
    [clarified] = [s for s in result.signals if s.kind is SignalKind.CLARIFICATION]
    assert clarified.fired and clarified.subject == "agent-1"
    later = c.say("agent", "Let me know.")
    assert not [s for s in later.signals if s.kind is SignalKind.CLARIFICATION]
    c.say("agent", STEPS)
    c.say("customer", "which one?", LOST)
    result = c.say("agent", STEPS + " Then restart the app and sign in again with your email.")
    [unclear] = [s for s in result.signals if s.kind is SignalKind.CLARIFICATION]
    assert not unclear.fired


def test_deleting_the_lost_message_or_closing_ends_the_episode() -> None:
    c = Conversation()
    c.say("agent", STEPS)
    c.say("customer", "where is it?", LOST)
    assert c.state is not None and c.state.confusion is not None
    c.step(MessageDeleted("del", CONV, c.state.confusion.message_id, c.at))
    assert c.state.confusion is None
    c.say("agent", STEPS)
    c.say("customer", "which one?", LOST)
    c.step(ConversationClosed("close", CONV, c.at))
    assert c.state.confusion is None


def test_the_episode_survives_a_restart() -> None:
    c = Conversation()
    c.say("agent", STEPS)
    c.say("customer", "where is it?", LOST)
    assert c.state is not None
    restored = ConversationState.from_dict(c.state.to_dict())
    assert restored == c.state and restored.confusion is not None and restored.instructions > 0
    old = {k: v for k, v in c.state.to_dict().items() if k not in ("instructions", "confusion")}
    assert ConversationState.from_dict(old).confusion is None  # stored before confusion


def test_summaries_count_confused_customers_and_clarified_replies() -> None:
    def signal(kind: str, subject: str, fired: bool, conversation: str = "c1") -> SignalRecord:
        return SignalRecord("e", conversation, kind, subject, 1.0, fired, (), T0)

    signals = [
        signal("confusion", "cust-a", True),
        signal("confusion", "cust-a", True),  # a second episode of the same customer
        signal("confusion", "cust-b", True, "c2"),
        signal("clarification", "agent", True),
        signal("clarification", "agent", False),
    ]
    figures = compute(Slice(signals=signals), T0)
    assert len(figures.confused) == 2
    assert (figures.clarified, figures.answered_confusion) == (1, 2)
    exported = figures.as_dict()
    assert exported["confused_customers"] == 2
    assert exported["clarified_in_next_reply_counts"] == {
        "hits": 1,
        "total": 2,
        "share": None,
        "ci95": None,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (STEPS, True),
        ("1. Open the app\n2. Tap Account", True),
        ("In the admin console, open Billing.", True),
        ("Could you send me a screenshot of the error?", True),
        ("You'll need to restart the router first.", True),
        (LET_ME_CHECK, False),
        ("One moment, I'm looking into it now.", False),
        ("Would you like me to book it for you?", False),
        ("Hello! How can I help you today?", False),
        ("Which city are you travelling from?", False),
    ],
)
def test_what_counts_as_instructions(text: str, expected: bool) -> None:
    assert gives_instructions(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What do you see on your screen right now?", True),
        ("I can send you a screenshot, or we can hop on a quick call.", True),
        ("Sorry! First just tap the cog icon.", True),
        (STEPS + " Then restart the app and sign in again.", False),
        ("As I said, it's in Settings.", False),
    ],
)
def test_what_counts_as_clarifying(text: str, expected: bool) -> None:
    assert clarifies(text, instruction_words=12) is expected


def test_confusion_cues_name_what_they_saw() -> None:
    assert [n for n, _ in confusion_evidence("sorry, where is that setting?")] == ["where_is"]
    assert [n for n, _ in confusion_evidence("I don't follow, which button?")] == [
        "dont_follow",
        "which_one",
    ]
    assert confusion_evidence("done, what's next?") == ()


def test_lost_messages_are_read_without_context_by_the_shipped_model() -> None:
    """The shipped scorer reads confusion on the message alone (coaching/scoring.py)."""
    scorer = build_engine(Policy(), "contextual").detectors
    alone = scorer.frustration("I don't understand, what do you mean by that?")
    with_steps = scorer.frustration("I don't understand, what do you mean by that?", STEPS)
    assert with_steps.confused and with_steps.confusion_cues
    if not CONFUSION_READS_CONTEXT:
        assert alone.confusion == with_steps.confusion is not None


def test_analyze_sends_the_confusion_nudge_after_instructions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`coach analyze` reads confusion only after instructions (bot/cli/analyze.py): there
    it still does, with the shipped model; after a plain agent message it cannot."""
    rows = [
        ("customer", "Hi, the app drains my battery."),
        ("agent", STEPS),
        ("customer", "I don't understand, what do you mean by that?"),
        ("agent", LET_ME_CHECK),
        ("customer", "I don't understand, what do you mean by that?"),
    ]
    path = tmp_path / "a.jsonl"
    path.write_text(
        "\n".join(json.dumps({"conversation": "c", "role": r, "text": t}) for r, t in rows)
    )
    assert main(["analyze", str(path)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["coach"]["nudges"] for row in out] == [[], [], ["confusion"], [], []]


def test_replay_json_and_summary_carry_confusion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    turns = [
        ("customer", "kim", "Hi, the app drains my battery.", 0),
        ("agent", "sam", STEPS, 60),
        ("customer", "kim", "I don't understand, what do you mean by that?", 120),
        ("agent", "sam", "No problem. What do you see on your screen right now?", 180),
    ]
    path = tmp_path / "t.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"conversation": "c1", "role": r, "author": a, "text": t, "ts": ts})
            for r, a, t, ts in turns
        )
    )
    assert main(["replay", str(path), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["kind"], r["agent"]) for r in rows] == [("confusion", "sam")]
    assert main(["replay", str(path), "--summary", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["confused_customers"] == 1 and summary["nudges"] == {"confusion": 1}
    assert summary["clarified_in_next_reply_counts"]["hits"] == 1
