# ruff: noqa: F811  (storage_url is a fixture from tests/pg.py)
"""Deleted and edited text on Discord, once the bot no longer remembers the message: with
``store_text = true``, messages of a plain channel are stored, the bot restarts (its
in-memory conversation map is gone), then a delete, a moderator's bulk delete and an edit
arrive over the fake gateway: the stored text is gone, or replaced, on SQLite and
PostgreSQL. The real discord.py client and ``coach run``'s Bot (harness:
tests/test_discord.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from coaching.types import (
    ConversationRef,
    Event,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    Role,
)
from tests.fakes.discord import GUILD, FakeDiscord, iso
from tests.pg import storage_url  # noqa: F401 (a fixture)
from tests.test_discord import AGENT, CUSTOMER, SUPPORT, Recorder, Running, serving, started
from tests.test_store_privacy import REF, Opener, opener, runtime_on  # noqa: F401 (a fixture)


class Stored(Recorder):
    """The sink, watched: an event counts once the inbox has stored it (then a drain
    sees it), not when it was handed over."""

    async def submit(self, event: Event) -> bool:
        stored = bool(await self.inner.submit(event))
        async with self.changed:
            self.events.append(event)
            self.changed.notify_all()
        return stored


def watch_stored(r: Running) -> Running:
    r.sink = Stored(r.sink.inner)
    r.adapter.sink = r.sink
    return r


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with serving() as fake:
        yield fake


async def texts(r: Running) -> dict[str, list[str | None]]:
    """Message ID -> the texts stored for it (every version)."""
    found: dict[str, list[str | None]] = {}
    for event in (await r.bot.store.slice(0, 2e9)).events:
        found.setdefault(event.message_id, []).append(event.text)
    return found


async def until_handed_over(r: Running, seen: Callable[[list[Any]], bool]) -> None:
    await r.sink.wait(lambda: seen(r.sink.events))
    await r.bot.runtime.drain()


async def test_deletes_bulk_deletes_and_edits_after_a_restart_reach_the_stored_text(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch, storage_url: str
) -> None:
    monkeypatch.setenv("COACH_STORAGE__URL", storage_url)
    monkeypatch.setenv("COACH_STORAGE__STORE_TEXT", "true")
    words = ["my order 1 is late", "order 2 too", "and order 3", "order 4 as well"]
    async with started(tmp_path, fake, monkeypatch) as r:
        watch_stored(r)
        sent = [await r.say(CUSTOMER, text, i, channel=SUPPORT) for i, text in enumerate(words)]
        answer = await r.say(AGENT, "Looking into all of them.", 10, channel=SUPPORT)
        await r.settled(answer["id"])
        ids = [m["id"] for m in sent]
        assert [(await texts(r))[m] for m in ids] == [[w] for w in words]

    async with started(tmp_path, fake, monkeypatch) as r:  # a restart: memory is empty
        watch_stored(r)
        assert r.adapter.intake.plain.lookup(ids[0]) is None
        edited = {**sent[0], "content": "my order 1 arrived", "edited_timestamp": iso()}
        await fake.dispatch("MESSAGE_UPDATE", edited)
        await fake.dispatch("MESSAGE_DELETE", {"id": ids[1], "channel_id": SUPPORT,
                                               "guild_id": GUILD})  # fmt: skip
        await fake.dispatch("MESSAGE_DELETE_BULK", {"ids": ids[2:], "channel_id": SUPPORT,
                                                    "guild_id": GUILD})  # fmt: skip

        def all_seen(events: list[Any]) -> bool:
            deleted = {e.message_id for e in events if isinstance(e, MessageDeleted)}
            return deleted == set(ids[1:]) and any(isinstance(e, MessageEdited) for e in events)

        await until_handed_over(r, all_seen)
        stored = await texts(r)
        assert sorted(stored[ids[0]], key=str) == [None, "my order 1 arrived"]
        assert [stored[m] for m in ids[1:]] == [[None, None]] * 3  # posted and deleted
        conversation = {e.conversation.key for e in r.sink.events}
        assert conversation == {f"discord:{GUILD}:{SUPPORT}:{ids[0]}"}  # where they were


async def test_a_bulk_delete_in_a_thread_removes_every_stored_text(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch, storage_url: str
) -> None:
    """Moderators purging a thread, with the bot running all along."""
    monkeypatch.setenv("COACH_STORAGE__URL", storage_url)
    monkeypatch.setenv("COACH_STORAGE__STORE_TEXT", "true")
    async with started(tmp_path, fake, monkeypatch) as r:
        watch_stored(r)
        first = await r.say(CUSTOMER, "Hello, about my invoice.", 0)
        second = await r.say(AGENT, "Hi, looking.", 10)
        await r.settled(second["id"])
        purge = {"ids": [first["id"], second["id"]], "channel_id": first["channel_id"]}
        await fake.dispatch("MESSAGE_DELETE_BULK", {**purge, "guild_id": GUILD})
        await until_handed_over(
            r, lambda events: sum(isinstance(e, MessageDeleted) for e in events) == 2
        )
        stored = await texts(r)
        assert stored[first["id"]] == stored[second["id"]] == [None, None]


async def test_the_store_finds_a_messages_conversation_by_id_within_its_channel(
    opener: Opener,
) -> None:
    store = await opener()
    runtime = runtime_on(store)
    neighbour = ConversationRef("test", "W1", "C10", "T2")  # "C1" is the start of its ID
    for event_id, ref, message in (("p1", REF, "m1"), ("p2", REF, "m2"), ("q1", neighbour, "m1")):
        await runtime.process(
            MessagePosted(event_id, ref, message, "cust", Role.CUSTOMER, "hi", 10)
        )
    assert await store.message_conversations("test", "W1", "C1", ["m1", "m2", "m9"]) == {
        "m1": REF.key,
        "m2": REF.key,
    }
    assert await store.message_conversations("test", "W1", "C10", ["m1"]) == {"m1": neighbour.key}
    assert await store.message_conversations("test", "W2", "C1", ["m1"]) == {}
    assert await store.message_conversations("test", "W1", "C1", []) == {}
