"""Customer history from the store (bot/reports/history.py, bot/store/customers_sql.py): what a
history is made of, on every store (memory, SQLite, PostgreSQL: skipped, saying why, when
no server is reachable); across restarts; within retention; and forgetting a customer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from adapters.base import DeliveryResult, DeliveryStatus
from bot.ops.clock import VirtualClock
from bot.reports.history import HistoryLookup, conversations, team
from bot.service.runtime import Runtime
from bot.store.base import Store
from bot.store.memory import MemoryStore
from bot.store.records import SignalRecord
from bot.store.sql import SqlStore
from coaching.engine import Engine
from coaching.policy import Policy
from coaching.types import ConversationRef, MessagePosted, Nudge, NudgeKind, PastConversation
from tests.helpers import Script, ScriptedDetectors
from tests.pg import fresh_schema

DAY = 86_400.0
T0 = 1_700_000_000.0
ANGRY, CALM, PLAIN = "angry", "calm", "plain"
A = ConversationRef("slack", "T1", "C1", "1.0")
B = ConversationRef("slack", "T1", "C2", "2.0")
C = ConversationRef("slack", "T1", "C3", "3.0")
ELSEWHERE = ConversationRef("slack", "T2", "C9", "9.0")  # another team's workspace
Opener = Callable[[], Awaitable[Store]]


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def reopen(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Opener]:
    """Opens the test's store; for SQL stores every call is a restart on the same data."""
    opened: list[Store] = []
    if request.param == "memory":
        memory = MemoryStore()

        async def same() -> Store:
            return memory

        yield same
        return
    if request.param == "sqlite":

        async def sqlite() -> Store:
            store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/coach.db")
            opened.append(store)
            return store

        try:
            yield sqlite
        finally:
            for store in opened:
                await store.close()
        return
    async with fresh_schema() as target:

        async def postgres() -> Store:
            store = await target.open()
            opened.append(store)
            return store

        try:
            yield postgres
        finally:
            for store in opened:
                await store.close()


class Delivered:
    def __init__(self) -> None:
        self.sent: list[Nudge] = []

    async def deliver(self, nudge: Nudge) -> DeliveryResult:
        self.sent.append(nudge)
        return DeliveryResult(DeliveryStatus.SENT, route="test")


def make_runtime(
    store: Store, delivery: Delivered, clock: VirtualClock, retention_days: float | None = None
) -> Runtime:
    engine = Engine(Policy(), ScriptedDetectors({ANGRY: 0.9}, {PLAIN: 0.1}))
    lookup = HistoryLookup(store, clock, 30, retention_days)
    return Runtime(engine, store, {"slack": delivery}, clock, history=lookup)


def left_angry(ref: ConversationRef, start: float, customer: str = "cust") -> list[MessagePosted]:
    """A conversation that ends with the customer frustrated (unresolved)."""
    s = Script(ref)
    events = [
        s.msg("customer", customer, CALM, start),
        s.msg("agent", "sam", PLAIN, start + 60),
        s.msg("customer", customer, ANGRY, start + 120),
    ]
    return [replace(e, event_id=f"{ref.channel}-{e.event_id}") for e in events]


def opens(ref: ConversationRef, start: float, customer: str = "cust") -> list[MessagePosted]:
    """A new conversation: the customer writes calmly, an agent answers twice."""
    s = Script(ref)
    events = [
        s.msg("customer", customer, CALM, start),
        s.msg("agent", "ana", PLAIN, start + 60),
        s.msg("agent", "ana", PLAIN, start + 90),
    ]
    return [replace(e, event_id=f"{ref.channel}-{e.event_id}") for e in events]


async def play(runtime: Runtime, clock: VirtualClock, events: Sequence[MessagePosted]) -> None:
    for event in events:
        clock.advance_to(event.sent_at)
        await runtime.process(event)


def briefs(delivery: Delivered) -> list[Nudge]:
    return [n for n in delivery.sent if n.kind is NudgeKind.HISTORY]


# --- what a history is made of ------------------------------------------------------------


def sig(
    conversation: str,
    at: float,
    fired: bool,
    kind: str = "frustration",
    cues: Sequence[str] = ("complaint",),
) -> SignalRecord:
    return SignalRecord(
        f"e{at}", conversation, kind, "cust", 0.9 if fired else 0.1, fired, tuple(cues), at
    )


@pytest.mark.parametrize(
    ("signals", "expected"),
    [
        # calm throughout
        ([sig("a", 1, False), sig("a", 2, False)], PastConversation(1, False, False, ())),
        # frustrated, then calm again: resolved
        ([sig("a", 1, True), sig("a", 2, False)], PastConversation(1, True, False, ("complaint",))),
        # left (closed or abandoned) while frustrated: unresolved
        ([sig("a", 1, False), sig("a", 2, True)], PastConversation(1, True, True, ("complaint",))),
        # escalated, even if calm at the end
        (
            [sig("a", 1, True), sig("a", 2, True, "escalation"), sig("a", 3, False)],
            PastConversation(1, True, True, ("complaint",), escalated=True),
        ),
        # main cues: support cues only, most frequent first
        (
            [
                sig("a", 1, True, cues=("waiting", "wording", "refund")),
                sig("a", 2, True, cues=("refund", "negative_tone")),
                sig("a", 3, False, cues=("gratitude",)),
            ],
            PastConversation(1, True, False, ("refund", "waiting", "negative_tone")),
        ),
        # signals out of order are put in order
        ([sig("a", 2, True), sig("a", 1, False)], PastConversation(1, True, True, ("complaint",))),
    ],
)
def test_a_past_conversation_from_its_signals(
    signals: list[SignalRecord], expected: PastConversation
) -> None:
    assert conversations(signals) == [("a", expected)]


def test_conversations_in_order_without_the_current_one() -> None:
    found = conversations([sig("b", 5, False), sig("a", 1, True), sig("now", 0, True)], "now")
    assert [key for key, _ in found] == ["a", "b"]


# --- the store contract ---------------------------------------------------------------------


async def test_customers_signals_by_customer_time_and_workspace(reopen: Opener) -> None:
    store = await reopen()
    clock, delivery = VirtualClock(T0), Delivered()
    runtime = make_runtime(store, delivery, clock)
    await play(runtime, clock, left_angry(A, T0))
    await play(runtime, clock, left_angry(B, T0 + DAY, customer="someone_else"))
    await play(runtime, clock, left_angry(ELSEWHERE, T0 + 2 * DAY))
    prefix = team(A)
    found = await store.customers_signals(["cust"], T0, T0 + 10 * DAY, prefix)
    assert [(s.conversation, s.kind, s.fired) for s in found] == [
        (A.key, "frustration", False),
        (A.key, "frustration", True),
    ]
    everywhere = await store.customers_signals(["cust"], T0, T0 + 10 * DAY)
    assert {s.conversation for s in everywhere} == {A.key, ELSEWHERE.key}
    # since <= at < until: the window's end is excluded, its start included
    assert len(await store.customers_signals(["cust"], T0, T0 + 120, prefix)) == 1
    assert len(await store.customers_signals(["cust"], T0 + 1, T0 + 121, prefix)) == 1
    both = await store.customers_signals(["cust", "someone_else"], T0, T0 + 10 * DAY, prefix)
    assert [(s.subject, s.conversation) for s in both] == [
        ("cust", A.key),
        ("cust", A.key),
        ("someone_else", B.key),
        ("someone_else", B.key),
    ]
    assert await store.customers_signals([], T0, T0 + 10 * DAY, prefix) == []
    # the prefix is matched literally ("_" is not a wildcard)
    assert await store.customers_signals(["cust"], T0, T0 + 10 * DAY, "slack:T_:") == []


async def test_history_survives_a_restart_and_briefs_the_next_agent(reopen: Opener) -> None:
    store = await reopen()
    clock, delivery = VirtualClock(T0), Delivered()
    await play(make_runtime(store, delivery, clock), clock, left_angry(A, T0))
    await play(make_runtime(store, delivery, clock), clock, opens(B, T0 + DAY))
    store = await reopen()  # a restart: a new store, a new runtime
    await play(make_runtime(store, delivery, clock), clock, opens(C, T0 + 2 * DAY))
    found = briefs(delivery)
    assert [(n.conversation, n.agent, n.customer) for n in found] == [
        (B, "ana", "cust"),
        (C, "ana", "cust"),
    ]
    assert found[0].reasons == (
        "2nd conversation in 7 days",
        "frustrated last time (complaint)",
        "the last one ended unresolved",
    )
    # C: 3rd in 7 days; last time (B) was calm and ended well
    assert found[1].reasons == ("3rd conversation in 7 days",)
    assert all(n.agent != "cust" for n in delivery.sent)


async def test_a_redelivered_opening_makes_no_second_brief_after_a_restart(reopen: Opener) -> None:
    store = await reopen()
    clock, delivery = VirtualClock(T0), Delivered()
    await play(make_runtime(store, delivery, clock), clock, left_angry(A, T0))
    first, reply, again = opens(B, T0 + DAY)
    await play(make_runtime(store, delivery, clock), clock, [first, reply])
    store = await reopen()
    runtime = make_runtime(store, delivery, clock)
    assert (await runtime.process(reply)).duplicate
    await play(runtime, clock, [again])
    assert len(briefs(delivery)) == 1


async def test_another_workspace_never_lends_its_history(reopen: Opener) -> None:
    store = await reopen()
    clock, delivery = VirtualClock(T0), Delivered()
    runtime = make_runtime(store, delivery, clock)
    await play(runtime, clock, left_angry(ELSEWHERE, T0))
    await play(runtime, clock, opens(A, T0 + DAY))
    assert briefs(delivery) == []


async def test_retention_bounds_the_history(reopen: Opener) -> None:
    store = await reopen()
    clock, delivery = VirtualClock(T0), Delivered()
    await play(make_runtime(store, delivery, clock), clock, left_angry(A, T0))
    # 5 days later, kept 3 days: the old conversation is past retention, purged or not
    await play(
        make_runtime(store, delivery, clock, retention_days=3), clock, opens(B, T0 + 5 * DAY)
    )
    assert briefs(delivery) == []
    # without the retention bound it would have counted (unpurged rows)...
    await play(make_runtime(store, delivery, clock), clock, opens(C, T0 + 5 * DAY + 600))
    assert [n.conversation for n in briefs(delivery)] == [C]
    # ... and once purged it is gone for everyone
    await store.purge(T0 + 4 * DAY)
    assert await store.customers_signals(["cust"], 0, T0 + 4 * DAY) == []


async def test_forgetting_a_customer_erases_every_conversation_they_wrote_in(
    reopen: Opener,
) -> None:
    store = await reopen()
    clock, delivery = VirtualClock(T0), Delivered()
    runtime = make_runtime(store, delivery, clock)
    await play(runtime, clock, left_angry(A, T0))
    await play(runtime, clock, opens(B, T0 + DAY))
    await play(runtime, clock, left_angry(C, T0 + DAY, customer="other"))
    await play(runtime, clock, left_angry(ELSEWHERE, T0 + DAY))
    assert briefs(delivery)

    removed = await store.forget_customer("cust", team(A))
    assert removed > 0
    data = await store.slice(0, 1e12)
    assert {e.conversation for e in data.events} == {C.key, ELSEWHERE.key}
    assert {n.conversation for n in data.nudges} <= {C.key, ELSEWHERE.key}
    assert all(e.author != "cust" for e in data.events if e.conversation != ELSEWHERE.key)
    assert {s.conversation.key for s in await store.open_states()} == {C.key, ELSEWHERE.key}
    assert await store.customers_signals(["cust"], 0, 1e12, team(A)) == []
    assert await store.forget_customer("cust", team(A)) == 0

    assert await store.forget_customer("cust") > 0  # everywhere: the other workspace too
    data = await store.slice(0, 1e12)
    assert {e.conversation for e in data.events} == {C.key}
    store = await reopen()  # and it stays forgotten across a restart
    assert await store.customers_signals(["cust"], 0, 1e12) == []


async def test_forgetting_finds_a_customer_only_a_state_still_names(reopen: Opener) -> None:
    # Retention purged the messages, but a conversation still waiting on a timer keeps
    # its state, which names the customer.
    store = await reopen()
    clock, delivery = VirtualClock(T0), Delivered()
    s = Script(A)
    promise = s.msg("agent", "sam", "I'll get back to you within 2 days.", T0 + 60)
    await play(
        make_runtime(store, delivery, clock), clock, [s.msg("customer", "cust", CALM, T0), promise]
    )
    await store.purge(T0 + 61)
    assert (await store.slice(0, 1e12)).events == []
    assert [s.customers for s in await store.open_states()] == [("cust",)]
    assert await store.forget_customer("cust") == 1
    assert await store.open_states() == []


async def test_a_forgotten_customer_gets_no_brief_from_what_was_forgotten(reopen: Opener) -> None:
    store = await reopen()
    clock, delivery = VirtualClock(T0), Delivered()
    runtime = make_runtime(store, delivery, clock)
    await play(runtime, clock, left_angry(A, T0))
    first, reply, _ = opens(B, T0 + DAY)
    await play(runtime, clock, [first])
    await store.forget_customer("cust")  # between their first message and the agent's reply
    await play(runtime, clock, [reply])
    assert briefs(delivery) == []


def count_reads(store: Store) -> list[tuple[str, list[str]]]:
    """Records each history read the store is asked for: (workspace prefix, customers)."""
    calls: list[tuple[str, list[str]]] = []
    original = store.customers_signals

    async def counting(
        customers: list[str], since: float, until: float, prefix: str = ""
    ) -> list[SignalRecord]:
        calls.append((prefix, customers))
        return await original(customers, since, until, prefix)

    store.customers_signals = counting  # type: ignore[method-assign]
    return calls


async def test_one_lookup_per_customer_and_conversation(reopen: Opener) -> None:
    store = await reopen()
    calls = count_reads(store)
    clock, delivery = VirtualClock(T0), Delivered()
    runtime = make_runtime(store, delivery, clock)
    s = Script(A)
    await play(
        runtime,
        clock,
        [
            s.msg("customer", "cust", CALM, T0),
            s.msg("agent", "sam", PLAIN, T0 + 1),
            s.msg("customer", "cust", CALM, T0 + 2),
            s.msg("customer", "pat", CALM, T0 + 3),
            s.msg("customer", "cust", ANGRY, T0 + 4),
        ],
    )
    assert calls == [(team(A), ["cust"]), (team(A), ["pat"])]


async def test_a_batch_reads_histories_once_per_workspace_each_customer_their_own(
    reopen: Opener,
) -> None:
    store = await reopen()
    clock, delivery = VirtualClock(T0), Delivered()
    setup = make_runtime(store, delivery, clock)
    await play(setup, clock, left_angry(A, T0))  # cust: once, left frustrated
    await play(setup, clock, opens(B, T0 + 600, customer="pat"))  # pat: twice, calm
    await play(setup, clock, opens(C, T0 + 1200, customer="pat"))
    calls = count_reads(store)
    later = T0 + DAY
    d, e = ConversationRef("slack", "T1", "C4", "4.0"), ConversationRef("slack", "T1", "C5", "5.0")
    other_team = ConversationRef("slack", "T2", "C8", "8.0")
    batch = [
        *opens(d, later, customer="cust"),
        *opens(e, later + 5, customer="pat"),
        *opens(ConversationRef("slack", "T1", "C6", "6.0"), later + 10, customer="newbie"),
        *opens(other_team, later + 15, customer="cust"),  # cust's history is T1's, not T2's
    ]
    batch.sort(key=lambda event: event.sent_at)
    clock.advance_to(batch[-1].sent_at)
    runtime = Runtime(
        Engine(Policy(), ScriptedDetectors({ANGRY: 0.9}, {PLAIN: 0.1})),
        store,
        {"slack": delivery},
        clock,
        history=HistoryLookup(store, clock, 30),
        workers=1,
    )
    for event in batch:  # all stored before the one worker starts: a single lease
        assert await runtime.submit(event)
    await runtime.start()
    try:
        await runtime.drain()
    finally:
        await runtime.stop()
    assert calls == [(team(A), ["cust", "newbie", "pat"]), (team(other_team), ["cust"])]
    found = {(n.conversation, n.customer): n.reasons for n in briefs(delivery)}
    assert found == {  # newbie has no history; cust has none in T2
        (d, "cust"): (
            "2nd conversation in 7 days",
            "frustrated last time (complaint)",
            "the last one ended unresolved",
        ),
        (e, "pat"): ("3rd conversation in 7 days",),
    }
