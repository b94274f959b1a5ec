"""The write-ahead inbox's front door: an event is acknowledged only once it is stored.

Adapters call ``submit(event)``, a plain call that queues the event at once (so events
keep the order they were submitted in) and returns a future. Events submitted while a
write is under way wait for the next one, so however many arrive together, one write
stores them all (group commit) and acknowledging stays fast under bursts. The future
says True once the event is stored — acknowledge it — and False when it was refused —
do not, so the platform retries: the store is unavailable or too slow, the backlog has
reached ``[runtime] max_backlog``, or the bot is stopping. Refusals are counted in
``coach_events_refused_total{reason}``.

Every string of an event is made storable first (bot/service/storable.py). Should a write still
fail while the store answers, its rows are tried in halves until the failing one is alone
(bot/service/poison.py): that one is set aside (dead-lettered, without its text) and acknowledged,
so it is never offered again and never refuses the events written with it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from bot.ops.logs import describe
from bot.ops.metrics import Metrics
from bot.service import event_codec
from bot.service.group_commit import GroupCommit
from bot.service.poison import isolate, set_aside
from bot.service.storable import storable_event
from bot.store.base import DeadLetter, Store
from coaching.types import Event, Tick

log = logging.getLogger("coach.inbox")

WRITE_TIMEOUT = 2.0  # seconds a write may take before its events are refused (Slack: 3 s)


class Inbox:
    def __init__(
        self, store: Store, metrics: Metrics, limit: int, on_stored: Callable[[], None]
    ) -> None:
        self.store, self.metrics, self.limit = store, metrics, limit
        self.on_stored = on_stored
        self.backlog = 0  # events waiting in the store: as last counted, plus stored since
        self.stored = 0  # events stored by this process so far
        self._writes = GroupCommit(self._write)
        self._closed = False

    def submit(self, event: Event) -> asyncio.Future[bool]:
        """Queue ``event`` for the next write; the future tells whether it was stored."""
        stored: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if self._closed:
            self._refuse(stored, "stopping")
        elif self.backlog + self._writes.waiting >= self.limit:
            self._refuse(stored, "backlog")
        elif isinstance(event, Tick):
            raise TypeError("timer ticks are not received events")
        else:
            event = storable_event(event)
            row = {
                "event_id": event.event_id,
                "conversation": event.conversation.key,
                "payload": event_codec.dumps(event),
                "received_at": time.time(),
            }
            platform = event.conversation.platform
            written = self._writes.add(row)
            written.add_done_callback(lambda w: self._settle(w, stored, platform))
        return stored

    async def _write(self, rows: list[dict[str, Any]]) -> None:
        try:
            try:
                await self._put(rows)
            except Exception as exc:  # an outage (raised again) or a row no store takes
                poisoned = await isolate(rows, self._put, self.store, exc)
                letters = [self._letter(row, failure) for row, failure in poisoned]
                await set_aside(self.store, self.metrics, letters, "intake")
        except Exception as exc:  # unavailable, full, locked, too slow: not stored
            log.warning("inbox: %d events refused: %s", len(rows), describe(exc))
            raise
        self.backlog += len(rows)  # redeliveries of waiting events too: recounted soon
        self.stored += len(rows)
        self.on_stored()

    async def _put(self, rows: Sequence[dict[str, Any]]) -> None:
        await asyncio.wait_for(self.store.inbox_put(list(rows)), WRITE_TIMEOUT)

    @staticmethod
    def _letter(row: dict[str, Any], failure: BaseException) -> DeadLetter:
        received = row["received_at"]
        return DeadLetter(
            row["event_id"], row["conversation"], describe(failure), received, received
        )

    def _settle(
        self, written: asyncio.Future[None], stored: asyncio.Future[bool], platform: str
    ) -> None:
        if written.cancelled() or written.exception() is not None:
            self._refuse(stored, "store")
            return
        self.metrics.accepted.labels(platform).inc()
        if not stored.done():  # the request may have been cancelled meanwhile
            stored.set_result(True)

    def _refuse(self, stored: asyncio.Future[bool], reason: str) -> None:
        self.metrics.refused.labels(reason).inc()
        if not stored.done():
            stored.set_result(False)

    async def close(self) -> None:
        """Refuse new events; finish the write under way (its events are acknowledged)."""
        self._closed = True
        await self._writes.close()
