"""Nudge delivery: each new nudge right after the batch that made it committed, and the
outbox's retries (after a failure, a restart, or a replica that died while delivering).

A nudge is stored before it is delivered, leased to the process delivering it; a failed
attempt is retried after ``Retry-After`` or with exponential backoff, up to
``MAX_ATTEMPTS`` times. New nudges are delivered in the background (``send``), so the
workers go on processing while Slack or Discord answers; a conversation's nudges are
delivered in order, different conversations' at once, and at most ``IN_FLIGHT`` at a
time (then ``send`` waits: memory stays bounded).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import defaultdict
from collections.abc import Sequence

from adapters.base import DeliveryResult, DeliveryStatus, NudgeDelivery
from bot.ops.clock import Clock
from bot.ops.logs import describe
from bot.ops.metrics import Metrics
from bot.service.group_commit import GroupCommit
from bot.store.base import Finished, Store
from coaching.types import Nudge

log = logging.getLogger("coach.runtime")

DELIVERY_TIMEOUT = 10.0
MAX_ATTEMPTS = 8
MAX_BACKOFF = 300.0
IN_FLIGHT = 256  # nudges being delivered in the background at once


class Outbox:
    def __init__(
        self,
        store: Store,
        deliveries: dict[str, NudgeDelivery],
        clock: Clock,
        metrics: Metrics,
        lease: float,
    ) -> None:
        self.store, self.deliveries, self.clock = store, deliveries, clock
        self.metrics, self.lease = metrics, lease
        self._tries: dict[str, int] = {}  # failed delivery attempts, for the backoff
        self._room = asyncio.Semaphore(IN_FLIGHT)
        self._outcomes = GroupCommit(store.finish_nudges)  # many deliveries, few writes
        self._last: dict[str, asyncio.Task[None]] = {}  # conversation -> its latest delivery
        # Nudges this process is delivering, until their outcome is written: a lease that
        # runs out meanwhile (a slow Slack, a long queue) must not make the retries send
        # them a second time.
        self._active: set[str] = set()

    async def send(self, nudges: Sequence[tuple[Nudge, float | None]], leased_until: float) -> None:
        """Start delivering new nudges, leased to this process until ``leased_until``, in
        the background (returns once they are under way): each after the conversation's
        previous one."""
        for nudge, received in nudges:
            await self._room.acquire()
            self._active.add(nudge.nudge_id)
            key = nudge.conversation.key
            previous = self._last.get(key)
            task = asyncio.create_task(self._after(previous, nudge, received, leased_until))
            self._last[key] = task
            task.add_done_callback(functools.partial(self._done, key))

    async def _after(
        self,
        previous: asyncio.Task[None] | None,
        nudge: Nudge,
        received: float | None,
        leased_until: float,
    ) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        if self.clock.now() >= leased_until:
            # Waited here past its lease: another replica's retries may have taken it.
            # Leave it to the outbox, where one process at a time can lease it again.
            log.info("nudge %s waited past its lease; left to the outbox", nudge.nudge_id)
            self._active.discard(nudge.nudge_id)
            return
        await self._deliver(nudge, received)

    def _done(self, key: str, task: asyncio.Task[None]) -> None:
        self._room.release()
        if self._last.get(key) is task:
            del self._last[key]
        if not task.cancelled() and task.exception() is not None:
            log.error("delivery failed: %s", describe(task.exception()))  # type: ignore[arg-type]

    async def flush(self) -> None:
        """Wait for the deliveries under way."""
        while self._last:
            await asyncio.wait(list(self._last.values()))

    async def cancel(self) -> None:
        """Stop the deliveries under way (their nudges stay in the outbox, leased)."""
        tasks = list(self._last.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def deliver(self, nudges: Sequence[tuple[Nudge, float | None]]) -> None:
        """Deliver new nudges (each with the wall-clock time its event was received, for
        the event->nudge latency; None: not timed)."""
        by_conversation: defaultdict[str, list[tuple[Nudge, float | None]]] = defaultdict(list)
        for nudge, received in nudges:
            by_conversation[nudge.conversation.key].append((nudge, received))

        async def in_order(queue: list[tuple[Nudge, float | None]]) -> None:
            for nudge, received in queue:
                await self._deliver(nudge, received)

        await asyncio.gather(*(in_order(q) for q in by_conversation.values()))

    async def retry(self) -> int:
        """Deliver nudges left in the outbox (after a failure, a restart or a lease expiry)."""
        pending = await self.store.claim_nudges(self.clock.now(), self.lease, 100, MAX_ATTEMPTS)
        left = [n for n in pending if n.nudge_id not in self._active]
        await self.deliver([(nudge, None) for nudge in left])
        return len(left)

    async def _deliver(self, nudge: Nudge, received: float | None) -> None:
        self._active.add(nudge.nudge_id)
        try:
            await self._attempt(nudge, received)
        finally:
            self._active.discard(nudge.nudge_id)

    async def _attempt(self, nudge: Nudge, received: float | None) -> None:
        delivery = self.deliveries.get(nudge.conversation.platform)
        if delivery is None:
            await self._finish(nudge, DeliveryResult(DeliveryStatus.FAILED, error="no_adapter"))
            return
        if received is not None:
            self.metrics.latency.observe(max(0.0, time.time() - received))
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
            outcome = Finished(nudge.nudge_id, result.status.value, result.route, "", now)
        else:
            self.metrics.delivery_failures.labels(result.error or result.status.value).inc()
            log.warning("nudge %s not delivered: %s", nudge.nudge_id, result.error or result.status)
            outcome = Finished(nudge.nudge_id, "failed", result.route, result.error, now)
        if result.status is DeliveryStatus.RETRY:
            tries = self._tries[nudge.nudge_id] = self._tries.get(nudge.nudge_id, 0) + 1
            backoff = result.retry_after
            if backoff is None:  # no Retry-After: exponential, 5 s doubling up to 5 min
                backoff = min(MAX_BACKOFF, 5.0 * 2 ** (tries - 1))
            outcome = Finished(
                nudge.nudge_id, "pending", result.route, result.error, now, now + backoff
            )
        await self._outcomes.add(outcome)
