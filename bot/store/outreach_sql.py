"""Surveys and digests in SQL (SQLite or PostgreSQL), the ``OutreachStore`` of a
``SqlStore``: functions of a synchronous ``Connection``, run by the store's runner.

One survey per conversation is the ``surveys`` primary key: ``open_survey`` inserts with
``ON CONFLICT DO NOTHING`` and reports whether it inserted. Surveys and digests to
(re)send are leased like nudges (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so one
replica sends each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.outreach import AnswerResult, AnswerStatus, SurveyAnswer
from bot.store.customers_sql import owner_sql
from bot.store.queries import insert_for
from bot.store.runner import Runner
from bot.store.schema import digests, events, signals, surveys
from bot.store.survey_records import (
    Closing,
    Poster,
    SurveyRecord,
    SurveyStatus,
    answered,
    unanswered,
)


def closings(conn: Connection, since: float, until: float, limit: int) -> list[Closing]:
    e, s = events.c, signals.c
    marks = sa.union_all(
        sa.select(e.conversation.label("conversation"), e.at.label("at")).where(
            e.kind == "closed", e.at >= float(since), e.at < float(until)
        ),
        sa.select(s.conversation.label("conversation"), s.at.label("at")).where(
            s.kind == "resolved", s.fired.is_(True), s.at >= float(since), s.at < float(until)
        ),
    ).subquery()
    latest = (
        sa.select(marks.c.conversation, sa.func.max(marks.c.at).label("at"))
        .group_by(marks.c.conversation)
        .subquery()
    )
    later, owner = events.alias("later"), owner_sql(latest.c.conversation)
    query = (
        sa.select(latest.c.conversation, latest.c.at)
        .where(
            ~sa.exists().where(surveys.c.conversation == latest.c.conversation),  # cost only
            ~sa.exists().where(
                later.c.conversation == latest.c.conversation,
                later.c.kind == "posted",
                later.c.role == "customer",
                later.c.author == owner,
                later.c.at > latest.c.at,
            ),
        )
        .order_by(latest.c.at, latest.c.conversation)
        .limit(limit)
    )
    found = conn.execute(query).all()
    if not found:
        return []
    posted = conn.execute(
        sa.select(e.conversation, e.author, e.role, e.at)
        .where(e.conversation.in_([r.conversation for r in found]), e.kind == "posted")
        .order_by(e.conversation, e.at, e.event_id)
    ).all()
    posters: defaultdict[str, list[Poster]] = defaultdict(list)
    for row in posted:
        posters[row.conversation].append(Poster(row.author, row.role, row.at))
    return [Closing(r.conversation, r.at, tuple(posters[r.conversation])) for r in found]


def _values(record: SurveyRecord, lease_until: float) -> dict[str, Any]:
    return {
        "conversation": record.conversation,
        "customer": record.customer,
        "closed_at": float(record.closed_at),
        "status": record.status,
        "csat_asked": record.csat_asked,
        "understood": record.understood,
        "csat": record.csat,
        "answered_at": record.answered_at,
        "route": record.route,
        "attempts": record.attempts,
        "error": record.error,
        "lease_until": float(lease_until),
    }


def _record(row: sa.Row[Any]) -> SurveyRecord:
    return SurveyRecord(
        conversation=row.conversation,
        customer=row.customer,
        closed_at=row.closed_at,
        status=row.status,
        csat_asked=bool(row.csat_asked),
        understood=row.understood,
        csat=row.csat,
        answered_at=row.answered_at,
        route=row.route,
        attempts=row.attempts,
        error=row.error,
    )


def open_survey(conn: Connection, record: SurveyRecord, lease_until: float) -> bool:
    stmt = (
        insert_for(conn.dialect.name, surveys)
        .values(_values(record, lease_until))
        .on_conflict_do_nothing(index_elements=[surveys.c.conversation])
        .returning(surveys.c.conversation)
    )
    return conn.execute(stmt).first() is not None


def claim_surveys(
    conn: Connection, now: float, lease: float, limit: int, max_attempts: int
) -> list[SurveyRecord]:
    now = float(now)
    c = surveys.c
    ready = (c.status == SurveyStatus.PENDING) & (c.lease_until <= now)
    tried_out = sa.select(c.conversation).where(ready, c.attempts >= max_attempts)
    conn.execute(
        sa.update(surveys)
        .where(c.conversation.in_(tried_out.with_for_update(skip_locked=True)))
        .values(status=SurveyStatus.FAILED, error="gave_up")
    )
    pick = (
        sa.select(c.conversation)
        .where(ready, c.attempts < max_attempts)
        .order_by(c.closed_at, c.conversation)
        .limit(limit)
    )
    leased = conn.execute(
        sa.update(surveys)
        .where(c.conversation.in_(pick.with_for_update(skip_locked=True)))
        .values(lease_until=now + lease)
        .returning(*surveys.c)
    )
    return sorted(map(_record, leased.all()), key=lambda r: (r.closed_at, r.conversation))


def finish_survey(
    conn: Connection,
    conversation: str,
    status: str,
    route: str,
    error: str,
    retry_at: float | None,
) -> None:
    c = surveys.c
    conn.execute(
        sa.update(surveys)
        .where(c.conversation == conversation, c.status == SurveyStatus.PENDING)
        .values(
            status=status,
            route=route,
            error=error,
            attempts=c.attempts + 1,
            lease_until=float(retry_at or 0.0),
        )
    )


def answer_survey(conn: Connection, answer: SurveyAnswer, now: float) -> AnswerResult:
    c = surveys.c
    row = conn.execute(
        sa.select(surveys).where(c.conversation == answer.conversation).with_for_update()
    ).first()
    if row is None:
        return AnswerResult(AnswerStatus.UNKNOWN)
    record = _record(row)
    if answer.user != record.customer:
        return AnswerResult(AnswerStatus.NOT_YOURS, unanswered(record))
    updated = answered(record, answer, now)
    if updated is None:
        return AnswerResult(AnswerStatus.UNKNOWN)
    conn.execute(
        sa.update(surveys)
        .where(c.conversation == answer.conversation)
        .values(understood=updated.understood, csat=updated.csat, answered_at=float(now))
    )
    return AnswerResult(AnswerStatus.RECORDED, unanswered(updated))


def surveys_of(
    conn: Connection, since: float, until: float, conversations: set[str] | None
) -> list[SurveyRecord]:
    c = surveys.c
    cond = (c.closed_at >= float(since)) & (c.closed_at < float(until))
    if conversations is not None:
        cond &= c.conversation.in_(sorted(conversations))
    rows = conn.execute(sa.select(surveys).where(cond).order_by(c.closed_at, c.conversation))
    return [_record(r) for r in rows]


def claim_digest(conn: Connection, key: str, now: float, lease: float, max_attempts: int) -> bool:
    now = float(now)
    c = digests.c
    new = {"key": key, "created_at": now, "status": "pending", "attempts": 0, "error": ""}
    inserted = conn.execute(
        insert_for(conn.dialect.name, digests)
        .values(new | {"lease_until": now + lease})
        .on_conflict_do_nothing(index_elements=[c.key])
        .returning(c.key)
    ).first()
    if inserted is not None:
        return True
    due = (c.key == key) & (c.status == "pending") & (c.lease_until <= now)
    conn.execute(
        sa.update(digests)
        .where(due, c.attempts >= max_attempts)
        .values(status="failed", error="gave_up")
    )
    retaken = conn.execute(
        sa.update(digests).where(due).values(lease_until=now + lease).returning(c.key)
    ).first()
    return retaken is not None


def finish_digest(
    conn: Connection, key: str, status: str, error: str, retry_at: float | None
) -> None:
    c = digests.c
    conn.execute(
        sa.update(digests)
        .where(c.key == key, c.status == "pending")
        .values(
            status=status, error=error, attempts=c.attempts + 1, lease_until=float(retry_at or 0)
        )
    )


class SqlOutreach:
    """``OutreachStore`` on a ``SqlStore``'s runner (see bot/store/outreach.py)."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner

    async def closings(self, since: float, until: float, limit: int = 100) -> list[Closing]:
        return await self.runner.read(lambda conn: closings(conn, since, until, limit))

    async def open_survey(self, record: SurveyRecord, lease_until: float) -> bool:
        return await self.runner.write(lambda conn: open_survey(conn, record, lease_until))

    async def claim_surveys(
        self, now: float, lease: float, limit: int = 100, max_attempts: int = 5
    ) -> list[SurveyRecord]:
        return await self.runner.write(
            lambda conn: claim_surveys(conn, now, lease, limit, max_attempts)
        )

    async def finish_survey(
        self,
        conversation: str,
        status: str,
        route: str,
        error: str,
        now: float,
        retry_at: float | None = None,
    ) -> None:
        await self.runner.write(
            lambda conn: finish_survey(conn, conversation, status, route, error, retry_at)
        )

    async def answer_survey(self, answer: SurveyAnswer, now: float) -> AnswerResult:
        return await self.runner.write(lambda conn: answer_survey(conn, answer, now))

    async def add_replayed(self, records: Sequence[SurveyRecord]) -> None:
        def insert(conn: Connection) -> None:
            for record in records:
                open_survey(conn, record, 0.0)

        await self.runner.write(insert)

    async def surveys(
        self, since: float, until: float, conversations: set[str] | None = None
    ) -> list[SurveyRecord]:
        return await self.runner.read(
            lambda conn: surveys_of(conn, since, until, conversations), bulk=True
        )

    async def claim_digest(self, key: str, now: float, lease: float, max_attempts: int = 5) -> bool:
        return await self.runner.write(
            lambda conn: claim_digest(conn, key, now, lease, max_attempts)
        )

    async def finish_digest(
        self, key: str, status: str, error: str, now: float, retry_at: float | None = None
    ) -> None:
        await self.runner.write(lambda conn: finish_digest(conn, key, status, error, retry_at))
