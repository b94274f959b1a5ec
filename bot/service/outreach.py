"""Surveys and the weekly digest in the running bot: which run, and how often.

Surveys run only when ``[survey] enabled`` (the one thing the bot ever shows a
customer); the digest only when ``[digest] channel`` is set. Each runs in a loop of its
own beside the runtime, reading and writing the store (nothing is held in memory that a
restart would lose): surveys every runtime tick, the digest check every minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from adapters.outreach import Outreach
from bot.ops.clock import Clock
from bot.ops.logs import describe
from bot.reports.digest import DigestService
from bot.store.base import Store
from bot.store.outreach import outreach_of
from bot.surveys.service import SurveyService
from config.settings import Settings

log = logging.getLogger("coach.outreach")

DIGEST_EVERY = 60.0
STOP_WITHIN = 5.0  # seconds a survey or digest being sent may take to finish at shutdown


class HasOutreach(Protocol):
    platform: str
    outreach: Outreach


@dataclass
class OutreachServices:
    surveys: SurveyService | None = None
    digest: DigestService | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def build(
        cls, settings: Settings, store: Store, adapters: Iterable[HasOutreach], clock: Clock
    ) -> OutreachServices:
        outlets = {a.platform: a.outreach for a in adapters}
        services = cls()
        if settings.survey.enabled:  # otherwise no customer is ever shown anything
            surveys = SurveyService(
                outreach_of(store),
                outlets,
                clock,
                csat=settings.survey.csat,
                delay=settings.survey.delay_seconds,
            )
            for outlet in outlets.values():
                outlet.record = surveys.answer
            services.surveys = surveys
        if settings.digest.channel:
            services.digest = DigestService(
                store,
                outreach_of(store),
                dict(outlets),
                clock,
                settings.digest,
                zone=settings.coaching.timezone,
                store_text=settings.storage.store_text,
            )
        return services

    async def run_once(self) -> None:
        """One round of each service that is on (the loops do this on their own)."""
        if self.surveys is not None:
            await self.surveys.sweep()
        if self.digest is not None:
            await self.digest.run_once()

    def start(self, tick_seconds: float) -> None:
        self._stopping.clear()
        jobs = [(tick_seconds, self.surveys.sweep)] if self.surveys is not None else []
        if self.digest is not None:
            jobs.append((DIGEST_EVERY, self.digest.run_once))
        self._tasks = [asyncio.create_task(self._every(s, job)) for s, job in jobs]

    async def stop(self) -> None:
        # The flag, not only the cancellation: Python 3.11's wait_for can swallow a
        # cancellation that arrives as the awaited call completes.
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=STOP_WITHIN)
        self._tasks = []

    async def _every(self, seconds: float, job: Callable[[], Awaitable[object]]) -> None:
        """Run ``job`` now and then every ``seconds`` until stopped; a failure is logged,
        not fatal."""
        while not self._stopping.is_set():
            try:
                await job()
            except Exception as exc:
                log.error("%s failed: %s", getattr(job, "__qualname__", "job"), describe(exc))
                log.debug("traceback", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)
