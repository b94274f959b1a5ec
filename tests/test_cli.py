"""The `coach` command end to end: formats other tools rely on, and bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_shows_each_kind_of_private_nudge(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo", "--json")
    assert code == 0
    nudges = [json.loads(line) for line in out.splitlines()]
    kinds = {n["kind"] for n in nudges}
    assert {"frustration", "acknowledge", "waiting"} <= kinds
    for n in nudges:
        assert n["agent"] in {"sam", "priya"}  # agents only, never the customers dana or lee
        assert n["reasons"] and n["text"] and n["conversation"]


def test_demo_in_a_terminal_prints_messages_and_nudges(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo")
    assert code == 0
    assert "customer dana" in out and "private to agent sam" in out
    assert "Why:" in out and "Try:" in out


def test_console_script_is_installed() -> None:
    coach = shutil.which("coach") or str(Path(sys.executable).parent / "coach")
    result = subprocess.run([coach, "demo", "--json"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def test_replay_json_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_jsonl(
        tmp_path / "t.jsonl",
        [
            {
                "conversation": "c1",
                "role": "agent",
                "author": "sam",
                "text": "Hi, how can I help?",
                "ts": 0,
            },
            {
                "conversation": "c1",
                "role": "customer",
                "author": "kim",
                "text": "This is the THIRD time I'm asking, I've been waiting for 3 hours!!",
                "ts": 60,
            },
            {
                "conversation": "c1",
                "role": "agent",
                "author": "sam",
                "text": "Please send your order number.",
                "ts": 120,
            },
            "{broken",
        ],
    )
    code, out, err = run(capsys, "replay", str(path), "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["kind"] for r in rows] == ["frustration", "acknowledge"]
    assert {"conversation", "agent", "kind", "reasons", "text"} <= rows[0].keys()
    assert rows[0]["conversation"] == "c1" and rows[0]["agent"] == "sam"
    assert "line 4: not valid JSON" in err


def test_replay_of_a_missing_or_empty_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "replay", str(tmp_path / "nope.jsonl"))
    assert code == 1 and "no such file" in err
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    code, _, err = run(capsys, "replay", str(empty))
    assert code == 1 and "empty" in err
    bad = write_jsonl(tmp_path / "bad.jsonl", ["{oops", {"role": "nobody", "text": "x", "ts": 1}])
    code, _, err = run(capsys, "replay", str(bad))
    assert code == 1 and "line 1" in err and "line 2" in err


def test_analyze_keeps_one_row_per_input_row_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": "a", "role": "customer", "text": "WHERE IS MY ORDER??? third time asking"},
            {
                "id": "b",
                "role": "agent",
                "text": "I'm so sorry you've had to chase this.",
                "context": "where is it",
            },
            {"role": "customer", "text": "No worries, take your time"},
            "not json",
            {"id": "e", "role": "robot", "text": "beep"},
            {
                "id": "f",
                "conversation": "x",
                "role": "agent",
                "text": "Sorry, we can't offer refunds.",
            },
        ],
    )
    code, out, err = run(capsys, "analyze", str(path))
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", 3, 4, "e", "f"]
    a, b, c, d, e, f = rows
    assert a["frustrated"] is True and a["acknowledgement"] is None and a["cues"]
    assert b["acknowledges"] is True and isinstance(b["acknowledgement"], float)
    assert c["frustrated"] is False
    assert d["error"] and e["error"]
    assert f["acknowledges"] is False
    for r in (a, b, c, f):
        assert set(r) == {
            "id",
            "role",
            "frustration",
            "frustrated",
            "acknowledgement",
            "acknowledges",
            "cues",
            "coach",
        }
        assert set(r["coach"]) == {"judged_frustrated", "nudges", "timers"}
    assert d["coach"] is None and e["coach"] is None
    assert "line 4" in err and "line 5" in err


def test_analyze_reads_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO('{"role": "customer", "text": "hello"}\n'))
    code, out, _ = run(capsys, "analyze", "-")
    assert code == 0 and json.loads(out)["id"] == 1


def test_analyze_with_nothing_usable_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", ["nope", "[]"])
    code, out, _ = run(capsys, "analyze", str(path))
    assert code == 1 and len(out.splitlines()) == 2


def test_check_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check-config")
    assert code == 0 and "configuration OK" in out and "updates: off" in out
    on = tmp_path / "on.toml"
    on.write_text("[updates]\none_click = true\nauto_after_minutes = 15\n")
    code, out, _ = run(capsys, "check-config", "--config", str(on))
    assert "updates: on, posted to customers: one click" in out and "15 min after" in out
    wrong = tmp_path / "wrong.toml"
    wrong.write_text("[updates]\nauto_after_minutes = -5\none_clik = true\n")
    code, _, err = run(capsys, "check-config", "--config", str(wrong))
    assert code == 2 and "[updates] auto_after_minutes" in err and "one_clik" in err
    bad = tmp_path / "bad.toml"
    bad.write_text('[slack]\nmode = "carrier-pigeon"\n')
    code, _, err = run(capsys, "check-config", "--config", str(bad))
    assert code == 2 and "[slack] mode" in err


def test_replay_names_hostile_lines_and_replays_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Deep nesting raised RecursionError; NaN, Infinity and 1e20 times went on to fail
    when shown (a traceback, nothing replayed)."""
    start = 1_700_000_000

    def turn(role: str, author: str, text: str, ts: object) -> str:
        return json.dumps(
            {"conversation": "c1", "role": role, "author": author, "text": text, "ts": ts}
        )

    path = write_jsonl(
        tmp_path / "t.jsonl",
        [
            turn("agent", "sam", "Hi, how can I help?", start),
            "[" * 100_000,
            '{"conversation": "c1", "role": "customer", "author": "kim", "text": "x", "ts": NaN}',
            turn("customer", "kim", "x", "Infinity"),
            turn("customer", "kim", "x", 1e20),
            turn(
                "customer",
                "kim",
                "This is the THIRD time I'm asking, waiting for 3 hours!!",
                start + 60,
            ),
        ],
    )
    code, out, err = run(capsys, "replay", str(path))
    assert code == 0
    assert "2 messages replayed" in out and "frustration" in out
    for line in (2, 3, 4, 5):
        assert f"line {line}: " in err


def test_waiting_nudges_carry_the_drafted_update_in_replay_json_and_the_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``update`` on waiting nudges (and only on them), whatever [updates] says: a replay
    posts nothing. The demo's promise reminder shows its draft in the terminal too."""
    from coaching.updates import PROMISED, WAITING

    rows = [
        {
            "conversation": "p",
            "role": "customer",
            "author": "kim",
            "text": "Where is my parcel?",
            "ts": 0,
        },
        {
            "conversation": "p",
            "role": "agent",
            "author": "sam",
            "text": "Let me check and get back to you within 10 minutes.",
            "ts": 60,
        },
        {
            "conversation": "w",
            "role": "customer",
            "author": "lee",
            "text": "Hi, can I change my address?",
            "ts": 0,
        },
        {"conversation": "w", "role": "agent", "author": "sam", "text": "Hi Lee!", "ts": 30},
        {
            "conversation": "w",
            "role": "customer",
            "author": "lee",
            "text": "It's for order 1234.",
            "ts": 40,
        },
        # later, elsewhere (no agent there to remind): the clock runs past the promise
        {"conversation": "z", "role": "customer", "author": "max", "text": "Hello?", "ts": 1200},
    ]
    code, out, _ = run(capsys, "replay", str(write_jsonl(tmp_path / "u.jsonl", rows)), "--json")
    assert code == 0
    nudges = [json.loads(line) for line in out.splitlines()]
    waiting = {n["conversation"]: n["update"] for n in nudges if n["kind"] == "waiting"}
    assert waiting == {"p": PROMISED, "w": WAITING}
    assert all("update" not in n for n in nudges if n["kind"] != "waiting")

    code, out, _ = run(capsys, "demo", "--json")
    [demo] = [json.loads(line) for line in out.splitlines() if '"waiting"' in line]
    assert demo["update"] == PROMISED
    code, out, _ = run(capsys, "demo")
    assert "Update to send:" in out and "taking longer than I said" in " ".join(out.split())
