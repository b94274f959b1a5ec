"""The SQL store: SQLite (the embedded default) or PostgreSQL (several replicas).

One code path serves both; what differs is how writers are kept apart:

- PostgreSQL: ``transaction(conversation)`` inserts the conversation's row if missing
  (``ON CONFLICT DO NOTHING``) and locks it (``SELECT ... FOR UPDATE``), so replicas
  processing events of the same conversation take turns, each reading the state the
  previous one committed. The outbox is leased with ``FOR UPDATE SKIP LOCKED``.
- SQLite: one writer at a time. Writes run under a process-wide ``asyncio.Lock`` and
  start with ``BEGIN IMMEDIATE`` (which also keeps another process, e.g. a CLI command,
  out until the commit); the database is in WAL mode, so readers never wait.

Event claims and nudges rely on unique keys (``INSERT ... ON CONFLICT DO NOTHING``)
inside the event's transaction: a crash before the commit leaves the event unclaimed
and its nudges unrecorded; after the commit, a redelivery or a second replica finds
them and does nothing. Only nudges this transaction actually inserted are delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.records import EventRecord, FeedbackRecord, SignalRecord
from bot.store import schema
from bot.store.base import Slice
from bot.store.engine import WRITE, create_engine
from bot.store.migrate import upgrade
from bot.store.schema import commands, conversations, events, feedback, nudges, signals
from coaching.state import ConversationState
from coaching.types import Nudge

_KEEPS_PAYLOAD = ("pending", "kept")  # a sent or failed nudge's text is not needed again

_Staged = tuple[
    ConversationState, float | None, EventRecord | None, list[SignalRecord], list[Nudge], float
]


@dataclass
class SqlTx:
    """One event's transaction (see ``SqlStore.transaction``)."""

    conn: AsyncConnection
    conversation: str
    state: ConversationState | None
    store_text: bool
    inserted: list[Nudge] = field(default_factory=list)
    staged: _Staged | None = None

    async def claim(self, event_id: str) -> bool:
        row: dict[str, Any] = {"event_id": event_id, "conversation": self.conversation, "kind": ""}
        row |= {"message_id": "", "author": "", "role": "", "at": None, "text": None}
        stmt = _insert(self.conn, events, row).on_conflict_do_nothing(index_elements=["event_id"])
        result = await self.conn.execute(stmt.returning(events.c.event_id))
        return result.first() is not None

    def save(
        self,
        state: ConversationState,
        deadline: float | None,
        event: EventRecord | None,
        signals: list[SignalRecord],
        nudges: list[Nudge],
        lease_until: float,
    ) -> None:
        self.staged = (state, deadline, event, list(signals), list(nudges), lease_until)

    async def write(self) -> list[Nudge]:
        """Write what was staged; returns the nudges that were new."""
        if self.staged is None:
            return []
        state, deadline, event, signal_records, staged_nudges, lease_until = self.staged
        conn = self.conn
        values = schema.state_values(state, deadline, time.time())
        await conn.execute(
            sa.update(conversations).where(conversations.c.key == self.conversation).values(values)
        )
        if event is not None:
            row = schema.event_values(event, self.store_text)
            update = {k: v for k, v in row.items() if k != "event_id"}
            stmt = _insert(conn, events, row).on_conflict_do_update(
                index_elements=["event_id"], set_=update
            )
            await conn.execute(stmt)
        if signal_records:
            await conn.execute(
                sa.insert(signals), [schema.signal_values(s) for s in signal_records]
            )
        new: list[Nudge] = []
        for nudge in staged_nudges:
            stmt = _insert(conn, nudges, schema.nudge_values(nudge, lease_until))
            stmt = stmt.on_conflict_do_nothing(index_elements=["nudge_id"])
            if (await conn.execute(stmt.returning(nudges.c.nudge_id))).first() is not None:
                new.append(nudge)
        return new


def _insert(conn: AsyncConnection | Connection, table: sa.Table, values: Mapping[str, Any]) -> Any:
    """The dialect's INSERT (the one with ``on_conflict_do_*``)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).values(dict(values))
    return sqlite.insert(table).values(dict(values))


class SqlStore:
    """The ``Store`` on SQLAlchemy's asyncio engine. Create it with ``await SqlStore.open``."""

    def __init__(self, engine: AsyncEngine, *, store_text: bool = False) -> None:
        self.engine = engine
        self.store_text = store_text
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._write_lock = asyncio.Lock()

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
        store = cls(create_engine(url, connect_args), store_text=store_text)
        try:
            async with store._writing() as conn:
                await conn.run_sync(upgrade)
        except BaseException:
            await store.engine.dispose()
            raise
        return store

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a write transaction: committed on success, rolled back on error."""
        lock = self._write_lock if self.is_sqlite else contextlib.nullcontext()
        async with lock, self.engine.connect() as conn:
            await conn.execution_options(**{WRITE: True})
            async with conn.begin():
                yield conn

    @asynccontextmanager
    async def transaction(self, conversation: str) -> AsyncIterator[SqlTx]:
        async with self._writing() as conn:
            state = await _lock_conversation(conn, conversation)
            tx = SqlTx(conn, conversation, state, self.store_text)
            yield tx
            inserted = await tx.write()
        tx.inserted = inserted  # only once committed: these are the nudges to deliver

    async def due(self, now: float, limit: int = 500) -> list[str]:
        deadline = conversations.c.next_deadline
        query = (
            sa.select(conversations.c.key)
            .where(deadline <= float(now), conversations.c.state.is_not(None))
            .order_by(deadline, conversations.c.key)
            .limit(limit)
        )
        async with self.engine.connect() as conn:
            return list((await conn.execute(query)).scalars())

    async def claim_nudges(
        self, now: float, lease: float, limit: int = 100, max_attempts: int = 8
    ) -> list[Nudge]:
        now = float(now)  # an int would be bound as a 32-bit INTEGER on PostgreSQL
        c = nudges.c
        ready = (c.status == "pending") & (c.lease_until <= now)
        tried_out = sa.select(c.nudge_id).where(ready, c.attempts >= max_attempts)
        pick = (
            sa.select(c.nudge_id)
            .where(ready, c.attempts < max_attempts, c.payload.is_not(None))
            .order_by(c.created_at, c.nudge_id)
            .limit(limit)
        )
        async with self._writing() as conn:
            await conn.execute(
                sa.update(nudges)
                .where(c.nudge_id.in_(tried_out.with_for_update(skip_locked=True)))
                .values(status="failed", error="gave_up", payload=None)
            )
            leased = await conn.execute(
                sa.update(nudges)
                .where(c.nudge_id.in_(pick.with_for_update(skip_locked=True)))
                .values(lease_until=now + lease)
                .returning(c.created_at, c.nudge_id, c.payload)
            )
            rows = sorted(leased.all(), key=lambda r: (r.created_at, r.nudge_id))
        return [schema.nudge_from(r.payload) for r in rows]

    async def finish_nudge(
        self,
        nudge_id: str,
        status: str,
        route: str,
        error: str,
        now: float,
        retry_at: float | None = None,
    ) -> None:
        c = nudges.c
        values: dict[str, Any] = {
            "status": status,
            "route": route,
            "error": error,
            "attempts": c.attempts + 1,
            "lease_until": retry_at or 0.0,
        }
        if status in ("sent", "kept"):
            values["delivered_at"] = now
        if status not in _KEEPS_PAYLOAD:
            values["payload"] = None
        async with self._writing() as conn:
            # Only a pending nudge changes: a late answer from a delivery that outlived its
            # lease must not turn another replica's "sent" back into "pending".
            await conn.execute(
                sa.update(nudges)
                .where(c.nudge_id == nudge_id, c.status == "pending")
                .values(values)
            )

    async def add_feedback(self, record: FeedbackRecord) -> bool:
        row: dict[str, Any] = {"nudge_id": record.nudge_id, "user": record.user}
        row |= {"helpful": record.helpful, "at": record.at}
        async with self._writing() as conn:
            known = sa.select(nudges.c.nudge_id).where(nudges.c.nudge_id == record.nudge_id)
            if (await conn.execute(known)).first() is None:
                return False
            stmt = _insert(conn, feedback, row).on_conflict_do_update(
                index_elements=["nudge_id", "user"],
                set_={"helpful": record.helpful, "at": record.at},
            )
            await conn.execute(stmt)
        return True

    async def add_command(
        self, at: float, platform: str, user: str, command: str, allowed: bool
    ) -> None:
        row: dict[str, Any] = {"at": at, "platform": platform, "user": user, "command": command}
        async with self._writing() as conn:
            await conn.execute(sa.insert(commands).values(row | {"allowed": allowed}))

    async def slice(
        self, since: float, until: float, conversations: set[str] | None = None
    ) -> Slice:
        def within(table: sa.Table, at: str) -> sa.ColumnElement[bool]:
            cond = (table.c[at] >= float(since)) & (table.c[at] < float(until))
            if conversations is not None:
                cond &= table.c.conversation.in_(sorted(conversations))
            return cond

        nudge_ids = sa.select(nudges.c.nudge_id).where(within(nudges, "created_at"))
        queries = (
            sa.select(events).where(within(events, "at")).order_by(events.c.at, events.c.event_id),
            sa.select(signals).where(within(signals, "at")).order_by(signals.c.id),
            sa.select(nudges).where(within(nudges, "created_at")).order_by(nudges.c.created_at),
            sa.select(feedback)
            .where(feedback.c.nudge_id.in_(nudge_ids))
            .order_by(feedback.c.at, feedback.c.nudge_id, feedback.c.user),
        )
        async with self.engine.connect() as conn:
            rows = [(await conn.execute(q)).all() for q in queries]
        return Slice(
            events=[schema.event_from(r) for r in rows[0]],
            signals=[schema.signal_from(r) for r in rows[1]],
            nudges=[schema.nudge_record_from(r) for r in rows[2]],
            feedback=[schema.feedback_from(r) for r in rows[3]],
        )

    async def open_states(self) -> list[ConversationState]:
        query = (
            sa.select(conversations.c.state)
            .where(conversations.c.closed.is_(False), conversations.c.state.is_not(None))
            .order_by(conversations.c.key)
        )
        async with self.engine.connect() as conn:
            texts = (await conn.execute(query)).scalars().all()
        return [s for s in map(schema.state_from, texts) if s is not None]

    async def inbox(self, agent: str, limit: int = 10) -> list[Nudge]:
        c = nudges.c
        query = (
            sa.select(c.payload)
            .where(c.agent == agent, c.status == "kept", c.payload.is_not(None))
            .order_by(c.created_at.desc(), c.nudge_id)
            .limit(limit)
        )
        async with self.engine.connect() as conn:
            return [schema.nudge_from(p) for p in (await conn.execute(query)).scalars()]

    async def forget(self, conversation: str) -> int:
        ids = sa.select(nudges.c.nudge_id).where(nudges.c.conversation == conversation)
        async with self._writing() as conn:
            lock = sa.select(conversations.c.key).where(conversations.c.key == conversation)
            await conn.execute(lock.with_for_update())  # wait for an event being processed
            count = 0
            for stmt in (
                sa.delete(feedback).where(feedback.c.nudge_id.in_(ids)),
                sa.delete(nudges).where(nudges.c.conversation == conversation),
                sa.delete(signals).where(signals.c.conversation == conversation),
                sa.delete(events).where(events.c.conversation == conversation),
            ):
                count += (await conn.execute(stmt)).rowcount
            states = sa.delete(conversations).where(conversations.c.key == conversation)
            count += await _deleted_states(conn, states)
        return count

    async def purge(self, before: float) -> int:
        """Delete events, signals, nudges, feedback and commands older than ``before``, and
        the state of conversations last active before it that are closed or idle (no
        timer pending after ``before``)."""
        before = float(before)
        c = conversations.c
        idle = c.closed.is_(True) | c.next_deadline.is_(None) | (c.next_deadline < before)
        kept_nudge = sa.select(nudges.c.nudge_id).where(nudges.c.nudge_id == feedback.c.nudge_id)
        async with self._writing() as conn:
            # conversations first: on PostgreSQL that waits for an event being processed
            # before this transaction holds any other lock it might need (no deadlock)
            stale = sa.delete(conversations).where(c.last_activity < before, idle)
            count = await _deleted_states(conn, stale)
            for stmt in (
                sa.delete(events).where(events.c.at < before),
                sa.delete(signals).where(signals.c.at < before),
                sa.delete(nudges).where(nudges.c.created_at < before),
                sa.delete(feedback).where((feedback.c.at < before) | ~kept_nudge.exists()),
                sa.delete(commands).where(commands.c.at < before),
            ):
                count += (await conn.execute(stmt)).rowcount
        return count


async def _lock_conversation(conn: AsyncConnection, key: str) -> ConversationState | None:
    """Lock the conversation's row, inserting it first if missing; returns its state."""
    placeholder = _insert(conn, conversations, schema.conversation_placeholder(key, time.time()))
    locked = sa.select(conversations.c.state).where(conversations.c.key == key).with_for_update()
    for _ in range(3):
        await conn.execute(placeholder.on_conflict_do_nothing(index_elements=["key"]))
        row = (await conn.execute(locked)).first()
        if row is not None:
            return schema.state_from(row.state)
        # PostgreSQL: a forget/purge deleted the row while we waited for its lock
    raise RuntimeError(f"conversation row {key!r} keeps disappearing")


async def _deleted_states(conn: AsyncConnection, delete: sa.Delete) -> int:
    """Run a DELETE on conversations; counts the rows that held a state (a row without
    one only ever served as a lock)."""
    result = await conn.execute(delete.returning(conversations.c.state))
    return sum(1 for state in result.scalars() if state is not None)
