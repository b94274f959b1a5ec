"""Poison events: what fails alone while the store is reachable is set aside.

A batch (of inbox writes, or of events processed together) can fail for two reasons: the
store is unreachable (an outage: everything waits and is tried again, nothing is lost or
set aside) or one of its items can never succeed (a poison: a bug it triggers, a value a
database refuses). Retrying a poisoned batch forever would freeze every conversation
leased with it, so a batch that fails while the store answers is split in halves, each
tried on its own, until the failing items are alone; an item that fails alone twice, its
batch-mates committed, is returned to the caller to be dead-lettered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import sqlalchemy.exc

from bot.ops.metrics import Metrics
from bot.store.base import DeadLetter, Store

T = TypeVar("T")

log = logging.getLogger("coach.poison")

PING_TIMEOUT = 2.0  # seconds the store has to answer "are you there?"

# Failures of the connection, not of what was written: always an outage.
_OUTAGE = (
    OSError,  # ConnectionError and the drivers' socket errors
    TimeoutError,
    sqlalchemy.exc.OperationalError,  # connection lost, server restarting, database locked
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.DisconnectionError,
    sqlalchemy.exc.TimeoutError,  # the pool had no connection to give
)


async def is_outage(failure: BaseException, store: Store) -> bool:
    """Whether ``failure`` says the store is unreachable (not that an item is bad)."""
    if isinstance(failure, _OUTAGE):
        return True
    if isinstance(failure, sqlalchemy.exc.DBAPIError) and failure.connection_invalidated:
        return True
    try:
        await asyncio.wait_for(store.inbox_backlog(), PING_TIMEOUT)
    except Exception:
        return True
    return False


async def isolate(
    items: Sequence[T],
    attempt: Callable[[Sequence[T]], Awaitable[object]],
    store: Store,
    failure: BaseException,
) -> list[tuple[T, BaseException]]:
    """``items`` failed together with ``failure``: try them again in halves, in order,
    until each failing one is alone. Returns the items that failed alone (with their
    failure); the rest have been attempted successfully. Raises when the store is
    unreachable: an outage sets nothing aside (what has not succeeded is tried later)."""
    if await is_outage(failure, store):
        raise failure
    if len(items) == 1:
        try:  # once more: a passing conflict between transactions is not a poison
            await attempt(items)
        except Exception as again:
            if await is_outage(again, store):
                raise
            return [(items[0], again)]
        return []
    poisoned: list[tuple[T, BaseException]] = []
    middle = len(items) // 2
    for half in (items[:middle], items[middle:]):  # in order: a conversation stays in order
        try:
            await attempt(half)
        except Exception as exc:
            poisoned += await isolate(half, attempt, store, exc)
    return poisoned


async def set_aside(store: Store, metrics: Metrics, letters: list[DeadLetter], stage: str) -> None:
    """Dead-letter events that can never be processed or stored: recorded without their
    text, removed from the inbox, counted in ``coach_events_dead_lettered_total``."""
    if not letters:
        return
    await store.dead_letter(letters)
    for letter in letters:
        metrics.dead_lettered.labels(stage).inc()
        log.error("event %s set aside (dead-lettered): %s", letter.event_id, letter.reason)
