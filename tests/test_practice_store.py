"""Where practice sessions and results are kept: in memory, SQLite and PostgreSQL (skipped,
saying why, when no server is reachable), behaving alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.practice.store import PracticeStore, Result, SqlPracticeStore, for_store
from bot.store import schema
from bot.store.memory import MemoryStore
from bot.store.sql import SqlStore
from coaching.practice.roleplay import Roleplay, Session
from coaching.practice.scenario import from_dict
from tests.pg import fresh_schema
from tests.test_practice_scenarios import minimal_scenario

SCENARIO = from_dict(minimal_scenario(id="tiny"))


def session(agent: str = "U1") -> Session:
    return Roleplay().start(SCENARIO, agent)[0]


def result(
    agent: str, score: int, at: float, scenario: str = "tiny", workspace: str = "T1"
) -> Result:
    return Result("slack", workspace, agent, scenario, score, "calmed", at)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def stores(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[object, PracticeStore]]:
    if request.param == "memory":
        store = MemoryStore()
        yield store, for_store(store)
        return
    if request.param == "sqlite":
        sql = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}")
        try:
            yield sql, for_store(sql)
        finally:
            await sql.close()
        return
    async with fresh_schema() as target:
        sql = await target.open()
        try:
            yield sql, for_store(sql)
        finally:
            await sql.close()


async def test_a_session_is_saved_only_over_the_version_it_was_judged_on(
    stores: tuple[object, PracticeStore],
) -> None:
    _, store = stores
    assert await store.current("slack", "U1") is None
    await store.begin("slack", "T1", "U1", session(), 100.0)
    first = await store.current("slack", "U1")
    assert first is not None and first.workspace == "T1" and first.last_message == ""
    assert first.session == session()
    assert await store.advance("slack", "U1", first.version, first.session, "m1", 101.0)
    # a second reply judged on the same version (another replica, a redelivery) is refused
    assert not await store.advance("slack", "U1", first.version, first.session, "m2", 102.0)
    now = await store.current("slack", "U1")
    assert now is not None and now.last_message == "m1" and now.version == first.version + 1


async def test_starting_again_sets_the_old_session_aside(
    stores: tuple[object, PracticeStore],
) -> None:
    _, store = stores
    await store.begin("slack", "T1", "U1", session(), 100.0)
    old = await store.current("slack", "U1")
    assert old is not None
    await store.advance("slack", "U1", old.version, old.session, "m1", 101.0)
    await store.begin("slack", "T1", "U1", session(), 102.0)
    new = await store.current("slack", "U1")
    assert new is not None and new.last_message == "" and new.version > old.version + 1
    # a reply still being judged for the old session cannot land on the new one
    assert not await store.advance("slack", "U1", old.version + 1, old.session, "m2", 103.0)


async def test_results_are_the_agents_and_the_team_sees_counts_and_means(
    stores: tuple[object, PracticeStore],
) -> None:
    _, store = stores
    for agent, score, at, scenario, workspace in (
        ("U1", 80, 10.0, "tiny", "T1"),
        ("U1", 40, 20.0, "tiny", "T1"),
        ("U1", 90, 30.0, "other", "T1"),
        ("U2", 60, 40.0, "tiny", "T1"),
        ("U3", 10, 50.0, "tiny", "T2"),  # another workspace
    ):
        await store.begin("slack", workspace, agent, session(agent), at)
        current = await store.current("slack", agent)
        assert current is not None
        finished = result(agent, score, at, scenario, workspace)
        assert await store.advance(
            "slack", agent, current.version, current.session, "m", at, finished
        )
    mine = await store.results("slack", "U1")
    assert [(r.scenario, r.score) for r in mine] == [("other", 90), ("tiny", 40), ("tiny", 80)]
    assert await store.results("discord", "U1") == []
    assert await store.practised("slack", "U1") == {"tiny": 2, "other": 1}
    team = await store.team("slack", "T1", since=15.0)
    assert [(f.scenario, f.sessions, round(f.mean_score)) for f in team] == [
        ("other", 1, 90),
        ("tiny", 2, 50),
    ]
    assert await store.forget("slack", "U1") == 4  # three results and the session
    assert await store.results("slack", "U1") == [] and await store.current("slack", "U1") is None
    assert len(await store.results("slack", "U2")) == 1


async def test_retention_purges_old_practice_with_the_rest(tmp_path: Path) -> None:
    sql = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}")
    try:
        store = SqlPracticeStore(sql.runner)
        for agent, at in (("OLD", 10.0), ("NEW", 1000.0)):
            await store.begin("slack", "T1", agent, session(agent), at)
            current = await store.current("slack", agent)
            assert current is not None
            await store.advance(
                "slack", agent, current.version, current.session, "m", at, result(agent, 50, at)
            )
        assert await sql.purge(500.0) >= 2
        assert (
            await store.current("slack", "OLD") is None
            and await store.results("slack", "OLD") == []
        )
        assert await store.current("slack", "NEW") is not None
        assert len(await store.results("slack", "NEW")) == 1
        rows = await sql.read(
            lambda conn: conn.execute(sa.select(schema.practice_results.c.agent)).scalars().all()
        )
        assert rows == ["NEW"]
    finally:
        await sql.close()
