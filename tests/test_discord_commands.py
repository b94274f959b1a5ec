"""``/coach`` application commands and the helpful / not helpful buttons, through the real
discord.py client against the loopback Discord fake (harness: tests/test_discord.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.base import CommandRequest, Report
from tests.fakes.discord import (
    GUILD,
    FakeDiscord,
    button_click,
    channel_payload,
    coach_command,
    message_payload,
    user_payload,
)
from tests.test_discord import (
    AGENT,
    ANGRY,
    CUSTOMER,
    LEAD_ROLE,
    NO_ACK,
    SUPERVISOR,
    SUPPORT,
    Running,
    embed,
    nothing_reached_customers,
    open_thread,
    serving,
    started,
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with serving() as fake:
        yield fake


@pytest.fixture
async def running(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Running]:
    async with started(tmp_path, fake, monkeypatch) as r:
        yield r


async def test_supervisor_summary_has_real_figures_and_others_are_refused(
    running: Running, fake: FakeDiscord
) -> None:
    await open_thread(running)
    await running.say(CUSTOMER, ANGRY, 60)
    reply = await running.say(AGENT, NO_ACK, 90)
    await fake.wait_dms(AGENT, 2)
    await running.settled(reply["id"])

    answer = await running.command(
        "summary", SUPERVISOR, options=[{"name": "period", "type": 3, "value": "7d"}]
    )
    assert answer["type"] == 4 and answer["data"]["flags"] == 64
    report = embed(answer)
    fields = {f["name"]: f["value"] for f in report["fields"]}
    assert "the whole team, last 7d" in report["title"]
    assert fields["Conversations"] == "1" and fields["Customer messages"] == "2"
    assert fields["Frustration episodes"] == "1"
    assert fields["Acknowledged in the next reply"] == "too few to tell (0/1)"
    assert fields["Nudges sent"].startswith("2")

    refused = await running.command("summary", AGENT)
    assert "only available to supervisors" in embed(refused)["title"]
    assert "fields" not in embed(refused)
    status = await running.command("status", AGENT)
    assert "only available to supervisors" in embed(status)["title"]

    # The agent's own record is allowed; a supervisor by Discord role sees the channel.
    own = await running.command(
        "summary",
        AGENT,
        options=[{"name": "agent", "type": 6, "value": AGENT}],
        resolved={"users": {AGENT: user_payload(AGENT)}},
    )
    assert f"agent <@{AGENT}>" in embed(own)["title"]
    by_role = await running.command(
        "summary",
        "300000000000000099",
        roles=[LEAD_ROLE],
        options=[{"name": "channel", "type": 7, "value": SUPPORT}],
        resolved={
            "channels": {SUPPORT: {**channel_payload(SUPPORT, "support"), "permissions": "0"}}
        },
    )
    fields = {f["name"]: f["value"] for f in embed(by_role)["fields"]}
    assert f"channel <#{SUPPORT}>" in embed(by_role)["title"] and fields["Conversations"] == "1"
    me = await running.command("me", AGENT)
    assert f"agent <@{AGENT}>" in embed(me)["title"]
    helped = await running.command("help", SUPERVISOR)
    assert "/coach summary" in embed(helped)["description"]
    nothing_reached_customers(fake, {AGENT})


async def test_a_slow_command_is_deferred_then_answered_by_follow_up(
    running: Running, fake: FakeDiscord
) -> None:
    release = asyncio.Event()
    handler = running.adapter.commands.handler

    async def slow(request: CommandRequest) -> Report:
        await release.wait()
        return await handler(request)

    running.adapter.commands.handler, running.adapter.commands.budget = slow, 0.05
    await fake.dispatch("INTERACTION_CREATE", coach_command("status", SUPERVISOR))
    await fake.wait_until(lambda: len(fake.callbacks()) == 1)
    assert fake.callbacks()[0].body == {"type": 5, "data": {"flags": 64}}  # deferred, ephemeral
    release.set()
    await fake.wait_until(lambda: len(fake.of("POST", "/webhooks/")) == 1)
    follow_up = fake.of("POST", "/webhooks/")[0]
    assert follow_up.body["flags"] == 64 and "at risk" in embed(follow_up)["title"]


async def test_helpful_click_is_recorded_for_the_agent_only(
    running: Running, fake: FakeDiscord
) -> None:
    await open_thread(running)
    await running.say(CUSTOMER, ANGRY, 60)
    [dm] = await fake.wait_dms(AGENT)
    helpful = dm.body["components"][0]["components"][0]["custom_id"]
    nudge_id = helpful.split(":")[3]
    sent = message_payload(fake.dm_channel(AGENT) or "", "100000000000000001", "", bot=True)
    sent["embeds"], sent["components"] = dm.body["embeds"], dm.body["components"]

    await fake.dispatch(
        "INTERACTION_CREATE", button_click(CUSTOMER, helpful, sent, fake.dm_channel(AGENT) or "")
    )
    await fake.wait_until(lambda: len(fake.callbacks()) == 1)
    assert fake.callbacks()[0].body["data"]["flags"] == 64  # "for someone else", privately

    await fake.dispatch(
        "INTERACTION_CREATE", button_click(AGENT, helpful, sent, fake.dm_channel(AGENT) or "")
    )
    await fake.wait_until(lambda: len(fake.callbacks()) == 2)
    update = fake.callbacks()[1].body
    assert update["type"] == 7 and update["data"]["components"] == []
    feedback = (await running.bot.store.slice(0, 2e9)).feedback
    assert [(f.nudge_id, f.user, f.helpful) for f in feedback] == [(nudge_id, AGENT, True)]


async def test_commands_are_synced_to_the_configured_guild(
    running: Running, fake: FakeDiscord
) -> None:
    await fake.wait_until(lambda: fake.of("PUT", "/applications/"))
    [sync] = fake.of("PUT", "/applications/")
    assert sync.path == f"/applications/100000000000000001/guilds/{GUILD}/commands"
    [coach] = sync.body
    assert coach["name"] == "coach"
    subs = {o["name"]: o for o in coach["options"]}
    assert set(subs) == {
        "summary",
        "status",
        "inbox",
        "me",
        "help",
        "practice",
        "customer",
        "forget",
        "highlights",
    }
    for name in ("customer", "forget"):
        [option] = subs[name]["options"]
        assert option["name"] == "customer" and option["required"] is True
    assert [o["name"] for o in subs["summary"]["options"]] == ["agent", "channel", "period"]
    assert [c["value"] for c in subs["summary"]["options"][2]["choices"]] == ["24h", "7d", "30d"]
    identify = next(f for f in fake.received if f.op == 2)
    # guilds, messages, content; and DMs, where practice continues
    assert identify.d["intents"] == (1 << 0) | (1 << 9) | (1 << 15) | (1 << 12)
