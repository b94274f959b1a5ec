# ruff: noqa: F811  (storage_url is a fixture from tests/pg.py)
"""One-click and automatic updates to the customer through the real discord.py client
against the loopback Discord fake (harness: test_discord.py), on SQLite and PostgreSQL.

The reminder DM carries the drafted update and its buttons; the agent's click posts it in
the conversation's thread once (a second click, a replayed interaction and someone else's
click post nothing more) and the reminder stops; "Edit first" opens a modal whose text is
sent instead; with the option off there is no button; the automatic update is posted by
itself, once, only when turned on. Checks are made on the fake's record of REST calls."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.updates import update_id
from bot.app import Bot
from coaching.updates import AUTO, PROMISED
from config import load
from tests import test_discord as discord_
from tests.fakes.discord import (
    BOT_ID,
    Call,
    FakeDiscord,
    button_click,
    interaction_payload,
    message_payload,
)
from tests.pg import storage_url  # noqa: F401 (a fixture)
from tests.test_bystander_e2e import HOUR, Later, on_store, stored_and_processed

AGENT, HELPER, CUSTOMER, THREAD = (
    discord_.AGENT,
    discord_.HELPER,
    discord_.CUSTOMER,
    discord_.THREAD,
)
ASKS = "Hi, my card was declined at checkout. Can you check?"
PROMISE = "I'll check with the card team and get back to you within 10 minutes."
ONE_CLICK = "\n[updates]\none_click = true\n"


@pytest.fixture
def storage(storage_url: str) -> str:
    return storage_url


@contextlib.asynccontextmanager
async def running(
    tmp_path: Path, storage: str, clock: Later, extra: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[discord_.Running]:
    monkeypatch.setenv("DISCORD_TOKEN", "test-token.discord.fake")
    async with discord_.serving() as fake:
        path = on_store(discord_.write_config(tmp_path, fake, extra), storage)
        bot = await Bot.build(load(path), clock=clock)
        await bot.start()
        try:
            yield discord_.Running(bot, fake)
        finally:
            await bot.stop()


async def reminded(r: discord_.Running, clock: Later) -> Call:
    await r.say(CUSTOMER, ASKS, 0)
    await r.say(AGENT, PROMISE, 30)
    await stored_and_processed(r.bot, 2)
    clock.offset = HOUR
    await r.bot.runtime.fire_timers()
    [reminder] = await r.fake.wait_dms(AGENT)
    assert "get back within 10 minutes" in discord_.embed(reminder)["title"]
    return reminder


def update_buttons(reminder: Call) -> list[str]:
    return [
        b["custom_id"]
        for row in reminder.body.get("components", [])
        for b in row["components"]
        if b["custom_id"].startswith("coach:update:")
    ]


def posted(fake: FakeDiscord) -> list[Call]:
    """Messages the bot posted in the conversation's thread (where the customer reads)."""
    return fake.sent_to(THREAD)


async def interact(r: discord_.Running, payload: dict[str, Any]) -> dict[str, Any]:
    before = len(r.fake.callbacks())
    await r.fake.dispatch("INTERACTION_CREATE", payload)
    await r.fake.wait_until(lambda: len(r.fake.callbacks()) > before)
    return dict(r.fake.callbacks()[-1].body)


def clicked(user: str, custom_id: str, reminder: Call) -> dict[str, Any]:
    """A click on one of the reminder DM's buttons, as Discord sends it."""
    dm = reminder.path.split("/")[2]
    message = message_payload(dm, BOT_ID, "", bot=True, embeds=reminder.body.get("embeds"))
    return button_click(user, custom_id, message, dm)


async def click(r: discord_.Running, user: str, custom_id: str, reminder: Call) -> dict[str, Any]:
    return await interact(r, clicked(user, custom_id, reminder))


def modal_submit(user: str, nudge_id: str, text: str, dm: str) -> dict[str, Any]:
    data = {
        "custom_id": update_id("modal", nudge_id),
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "text", "value": text}]}
        ],
    }
    return interaction_payload(5, user, data, channel=dm, guild=None)


async def promise_of(r: discord_.Running) -> Any:
    key = f"discord:{discord_.GUILD}:{discord_.SUPPORT}:{THREAD}"
    async with r.bot.store.transaction(key) as tx:
        return tx.state.promised if tx.state is not None else None


async def test_the_agent_sends_the_drafted_update_once_and_the_reminder_stops(
    tmp_path: Path, storage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Later()
    async with running(tmp_path, storage, clock, ONE_CLICK, monkeypatch) as r:
        reminder = await reminded(r, clock)
        send, edit = update_buttons(reminder)
        nudge_id = send.split(":")[3]
        assert (send, edit) == (update_id("send", nudge_id), update_id("edit", nudge_id))
        assert PROMISED in discord_.embed(reminder)["description"]

        for user in (HELPER, CUSTOMER):  # anyone else: refused, privately, nothing posted
            refused = await click(r, user, send, reminder)
            assert refused["data"]["flags"] == 64
            assert f"Only <@{AGENT}> can send this update" in refused["data"]["content"]
        assert posted(r.fake) == []

        sent = await click(r, AGENT, send, reminder)
        assert sent["data"]["flags"] == 64 and "Sent to the customer" in sent["data"]["content"]
        [update] = posted(r.fake)
        assert update.body["content"] == f"Update from <@{AGENT}>: {PROMISED}"
        assert update.body["allowed_mentions"]["parse"] == []  # pings no one

        payload = clicked(AGENT, send, reminder)
        for _ in range(2):  # a double click, and the same interaction delivered twice
            again = await interact(r, payload)
            assert "sent already" in again["data"]["content"]
        assert len(posted(r.fake)) == 1

        promise = await promise_of(r)
        assert (promise.agent, promise.when) == (AGENT, "")
        before = len(r.fake.dms_to(AGENT))
        await r.bot.runtime.fire_timers()
        await r.bot.runtime.drain()
        assert len(r.fake.dms_to(AGENT)) == before  # the reminder stopped


async def test_editing_sends_the_edited_text_in_a_modal(
    tmp_path: Path, storage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Later()
    async with running(tmp_path, storage, clock, ONE_CLICK, monkeypatch) as r:
        reminder = await reminded(r, clock)
        _, edit = update_buttons(reminder)
        nudge_id, dm = edit.split(":")[3], reminder.path.split("/")[2]

        refused = await click(r, HELPER, edit, reminder)
        assert refused["type"] == 4 and f"Only <@{AGENT}>" in refused["data"]["content"]
        opened = await click(r, AGENT, edit, reminder)
        assert opened["type"] == 9  # a modal
        assert opened["data"]["custom_id"] == update_id("modal", nudge_id)
        [field] = [c for row in opened["data"]["components"] for c in row["components"]]
        assert field["value"] == PROMISED

        edited = "Found it: a fraud hold. I'll update you within 30 minutes, @everyone."
        forged = await interact(r, modal_submit(HELPER, nudge_id, edited, dm))
        assert f"Only <@{AGENT}>" in forged["data"]["content"] and posted(r.fake) == []
        sent = await interact(r, modal_submit(AGENT, nudge_id, edited, dm))
        assert "Sent to the customer" in sent["data"]["content"]
        [update] = posted(r.fake)
        assert update.body["content"].startswith(f"Update from <@{AGENT}>: Found it")
        assert update.body["allowed_mentions"]["parse"] == []
        assert (await promise_of(r)).when == "within 30 minutes"
        again = await interact(r, modal_submit(AGENT, nudge_id, edited, dm))
        assert "sent already" in again["data"]["content"] and len(posted(r.fake)) == 1


async def test_with_one_click_off_there_is_no_button_and_nothing_is_posted(
    tmp_path: Path, storage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Later()
    async with running(tmp_path, storage, clock, "", monkeypatch) as r:
        reminder = await reminded(r, clock)
        assert update_buttons(reminder) == [] and PROMISED not in str(reminder.body)
        [nudge] = [n for n in (await r.bot.store.slice(0, 2e10)).nudges if n.kind == "waiting"]
        forged = await click(r, AGENT, update_id("send", nudge.nudge_id), reminder)
        assert "can no longer be sent" in forged["data"]["content"]
        clock.offset = 3 * HOUR
        await r.bot.runtime.fire_timers()
        await r.bot.runtime.drain()
        assert posted(r.fake) == []


async def test_the_automatic_update_is_posted_once_when_the_team_turned_it_on(
    tmp_path: Path, storage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Later()
    async with running(
        tmp_path, storage, clock, "\n[updates]\nauto_after_minutes = 5\n", monkeypatch
    ) as r:
        reminder = await reminded(r, clock)
        assert update_buttons(reminder) == []
        clock.offset = HOUR + 6 * 60
        for _ in range(3):
            await r.bot.runtime.fire_timers()
            await r.bot.runtime.drain()
        [update] = posted(r.fake)
        assert update.body["content"] == f"Update from the support team: {AUTO}"
        for offset in (4 * HOUR, 4 * HOUR + 600, 5 * HOUR):  # its reminder, and past it
            clock.offset = offset
            await r.bot.runtime.fire_timers()
            await r.bot.runtime.drain()
        assert len(posted(r.fake)) == 1
