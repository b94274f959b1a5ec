"""Customer memory end to end through the real discord.py client and the loopback Discord
fake (harness: tests/test_discord.py): a customer who left frustrated opens a new thread,
and the agent who answers gets one brief by DM; ``/coach customer`` and ``/coach forget``
for supervisors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.discord import FakeDiscord, thread_payload
from tests.test_discord import (
    AGENT,
    CUSTOMER,
    SUPERVISOR,
    SUPPORT,
    Running,
    embed,
    guild,
    nothing_reached_customers,
    started,
)

SECOND_THREAD = "600000000000000007"
SECRET_WORD = "ZEBRACORN"  # in the customer's words: must never reach a brief


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    guild(fake)
    fake.guilds[0]["threads"].append(
        thread_payload(SECOND_THREAD, SUPPORT, CUSTOMER, "Invoice, again")
    )
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def live(
    tmp_path: Path, discord_fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Running]:
    async with started(tmp_path, discord_fake, monkeypatch) as r:
        yield r


def customer_option() -> list[dict[str, object]]:
    return [{"name": "customer", "type": 3, "value": f"<@{CUSTOMER}>"}]


async def test_a_returning_customer_brings_one_brief_by_dm(
    live: Running, discord_fake: FakeDiscord
) -> None:
    fake = discord_fake
    await live.say(CUSTOMER, "Hi, my invoice shows the wrong amount.", 0)
    await live.say(AGENT, "Hi! Let me check that for you.", 30)
    await live.say(CUSTOMER, f"Third time asking about {SECRET_WORD}, waited 3 hours!!", 60)
    [heads_up] = await fake.wait_dms(AGENT)
    assert "frustrated" in embed(heads_up)["title"]

    await live.say(CUSTOMER, "Hello again, the invoice.", 90, channel=SECOND_THREAD)
    await live.say(AGENT, "Hi, looking at it now.", 100, channel=SECOND_THREAD)
    dms = await fake.wait_dms(AGENT, 2)
    brief = embed(dms[1])
    assert "Returning customer" in brief["title"]
    assert "2nd conversation in 7 days" in brief["description"]
    assert "the last one ended unresolved" in brief["description"]
    assert SECRET_WORD.lower() not in json.dumps(dms[1].body).lower()

    again = await live.say(AGENT, "Found it, fixing now.", 110, channel=SECOND_THREAD)
    await live.settled(again["id"])
    assert len(fake.dms_to(AGENT)) == 2  # once per conversation
    nothing_reached_customers(fake, {AGENT})

    found = embed(await live.command("customer", SUPERVISOR, options=customer_option()))
    assert found["title"] == f"Customer <@{CUSTOMER}>: 2 conversations in the last 30 days"
    refused = embed(await live.command("forget", AGENT, options=customer_option()))
    assert "only available to supervisors" in refused["title"]
    assert (await live.bot.store.slice(0, 2e9)).events
    forgot = embed(await live.command("forget", SUPERVISOR, options=customer_option()))
    assert forgot["title"].startswith(f"Forgot customer <@{CUSTOMER}>")
    assert (await live.bot.store.slice(0, 2e9)).events == []
    unclear = embed(
        await live.command(
            "customer", SUPERVISOR, options=[{"name": "customer", "type": 3, "value": "dana"}]
        )
    )
    assert "user ID" in unclear["title"]
