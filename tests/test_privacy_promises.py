"""The privacy promises (docs/privacy.md, section "Promises"), one test per promise: each
test's docstring is the promise exactly as the page states it, and the first test checks
that every promise there has its test here (so the docs cannot promise what nothing
checks)."""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import logging
import re
import sqlite3
import stat
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Connection

from adapters.base import CommandRequest, DeliveryStatus, Period, Roles, Scope, ScopeKind
from adapters.discord.commands import Commands
from adapters.discord.intake import Intake
from adapters.slack.delivery import SlackDelivery
from bot import app
from bot.app import Bot
from bot.cli.main import main
from bot.ops import logs
from bot.ops.clock import VirtualClock
from bot.ops.metrics import Metrics
from bot.service.commands import CommandService
from bot.service.runtime import Runtime
from bot.service.scoring import build_engine
from bot.store import open_store, schema
from bot.store.memory import MemoryStore
from bot.store.sql import SqlStore
from coaching.engine import Engine
from coaching.policy import Policy
from coaching.state import ConversationState
from coaching.types import (
    ConversationRef,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    Nudge,
    NudgeKind,
    Role,
)
from config import ConfigError, load
from config.settings import StorageSettings
from tests.fakes.discord import BOT_ID, FakeDiscord, channel_payload, guild_payload
from tests.fakes.slack import FakeSlack
from tests.helpers import CONV, Script, ScriptedDetectors
from tests.test_discord import AGENT as DISCORD_AGENT
from tests.test_discord import ANGRY, CUSTOMER, SUPERVISOR, open_thread, serving, started
from tests.test_discord import guild as discord_guild
from tests.test_discord_allowlist import (
    test_dms_are_answered_only_for_members_of_a_configured_server as _dms_from_members_only,
)
from tests.test_discord_allowlist import (
    test_dms_are_rate_limited_per_person as _dms_rate_limited,
)
from tests.test_discord_allowlist import (
    test_practice_is_not_served_in_a_server_that_is_not_configured as _practice_elsewhere,
)
from tests.test_discord_guards import OTHER_CHANNEL, OTHER_GUILD
from tests.test_discord_guards import (
    test_a_staff_channel_everyone_can_see_is_never_used as _staff_channel_everyone_sees,
)
from tests.test_discord_guards import (
    test_the_conversations_own_channel_is_never_the_staff_channel as _staff_channel_own,
)
from tests.test_discord_staff_privacy import MEMBERS, MEMBERS_ROLE, allow
from tests.test_discord_staff_privacy import (
    test_a_private_thread_is_judged_by_its_members as _private_thread_check,
)
from tests.test_discord_staff_privacy import (
    test_a_staff_channel_is_used_only_when_nobody_but_staff_can_view_it as _staff_channel_check,
)
from tests.test_operations import (
    test_health_and_metrics_have_a_loopback_listener_of_their_own as _ops_listener,
)
from tests.test_operations import (
    test_the_retention_loop_purges_old_records_when_the_bot_starts as _retention_loop,
)
from tests.test_slack import AGENT, SECRET, write_config
from tests.test_slack import SUPERVISOR as SLACK_SUPERVISOR
from tests.test_slack import Running as SlackRunning
from tests.test_store_privacy import (
    test_a_processed_inbox_event_leaves_no_text_in_the_sqlite_file as _no_text_left_in_the_file,
)

PRIVACY = Path(__file__).resolve().parent.parent / "docs" / "privacy.md"
REF = ConversationRef("slack", "T1", "C1", "1700000000.000100")


def promises() -> list[str]:
    text = PRIVACY.read_text(encoding="utf-8")
    section = text.split("\n## Promises\n", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    return [" ".join(line[2:].split()) for line in section.splitlines() if line.startswith("- ")]


def docstrings() -> list[str]:
    module = sys.modules[__name__]
    return [
        " ".join(inspect.getdoc(fn).split())  # type: ignore[union-attr]
        for name, fn in vars(module).items()
        if name.startswith("test_") and callable(fn) and fn.__doc__
    ]


def test_every_privacy_promise_has_exactly_one_test() -> None:
    found = promises()
    assert len(found) >= 10
    tested = docstrings()
    for promise in found:
        assert re.search(r"\.\s+[A-Z]", promise) is None, f"one sentence per promise: {promise}"
        assert tested.count(promise) == 1, f"no test (or more than one) for: {promise}"


def nudge(agent: str = "UAGENT", nudge_id: str = "n1") -> Nudge:
    return Nudge(
        nudge_id,
        REF,
        agent,
        NudgeKind.FRUSTRATION,
        "Heads-up",
        ("waiting",),
        "Sorry for the wait.",
        "UCUST",
        "ev1",
        1.0,
    )


# --- delivery -------------------------------------------------------------------------------


async def test_nudges_go_only_to_the_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nudges go only to the agent concerned, privately: in Slack an ephemeral message in the thread (or a DM when Slack cannot show it there), in Discord a DM (or, when the agent's DMs are closed, the staff channel or `/coach inbox`)."""
    fake = FakeSlack()
    await fake.start()
    try:
        delivery = SlackDelivery(AsyncWebClient(token="xoxb-test", base_url=fake.api_url))
        assert (await delivery.deliver(nudge())).route == "ephemeral"
        [ephemeral] = fake.of("chat.postEphemeral")
        assert (ephemeral.args["user"], ephemeral.args["thread_ts"]) == ("UAGENT", REF.thread)
        fake.ephemeral_errors["UAGENT"] = "is_archived"
        assert (await delivery.deliver(nudge(nudge_id="n2"))).route == "dm"
        assert fake.of("conversations.open")[0].args["users"] == "UAGENT"
        assert [c.args["channel"] for c in fake.of("chat.postMessage")] == ["DAGENT"]
    finally:
        await fake.stop()
    async with serving() as discord, started(tmp_path, discord, monkeypatch) as r:
        await open_thread(r)
        await r.say(CUSTOMER, ANGRY, 60)
        await discord.wait_dms(DISCORD_AGENT)
        opened = discord.of("POST", "/users/@me/channels")
        assert [str(c.body["recipient_id"]) for c in opened] == [DISCORD_AGENT]


async def test_updates_reach_customers_only_when_a_team_and_the_agent_chose_to_send(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bot posts where a customer can see it nothing but the survey and updates an agent chose to send, each only when a team turns it on: a one-click update (`[updates] one_click`, off by default) only when the reminder's own agent clicks, at most once per reminder, and the automatic holding update (`[updates] auto_after_minutes`, 0 = off by default) at most once per wait; an update holds the coach's words or the agent's, never a customer's."""
    from tests import test_slack_updates as updates_

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    for extra in ("", updates_.ONE_CLICK, "[updates]\none_click = true\nauto_after_minutes = 5\n"):
        clock = updates_.Later()
        async with (
            updates_.serving() as fake,
            updates_.running(tmp_path, fake, "memory://", clock, extra) as r,
        ):
            reminder = await updates_.reminded(r, fake, clock)
            [nudge] = [n for n in (await r.bot.store.slice(0, 2e10)).nudges if n.kind == "waiting"]
            for n, user in enumerate((updates_.CUSTOMER, updates_.OTHER)):  # never theirs
                await updates_.click(r, fake, user, updates_.SEND_ACTION, nudge.nudge_id, f"x{n}")
            assert fake.of("chat.postMessage") == []
            clicks = 2 if extra else 1
            for n in range(clicks):  # the agent's click, and again: posted at most once
                await updates_.click(r, fake, AGENT, updates_.SEND_ACTION, nudge.nudge_id, f"r{n}")
            clock.offset = 3 * 3600  # long past any automatic update
            for _ in range(3):
                await r.bot.runtime.fire_timers()
                await r.bot.runtime.drain()
            sent = [c.args["text"] for c in fake.of("chat.postMessage")]
            assert len(sent) == (1 if extra else 0)
            assert bool(updates_.update_buttons(reminder)) == bool(extra)
            for text in sent:
                assert "card" not in text and "declined" not in text  # the customer's words
    # Automatic only: at most once per wait, without any click.
    clock = updates_.Later()
    extra = "[updates]\nauto_after_minutes = 5\n"
    async with (
        updates_.serving() as fake,
        updates_.running(tmp_path, fake, "memory://", clock, extra) as r,
    ):
        await updates_.reminded(r, fake, clock)
        for offset in (3600 + 360, 7200, 4 * 3600):
            clock.offset = offset
            await r.bot.runtime.fire_timers()
            await r.bot.runtime.drain()
        assert [c.args["text"].split(":")[0] for c in fake.of("chat.postMessage")] == [
            "Update from the support team"
        ]


async def test_tips_never_reach_customers_former_members_or_public_channels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A tip never goes to anyone who wrote in the conversation as a customer, to a Slack agent who is no longer in the channel, or to a Discord staff channel that anyone but agents and supervisors can view (any role, Administrator roles included, or a member let in) or that is the conversation's own; a private thread is used only when all its members are agents or supervisors."""
    engine = Engine(Policy(cooldown=0), ScriptedDetectors({"angry": 0.9}))
    state = None
    for n, (who, role, text) in enumerate(
        [
            ("pat", "agent", "hi"),
            ("pat", "customer", "hi"),
            ("sam", "agent", "hi"),
            ("cust", "customer", "angry"),
        ]
    ):
        result = engine.step(
            state, MessagePosted(f"e{n}", REF, f"m{n}", who, Role(role), text, n), n
        )
        state = result.state
    assert [n.agent for n in result.nudges] == ["sam"]  # pat wrote as a customer

    fake = FakeSlack()
    await fake.start()
    try:
        fake.not_in_channel.add("UAGENT")
        delivery = SlackDelivery(AsyncWebClient(token="xoxb-test", base_url=fake.api_url))
        result_ = await delivery.deliver(nudge())
        assert (result_.status, result_.error) == (DeliveryStatus.FAILED, "user_not_in_channel")
        assert fake.of("chat.postMessage") == [] and fake.of("conversations.open") == []
    finally:
        await fake.stop()
    # a channel hidden from @everyone but open to a role customers hold; a private thread
    # a customer was added to
    staff_only = FakeDiscord()
    for folder in ("members", "thread"):
        (tmp_path / folder).mkdir()
    try:
        await _staff_channel_check(
            tmp_path / "members",
            staff_only,
            monkeypatch,
            caplog,
            [MEMBERS_ROLE],
            [allow(MEMBERS, 0)],
            False,
        )
    finally:
        await staff_only.stop()
    thread = FakeDiscord()
    try:
        members = [DISCORD_AGENT, CUSTOMER, BOT_ID]
        await _private_thread_check(tmp_path / "thread", thread, monkeypatch, members, [], 0, False)
    finally:
        await thread.stop()
    for check in (_staff_channel_everyone_sees, _staff_channel_own):
        async with serving() as discord:
            other = guild_payload("100000000000000077")
            other["channels"] = [channel_payload("600000000000000077", "general")]
            discord.guilds.append(other)
            await check(tmp_path, discord, monkeypatch)


# --- commands ----------------------------------------------------------------------------------


async def test_summaries_only_to_supervisors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Summaries, status and highlights go only to supervisors, privately; anyone else may see only their own record (`/coach me`)."""
    roles = Roles(agents=frozenset({"UAGENT", "UOTHER"}), supervisors=frozenset({"ULEAD"}))
    commands = CommandService(MemoryStore(), roles, VirtualClock(1e6), Metrics(), 600)

    async def title(user: str, name: str, scope: Scope | None = None) -> str:
        request = CommandRequest(
            "slack", "T1", user, frozenset(), name, scope or Scope(), Period.WEEK
        )
        return (await commands.handle(request)).title

    refused = "Sorry, that's only available to supervisors."
    assert await title("UAGENT", "summary") == refused
    assert await title("UAGENT", "status") == refused
    assert await title("UAGENT", "highlights") == refused
    assert await title("UAGENT", "summary", Scope(ScopeKind.AGENT, "UOTHER")) == refused
    assert "agent <@UAGENT>" in await title("UAGENT", "me")
    assert "agent <@UAGENT>" in await title("UAGENT", "summary", Scope(ScopeKind.AGENT, "UAGENT"))
    assert "the whole team" in await title("ULEAD", "summary")
    assert "at risk" in await title("ULEAD", "status")
    # privately: the answers are ephemeral (Slack) or ephemeral interactions (Discord)
    fake = FakeSlack()
    await fake.start()
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    bot = await Bot.build(load(write_config(tmp_path, fake)))
    await bot.start()
    try:
        async with aiohttp.ClientSession() as session:
            r = SlackRunning(bot, session)
            asks = ((SLACK_SUPERVISOR, "summary"), (SLACK_SUPERVISOR, "status"), (AGENT, "me"))
            for user, name in asks:
                assert (await r.command(name, user, fake))["response_type"] == "ephemeral"
    finally:
        await bot.stop()
        await fake.stop()
    async with serving() as discord, started(tmp_path, discord, monkeypatch) as running:
        answer = await running.command("summary", SUPERVISOR)
        assert answer["data"]["flags"] == 64  # ephemeral


async def test_discord_commands_hidden_and_other_servers_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """On Discord, `/coach` is hidden from members until a server admin allows roles, servers not listed in `[discord] guilds` are not read at all (nor served `/coach practice`), and DMs are answered only for members of those servers, at most 10 per person a minute."""

    async def nothing(_: Any) -> Any:
        return None

    group = Commands(nothing).group()
    assert group.default_permissions is not None and group.default_permissions.value == 0

    class Sink:
        async def submit(self, _: Any) -> bool:
            return True

    intake = Intake(Sink(), Roles(), None, frozenset(), 60, guilds=frozenset({"G1"}))  # type: ignore[arg-type]
    intake.delete(1, 999, 5)  # another server: dropped before anything is looked up
    intake.archived(999, 6, 5, None)
    assert intake.depth == 0
    allowed = Intake(Sink(), Roles(), None, frozenset(), 60, guilds=frozenset({"7"}))  # type: ignore[arg-type]
    allowed.delete(1, 7, 5)
    assert allowed.depth == 1
    for check in (_practice_elsewhere, _dms_from_members_only, _dms_rate_limited):
        async with _with_a_stranger_server() as discord:
            folder = tmp_path / check.__name__
            folder.mkdir()
            if "caplog" in inspect.signature(check).parameters:
                await check(folder, discord, monkeypatch, caplog)
            else:
                await check(folder, discord, monkeypatch)


@contextlib.asynccontextmanager
async def _with_a_stranger_server() -> AsyncIterator[FakeDiscord]:
    """The support server and one someone else added the bot to (tests/test_discord_guards)."""
    fake = FakeDiscord()
    discord_guild(fake)
    stranger = guild_payload(OTHER_GUILD)
    stranger["channels"] = [{**channel_payload(OTHER_CHANNEL, "general"), "guild_id": OTHER_GUILD}]
    fake.guilds.append(stranger)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


# --- what is stored ----------------------------------------------------------------------------


async def dump(store: SqlStore) -> str:
    def everything(conn: Connection) -> str:
        return repr([conn.execute(sa.select(t)).all() for t in schema.metadata.sorted_tables])

    return await store.read(everything)


async def test_text_not_stored_by_default(tmp_path: Path) -> None:
    """Message text is read in memory to score it and is not stored unless `[storage] store_text = true`, except while an event waits in the store's inbox to be processed (normally milliseconds): the transaction that processes it deletes it, an event set aside as a poison is kept without its text, and retention purges the inbox too."""
    text = "Hello, could you check invoice ZQ-7781 for the Kessington account please"
    for store_text in (False, True):
        store = await SqlStore.open(
            f"sqlite+aiosqlite:///{tmp_path}/{store_text}.db", store_text=store_text
        )
        runtime = Runtime(build_engine(), store, {}, VirtualClock(10), store_text=store_text)
        outcome = await runtime.process(
            MessagePosted("e1", REF, "m1", "UCUST", Role.CUSTOMER, text, 1)
        )
        assert outcome.signals  # it was read and scored
        stored = await dump(store)
        assert ("Kessington" in stored) is store_text
        await store.close()
    assert StorageSettings().store_text is False
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/inbox.db")
    runtime = Runtime(build_engine(), store, {}, VirtualClock(10))
    assert await runtime.submit(MessagePosted("e2", REF, "m2", "UCUST", Role.CUSTOMER, text, 2))
    assert "Kessington" in await dump(store)  # waiting in the inbox
    await runtime.start()
    await runtime.drain()
    await runtime.stop()
    assert "Kessington" not in await dump(store)  # processed: gone
    await store.close()
    # set aside as a poison (here an engine bug): kept without its text
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/poison.db", store_text=True)
    engine = build_engine()
    engine.step = _bug  # type: ignore[method-assign]
    runtime = Runtime(engine, store, {}, VirtualClock(10), store_text=True)
    assert await runtime.submit(MessagePosted("e3", REF, "m3", "UCUST", Role.CUSTOMER, text, 3))
    await runtime.start()
    await runtime.drain()
    await runtime.stop()
    assert "e3" in await dump(store) and "Kessington" not in await dump(store)
    # and an event left waiting is purged with everything else
    runtime = Runtime(build_engine(), store, {}, VirtualClock(10), store_text=True)
    assert await runtime.submit(MessagePosted("e4", REF, "m4", "UCUST", Role.CUSTOMER, text, 4))
    await store.purge(time.time() + 1)
    assert "Kessington" not in await dump(store)
    await store.close()


def _bug(*_: object, **__: object) -> None:
    raise KeyError("a bug the event trips")


async def test_agent_context_only_in_memory(tmp_path: Path) -> None:
    """To read a customer's message in context, the last words of the agent message before it (redacted, at most 40 words) are kept in the running process's memory only, never in the store, so after a restart a conversation's next message is read without them; with `[coaching] model = "lexicon"`, which reads each message alone, no agent words are kept at all."""
    path = tmp_path / "coach.db"
    store = await open_store(f"sqlite+aiosqlite:///{path}")
    runtime = Runtime(build_engine(), store, {}, VirtualClock(0))
    s = Script()
    marker = "zebracollarsignal"
    await runtime.process(s.msg("agent", "sam", f"Please restart the {marker} router", 0))
    await runtime.process(s.msg("customer", "cust", "Done, still the same.", 60))
    assert runtime.scoring.context.get(CONV.key)  # it was read with the agent's words ...
    await store.close()
    dump = "\n".join(sqlite3.connect(path).iterdump())
    assert marker not in dump  # ... which stayed in memory
    restarted = Runtime(build_engine(), MemoryStore(), {}, VirtualClock(0))
    assert restarted.scoring.context.get(CONV.key) == ""
    lexicon = Runtime(build_engine(model="lexicon"), MemoryStore(), {}, VirtualClock(0))
    await lexicon.process(s.msg("agent", "sam", f"Please restart the {marker} router", 120))
    await lexicon.process(s.msg("customer", "cust", "Done, still the same.", 180))
    assert len(lexicon.scoring.context) == 0  # the lexicon reads no context: none kept


async def test_stored_text_is_redacted_capped_and_latest(tmp_path: Path) -> None:
    """With `store_text = true` a message's text is stored redacted (e-mail addresses, phone numbers, card numbers in any grouping, national ID numbers, IBANs, tokens and keys; where a number could be one of these it is hidden) and cut to 4,000 characters, only its latest version is kept, and a deleted message's text is cleared."""
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/coach.db", store_text=True)
    runtime = Runtime(
        Engine(Policy(), ScriptedDetectors()), store, {}, VirtualClock(10), store_text=True
    )
    secret = (
        "mail jo@example.com, call 07700 900123, card 4111 1111 1111 1111, "
        "IBAN GB82 WEST 1234 5698 7654 32, key AKIAIOSFODNN7EXAMPLE, ssn 123-45-6789 "
    )
    await runtime.process(MessagePosted("e1", REF, "m1", "UCUST", Role.CUSTOMER, secret * 200, 1))
    [first] = (await store.slice(0, 100)).events
    assert first.text is not None and len(first.text) == 4001
    assert first.text.startswith(
        "mail [email], call [phone], card [card], IBAN [iban], key [token]"
    )
    await runtime.process(MessageEdited("e2", REF, "m1", "UCUST", Role.CUSTOMER, "zebra", 2))
    assert [e.text for e in (await store.slice(0, 100)).events] == [None, "zebra"]
    await runtime.process(MessageDeleted("e3", REF, "m1", 3))
    assert [e.text for e in (await store.slice(0, 100)).events] == [None, None, None]
    stored = await dump(store)
    assert "example.com" not in stored and "zebra" not in stored
    # digits inside a word (the installation's random hex key) are not a leak
    assert not re.search(r"(?<![0-9A-Za-z])(4111|6789)(?![0-9A-Za-z])", stored)
    await store.close()


async def test_what_else_is_stored(tmp_path: Path) -> None:
    """Stored otherwise: platform IDs (people, channels, threads, messages, events), roles, times, scores and which detector gave them, cue names, nudges, 👍/👎 clicks and an audit of commands; a nudge's wording only until it is delivered, or while it waits in `/coach inbox`."""
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/coach.db")

    def columns(conn: Connection) -> dict[str, list[str]]:
        inspector = sa.inspect(conn)
        return {
            t: [c["name"] for c in inspector.get_columns(t)] for t in inspector.get_table_names()
        }

    assert await store.read(columns) == {
        "alembic_version": ["version_num"],
        # the write-ahead inbox: an event's row (text included) only until it is processed
        "inbox_events": ["seq", "event_id", "conversation", "payload", "received_at"],
        "inbox_leases": ["conversation", "owner", "until"],
        # events set aside as poison: IDs, the failure's type and location, times; no text
        "dead_letters": ["event_id", "conversation", "reason", "received_at", "at"],
        "conversations": [
            "key",
            "platform",
            "workspace",
            "channel",
            "thread",
            "state",
            "next_deadline",
            "last_activity",
            "closed",
            "updated_at",
        ],
        "events": [
            "event_id",
            "conversation",
            "kind",
            "message_id",
            "author",
            "role",
            "at",
            "text",
        ],
        "signals": [
            "id",
            "event_id",
            "conversation",
            "kind",
            "subject",
            "score",
            "fired",
            "cues",
            "at",
            "detector",
        ],
        "nudges": [
            "nudge_id",
            "conversation",
            "agent",
            "kind",
            "trigger_event",
            "created_at",
            "status",
            "route",
            "delivered_at",
            "attempts",
            "error",
            "lease_until",
            "payload",
        ],
        "feedback": ["nudge_id", "user", "helpful", "at"],
        "commands": ["id", "at", "platform", "user", "command", "allowed"],
        "installation": ["name", "value"],  # the secret key for nudge ids
        # docs/privacy.md, "Surveys, the digest, customer memory and practice":
        "practice_sessions": [
            "platform",
            "agent",
            "workspace",
            "session",
            "version",
            "last_message",
            "updated_at",
        ],
        "practice_results": [
            "id",
            "platform",
            "workspace",
            "agent",
            "scenario",
            "score",
            "outcome",
            "finished_at",
        ],
        "surveys": [
            "conversation",
            "customer",
            "closed_at",
            "status",
            "csat_asked",
            "understood",
            "csat",
            "answered_at",
            "route",
            "attempts",
            "error",
            "lease_until",
        ],
        "digests": ["key", "created_at", "status", "attempts", "error", "lease_until"],
    }
    async with store.transaction(REF.key) as tx:
        tx.save(
            ConversationState.new(REF),
            None,
            [],
            [nudge("UAGENT", "sent"), nudge("UAGENT", "kept"), nudge("UAGENT", "later")],
            0,
        )
    await store.finish_nudge("sent", "sent", "dm", "", 2)
    await store.finish_nudge("kept", "kept", "inbox", "", 2)

    def payloads(conn: Connection) -> dict[str, bool]:
        rows = conn.execute(sa.select(schema.nudges.c.nudge_id, schema.nudges.c.payload))
        return {r.nudge_id: r.payload is not None for r in rows}

    assert await store.read(payloads) == {"sent": False, "kept": True, "later": True}
    await store.close()


async def test_no_customer_words_in_nudges_or_state() -> None:
    """Nudges and conversation state hold cue names and the coach's own wording, never a customer's words."""
    store = MemoryStore()
    runtime = Runtime(build_engine(), store, {}, VirtualClock(100))
    words = "I WANT TO SPEAK TO YOUR MANAGER, I have been waiting 3 hours for this!!!"
    await runtime.process(
        MessagePosted("e0", REF, "m0", "UAGENT", Role.AGENT, "Hi, how can I help?", 1)
    )
    outcome = await runtime.process(
        MessagePosted("e1", REF, "m1", "UCUST", Role.CUSTOMER, words, 2)
    )
    assert outcome.nudges
    held = json.dumps([schema.nudge_payload(n) for n in outcome.nudges], ensure_ascii=False)
    held += json.dumps([s.to_dict() for s in store.states.values()], ensure_ascii=False)
    said = set(re.findall(r"\w+", words.lower()))
    quoted = [
        q for q in re.findall(r"“([^”]+)”", held) if set(re.findall(r"\w+", q.lower())) <= said
    ]
    assert quoted == []


# --- retention, purge, forget -------------------------------------------------------------------


async def test_retention(tmp_path: Path) -> None:
    """Every record is kept for `[storage] retention_days` (default 90, at least 1) and then purged, at start and every hour; a conversation's state goes once the conversation has been closed or idle that long."""
    assert StorageSettings().retention_days == 90
    with pytest.raises(ConfigError):
        path = tmp_path / "zero.toml"
        path.write_text("[storage]\nretention_days = 0\n")
        load(path)
    assert app.PURGE_EVERY == 3600
    await _retention_loop(tmp_path)  # purged at start: old records gone, recent ones kept
    store = MemoryStore()
    for key, closed, deadline in (("a", True, None), ("b", False, None), ("c", False, 5e9)):
        ref = ConversationRef("test", "W", "C", key)
        async with store.transaction(ref.key) as tx:
            old = ConversationState(ref, last_activity=10.0, closed=closed)
            tx.save(old, deadline, [], [], 0)
    await store.purge(1000)
    assert sorted(s.conversation.thread for s in await store.open_states()) == ["c"]


def populate(db: Path) -> None:
    import asyncio

    async def go() -> None:
        store = await SqlStore.open(f"sqlite+aiosqlite:///{db}")
        engine = Engine(None, ScriptedDetectors({"angry": 0.9}))
        now = time.time()
        for days, ref in ((3, REF), (0, ConversationRef("slack", "T1", "C2", "2.0"))):
            runtime = Runtime(engine, store, {}, VirtualClock(now - days * 86_400))
            at = now - days * 86_400
            for n, (who, role, text) in enumerate(
                [("UAGENT", "agent", "hi"), ("UCUST", "customer", "angry")]
            ):
                event = MessagePosted(f"{ref.key}-{n}", ref, f"m{n}", who, Role(role), text, at + n)
                await runtime.process(event)
        await store.add_command(now, "slack", "ULEAD", "summary", True)
        await store.close()

    asyncio.run(go())


def counts(db: Path) -> dict[str, int]:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        found = {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in schema.metadata.sorted_tables
            if t.name != "installation"
        }
    engine.dispose()
    return found


def test_purge_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`coach purge --config F [--days N]` runs that purge now, with `N` (at least 1) in place of `retention_days`."""
    config = tmp_path / "coach.toml"
    config.write_text("[storage]\nretention_days = 30\n")
    populate(tmp_path / "coach.db")
    before = counts(tmp_path / "coach.db")
    with pytest.raises(SystemExit):
        main(["purge", "--config", str(config), "--days", "0"])
    assert counts(tmp_path / "coach.db") == before
    assert main(["purge", "--config", str(config)]) == 0  # 30 days: nothing is that old
    assert counts(tmp_path / "coach.db") == before
    assert main(["purge", "--config", str(config), "--days", "2"]) == 0
    after = counts(tmp_path / "coach.db")
    assert after["events"] == before["events"] - 2 and after["signals"] == before["signals"] - 2
    assert after["conversations"] == before["conversations"] - 1 and after["commands"] == 1
    assert "older than 2 days" in capsys.readouterr().out


def test_forget_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`coach forget KEY --config F` deletes everything stored about one conversation (`KEY` = `platform:workspace:channel:thread`): its state, events, text, signals, nudges and the clicks on them; the command audit, which names no conversation, stays."""
    config = tmp_path / "coach.toml"
    config.write_text("[storage]\nstore_text = true\n")
    populate(tmp_path / "coach.db")
    assert main(["forget", "--config", str(config), REF.key]) == 0
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'coach.db'}")
    with engine.connect() as conn:
        for table in (schema.events, schema.signals, schema.nudges, schema.conversations):
            column = table.c.key if table is schema.conversations else table.c.conversation
            left = conn.execute(sa.select(column).where(column == REF.key)).all()
            assert left == [], table.name
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(schema.feedback)).scalar_one() == 0
        )
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(schema.commands)).scalar_one() == 1
        )
        others = conn.execute(sa.select(sa.func.count()).select_from(schema.events)).scalar_one()
        assert others == 2  # the other conversation is untouched
    engine.dispose()
    assert "records deleted" in capsys.readouterr().out


# --- files, logs, secrets, endpoints --------------------------------------------------------------


async def test_sqlite_file_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The SQLite database file is created readable and writable by its owner only, and deletes securely (`secure_delete`): a processed inbox event's text, forgotten conversations and purged records are overwritten, not left in the file."""
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/coach.db")
    await store.add_command(1.0, "slack", "U1", "me", True)
    await store.close()
    assert stat.S_IMODE((tmp_path / "coach.db").stat().st_mode) == 0o600
    (tmp_path / "secure").mkdir()
    await _no_text_left_in_the_file(tmp_path / "secure", monkeypatch)


def test_logs(restore_logging: None) -> None:
    """Logs carry IDs, kinds and counts: message text appears only at DEBUG and redacted, an exception above DEBUG is its type and location only, and secrets are masked in every line."""
    stream = io.StringIO()
    logs.configure("INFO", "text", ["s3cr3t-signing-value"])
    root = logging.getLogger()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    log = logging.getLogger("slack_bolt.test")
    log.warning("secret s3cr3t-signing-value used")
    log.debug("payload: the customer wrote jo@example.com")  # below the level: not written
    try:
        raise ValueError("the customer wrote zanzibar words")
    except ValueError:
        logging.getLogger("coach.test").exception("delivery failed")
    out = stream.getvalue()
    assert "s3cr3t" not in out and "zanzibar" not in out and "jo@example.com" not in out
    assert "ValueError at test_privacy_promises.py:" in out
    root.setLevel(logging.DEBUG)
    logging.getLogger("coach.test").debug("text: call me at 07700 900123")
    assert "text: call me at [phone]" in stream.getvalue()


def test_secrets_only_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Secrets (tokens, the signing secret, a database password) are read only from the environment, a secret in the settings file is refused, and `check-config` never prints one; the storage URL is read by SQLAlchemy's own parser for that check and wherever it is shown, so a password holding `#`, `?` or `/` is found too (an unencoded `@` in it is refused: write `%40`)."""
    path = tmp_path / "coach.toml"
    for body in (
        '[slack]\nbot_token = "xoxb-1"\n',
        '[slack]\nsigning_secret = "abc"\n',
        '[storage]\nurl = "postgresql+asyncpg://u:hunter2@db/x"\n',
    ):
        path.write_text(body)
        with pytest.raises(ConfigError):
            load(path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-from-the-environment")
    monkeypatch.setenv("COACH_STORAGE__URL", "postgresql+asyncpg://u:hunter2@db/x")
    config = load(None)
    assert config.secrets.slack_bot_token is not None
    assert config.secrets.slack_bot_token.reveal() == "xoxb-from-the-environment"
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "from-the-environment" not in out and "hunter2" not in out
    assert "SLACK_BOT_TOKEN: set" in out
    for password in ("hun#ter2", "hun?ter2", "hun/ter2"):
        path.write_text(f'[storage]\nurl = "postgresql+asyncpg://u:{password}@db/x"\n')
        with pytest.raises(ConfigError) as refused:
            load(path)
        assert "ter2" not in str(refused.value)


async def test_ops_endpoints_are_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`/healthz` and `/metrics` have a listener of their own, on 127.0.0.1 by default, never Slack's public port."""
    await _ops_listener(tmp_path, monkeypatch)
