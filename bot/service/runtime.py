"""The running engine: the write-ahead inbox, ordering, de-duplication, timers, delivery.

Adapters ``submit`` events to the inbox (bot/service/inbox.py), which stores them before they
are acknowledged. Workers then lease the conversations waiting longest, with their
events in order (``Store.inbox_lease``: one process per conversation at a time, so
replicas share the work and each conversation stays in order), and process each lease
as one batch in one store transaction: lock the conversations, claim the event ids (a
redelivery is a duplicate and is skipped), step the engine event by event, and save the
states, signals and nudges together with the removal of the events from the inbox. New
nudges are delivered right after the commit (bot/service/outbox.py); those that could not be
are retried from the outbox. Nothing waits in memory: a restart, or another replica
once a lease runs out, carries on from the store.

Timers (customers left waiting) are ``Tick`` events fed by the timer loop; an automatic
holding update they make is handed to ``holding`` after the commit. Replays call
``process`` and ``fire_timers`` directly with a virtual clock: the same batch path.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from adapters.base import NudgeDelivery
from bot.ops.clock import Clock
from bot.ops.logs import describe
from bot.ops.metrics import Metrics
from bot.redact import stored_text
from bot.reports.history import HistoryLookup
from bot.service import event_codec
from bot.service.inbox import Inbox
from bot.service.outbox import Outbox
from bot.service.poison import isolate, set_aside
from bot.service.scoring import BatchScorer
from bot.service.storable import storable_event
from bot.store.base import DeadLetter, Pending, Release, Store
from bot.store.records import FeedbackRecord, event_record, signal_record
from coaching.engine import Engine
from coaching.types import ConversationRef, Event, MessageEdited, MessagePosted, Nudge, Signal, Tick
from coaching.updates import HoldingUpdate

log = logging.getLogger("coach.runtime")

BATCH_EVENTS = 200  # events leased and processed in one transaction
BATCH_CONVERSATIONS = 200
POLL = 1.0  # seconds between looks at the inbox when idle (others' leases running out)
MAX_STORE_BACKOFF = 5.0


class EngineFailure(Exception):
    """The engine raised on an event (a bug): the event is skipped, not retried."""


@dataclass(frozen=True, slots=True)
class Outcome:
    duplicate: bool = False
    nudges: tuple[Nudge, ...] = ()
    signals: tuple[Signal, ...] = ()


@dataclass(frozen=True, slots=True)
class _Item:
    event: Event
    seq: int | None = None  # its inbox row, removed when it is processed
    received: float | None = None  # wall clock when it was received (latency)
    processed: bool = False  # a redelivery of an event processed before: not scored again


class Runtime:
    def __init__(
        self,
        engine: Engine,
        store: Store,
        deliveries: Mapping[str, NudgeDelivery],
        clock: Clock,
        metrics: Metrics | None = None,
        *,
        workers: int = 4,
        max_backlog: int = 100_000,
        lease_seconds: float = 30.0,
        tick_seconds: float = 5.0,
        store_text: bool = False,
        history: HistoryLookup | None = None,
    ) -> None:
        self.engine = engine
        self.store = store
        self.deliveries = dict(deliveries)
        self.clock = clock
        self.metrics = metrics or Metrics()
        self.workers = workers
        self.lease_seconds = lease_seconds
        self.tick_seconds = tick_seconds
        self.store_text = store_text
        self.history = history or HistoryLookup(store, clock)
        self.scoring = BatchScorer(engine, self.metrics)  # messages' scores, with context
        self.outbox = Outbox(store, self.deliveries, clock, self.metrics, lease_seconds)
        # A token wakes one idle worker (events were stored, or a worker found work and
        # there may be more); at most one waits, so a burst of writes wakes one at a time.
        self._wakeup: asyncio.Queue[None] = asyncio.Queue(1)
        self.inbox = Inbox(store, self.metrics, max_backlog, self._wake_one)
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._busy = 0  # workers holding a lease
        self._progress = asyncio.Condition()  # notified after each batch (drain)
        # Posts automatic holding updates (bot/service/updates.py), when a team turned them on.
        self.holding: Callable[[HoldingUpdate], Awaitable[None]] | None = None

    # --- intake ------------------------------------------------------------------------

    def submit(self, event: Event) -> Awaitable[bool]:
        """Store ``event`` in the inbox; resolves True once stored (acknowledge it), False
        when refused (do not acknowledge: the platform will retry)."""
        return self.inbox.submit(event)

    # --- processing --------------------------------------------------------------------

    async def process(self, event: Event, received: float | None = None) -> Outcome:
        """Process one event now, outside the inbox (replays, tests); its nudges are
        delivered before this returns. An engine failure rolls it back: EngineFailure."""
        received = time.time() if received is None else received
        (outcome,) = await self._process([_Item(storable_event(event), None, received)], wait=True)
        return outcome

    async def _process(
        self, items: Sequence[_Item], *, wait: bool, release: Release | None = None
    ) -> list[Outcome]:
        """One batch, in one store transaction, then its new nudges delivered (``wait``:
        before this returns; otherwise in the background). Events of one conversation are
        stepped in the order given; EngineFailure rolls the batch back."""
        now = self.clock.now()
        processed = [i.processed for i in items]  # retries: the claim below decides
        # the engine cannot read the store: customers new to a conversation get their history
        events = await self.history.attach([i.event for i in items], processed)
        items = [replace(i, event=e) for i, e in zip(items, events, strict=True)]
        assessments = await self.scoring.score(self.store, events, processed)
        records = [r for i in items if (r := event_record(i.event, self._stored_text(i.event)))]
        keys = [i.event.conversation.key for i in items]
        seqs = [i.seq for i in items if i.seq is not None]
        outcomes: list[Outcome] = []
        made: list[tuple[Nudge, float | None]] = []
        held: list[HoldingUpdate] = []
        lease_until = now + self.lease_seconds
        async with self.store.batch(keys, records, seqs, release) as tx:
            fresh = set(tx.claimed)
            for item, assessment in zip(items, assessments, strict=True):
                event = item.event
                if not isinstance(event, Tick):
                    if event.event_id not in fresh:
                        self.metrics.duplicates.inc()
                        log.info("duplicate event %s ignored", event.event_id)
                        outcomes.append(Outcome(duplicate=True))
                        continue
                    fresh.discard(event.event_id)  # the same event twice in one batch
                key = event.conversation.key
                try:
                    result = self.engine.step(tx.states.get(key), event, now, assessment)
                except Exception as exc:  # a bug, not an outage: retrying would not help
                    raise EngineFailure(describe(exc)) from exc
                deadline = self.engine.next_deadline(result.state)
                signals = [signal_record(s) for s in result.signals]
                tx.save(key, result.state, deadline, signals, list(result.nudges), lease_until)
                outcomes.append(Outcome(nudges=result.nudges, signals=result.signals))
                made.extend((n, item.received) for n in result.nudges)
                held.extend(result.holding)
                if result.note:
                    log.info("event %s: %s", event.event_id, result.note)
                if not isinstance(event, Tick):
                    self.metrics.events.labels(
                        event.conversation.platform, type(event).__name__
                    ).inc()
        for item in items:  # committed: each customer is known in their conversation now
            self.history.attached(item.event)
        new = {n.nudge_id for n in tx.inserted}  # only these were not delivered before
        for nudge in tx.inserted:
            self.metrics.nudges.labels(nudge.kind.value).inc()
        fresh_nudges = [(n, r) for n, r in made if n.nudge_id in new]
        if wait:
            await self.outbox.deliver(fresh_nudges)
        else:
            await self.outbox.send(fresh_nudges, lease_until)
        if self.holding is not None:
            for update in held:  # committed: the engine will not make them again
                await self.holding(update)
        return [
            Outcome(o.duplicate, tuple(n for n in o.nudges if n.nudge_id in new), o.signals)
            for o in outcomes
        ]

    def _stored_text(self, event: Event) -> str | None:
        if self.store_text and isinstance(event, MessagePosted | MessageEdited):
            return stored_text(event.text)
        return None

    # --- the inbox workers -------------------------------------------------------------

    def _wake_one(self) -> None:
        with contextlib.suppress(asyncio.QueueFull):  # one is already on its way
            self._wakeup.put_nowait(None)

    async def _worker(self, index: int) -> None:
        owner = f"{self._owner}:{index}"
        backoff = 0.2
        while not self._stopping.is_set():
            stored_before = self.inbox.stored
            try:
                now, most = self.clock.now(), (BATCH_CONVERSATIONS, BATCH_EVENTS)
                leased = await self.store.inbox_lease(owner, now, self.lease_seconds, *most)
            except Exception as exc:
                log.warning("inbox not readable (%s); again in %.1f s", describe(exc), backoff)
                await self._pause(backoff)
                backoff = min(backoff * 2, MAX_STORE_BACKOFF)
                continue
            if not leased:
                await self._until_woken()
                continue
            if self._stopping.is_set():  # stopped while leasing: leave it to the next start
                await self._release(owner, leased)
                break
            full = len(leased) >= BATCH_EVENTS or (
                len({p.conversation for p in leased}) >= BATCH_CONVERSATIONS
            )
            if full:  # more is waiting: another worker takes the next batch
                self._wake_one()
            self._busy += 1
            try:
                released = await self._work_through(leased, owner)
                backoff = 0.2
            except Exception as exc:  # the store failed: the events wait in the inbox
                why, n = describe(exc), len(leased)
                log.warning(
                    "store unavailable (%s); %d events wait, again in %.1f s", why, n, backoff
                )
                await self._pause(backoff)
                backoff = min(backoff * 2, MAX_STORE_BACKOFF)
                continue  # the leases are still this worker's: it carries on with them
            finally:
                self._busy -= 1
            if not released:
                await self._release(owner, leased)
            async with self._progress:
                self._progress.notify_all()
            if not full and self.inbox.stored == stored_before:
                await self._until_woken()  # that was all; new events will wake a worker
            # else look again at once: more waits, perhaps in conversations held till now

    async def _until_woken(self) -> None:
        with contextlib.suppress(TimeoutError):  # then look anyway: leases run out
            await asyncio.wait_for(self._wakeup.get(), POLL)

    async def _release(self, owner: str, leased: list[Pending]) -> None:
        with contextlib.suppress(Exception):  # unreleased leases run out by themselves
            await self.store.inbox_release(owner, sorted({p.conversation for p in leased}))

    async def _work_through(self, leased: list[Pending], owner: str) -> bool:
        """Process a lease; True when its batch's commit also ended the leases."""
        self.metrics.batch_size.observe(len(leased))
        items: list[_Item] = []
        unreadable: list[DeadLetter] = []
        now = self.clock.now()
        for p in leased:
            try:
                items.append(_Item(event_codec.loads(p.payload), p.seq, p.received_at, p.processed))
            except ValueError as exc:
                unreadable.append(
                    DeadLetter(p.event_id, p.conversation, str(exc), p.received_at, now, p.seq)
                )
        await set_aside(self.store, self.metrics, unreadable, "processing")
        released = False
        try:
            release = (owner, sorted({p.conversation for p in leased}))
            await self._process(items, wait=False, release=release)
            released = True
        except Exception as exc:  # an outage (raised again: it all waits) or a poison
            poisoned = await isolate(items, self._process_quietly, self.store, exc)
            self.metrics.errors.inc(sum(isinstance(e, EngineFailure) for _, e in poisoned))
            letters = [
                DeadLetter(
                    i.event.event_id,
                    i.event.conversation.key,
                    describe(e.__cause__ or e),
                    i.received or 0.0,
                    now,
                    i.seq,
                )
                for i, e in poisoned
            ]
            await set_aside(self.store, self.metrics, letters, "processing")
        self.inbox.backlog = max(0, self.inbox.backlog - len(leased))
        self.metrics.queue_depth.set(self.inbox.backlog)
        return released

    async def _process_quietly(self, items: Sequence[_Item]) -> None:
        await self._process(items, wait=False)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    # --- timers and the outbox ------------------------------------------------------------

    async def fire_timers(self) -> int:
        """Feed a Tick to every conversation whose deadline has passed; returns nudges made."""
        now = self.clock.now()
        keys = await self.store.due(now)
        made = 0
        for start in range(0, len(keys), BATCH_EVENTS):
            chunk = keys[start : start + BATCH_EVENTS]
            ticks = [_Item(Tick(ConversationRef.from_key(k), now)) for k in chunk]
            try:
                made += sum(len(o.nudges) for o in await self._process(ticks, wait=True))
            except Exception as exc:  # an outage (raised again) or a timer failing alone
                for item, failure in await isolate(ticks, self._process_quietly, self.store, exc):
                    await self._stop_timer(item.event.conversation.key, failure)
        return made

    async def _stop_timer(self, key: str, failure: BaseException) -> None:
        """A timer that fails alone is not fired again: the next message sets a new one."""
        self.metrics.errors.inc()
        log.error("timer of %s failed and was stopped: %s", key, describe(failure))
        async with self.store.batch([key], []) as tx:
            if (state := tx.states.get(key)) is not None:
                tx.save(key, state, None, [], [], self.clock.now())

    async def retry_deliveries(self) -> int:
        """Deliver nudges left in the outbox (after a failure, a restart or a lease expiry)."""
        return await self.outbox.retry()

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
        await self._recount()
        self._tasks = [asyncio.create_task(self._worker(n)) for n in range(self.workers)]
        self._tasks.append(asyncio.create_task(self._timer_loop()))

    async def stop(self, deadline: float = 10.0) -> None:
        """Refuse new events, let the batches under way finish and their nudges be
        delivered within ``deadline`` seconds, then stop. What waits stays in the inbox
        (and undelivered nudges in the outbox) for the next start or another replica."""
        await self.inbox.close()
        self._stopping.set()
        tasks, self._tasks = self._tasks, []
        try:
            await asyncio.wait_for(self._finish_under_way(), deadline)
        except TimeoutError:
            log.warning("shutdown deadline reached: work under way stays in the store")
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.outbox.cancel()

    async def _finish_under_way(self) -> None:
        while self._busy:
            async with self._progress:
                await self._progress.wait()
        await self.outbox.flush()

    async def drain(self) -> None:
        """Wait until the inbox is empty, no batch is under way and their nudges are
        delivered (tests)."""
        while self._busy or await self.store.inbox_backlog():
            self._wake_one()
            async with self._progress:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._progress.wait(), POLL)
        await self.outbox.flush()

    async def _recount(self) -> None:
        with contextlib.suppress(Exception):  # the next count will do
            self.inbox.backlog = await self.store.inbox_backlog()
            self.metrics.queue_depth.set(self.inbox.backlog)

    async def _timer_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.fire_timers()
                await self.retry_deliveries()
            except Exception as exc:
                log.error("timer loop iteration failed: %s", describe(exc))
                log.debug("timer traceback", exc_info=True)
            await self._recount()  # the backlog is shared with other replicas
            await self._pause(self.tick_seconds)
