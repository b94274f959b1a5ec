"""The real discord.py client, end to end, against a loopback Discord fake.

`coach`'s whole running program (Bot.build: runtime, store, commands, Discord adapter) is
started from a configuration file naming only ``[discord]`` keys, ``[roles]`` and
``DISCORD_TOKEN``; the fake's gateway delivers MESSAGE_CREATE / INTERACTION_CREATE /
RECONNECT..., and its REST API records every DM, channel message and interaction
callback. Tests wait on the fake (or on the events handed to the runtime), never on
sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.app import DiscordAdapter
from bot.app import Bot, run
from bot.store.memory import MemoryStore
from coaching.types import ConversationClosed, Event
from config import load
from tests.fakes.discord import (
    GUILD,
    FakeDiscord,
    channel_payload,
    coach_command,
    hidden_from_everyone,
    message_payload,
    snowflake,
    thread_payload,
)

AGENT, HELPER, SUPERVISOR, CUSTOMER, OTHER_CUSTOMER = (
    "300000000000000001",
    "300000000000000002",
    "300000000000000003",
    "400000000000000001",
    "400000000000000002",
)
HELPER_ROLE, LEAD_ROLE = "500000000000000001", "500000000000000002"
CATEGORY, SUPPORT, FORUM, STAFF, THREAD = (
    "600000000000000001",
    "600000000000000002",
    "600000000000000003",
    "600000000000000004",
    "600000000000000005",
)
BASE = time.time() - 120  # messages from the last minutes: "now" for the live runtime
ANGRY = "This is the THIRD time I'm asking and I've been waiting for 3 hours!!"
NO_ACK = "Please send your order number."


class Recorder:
    """The runtime's sink, watched: tests wait until an event was handed over."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.events = inner, []  # type: list[Event]
        self.changed = asyncio.Condition()

    async def submit(self, event: Event) -> bool:
        async with self.changed:
            self.events.append(event)
            self.changed.notify_all()
        return bool(await self.inner.submit(event))

    def count(self, message_id: str) -> int:
        return sum(1 for e in self.events if getattr(e, "message_id", None) == message_id)

    async def wait(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        async def ready() -> None:
            async with self.changed:
                await self.changed.wait_for(predicate)

        await asyncio.wait_for(ready(), within)


def guild(fake: FakeDiscord) -> None:
    fake.guilds[0]["channels"] = [
        {**channel_payload(CATEGORY, "Support", kind=4)},
        channel_payload(SUPPORT, "support", parent=CATEGORY),
        channel_payload(FORUM, "help-forum", kind=15, parent=CATEGORY),
        hidden_from_everyone(channel_payload(STAFF, "staff-only")),
        channel_payload("600000000000000009", "off-topic"),
    ]
    fake.guilds[0]["threads"] = [thread_payload(THREAD, SUPPORT, CUSTOMER, "My invoice")]


@contextlib.asynccontextmanager
async def serving() -> AsyncIterator[FakeDiscord]:
    """The fake, with a support server: a category, channels, a forum and a thread."""
    fake = FakeDiscord()
    guild(fake)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def write_config(tmp_path: Path, fake: FakeDiscord, extra: str = "") -> Path:
    path = tmp_path / "coach.toml"
    path.write_text(
        f"""
[discord]
enabled = true
api_url = "{fake.api_url}"
gateway_url = "{fake.gateway_url}"
guilds = ["{GUILD}"]
{extra}
[roles]
agents = ["{AGENT}"]
supervisors = ["{SUPERVISOR}"]
agent_roles = ["{HELPER_ROLE}"]
supervisor_roles = ["{LEAD_ROLE}"]
[storage]
url = "memory://"
[http]
enabled = false
[runtime]
tick_seconds = 0.05
"""
    )
    return path


class Running:
    def __init__(self, bot: Bot, fake: FakeDiscord) -> None:
        self.bot, self.fake = bot, fake
        adapter = bot.adapters[0]
        assert isinstance(adapter, DiscordAdapter)
        self.adapter = adapter
        self.sink = Recorder(adapter.sink)
        adapter.sink = self.sink

    async def say(
        self, author: str, text: str, seconds: float, channel: str = THREAD, **kw: Any
    ) -> dict[str, Any]:
        payload = message_payload(channel, author, text, at=BASE + seconds, guild=GUILD, **kw)
        await self.fake.dispatch("MESSAGE_CREATE", payload)
        return payload

    async def settled(self, message_id: str, times: int = 1) -> None:
        """Until the message reached the runtime (``times`` times), then its processing."""
        await self.sink.wait(lambda: self.sink.count(message_id) >= times)
        await self.bot.runtime.drain()

    async def command(self, sub: str, user: str, **kw: Any) -> dict[str, Any]:
        before = len(self.fake.callbacks())
        await self.fake.dispatch("INTERACTION_CREATE", coach_command(sub, user, **kw))
        await self.fake.wait_until(lambda: len(self.fake.callbacks()) > before)
        return dict(self.fake.callbacks()[-1].body)


@contextlib.asynccontextmanager
async def started(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch, extra: str = ""
) -> AsyncIterator[Running]:
    """``coach run``'s Bot, built from the configuration file, running against the fake."""
    monkeypatch.setenv("DISCORD_TOKEN", "test-token.discord.fake")
    bot = await Bot.build(load(write_config(tmp_path, fake, extra)))
    await bot.start()
    try:
        yield Running(bot, fake)
    finally:
        await bot.stop()


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


@pytest.fixture
async def with_staff(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Running]:
    async with started(tmp_path, fake, monkeypatch, f'staff_channel = "{STAFF}"') as r:
        yield r


async def open_thread(r: Running, agent: str = AGENT, **agent_kw: Any) -> None:
    await r.say(CUSTOMER, "Hi, my invoice shows the wrong amount.", 0)
    await r.say(agent, "Hi! Let me check that for you.", 30, **agent_kw)


def nothing_reached_customers(fake: FakeDiscord, agents: set[str]) -> None:
    """Every message the bot sent went to an agent's DM or the staff channel; no DM was
    ever opened with anyone but an agent."""
    recipients = {str(c.body["recipient_id"]) for c in fake.of("POST", "/users/@me/channels")}
    assert recipients <= agents
    allowed = {fake.dm_channel(a) for a in agents} | {STAFF}
    for call in fake.of("POST", "/channels/"):
        assert call.path.split("/")[2] in allowed, call.path


def embed(call: Any) -> dict[str, Any]:
    body = call if isinstance(call, dict) else call.body
    body = body if "embeds" in body else body["data"]
    return dict(body["embeds"][0])


async def test_frustrated_customer_in_a_thread_gets_the_helper_one_dm_nudge(
    running: Running, fake: FakeDiscord
) -> None:
    await open_thread(running)
    angry = await running.say(CUSTOMER, ANGRY, 60)
    [dm] = await fake.wait_dms(AGENT)
    tip = embed(dm)
    assert "frustrated" in tip["title"] and "**Why:**" in tip["description"]
    assert f"https://discord.com/channels/{GUILD}/{THREAD}/{angry['id']}" in tip["description"]
    buttons = dm.body["components"][0]["components"]
    assert [b["custom_id"].split(":")[2] for b in buttons] == ["1", "0"]

    # A reply that does not acknowledge: one follow-up.
    await running.say(AGENT, NO_ACK, 90)
    dms = await fake.wait_dms(AGENT, 2)
    assert "didn't acknowledge" in embed(dms[1])["title"]

    # More frustration (held back by the cooldown), then an acknowledging reply: nothing.
    await running.say(CUSTOMER, "Seriously? I already sent it twice. This is ridiculous.", 100)
    calm = await running.say(
        AGENT,
        "I'm so sorry you've had to send it again, that's really frustrating. I've fixed the invoice now.",
        110,
    )
    await running.settled(calm["id"])
    assert len(fake.dms_to(AGENT)) == 2
    nothing_reached_customers(fake, {AGENT})
    health = running.adapter.health()
    assert health["connected"] is True and health["reconnects"] == 0


async def test_closed_dms_are_remembered_and_tips_go_to_the_staff_channel(
    with_staff: Running, fake: FakeDiscord
) -> None:
    fake.closed_dms.add(AGENT)
    await open_thread(with_staff)
    await with_staff.say(CUSTOMER, ANGRY, 60)
    await fake.wait_until(lambda: len(fake.sent_to(STAFF)) >= 1)
    [post] = fake.sent_to(STAFF)
    assert post.body["content"] == f"<@{AGENT}>"
    assert post.body["allowed_mentions"] == {"parse": [], "users": [int(AGENT)]}
    assert "DMs from this server are closed" in embed(post)["footer"]["text"]
    assert len(fake.dms_to(AGENT, status=403)) == 1

    await with_staff.say(AGENT, NO_ACK, 90)
    await fake.wait_until(lambda: len(fake.sent_to(STAFF)) >= 2)
    # The refusal was remembered: no second DM attempt (Discord bans bots that keep trying).
    assert len(fake.dms_to(AGENT, status=None)) == 1
    assert with_staff.adapter.health()["dms_closed"] == 1
    nothing_reached_customers(fake, {AGENT})


async def test_closed_dms_without_a_staff_channel_keep_the_tip_for_the_inbox(
    running: Running, fake: FakeDiscord
) -> None:
    fake.closed_dms.add(AGENT)
    await open_thread(running)
    angry = await running.say(CUSTOMER, ANGRY, 60)
    await running.settled(angry["id"])
    assert fake.dms_to(AGENT) == [] and len(fake.dms_to(AGENT, status=403)) == 1
    answer = await running.command("inbox", AGENT)
    assert answer["type"] == 4 and answer["data"]["flags"] == 64  # ephemeral
    tip = embed(answer)
    assert tip["title"] == "Your last 1 kept tips" and "frustrated" in tip["description"]
    nothing_reached_customers(fake, {AGENT})


async def test_a_resume_replay_makes_no_second_nudge(running: Running, fake: FakeDiscord) -> None:
    await open_thread(running)
    angry = await running.say(CUSTOMER, ANGRY, 60)
    await fake.wait_dms(AGENT)
    await running.settled(angry["id"])

    fake.replay_on_resume = 3  # the gateway replays events the client already had
    await fake.reconnect()
    await fake.wait_until(lambda: fake.resumes == 1)
    await running.settled(angry["id"], times=2)
    assert len(fake.dms_to(AGENT)) == 1
    assert fake.identifies == 1  # resumed, not a new session
    health = running.adapter.health()
    assert health["connected"] is True and health["reconnects"] == 1
    assert health["last_close_code"] == 4000

    # Business as usual after the resume.
    await running.say(AGENT, NO_ACK, 90)
    await fake.wait_dms(AGENT, 2)


async def test_refused_message_content_intent_stops_with_instructions(
    tmp_path: Path,
    fake: FakeDiscord,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "test-token.discord.fake")
    fake.refuse_intents = True
    caplog.set_level(logging.INFO)
    code = await asyncio.wait_for(run(load(write_config(tmp_path, fake))), 20)
    assert code == 2
    assert fake.close_codes == [4014]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(
        "MESSAGE CONTENT INTENT" in r.getMessage() and "Developer Portal" in r.getMessage()
        for r in errors
    )
    assert not any(r.exc_info for r in errors)  # a message, not a traceback


async def test_refused_token_stops_with_instructions(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    from adapters.base import AdapterFailed

    monkeypatch.setenv("DISCORD_TOKEN", "test-token.discord.fake")
    fake.unauthorized = True
    bot = await Bot.build(load(write_config(tmp_path, fake)))
    try:
        with pytest.raises(AdapterFailed, match="DISCORD_TOKEN"):
            await bot.start()
    finally:
        await bot.stop()


async def test_plain_channel_conversations_follow_reply_chains(
    running: Running, fake: FakeDiscord
) -> None:
    first = await running.say(CUSTOMER, "Hello, how do I export my invoices?", 0, channel=SUPPORT)
    second = await running.say(
        OTHER_CUSTOMER, "Hello, how do I change my plan?", 5, channel=SUPPORT
    )
    await running.say(AGENT, "Looking into it.", 20, channel=SUPPORT, reply_to=first)
    # The other customer gets upset, but no helper is in their conversation yet.
    other = await running.say(
        OTHER_CUSTOMER,
        "Nobody answers here, this is the THIRD time I'm asking!!",
        40,
        channel=SUPPORT,
    )
    await running.settled(other["id"])
    assert fake.dms_to(AGENT) == []
    angry = await running.say(CUSTOMER, ANGRY, 60, channel=SUPPORT)
    [dm] = await fake.wait_dms(AGENT)
    assert (
        f"https://discord.com/channels/{GUILD}/{SUPPORT}/{angry['id']}" in embed(dm)["description"]
    )
    keys = {e.conversation.key for e in running.sink.events}
    assert keys == {
        f"discord:{GUILD}:{SUPPORT}:{first['id']}",
        f"discord:{GUILD}:{SUPPORT}:{second['id']}",
    }
    nothing_reached_customers(fake, {AGENT})


async def test_forum_posts_role_agents_bots_and_edits(running: Running, fake: FakeDiscord) -> None:
    post = snowflake()
    fake.channels[post] = thread_payload(post, FORUM, CUSTOMER, "Login broken")  # fetched on demand
    await running.say(
        CUSTOMER, "Hello, how do I reset my password?", 0, channel=post, message_id=post
    )
    # A helper known by Discord role (agent_roles), and a bot that must be ignored.
    await running.say(
        HELPER, "Hi, which browser do you use?", 20, channel=post, roles=[HELPER_ROLE]
    )
    noisy = await running.say(
        "700000000000000001", "ALERT!!! FAILURE!!! UNACCEPTABLE!!!", 25, channel=post, bot=True
    )
    calm = await running.say(CUSTOMER, "I use Firefox on Windows.", 40, channel=post)
    await running.settled(calm["id"])
    assert running.sink.count(noisy["id"]) == 0 and fake.dms_to(HELPER) == []
    assert {e.conversation.key for e in running.sink.events} == {f"discord:{GUILD}:{FORUM}:{post}"}

    # The customer edits the calm message into an angry one: the helper hears about it.
    edited = {**calm, "content": ANGRY, "edited_timestamp": calm["timestamp"]}
    await fake.dispatch("MESSAGE_UPDATE", edited)
    [dm] = await fake.wait_dms(HELPER)
    assert "frustrated" in embed(dm)["title"]
    # Deleting it is recorded; an edit of a message nobody saw is ignored without harm.
    await fake.dispatch("MESSAGE_DELETE", {"id": calm["id"], "channel_id": post, "guild_id": GUILD})
    stranger = message_payload(SUPPORT, CUSTOMER, "edited", guild=GUILD, edited_at=time.time())
    await fake.dispatch("MESSAGE_UPDATE", stranger)
    last = await running.say(CUSTOMER, "Thanks.", 70, channel=post)
    await running.settled(last["id"])
    kinds = [type(e).__name__ for e in running.sink.events]
    assert kinds.count("MessageEdited") == 1 and kinds.count("MessageDeleted") == 1
    assert len(fake.of("GET", f"/channels/{post}")) == 1  # fetched once, then known
    nothing_reached_customers(fake, {HELPER})


async def test_a_malformed_payload_is_logged_and_the_bot_carries_on(
    running: Running, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    broken = message_payload(THREAD, CUSTOMER, "WHERE IS MY ORDER???", guild=GUILD)
    del broken["author"]
    await fake.dispatch("MESSAGE_CREATE", broken)
    await open_thread(running)
    angry = await running.say(CUSTOMER, ANGRY, 60)
    await fake.wait_dms(AGENT)
    await running.settled(angry["id"])
    assert "malformed MESSAGE_CREATE payload ignored" in caplog.text
    assert "WHERE IS MY ORDER" not in caplog.text and ANGRY not in caplog.text
    assert running.adapter.health()["malformed_payloads"] == 1


async def test_a_channel_that_cannot_be_looked_up_is_one_conversation(
    running: Running, fake: FakeDiscord
) -> None:
    unknown = snowflake()  # neither in GUILD_CREATE nor served by GET /channels/{id}
    await running.say(AGENT, "Hi, I'm Sam from support. What can I do for you?", 0, channel=unknown)
    await running.say(CUSTOMER, "Hello, how do I reset my password?", 10, channel=unknown)
    angry = await running.say(CUSTOMER, ANGRY, 60, channel=unknown)
    [dm] = await fake.wait_dms(AGENT)
    assert (
        f"https://discord.com/channels/{GUILD}/{unknown}/{angry['id']}" in embed(dm)["description"]
    )
    assert len(fake.of("GET", f"/channels/{unknown}")) == 1


async def test_a_rate_limited_dm_is_waited_out_by_discord_py(
    running: Running, fake: FakeDiscord
) -> None:
    fake.rate_limits["/messages"] = 1
    await open_thread(running)
    await running.say(CUSTOMER, ANGRY, 60)
    assert len(await fake.wait_dms(AGENT)) == 1
    attempts = fake.dms_to(AGENT, status=None)
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= fake.retry_after * 0.9  # Retry-After honoured


async def test_an_archived_thread_closes_its_conversation(
    running: Running, fake: FakeDiscord
) -> None:
    await open_thread(running)
    archived = thread_payload(THREAD, SUPPORT, CUSTOMER, "My invoice")
    archived["thread_metadata"] |= {
        "archived": True,
        "archive_timestamp": "2030-01-01T00:00:00+00:00",
    }
    await fake.dispatch("THREAD_UPDATE", archived)
    await fake.dispatch("THREAD_UPDATE", archived)  # the same update again: one event id
    await running.sink.wait(
        lambda: sum(isinstance(e, ConversationClosed) for e in running.sink.events) == 2
    )
    closes = [e for e in running.sink.events if isinstance(e, ConversationClosed)]
    assert (
        closes[0] == closes[1]
        and closes[0].conversation.key == f"discord:{GUILD}:{SUPPORT}:{THREAD}"
    )
    await running.bot.runtime.drain()
    store = running.bot.store
    assert isinstance(store, MemoryStore)
    assert [e.kind for e in store.events if e.event_id == closes[0].event_id] == ["closed"]
