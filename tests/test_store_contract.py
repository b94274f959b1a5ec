"""The storage contract (bot/store/base.py), one suite for every implementation:
MemoryStore, SqlStore on SQLite and SqlStore on PostgreSQL (skipped, saying why, when no
server is reachable)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from bot.store.base import Slice, SliceFilter, Store
from bot.store.memory import MemoryStore
from bot.store.records import EventRecord, FeedbackRecord, SignalRecord
from bot.store.sql import SqlStore
from coaching.state import AckDue, ConversationState, Frustration, MessageSeen, Pending
from coaching.types import ConversationRef, Nudge, NudgeKind, Role
from tests.pg import fresh_schema

A = ConversationRef("test", "W1", "C1", "T1")
B = ConversationRef("test", "W1", "C2", "T2")
C = ConversationRef("test", "W2", "C3", "T3")
D = ConversationRef("test", "W2", "C4", "T4")


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    if request.param == "sqlite":
        sqlite = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/coach.db")
        try:
            yield sqlite
        finally:
            await sqlite.close()
        return
    async with fresh_schema() as target:
        postgres = await target.open()
        try:
            yield postgres
        finally:
            await postgres.close()


# --- builders --------------------------------------------------------------------------


def state_of(ref: ConversationRef, at: float, *, closed: bool = False) -> ConversationState:
    return replace(ConversationState.new(ref), last_activity=at, closed=closed)


def rich_state(ref: ConversationRef) -> ConversationState:
    """A state using every field, to check it survives storage unchanged."""
    frustration = Frustration("m2", "ev2", "cust", 10.5, ("complaint",), ("uses complaint words",))
    return replace(
        ConversationState.new(ref),
        agents=("ana", "sam"),
        customers=("cust",),
        owner="cust",
        scores={"cust": (0.1, 0.8125)},
        unanswered=(Pending("m2", "ev2", "cust", 10.5),),
        waiting_reminders=1,
        frustration=frustration,
        ack_due=AckDue("sam", "ev3", 99.25, frustration),
        escalated_at=12.0,
        last_nudged={"sam|frustration": 10.5},
        messages=(
            MessageSeen("m1", "sam", Role.AGENT, 1.0),
            MessageSeen("m2", "cust", Role.CUSTOMER, 10.5),
        ),
        last_activity=10.5,
    )


def event_of(event_id: str, ref: ConversationRef, at: float) -> EventRecord:
    return EventRecord(event_id, ref.key, "posted", f"m-{event_id}", "cust", "customer", at)


def reply_of(event_id: str, ref: ConversationRef, agent: str, at: float) -> EventRecord:
    return EventRecord(event_id, ref.key, "posted", f"m-{event_id}", agent, "agent", at)


def signal_of(event_id: str, ref: ConversationRef, at: float) -> SignalRecord:
    return SignalRecord(
        event_id, ref.key, "frustration", "cust", 0.75, True, ("complaint", "caps"), at
    )


def nudge_of(
    nudge_id: str, ref: ConversationRef = A, at: float = 10.0, agent: str = "sam"
) -> Nudge:
    return Nudge(
        nudge_id=nudge_id,
        conversation=ref,
        agent=agent,
        kind=NudgeKind.FRUSTRATION,
        headline="cust sounds frustrated",
        reasons=("uses complaint words", "writes in capitals"),
        suggestion="I'm sorry about this — let me fix it now.",
        customer="cust",
        trigger_event=f"trigger-{nudge_id}",
        created_at=at,
    )


async def record(
    store: Store,
    ref: ConversationRef,
    event_id: str,
    at: float,
    *,
    nudges: Sequence[Nudge] = (),
    deadline: float | None = None,
    state: ConversationState | None = None,
    lease_until: float = 0.0,
) -> list[Nudge]:
    """Process one (pretend) event as the runtime does: claim it up front and save its
    outcome; returns tx.inserted."""
    async with store.transaction(ref.key, event_of(event_id, ref, at)) as tx:
        assert not tx.duplicate
        tx.save(
            state or state_of(ref, at),
            deadline,
            [signal_of(event_id, ref, at)],
            list(nudges),
            lease_until,
        )
    return tx.inserted


async def statuses(store: Store) -> dict[str, tuple[str, int]]:
    data = await store.slice(0, 1e12)
    return {n.nudge_id: (n.status, n.attempts) for n in data.nudges}


# --- transactions ----------------------------------------------------------------------


async def test_a_transaction_sees_the_state_last_saved(store: Store) -> None:
    async with store.transaction(A.key) as tx:
        assert tx.state is None
    await record(store, A, "ev1", 10.5, state=rich_state(A), deadline=99.25)
    async with store.transaction(A.key) as tx:
        assert tx.state == rich_state(A)
    async with store.transaction(B.key) as tx:
        assert tx.state is None


async def test_an_event_given_to_the_transaction_is_claimed_and_recorded(store: Store) -> None:
    ev1 = event_of("ev1", A, 10)
    async with store.transaction(A.key, ev1) as tx:
        assert not tx.duplicate and tx.state is None
        tx.save(state_of(A, 10), None, [signal_of("ev1", A, 10)], [], 0.0)
    assert (await store.slice(0, 100)).events == [ev1]
    async with store.transaction(A.key, ev1) as tx:
        assert tx.duplicate  # a redelivery
        assert tx.state == state_of(A, 10)
    async with store.transaction(B.key, replace(ev1, conversation=B.key)) as tx:
        assert tx.duplicate  # event ids are unique across conversations
    assert (await store.slice(0, 100)).events == [ev1]
    assert [s.event_id for s in (await store.slice(0, 100)).signals] == ["ev1"]


async def test_an_event_claimed_up_front_stays_claimed_without_save(store: Store) -> None:
    ev1 = event_of("ev1", A, 10)
    async with store.transaction(A.key, ev1) as tx:
        assert not tx.duplicate
    assert (await store.slice(0, 100)).events == [ev1]
    assert await store.open_states() == []
    async with store.transaction(A.key, ev1) as tx:
        assert tx.duplicate


async def test_one_event_given_to_concurrent_transactions_is_claimed_once(store: Store) -> None:
    ev1 = event_of("ev1", A, 10)

    async def process() -> bool:
        async with store.transaction(A.key, ev1) as tx:
            if tx.duplicate:
                return False
            await asyncio.sleep(0)  # let the other one try meanwhile
            tx.save(state_of(A, 10), None, [], [nudge_of("n1")], 0.0)
        return tx.inserted == [nudge_of("n1")]

    assert sorted(await asyncio.gather(process(), process())) == [False, True]
    assert (await store.slice(0, 100)).events == [ev1]


async def test_an_exception_rolls_everything_back(store: Store) -> None:
    class Boom(Exception):
        pass

    ev1 = event_of("ev1", A, 10)
    with pytest.raises(Boom):
        async with store.transaction(A.key, ev1) as tx:
            assert not tx.duplicate
            tx.save(rich_state(A), 50.0, [signal_of("ev1", A, 10)], [nudge_of("n1")], 0.0)
            raise Boom
    assert tx.inserted == []
    assert await store.slice(0, 1e12) == Slice()
    assert await store.due(1e12) == []
    assert await store.open_states() == []
    assert await store.claim_nudges(1e12, 30) == []
    assert not await store.add_feedback(FeedbackRecord("n1", "sam", True, 11))
    async with store.transaction(A.key, ev1) as tx:
        assert tx.state is None
        assert not tx.duplicate  # the event was never claimed: it can be processed now


async def test_inserted_holds_only_nudges_not_stored_before(store: Store) -> None:
    n1, n2 = nudge_of("n1"), nudge_of("n2", at=11)
    assert await record(store, A, "ev1", 10, nudges=[n1]) == [n1]
    assert await record(store, A, "ev2", 11, nudges=[n1, n2]) == [n2]
    assert await record(store, A, "ev3", 12, nudges=[n1, n2]) == []
    assert [n.nudge_id for n in (await store.slice(0, 100)).nudges] == ["n1", "n2"]


async def test_transactions_on_one_conversation_take_turns(store: Store) -> None:
    async def add_agent(name: str) -> None:
        async with store.transaction(A.key) as tx:
            state = tx.state or ConversationState.new(A)
            await asyncio.sleep(0)  # let the others run between reading and saving
            tx.save(state.with_agent(name), None, [], [], 0.0)

    names = [f"agent{i}" for i in range(6)]
    await asyncio.gather(*(add_agent(n) for n in names))
    async with store.transaction(A.key) as tx:
        assert tx.state is not None and sorted(tx.state.agents) == names


async def test_read_states_gives_what_is_stored_without_a_transaction(store: Store) -> None:
    async with store.transaction(A.key) as tx:
        tx.save(rich_state(A), None, [], [], 0.0)
    async with store.transaction(B.key) as tx:
        tx.save(state_of(B, 5), None, [], [], 0.0)
    found = await store.read_states([B.key, A.key, C.key, A.key])
    assert found == {A.key: rich_state(A), B.key: state_of(B, 5)}  # C has none
    assert await store.read_states([]) == {}


# --- timers and the outbox ---------------------------------------------------------------


async def test_due_lists_conversations_whose_deadline_passed(store: Store) -> None:
    await record(store, A, "ev1", 1, deadline=50)
    await record(store, B, "ev2", 2, deadline=30)
    await record(store, C, "ev3", 3, deadline=None)
    assert await store.due(29.9) == []
    assert await store.due(30) == [B.key]
    assert await store.due(1000) == [B.key, A.key]
    assert await store.due(1000, limit=1) == [B.key]
    await record(store, B, "ev4", 4, deadline=None)  # the timer is no longer needed
    assert await store.due(1000) == [A.key]


async def test_claim_nudges_leases_pending_nudges(store: Store) -> None:
    n1, n2, n3 = nudge_of("n1", at=10), nudge_of("n2", at=11), nudge_of("n3", B, at=12)
    await record(store, A, "ev1", 10, nudges=[n1], lease_until=40)  # being delivered
    await record(store, A, "ev2", 11, nudges=[n2])
    await record(store, B, "ev3", 12, nudges=[n3])
    assert await store.claim_nudges(39, lease=30) == [n2, n3]  # n1 still leased
    assert await store.claim_nudges(39, lease=30) == []  # n2, n3 leased until 69
    assert await store.claim_nudges(40, lease=30) == [n1]  # a lease ending at `now` is over
    assert await store.claim_nudges(69, lease=30, limit=1) == [n2]
    assert await store.claim_nudges(69, lease=30, limit=5) == [n3]
    assert await store.claim_nudges(100, lease=30) == [n1, n2, n3]


async def test_claim_nudges_gives_up_after_max_attempts(store: Store) -> None:
    await record(store, A, "ev1", 10, nudges=[nudge_of("n1")])
    for attempt in range(3):
        now = 100.0 * (attempt + 1)
        assert await store.claim_nudges(now, lease=30, max_attempts=3) == [nudge_of("n1")]
        await store.finish_nudge("n1", "pending", "dm", "ratelimited", now, retry_at=now + 5)
    assert await statuses(store) == {"n1": ("pending", 3)}
    assert await store.claim_nudges(1000, lease=30, max_attempts=3) == []
    (failed,) = (await store.slice(0, 100)).nudges
    assert (failed.status, failed.error, failed.attempts) == ("failed", "gave_up", 3)
    assert await store.claim_nudges(2000, lease=30, max_attempts=3) == []


async def test_finish_nudge_records_the_outcome(store: Store) -> None:
    await record(store, A, "ev1", 10, nudges=[nudge_of("n1"), nudge_of("n2"), nudge_of("n3")])
    await store.finish_nudge("n1", "sent", "ephemeral", "", 11)
    await store.finish_nudge("n2", "pending", "", "timeout", 12, retry_at=50)
    await store.finish_nudge("n3", "failed", "", "no_adapter", 13)
    await store.finish_nudge("unknown", "sent", "dm", "", 14)  # ignored
    by_id = {n.nudge_id: n for n in (await store.slice(0, 100)).nudges}
    assert set(by_id) == {"n1", "n2", "n3"}
    sent, retry, failed = by_id["n1"], by_id["n2"], by_id["n3"]
    assert (sent.status, sent.route, sent.delivered_at, sent.attempts) == (
        "sent",
        "ephemeral",
        11,
        1,
    )
    assert (retry.status, retry.error, retry.delivered_at, retry.attempts) == (
        "pending",
        "timeout",
        None,
        1,
    )
    assert (failed.status, failed.error, failed.delivered_at) == ("failed", "no_adapter", None)
    assert await store.claim_nudges(49, lease=30) == []  # retry_at is the new lease
    assert await store.claim_nudges(50, lease=30) == [nudge_of("n2")]  # sent/failed: never


async def test_inbox_lists_kept_nudges_newest_first(store: Store) -> None:
    kept = [nudge_of(f"k{i}", at=10 + i) for i in range(3)]
    others = [nudge_of("sent", at=20), nudge_of("ana", at=21, agent="ana")]
    await record(store, A, "ev1", 10, nudges=kept + others)
    for nudge in [*kept, others[1]]:
        await store.finish_nudge(nudge.nudge_id, "kept", "inbox", "", 30)
    await store.finish_nudge("sent", "sent", "dm", "", 30)
    assert await store.inbox("sam") == kept[::-1]
    assert await store.inbox("sam", limit=2) == [kept[2], kept[1]]
    assert await store.inbox("ana") == [others[1]]
    assert await store.inbox("nobody") == []


# --- feedback, commands, summaries ----------------------------------------------------------


async def test_feedback_second_click_updates_and_only_the_nudges_agent_counts(
    store: Store,
) -> None:
    await record(store, A, "ev1", 10, nudges=[nudge_of("n1"), nudge_of("n2", agent="ana")])
    assert not await store.add_feedback(FeedbackRecord("nope", "sam", True, 11))
    assert await store.add_feedback(FeedbackRecord("n1", "sam", True, 11))
    assert await store.add_feedback(FeedbackRecord("n1", "sam", False, 12))
    assert not await store.add_feedback(FeedbackRecord("n1", "ana", True, 13))  # not hers
    assert await store.add_feedback(FeedbackRecord("n2", "ana", True, 14))
    feedback = sorted((await store.slice(0, 100)).feedback, key=lambda f: f.user)
    assert feedback == [
        FeedbackRecord("n2", "ana", True, 14),
        FeedbackRecord("n1", "sam", False, 12),
    ]


async def test_slice_filters_by_time_and_conversation(store: Store) -> None:
    for i, at in enumerate((10.0, 15.0, 20.0, 30.0)):
        for ref in (A, B):
            n = nudge_of(f"n-{ref.channel}-{i}", ref, at)
            await record(store, ref, f"ev-{ref.channel}-{i}", at, nudges=[n])
            assert await store.add_feedback(FeedbackRecord(n.nudge_id, "sam", True, at + 100))

    def ids(found: Sequence[EventRecord | SignalRecord]) -> list[str]:
        return sorted(r.event_id for r in found)

    part = await store.slice(15, 30)  # since included, until excluded
    assert ids(part.events) == ["ev-C1-1", "ev-C1-2", "ev-C2-1", "ev-C2-2"]
    assert ids(part.signals) == ids(part.events)
    assert sorted(n.nudge_id for n in part.nudges) == ["n-C1-1", "n-C1-2", "n-C2-1", "n-C2-2"]
    assert sorted(f.nudge_id for f in part.feedback) == sorted(n.nudge_id for n in part.nudges)

    only_a = await store.slice(15, 30, SliceFilter(conversation=A.key))
    assert ids(only_a.events) == ["ev-C1-1", "ev-C1-2"]
    assert ids(only_a.signals) == ["ev-C1-1", "ev-C1-2"]
    assert sorted(n.nudge_id for n in only_a.nudges) == ["n-C1-1", "n-C1-2"]
    assert sorted(f.nudge_id for f in only_a.feedback) == ["n-C1-1", "n-C1-2"]
    assert only_a.events[0] == event_of("ev-C1-1", A, 15)
    assert only_a.signals[0] == signal_of("ev-C1-1", A, 15)
    assert await store.slice(15, 30, SliceFilter(conversation="test:W1:C9:T9")) == Slice()


async def test_slice_filters_by_platform_workspace_channel_and_agent(store: Store) -> None:
    """What /coach summary and /coach me read: the store does the filtering."""
    other = ConversationRef("slack", "W1", "C1", "T1")  # same ids, another platform
    for ref, agent in ((A, "sam"), (B, "ana"), (C, "sam"), (other, "sam")):
        async with store.transaction(ref.key, reply_of(f"r-{ref.key}", ref, agent, 10)) as tx:
            n = nudge_of(f"n-{ref.key}", ref, 10, agent=agent)
            tx.save(state_of(ref, 10), None, [signal_of(f"r-{ref.key}", ref, 10)], [n], 0)
        await record(
            store, ref, f"c-{ref.key}", 11, nudges=[nudge_of(f"x-{ref.key}", ref, 11, "bo")]
        )

    def keys(where: SliceFilter) -> set[str]:
        return {e.conversation for e in found[where].events}

    wheres = [
        SliceFilter("test", "W1"),
        SliceFilter("test", "W1", channel="C2"),
        SliceFilter("test", None, channel="C3"),  # the command line: no workspace
        SliceFilter("test", "W1", agent="sam"),
        SliceFilter(agent="sam"),
        SliceFilter("test", "W2", agent="ana"),
    ]
    found = {where: await store.slice(0, 100, where) for where in wheres}
    assert keys(wheres[0]) == {A.key, B.key}
    assert keys(wheres[1]) == {B.key}
    assert keys(wheres[2]) == {C.key}
    assert keys(wheres[3]) == {A.key}
    assert keys(wheres[4]) == {A.key, C.key, other.key}
    assert keys(wheres[5]) == set()
    # An agent's record holds the customers' messages too, but only the agent's nudges.
    mine = found[wheres[3]]
    assert {e.event_id for e in mine.events} == {f"r-{A.key}", f"c-{A.key}"}
    assert {s.event_id for s in mine.signals} == {f"r-{A.key}", f"c-{A.key}"}
    assert [n.nudge_id for n in mine.nudges] == [f"n-{A.key}"]
    team = found[wheres[0]]
    assert {n.agent for n in team.nudges} == {"sam", "ana", "bo"}


async def test_open_states_leaves_out_closed_conversations(store: Store) -> None:
    await record(store, A, "ev1", 1)
    await record(store, B, "ev2", 2, state=state_of(B, 2, closed=True))
    await record(store, C, "ev3", 3, state=rich_state(C))
    found = sorted(await store.open_states(), key=lambda s: s.conversation.key)
    assert found == [state_of(A, 1), rich_state(C)]


# --- forgetting and retention --------------------------------------------------------------


async def test_forget_deletes_everything_about_one_conversation(store: Store) -> None:
    await record(store, A, "ev1", 10, nudges=[nudge_of("a1")], deadline=50)
    await record(store, A, "ev2", 11, nudges=[nudge_of("a2", at=11)], deadline=50)
    await record(store, B, "ev3", 12, nudges=[nudge_of("b1", B, 12)], deadline=60)
    await store.finish_nudge("a1", "kept", "inbox", "", 13)
    assert await store.add_feedback(FeedbackRecord("a2", "sam", True, 14))
    assert await store.add_feedback(FeedbackRecord("b1", "sam", True, 14))

    # 2 events + 2 signals + 2 nudges + 1 feedback + 1 state
    assert await store.forget(A.key) == 8
    left = await store.slice(0, 100)
    assert {e.event_id for e in left.events} == {"ev3"}
    assert {s.event_id for s in left.signals} == {"ev3"}
    assert {n.nudge_id for n in left.nudges} == {"b1"}
    assert [f.nudge_id for f in left.feedback] == ["b1"]
    assert await store.due(1000) == [B.key]
    assert await store.inbox("sam") == []
    assert [s.conversation for s in await store.open_states()] == [B]
    assert not await store.add_feedback(FeedbackRecord("a2", "sam", False, 15))
    async with store.transaction(A.key) as tx:
        assert tx.state is None
    assert await store.forget(A.key) == 0


async def test_purge_deletes_old_records_and_idle_conversations(store: Store) -> None:
    cutoff = 50.0
    await record(store, A, "a-old", 10, nudges=[nudge_of("a-old", A, 10)])
    await record(store, A, "a-end", 11, state=state_of(A, 11, closed=True))  # closed: goes
    await record(store, B, "b-old", 10, deadline=None)  # idle: goes
    await record(store, C, "c-old", 10, deadline=cutoff + 500)  # a timer pending: stays
    await record(store, D, "d-old", 10, nudges=[nudge_of("d-old", D, 10)])
    await record(store, D, "d-new", 100, nudges=[nudge_of("d-new", D, 100)])  # active: stays
    assert await store.add_feedback(FeedbackRecord("a-old", "sam", True, 20))  # old
    assert await store.add_feedback(FeedbackRecord("d-old", "sam", True, 100))  # nudge old
    assert await store.add_feedback(FeedbackRecord("d-new", "sam", True, 100))  # stays
    await store.add_command(10, "slack", "U1", "status", True)
    await store.add_command(100, "slack", "U1", "summary", False)

    # events 6-1, signals 6-1, nudges 2, feedback 2, commands 1, states A and B
    assert await store.purge(cutoff) == 5 + 5 + 2 + 2 + 1 + 2
    left = await store.slice(0, 1e12)
    assert [e.event_id for e in left.events] == ["d-new"]
    assert [s.event_id for s in left.signals] == ["d-new"]
    assert [n.nudge_id for n in left.nudges] == ["d-new"]
    assert [f.nudge_id for f in left.feedback] == ["d-new"]
    assert sorted(s.conversation.key for s in await store.open_states()) == [C.key, D.key]
    assert await store.due(1e12) == [C.key]
    assert await store.purge(cutoff) == 0
