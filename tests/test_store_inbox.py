"""The write-ahead inbox in every store (MemoryStore, SQLite, PostgreSQL): events kept
once, leased by conversation to one owner at a time and in order, taken over when a
lease runs out, and removed only by the batch that processes them. And on one database
shared by replicas (SQLite and PostgreSQL): leases taken at the same moment never
overlap, and a whole burst is processed once, in order, by runtimes working side by side."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.ops.clock import VirtualClock
from bot.service import event_codec
from bot.store.base import Store
from bot.store.records import EventRecord
from coaching.types import ConversationRef, MessagePosted, Role
from tests.test_store_contract import A, B, C, store  # noqa: F401  (store is a fixture)
from tests.test_store_sql import (  # noqa: F401  (database is a fixture)
    ANGRY,
    PLAIN,
    Opener,
    RecordingDelivery,
    database,
    make_runtime,
)


def row(event_id: str, ref: ConversationRef, at: float = 1.0) -> dict[str, Any]:
    event = MessagePosted(event_id, ref, f"m-{event_id}", "cust", Role.CUSTOMER, "hi", at)
    return {
        "event_id": event_id,
        "conversation": ref.key,
        "payload": event_codec.dumps(event),
        "received_at": at,
    }


async def test_an_event_waiting_is_kept_once(store: Store) -> None:  # noqa: F811
    await store.inbox_put([row("e1", A), row("e2", A)])
    await store.inbox_put([row("e2", A), row("e3", B), row("e3", B)])  # redeliveries
    assert await store.inbox_backlog() == 3
    leased = await store.inbox_lease("one", 1.0, 30.0, 5, 10)
    assert [p.event_id for p in leased] == ["e1", "e2", "e3"]


async def test_leases_hand_out_whole_conversations_in_order_to_one_owner(store: Store) -> None:  # noqa: F811
    await store.inbox_put([row("a1", A), row("b1", B), row("a2", A), row("c1", C)])
    first = await store.inbox_lease("one", 100.0, 30.0, conversations=2, events=10)
    assert [(p.event_id, p.conversation) for p in first] == [
        ("a1", A.key),
        ("b1", B.key),
        ("a2", A.key),
    ]  # the two conversations waiting longest, all their events, in arrival order
    second = await store.inbox_lease("two", 100.0, 30.0, conversations=5, events=10)
    assert [p.event_id for p in second] == ["c1"]  # never a conversation leased to "one"
    assert await store.inbox_lease("three", 129.0, 30.0, 5, 10) == []  # all held until 130
    again = await store.inbox_lease("one", 110.0, 30.0, 5, 10)  # an owner keeps its own
    assert [p.event_id for p in again] == ["a1", "b1", "a2"]
    await store.inbox_release("one", [A.key])
    assert [p.event_id for p in await store.inbox_lease("two", 111.0, 30.0, 5, 10)] == [
        "a1",
        "a2",
        "c1",
    ]  # released: anyone may take it at once
    taken = await store.inbox_lease("three", 141.0, 30.0, 5, 10)  # the leases ran out
    assert [p.event_id for p in taken] == ["a1", "b1", "a2", "c1"]


async def test_a_lease_cut_short_by_the_event_limit_carries_on_in_order(store: Store) -> None:  # noqa: F811
    await store.inbox_put([row(f"a{n}", A) for n in range(5)])
    first = await store.inbox_lease("one", 1.0, 30.0, 5, events=2)
    async with store.batch([A.key], [], [p.seq for p in first]):
        pass
    rest = await store.inbox_lease("one", 2.0, 30.0, 5, events=10)
    assert [p.event_id for p in first + rest] == [f"a{n}" for n in range(5)]


async def test_only_the_batch_that_processes_events_removes_them(store: Store) -> None:  # noqa: F811
    await store.inbox_put([row("a1", A), row("a2", A)])
    leased = await store.inbox_lease("one", 1.0, 30.0, 5, 10)
    record = EventRecord("a1", A.key, "posted", "m-a1", "cust", "customer", 1.0)
    with pytest.raises(RuntimeError):
        async with store.batch([A.key], [record], [leased[0].seq]):
            raise RuntimeError("the store failed mid-batch")
    assert await store.inbox_backlog() == 2  # rolled back: still waiting, not claimed
    async with store.batch([A.key], [record], [leased[0].seq]) as tx:
        assert tx.claimed == {"a1"}
    assert await store.inbox_backlog() == 1
    assert [p.event_id for p in await store.inbox_lease("one", 2.0, 30.0, 5, 10)] == ["a2"]


async def test_a_lease_says_which_events_were_processed_before(store: Store) -> None:  # noqa: F811
    await store.inbox_put([row("a1", A)])
    leased = await store.inbox_lease("one", 1.0, 30.0, 5, 10)
    assert [p.processed for p in leased] == [False]
    record = EventRecord("a1", A.key, "posted", "m-a1", "cust", "customer", 1.0)
    async with store.batch([A.key], [record], [leased[0].seq], ("one", [A.key])):
        pass
    await store.inbox_put([row("a1", A), row("a2", A)])  # the platform's retry, and a new one
    again = await store.inbox_lease("one", 2.0, 30.0, 5, 10)
    assert [(p.event_id, p.processed) for p in again] == [("a1", True), ("a2", False)]


async def test_a_batch_ends_its_leases_in_its_own_commit_and_only_then(store: Store) -> None:  # noqa: F811
    await store.inbox_put([row("a1", A), row("b1", B)])
    leased = await store.inbox_lease("one", 1.0, 30.0, 5, 10)
    record = EventRecord("a1", A.key, "posted", "m-a1", "cust", "customer", 1.0)
    with pytest.raises(RuntimeError):
        async with store.batch([A.key], [record], [leased[0].seq], ("one", [A.key, B.key])):
            raise RuntimeError("the store failed mid-batch")
    assert await store.inbox_lease("two", 2.0, 30.0, 5, 10) == []  # rolled back: still held
    async with store.batch([A.key], [record], [leased[0].seq], ("one", [A.key, B.key])):
        pass
    # one commit: a1 processed and both leases ended, so b1 is anyone's at once
    assert [p.event_id for p in await store.inbox_lease("two", 3.0, 30.0, 5, 10)] == ["b1"]


async def test_forget_drops_what_waits_for_the_conversation(store: Store) -> None:  # noqa: F811
    await store.inbox_put([row("a1", A), row("b1", B)])
    await store.forget(A.key)
    assert [p.event_id for p in await store.inbox_lease("one", 1.0, 30.0, 5, 10)] == ["b1"]


# --- replicas on one database ----------------------------------------------------------


async def test_replicas_leasing_at_once_never_share_a_conversation(database: Opener) -> None:  # noqa: F811
    stores = await asyncio.gather(*(database() for _ in range(3)))
    refs = [ConversationRef("test", "W", "C", f"T{n}") for n in range(60)]
    await stores[0].inbox_put([row(f"{r.thread}-{k}", r) for k in range(3) for r in refs])
    leased = await asyncio.gather(
        *(s.inbox_lease(f"owner{n}", 1.0, 30.0, 25, 1000) for n, s in enumerate(stores))
    )
    owners = [{p.conversation for p in batch} for batch in leased]
    assert sum(len(o) for o in owners) == len(set().union(*owners))  # disjoint
    for batch in leased:  # each with all its conversations' events, in order
        for conversation in {p.conversation for p in batch}:
            mine = [p.event_id.rsplit("-", 1)[1] for p in batch if p.conversation == conversation]
            assert mine == ["0", "1", "2"]


async def test_runtimes_side_by_side_process_a_burst_once_and_in_order(database: Opener) -> None:  # noqa: F811
    stores = await asyncio.gather(database(), database())
    clock = VirtualClock(10)  # no customer has waited long: heads-ups only
    deliveries = [RecordingDelivery(), RecordingDelivery()]
    runtimes = [
        make_runtime(s, d, clock, workers=2, lease_seconds=30.0)
        for s, d in zip(stores, deliveries, strict=True)
    ]
    refs = [ConversationRef("test", "W", "C", f"T{n}") for n in range(40)]
    events = []
    for ref in refs:
        events.append(
            MessagePosted(f"{ref.thread}-0", ref, f"{ref.thread}-m0", "sam", Role.AGENT, PLAIN, 1)
        )
        for k in range(1, 4):
            text = ANGRY if k == 1 else PLAIN
            events.append(
                MessagePosted(
                    f"{ref.thread}-{k}",
                    ref,
                    f"{ref.thread}-m{k}",
                    "cust",
                    Role.CUSTOMER,
                    text,
                    1 + k,
                )
            )
    for runtime in runtimes:
        await runtime.start()
    try:
        # every event reaches both replicas (Slack's retries, a load balancer's doubts)
        for n, event in enumerate(events):
            for runtime in (runtimes[n % 2], runtimes[(n + 1) % 2]):
                assert await runtime.submit(event)
        await asyncio.gather(*(r.drain() for r in runtimes))
    finally:
        for runtime in runtimes:
            await runtime.stop()
    sent = deliveries[0].sent + deliveries[1].sent
    assert {n.kind.value for n in sent} == {"frustration"}
    assert sorted(n.conversation.thread for n in sent) == sorted(r.thread for r in refs)
    states = {s.conversation.thread: s for s in await stores[0].open_states()}
    for ref in refs:
        assert [m.message_id for m in states[ref.thread].messages] == [
            f"{ref.thread}-m{k}" for k in range(4)
        ]  # each event once, in order
