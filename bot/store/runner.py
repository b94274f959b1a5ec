"""Where the store's SQL runs: its statements are plain functions of a synchronous
``Connection`` (``bot/store/queries.py``), and a runner takes them there.

- SQLite (``ThreadRunner``): three threads of the store's own, each holding one
  connection for the store's lifetime: the writer's, the reader's for the short reads
  events need (a customer's history, due timers), and the reader's for reports (a
  month's summary, which can take seconds); no connection ever leaves its thread. Each
  call is one hop to a thread and back: the whole function runs there, without the
  per-statement thread hops of an asyncio driver. One writer:
  write transactions take turns under an ``asyncio.Lock`` and start with ``BEGIN
  IMMEDIATE``, which keeps other processes out until the commit (and waits, up to the
  driver's ``timeout``, for one that holds the lock). Reads see the last commit, never a
  transaction in progress (WAL), and run on their own threads: a long read (a month's
  summary) never holds up the writes or the short reads events need.
- PostgreSQL (``AsyncRunner``): asyncpg through ``AsyncConnection.run_sync``; a write
  transaction holds one pooled connection, and row locks keep writers apart.

A ``session`` is a write transaction spread over several hops (the runtime steps the
engine between them): each hop that raises rolls back before it returns, a hop may
commit at its end, and leaving the session commits what is still open (rolls it back
when leaving with an exception).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.engine import WRITE

log = logging.getLogger("coach.store")

T = TypeVar("T")


class Hops(Protocol):
    async def run(self, fn: Callable[[Connection], T], *, commit: bool = False) -> T:
        """Run ``fn`` inside the session's transaction (begun by its first statement);
        ``commit``: commit at the end of the same hop."""
        ...


class Runner(Protocol):
    dialect: str

    async def read(self, fn: Callable[[Connection], T], *, bulk: bool = False) -> T:
        """``fn`` in a read transaction (sees what is committed). ``bulk``: a long read for
        a report, kept apart from the short reads that processing events needs."""
        ...

    async def write(self, fn: Callable[[Connection], T]) -> T:
        """``fn`` in a write transaction, committed (rolled back if it raises)."""
        ...

    def session(self) -> AbstractAsyncContextManager[Hops]: ...

    async def close(self) -> None: ...


def _hop(conn: Connection, fn: Callable[[Connection], T], commit: bool) -> T:
    """Run ``fn`` (and commit); on any error roll back before raising."""
    try:
        result = fn(conn)
        if commit:
            conn.commit()
    except BaseException:
        _rollback(conn)
        raise
    return result


def _rollback(conn: Connection) -> None:
    try:
        conn.rollback()
    except Exception:  # the connection is broken: the error that got us here matters
        log.debug("rollback failed", exc_info=True)


def _in_transaction(conn: Connection, fn: Callable[[Connection], T]) -> T:
    with conn.begin():
        return fn(conn)


_Job = tuple[Callable[[], Any], "asyncio.Future[Any]"]


class _Thread:
    """One thread running the jobs it is given, in order, each answered on the event
    loop that gave it (leaner than a one-thread ``ThreadPoolExecutor``: a hop is two
    wake-ups and little more)."""

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            _run(*job)
            del job  # nothing of a finished job is kept while waiting for the next

    async def call(self, fn: Callable[[], T]) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._jobs.put((fn, future))
        return await future

    def stop(self) -> None:
        self._jobs.put(None)


def _run(fn: Callable[[], Any], future: asyncio.Future[Any]) -> None:
    try:
        outcome: tuple[Any, BaseException | None] = (fn(), None)
    except BaseException as exc:
        outcome = (None, exc)
    with contextlib.suppress(RuntimeError):  # a closed event loop: nobody waits for it
        future.get_loop().call_soon_threadsafe(_settle, future, *outcome)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return  # the caller gave up waiting; the job ran all the same
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class ThreadRunner:
    """SQLite: writes on one thread, reads on another, each with its own connection (see
    the module)."""

    dialect = "sqlite"

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._thread = _Thread("coach-sqlite")
        self._reads = _ReadLane(engine, "coach-sqlite-reads")
        self._reports = _ReadLane(engine, "coach-sqlite-reports")
        self._write_lock = asyncio.Lock()
        self._writer: Connection | None = None  # only touched on self._thread
        self._closed = False

    async def _call(self, job: Callable[[], T]) -> T:
        """Run ``job`` on the writer's thread (after the jobs given before it)."""
        if self._closed:
            raise RuntimeError("the store is closed")
        return await self._thread.call(job)

    # on the thread ----------------------------------------------------------------------

    def _writing(self) -> Connection:
        if self._writer is None:
            self._writer = self.engine.connect().execution_options(**{WRITE: True})
        return self._writer

    def _end(self, commit: bool) -> None:
        conn = self._writing()
        if conn.in_transaction():
            if commit:
                _hop(conn, lambda _: None, commit=True)
            else:
                _rollback(conn)

    def _shut_writer(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._writer = None
        self.engine.dispose()

    # on the event loop --------------------------------------------------------------------

    async def read(self, fn: Callable[[Connection], T], *, bulk: bool = False) -> T:
        if self._closed:
            raise RuntimeError("the store is closed")
        return await (self._reports if bulk else self._reads).read(fn)

    async def write(self, fn: Callable[[Connection], T]) -> T:
        async with self._write_lock:
            return await self._call(lambda: _in_transaction(self._writing(), fn))

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Hops]:
        async with self._write_lock:
            hops = _ThreadHops(self)
            try:
                yield hops
            except BaseException:
                # Also after a cancelled hop that may still have left the transaction
                # open: this job runs after it (one thread, in order) and before the
                # next writer's, which waits for the lock.
                await self._call(lambda: self._end(False))
                raise
            if hops.open:
                await self._call(lambda: self._end(True))

    async def close(self) -> None:
        if self._closed:
            return
        await self._reads.close()
        await self._reports.close()
        await self._call(self._shut_writer)
        self._closed = True
        self._thread.stop()


class _ReadLane:
    """A thread with a read connection of its own (SQLite)."""

    def __init__(self, engine: sa.Engine, name: str) -> None:
        self._engine = engine
        self._thread = _Thread(name)
        self._conn: Connection | None = None  # only touched on the thread

    def _connection(self) -> Connection:
        if self._conn is None:
            self._conn = self._engine.connect()
        return self._conn

    def _shut(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    async def read(self, fn: Callable[[Connection], T]) -> T:
        return await self._thread.call(lambda: _in_transaction(self._connection(), fn))

    async def close(self) -> None:
        await self._thread.call(self._shut)
        self._thread.stop()


class _ThreadHops:
    def __init__(self, runner: ThreadRunner) -> None:
        self.runner = runner
        self.open = False  # a transaction may be open (the last hop did not commit)

    async def run(self, fn: Callable[[Connection], T], *, commit: bool = False) -> T:
        runner = self.runner
        self.open = True
        result = await runner._call(lambda: _hop(runner._writing(), fn, commit))
        self.open = not commit
        return result


class AsyncRunner:
    """PostgreSQL: asyncpg, statements run through ``AsyncConnection.run_sync``."""

    dialect = "postgresql"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def read(self, fn: Callable[[Connection], T], *, bulk: bool = False) -> T:
        # Each read takes a pooled connection of its own: a long one holds up nobody.
        async with self.engine.connect() as conn:
            return await conn.run_sync(fn)

    async def write(self, fn: Callable[[Connection], T]) -> T:
        async with self.engine.begin() as conn:
            return await conn.run_sync(fn)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Hops]:
        # Leaving with an exception: closing the connection rolls back what is open (the
        # pool resets it; a connection broken by a cancellation is discarded instead).
        async with self.engine.connect() as conn:
            yield _AsyncHops(conn)
            if conn.in_transaction():
                await conn.commit()

    async def close(self) -> None:
        await self.engine.dispose()


class _AsyncHops:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def run(self, fn: Callable[[Connection], T], *, commit: bool = False) -> T:
        return await self.conn.run_sync(_hop, fn, commit)
