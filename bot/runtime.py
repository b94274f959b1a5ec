"""The running engine: queues, ordering, de-duplication, timers and the nudge outbox.

Adapters ``submit`` events and return at once (platforms want an answer within 3 s).
Events are spread over a fixed set of bounded queues by conversation, so one
conversation's events are processed in order, one at a time, while different
conversations proceed in parallel. Each event is processed inside a store transaction
(claim the event id, step the engine, save state, records and nudges together), then
its new nudges are delivered. Nudges that could not be delivered stay in the outbox and
are retried; timers (customers left waiting) are ``Tick`` events fed by the timer loop.
Replays call ``process`` and ``fire_timers`` directly with a virtual clock: the same path.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from adapters.base import DeliveryResult, DeliveryStatus, NudgeDelivery
from bot.clock import Clock
from bot.history import HistoryLookup
from bot.logsetup import describe
from bot.metrics import Metrics
from bot.records import FeedbackRecord, event_record, signal_record
from bot.redact import stored_text
from bot.store.base import Store
from coaching.engine import Engine
from coaching.types import (
    ConversationRef,
    Event,
    MessageEdited,
    MessagePosted,
    Nudge,
    Signal,
    Tick,
)

log = logging.getLogger("coach.runtime")

DELIVERY_LEASE = 30.0  # seconds a process owns a nudge it is delivering
DELIVERY_TIMEOUT = 10.0
MAX_ATTEMPTS = 8
MAX_BACKOFF = 300.0
STORE_RETRY = 120.0  # seconds an event waits for an unavailable store before it is lost


class EngineFailure(Exception):
    """The engine raised on an event (a bug): the event is skipped, not retried."""


@dataclass(frozen=True, slots=True)
class Outcome:
    duplicate: bool = False
    nudges: tuple[Nudge, ...] = ()
    signals: tuple[Signal, ...] = ()
    note: str | None = None


class Runtime:
    def __init__(
        self,
        engine: Engine,
        store: Store,
        deliveries: Mapping[str, NudgeDelivery],
        clock: Clock,
        metrics: Metrics | None = None,
        *,
        workers: int = 8,
        queue_size: int = 10_000,
        tick_seconds: float = 5.0,
        store_text: bool = False,
        history: HistoryLookup | None = None,
    ) -> None:
        self.engine = engine
        self.store = store
        self.deliveries = dict(deliveries)
        self.clock = clock
        self.metrics = metrics or Metrics()
        self.tick_seconds = tick_seconds
        self.store_text = store_text
        self.history = history or HistoryLookup(store, clock)
        per_queue = max(1, queue_size // workers)
        self._queues: list[asyncio.Queue[tuple[Event, float]]] = [
            asyncio.Queue(per_queue) for _ in range(workers)
        ]
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._tries: dict[str, int] = {}  # failed delivery attempts, for the backoff

    # --- intake ------------------------------------------------------------------------

    async def submit(self, event: Event) -> bool:
        """Queue an event without waiting for it to be processed; False if dropped."""
        queue = self._queues[zlib.crc32(event.conversation.key.encode()) % len(self._queues)]
        try:
            queue.put_nowait((event, time.perf_counter()))
        except asyncio.QueueFull:
            self.metrics.dropped.inc()
            log.warning("queue full: event %s dropped", event.event_id)
            return False
        self.metrics.queue_depth.inc()
        return True

    async def process(self, event: Event, received: float | None = None) -> Outcome:
        """Process one event now (workers call this; so do replays)."""
        received = time.perf_counter() if received is None else received
        now = self.clock.now()
        key = event.conversation.key
        event = await self.history.attach(event)  # the engine cannot read the store
        record = event_record(event, self._stored_text(event))  # None for a Tick
        async with self.store.transaction(key, record) as tx:  # claims the event
            if tx.duplicate:
                self.metrics.duplicates.inc()
                log.info("duplicate event %s ignored", event.event_id)
                return Outcome(duplicate=True)
            try:
                result = self.engine.step(tx.state, event, now)
            except Exception as exc:  # a bug, not an outage: retrying would not help
                raise EngineFailure(describe(exc)) from exc
            tx.save(
                result.state,
                self.engine.next_deadline(result.state),
                [signal_record(s) for s in result.signals],
                list(result.nudges),
                lease_until=now + DELIVERY_LEASE,
            )
        self.history.attached(event)
        if result.note:
            log.info("event %s: %s", event.event_id, result.note)
        if not isinstance(event, Tick):
            kind = type(event).__name__
            self.metrics.events.labels(event.conversation.platform, kind).inc()
        for nudge in tx.inserted:
            self.metrics.nudges.labels(nudge.kind.value).inc()
            await self._deliver(nudge, received)
        return Outcome(nudges=tuple(tx.inserted), signals=result.signals, note=result.note)

    def _stored_text(self, event: Event) -> str | None:
        if self.store_text and isinstance(event, MessagePosted | MessageEdited):
            return stored_text(event.text)
        return None

    # --- timers and the outbox ------------------------------------------------------------

    async def fire_timers(self) -> int:
        """Feed a Tick to every conversation whose deadline has passed; returns nudges made."""
        now = self.clock.now()
        made = 0
        for key in await self.store.due(now):
            outcome = await self.process(Tick(ConversationRef.from_key(key), now))
            made += len(outcome.nudges)
        return made

    async def retry_deliveries(self) -> int:
        """Deliver nudges left in the outbox (after a failure, a restart or a lease expiry)."""
        pending = await self.store.claim_nudges(self.clock.now(), DELIVERY_LEASE, 100, MAX_ATTEMPTS)
        for nudge in pending:
            await self._deliver(nudge, None)
        return len(pending)

    async def _deliver(self, nudge: Nudge, received: float | None) -> None:
        delivery = self.deliveries.get(nudge.conversation.platform)
        if delivery is None:
            await self._finish(nudge, DeliveryResult(DeliveryStatus.FAILED, error="no_adapter"))
            return
        if received is not None:
            self.metrics.latency.observe(time.perf_counter() - received)
        try:
            result = await asyncio.wait_for(delivery.deliver(nudge), DELIVERY_TIMEOUT)
        except TimeoutError:
            result = DeliveryResult(DeliveryStatus.RETRY, error="timeout")
        except Exception as exc:  # an adapter bug must not stop the worker
            log.error("delivery of nudge %s raised %s", nudge.nudge_id, describe(exc))
            log.debug("delivery traceback", exc_info=True)
            result = DeliveryResult(DeliveryStatus.RETRY, error=type(exc).__name__)
        await self._finish(nudge, result)

    async def _finish(self, nudge: Nudge, result: DeliveryResult) -> None:
        now = self.clock.now()
        if result.status is not DeliveryStatus.RETRY:
            self._tries.pop(nudge.nudge_id, None)
        if result.status in (DeliveryStatus.SENT, DeliveryStatus.KEPT):
            self.metrics.delivered.labels(result.route or result.status.value).inc()
            await self.store.finish_nudge(
                nudge.nudge_id, result.status.value, result.route, "", now
            )
            return
        self.metrics.delivery_failures.labels(result.error or result.status.value).inc()
        log.warning("nudge %s not delivered: %s", nudge.nudge_id, result.error or result.status)
        if result.status is DeliveryStatus.RETRY:
            tries = self._tries[nudge.nudge_id] = self._tries.get(nudge.nudge_id, 0) + 1
            backoff = result.retry_after
            if backoff is None:  # no Retry-After: exponential, 5 s doubling up to 5 min
                backoff = min(MAX_BACKOFF, 5.0 * 2 ** (tries - 1))
            await self.store.finish_nudge(
                nudge.nudge_id, "pending", result.route, result.error, now, retry_at=now + backoff
            )
        else:
            await self.store.finish_nudge(nudge.nudge_id, "failed", result.route, result.error, now)

    async def record_feedback(self, nudge_id: str, user: str, helpful: bool) -> bool:
        """Record a click; only the nudge's own agent's counts (False otherwise)."""
        stored = await self.store.add_feedback(
            FeedbackRecord(nudge_id, user, helpful, self.clock.now())
        )
        if not stored:
            log.info("feedback on nudge %s by %s ignored: not their nudge", nudge_id, user)
        return stored

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        self._stopping.clear()
        self._tasks = [asyncio.create_task(self._worker(q)) for q in self._queues]
        self._tasks.append(asyncio.create_task(self._timer_loop()))

    async def stop(self, deadline: float = 10.0) -> None:
        """Stop taking work, finish what is queued within ``deadline`` seconds, then stop."""
        try:
            await asyncio.wait_for(self.drain(), deadline)
        except TimeoutError:
            left = sum(q.qsize() for q in self._queues)
            log.warning("shutdown deadline reached with %d events unprocessed", left)
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def drain(self) -> None:
        """Wait until every queued event has been processed."""
        await asyncio.gather(*(q.join() for q in self._queues))

    async def _worker(self, queue: asyncio.Queue[tuple[Event, float]]) -> None:
        while True:
            event, received = await queue.get()
            self.metrics.queue_depth.dec()
            try:
                await self._process_until_stored(event, received)
            finally:
                queue.task_done()

    async def _process_until_stored(self, event: Event, received: float) -> None:
        """Process an event; while the store is unavailable, retry (keeping this queue's
        order) for up to STORE_RETRY seconds instead of losing what was acknowledged."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + STORE_RETRY
        delay = 0.2
        while True:
            try:
                await self.process(event, received)
                return
            except EngineFailure as exc:
                self.metrics.errors.inc()
                log.error("event %s failed in the engine: %s", event.event_id, exc)
                return
            except Exception as exc:
                if loop.time() >= give_up or self._stopping.is_set():
                    self.metrics.errors.inc()
                    log.error(
                        "event %s lost: store unavailable (%s)", event.event_id, describe(exc)
                    )
                    return
                log.warning(
                    "store unavailable (%s); event %s retried in %.1f s",
                    describe(exc),
                    event.event_id,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _timer_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.fire_timers()
                await self.retry_deliveries()
            except Exception as exc:
                log.error("timer loop iteration failed: %s", describe(exc))
                log.debug("timer traceback", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.tick_seconds)
