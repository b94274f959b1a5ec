"""The outbox: nudges delivered in the background, in order per conversation, and never
sent a second time by the retries while this process is still delivering them."""

from __future__ import annotations

import asyncio

from adapters.base import DeliveryResult, DeliveryStatus
from bot.ops.clock import VirtualClock
from bot.ops.metrics import Metrics
from bot.service.outbox import Outbox
from bot.store.memory import MemoryStore
from coaching.state import ConversationState
from coaching.types import ConversationRef, Nudge, NudgeKind

REF = ConversationRef("test", "W", "C", "T")


class SlowDelivery:
    """Answers only when let go; records every attempt."""

    def __init__(self) -> None:
        self.attempts: list[str] = []
        self.called = asyncio.Event()
        self.go = asyncio.Event()

    async def deliver(self, nudge: Nudge) -> DeliveryResult:
        self.attempts.append(nudge.nudge_id)
        self.called.set()
        await self.go.wait()
        return DeliveryResult(DeliveryStatus.SENT, route="test")


def nudge(nudge_id: str) -> Nudge:
    return Nudge(nudge_id, REF, "sam", NudgeKind.FRUSTRATION, "h", (), "", None, "ev", 1.0)


async def stored(store: MemoryStore, *nudges: Nudge) -> None:
    async with store.transaction(REF.key) as tx:
        tx.save(ConversationState.new(REF), None, [], list(nudges), lease_until=5.0)


async def test_a_nudge_still_being_delivered_is_not_sent_again_when_its_lease_runs_out() -> None:
    store, clock, slow = MemoryStore(), VirtualClock(0), SlowDelivery()
    outbox = Outbox(store, {"test": slow}, clock, Metrics(), lease=5.0)
    first = nudge("n1")
    await stored(store, first)
    await outbox.send([(first, None)], leased_until=5.0)
    await asyncio.wait_for(slow.called.wait(), 5)  # the delivery waits for Slack
    clock.advance_to(60)  # long past its lease
    assert await outbox.retry() == 0
    slow.go.set()
    await outbox.flush()
    assert slow.attempts == ["n1"]
    assert store.nudges["n1"].status == "sent"
    assert await outbox.retry() == 0  # sent: never again


async def test_a_nudge_that_waited_past_its_lease_is_left_to_the_outbox() -> None:
    store, clock, slow = MemoryStore(), VirtualClock(0), SlowDelivery()
    outbox = Outbox(store, {"test": slow}, clock, Metrics(), lease=5.0)
    first, second = nudge("n1"), nudge("n2")
    await stored(store, first, second)
    await outbox.send([(first, None), (second, None)], leased_until=5.0)
    await asyncio.wait_for(slow.called.wait(), 5)
    clock.advance_to(10)  # n2 is still waiting for n1: its lease runs out meanwhile
    slow.go.set()
    await outbox.flush()
    assert slow.attempts == ["n1"]  # not delivered from the queue: another may have it
    assert await outbox.retry() == 1  # leased again, by one process, and delivered
    assert slow.attempts == ["n1", "n2"]


async def test_a_conversations_nudges_arrive_in_order() -> None:
    store, clock, slow = MemoryStore(), VirtualClock(0), SlowDelivery()
    outbox = Outbox(store, {"test": slow}, clock, Metrics(), lease=30.0)
    nudges = [nudge(f"n{k}") for k in range(5)]
    await stored(store, *nudges)
    await outbox.send([(n, None) for n in nudges], leased_until=30.0)
    await asyncio.wait_for(slow.called.wait(), 5)
    await asyncio.sleep(0.05)  # time enough for a second delivery to start, were it allowed
    assert slow.attempts == ["n0"]  # the next waits for the one before
    slow.go.set()
    await outbox.flush()
    assert slow.attempts == [n.nudge_id for n in nudges]
