# ruff: noqa: F811  (pytest fixtures imported from the platforms' tests)
"""Poison messages through the real Slack and Discord libraries, stored in SQLite with
``store_text = true``: a message holding U+0000 or a lone UTF-16 surrogate is stored
cleaned and processed, and the events after it are processed too."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.app import Bot
from bot.store.schema import dead_letters, events
from bot.store.sql import SqlStore
from config import load
from tests import test_discord, test_slack
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack, message_event
from tests.test_discord import fake as discord_fake  # noqa: F401  (a fixture)
from tests.test_slack import SECRET, Running, fake, start_thread, ts  # noqa: F401

HOSTILE = "where is my refund \ud83d\x00 ???"  # a lone surrogate, then NUL
CLEANED = "where is my refund \ufffd ???"


def with_sqlite(path: Path) -> Path:
    """The platform test's configuration, storing text in SQLite instead of memory."""
    db = path.parent / "coach.db"
    stored = f'url = "sqlite+aiosqlite:///{db}"\nstore_text = true'
    path.write_text(path.read_text().replace('url = "memory://"', stored))
    return path


async def stored(bot: Bot) -> tuple[set[str], int]:
    """The texts recorded, and how many events were set aside."""
    assert isinstance(bot.store, SqlStore)

    def read(conn: Connection) -> tuple[set[str], int]:
        texts = set(conn.execute(sa.select(events.c.text)).scalars())
        dead = conn.execute(sa.select(sa.func.count()).select_from(dead_letters)).scalar_one()
        return {t for t in texts if t}, int(dead)

    return await bot.store.read(read)


async def test_slack_a_hostile_message_is_stored_cleaned_and_holds_up_nothing(
    tmp_path: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    bot = await Bot.build(load(with_sqlite(test_slack.write_config(tmp_path, fake))))
    await bot.start()
    try:
        async with aiohttp.ClientSession() as session:
            running = Running(bot, session)
            await start_thread(running)
            hostile = message_event("EvH", test_slack.CUSTOMER, HOSTILE, ts(50), test_slack.ROOT_TS)
            angry = message_event(
                "EvA", test_slack.CUSTOMER, test_discord.ANGRY, ts(60), test_slack.ROOT_TS
            )
            answers = await asyncio.gather(running.event(hostile), running.event(angry))
            assert [a.status for a in answers] == [200, 200]  # one group commit, both kept
            await fake.wait_for("chat.postEphemeral")
            await bot.runtime.drain()
            texts, dead = await stored(bot)
    finally:
        await bot.stop()
    assert CLEANED in texts and dead == 0


async def test_discord_a_hostile_message_is_stored_cleaned_and_holds_up_nothing(
    tmp_path: Path, discord_fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "test-token.discord.fake")
    config = with_sqlite(test_discord.write_config(tmp_path, discord_fake))
    bot = await Bot.build(load(config))
    await bot.start()
    try:
        running: Any = test_discord.Running(bot, discord_fake)
        await test_discord.open_thread(running)
        await running.say(test_discord.CUSTOMER, HOSTILE, 50)
        await running.say(test_discord.CUSTOMER, test_discord.ANGRY, 60)
        await discord_fake.wait_dms(test_discord.AGENT)  # the later message was coached
        await bot.runtime.drain()
        texts, dead = await stored(bot)
    finally:
        await bot.stop()
    assert CLEANED in texts and dead == 0
