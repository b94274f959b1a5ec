"""The confusion nudge end to end through the real discord.py client and the loopback
Discord fake (harness: tests/test_discord.py), with the shipped contextual model.

A customer lost after the agent's instructions gets the agent one DM (not after "let me
check", not again for a gateway replay or a second lost message before the agent
replies); the agent rates it, clarifies, and their own ``/coach me`` counts it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.discord import FakeDiscord, button_click, message_payload
from tests.test_discord import (
    AGENT,
    CUSTOMER,
    Running,
    embed,
    fake,
    nothing_reached_customers,
    open_thread,
    started,
)
from tests.test_slack_confusion import CLARIFIES, INSTRUCTIONS, LOST, LOST_AGAIN, NO_COOLDOWN

__all__ = ["fake"]  # the fixture, used by name


@pytest.fixture
async def running(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Running]:
    """No cooldown: only the one-nudge-per-episode rule may hold back a second nudge."""
    async with started(tmp_path, fake, monkeypatch, NO_COOLDOWN) as r:
        yield r


async def test_a_lost_customer_gets_the_agent_one_confusion_dm(
    running: Running, fake: FakeDiscord
) -> None:
    await open_thread(running)  # the agent's first message gives no instructions
    early = await running.say(CUSTOMER, LOST, 60)
    await running.settled(early["id"])
    assert fake.dms_to(AGENT) == []

    await running.say(AGENT, INSTRUCTIONS, 70)
    lost = await running.say(CUSTOMER, LOST, 80)
    [dm] = await fake.wait_dms(AGENT)
    tip = embed(dm)
    assert tip["title"].startswith("🧭") and "lost in your steps" in tip["title"]
    assert "one step at a time" in tip["description"]

    fake.replay_on_resume = 2  # the gateway replays the lost message after a resume
    await fake.reconnect()
    await fake.wait_until(lambda: fake.resumes == 1)
    await running.settled(lost["id"], times=2)
    again = await running.say(CUSTOMER, LOST_AGAIN, 90)  # same episode
    await running.settled(again["id"])
    assert len(fake.dms_to(AGENT)) == 1

    helpful = dm.body["components"][0]["components"][0]["custom_id"]
    sent = message_payload(fake.dm_channel(AGENT) or "", "100000000000000001", "", bot=True)
    sent["embeds"], sent["components"] = dm.body["embeds"], dm.body["components"]
    await fake.dispatch(
        "INTERACTION_CREATE", button_click(AGENT, helpful, sent, fake.dm_channel(AGENT) or "")
    )
    await fake.wait_until(lambda: len(fake.callbacks()) == 1)
    reply = await running.say(AGENT, CLARIFIES, 100)
    await running.settled(reply["id"])

    me = embed(await running.command("me", AGENT))
    figures = {f["name"]: f["value"] for f in me["fields"]}
    assert figures["Confused customers"] == "1"
    assert figures["Clarified in the next reply"] == "too few to tell (1/1)"
    assert figures["Nudges sent"] == "1 (1 confusion nudges)"
    assert "confusion nudges too few to tell (1/1)" in me["description"]
    nothing_reached_customers(fake, {AGENT})
