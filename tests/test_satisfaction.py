"""Satisfaction next to coaching: the summary's ``survey`` figures, checked against figures
computed independently from our own fixture (tests/fixtures/survey_week.jsonl: a week of
made-up conversations with survey answers), transcript survey rows, and the trend chart
(`coach summary --chart`, `coach replay --summary --chart`)."""

from __future__ import annotations

import asyncio
import json
import statistics
import struct
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from adapters.console.transcript import parse
from bot.cli.main import main
from bot.ops.clock import VirtualClock
from bot.reports.charts import HEIGHT, WIDTH, trend
from bot.reports.summary import Figures
from bot.service.runtime import Runtime
from bot.store.outreach import outreach_of
from bot.store.sql import SqlStore
from bot.store.survey_records import SurveyRecord, SurveyStatus
from bot.surveys.satisfaction import survey_figures
from coaching.detectors import Detectors
from coaching.engine import Engine
from coaching.frustration import FEELING_CUES
from coaching.types import ConversationClosed, ConversationRef, MessagePosted, Role
from tests.conftest import FIXTURES
from tests.helpers import ScriptedDetectors

WEEK = FIXTURES / "survey_week.jsonl"
WRAP_UPS = {
    "That's all, thanks.",
    "Thanks, that fixed it. That's all, bye!",
    "Ok, that helps. Thanks, that's all!",
    "Great, thank you so much. That's everything.",
}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def replay_json(capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    assert main(["replay", str(WEEK), "--summary", "--json", *extra]) == 0
    return dict(json.loads(capsys.readouterr().out))


def independent(path: Path) -> dict[str, Any]:
    """The survey figures straight from the file: its survey rows, and per conversation
    whether each frustration episode was acknowledged in the next agent reply (the
    detectors on the raw text, the engine's rule for "frustrated": the detector fired and
    a cue says how the customer feels, or they were frustrated here before)."""
    detectors = Detectors()
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    turns: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    surveys = {}
    for row in rows:
        if row["role"] == "survey":
            surveys[row["conversation"]] = row
        else:
            turns[row["conversation"]].append(row)
    acknowledged: dict[str, bool] = {}
    resolution: dict[str, float] = {}
    for conversation, said in turns.items():
        frustrated: set[str] = set()
        open_episode = False
        for t in said:
            if t["role"] == "customer":
                result = detectors.frustration(t["text"])
                feeling = any(c.name in FEELING_CUES for c in result.cues)
                if result.fired and (feeling or t["author"] in frustrated):
                    frustrated.add(t["author"])
                    open_episode = True
            elif open_episode:
                ack = detectors.acknowledgement(t["text"]).fired
                acknowledged[conversation] = acknowledged.get(conversation, True) and ack
                open_episode = False
        customers = [t for t in said if t["role"] == "customer"]
        if customers[-1]["text"] in WRAP_UPS:
            resolution[conversation] = _ts(customers[-1]) - _ts(customers[0])

    def scores(key: str, group: bool | None) -> list[int]:
        return [
            s[key]
            for c, s in surveys.items()
            if s.get(key) is not None and (group is None or acknowledged.get(c) is group)
        ]

    def mean(values: list[int]) -> float | None:
        return round(statistics.fmean(values), 3) if values else None

    def median_resolution(group: bool) -> float | None:
        found = [s for c, s in resolution.items() if acknowledged.get(c) is group]
        return statistics.median(found) if found else None

    return {
        "asked": len(surveys),
        "responses": len(scores("score", None)),
        "mean_understood": mean(scores("score", None)),
        "mean_understood_acknowledged": mean(scores("score", True)),
        "mean_understood_not_acknowledged": mean(scores("score", False)),
        "mean_csat": mean(scores("csat", None)),
        "groups": (
            sum(acknowledged.values()),
            sum(not v for v in acknowledged.values()),
        ),
        "median_resolution": (median_resolution(True), median_resolution(False)),
    }


def _ts(row: dict[str, Any]) -> float:
    from datetime import datetime

    return datetime.fromisoformat(row["ts"].replace("Z", "+00:00")).timestamp()


def test_replay_summary_survey_figures_match_an_independent_count(
    capsys: pytest.CaptureFixture[str],
) -> None:
    survey = replay_json(capsys)["survey"]
    expected = independent(WEEK)
    for key in (
        "asked",
        "responses",
        "mean_understood",
        "mean_understood_acknowledged",
        "mean_understood_not_acknowledged",
        "mean_csat",
    ):
        assert survey[key] == expected[key], key
    assert survey["response_rate"] == round(expected["responses"] / expected["asked"], 4)
    groups = survey["by_acknowledgement"]
    acknowledged, not_acknowledged = groups["acknowledged"], groups["not_acknowledged"]
    assert (acknowledged["conversations"], not_acknowledged["conversations"]) == expected["groups"]
    assert (
        acknowledged["median_resolution_seconds"],
        not_acknowledged["median_resolution_seconds"],
    ) == expected["median_resolution"]
    # The fixture's story, in the team's own evidence: acknowledged customers felt
    # more understood.
    assert survey["mean_understood_acknowledged"] > survey["mean_understood_not_acknowledged"]
    assert expected["asked"] == 23 and expected["responses"] == 21  # as the file was written
    assert set(survey["understood_scores"]) == {"1", "2", "3", "4", "5"}
    assert sum(survey["understood_scores"].values()) == survey["responses"]


def test_survey_figures_on_hand_made_records() -> None:
    def record(
        key: str, status: str, understood: int | None, csat: int | None = None
    ) -> SurveyRecord:
        return SurveyRecord(key, "cust", 100.0, status, csat is not None, understood, csat)

    figures = survey_figures(
        [
            record("a", SurveyStatus.SENT, 5, 4),
            record("b", SurveyStatus.SENT, 2),
            record("c", SurveyStatus.SENT, None),  # asked, not answered
            record("d", SurveyStatus.FAILED, None),  # never shown: not asked
            record("e", SurveyStatus.SKIPPED, None),
            record("f", SurveyStatus.PENDING, None),
            record("g", SurveyStatus.REPLAYED, 3),  # no episode: in neither group
        ],
        acknowledged={"a": True, "b": False, "c": False, "x": True},
        resolution={"a": 60.0, "x": 120.0, "b": 600.0},
    ).as_dict()
    assert (figures["asked"], figures["responses"], figures["response_rate"]) == (4, 3, 0.75)
    assert figures["mean_understood"] == round((5 + 2 + 3) / 3, 3)
    assert (
        figures["mean_understood_acknowledged"],
        figures["mean_understood_not_acknowledged"],
    ) == (5.0, 2.0)
    assert (figures["mean_csat"], figures["mean_csat_acknowledged"]) == (4.0, 4.0)
    assert figures["mean_csat_not_acknowledged"] is None
    groups = figures["by_acknowledgement"]
    assert groups["acknowledged"]["conversations"] == 2
    assert groups["acknowledged"]["median_resolution_seconds"] == 90.0
    assert groups["not_acknowledged"] == {
        "conversations": 2,
        "responses": 1,
        "mean_understood": 2.0,
        "mean_csat": None,
        "median_resolution_seconds": 600.0,
    }
    empty = survey_figures([], {}, {}).as_dict()
    assert empty["mean_understood"] is None and empty["response_rate"] is None
    assert empty["mean_understood_acknowledged"] is None


def test_transcript_survey_rows_and_their_problems() -> None:
    lines = [
        {"conversation": "c1", "role": "customer", "author": "ann", "text": "hi", "ts": 10},
        {"conversation": "c1", "role": "survey", "author": "ann", "score": 4, "ts": 20},
        {
            "conversation": "c2",
            "role": "survey",
            "author": "bob",
            "score": None,
            "csat": 5,
            "ts": 30,
        },
        {"conversation": "c3", "role": "survey", "author": "cy", "score": 6, "ts": 30},
        {"conversation": "c3", "role": "survey", "author": "cy", "score": "5", "ts": 30},
        {"conversation": "c3", "role": "survey", "author": "cy", "score": True, "ts": 30},
        {"conversation": "c3", "role": "survey", "score": 3, "ts": 30},
        {"conversation": "c3", "role": "survey", "author": "cy", "score": 3, "ts": "yesterday"},
        {"conversation": "c3", "role": "survey", "author": "cy", "score": 3.5, "ts": 30},
    ]
    transcript = parse("\n".join(json.dumps(line) for line in lines))
    assert [(s.conversation, s.author, s.score, s.csat, s.ts) for s in transcript.surveys] == [
        ("c1", "ann", 4, None, 20.0),
        ("c2", "bob", None, 5, 30.0),
    ]
    assert len(transcript.turns) == 1
    assert [p.split(":")[0] for p in transcript.problems] == [f"line {n}" for n in range(4, 10)]
    assert "'score' must be a whole number from 1 to 5 (got 6)" in transcript.problems[0]
    assert "without 'author'" in transcript.problems[3]


def test_a_survey_row_by_someone_who_wrote_as_an_agent_is_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.jsonl"
    rows = [
        {
            "conversation": "c1",
            "role": "customer",
            "author": "ann",
            "text": "Can you help?",
            "ts": 10,
        },
        {"conversation": "c1", "role": "agent", "author": "sam", "text": "Sure, done.", "ts": 20},
        {"conversation": "c1", "role": "survey", "author": "sam", "score": 5, "ts": 30},
        {"conversation": "c1", "role": "survey", "author": "ann", "score": 2, "ts": 31},
        {"conversation": "c1", "role": "survey", "author": "ann", "score": 5, "ts": 32},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    assert main(["replay", str(path), "--summary", "--json"]) == 0
    out = capsys.readouterr()
    survey = json.loads(out.out)["survey"]
    assert (survey["responses"], survey["mean_understood"]) == (1, 2.0)
    assert "line 3: survey answer by 'sam', who wrote as an agent" in out.err
    assert "line 5: a second survey for conversation 'c1'" in out.err


def test_replay_chart_is_a_png_of_the_expected_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chart = tmp_path / "trend.png"
    replay_json(capsys, "--chart", str(chart))
    assert png_size(chart.read_bytes()) == (WIDTH, HEIGHT) == (900, 600)
    assert main(["replay", str(WEEK), "--summary", "--chart", str(tmp_path / "no" / "x.png")]) == 1
    assert "cannot be written" in capsys.readouterr().err


def test_trend_fills_days_and_turns_long_periods_into_months() -> None:
    figures = Figures()
    figures.episodes_by_day.update({"2026-03-01": 2, "2026-03-04": 1})
    figures.survey.understood_by_day["2026-03-02"] += [5, 4]
    t = trend(figures)
    assert t is not None and t.unit == "day"
    assert t.labels == ("03-01", "03-02", "03-03", "03-04")
    assert t.episodes == (2, 0, 0, 1)
    assert t.acknowledged == (0.0, None, None, 0.0)
    assert t.understood == (None, 4.5, None, None)
    figures.episodes_by_day["2026-06-30"] = 3
    months = trend(figures)
    assert months is not None and months.unit == "month"
    assert months.labels == ("2026-03", "2026-04", "2026-05", "2026-06")
    assert months.episodes == (3, 0, 0, 3)
    assert trend(Figures()) is None


# --- `coach summary --json --chart` on a stored week --------------------------------------


def seeded(db: Path, now: float) -> None:
    """Two days of conversations through the real runtime, and their survey answers."""

    async def go() -> None:
        store = await SqlStore.open(f"sqlite+aiosqlite:///{db}")
        detectors = ScriptedDetectors({"angry": 0.9}, {"sorry": 0.9})
        runtime = Runtime(Engine(None, detectors), store, {}, VirtualClock(now))
        outreach = outreach_of(store)
        for day, (reply, score) in enumerate((("plain", 2), ("sorry", 5))):
            at = now - 86_400 * (day + 1)
            ref = ConversationRef("slack", "T1", "C1", f"{at:.1f}")
            for n, (who, role, text) in enumerate(
                [("cust", "customer", "angry"), ("sam", "agent", reply), ("cust", "customer", "ok")]
            ):
                await runtime.process(
                    MessagePosted(
                        f"{ref.key}#{n}", ref, f"m{n}", who, Role(role), text, at + n * 60
                    )
                )
            await runtime.process(ConversationClosed(f"{ref.key}#c", ref, at + 300))
            await outreach.open_survey(
                SurveyRecord(ref.key, "cust", at + 300, SurveyStatus.SENT, understood=score), 0.0
            )
        await store.close()

    asyncio.run(go())


def test_coach_summary_json_has_the_survey_and_chart_writes_a_png(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "coach.toml"
    config.write_text("[storage]\nretention_days = 30\n")
    seeded(tmp_path / "coach.db", time.time())
    chart = tmp_path / "trend.png"
    assert main(["summary", "--config", str(config), "--json", "--chart", str(chart)]) == 0
    survey = json.loads(capsys.readouterr().out)["survey"]
    assert (survey["asked"], survey["responses"], survey["mean_understood"]) == (2, 2, 3.5)
    assert survey["mean_understood_acknowledged"] == 5.0
    assert survey["mean_understood_not_acknowledged"] == 2.0
    assert png_size(chart.read_bytes()) == (900, 600)

    assert (
        main(["summary", "--config", str(config), "--agent", "nobody", "--chart", str(chart)]) == 1
    )
    assert "no chart drawn" in capsys.readouterr().err
    assert main(["summary", "--config", str(config)]) == 0
    shown = capsys.readouterr().out
    assert "Felt understood" in shown and "Survey responses" in shown


def test_the_running_bot_does_not_load_matplotlib_until_it_draws() -> None:
    """Start-up and idle memory stay lean: only drawing a chart imports matplotlib."""
    program = (
        "import sys, bot.app, bot.cli.main, bot.service.commands, bot.reports.charts, bot.service.outreach, "
        "adapters.slack.app, adapters.discord.app; print('matplotlib' in sys.modules)"
    )
    loaded = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "False"
