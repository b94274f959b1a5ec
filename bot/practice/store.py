"""Where practice sessions and results are kept: beside the coaching store, in the same
database (tables ``practice_sessions`` and ``practice_results``), or in memory.

A session in progress is stored between replies so any replica can take the agent's next
message; it holds step names, scores and cue names, never what anyone wrote. Every
write bumps its ``version``: a reply is saved only over the version it was judged on,
so two replicas (or a redelivered event) cannot both advance one session. A finished
session's result is written in the same transaction. Results belong to the agent; the
team figures are counts and means per scenario.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from bot.store.base import Store
from bot.store.runner import Runner
from bot.store.schema import dumps, practice_results, practice_sessions
from coaching.practice.roleplay import Session


@dataclass(frozen=True, slots=True)
class Result:
    platform: str
    workspace: str
    agent: str
    scenario: str
    score: int
    outcome: str
    finished_at: float


@dataclass(frozen=True, slots=True)
class Stored:
    """An agent's current (or last) session."""

    session: Session
    workspace: str
    version: int
    last_message: str  # the reply last answered: a redelivery of it is ignored


@dataclass(frozen=True, slots=True)
class ScenarioFigures:
    scenario: str
    sessions: int
    mean_score: float


class PracticeStore(Protocol):
    async def current(self, platform: str, agent: str) -> Stored | None: ...

    async def begin(
        self, platform: str, workspace: str, agent: str, session: Session, now: float
    ) -> None:
        """Start a session, setting aside any other of the agent's."""
        ...

    async def advance(
        self,
        platform: str,
        agent: str,
        version: int,
        session: Session,
        message_id: str,
        now: float,
        result: Result | None = None,
    ) -> bool:
        """Save the session over ``version`` (and its result, when finished); False when
        the session changed meanwhile (nothing is written)."""
        ...

    async def results(self, platform: str, agent: str, limit: int = 10) -> list[Result]: ...

    async def practised(self, platform: str, agent: str) -> dict[str, int]:
        """Scenario -> how many times the agent finished it."""
        ...

    async def team(self, platform: str, workspace: str, since: float) -> list[ScenarioFigures]: ...

    async def forget(self, platform: str, agent: str) -> int:
        """Delete the agent's session and results; returns rows deleted."""
        ...


def for_store(store: Store) -> PracticeStore:
    """The practice store beside ``store``: the same database, or memory."""
    runner = getattr(store, "runner", None)
    return SqlPracticeStore(runner) if runner is not None else MemoryPracticeStore()


class MemoryPracticeStore:
    def __init__(self) -> None:
        self.sessions: dict[tuple[str, str], Stored] = {}
        self.finished: list[Result] = []

    async def current(self, platform: str, agent: str) -> Stored | None:
        return self.sessions.get((platform, agent))

    async def begin(
        self, platform: str, workspace: str, agent: str, session: Session, now: float
    ) -> None:
        old = self.sessions.get((platform, agent))
        version = old.version + 1 if old else 1
        self.sessions[(platform, agent)] = Stored(session, workspace, version, "")

    async def advance(
        self,
        platform: str,
        agent: str,
        version: int,
        session: Session,
        message_id: str,
        now: float,
        result: Result | None = None,
    ) -> bool:
        old = self.sessions.get((platform, agent))
        if old is None or old.version != version:
            return False
        self.sessions[(platform, agent)] = Stored(session, old.workspace, version + 1, message_id)
        if result is not None:
            self.finished.append(result)
        return True

    async def results(self, platform: str, agent: str, limit: int = 10) -> list[Result]:
        mine = [r for r in self.finished if (r.platform, r.agent) == (platform, agent)]
        return sorted(mine, key=lambda r: r.finished_at, reverse=True)[:limit]

    async def practised(self, platform: str, agent: str) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for r in self.finished:
            if (r.platform, r.agent) == (platform, agent):
                counts[r.scenario] += 1
        return dict(counts)

    async def team(self, platform: str, workspace: str, since: float) -> list[ScenarioFigures]:
        scores: dict[str, list[int]] = defaultdict(list)
        for r in self.finished:
            if (r.platform, r.workspace) == (platform, workspace) and r.finished_at >= since:
                scores[r.scenario].append(r.score)
        return [ScenarioFigures(s, len(v), sum(v) / len(v)) for s, v in sorted(scores.items())]

    async def forget(self, platform: str, agent: str) -> int:
        before = len(self.finished)
        self.finished = [r for r in self.finished if (r.platform, r.agent) != (platform, agent)]
        dropped = self.sessions.pop((platform, agent), None) is not None
        return before - len(self.finished) + int(dropped)


class SqlPracticeStore:
    def __init__(self, runner: Runner) -> None:
        self.runner = runner

    async def current(self, platform: str, agent: str) -> Stored | None:
        return await self.runner.read(lambda conn: _current(conn, platform, agent))

    async def begin(
        self, platform: str, workspace: str, agent: str, session: Session, now: float
    ) -> None:
        row = {
            "platform": platform,
            "agent": agent,
            "workspace": workspace,
            "session": dumps(session.to_dict()),
            "version": 1,
            "last_message": "",
            "updated_at": now,
        }
        await self.runner.write(lambda conn: _begin(conn, row))

    async def advance(
        self,
        platform: str,
        agent: str,
        version: int,
        session: Session,
        message_id: str,
        now: float,
        result: Result | None = None,
    ) -> bool:
        values = {
            "session": dumps(session.to_dict()),
            "version": version + 1,
            "last_message": message_id,
            "updated_at": now,
        }
        return await self.runner.write(
            lambda conn: _advance(conn, platform, agent, version, values, result)
        )

    async def results(self, platform: str, agent: str, limit: int = 10) -> list[Result]:
        c = practice_results.c
        query = (
            sa.select(practice_results)
            .where(c.platform == platform, c.agent == agent)
            .order_by(c.finished_at.desc(), c.id.desc())
            .limit(limit)
        )
        return await self.runner.read(lambda conn: [_result(r) for r in conn.execute(query)])

    async def practised(self, platform: str, agent: str) -> dict[str, int]:
        c = practice_results.c
        query = (
            sa.select(c.scenario, sa.func.count())
            .where(c.platform == platform, c.agent == agent)
            .group_by(c.scenario)
        )
        rows = await self.runner.read(lambda conn: conn.execute(query).all())
        return {str(scenario): int(count) for scenario, count in rows}

    async def team(self, platform: str, workspace: str, since: float) -> list[ScenarioFigures]:
        c = practice_results.c
        query = (
            sa.select(c.scenario, sa.func.count(), sa.func.avg(c.score))
            .where(c.platform == platform, c.workspace == workspace, c.finished_at >= float(since))
            .group_by(c.scenario)
            .order_by(c.scenario)
        )
        rows = await self.runner.read(lambda conn: conn.execute(query).all())
        return [ScenarioFigures(str(s), int(n), float(mean)) for s, n, mean in rows]

    async def forget(self, platform: str, agent: str) -> int:
        def delete(conn: Connection) -> int:
            count = 0
            for table in (practice_results, practice_sessions):
                stmt = sa.delete(table).where(table.c.platform == platform, table.c.agent == agent)
                count += conn.execute(stmt).rowcount
            return count

        return await self.runner.write(delete)


def _current(conn: Connection, platform: str, agent: str) -> Stored | None:
    c = practice_sessions.c
    row = conn.execute(
        sa.select(practice_sessions).where(c.platform == platform, c.agent == agent)
    ).first()
    if row is None:
        return None
    return Stored(
        Session.from_dict(json.loads(row.session)), row.workspace, row.version, row.last_message
    )


def _begin(conn: Connection, row: dict[str, Any]) -> None:
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(
        practice_sessions
    ).values(row)
    # Replacing a session bumps the version, so a reply still being judged for the old
    # one cannot be saved over the new one.
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=["platform", "agent"],
            set_={
                "workspace": insert.excluded.workspace,
                "session": insert.excluded.session,
                "version": practice_sessions.c.version + 1,
                "last_message": "",
                "updated_at": insert.excluded.updated_at,
            },
        )
    )


def _advance(
    conn: Connection,
    platform: str,
    agent: str,
    version: int,
    values: dict[str, Any],
    result: Result | None,
) -> bool:
    c = practice_sessions.c
    stmt = (
        sa.update(practice_sessions)
        .where(c.platform == platform, c.agent == agent, c.version == version)
        .values(values)
    )
    if conn.execute(stmt).rowcount != 1:
        return False
    if result is not None:
        conn.execute(sa.insert(practice_results).values(_result_row(result)))
    return True


def _result_row(result: Result) -> dict[str, Any]:
    return {
        "platform": result.platform,
        "workspace": result.workspace,
        "agent": result.agent,
        "scenario": result.scenario,
        "score": result.score,
        "outcome": result.outcome,
        "finished_at": result.finished_at,
    }


def _result(row: Any) -> Result:
    return Result(
        row.platform,
        row.workspace,
        row.agent,
        row.scenario,
        row.score,
        row.outcome,
        row.finished_at,
    )
