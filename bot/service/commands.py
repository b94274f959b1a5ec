"""Supervisor and agent commands, shared by every platform.

Adapters parse their platform's syntax into a ``CommandRequest``; this decides who may
see what (by immutable IDs and groups from configuration), reads the store, audits the
command, and answers with a ``Report``. A refusal reveals nothing about others.
"""

from __future__ import annotations

import asyncio
import logging
import math

from adapters.base import CommandRequest, Report, Roles, Scope, ScopeKind
from bot.ops.clock import Clock
from bot.ops.metrics import Metrics
from bot.ops.ratelimit import CommandLimiter, person
from bot.reports import highlights
from bot.reports import views as reports
from bot.reports.charts import with_chart
from bot.reports.customers import CustomerDesk
from bot.reports.history import HistoryLookup
from bot.reports.summary import compute
from bot.store.base import SliceFilter, Store
from bot.surveys.satisfaction import period_slice
from coaching.policy import Policy

log = logging.getLogger("coach.commands")
CUSTOMER_COMMANDS = ("customer", "forget")  # supervisors only (bot/reports/customers.py)
READS_STORE = frozenset({"summary", "me", "status", "inbox", "highlights", *CUSTOMER_COMMANDS})


class CommandService:
    def __init__(
        self,
        store: Store,
        roles: Roles,
        clock: Clock,
        metrics: Metrics,
        waiting_after: float,
        customers: CustomerDesk | None = None,
        *,
        store_text: bool = False,
        limiter: CommandLimiter | None = None,
    ) -> None:
        self.store = store
        self.roles = roles
        self.clock = clock
        self.metrics = metrics
        self.waiting_after = waiting_after
        self.customers = customers or CustomerDesk(HistoryLookup(store, clock), Policy())
        self.store_text = store_text  # highlights quote replies only where text is kept
        self.limiter = limiter or CommandLimiter(clock)

    async def handle(self, request: CommandRequest) -> Report:
        supervisor = self.roles.is_supervisor(request.user, request.user_groups)
        allowed = self._allowed(request, supervisor)
        wait = 0.0
        if allowed and request.name in READS_STORE and not request.problem:
            wait = self.limiter.wait_for(person(request.platform, request.workspace, request.user))
        await self.store.add_command(
            self.clock.now(), request.platform, request.user, request.name, allowed and not wait
        )
        self.metrics.commands.labels(request.name, str(allowed and not wait).lower()).inc()
        log.info(
            "command %s by %s (%s)",
            request.name,
            request.user,
            "rate limited" if wait else "allowed" if allowed else "refused",
        )
        if request.problem:
            return Report(
                title=request.problem, lines=reports.help_report(supervisor, request.platform).lines
            )
        if not allowed:
            return reports.REFUSAL
        if wait:
            return reports.slow_down(math.ceil(wait))
        if request.name not in READS_STORE:
            return reports.help_report(supervisor, request.platform)
        async with self.limiter.running:
            return await self._read(request)

    async def _read(self, request: CommandRequest) -> Report:
        if request.name in ("summary", "me"):
            scope = (
                request.scope if request.name == "summary" else Scope(ScopeKind.AGENT, request.user)
            )
            return await self.summary(request, scope)
        if request.name == "status":
            states = await self.store.open_states(request.platform, request.workspace)
            return reports.status_report(states, self.clock.now(), self.waiting_after)
        if request.name == "inbox":
            return reports.inbox_report(await self.store.inbox(request.user))
        if request.name in CUSTOMER_COMMANDS:
            return await self.customers.answer(request, self.clock.now())
        return await self.highlights(request)

    def _allowed(self, request: CommandRequest, supervisor: bool) -> bool:
        if request.name in ("help", "me", "inbox") or request.problem:
            return True
        if request.name == "summary" and request.scope == Scope(ScopeKind.AGENT, request.user):
            return True  # anyone may see their own record
        return supervisor and request.name in (
            "summary",
            "status",
            "highlights",
            *CUSTOMER_COMMANDS,
        )

    async def summary(self, request: CommandRequest, scope: Scope) -> Report:
        now = self.clock.now()
        where = slice_filter(scope, request.platform, request.workspace)
        data = await period_slice(self.store, now - request.period.seconds, now + 1, where)
        # Figures for a large team take a while: off the event loop, so events keep flowing.
        figures = await asyncio.to_thread(compute, data, now)
        report = reports.summary_report(figures, scope, request.period)
        return await with_chart(report, figures) if request.name == "summary" else report

    async def highlights(self, request: CommandRequest) -> Report:
        now = self.clock.now()
        where = slice_filter(request.scope, request.platform, request.workspace)
        data = await period_slice(self.store, now - request.period.seconds, now + 1, where)
        found = highlights.find(await asyncio.to_thread(compute, data, now), data)
        label = f"last {request.period.value}"
        return highlights.highlights_report(
            found, request.scope, label, self.store_text, request.platform
        )


def slice_filter(
    scope: Scope, platform: str | None = None, workspace: str | None = None
) -> SliceFilter:
    """What the store is to read for ``scope``, within a platform workspace when given."""
    if scope.kind is ScopeKind.CHANNEL:
        return SliceFilter(platform, workspace, channel=scope.id)
    if scope.kind is ScopeKind.CONVERSATION:
        return SliceFilter(platform, workspace, conversation=scope.id)
    if scope.kind is ScopeKind.AGENT:
        return SliceFilter(platform, workspace, agent=scope.id)
    return SliceFilter(platform, workspace)
