"""The write-ahead inbox's SQL (tables ``inbox_events`` and ``inbox_leases``): plain
functions of a synchronous ``Connection``, like ``bot/store/queries.py``.

``put`` stores accepted events (a redelivery of an event still waiting is stored once).
``lease`` hands a process the oldest waiting conversations, each with all its waiting
events in order: a conversation is leased to one process at a time, so any replica may
work on any conversation and each conversation's events are still processed in order.
A conversation's first lease row is inserted already leased (``ON CONFLICT DO NOTHING``:
one inserter wins); existing rows are taken with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL;
SQLite has one writer), so replicas leasing at the same moment never wait for each
other, and a lease that runs out (its process died) is taken over by the next ``lease``. The processing
transaction deletes the events it processed (``queries.open_batch``); ``release`` then
frees the conversations.
"""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.store.base import DeadLetter, Pending
from bot.store.queries import insert_for
from bot.store.schema import dead_letters, events, inbox_events, inbox_leases


@functools.cache
def _put(dialect: str) -> sa.Insert:
    return insert_for(dialect, inbox_events).on_conflict_do_nothing(
        index_elements=[inbox_events.c.event_id]
    )


def put(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Store events (``event_id``, ``conversation``, ``payload``, ``received_at``); an
    event already waiting is not stored twice. One plain executemany: the cheapest write."""
    if rows:
        conn.execute(_put(conn.dialect.name), rows)


def backlog(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(inbox_events)).scalar_one())


@functools.cache
def _oldest(conversations: int) -> sa.Select[tuple[str, int, str | None]]:
    """The conversations waiting longest that ``owner`` may lease (free, or its own),
    and whether they have a lease row yet."""
    i, held = inbox_events.c, inbox_leases.c
    first = sa.func.min(i.seq).label("first")
    return (
        sa.select(i.conversation, first, held.conversation.label("held"))
        .select_from(inbox_events.outerjoin(inbox_leases, held.conversation == i.conversation))
        .where(held.conversation.is_(None) | _free())
        .group_by(i.conversation, held.conversation)
        .order_by(first)
        .limit(conversations)
    )


def _free() -> sa.ColumnElement[bool]:
    held = inbox_leases.c
    return (held.until <= sa.bindparam("now")) | (held.owner == sa.bindparam("owner"))


@functools.cache
def _take() -> sa.Update:
    held = inbox_leases.c
    lockable = (
        sa.select(held.conversation)
        .where(held.conversation.in_(sa.bindparam("keys", expanding=True)), _free())
        .with_for_update(skip_locked=True)
    )
    return (
        sa.update(inbox_leases)
        .where(held.conversation.in_(lockable))
        .values(owner=sa.bindparam("owner"), until=sa.bindparam("until"))
        .returning(held.conversation)
    )


@functools.cache
def _events(limit: int) -> sa.Select[Any]:
    """The leased conversations' waiting events, each with whether it was processed before
    (a redelivery: the lease reads it in the same round trip, so the model is spared)."""
    i = inbox_events.c
    processed = sa.exists().where(events.c.event_id == i.event_id)
    return (
        sa.select(
            i.seq, i.event_id, i.conversation, i.payload, i.received_at, processed.label("done")
        )
        .where(i.conversation.in_(sa.bindparam("keys", expanding=True)))
        .order_by(i.seq)
        .limit(limit)
    )


def lease(
    conn: Connection, owner: str, now: float, seconds: float, conversations: int, events: int
) -> list[Pending]:
    """Lease up to ``conversations`` of the conversations waiting longest (not leased to
    another owner, or whose lease ran out) to ``owner`` until ``now + seconds``; returns
    their waiting events in order, at most ``events`` of them."""
    now = float(now)  # an int would be bound as a 32-bit INTEGER on PostgreSQL
    who = {"now": now, "owner": owner}
    until = now + seconds
    candidates = conn.execute(_oldest(conversations), who).all()
    new = sorted(c.conversation for c in candidates if c.held is None)
    known = sorted(c.conversation for c in candidates if c.held is not None)
    won: list[str] = []
    if new:  # a first lease row is this owner's at once (unless another inserts it first)
        firsts = [{"conversation": k, "owner": owner, "until": until} for k in new]
        inserted = conn.execute(
            insert_for(conn.dialect.name, inbox_leases)
            .values(firsts)
            .on_conflict_do_nothing(index_elements=[inbox_leases.c.conversation])
            .returning(inbox_leases.c.conversation)
        )
        won += inserted.scalars()
    if known:
        won += conn.execute(_take(), {**who, "keys": known, "until": until}).scalars()
    if not won:
        return []
    rows = conn.execute(_events(events), {"keys": won})
    return [
        Pending(r.seq, r.event_id, r.conversation, r.payload, r.received_at, bool(r.done))
        for r in rows
    ]


def release(conn: Connection, owner: str, conversations: list[str]) -> None:
    """End ``owner``'s leases on ``conversations`` (others may take them at once)."""
    if conversations:
        held = inbox_leases.c
        conn.execute(
            sa.update(inbox_leases)
            .where(held.conversation.in_(sorted(conversations)), held.owner == owner)
            .values(owner="", until=0.0)
        )


def dead_letter(conn: Connection, letters: list[DeadLetter]) -> None:
    """Record events set aside (never their text) and remove their inbox rows."""
    if not letters:
        return
    rows = [
        {
            "event_id": d.event_id,
            "conversation": d.conversation,
            "reason": d.reason,
            "received_at": float(d.received_at),
            "at": float(d.at),
        }
        for d in letters
    ]
    insert = insert_for(conn.dialect.name, dead_letters)
    conn.execute(insert.on_conflict_do_nothing(index_elements=[dead_letters.c.event_id]), rows)
    seqs = [d.seq for d in letters if d.seq is not None]
    if seqs:
        conn.execute(sa.delete(inbox_events).where(inbox_events.c.seq.in_(seqs)))


def purge(conn: Connection, before: float) -> int:
    """Retention covers the inbox too: events received before ``before`` and never
    processed (their text waits there), and dead letters set aside before it."""
    count = conn.execute(sa.delete(inbox_events).where(inbox_events.c.received_at < before))
    dead = conn.execute(sa.delete(dead_letters).where(dead_letters.c.at < before))
    return int(count.rowcount) + int(dead.rowcount)
