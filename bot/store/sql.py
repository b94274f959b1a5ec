"""The SQL store: SQLite (the embedded default) or PostgreSQL (several replicas).

The SQL is one code path (``bot/store/queries.py``, synchronous functions of a
connection); two runners take it to the database (``bot/store/runner.py``): SQLite's on
a thread of the store's own, PostgreSQL's through asyncpg. What differs is how writers
are kept apart:

- PostgreSQL: ``batch(conversations, ...)`` upserts the conversations' rows, which locks
  them, so replicas processing events of the same conversation take turns, each reading
  the state the previous one committed. The inbox (by conversation) and the outbox are
  leased with ``FOR UPDATE SKIP LOCKED``.
- SQLite: one writer at a time. Writes take turns within the process and start with
  ``BEGIN IMMEDIATE`` (which also keeps another process, e.g. a CLI command, out until
  the commit); the database is in WAL mode, so readers never wait.

Event claims and nudges rely on unique keys (``INSERT ... ON CONFLICT DO NOTHING``)
inside the batch's transaction, which also removes the events from the inbox: a crash
before the commit leaves the events waiting in the inbox, unclaimed, and their nudges
unrecorded; after the commit, a redelivery or a second replica finds them claimed and
does nothing. Only nudges this transaction actually inserted are delivered.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.engine import Connection

from bot.store import customers_sql, inbox_sql, message_text, outbox_sql, queries, schema
from bot.store.base import (
    DeadLetter,
    Finished,
    OneTx,
    Pending,
    Release,
    Slice,
    SliceFilter,
    one_transaction,
)
from bot.store.engine import backend, postgres_engine, sqlite_engine
from bot.store.migrate import upgrade
from bot.store.queries import Outcome
from bot.store.records import EventRecord, FeedbackRecord, NudgeRecord, SignalRecord
from bot.store.runner import AsyncRunner, Runner, ThreadRunner
from coaching.state import ConversationState
from coaching.types import Nudge

T = TypeVar("T")
NUDGE_KEY = "nudge_key"  # the installation's secret for nudge ids (hex)


@dataclass
class SqlBatch:
    """One batch's transaction (see ``SqlStore.batch``)."""

    states: dict[str, ConversationState | None]
    claimed: set[str]
    inserted: list[Nudge] = field(default_factory=list)
    staged: dict[str, Outcome] = field(default_factory=dict)

    def save(
        self,
        conversation: str,
        state: ConversationState,
        deadline: float | None,
        signals: list[SignalRecord],
        nudges: list[Nudge],
        lease_until: float,
    ) -> None:
        before = self.staged.get(conversation)
        if before is not None:
            signals = before.signals + list(signals)
            nudges = before.nudges + list(nudges)
        self.staged[conversation] = Outcome(
            state, deadline, list(signals), list(nudges), lease_until
        )
        self.states[conversation] = state


class SqlStore:
    """The ``Store`` on SQLAlchemy. Create it with ``await SqlStore.open``."""

    def __init__(self, runner: Runner, *, store_text: bool = False) -> None:
        self.runner = runner
        self.store_text = store_text
        self.is_sqlite = runner.dialect == "sqlite"

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        store_text: bool = False,
        connect_args: Mapping[str, Any] | None = None,
    ) -> SqlStore:
        """Connect to ``url`` (``sqlite+aiosqlite:///path`` or ``postgresql+asyncpg://...``)
        and migrate the schema to the newest revision. ``connect_args`` go to the driver
        (e.g. ``{"server_settings": {"search_path": "coach"}}`` for asyncpg)."""
        runner: Runner
        if backend(url) == "sqlite":
            runner = ThreadRunner(sqlite_engine(url, connect_args))
        else:
            runner = AsyncRunner(postgres_engine(url, connect_args))
        store = cls(runner, store_text=store_text)
        try:
            await runner.write(upgrade)
        except BaseException:
            await runner.close()
            raise
        return store

    async def close(self) -> None:
        await self.runner.close()

    async def read(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` with a connection in a read transaction (tools and tests)."""
        return await self.runner.read(fn)

    @asynccontextmanager
    async def batch(
        self,
        conversations: Sequence[str],
        events: Sequence[EventRecord],
        processed: Sequence[int] = (),
        release: Release | None = None,
    ) -> AsyncIterator[SqlBatch]:
        keys = sorted(set(conversations))
        rows = [schema.event_values(e, self.store_text) for e in events]
        done = list(processed)
        async with self.runner.session() as hops:
            states, claimed = await hops.run(lambda c: queries.open_batch(c, keys, rows, done))
            tx = SqlBatch(states, claimed)
            yield tx
            staged = tx.staged

            def finish(conn: Connection) -> list[Nudge]:
                written = queries.write_batch(conn, staged)
                if release is not None:  # the leases end with the commit: one round trip
                    inbox_sql.release(conn, release[0], list(release[1]))
                return written

            inserted: list[Nudge] = []
            if staged or release is not None:
                inserted = await hops.run(finish, commit=True)
        tx.inserted = inserted  # only once committed: these are the nudges to deliver

    def transaction(
        self, conversation: str, event: EventRecord | None = None
    ) -> AbstractAsyncContextManager[OneTx]:
        return one_transaction(self, conversation, event)

    # --- the write-ahead inbox ---------------------------------------------------------------

    async def inbox_put(self, rows: list[dict[str, Any]]) -> None:
        await self.runner.write(lambda conn: inbox_sql.put(conn, rows))

    async def inbox_backlog(self) -> int:
        return await self.runner.read(inbox_sql.backlog)

    async def inbox_lease(
        self, owner: str, now: float, lease: float, conversations: int, events: int
    ) -> list[Pending]:
        return await self.runner.write(
            lambda conn: inbox_sql.lease(conn, owner, now, lease, conversations, events)
        )

    async def inbox_release(self, owner: str, conversations: list[str]) -> None:
        await self.runner.write(lambda conn: inbox_sql.release(conn, owner, conversations))

    async def dead_letter(self, letters: Sequence[DeadLetter]) -> None:
        await self.runner.write(lambda conn: inbox_sql.dead_letter(conn, list(letters)))

    async def due(self, now: float, limit: int = 500) -> list[str]:
        return await self.runner.read(lambda conn: queries.due(conn, now, limit))

    async def claim_nudges(
        self, now: float, lease: float, limit: int = 100, max_attempts: int = 8
    ) -> list[Nudge]:
        return await self.runner.write(
            lambda conn: outbox_sql.claim_nudges(conn, now, lease, limit, max_attempts)
        )

    async def finish_nudge(
        self,
        nudge_id: str,
        status: str,
        route: str,
        error: str,
        now: float,
        retry_at: float | None = None,
    ) -> None:
        await self.finish_nudges([Finished(nudge_id, status, route, error, now, retry_at)])

    async def finish_nudges(self, outcomes: list[Finished]) -> None:
        await self.runner.write(lambda conn: outbox_sql.finish_nudges(conn, outcomes))

    async def add_feedback(self, record: FeedbackRecord) -> bool:
        return await self.runner.write(lambda conn: queries.add_feedback(conn, record))

    async def nudge(self, nudge_id: str) -> NudgeRecord | None:
        return await self.runner.read(lambda conn: queries.nudge(conn, nudge_id))

    async def add_command(
        self, at: float, platform: str, user: str, command: str, allowed: bool
    ) -> None:
        row: dict[str, Any] = {"at": at, "platform": platform, "user": user, "command": command}
        row["allowed"] = allowed
        await self.runner.write(lambda conn: queries.add_command(conn, row))

    async def slice(self, since: float, until: float, where: SliceFilter | None = None) -> Slice:
        return await self.runner.read(
            lambda conn: queries.slice_of(conn, since, until, where), bulk=True
        )

    async def open_states(
        self, platform: str | None = None, workspace: str | None = None
    ) -> list[ConversationState]:
        return await self.runner.read(
            lambda conn: queries.open_states(conn, platform, workspace), bulk=True
        )

    async def read_states(self, keys: Sequence[str]) -> dict[str, ConversationState]:
        wanted = sorted(set(keys))
        return await self.runner.read(lambda conn: queries.states(conn, wanted))

    async def inbox(self, agent: str, limit: int = 10) -> list[Nudge]:
        return await self.runner.read(lambda conn: queries.inbox(conn, agent, limit))

    async def message_conversations(
        self, platform: str, workspace: str, channel: str, message_ids: Sequence[str]
    ) -> dict[str, str]:
        prefix, ids = f"{platform}:{workspace}:{channel}:", list(message_ids)
        return await self.runner.read(lambda conn: message_text.conversations_of(conn, prefix, ids))

    async def installation_key(self) -> bytes:
        new = secrets.token_hex(32)
        value = await self.runner.write(
            lambda conn: queries.installation_value(conn, NUDGE_KEY, new)
        )
        return bytes.fromhex(value)

    async def forget(self, conversation: str) -> int:
        return await self.runner.write(lambda conn: queries.forget(conn, conversation))

    async def customers_signals(
        self, customers: list[str], since: float, until: float, prefix: str = ""
    ) -> list[SignalRecord]:
        return await self.runner.read(
            lambda conn: customers_sql.customers_signals(conn, customers, since, until, prefix)
        )

    async def forget_customer(self, customer: str, prefix: str = "") -> int:
        return await self.runner.write(
            lambda conn: customers_sql.forget_customer(conn, customer, prefix)
        )

    async def purge(self, before: float) -> int:
        """As ``Store.purge``."""

        def both(conn: Connection) -> int:
            return inbox_sql.purge(conn, before) + queries.purge(conn, before)

        return await self.runner.write(both)
