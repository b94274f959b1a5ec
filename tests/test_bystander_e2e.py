# ruff: noqa: F811  (storage_url is a fixture from tests/pg.py)
"""A bystander in someone else's conversation, end to end: the real slack-bolt and
discord.py code against the loopback fakes, on SQLite and PostgreSQL.

Someone else writes "that's all, thanks, bye" in a customer's Slack thread, or on
Discord as a reply to the customer's message: nothing is resolved, the agent's promised
update is still reminded, and when the customer who opened the conversation wraps up,
the survey asks them — a click by the bystander is refused, theirs is recorded."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from adapters.outreach import Question, answer_id
from bot.app import Bot
from bot.store.base import Store
from bot.store.outreach import outreach_of
from config import load
from tests import test_discord as discord_
from tests import test_slack as slack_
from tests.fakes.discord import GUILD
from tests.fakes.slack import message_event
from tests.fakes.slack import serving as slack_serving
from tests.pg import storage_url  # noqa: F401 (a fixture)
from tests.test_discord_survey import click as discord_click
from tests.test_discord_survey import surveys as discord_surveys
from tests.test_slack_survey import SURVEY_ON, click
from tests.test_slack_survey import surveys as slack_surveys

ASKS = "Hi, my card was declined at checkout. Can you check?"
PROMISE = "I'll check with the card team and get back to you within 10 minutes."
BYE = "That's all, thanks, bye!"
BYSTANDER = "UBOB"  # Slack: anyone not an agent writes as a customer
HOUR = 3600.0


class Later:
    """The system clock, moved on by the test (so a promised update falls due)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def storage(storage_url: str) -> str:
    return storage_url


def on_store(path: Path, url: str) -> Path:
    path.write_text(path.read_text().replace('url = "memory://"', f'url = "{url}"'))
    return path


async def resolved(store: Store) -> list[str]:
    return [s.subject for s in (await store.slice(0, 2e10)).signals if s.kind == "resolved"]


async def stored_and_processed(bot: Bot, count: int) -> None:
    """Until the bot stored ``count`` events in its inbox, then until it processed them
    (the Discord harness sees an event before the inbox has stored it)."""
    for _ in range(200):
        if bot.runtime.inbox.stored >= count:
            break
        await asyncio.sleep(0.025)
    await bot.runtime.drain()


@contextlib.asynccontextmanager
async def built(path: Path, clock: Later) -> AsyncIterator[Bot]:
    bot = await Bot.build(load(path), clock=clock)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


async def test_slack_a_bystanders_goodbye_closes_nothing_and_the_owner_is_surveyed(
    tmp_path: Path, storage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", slack_.SECRET)
    clock, root, key = Later(), slack_.ROOT_TS, f"slack:T1:C1:{slack_.ROOT_TS}"
    async with (
        slack_serving() as fake,
        built(
            on_store(slack_.write_config(tmp_path, fake, extra=SURVEY_ON), storage), clock
        ) as bot,
        aiohttp.ClientSession() as session,
    ):
        r = slack_.Running(bot, session)
        await r.event(message_event("Ev1", slack_.CUSTOMER, ASKS, root))
        await r.event(message_event("Ev2", slack_.AGENT, PROMISE, slack_.ts(30), root))
        await r.event(message_event("Ev3", BYSTANDER, BYE, slack_.ts(60), root))
        await bot.runtime.drain()
        await bot.outreach.run_once()
        assert await resolved(bot.store) == [] and slack_surveys(fake) == []

        clock.offset = HOUR  # the promised 10 minutes are long gone
        await bot.runtime.fire_timers()
        await bot.runtime.drain()
        [reminder] = [c for c in fake.of("chat.postEphemeral") if c.args["user"] == slack_.AGENT]
        assert "get back within 10 minutes" in json.dumps(reminder.args)

        await r.event(message_event("Ev4", slack_.CUSTOMER, BYE, slack_.ts(120), root))
        await bot.runtime.drain()
        await bot.outreach.run_once()
        assert await resolved(bot.store) == [slack_.CUSTOMER]
        [survey] = slack_surveys(fake)
        assert survey.args["user"] == slack_.CUSTOMER  # only they see it

        await click(r, fake, BYSTANDER, Question.UNDERSTOOD, 1, "r1", key)  # forged
        assert "for the customer" in fake.responses[-1]["text"]
        await click(r, fake, slack_.CUSTOMER, Question.UNDERSTOOD, 5, "r2", key)
        assert "Thank you" in fake.responses[-1]["text"]
        [record] = await outreach_of(bot.store).surveys(0, 2e10)
        assert (record.customer, record.understood) == (slack_.CUSTOMER, 5)


async def test_discord_a_bystanders_reply_closes_nothing_and_the_owner_is_surveyed(
    tmp_path: Path, storage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "test-token.discord.fake")
    clock, support = Later(), discord_.SUPPORT
    async with (
        discord_.serving() as fake,
        built(on_store(discord_.write_config(tmp_path, fake, SURVEY_ON), storage), clock) as bot,
    ):
        r = discord_.Running(bot, fake)
        first = await r.say(discord_.CUSTOMER, ASKS, 0, channel=support)
        await r.say(discord_.AGENT, PROMISE, 30, channel=support, reply_to=first)
        await r.say(discord_.OTHER_CUSTOMER, BYE, 60, channel=support, reply_to=first)
        await stored_and_processed(bot, 3)
        key = f"discord:{GUILD}:{support}:{first['id']}"
        assert {e.conversation.key for e in r.sink.events} == {key}  # the reply chain
        await bot.outreach.run_once()
        assert await resolved(bot.store) == [] and discord_surveys(fake) == []

        clock.offset = HOUR
        await bot.runtime.fire_timers()
        [reminder] = await fake.wait_dms(discord_.AGENT)
        assert "get back within 10 minutes" in json.dumps(reminder.body)

        await r.say(discord_.CUSTOMER, BYE, 120, channel=support)
        await stored_and_processed(bot, 4)
        await bot.outreach.run_once()
        assert await resolved(bot.store) == [discord_.CUSTOMER]
        [survey] = discord_surveys(fake)
        assert survey.body["allowed_mentions"]["users"] == [int(discord_.CUSTOMER)]
        assert discord_.OTHER_CUSTOMER not in survey.body["content"]

        refused = await discord_click(
            r, discord_.OTHER_CUSTOMER, answer_id(Question.UNDERSTOOD, 1, key)
        )
        assert "for the customer" in refused["data"]["content"]
        taken = await discord_click(r, discord_.CUSTOMER, answer_id(Question.UNDERSTOOD, 4, key))
        assert "Thank you" in taken["data"]["content"]
        [record] = await outreach_of(bot.store).surveys(0, 2e10)
        assert (record.customer, record.understood) == (discord_.CUSTOMER, 4)


async def test_a_second_customers_frustration_still_nudges_the_agent(
    tmp_path: Path, storage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Multi-party threads keep working: a participant is coached for like the owner."""
    monkeypatch.setenv("DISCORD_TOKEN", "test-token.discord.fake")
    async with (
        discord_.serving() as fake,
        built(on_store(discord_.write_config(tmp_path, fake), storage), Later()) as bot,
    ):
        r = discord_.Running(bot, fake)
        await discord_.open_thread(r)
        await r.say(discord_.OTHER_CUSTOMER, discord_.ANGRY, 60)
        [dm] = await fake.wait_dms(discord_.AGENT)
        assert "frustrated" in json.dumps(dm.body)
