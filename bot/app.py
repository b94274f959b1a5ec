"""``coach run``: wire configuration, store, runtime, commands and platform adapters,
then run until SIGTERM/SIGINT and shut down in order (stop intake, drain, close)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass, field
from typing import Any, Protocol

from adapters.base import AdapterFailed, NudgeDelivery, Roles
from adapters.outreach import Outreach
from adapters.practice import PracticeHandler
from bot.ops import listener
from bot.ops.clock import Clock, SystemClock
from bot.ops.logs import describe, loop_exception_handler
from bot.ops.metrics import Metrics
from bot.practice.service import practice_service
from bot.reports.customers import CustomerDesk
from bot.reports.history import HistoryLookup
from bot.service.commands import CommandService
from bot.service.outreach import OutreachServices
from bot.service.policy import policy_from
from bot.service.runtime import Runtime
from bot.service.scoring import build_engine, warm_up
from bot.service.updates import UpdateService, updates_service
from bot.store import open_store
from bot.store.base import Store
from config import LoadedConfig
from config.settings import RolesSettings

log = logging.getLogger("coach.app")
PURGE_EVERY = 3600.0


class Adapter(Protocol):
    platform: str
    delivery: NudgeDelivery
    outreach: Outreach  # surveys and the digest (bot/service/outreach.py)

    async def start(self) -> None: ...
    async def stop_intake(self) -> None: ...
    async def stop(self) -> None: ...
    def health(self) -> dict[str, Any]: ...


def roles_from(settings: RolesSettings) -> Roles:
    return Roles(
        agents=frozenset(settings.agents),
        supervisors=frozenset(settings.supervisors),
        agent_groups=frozenset(settings.agent_groups),
        supervisor_groups=frozenset(settings.supervisor_groups),
        agent_roles=frozenset(settings.agent_roles),
        supervisor_roles=frozenset(settings.supervisor_roles),
    )


@dataclass
class Bot:
    """Everything ``coach run`` starts, in start order."""

    config: LoadedConfig
    store: Store
    runtime: Runtime
    commands: CommandService
    adapters: list[Adapter] = field(default_factory=list)
    ops_server: listener.OpsServer | None = None
    practice: PracticeHandler | None = None
    outreach: OutreachServices = field(default_factory=OutreachServices)
    updates: UpdateService | None = None  # holding updates to customers, when turned on
    _purger: asyncio.Task[None] | None = None

    @classmethod
    async def build(cls, config: LoadedConfig, clock: Clock | None = None) -> Bot:
        settings = config.settings
        clock = clock or SystemClock()
        metrics = Metrics()
        store = await open_store(config.storage_url, store_text=settings.storage.store_text)
        policy = policy_from(settings, await store.installation_key())
        history = HistoryLookup(
            store, clock, settings.coaching.history_days, settings.storage.retention_days
        )
        engine = build_engine(policy, settings.coaching.model)
        warm_up(engine.detectors)  # before any event: not a second's stall on the first
        runtime = Runtime(
            engine,
            store,
            {},
            clock,
            metrics,
            workers=settings.runtime.workers,
            max_backlog=settings.runtime.max_backlog,
            lease_seconds=settings.runtime.lease_seconds,
            tick_seconds=settings.runtime.tick_seconds,
            store_text=settings.storage.store_text,
            history=history,
        )
        roles = roles_from(settings.roles)
        commands = CommandService(
            store,
            roles,
            clock,
            metrics,
            policy.waiting_after,
            CustomerDesk(history, policy),
            store_text=settings.storage.store_text,
        )
        bot = cls(config, store, runtime, commands)
        bot.practice = practice_service(
            config, store, roles, clock, policy, engine.detectors, commands.limiter
        )
        if settings.slack.enabled:
            from bot.service.wiring import slack_adapter

            bot.adapters.append(slack_adapter(config, roles, runtime, commands, bot.practice))
        if settings.discord.enabled:
            from bot.service.wiring import discord_adapter

            bot.adapters.append(discord_adapter(config, roles, runtime, commands, bot.practice))
        for adapter in bot.adapters:
            runtime.deliveries[adapter.platform] = adapter.delivery
        bot.outreach = OutreachServices.build(settings, store, bot.adapters, clock)
        bot.updates = updates_service(settings, runtime, bot.adapters, clock, metrics)
        if settings.http.enabled:
            # Never on Slack's public port: a listener of its own, on loopback by default.
            handlers = listener.routes(
                metrics, bot.health, lambda: int(metrics.queue_depth._value.get())
            )
            bot.ops_server = listener.OpsServer(settings.http.host, settings.http.port, handlers)
        return bot

    def health(self) -> dict[str, dict[str, Any]]:
        return {a.platform: a.health() for a in self.adapters}

    async def start(self) -> None:
        await self.runtime.start()
        if self.ops_server is not None:
            try:
                await self.ops_server.start()
            except OSError as exc:  # health endpoints are a help, not a reason not to coach
                log.warning(
                    "/healthz and /metrics not served: %s:%s unavailable (%s)",
                    self.ops_server.host,
                    self.ops_server.port,
                    exc.strerror,
                )
                self.ops_server = None
        for adapter in self.adapters:
            await adapter.start()
        self._purger = asyncio.create_task(self._purge_loop())
        self.outreach.start(self.config.settings.runtime.tick_seconds)

    async def stop(self) -> None:
        """Stop intake first, then finish the batches under way (and deliver their nudges)
        within the deadline, then disconnect and close. What waits stays in the inbox."""
        if self._purger is not None:
            self._purger.cancel()
        await self.outreach.stop()
        for adapter in self.adapters:
            with contextlib.suppress(Exception):
                await adapter.stop_intake()
        await self.runtime.stop(self.config.settings.runtime.shutdown_seconds)
        for adapter in reversed(self.adapters):
            with contextlib.suppress(Exception):
                await adapter.stop()
        if self.ops_server is not None:
            await self.ops_server.stop()
        await self.store.close()

    async def _purge_loop(self) -> None:
        keep = self.config.settings.storage.retention_days * 86_400
        while True:
            try:
                removed = await self.store.purge(self.runtime.clock.now() - keep)
                if removed:
                    log.info("retention: purged %d old records", removed)
            except Exception as exc:
                log.error("retention purge failed: %s", describe(exc))
                log.debug("purge traceback", exc_info=True)
            await asyncio.sleep(PURGE_EVERY)


async def run(config: LoadedConfig) -> int:
    bot = await Bot.build(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(loop_exception_handler)
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await bot.start()
        log.info("coach is running (%s)", ", ".join(a.platform for a in bot.adapters))
        await stop.wait()
        log.info("shutting down")
    except AdapterFailed as exc:
        log.error("%s", exc)
        return 2
    finally:
        await bot.stop()
    return 0
