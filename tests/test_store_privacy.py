"""What the store keeps of message text (only a message's latest version; nothing once it
is deleted), the installation's secret key for nudge ids, and reads that never wait for
writes. Memory, SQLite and PostgreSQL (skipped, saying why, when no server answers)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import sqlite3.dbapi2
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.ops.clock import VirtualClock
from bot.service.runtime import Runtime
from bot.store import schema
from bot.store.base import Store
from bot.store.memory import MemoryStore
from bot.store.sql import SqlStore
from coaching.engine import Engine
from coaching.policy import Policy
from coaching.types import ConversationRef, MessageDeleted, MessageEdited, MessagePosted, Role
from tests.helpers import ScriptedDetectors
from tests.pg import fresh_schema

REF = ConversationRef("test", "W1", "C1", "T1")
Opener = Callable[[], Awaitable[Store]]


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def opener(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Opener]:
    """Opens stores that keep message text, on one database (a memory store: one store)."""
    opened: list[Store] = []
    memory = MemoryStore()

    async def open_memory() -> Store:
        return memory

    async def close_all() -> None:
        for store in opened:
            await store.close()

    if request.param == "memory":
        yield open_memory
        return
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}"

        async def open_sqlite() -> Store:
            opened.append(await SqlStore.open(url, store_text=True))
            return opened[-1]

        try:
            yield open_sqlite
        finally:
            await close_all()
        return
    async with fresh_schema() as target:

        async def open_pg() -> Store:
            opened.append(await target.open(store_text=True))
            return opened[-1]

        try:
            yield open_pg
        finally:
            await close_all()


async def texts(store: Store) -> dict[str, str | None]:
    return {e.event_id: e.text for e in (await store.slice(0, 1e9)).events}


async def every_stored_value(store: Store) -> str:
    """All rows of every table as text (the memory store: everything it holds)."""
    if isinstance(store, MemoryStore):  # (an EventRecord's repr leaves its text out)
        return repr(vars(store)) + repr([e.text for e in store.events])
    assert isinstance(store, SqlStore)

    def dump(conn: Connection) -> str:
        return repr([conn.execute(sa.select(t)).all() for t in schema.metadata.sorted_tables])

    return await store.read(dump)


def runtime_on(store: Store) -> Runtime:
    engine = Engine(Policy(), ScriptedDetectors())
    return Runtime(engine, store, {}, VirtualClock(100), store_text=True)


def posted(text: str) -> MessagePosted:
    return MessagePosted("p1", REF, "m1", "cust", Role.CUSTOMER, text, 10)


def edited(n: int, text: str, at: float) -> MessageEdited:
    return MessageEdited(f"e{n}", REF, "m1", "cust", Role.CUSTOMER, text, at)


# --- message text ------------------------------------------------------------------------------


async def test_an_edit_keeps_only_the_latest_text_and_a_deletion_none(opener: Opener) -> None:
    store = await opener()
    runtime = runtime_on(store)
    other = MessagePosted("p2", REF, "m2", "cust", Role.CUSTOMER, "second message stays", 11)
    await runtime.process(posted("first draft of my question"))
    await runtime.process(other)
    await runtime.process(edited(1, "second draft of my question", 20))
    assert await texts(store) == {
        "p1": None,
        "p2": "second message stays",
        "e1": "second draft of my question",
    }
    await runtime.process(edited(2, "final wording of my question", 30))
    assert (await texts(store))["e1"] is None
    assert (await texts(store))["e2"] == "final wording of my question"

    await runtime.process(MessageDeleted("d1", REF, "m1", 40))
    assert await texts(store) == {"p1": None, "p2": "second message stays", "e1": None,
                                  "e2": None, "d1": None}  # fmt: skip
    everything = await every_stored_value(store)
    assert "draft" not in everything and "final wording" not in everything
    assert "second message stays" in everything  # other messages keep their text


async def test_a_version_arriving_after_a_newer_one_or_the_deletion_keeps_no_text(
    opener: Opener,
) -> None:
    store = await opener()
    runtime = runtime_on(store)
    await runtime.process(posted("the original words"))
    await runtime.process(edited(2, "the newest words", 30))
    await runtime.process(edited(1, "an older edit, delivered late", 20))
    assert await texts(store) == {"p1": None, "e2": "the newest words", "e1": None}
    await runtime.process(MessageDeleted("d1", REF, "m1", 40))
    await runtime.process(edited(3, "an edit delivered after the deletion", 35))
    assert set((await texts(store)).values()) == {None}


async def test_the_same_message_id_in_another_channel_is_another_message(
    opener: Opener,
) -> None:
    store = await opener()
    runtime = runtime_on(store)
    elsewhere = ConversationRef("test", "W1", "C2", "T2")
    await runtime.process(posted("in channel one"))
    await runtime.process(
        MessagePosted("q1", elsewhere, "m1", "cust", Role.CUSTOMER, "in channel two", 12)
    )
    await runtime.process(MessageDeleted("d1", REF, "m1", 40))
    assert (await texts(store))["q1"] == "in channel two"


# --- the installation's key ---------------------------------------------------------------------


async def test_the_installation_key_is_made_once_and_shared(opener: Opener) -> None:
    first = await opener()
    key = await first.installation_key()
    assert len(key) >= 32 and key != bytes(len(key))
    assert await first.installation_key() == key
    second = await opener()  # a restart, or another replica on the same database
    assert await second.installation_key() == key


# --- reads on their own thread --------------------------------------------------------------------


async def test_a_long_read_never_holds_up_a_write(tmp_path: Path) -> None:
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}")
    started, release = threading.Event(), threading.Event()

    def slow_read(conn: Connection) -> Any:
        started.set()
        release.wait(10)  # a month's summary, say
        return conn.execute(sa.select(schema.commands)).all()

    reading = asyncio.create_task(store.read(slow_read))
    try:
        assert await asyncio.to_thread(started.wait, 5)
        # The write completes while the read is still running.
        await asyncio.wait_for(store.add_command(1.0, "slack", "U1", "me", True), 5)
        assert not reading.done()
    finally:
        release.set()
        await reading
        await store.close()


async def test_a_long_report_never_holds_up_the_reads_events_need(tmp_path: Path) -> None:
    # Processing a customer's message reads their history; a supervisor's month summary
    # must not make it wait (it once did, for seconds, on SQLite's one read thread).
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}")
    started, release = threading.Event(), threading.Event()

    def slow_report(conn: Connection) -> Any:
        started.set()
        release.wait(10)
        return conn.execute(sa.select(schema.events)).all()

    reporting = asyncio.create_task(store.runner.read(slow_report, bulk=True))
    try:
        assert await asyncio.to_thread(started.wait, 5)
        history = store.customers_signals(["UCUST"], 0.0, 1e12)
        assert await asyncio.wait_for(history, 5) == []
        assert not reporting.done()
    finally:
        release.set()
        await reporting
        await store.close()


# --- SQLite: what is deleted is gone from the file ----------------------------------------


async def test_a_processed_inbox_event_leaves_no_text_in_the_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The inbox holds each event's text until it is processed; then it is deleted, and
    ``secure_delete`` overwrites it: no free page of the database (nor its WAL, after a
    checkpoint) still holds it."""
    connect = sqlite3.connect

    def off_by_default(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        """SQLite's documented default; some builds (Debian's) compile it on: the store
        must not rely on the build."""
        conn = connect(*args, **kwargs)
        conn.execute("PRAGMA secure_delete=OFF")
        return conn

    monkeypatch.setattr(sqlite3.dbapi2, "connect", off_by_default)  # what SQLAlchemy calls
    words = "Quokka-marmalade-7731 " * 8  # what the customer wrote, unlikely elsewhere
    database = tmp_path / "coach.db"
    store = await SqlStore.open(f"sqlite+aiosqlite:///{database}")
    runtime = Runtime(Engine(Policy(), ScriptedDetectors()), store, {}, VirtualClock(100))
    await runtime.start()
    try:
        assert await runtime.submit(posted(words))
        await runtime.drain()
    finally:
        await runtime.stop()
    assert await store.inbox_backlog() == 0 and await texts(store) == {"p1": None}
    await store.close()
    with contextlib.closing(connect(database)) as conn:  # closing the store checkpointed;
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # once more, to be sure
    files = [database, database.with_name("coach.db-wal")]
    raw = b"".join(path.read_bytes() for path in files if path.exists())
    assert b"Quokka-marmalade" not in raw
