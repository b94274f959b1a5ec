"""Supervisor and agent commands, shared by every platform.

Adapters parse their platform's syntax into a ``CommandRequest``; this decides who may
see what (by immutable IDs and groups from configuration), reads the store, audits the
command, and answers with a ``Report``. A refusal reveals nothing about others.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from adapters.base import CommandRequest, Report, Roles, Scope, ScopeKind
from bot import highlights, reports
from bot.charts import with_chart
from bot.clock import Clock
from bot.customers import CustomerDesk
from bot.history import HistoryLookup
from bot.metrics import Metrics
from bot.satisfaction import period_slice
from bot.store.base import Slice, Store
from bot.summary import compute
from coaching.policy import Policy
from coaching.types import ConversationRef

log = logging.getLogger("coach.commands")
CUSTOMER_COMMANDS = ("customer", "forget")  # supervisors only (bot/customers.py)


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
    ) -> None:
        self.store = store
        self.roles = roles
        self.clock = clock
        self.metrics = metrics
        self.waiting_after = waiting_after
        self.customers = customers or CustomerDesk(HistoryLookup(store, clock), Policy())
        self.store_text = store_text  # highlights quote replies only where text is kept

    async def handle(self, request: CommandRequest) -> Report:
        supervisor = self.roles.is_supervisor(request.user, request.user_groups)
        allowed = self._allowed(request, supervisor)
        await self.store.add_command(
            self.clock.now(), request.platform, request.user, request.name, allowed
        )
        self.metrics.commands.labels(request.name, str(allowed).lower()).inc()
        log.info(
            "command %s by %s (%s)", request.name, request.user, "allowed" if allowed else "refused"
        )
        if request.problem:
            return Report(
                title=request.problem, lines=reports.help_report(supervisor, request.platform).lines
            )
        if not allowed:
            return reports.REFUSAL
        if request.name in ("summary", "me"):
            scope = (
                request.scope if request.name == "summary" else Scope(ScopeKind.AGENT, request.user)
            )
            return await self.summary(request, scope)
        if request.name == "status":
            states = [
                s for s in await self.store.open_states() if _in_workspace(s.conversation, request)
            ]
            return reports.status_report(states, self.clock.now(), self.waiting_after)
        if request.name == "inbox":
            return reports.inbox_report(await self.store.inbox(request.user))
        if request.name in CUSTOMER_COMMANDS:
            return await self.customers.answer(request, self.clock.now())
        if request.name == "highlights":
            return await self.highlights(request)
        return reports.help_report(supervisor, request.platform)

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
        data = await period_slice(self.store, now - request.period.seconds, now + 1)
        data = restrict(data, scope, request.platform, request.workspace)
        figures = compute(data, now)
        report = reports.summary_report(figures, scope, request.period)
        return await with_chart(report, figures) if request.name == "summary" else report

    async def highlights(self, request: CommandRequest) -> Report:
        now = self.clock.now()
        data = await period_slice(self.store, now - request.period.seconds, now + 1)
        data = restrict(data, request.scope, request.platform, request.workspace)
        found = highlights.find(compute(data, now), data)
        label = f"last {request.period.value}"
        return highlights.highlights_report(found, request.scope, label, self.store_text)


def _in_workspace(ref: ConversationRef, request: CommandRequest) -> bool:
    return ref.platform == request.platform and ref.workspace == request.workspace


def restrict(
    data: Slice, scope: Scope, platform: str | None = None, workspace: str | None = None
) -> Slice:
    """Only the conversations (and, for an agent, the nudges) the scope covers, within a
    platform workspace when given."""
    refs = {k: ConversationRef.from_key(k) for k in {e.conversation for e in data.events}}
    keep = {
        k
        for k, ref in refs.items()
        if (platform is None or ref.platform == platform)
        and (workspace is None or ref.workspace == workspace)
    }
    if scope.kind is ScopeKind.CHANNEL:
        keep = {k for k in keep if refs[k].channel == scope.id}
    elif scope.kind is ScopeKind.CONVERSATION:
        keep = {k for k in keep if k == scope.id}
    elif scope.kind is ScopeKind.AGENT:
        agent_in = {
            e.conversation for e in data.events if e.author == scope.id and e.role == "agent"
        }
        keep &= agent_in
    nudges = [n for n in data.nudges if n.conversation in keep]
    if scope.kind is ScopeKind.AGENT:
        nudges = [n for n in nudges if n.agent == scope.id]
    ids = {n.nudge_id for n in nudges}
    return replace(
        data,
        events=[e for e in data.events if e.conversation in keep],
        signals=[s for s in data.signals if s.conversation in keep],
        nudges=nudges,
        feedback=[f for f in data.feedback if f.nudge_id in ids],
        surveys=[s for s in data.surveys if s.conversation in keep],
    )
