"""The outbox's SQL: leasing nudges waiting for (re)delivery and recording how each
delivery ended (plain functions of a ``Connection``, like ``bot/store/queries.py``)."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.store import schema
from bot.store.base import Finished
from bot.store.schema import nudges
from coaching.types import Nudge

_KEEPS_PAYLOAD = ("pending", "kept")  # a sent or failed nudge's text is not needed again


def claim_nudges(
    conn: Connection, now: float, lease: float, limit: int, max_attempts: int
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
    conn.execute(
        sa.update(nudges)
        .where(c.nudge_id.in_(tried_out.with_for_update(skip_locked=True)))
        .values(status="failed", error="gave_up", payload=None)
    )
    leased = conn.execute(
        sa.update(nudges)
        .where(c.nudge_id.in_(pick.with_for_update(skip_locked=True)))
        .values(lease_until=now + lease)
        .returning(c.created_at, c.nudge_id, c.payload)
    )
    rows = sorted(leased.all(), key=lambda r: (r.created_at, r.nudge_id))
    return [schema.nudge_from(r.payload) for r in rows]


@functools.cache
def _finish() -> sa.Update:
    c = nudges.c
    keep = sa.bindparam("keep", type_=sa.Boolean)
    # Only a pending nudge changes: a late answer from a delivery that outlived its
    # lease must not turn another replica's "sent" back into "pending".
    return (
        sa.update(nudges)
        .where(c.nudge_id == sa.bindparam("b_id"), c.status == "pending")
        .values(
            status=sa.bindparam("b_status"),
            route=sa.bindparam("b_route"),
            error=sa.bindparam("b_error"),
            attempts=c.attempts + 1,
            lease_until=sa.bindparam("b_lease", type_=sa.Double),
            delivered_at=sa.func.coalesce(sa.bindparam("b_at", type_=sa.Double), c.delivered_at),
            payload=sa.case((keep, c.payload), else_=sa.null()),
        )
    )


def finish_nudges(conn: Connection, outcomes: list[Finished]) -> None:
    """Record delivery outcomes (one executemany)."""
    if not outcomes:
        return
    rows = [
        {
            "b_id": o.nudge_id,
            "b_status": o.status,
            "b_route": o.route,
            "b_error": o.error,
            "b_lease": float(o.retry_at or 0.0),
            "b_at": float(o.now) if o.status in ("sent", "kept") else None,
            "keep": o.status in _KEEPS_PAYLOAD,
        }
        for o in outcomes
    ]
    conn.execute(_finish(), rows)
