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
from bot.clock import Clock
from bot.digest import DigestService
from bot.logsetup import describe
from bot.store.base import Store
from bot.store.outreach import outreach_of
from bot.surveys import SurveyService
from config.settings import Settings

log = logging.getLogger("coach.outreach")

DIGEST_EVERY = 60.0


class HasOutreach(Protocol):
    platform: str
    outreach: Outreach


@dataclass
class OutreachServices:
    surveys: SurveyService | None = None
    digest: DigestService | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

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

    def start(self, tick_seconds: float) -> None:
        if self.surveys is not None:
            self._tasks.append(asyncio.create_task(every(tick_seconds, self.surveys.sweep)))
        if self.digest is not None:
            self._tasks.append(asyncio.create_task(every(DIGEST_EVERY, self.digest.run_once)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []


async def every(seconds: float, job: Callable[[], Awaitable[object]]) -> None:
    """Run ``job`` now and then every ``seconds``; a failure is logged, not fatal."""
    while True:
        try:
            await job()
        except Exception as exc:
            log.error("%s failed: %s", getattr(job, "__qualname__", "job"), describe(exc))
            log.debug("traceback", exc_info=True)
        await asyncio.sleep(seconds)
