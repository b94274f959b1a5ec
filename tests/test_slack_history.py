"""Customer memory end to end through the real slack-bolt / slack_sdk code and the loopback
Slack fake (harness: tests/test_slack.py): a customer who left frustrated comes back in a
new thread, and the agent who answers gets one private brief; supervisors look the
customer up and forget them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.app import Bot
from config import load
from tests.fakes.slack import FakeSlack, message_event
from tests.test_slack import AGENT, CUSTOMER, SECRET, SUPERVISOR, Running, ts, write_config


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def live(
    tmp_path: Path, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Running]:
    """The whole bot (Bot.build) in Slack HTTP mode, on a SQLite store."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    config = (
        write_config(tmp_path, slack)
        .read_text()
        .replace('url = "memory://"', f'url = "sqlite+aiosqlite:///{tmp_path / "coach.db"}"')
    )
    (tmp_path / "coach.toml").write_text(config)
    bot = await Bot.build(load(tmp_path / "coach.toml"))
    await bot.start()
    async with aiohttp.ClientSession() as session:
        yield Running(bot, session)
    await bot.stop()


SECRET_WORD = "ZEBRACORN"  # in the customer's words: must never reach a brief


async def first_thread(r: Running) -> None:
    root = ts(0)
    await r.event(message_event("Ev1", CUSTOMER, "Hi, my invoice shows the wrong amount.", root))
    await r.event(message_event("Ev2", AGENT, "Hi! Let me check that for you.", ts(10), root))
    await r.event(
        message_event(
            "Ev3",
            CUSTOMER,
            f"This is the THIRD time I'm asking about {SECRET_WORD} and I've waited 3 hours!!",
            ts(20),
            root,
        )
    )


async def test_a_returning_customer_brings_one_private_brief_to_the_agent(
    live: Running, slack: FakeSlack
) -> None:
    await first_thread(live)
    [heads_up] = await slack.wait_for("chat.postEphemeral")
    assert "frustrated" in heads_up.args["text"]

    root = ts(60)  # a new thread: a new conversation, the same customer
    await live.event(message_event("Ev4", CUSTOMER, "Hello again, the invoice.", root))
    await live.event(message_event("Ev5", AGENT, "Hi, looking at it now.", ts(70), root))
    calls = await slack.wait_for("chat.postEphemeral", 2)
    brief = calls[1].args
    assert brief["user"] == AGENT and brief["channel"] == "C1" and brief["thread_ts"] == root
    assert "Returning customer" in brief["text"]
    assert "2nd conversation in 7 days" in brief["text"]
    assert "the last one ended unresolved" in brief["text"]
    assert SECRET_WORD.lower() not in json.dumps(brief).lower()

    # once per conversation: the agent's next message brings no second brief
    await live.event(message_event("Ev6", AGENT, "Found it, fixing now.", ts(80), root))
    await live.bot.runtime.drain()
    assert len(slack.of("chat.postEphemeral")) == 2
    # nothing the coach said ever went where the customer could see it
    assert slack.of("chat.postMessage") == []
    assert all(c.args["user"] == AGENT for c in slack.of("chat.postEphemeral"))


async def test_supervisors_look_up_and_forget_a_customer(live: Running, slack: FakeSlack) -> None:
    await first_thread(live)
    await slack.wait_for("chat.postEphemeral")
    await live.bot.runtime.drain()

    looked_up = await live.command(f"customer <@{CUSTOMER}|dana>", SUPERVISOR, slack)
    assert looked_up["response_type"] == "ephemeral"
    assert "1 conversation in the last 30 days" in looked_up["text"]
    assert SECRET_WORD not in json.dumps(looked_up)

    refused = await live.command(f"forget <@{CUSTOMER}>", AGENT, slack)
    assert "only available to supervisors" in refused["text"]
    assert (await live.bot.store.slice(0, 2e9)).events  # nothing erased

    forgot = await live.command(f"forget <@{CUSTOMER}>", SUPERVISOR, slack)
    assert "Forgot customer" in forgot["text"]
    assert (await live.bot.store.slice(0, 2e9)).events == []
    again = await live.command(f"customer {CUSTOMER}", SUPERVISOR, slack)
    assert "Nothing stored about this customer" in json.dumps(again)
