"""The runtime: ordering, de-duplication, timers, the outbox and its retries."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from adapters.base import DeliveryResult, DeliveryStatus
from bot.ops.clock import VirtualClock
from bot.ops.metrics import Metrics
from bot.service.runtime import Runtime, _Item
from bot.service.scoring import BatchScorer, build_engine
from bot.store.memory import MemoryStore
from coaching.engine import Engine
from coaching.model import Assessment
from coaching.policy import Policy
from coaching.types import Nudge
from tests.helpers import Script, ScriptedDetectors

ANGRY, PLAIN = "angry", "plain"


class RecordingDelivery:
    def __init__(self, results: list[DeliveryResult] | None = None) -> None:
        self.sent: list[Nudge] = []
        self.results = list(results or [])

    async def deliver(self, nudge: Nudge) -> DeliveryResult:
        self.sent.append(nudge)
        if self.results:
            return self.results.pop(0)
        return DeliveryResult(DeliveryStatus.SENT, route="test")


def make(delivery: RecordingDelivery, clock: VirtualClock, **kwargs: object) -> Runtime:
    engine = Engine(Policy(waiting_after=600), ScriptedDetectors({ANGRY: 0.9}, {PLAIN: 0.1}))
    return Runtime(engine, MemoryStore(), {"test": delivery}, clock, **kwargs)  # type: ignore[arg-type]


async def test_redelivered_event_is_processed_once_and_nudges_once() -> None:
    delivery, clock = RecordingDelivery(), VirtualClock(100)
    runtime = make(delivery, clock)
    s = Script()
    await runtime.process(s.msg("agent", "sam", PLAIN, 0))
    angry = s.msg("customer", "cust", ANGRY, 10)
    first = await runtime.process(angry)
    again = await runtime.process(angry)
    assert len(first.nudges) == 1 and again.duplicate and not again.nudges
    assert len(delivery.sent) == 1
    assert runtime.metrics.duplicates._value.get() == 1


async def test_a_retry_of_a_processed_event_is_not_scored_again() -> None:
    """Slack retries most when the bot is slowest; a retry of an event processed before
    costs a duplicate check, not another run of the model."""

    class Counting(ScriptedDetectors):
        def frustration(self, text: str, context: str = "", confusion: bool = True) -> Assessment:
            scored.append(text)
            return super().frustration(text, context)

    scored: list[str] = []
    delivery = RecordingDelivery()
    runtime = Runtime(
        Engine(Policy(), Counting({ANGRY: 0.9})), MemoryStore(), {"test": delivery}, VirtualClock(0)
    )
    await runtime.start()
    s = Script()
    hello, angry = s.msg("agent", "sam", PLAIN, 0), s.msg("customer", "cust", ANGRY, 1)
    for event in (hello, angry):
        await runtime.submit(event)
    await asyncio.wait_for(runtime.drain(), 10)
    for event in (hello, angry, s.msg("customer", "cust", PLAIN, 2)):  # retries, and a new one
        await runtime.submit(event)
    await asyncio.wait_for(runtime.drain(), 10)
    await runtime.stop()
    assert scored == [ANGRY, PLAIN]
    assert runtime.metrics.duplicates._value.get() == 2
    assert [n.kind.value for n in delivery.sent] == ["frustration"]


async def test_workers_keep_each_conversation_in_order() -> None:
    delivery, clock = RecordingDelivery(), VirtualClock(0)
    runtime = make(delivery, clock, workers=4)
    await runtime.start()
    s = Script()
    events = [s.msg("agent", "sam", PLAIN, 0)] + [
        s.msg("customer", "cust", ANGRY, i) for i in range(1, 30)
    ]
    for event in events:
        assert await runtime.submit(event)
    await runtime.drain()
    await runtime.stop()
    state = (await runtime.store.open_states())[0]
    assert [m.message_id for m in state.messages] == [e.message_id for e in events]
    assert len(delivery.sent) == 1  # one heads-up; the rest fall within the cooldown


async def test_a_full_backlog_refuses_events_and_counts_them() -> None:
    delivery, clock = RecordingDelivery(), VirtualClock(0)
    runtime = make(delivery, clock, max_backlog=10)  # not started: nothing is processed
    s = Script()
    events = [s.msg("customer", "cust", PLAIN, i) for i in range(12)]
    stored = await asyncio.gather(*(runtime.submit(e) for e in events))
    assert stored == [True] * 10 + [False] * 2  # the last two are not acknowledged
    assert runtime.metrics.refused.labels("backlog")._value.get() == 2
    store = runtime.store
    assert isinstance(store, MemoryStore)
    assert [p.event_id for p in store.waiting] == [e.event_id for e in events[:10]]
    await runtime.start()  # once processed, there is room again
    await asyncio.wait_for(runtime.drain(), 10)
    assert await runtime.submit(events[10])
    await runtime.stop()


async def test_a_stopping_runtime_refuses_new_events() -> None:
    runtime = make(RecordingDelivery(), VirtualClock(0))
    await runtime.start()
    await runtime.stop()
    assert not await runtime.submit(Script().msg("customer", "cust", PLAIN, 1))
    assert runtime.metrics.refused.labels("stopping")._value.get() == 1


async def test_timers_fire_waiting_reminders() -> None:
    delivery, clock = RecordingDelivery(), VirtualClock(0)
    runtime = make(delivery, clock)
    s = Script()
    await runtime.process(s.msg("agent", "sam", PLAIN, 0))
    await runtime.process(s.msg("customer", "cust", PLAIN, 10))
    clock.advance_to(300)
    assert await runtime.fire_timers() == 0
    clock.advance_to(611)
    assert await runtime.fire_timers() == 1
    assert delivery.sent[-1].kind.value == "waiting"


async def test_rate_limited_delivery_is_retried_after_retry_after_without_loss() -> None:
    delivery = RecordingDelivery(
        [DeliveryResult(DeliveryStatus.RETRY, retry_after=30, error="ratelimited")]
    )
    clock = VirtualClock(0)
    runtime = make(delivery, clock)
    s = Script()
    await runtime.process(s.msg("agent", "sam", PLAIN, 0))
    await runtime.process(s.msg("customer", "cust", ANGRY, 1))
    assert len(delivery.sent) == 1
    clock.advance_to(20)
    assert await runtime.retry_deliveries() == 0  # Retry-After not over yet
    clock.advance_to(40)
    assert await runtime.retry_deliveries() == 1
    store = runtime.store
    assert isinstance(store, MemoryStore)
    record = next(iter(store.nudges.values()))
    assert record.status == "sent" and record.attempts == 2
    assert delivery.sent[0].nudge_id == delivery.sent[1].nudge_id


async def test_delivery_that_raises_does_not_stop_processing() -> None:
    class Broken:
        async def deliver(self, nudge: Nudge) -> DeliveryResult:
            raise RuntimeError("adapter bug")

    clock = VirtualClock(0)
    engine = Engine(Policy(), ScriptedDetectors({ANGRY: 0.9}))
    runtime = Runtime(engine, MemoryStore(), {"test": Broken()}, clock)
    s = Script()
    await runtime.process(s.msg("agent", "sam", PLAIN, 0))
    outcome = await runtime.process(s.msg("customer", "cust", ANGRY, 1))
    assert len(outcome.nudges) == 1
    assert runtime.metrics.delivery_failures.labels("RuntimeError")._value.get() == 1


async def test_stop_drains_queued_work_within_the_deadline() -> None:
    delivery, clock = RecordingDelivery(), VirtualClock(0)
    runtime = make(delivery, clock)
    await runtime.start()
    s = Script()
    await runtime.submit(s.msg("agent", "sam", PLAIN, 0))
    await runtime.submit(s.msg("customer", "cust", ANGRY, 1))
    await runtime.stop(deadline=5)
    assert len(delivery.sent) == 1
    await asyncio.sleep(0)


async def test_stored_text_is_redacted_and_only_when_configured() -> None:
    clock = VirtualClock(0)
    s = Script()
    for store_text in (False, True):
        runtime = make(RecordingDelivery(), clock, store_text=store_text)
        await runtime.process(
            s.msg("customer", "cust", "mail me at jo@example.com or 555-123-4567", 0)
        )
        store = runtime.store
        assert isinstance(store, MemoryStore)
        text = store.events[0].text
        assert text == (None if not store_text else "mail me at [email] or [phone]")


class FlakyStore(MemoryStore):
    """A store that is unavailable for its first `failures` batches."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def batch(self, conversations, events, processed=(), release=None):  # type: ignore[no-untyped-def, override]
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("database is restarting")
        return super().batch(conversations, events, processed, release)


async def test_store_briefly_unavailable_loses_nothing_and_keeps_order() -> None:
    delivery, clock = RecordingDelivery(), VirtualClock(0)
    engine = Engine(Policy(), ScriptedDetectors({ANGRY: 0.9}, {PLAIN: 0.1}))
    store = FlakyStore(failures=4)
    runtime = Runtime(engine, store, {"test": delivery}, clock, workers=2)
    await runtime.start()
    s = Script()
    events = [
        s.msg("agent", "sam", PLAIN, 0),
        s.msg("customer", "cust", ANGRY, 1),
        s.msg("agent", "sam", PLAIN, 2),
    ]
    for event in events:
        assert await runtime.submit(event)  # accepted at once, whatever the store does
    await asyncio.wait_for(runtime.drain(), 10)
    await runtime.stop()
    assert store.failures == 0
    assert [e.event_id for e in store.events] == [e.event_id for e in events]
    assert [n.kind.value for n in delivery.sent] == ["frustration", "acknowledge"]


async def test_a_message_the_scorer_refuses_is_judged_by_the_lexicon_and_holds_up_nothing() -> None:
    class Exploding(ScriptedDetectors):
        def frustration(self, text: str, context: str = "", confusion: bool = True):  # type: ignore[no-untyped-def]
            if text == "boom":
                raise ValueError("bug")
            return super().frustration(text, context)

    delivery, clock = RecordingDelivery(), VirtualClock(0)
    runtime = Runtime(
        Engine(Policy(), Exploding({ANGRY: 0.9})), MemoryStore(), {"test": delivery}, clock
    )
    await runtime.start()
    s = Script()
    for event in [
        s.msg("agent", "sam", PLAIN, 0),
        s.msg("customer", "cust", "boom", 1),
        s.msg("customer", "cust", ANGRY, 2),
    ]:
        await runtime.submit(event)
    await asyncio.wait_for(runtime.drain(), 10)
    await runtime.stop()
    assert runtime.metrics.errors._value.get() == 1
    assert [n.kind.value for n in delivery.sent] == ["frustration"]


async def test_retries_back_off_exponentially_then_give_up() -> None:
    always = [DeliveryResult(DeliveryStatus.RETRY, error="http_503")] * 20
    delivery, clock = RecordingDelivery(always), VirtualClock(0)
    runtime = make(delivery, clock)
    s = Script()
    await runtime.process(s.msg("agent", "sam", PLAIN, 0))
    await runtime.process(s.msg("customer", "cust", ANGRY, 1))
    store = runtime.store
    assert isinstance(store, MemoryStore)
    [nudge_id] = store.nudges
    waits = []
    while store.nudges[nudge_id].status == "pending":
        retry_at = store.leases[nudge_id]
        waits.append(retry_at - clock.now())
        clock.advance_to(retry_at - 0.001)
        assert await runtime.retry_deliveries() == 0  # not a moment early
        clock.advance_to(retry_at)
        await runtime.retry_deliveries()
    assert waits == [5, 10, 20, 40, 80, 160, 300, 300]  # doubling from 5 s, at most 5 min
    record = store.nudges[nudge_id]
    assert (record.status, record.error, record.attempts) == ("failed", "gave_up", 8)
    assert len(delivery.sent) == 8
    clock.advance_to(clock.now() + 1e6)
    assert await runtime.retry_deliveries() == 0 and len(delivery.sent) == 8


class _SlowModel(ScriptedDetectors):
    """A scorer that, like the contextual model, takes a while per message."""

    def frustration(self, text: str, context: str = "", confusion: bool = True) -> Assessment:
        time.sleep(0.05)
        return super().frustration(text, context)


async def test_a_model_is_scored_off_the_event_loop_and_the_lexicon_on_it() -> None:
    """A batch of slow model scoring must not stall the event loop (acknowledgements and
    other batches wait on it); the pure-Python lexicon is scored on the loop, where a thread
    would only take turns with it for the interpreter."""
    assert not BatchScorer(build_engine(Policy(), "lexicon"), Metrics()).off_loop
    assert BatchScorer(build_engine(Policy(), "contextual"), Metrics()).off_loop

    runtime = Runtime(Engine(Policy(), _SlowModel()), MemoryStore(), {}, VirtualClock(1000.0))
    s = Script()
    events = [s.msg("customer", f"c{i}", f"message {i}", 1000 + i) for i in range(6)]
    gaps: list[float] = []
    done = asyncio.Event()

    async def beat() -> None:
        last = time.monotonic()
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    beating = asyncio.create_task(beat())
    await runtime._process([_Item(e, None, 1000.0) for e in events], wait=True)
    done.set()
    await beating
    assert len(gaps) >= 20  # the loop kept turning while 0.3 s of scoring ran
    assert max(gaps) < 0.15, max(gaps)


async def test_a_retry_of_a_processed_event_reads_no_customer_history() -> None:
    """After a restart, or on another replica, a retried customer message looks like a
    customer new to the conversation; it is a duplicate, so their history is not read."""

    class Counting(MemoryStore):
        async def customers_signals(self, customers: Sequence[str], *args: Any) -> Any:
            reads.append(list(customers))
            return await super().customers_signals(customers, *args)

    reads: list[list[str]] = []
    store = Counting()
    s = Script()
    hello, angry = s.msg("agent", "sam", PLAIN, 0), s.msg("customer", "cust", ANGRY, 1)
    replicas = [
        Runtime(
            Engine(Policy(), ScriptedDetectors({ANGRY: 0.9})),
            store,
            {"test": RecordingDelivery()},
            VirtualClock(0),
        )
        for _ in range(2)
    ]
    for runtime, events in ((replicas[0], (hello, angry)), (replicas[1], (angry,))):
        await runtime.start()
        for event in events:
            await runtime.submit(event)
        await asyncio.wait_for(runtime.drain(), 10)
        await runtime.stop()
    assert reads == [["cust"]]  # the new customer's, once: not again for the retry
    assert replicas[1].metrics.duplicates._value.get() == 1
