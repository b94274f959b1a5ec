"""The confusion nudge end to end through the real slack-bolt / slack_sdk code and the
loopback Slack fake (harness: tests/test_slack.py), with the shipped contextual model.

A customer lost after the agent's instructions gets the agent one private nudge (not
after "let me check", not twice for a retried event or a second lost message before the
agent replies); the agent rates it, clarifies, and their own ``/coach me`` counts it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import Bot
from config import load
from tests.fakes.slack import FakeSlack, action_body, message_event
from tests.test_slack import (
    AGENT,
    CUSTOMER,
    ROOT_TS,
    SECRET,
    Running,
    fake,
    start_thread,
    ts,
    write_config,
)

__all__ = ["fake"]  # the fixture, used by name
# No cooldown: only the one-nudge-per-episode rule may hold back a second nudge.
NO_COOLDOWN = "[coaching]\ncooldown_minutes = 0"

INSTRUCTIONS = "Go to Settings > Privacy and switch off Background Sync, then restart the app."
# Plainly lost, so that any model with a confusion output reads it so.
LOST = "I don't understand, what do you mean by that?"
LOST_AGAIN = "I'm confused, which button do you mean? I don't understand"
CLARIFIES = "No problem. What do you see on your screen right now?"


@pytest.fixture
async def running(
    tmp_path: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Running]:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    bot = await Bot.build(load(write_config(tmp_path, fake, extra=NO_COOLDOWN)))
    await bot.start()
    async with aiohttp.ClientSession() as session:
        yield Running(bot, session)
    await bot.stop()


def fields(answer: dict[str, Any]) -> dict[str, str]:
    return {
        f["text"].split("\n")[0].strip("*"): f["text"].split("\n")[1]
        for b in answer["blocks"]
        if b["type"] == "section" and "fields" in b
        for f in b["fields"]
    }


async def test_a_lost_customer_gets_the_agent_one_confusion_nudge(
    running: Running, fake: FakeSlack
) -> None:
    await start_thread(running)  # the agent's first message gives no instructions
    await running.event(message_event("Ev3", CUSTOMER, LOST, ts(60), ROOT_TS))
    await running.bot.runtime.drain()
    assert fake.of("chat.postEphemeral") == []

    await running.event(message_event("Ev4", AGENT, INSTRUCTIONS, ts(70), ROOT_TS))
    lost = message_event("Ev5", CUSTOMER, LOST, ts(80), ROOT_TS)
    await running.event(lost)
    for attempt in (1, 2):  # Slack's retries of the same event
        await running.event(lost, headers={"X-Slack-Retry-Num": str(attempt)})
    [call] = await fake.wait_for("chat.postEphemeral")
    assert call.args["user"] == AGENT and call.args["thread_ts"] == ROOT_TS
    assert "lost in your steps" in call.args["text"] and "one step at a time" in call.args["text"]
    assert call.args["blocks"][0]["text"]["text"].startswith(":compass:")

    # Still lost before the agent replied: the same episode, no second nudge.
    await running.event(message_event("Ev6", CUSTOMER, LOST_AGAIN, ts(90), ROOT_TS))
    await running.bot.runtime.drain()
    assert len(fake.of("chat.postEphemeral")) == 1

    nudge_id = next(b for b in call.args["blocks"] if b["type"] == "actions")["elements"][0][
        "value"
    ]
    click = action_body(AGENT, "coach_helpful", nudge_id, fake.response_url("click"))
    assert (await running.post(click, "application/x-www-form-urlencoded")).status == 200
    await fake.wait_until(lambda: fake.responses)
    await running.event(message_event("Ev7", AGENT, CLARIFIES, ts(100), ROOT_TS))
    await running.bot.runtime.drain()

    own = await running.command("me 7d", AGENT, fake)
    figures = fields(own)
    assert figures["Confused customers"] == "1"
    assert figures["Clarified in the next reply"] == "too few to tell (1/1)"
    assert figures["Nudges sent"] == "1 (1 confusion nudges)"
    assert "confusion nudges too few to tell (1/1)" in str(own)  # rated helpful, by kind
    # Nothing reached the customer; every tip went to the agent.
    assert fake.of("chat.postMessage") == []
    assert all(c.args["user"] == AGENT for c in fake.of("chat.postEphemeral"))
