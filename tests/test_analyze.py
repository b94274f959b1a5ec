"""`coach analyze` runs the live coach's engine over its rows: conversations in order, the
previous agent row as context, a clock from ``ts`` or a minute a row, and the same
judgements and nudges as `coach replay` of the same transcript."""

from __future__ import annotations

import asyncio
import io
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from adapters.console.transcript import Turn, in_order, load
from bot.cli.analyze import AnalyzeStats, analyze_lines, analyze_row, read_lines
from bot.cli.main import main
from bot.service.context_cache import AgentContext
from bot.service.policy import policy_from
from bot.service.replay import Replayer
from coaching.detectors import Detectors
from coaching.engine import Engine
from coaching.model import Assessment
from coaching.policy import Policy
from coaching.types import Cue, Nudge
from config import load as load_config
from tests.conftest import FIXTURES

TRANSCRIPT = FIXTURES / "analyze_conversations.jsonl"
WAITING = Cue("waiting", "says they have been kept waiting", 0.5)
NOT_WORKING = Cue("not_working", "reports something broken", 0.5)


# --- analyze and replay agree ---------------------------------------------------------


@dataclass
class Replayed:
    """One turn as `coach replay` saw it: its score and the nudges around it."""

    turn: Turn
    score: float
    fired: bool
    timers: list[str]  # sent on a timer since its conversation's previous turn
    nudges: list[str] = field(default_factory=list)  # sent on the turn itself


def replayed(path: Path, config_path: Path | None) -> list[Replayed]:
    """The transcript through `coach replay`'s runtime, one entry per turn in file order."""
    transcript = load(path)
    turns, problems = in_order(transcript.turns)
    assert not transcript.problems and not problems
    settings = load_config(config_path).settings
    seen: dict[int, Replayed] = {}
    timers: dict[str, list[str]] = defaultdict(list)  # by conversation, until its next turn
    current: list[Replayed] = []  # the turn being processed, while its nudges are shown

    def show_message(turn: Turn, score: tuple[str, float, bool] | None) -> None:
        assert score is not None
        _, value, fired = score
        entry = Replayed(turn, value, fired, timers.pop(turn.conversation, []))
        seen[turn.line] = entry
        current.append(entry)

    def show_nudge(nudge: Nudge) -> None:
        if current:
            current[-1].nudges.append(nudge.kind.value)
        else:
            timers[nudge.conversation.thread].append(nudge.kind.value)

    replayer = Replayer(
        policy_from(settings),
        show_message,
        show_nudge,
        history_days=settings.coaching.history_days,
        model=settings.coaching.model,
    )
    asyncio.run(replayer.run(turns, path.stem, on_turn=current.clear))
    return [seen[line] for line in sorted(seen)]


def analyzed(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    code = main(["analyze", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


@pytest.mark.parametrize("model", ["default", "lexicon"])
def test_analyze_agrees_with_replay(
    model: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config: Path | None = None
    if model == "lexicon":
        config = tmp_path / "lexicon.toml"
        config.write_text('[coaching]\nmodel = "lexicon"\n')
    else:
        assert load_config(None).settings.coaching.model == "contextual"
    extra = ["--config", str(config)] if config else []
    rows = analyzed(capsys, str(TRANSCRIPT), *extra)
    turns = replayed(TRANSCRIPT, config)
    assert len(rows) == len(turns) == len(TRANSCRIPT.read_text().splitlines())
    assert {t.turn.conversation for t in turns} == {"order", "password", "refund"}
    for row, turn in zip(rows, turns, strict=True):
        where = f"row {row['id']}"
        assert row["role"] == turn.turn.role, where
        coach = row["coach"]
        if turn.turn.role == "customer":
            # the same score means the same context: the previous agent turn, as kept live
            assert row["frustration"] == pytest.approx(turn.score, abs=1e-4), where
            assert coach["judged_frustrated"] is turn.fired, where
        else:
            assert row["acknowledges"] is turn.fired, where
            assert coach["judged_frustrated"] is False, where
        assert coach["nudges"] == turn.nudges, where
        assert coach["timers"] == turn.timers, where
    # not vacuous: the agent's promise ("let me check") falls due between two rows
    assert any(row["coach"]["timers"] == ["waiting"] for row in rows)


# --- conversations, context and time, with a scripted scorer ---------------------------


class Scripted:
    """ "ANGRY" fires with a feeling cue, "BROKEN" with a problem cue only; lexicon-like
    (not decisive), so the engine wants the feeling cue. Agents acknowledge with "sorry"."""

    name = "scripted"
    fingerprint = "scripted"

    def __init__(self) -> None:
        self.contexts: list[tuple[str, str]] = []
        self.confusion_read: list[tuple[str, bool]] = []

    def frustration(self, text: str, context: str = "", confusion: bool = True) -> Assessment:
        self.contexts.append((text, context))
        self.confusion_read.append((text, confusion))
        if "ANGRY" in text:
            return Assessment(0.9, True, (WAITING,), frozenset({"waiting"}))
        if "BROKEN" in text:
            return Assessment(0.7, True, (NOT_WORKING,), frozenset({"not_working"}))
        return Assessment(0.1, False, ())

    def acknowledgement(self, text: str, context: str = "") -> Assessment:
        sorry = "sorry" in text
        return Assessment(0.9 if sorry else 0.1, sorry, ())


def run(rows: Iterable[Any], scorer: Scripted | None = None) -> list[dict[str, Any]]:
    engine = Engine(Policy(), scorer or Scripted())
    lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
    problems: list[str] = []
    out = analyze_lines(lines, engine, AnalyzeStats(), problems.append)
    return [json.loads(line) for line in out]


def kept(agent_text: str) -> str:
    """An agent message as the runtime keeps it for the next customer message."""
    cache = AgentContext()
    cache.note("c", agent_text)
    return cache.get("c")


def test_customer_rows_are_read_after_the_previous_agent_row_of_their_conversation() -> None:
    scorer = Scripted()
    asked = "What is your order number? You can also mail it to jo@example.com"
    run(
        [
            {"conversation": "a", "role": "agent", "text": asked},
            {"conversation": "b", "role": "agent", "text": "Which printer is it?"},
            {"conversation": "a", "role": "customer", "text": "12345"},
            {"conversation": "b", "role": "customer", "text": "X200", "context": "Is it an X?"},
            {"conversation": "b", "role": "customer", "text": "the X200"},
            {"role": "agent", "text": "Anything else?"},
            {"role": "customer", "text": "no"},
            {"role": "customer", "text": "no thanks", "context": "Anything else?"},
            {"conversation": 7, "role": "agent", "text": "Hi!"},
            {"conversation": "7", "role": "customer", "text": "hello"},
        ],
        scorer,
    )
    assert "jo@example.com" not in kept(asked)  # redacted, as live
    assert scorer.contexts == [
        ("12345", kept(asked)),
        ("X200", kept("Is it an X?")),  # the row's own context, for that row only
        ("the X200", kept("Which printer is it?")),
        ("no", ""),  # a row without a conversation is a conversation of its own
        ("no thanks", kept("Anything else?")),
        ("hello", kept("Hi!")),
    ]


def test_confusion_is_read_only_where_a_confusion_nudge_can_follow() -> None:
    """After an agent's instructions, and nowhere else: reading confusion costs the model a
    second run for a message read with context (coaching/scoring.py), as in the runtime."""
    scorer = Scripted()
    steps = "Go to Settings, then Privacy, and switch off Background Sync."
    run(
        [
            {"conversation": "a", "role": "customer", "text": "hi, it drains my battery"},
            {"conversation": "a", "role": "agent", "text": steps},
            {"conversation": "a", "role": "customer", "text": "where is Privacy?"},
            {"conversation": "a", "role": "agent", "text": "Thanks for waiting."},
            {"conversation": "a", "role": "customer", "text": "ok"},
            {"role": "customer", "text": "where?", "context": steps},  # no conversation
        ],
        scorer,
    )
    assert scorer.confusion_read == [
        ("hi, it drains my battery", False),
        ("where is Privacy?", True),
        ("ok", False),
        ("where?", False),  # a row of its own gets no nudge after its context
    ]


def test_coach_says_what_the_engine_makes_of_a_row_in_its_conversation() -> None:
    rows = run(
        [
            {"id": 1, "conversation": "c", "role": "customer", "text": "ANGRY: where is it"},
            {"id": 2, "conversation": "c", "role": "agent", "text": "Let me look."},
            {"id": 3, "conversation": "c", "role": "customer", "text": "ANGRY still nothing"},
            {"id": 4, "conversation": "c", "role": "agent", "text": "So sorry, sorting it"},
            {"id": 5, "conversation": "d", "role": "agent", "text": "Hi, how can I help?"},
            {"id": 6, "conversation": "d", "role": "customer", "text": "my printer is BROKEN"},
            {"id": 7, "role": "customer", "text": "calm"},
        ]
    )
    coach = {r["id"]: r["coach"] for r in rows}
    # no agent has posted yet: judged frustrated, nobody to nudge
    assert coach[1] == {"judged_frustrated": True, "nudges": [], "timers": []}
    assert coach[2]["nudges"] == ["acknowledge"] and coach[2]["judged_frustrated"] is False
    assert coach[3] == {"judged_frustrated": True, "nudges": ["frustration"], "timers": []}
    assert rows[3]["acknowledges"] is True and coach[4]["nudges"] == []
    # read on its own it crosses the threshold; in the conversation it is a problem report
    assert rows[5]["frustrated"] is True
    assert coach[6] == {"judged_frustrated": False, "nudges": [], "timers": []}
    assert coach[7]["judged_frustrated"] is False


def test_rows_without_ts_are_a_minute_apart() -> None:
    rows = [{"conversation": "w", "role": "agent", "text": "Hi there"}]
    rows += [{"conversation": "w", "role": "customer", "text": "where is my order?"}] * 11
    timers = [r["coach"]["timers"] for r in run(rows)]
    # asked at 1 min, unanswered: the reminder falls due at 11 min, the 12th row
    assert timers == [[]] * 11 + [["waiting"]]


def test_ts_drives_the_clock_and_never_goes_back() -> None:
    out = run(
        [
            {"conversation": "t", "role": "agent", "text": "Hi", "ts": 1000},
            {"conversation": "t", "role": "customer", "text": "where is it?", "ts": "1060"},
            {"conversation": "t", "role": "customer", "text": "hm", "ts": 5},  # taken as 1060
            {"conversation": "t", "role": "customer", "text": "x", "ts": "1970-01-01T00:27:39Z"},
            {"conversation": "t", "role": "customer", "text": "y", "ts": "1970-01-01T00:27:40Z"},
        ]
    )
    assert [r["coach"]["timers"] for r in out] == [[], [], [], [], ["waiting"]]


def test_bad_rows_get_an_error_row_and_leave_their_conversation_alone() -> None:
    good = {"conversation": "c", "role": "agent", "text": "Hi"}
    rows = run(
        [
            good,
            {"id": "ts", "conversation": "c", "role": "customer", "text": "?", "ts": "soon"},
            {"id": "ctx", "role": "customer", "text": "hi", "context": ["no"]},
            {"id": "conv", "conversation": ["c"], "role": "customer", "text": "hi"},
            "{broken",
            {"conversation": "c", "role": "customer", "text": "ANGRY"},
        ]
    )
    assert [r.get("error") is not None for r in rows] == [False, True, True, True, True, False]
    for row in rows[1:5]:
        assert row["coach"] is None and row["frustrated"] is None
    assert "ts" in rows[1]["error"] and "context" in rows[2]["error"]
    assert rows[5]["coach"] == {"judged_frustrated": True, "nudges": ["frustration"], "timers": []}


def test_one_row_on_its_own_with_a_bare_lexicon() -> None:
    """benchmarks.speed times ``analyze_row`` with the lexicon detectors."""
    row, problem = analyze_row(Detectors(), {"role": "customer", "text": "thanks!"}, 1)
    assert problem is None and row["id"] == 1 and row["frustrated"] is False
    assert row["coach"] == {"judged_frustrated": False, "nudges": [], "timers": []}


# --- hostile input: a row each, named by line; the rows after still analysed ------------


def test_hostile_rows_get_an_error_row_naming_their_line_and_the_rest_are_analysed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def customer(ts: str) -> str:
        return '{"conversation": "c", "role": "customer", "text": "x", "ts": ' + ts + "}"

    lines = [
        json.dumps({"conversation": "c", "role": "agent", "text": "Hi", "ts": 1_700_000_000}),
        "[" * 100_000,  # a RecursionError ended the command and lost the rows after it
        customer("NaN"),
        customer("Infinity"),
        customer("1e20"),
        customer('"-Infinity"'),
        customer('"3000-01-01T00:00:00+00:00"'),
        json.dumps({"role": "customer", "text": "x" * 1_000_001}),
        json.dumps({"conversation": "c", "role": "customer", "text": "This is BROKEN!!"}),
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(lines) + "\n")
    code = main(["analyze", str(path), "--config", str(lexicon_config(tmp_path))])
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert len(rows) == len(lines)  # output lines up with input
    assert [r.get("error") is None for r in rows] == [True] + [False] * 7 + [True]
    assert rows[1]["error"] == "nested deeper than 64 levels"
    assert {r["error"] for r in rows[2:4]} == {
        "a number out of range (NaN, Infinity or too many digits)"
    }
    assert {r["error"] for r in rows[4:7]} == {"bad 'ts' (not a time from 1970 to 2100)"}
    assert rows[7]["error"] == "longer than 1,000,000 characters"
    assert rows[8]["frustration"] > 0.5  # after all that, still read in its conversation
    for line in range(2, 9):
        assert f"line {line}: " in err


def lexicon_config(tmp_path: Path) -> Path:
    config = tmp_path / "coach.toml"
    config.write_text('[coaching]\nmodel = "lexicon"\n')
    return config


def test_analyze_reads_at_most_max_rows_and_says_the_output_stops_short(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.cli.analyze.MAX_ROWS", 3)
    path = tmp_path / "rows.jsonl"
    path.write_text(
        "".join(json.dumps({"role": "agent", "text": f"r{n}"}) + "\n" for n in range(5))
    )
    code = main(["analyze", str(path), "--config", str(lexicon_config(tmp_path))])
    out, err = capsys.readouterr()
    assert code == 1 and len(out.splitlines()) == 3
    assert "line 4 on: over the 3 lines read at once; not read" in err
    assert "the output stops short of the input" in err


def test_a_line_longer_than_the_limit_is_never_held_whole() -> None:
    source = io.StringIO("x" * 50 + "\n" + "y" * 10 + "\n" + "z" * 250 + "\nlast")
    lines = list(read_lines(source, limit=20))
    assert lines == ["x" * 21, "y" * 10 + "\n", "z" * 21, "last"]
