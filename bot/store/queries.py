"""The store's SQL: plain functions of a synchronous ``Connection``, one code path for
SQLite and PostgreSQL (``bot/store/runner.py`` runs them on the store's own thread for
SQLite, through ``AsyncConnection.run_sync`` for PostgreSQL).

Events are processed in batches, and a batch costs two calls whatever its size:
``open_batch`` locks its conversations and reads their states in one upsert (``INSERT
... ON CONFLICT (key) DO UPDATE ... RETURNING``, in key order: on PostgreSQL that takes
the row locks, waiting for a replica processing the same conversation, and if a
forget/purge deletes a row meanwhile the upsert inserts it afresh), claims the events by
inserting their rows (``ON CONFLICT DO NOTHING RETURNING``: a second delivery inserts
nothing) and deletes them from the write-ahead inbox; ``write_batch`` writes the new
states, the signals and the nudges (RETURNING those that were new), one statement each.
The statements are built once per dialect with their values bound at execution, so
SQLAlchemy's compiled-statement cache (and asyncpg's prepared statements) serve them.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from bot.store import schema
from bot.store.base import Slice, SliceFilter
from bot.store.message_text import supersede_text
from bot.store.records import FeedbackRecord, NudgeRecord, SignalRecord
from bot.store.schema import (
    commands,
    conversations,
    events,
    feedback,
    inbox_events,
    inbox_leases,
    installation,
    nudges,
    practice_results,
    practice_sessions,
    signals,
)
from coaching.state import ConversationState
from coaching.types import Nudge

Insert = postgresql.Insert | sqlite.Insert


def insert_for(dialect: str, table: sa.Table) -> Insert:
    """The dialect's INSERT (the one with ``on_conflict_do_*``)."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


@dataclass(frozen=True)
class _Statements:
    lock: sa.Insert  # the conversation's row, inserted if missing, locked; its state
    claim: sa.Insert  # an event's row unless there is one; RETURNING the id if inserted
    save: sa.Update  # the conversation's state
    signals: sa.Insert
    nudges: sa.Insert  # new nudges; RETURNING the ids of those inserted


@functools.cache
def _statements(dialect: str) -> _Statements:
    lock = insert_for(dialect, conversations)
    return _Statements(
        # DO UPDATE (not NOTHING) so that PostgreSQL locks an existing row and RETURNING
        # always yields it; updated_at, not the key, so SQLite leaves the key index be
        lock=lock.on_conflict_do_update(
            index_elements=[conversations.c.key], set_={"updated_at": lock.excluded.updated_at}
        ).returning(conversations.c.key, conversations.c.state),
        claim=insert_for(dialect, events)
        .on_conflict_do_nothing(index_elements=[events.c.event_id])
        .returning(events.c.event_id),
        save=sa.update(conversations).where(conversations.c.key == sa.bindparam("b_key")),
        signals=sa.insert(signals),
        nudges=insert_for(dialect, nudges)
        .on_conflict_do_nothing(index_elements=[nudges.c.nudge_id])
        .returning(nudges.c.nudge_id),
    )


# --- a batch of events ------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a batch writes for one conversation at its end (``BatchTx.save``)."""

    state: ConversationState
    deadline: float | None
    signals: list[SignalRecord]
    nudges: list[Nudge]
    lease_until: float


def open_batch(
    conn: Connection, keys: list[str], events: list[dict[str, Any]], processed: list[int]
) -> tuple[dict[str, ConversationState | None], set[str]]:
    """Lock the conversations ``keys`` and read their states; claim ``events`` (their row
    values), keeping only each message's latest text; delete the inbox rows ``processed``.
    Returns the states by key and the ids of the events claimed now (the others had been
    claimed before: redeliveries)."""
    states = lock(conn, keys)
    claimed = claim(conn, events)
    for row in events:
        if row["event_id"] in claimed:
            supersede_text(conn, row)
    if processed:
        conn.execute(sa.delete(inbox_events).where(inbox_events.c.seq.in_(processed)))
    return states, claimed


def lock(conn: Connection, keys: list[str]) -> dict[str, ConversationState | None]:
    """Lock the conversations' rows (in key order), inserting missing ones; their states."""
    ordered = sorted(set(keys))
    if not ordered:
        return {}
    stmt = _statements(conn.dialect.name).lock
    now = time.time()
    rows = conn.execute(stmt, [schema.conversation_placeholder(k, now) for k in ordered]).all()
    states = {row.key: schema.state_from(row.state) for row in rows}
    if len(states) != len(ordered):  # the upsert always returns the rows; a safeguard
        raise RuntimeError("conversation rows disappeared while being locked")
    return states


def claim(conn: Connection, events: list[dict[str, Any]]) -> set[str]:
    """Insert the events' rows; returns the ids inserted (not there before)."""
    if not events:
        return set()
    return set(conn.execute(_statements(conn.dialect.name).claim, events).scalars())


def write_batch(conn: Connection, outcomes: dict[str, Outcome]) -> list[Nudge]:
    """Write a batch's outcomes; returns the nudges that were new, in staging order."""
    st = _statements(conn.dialect.name)
    if not outcomes:
        return []
    now = time.time()
    conn.execute(
        st.save,
        [
            {"b_key": key, **schema.state_values(o.state, o.deadline, now)}
            for key, o in sorted(outcomes.items())
        ],
    )
    signal_rows = [schema.signal_values(s) for o in outcomes.values() for s in o.signals]
    if signal_rows:
        conn.execute(st.signals, signal_rows)
    staged = [(n, o.lease_until) for o in outcomes.values() for n in o.nudges]
    if not staged:
        return []
    rows = [schema.nudge_values(n, lease_until) for n, lease_until in staged]
    new = set(conn.execute(st.nudges, rows).scalars())
    inserted = []
    for nudge, _ in staged:
        if nudge.nudge_id in new:
            new.discard(nudge.nudge_id)  # the same nudge staged twice is new once
            inserted.append(nudge)
    return inserted


# --- reads -------------------------------------------------------------------------------


def due(conn: Connection, now: float, limit: int) -> list[str]:
    deadline = conversations.c.next_deadline
    query = (
        sa.select(conversations.c.key)
        .where(deadline <= float(now), conversations.c.state.is_not(None))
        .order_by(deadline, conversations.c.key)
        .limit(limit)
    )
    return list(conn.execute(query).scalars())


def slice_of(conn: Connection, since: float, until: float, where: SliceFilter | None) -> Slice:
    where = where or SliceFilter()
    prefix = where.prefix()

    def covered(table: sa.Table, at: str) -> sa.ColumnElement[bool]:
        conversation = table.c.conversation
        cond = (table.c[at] >= float(since)) & (table.c[at] < float(until))
        if prefix is not None:
            cond &= sa.func.substr(conversation, 1, len(prefix)) == prefix
        if where.conversation is not None:
            cond &= conversation == where.conversation
        if where.agent is not None:
            cond &= conversation.in_(replied_in)
        return cond

    e = events.c
    replied_in = sa.select(e.conversation).where(  # uses ix_events_author_at
        e.author == str(where.agent), e.role == "agent", e.at >= float(since), e.at < float(until)
    )
    nudged = covered(nudges, "created_at")
    if where.agent is not None:
        nudged &= nudges.c.agent == where.agent
    nudge_ids = sa.select(nudges.c.nudge_id).where(nudged)
    queries = (
        sa.select(events).where(covered(events, "at")).order_by(e.at, e.event_id),
        sa.select(signals).where(covered(signals, "at")).order_by(signals.c.id),
        sa.select(nudges).where(nudged).order_by(nudges.c.created_at),
        sa.select(feedback)
        .where(feedback.c.nudge_id.in_(nudge_ids))
        .order_by(feedback.c.at, feedback.c.nudge_id, feedback.c.user),
    )
    rows = [conn.execute(q).all() for q in queries]
    # A channel asked for without its workspace (the command line) is matched here.
    keep = where.covers if where.needs_keys_checked() else _anything
    found = Slice(
        events=[schema.event_from(r) for r in rows[0] if keep(r.conversation)],
        signals=[schema.signal_from(r) for r in rows[1] if keep(r.conversation)],
        nudges=[schema.nudge_record_from(r) for r in rows[2] if keep(r.conversation)],
        feedback=[schema.feedback_from(r) for r in rows[3]],
    )
    ids = {n.nudge_id for n in found.nudges}
    return replace(found, feedback=[f for f in found.feedback if f.nudge_id in ids])


def _anything(_key: str) -> bool:
    return True


def open_states(
    conn: Connection, platform: str | None, workspace: str | None
) -> list[ConversationState]:
    c = conversations.c
    query = sa.select(c.state).where(c.closed.is_(False), c.state.is_not(None)).order_by(c.key)
    if platform is not None:
        query = query.where(c.platform == platform)
    if workspace is not None:
        query = query.where(c.workspace == workspace)
    texts = conn.execute(query).scalars().all()
    return [s for s in map(schema.state_from, texts) if s is not None]


def states(conn: Connection, keys: list[str]) -> dict[str, ConversationState]:
    if not keys:
        return {}
    c = conversations.c
    query = sa.select(c.key, c.state).where(c.key.in_(keys), c.state.is_not(None))
    found = {row.key: schema.state_from(row.state) for row in conn.execute(query)}
    return {k: s for k, s in found.items() if s is not None}


def inbox(conn: Connection, agent: str, limit: int) -> list[Nudge]:
    c = nudges.c
    query = (
        sa.select(c.payload)
        .where(c.agent == agent, c.status == "kept", c.payload.is_not(None))
        .order_by(c.created_at.desc(), c.nudge_id)
        .limit(limit)
    )
    return [schema.nudge_from(p) for p in conn.execute(query).scalars()]


# --- the outbox, feedback, commands ----------------------------------------------------------


def nudge(conn: Connection, nudge_id: str) -> NudgeRecord | None:
    row = conn.execute(sa.select(nudges).where(nudges.c.nudge_id == nudge_id)).first()
    return None if row is None else schema.nudge_record_from(row)


def add_feedback(conn: Connection, record: FeedbackRecord) -> bool:
    """Only the nudge's own agent may rate it."""
    theirs = sa.select(nudges.c.nudge_id).where(
        nudges.c.nudge_id == record.nudge_id, nudges.c.agent == record.user
    )
    if conn.execute(theirs).first() is None:
        return False
    row: dict[str, Any] = {"nudge_id": record.nudge_id, "user": record.user}
    row |= {"helpful": record.helpful, "at": record.at}
    stmt = insert_for(conn.dialect.name, feedback).values(row)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["nudge_id", "user"],
            set_={"helpful": record.helpful, "at": record.at},
        )
    )
    return True


def add_command(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(sa.insert(commands).values(row))


def installation_value(conn: Connection, name: str, new: str) -> str:
    """The installation's value called ``name``, set to ``new`` if it has none yet (the
    first replica to ask sets it; the others read it)."""
    conn.execute(
        insert_for(conn.dialect.name, installation)
        .values(name=name, value=new)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    query = sa.select(installation.c.value).where(installation.c.name == name)
    return str(conn.execute(query).scalar_one())


# --- forgetting and retention ------------------------------------------------------------


def forget(conn: Connection, conversation: str) -> int:
    ids = sa.select(nudges.c.nudge_id).where(nudges.c.conversation == conversation)
    lock = sa.select(conversations.c.key).where(conversations.c.key == conversation)
    conn.execute(lock.with_for_update())  # wait for an event being processed
    count = 0
    for stmt in (
        sa.delete(feedback).where(feedback.c.nudge_id.in_(ids)),
        sa.delete(nudges).where(nudges.c.conversation == conversation),
        sa.delete(signals).where(signals.c.conversation == conversation),
        sa.delete(events).where(events.c.conversation == conversation),
        sa.delete(schema.surveys).where(schema.surveys.c.conversation == conversation),
        sa.delete(inbox_events).where(inbox_events.c.conversation == conversation),
        sa.delete(schema.dead_letters).where(schema.dead_letters.c.conversation == conversation),
    ):
        count += conn.execute(stmt).rowcount
    conn.execute(sa.delete(inbox_leases).where(inbox_leases.c.conversation == conversation))
    states = sa.delete(conversations).where(conversations.c.key == conversation)
    return count + _deleted_states(conn, states)


def purge(conn: Connection, before: float) -> int:
    before = float(before)
    c = conversations.c
    idle = c.closed.is_(True) | c.next_deadline.is_(None) | (c.next_deadline < before)
    kept_nudge = sa.select(nudges.c.nudge_id).where(nudges.c.nudge_id == feedback.c.nudge_id)
    # conversations first: on PostgreSQL that waits for an event being processed
    # before this transaction holds any other lock it might need (no deadlock)
    stale = sa.delete(conversations).where(c.last_activity < before, idle)
    count = _deleted_states(conn, stale)
    for stmt in (
        sa.delete(events).where(events.c.at < before),
        sa.delete(signals).where(signals.c.at < before),
        sa.delete(nudges).where(nudges.c.created_at < before),
        sa.delete(feedback).where((feedback.c.at < before) | ~kept_nudge.exists()),
        sa.delete(commands).where(commands.c.at < before),
        sa.delete(practice_results).where(practice_results.c.finished_at < before),
        sa.delete(practice_sessions).where(practice_sessions.c.updated_at < before),
        sa.delete(schema.surveys).where(schema.surveys.c.closed_at < before),
        sa.delete(schema.digests).where(schema.digests.c.created_at < before),
    ):
        count += conn.execute(stmt).rowcount
    waiting = sa.exists().where(inbox_events.c.conversation == inbox_leases.c.conversation)
    conn.execute(sa.delete(inbox_leases).where(inbox_leases.c.until < before, ~waiting))
    return count


def _deleted_states(conn: Connection, delete: sa.Delete) -> int:
    """Run a DELETE on conversations; counts the rows that held a state (a row without
    one only ever served as a lock)."""
    result = conn.execute(delete.returning(conversations.c.state))
    return sum(1 for state in result.scalars() if state is not None)
