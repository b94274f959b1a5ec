"""`coach summary`, `coach forget` and `coach purge` against a real SQLite store."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.ops.clock import VirtualClock
from bot.service.runtime import Runtime
from bot.store.sql import SqlStore
from coaching.engine import Engine
from coaching.types import ConversationRef, MessagePosted, Role
from tests.helpers import ScriptedDetectors

CONV = ConversationRef("slack", "T1", "C1", "100.0")


def populate(db: Path) -> None:
    async def go() -> None:
        store = await SqlStore.open(f"sqlite+aiosqlite:///{db}")
        now = time.time()
        runtime = Runtime(
            Engine(None, ScriptedDetectors({"angry": 0.9})), store, {}, VirtualClock(now)
        )
        for n, (who, role, text) in enumerate(
            [
                ("cust", "customer", "hi"),
                ("sam", "agent", "hello"),
                ("cust", "customer", "angry"),
                ("sam", "agent", "plain"),
            ]
        ):
            await runtime.process(
                MessagePosted(f"e{n}", CONV, f"m{n}", who, Role(role), text, now - 100 + n)
            )
        await store.close()

    asyncio.run(go())


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "coach.toml"
    path.write_text("[storage]\nretention_days = 30\n")
    populate(tmp_path / "coach.db")
    return path


def test_summary_json_forget_and_purge(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "--config", str(config), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["conversations"] == 1 and figures["frustration_episodes"] == 1
    assert figures["acknowledged_in_next_reply"] == 0 and figures["scope"] == {
        "kind": "team",
        "id": "",
    }

    assert main(["summary", "--config", str(config), "--agent", "sam"]) == 0
    assert "agent <@sam>" in capsys.readouterr().out
    assert main(["summary", "--config", str(config), "--agent", "nobody", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["conversations"] == 0

    assert main(["purge", "--config", str(config)]) == 0
    assert "purged 0 records" in capsys.readouterr().out

    assert main(["forget", "--config", str(config), CONV.key]) == 0
    assert "records deleted" in capsys.readouterr().out
    assert main(["summary", "--config", str(config), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["conversations"] == 0
    assert main(["forget", "--config", str(config), CONV.key]) == 1
