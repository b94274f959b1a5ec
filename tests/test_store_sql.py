"""SqlStore beyond the shared contract: restarts, several replicas on one database,
migrations, and what is (not) kept of message text. Tests run on SQLite and on
PostgreSQL (skipped, saying why, when no server is reachable); the row-lock tests only
on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from adapters.base import DeliveryResult, DeliveryStatus
from bot.ops.clock import VirtualClock
from bot.service.runtime import EngineFailure, Runtime
from bot.store import migrate, schema
from bot.store.base import Store
from bot.store.memory import MemoryStore
from bot.store.records import event_record
from bot.store.sql import SqlStore
from coaching.engine import Engine
from coaching.policy import Policy
from coaching.state import ConversationState
from coaching.types import ConversationRef, MessagePosted, Nudge, NudgeKind
from tests.helpers import Script, ScriptedDetectors
from tests.pg import PgSchema, fresh_schema, pg  # noqa: F401  (pg is a fixture)

ANGRY, PLAIN, SORRY = "angry", "plain", "sorry"
STEPS, LOST = "Go to Settings and switch off sync.", "lost"
REF = ConversationRef("test", "W1", "C1", "T1")
Step = MessagePosted | float | str  # an event, a time to fire the timers at, or RESTART
RESTART = "restart"


class Opener(Protocol):
    """Opens a new SqlStore on the test's database (a restart, or another replica)."""

    def __call__(self, *, store_text: bool = False) -> Awaitable[SqlStore]: ...


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Opener]:
    """Opens stores on one fresh database; closes whatever is still open at the end."""
    opened: list[SqlStore] = []

    def tracking(open_store: Opener) -> Opener:
        async def open_tracked(*, store_text: bool = False) -> SqlStore:
            store = await open_store(store_text=store_text)
            opened.append(store)
            return store

        return open_tracked

    async def close_all() -> None:
        for store in opened:
            await store.close()  # closing twice is harmless

    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}"

        async def open_sqlite(*, store_text: bool = False) -> SqlStore:
            return await SqlStore.open(url, store_text=store_text)

        try:
            yield tracking(open_sqlite)
        finally:
            await close_all()
        return
    async with fresh_schema() as target:
        try:
            yield tracking(target.open)
        finally:
            await close_all()  # before the schema is dropped


class RecordingDelivery:
    def __init__(self, results: Sequence[DeliveryResult] = ()) -> None:
        self.sent: list[Nudge] = []
        self.results = list(results)

    async def deliver(self, nudge: Nudge) -> DeliveryResult:
        self.sent.append(nudge)
        if self.results:
            return self.results.pop(0)
        return DeliveryResult(DeliveryStatus.SENT, route="test")


def make_runtime(
    store: Store,
    delivery: RecordingDelivery,
    clock: VirtualClock,
    detectors: ScriptedDetectors | None = None,
    **kwargs: Any,
) -> Runtime:
    detectors = detectors or ScriptedDetectors(
        {ANGRY: 0.9}, {PLAIN: 0.1, SORRY: 0.9}, confusion_scores={LOST: 0.9}
    )
    engine = Engine(Policy(waiting_after=600), detectors)
    return Runtime(engine, store, {"test": delivery}, clock, **kwargs)


def events_for(ref: ConversationRef, start: float = 0.0) -> list[MessagePosted]:
    """Frustration, a reply without acknowledgement, a wait, frustration again and an
    apology; event ids unique across conversations."""
    s = Script(ref)
    events = [
        s.msg("agent", "sam", PLAIN, start),
        s.msg("customer", "cust", ANGRY, start + 10),
        s.msg("agent", "sam", PLAIN, start + 20),
        s.msg("customer", "cust", PLAIN, start + 30),
        s.msg("customer", "cust", ANGRY, start + 900),
        s.msg("agent", "ana", SORRY, start + 950),
        s.msg("customer", "cust", PLAIN, start + 960),
    ]
    return [replace(e, event_id=f"{ref.thread}-{e.event_id}") for e in events]


def lost_in_steps(ref: ConversationRef, start: float) -> list[MessagePosted]:
    """An agent's instructions, and the customer lost in them (a confusion nudge)."""
    s = Script(ref)
    s.count = 100  # ids apart from events_for's
    events = [s.msg("agent", "sam", STEPS, start), s.msg("customer", "cust", LOST, start + 5)]
    return [replace(e, event_id=f"{ref.thread}-{e.event_id}") for e in events]


def timeline(events: Sequence[MessagePosted], timers: Sequence[float]) -> list[Step]:
    """Events and timer firings in time order (timers after events at the same time)."""
    steps: list[tuple[float, int, Step]] = [(e.sent_at, 0, e) for e in events]
    steps += [(t, 1, t) for t in timers]
    return [step for *_, step in sorted(steps, key=lambda s: (s[0], s[1]))]


def nudge_of(nudge_id: str, created_at: float) -> Nudge:
    return Nudge(nudge_id, REF, "sam", NudgeKind.FRUSTRATION, "h", (), "", None, "ev", created_at)


async def table_rows(store: SqlStore, table: sa.Table) -> list[sa.Row[Any]]:
    return await store.read(lambda conn: list(conn.execute(sa.select(table)).all()))


@dataclass
class Run:
    steps: list[object] = field(default_factory=list)  # what each step did
    sent: list[Nudge] = field(default_factory=list)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)  # final, by conversation


async def run_steps(steps: Sequence[Step], open_store: Callable[[], Awaitable[Store]]) -> Run:
    """One runtime working through ``steps``; RESTART closes the store and carries on with
    a new store and a new runtime."""
    clock, delivery, run = VirtualClock(0), RecordingDelivery(), Run()
    store = await open_store()
    runtime = make_runtime(store, delivery, clock)
    for step in steps:
        if step == RESTART:
            await store.close()
            store = await open_store()
            runtime = make_runtime(store, delivery, clock)
        elif isinstance(step, float):
            clock.advance_to(step)
            run.steps.append(("timers", await runtime.fire_timers()))
        else:
            assert isinstance(step, MessagePosted)
            clock.advance_to(step.sent_at)
            outcome = await runtime.process(step)
            run.steps.append((outcome.duplicate, [n.kind.value for n in outcome.nudges]))
    run.sent = delivery.sent
    run.states = {s.conversation.key: s.to_dict() for s in await store.open_states()}
    await store.close()
    return run


async def in_memory(steps: Sequence[Step]) -> Run:
    """The same steps with one MemoryStore that is never restarted: the reference."""
    memory = MemoryStore()

    async def same() -> Store:
        return memory

    return await run_steps([s for s in steps if s != RESTART], same)


# --- restarts ---------------------------------------------------------------------------


async def test_a_restart_continues_where_the_bot_stopped(database: Opener) -> None:
    s = Script(REF)
    hello = s.msg("agent", "sam", PLAIN, 0)
    angry = s.msg("customer", "cust", ANGRY, 10)
    reply = s.msg("agent", "sam", PLAIN, 700)
    again = s.msg("customer", "cust", ANGRY, 2000)
    steps: list[Step] = [hello, angry, RESTART, angry, 300.0, 611.0, RESTART, 611.0]
    steps += [reply, RESTART, reply, again, RESTART, 5000.0]

    restarted = await run_steps(steps, database)
    reference = await in_memory(steps)

    assert restarted.steps == [
        (False, []),
        (False, ["frustration"]),
        (True, []),  # redelivered after the restart: already processed, no second nudge
        ("timers", 0),
        ("timers", 1),  # the customer has waited 600 s: the timer survived the restart
        ("timers", 0),  # and does not fire again after another restart
        (False, ["acknowledge"]),  # the frustration noted before the restart is known
        (True, []),
        (False, ["frustration"]),
        ("timers", 1),
    ]
    assert restarted.steps == reference.steps
    ids = [n.nudge_id for n in restarted.sent]
    assert len(ids) == len(set(ids)) == 5
    assert restarted.sent == reference.sent
    assert restarted.states == reference.states
    assert [m[0] for m in restarted.states[REF.key]["messages"]] == ["m1", "m2", "m3", "m4"]


async def test_an_error_while_processing_leaves_the_event_unclaimed(database: Opener) -> None:
    store = await database()
    clock, delivery = VirtualClock(0), RecordingDelivery()
    runtime = make_runtime(store, delivery, clock, ScriptedDetectors({ANGRY: 0.9}, {PLAIN: 0.1}))
    hello, angry, *_ = events_for(REF)
    await runtime.process(hello)
    working = runtime.engine.step

    def crash(*args: Any, **kwargs: Any) -> Any:  # a bug in the engine
        raise RuntimeError("engine crashed")

    runtime.engine.step = crash  # type: ignore[method-assign]
    with pytest.raises(EngineFailure) as failure:
        await runtime.process(angry)
    assert isinstance(failure.value.__cause__, RuntimeError)
    assert delivery.sent == []
    assert [e.event_id for e in (await store.slice(0, 1e9)).events] == [hello.event_id]
    runtime.engine.step = working  # type: ignore[method-assign]
    outcome = await runtime.process(angry)  # redelivered by the platform: processed now
    assert not outcome.duplicate
    assert [n.kind for n in delivery.sent] == [NudgeKind.FRUSTRATION]


# --- several replicas on one database ----------------------------------------------------


async def test_replicas_given_the_same_events_process_each_once(database: Opener) -> None:
    store_a, store_b = await asyncio.gather(database(), database())
    clock = VirtualClock(0)
    sent_a, sent_b = RecordingDelivery(), RecordingDelivery()
    replicas = (make_runtime(store_a, sent_a, clock), make_runtime(store_b, sent_b, clock))
    other = ConversationRef("test", "W1", "C2", "T2")
    events = events_for(REF) + events_for(other, start=5)
    events += lost_in_steps(REF, 970) + lost_in_steps(other, 975)
    steps = timeline(events, (700.0, 2000.0, 5000.0))

    for step in steps:
        if isinstance(step, float):
            clock.advance_to(step)
            await asyncio.gather(*(r.fire_timers() for r in replicas))
            continue
        assert isinstance(step, MessagePosted)
        clock.advance_to(step.sent_at)
        outcomes = await asyncio.gather(*(r.process(step) for r in replicas))
        assert sorted(o.duplicate for o in outcomes) == [False, True], step.event_id

    sent = sent_a.sent + sent_b.sent
    assert len({n.nudge_id for n in sent}) == len(sent)  # each nudge delivered once in total
    reference = await in_memory(steps)
    assert sorted(n.nudge_id for n in sent) == sorted(n.nudge_id for n in reference.sent)
    assert {n.kind for n in sent} == set(NudgeKind) - {NudgeKind.ESCALATION}
    duplicates = sum(r.metrics.duplicates._value.get() for r in replicas)
    assert duplicates == len(events)
    assert len((await store_a.slice(0, 1e9)).events) == len(events)


async def test_events_split_across_replicas_give_the_single_replica_result(
    database: Opener,
) -> None:
    store_a, store_b = await asyncio.gather(database(), database())
    clock, sent = VirtualClock(0), RecordingDelivery()
    replicas = (make_runtime(store_a, sent, clock), make_runtime(store_b, sent, clock))
    scripts = [events_for(ConversationRef("test", "W1", f"C{i}", f"T{i}")) for i in range(4)]

    steps: list[Step] = []
    for k in range(len(scripts[0])):  # step k of every conversation happens at one time
        clock.advance_to(scripts[0][k].sent_at)
        batch = [script[k] for script in scripts]
        steps += batch
        # conversations concurrently; each one's events alternate between the replicas
        await asyncio.gather(*(replicas[(k + i) % 2].process(e) for i, e in enumerate(batch)))
    timers = [1600.0, 3400.0]  # one waiting reminder due at each (no catch-up)
    for t in timers:
        clock.advance_to(t)
        await asyncio.gather(*(r.fire_timers() for r in replicas))  # both tick; one nudges

    reference = await in_memory([*steps, *timers])
    states = {s.conversation.key: s.to_dict() for s in await store_b.open_states()}
    assert states == reference.states
    assert sorted(n.nudge_id for n in sent.sent) == sorted(n.nudge_id for n in reference.sent)


async def test_concurrent_events_of_one_conversation_are_not_lost(database: Opener) -> None:
    stores = await asyncio.gather(database(), database())
    clock = VirtualClock(100)
    replicas = [make_runtime(store, RecordingDelivery(), clock) for store in stores]
    s = Script(REF)
    messages = [s.msg("customer", f"cust{i}", PLAIN, 100) for i in range(8)]
    await asyncio.gather(*(replicas[i % 2].process(m) for i, m in enumerate(messages)))
    (state,) = await stores[0].open_states()
    assert sorted(m.message_id for m in state.messages) == sorted(m.message_id for m in messages)
    assert len(state.unanswered) == len(messages)


async def test_replicas_lease_each_pending_nudge_to_one_of_them(database: Opener) -> None:
    store_a, store_b = await asyncio.gather(database(), database())
    nudges = [nudge_of(f"n{i:02}", float(i)) for i in range(30)]
    async with store_a.transaction(REF.key) as tx:
        tx.save(ConversationState.new(REF), None, [], nudges, lease_until=0.0)
    got_a, got_b = await asyncio.gather(
        store_a.claim_nudges(10, 30, limit=20), store_b.claim_nudges(10, 30, limit=20)
    )
    ids_a, ids_b = {n.nudge_id for n in got_a}, {n.nudge_id for n in got_b}
    assert not ids_a & ids_b
    assert ids_a | ids_b == {n.nudge_id for n in nudges}
    assert await store_b.claim_nudges(39, 30) == []  # all leased until 40


@pytest.mark.postgres
async def test_postgres_locks_one_conversation_not_the_table(pg: PgSchema) -> None:  # noqa: F811
    store_a, store_b = await pg.open(), await pg.open()
    try:
        other = ConversationRef("test", "W1", "C2", "T2")
        clock = VirtualClock(0)
        replica_a = make_runtime(store_a, RecordingDelivery(), clock)
        replica_b = make_runtime(store_b, RecordingDelivery(), clock)
        s = Script(REF)
        await replica_a.process(s.msg("customer", "cust", PLAIN, 0))
        held = s.msg("customer", "cust", PLAIN, 1)
        # holds the conversation's row lock
        async with store_a.transaction(REF.key, event_record(held)) as tx:
            assert not tx.duplicate
            waiting = asyncio.create_task(replica_b.process(s.msg("customer", "c2", PLAIN, 2)))
            elsewhere = replace(Script(other).msg("customer", "cust", PLAIN, 2), event_id="o1")
            outcome = await asyncio.wait_for(replica_b.process(elsewhere), 10)
            assert not outcome.duplicate  # another conversation is not held up
            assert not waiting.done()
            tx.save(replica_a.engine.step(tx.state, held, 1).state, None, [], [], 0.0)
        await asyncio.wait_for(waiting, 10)
        (state,) = [s for s in await store_b.open_states() if s.conversation == REF]
        assert [m.message_id for m in state.messages] == ["m1", "m2", "m3"]  # it waited
    finally:
        await store_a.close()
        await store_b.close()


@pytest.mark.postgres
async def test_postgres_event_waiting_on_a_forget_starts_afresh(pg: PgSchema) -> None:  # noqa: F811
    store = await pg.open()
    try:
        runtime = make_runtime(store, RecordingDelivery(), VirtualClock(0))
        s = Script(REF)
        await runtime.process(s.msg("customer", "cust", PLAIN, 0))
        row = schema.conversations.c.key == REF.key
        other = create_async_engine(pg.url, connect_args=pg.connect_args, poolclass=NullPool)
        async with other.connect() as forget, forget.begin():  # as forget() does
            await forget.execute(sa.select(schema.conversations).where(row).with_for_update())
            later = asyncio.create_task(runtime.process(s.msg("customer", "cust", PLAIN, 1)))
            await until_a_lock_is_awaited(forget)  # the event waits for the row ...
            await forget.execute(sa.delete(schema.conversations).where(row))  # ... now gone
        await other.dispose()
        await asyncio.wait_for(later, 10)
        (state,) = await store.open_states()  # not lost to the deleted row
        assert [m.message_id for m in state.messages] == ["m2"]
    finally:
        await store.close()


async def until_a_lock_is_awaited(conn: Any) -> None:
    """Poll (no sleeping: each query lets other tasks run) until some backend waits for
    a lock; pg_locks is read live, not from a per-transaction snapshot."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    waiting = sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted")
    while not (await conn.execute(waiting)).scalar():
        assert loop.time() < deadline, "nothing ever waited for the lock"


# --- migrations --------------------------------------------------------------------------


def _schema_report(conn: Connection) -> tuple[str | None, set[str], list[Any]]:
    tables = set(sa.inspect(conn).get_table_names())
    diffs = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    return migrate.current(conn), tables, diffs


async def test_migrations_build_the_schema_and_rerun_as_a_no_op(database: Opener) -> None:
    store = await database()
    revision, tables, diffs = await store.read(_schema_report)
    assert revision == migrate.head() is not None
    assert tables == set(schema.metadata.tables) | {"alembic_version"}
    assert diffs == []  # the migrations build exactly what schema.py describes
    await store.add_command(1.0, "slack", "U1", "status", True)
    await store.close()

    again = await database()  # migrating an up-to-date database changes nothing
    assert await again.read(migrate.current) == migrate.head()
    versions = await again.read(
        lambda conn: conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    )
    assert [v[0] for v in versions] == [migrate.head()]
    assert len(await table_rows(again, schema.commands)) == 1


async def test_replicas_starting_together_migrate_once(database: Opener) -> None:
    stores = await asyncio.gather(*(database() for _ in range(3)))
    assert await stores[0].read(migrate.current) == migrate.head()


# --- message text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("runtime_text", "store_text", "expected"),
    [
        (False, False, None),
        (True, True, "mail me at [email] or [phone]"),
        (True, False, None),  # the store refuses text it was not configured to keep
    ],
)
async def test_text_is_stored_only_when_configured_and_redacted(
    database: Opener, runtime_text: bool, store_text: bool, expected: str | None
) -> None:
    store = await database(store_text=store_text)
    runtime = make_runtime(store, RecordingDelivery(), VirtualClock(0), store_text=runtime_text)
    s = Script(REF)
    await runtime.process(s.msg("agent", "sam", PLAIN, 0))
    await runtime.process(s.msg("customer", "cust", "mail me at jo@example.com or 555-123-4567", 1))
    texts = [e.text for e in (await store.slice(0, 10)).events]
    assert texts == [None if expected is None else PLAIN, expected]
    everything = [await table_rows(store, table) for table in schema.metadata.sorted_tables]
    assert "jo@example.com" not in repr(everything) and "555-123" not in repr(everything)


async def test_payloads_are_kept_only_until_delivered_or_for_the_inbox(database: Opener) -> None:
    store = await database()
    clock = VirtualClock(0)
    delivery = RecordingDelivery(
        [
            DeliveryResult(DeliveryStatus.RETRY, error="ratelimited", retry_after=5),
            DeliveryResult(DeliveryStatus.SENT, route="dm"),
            DeliveryResult(DeliveryStatus.KEPT, route="inbox"),
        ]
    )
    runtime = make_runtime(store, delivery, clock)
    s = Script(REF)
    await runtime.process(s.msg("agent", "sam", PLAIN, 0))
    await runtime.process(s.msg("agent", "ana", PLAIN, 0))
    await runtime.process(s.msg("customer", "cust", ANGRY, 1))  # a heads-up to each agent

    def payloads(rows: list[sa.Row[Any]]) -> dict[str, bool]:
        return {r.agent: r.payload is not None for r in rows}

    first, second = delivery.sent  # first: retry later; second: sent
    status = {r.agent: r.status for r in await table_rows(store, schema.nudges)}
    assert status == {first.agent: "pending", second.agent: "sent"}
    assert payloads(await table_rows(store, schema.nudges)) == {
        first.agent: True,  # still to be delivered
        second.agent: False,  # sent: the text is not needed any more
    }
    clock.advance_to(10)
    assert await runtime.retry_deliveries() == 1  # kept for the inbox this time
    assert payloads(await table_rows(store, schema.nudges))[first.agent]
    assert await store.inbox(first.agent) == [first]
