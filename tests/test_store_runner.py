"""How SqlStore's work reaches the database (bot/store/runner.py): SQLite on a thread of
the store's own, PostgreSQL through asyncpg; failed and cancelled transactions leave
nothing behind; another SQLite writer is waited for without blocking the event loop;
PostgreSQL replaces a pooled connection that died while idle."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.store import engine as store_engine
from bot.store.records import EventRecord, SignalRecord
from bot.store.sql import SqlStore
from coaching.state import ConversationState
from coaching.types import ConversationRef
from tests.pg import PgSchema, fresh_schema, pg  # noqa: F401  (pg is a fixture)

REF = ConversationRef("test", "W1", "C1", "T1")
EVENT = EventRecord("ev1", REF.key, "posted", "m1", "cust", "customer", 10.0)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    if request.param == "sqlite":
        opened = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}")
        try:
            yield opened
        finally:
            await opened.close()
        return
    async with fresh_schema() as target:
        opened = await target.open()
        try:
            yield opened
        finally:
            await opened.close()


async def assert_nothing_stored(store: SqlStore) -> None:
    everything = await store.slice(0, 1e12)
    assert (everything.events, everything.signals, everything.nudges) == ([], [], [])
    async with store.transaction(REF.key, EVENT) as tx:  # the event can be processed now
        assert not tx.duplicate and tx.state is None


async def test_a_statement_failing_at_the_commit_rolls_back_the_claim(store: SqlStore) -> None:
    broken = SignalRecord("ev1", REF.key, None, "cust", 0.5, True, (), 10.0)  # type: ignore[arg-type]
    with pytest.raises(sa.exc.IntegrityError):  # signals.kind is NOT NULL
        async with store.transaction(REF.key, EVENT) as tx:
            tx.save(ConversationState.new(REF), 50.0, [broken], [], 0.0)
    await assert_nothing_stored(store)


async def test_a_cancelled_transaction_leaves_nothing_behind(store: SqlStore) -> None:
    inside, never = asyncio.Event(), asyncio.Event()

    async def stuck() -> None:
        async with store.transaction(REF.key, EVENT) as tx:
            tx.save(ConversationState.new(REF), 50.0, [], [], 0.0)
            inside.set()
            await never.wait()  # e.g. a shutdown cancels the worker here

    task = asyncio.create_task(stuck())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await assert_nothing_stored(store)


# --- SQLite ----------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["sqlite+aiosqlite", "sqlite", "sqlite+pysqlite"])
async def test_sqlite_runs_on_one_thread_of_its_own_whatever_the_url_names(
    tmp_path: Path, scheme: str
) -> None:
    store = await SqlStore.open(f"{scheme}:///{tmp_path / 'sub' / 'coach.db'}")
    try:
        threads = {await store.read(lambda _: threading.get_ident()) for _ in range(3)}
        async with store.transaction(REF.key, EVENT) as tx:
            tx.save(ConversationState.new(REF), None, [], [], 0.0)
        threads.add(await store.read(lambda _: threading.get_ident()))
        assert len(threads) == 1 and threading.get_ident() not in threads
        assert (await store.slice(0, 100)).events == [EVENT]
        mode = await store.read(lambda c: c.exec_driver_sql("PRAGMA journal_mode").scalar())
        assert mode == "wal"
    finally:
        await store.close()
    await store.close()  # twice is harmless
    with pytest.raises(RuntimeError, match="closed"):
        await store.open_states()


async def test_sqlite_waits_for_another_writer_without_blocking_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    store = await SqlStore.open(f"sqlite+aiosqlite:///{path}")
    other = sqlite3.connect(path, isolation_level=None)  # e.g. `coach purge` meanwhile
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO commands VALUES (1, 1.0, 's', 'U', 'purge', 1)")

        async def process() -> None:
            async with store.transaction(REF.key, EVENT) as tx:
                tx.save(ConversationState.new(REF), None, [], [], 0.0)

        waiting = asyncio.create_task(process())
        with pytest.raises(TimeoutError):  # the loop runs on while the store waits
            await asyncio.wait_for(asyncio.shield(waiting), 0.3)
        other.execute("COMMIT")
        await asyncio.wait_for(waiting, 10)
        assert (await store.slice(0, 100)).events == [EVENT]
        count = await store.read(lambda c: c.exec_driver_sql("SELECT count(*) FROM commands"))
        assert count.scalar() == 1  # the other writer's work is there too
    finally:
        other.close()
        await store.close()


async def test_sqlite_in_memory_and_unknown_databases_are_refused() -> None:
    with pytest.raises(ValueError, match="in-memory"):
        await SqlStore.open("sqlite+aiosqlite:///:memory:")
    with pytest.raises(ValueError, match="unsupported database"):
        await SqlStore.open("mysql://localhost/coach")


# --- PostgreSQL ------------------------------------------------------------------------


@pytest.mark.postgres
async def test_postgres_replaces_a_pooled_connection_that_died_while_idle(
    pg: PgSchema,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(store_engine, "IDLE_PING", 0.0)  # every pooled connection idled
    store = await pg.open()
    killer = create_async_engine(pg.url, poolclass=NullPool)
    try:
        pid = await store.read(lambda c: c.exec_driver_sql("SELECT pg_backend_pid()").scalar())
        async with killer.begin() as conn:  # a server restart, a failover, an idle timeout
            await conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        async with store.transaction(REF.key, EVENT) as tx:  # not failed by the dead one
            tx.save(ConversationState.new(REF), None, [], [], 0.0)
        assert (await store.slice(0, 100)).events == [EVENT]
    finally:
        await killer.dispose()
        await store.close()
