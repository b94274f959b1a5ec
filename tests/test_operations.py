"""Operations hardening: the ops listener (loopback, never Slack's public port; 503 while
an adapter is down), retention (the hourly loop; `purge --days 0` refused), the SQLite
file's permissions, and `coach replay` with hostile or huge transcripts."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.console import transcript
from bot.app import Bot
from bot.cli.main import main
from bot.ops import listener
from bot.ops.metrics import Metrics
from bot.store.records import EventRecord
from bot.store.sql import SqlStore
from config import load
from tests.fakes.slack import FakeSlack
from tests.test_slack import SECRET


async def eventually(check: Callable[[], Any], within: float = 5.0) -> None:
    """Until ``check()`` is true (for work a background task does at its own pace)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        assert loop.time() < deadline, "not done in time"
        await asyncio.sleep(0.02)


# --- the ops listener ------------------------------------------------------------------------


async def test_health_and_metrics_have_a_loopback_listener_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeSlack()
    await fake.start()
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    path = tmp_path / "coach.toml"
    path.write_text(
        f'[slack]\nmode = "http"\nhost = "127.0.0.1"\nport = 0\napi_url = "{fake.api_url}"\n'
        '[storage]\nurl = "memory://"\n[http]\nport = 0\n'
    )
    config = load(path)
    assert config.settings.http.host == "127.0.0.1"  # the default: loopback only
    bot = await Bot.build(config)
    await bot.start()
    try:
        assert bot.ops_server is not None
        ops_url = f"http://127.0.0.1:{bot.ops_server.bound_port}"
        slack_url = f"http://127.0.0.1:{bot.adapters[0].bound_port}"  # type: ignore[attr-defined]
        async with aiohttp.ClientSession() as session:
            async with session.get(ops_url + "/healthz") as r:
                assert r.status == 200 and (await r.json())["adapters"]["slack"]["connected"]
            async with session.get(ops_url + "/metrics") as r:
                assert "coach_events_total" in await r.text()
            for where in ("/healthz", "/metrics"):
                async with session.get(slack_url + where) as r:
                    assert r.status == 404
    finally:
        await bot.stop()
        await fake.stop()


async def test_healthz_answers_503_while_an_adapter_is_disconnected() -> None:
    adapters = {"slack": {"connected": True}, "discord": {"connected": True}}
    server = listener.OpsServer(
        "127.0.0.1", 0, listener.routes(Metrics(), lambda: adapters, lambda: 3)
    )
    await server.start()
    try:
        url = f"http://127.0.0.1:{server.bound_port}/healthz"
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as r:
                assert r.status == 200 and (await r.json())["status"] == "ok"
            adapters["discord"]["connected"] = False
            async with session.get(url) as r:
                body = await r.json()
                assert r.status == 503 and body["status"] == "degraded"
                assert body["queue_depth"] == 3
    finally:
        await server.stop()


# --- retention -------------------------------------------------------------------------------


async def test_the_retention_loop_purges_old_records_when_the_bot_starts(tmp_path: Path) -> None:
    db = tmp_path / "coach.db"
    store = await SqlStore.open(f"sqlite+aiosqlite:///{db}")
    old, recent = time.time() - 3 * 86_400, time.time() - 60
    for event_id, at in (("old", old), ("recent", recent)):
        record = EventRecord(event_id, "test:W:C:T", "posted", event_id, "cust", "customer", at)
        async with store.transaction("test:W:C:T", record):
            pass
    await store.close()
    path = tmp_path / "coach.toml"
    path.write_text("[storage]\nretention_days = 1\n[http]\nenabled = false\n")
    bot = await Bot.build(load(path))
    await bot.start()
    try:

        async def purged() -> bool:
            events = (await bot.store.slice(0, 2e9)).events
            return [e.event_id for e in events] == ["recent"]

        await eventually(purged)
    finally:
        await bot.stop()


def test_purge_refuses_fewer_than_one_day(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "coach.toml"
    path.write_text("[storage]\nretention_days = 30\n")
    for days in ("0", "-3", "soon"):
        with pytest.raises(SystemExit) as exit_:
            main(["purge", "--config", str(path), "--days", days])
        assert exit_.value.code == 2
        assert "--days" in capsys.readouterr().err
    assert not (tmp_path / "coach.db").exists()  # refused before the store was opened
    assert main(["purge", "--config", str(path), "--days", "1"]) == 0
    assert "older than 1 days" in capsys.readouterr().out


# --- the SQLite file -------------------------------------------------------------------------


async def test_the_sqlite_database_is_created_readable_by_its_owner_only(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # the usual default, which would make it world-readable
    try:
        store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/data/coach.db")
        record = EventRecord("e1", "test:W:C:T", "posted", "m1", "cust", "customer", 1.0)
        async with store.transaction("test:W:C:T", record):
            pass
        files = [p for p in (tmp_path / "data").iterdir() if p.name.startswith("coach.db")]
        assert {p.name for p in files} >= {"coach.db", "coach.db-wal"}
        for file in files:
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
        await store.close()
    finally:
        os.umask(old_umask)


# --- coach replay with hostile input ------------------------------------------------------------


def turn(text: str, role: str = "customer", author: str = "dana", ts: int = 0) -> str:
    row = {"conversation": "c1", "role": role, "author": author, "text": text, "ts": ts}
    return json.dumps(row)


def test_replay_never_passes_terminal_control_sequences_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = "\x1b]0;pwned\x07\x1b[2J\x9b31m hello \u202egnp.exe"
    path = tmp_path / "t.jsonl"
    path.write_text(
        "\n".join(
            [turn("Hi, I need help"), turn(hostile, author="dana\x1b[8m", ts=30), '{"role": 7}']
        )
        + "\n"
    )
    assert main(["replay", str(path)]) == 0
    out, err = capsys.readouterr()
    for stream in (out, err):
        assert "\x1b" not in stream and "\x9b" not in stream and "\u202e" not in stream
    assert "\\x1b]0;pwned" in out and "\\u202e" in out  # shown, harmlessly


def test_replay_refuses_a_file_over_the_size_limit_and_cuts_huge_turns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.jsonl"
    path.write_text(turn("x" * 50_000) + "\n" + turn("Thanks", ts=60) + "\n")
    parsed = transcript.load(path)
    assert len(parsed.turns[0].text) == transcript.MAX_TURN_CHARS
    assert any("longer than 40,000 characters; cut" in p for p in parsed.problems)

    monkeypatch.setattr(transcript, "MAX_FILE_BYTES", 1024)
    assert main(["replay", str(path)]) == 1
    assert "over the 0 MiB a transcript may have" in capsys.readouterr().err


# --- configuration: secrets in URLs, values never echoed -----------------------------------------


def test_a_password_in_the_storage_url_of_the_file_is_refused(tmp_path: Path) -> None:
    for url in (
        "postgresql+asyncpg://coach:hunter2@db/coach",
        "postgresql+asyncpg://coach@db/coach?password=hunter2",
    ):
        path = tmp_path / "coach.toml"
        path.write_text(f'[storage]\nurl = "{url}"\n')
        code = main(["check-config", "--config", str(path)])
        assert code == 2


def test_check_config_never_prints_a_password_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql+asyncpg://coach:hunter2@db/coach?sslpassword=hunter3&ssl=require"
    monkeypatch.setenv("COACH_STORAGE__URL", url)
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "hunter" not in out
    assert "postgresql+asyncpg://coach:***@db/coach?sslpassword=***&ssl=require" in out
    assert "hunter" not in repr(load(None))


def test_a_bad_value_is_never_echoed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "coach.toml"
    path.write_text('[slack]\nmode = "xoxb-1234-pasted-in-the-wrong-key"\nport = "xoxp-9"\n')
    assert main(["check-config", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "[slack] mode: must be 'socket' or 'http'" in err and "[slack] port" in err
    assert "xoxb" not in err and "pasted" not in err and "xoxp" not in err
