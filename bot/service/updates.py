"""Updates to the customer: the one-click update an agent sends from a waiting reminder,
and the automatic holding update (coaching/updates.py decides when; this posts it).

Exactly once. An update is an engine event of its own, ``update:{the reminder's nudge
id}`` or ``update:auto:{the automatic update's id}``, and the store claims each event id
once and durably. The event is processed — claimed, and counted as the agent's update: the
reminder stops, and the update's promise (the draft's span, or a time typed into an edited
one) starts the new timer — before anything is posted, so a second click, a retried
interaction, another replica or a restart finds it claimed and posts nothing. Should
posting then fail, it is not tried again (the agent is told to write themselves, and the
update's own promise sets a new reminder): at most once, never twice.

The draft is the reminder's own: ``coaching.updates.draft`` with the running engine's
``waiting_repeat``, the value the reminder was drafted with.

Only the reminder's own agent may send it; anyone else's click is refused and posts
nothing. Once an agent has written in the conversation since the reminder, its update is
no longer owed: a late click posts nothing (``coaching.updates.written_since``). Nothing
is posted unless the team turned ``[updates] one_click`` (clicks) or
``auto_after_minutes`` (automatic updates) on: off, this service is not even built.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from adapters.base import DeliveryStatus
from adapters.updates import MAX_TEXT, UpdatePoster, UpdateRequest, UpdateResult, UpdateStatus
from bot.ops.clock import Clock
from bot.ops.logs import describe
from bot.ops.metrics import Metrics
from bot.service.runtime import Runtime
from bot.store.records import NudgeRecord
from coaching.types import ConversationRef, MessagePosted, NudgeKind, Role
from coaching.updates import (
    HoldingUpdate,
    UpdateKind,
    auto_id,
    draft,
    one_click_id,
    written_since,
)
from config.settings import Settings

log = logging.getLogger("coach.updates")


class UpdateService:
    def __init__(
        self,
        runtime: Runtime,
        posters: Mapping[str, UpdatePoster],
        clock: Clock,
        metrics: Metrics,
        *,
        one_click: bool,
    ) -> None:
        self.runtime, self.posters, self.clock = runtime, dict(posters), clock
        self.metrics, self.one_click = metrics, one_click

    async def draft(self, request: UpdateRequest) -> UpdateResult:
        """For "Edit": the draft to start from, when the clicker may send it."""
        record, refused = await self._theirs(request)
        if record is None:
            return refused
        return UpdateResult(UpdateStatus.READY, record.agent, self._draft(record))

    async def send(self, request: UpdateRequest) -> UpdateResult:
        """Post the reminder's update (the draft, or ``request.text`` edited) once."""
        record, refused = await self._theirs(request)
        if record is None:
            return refused
        text = self._draft(record) if request.text is None else request.text.strip()
        if not text or len(text) > MAX_TEXT:
            return UpdateResult(UpdateStatus.EMPTY, record.agent)
        ref = ConversationRef.from_key(record.conversation)
        status = await self._post(
            one_click_id(record.nudge_id), ref, record.agent, text, UpdateKind.ONE_CLICK
        )
        return UpdateResult(status, record.agent, text)

    async def auto(self, update: HoldingUpdate) -> None:
        """Post an automatic holding update (the runtime hands each over once)."""
        try:
            ref = ConversationRef.from_key(update.conversation_key)
        except ValueError:
            return
        event_id = auto_id(update.update_id)  # told apart from a click's by its id
        status = await self._post(event_id, ref, update.agent, update.text, UpdateKind.AUTO)
        log.info("automatic update %s in %s: %s", update.update_id, ref.key, status)

    def _draft(self, record: NudgeRecord) -> str:
        """The reminder's draft, as the engine wrote it: same trigger, same check-in span."""
        return draft(record.trigger_event, self.runtime.engine.policy.waiting_repeat)

    async def _theirs(self, request: UpdateRequest) -> tuple[NudgeRecord | None, UpdateResult]:
        """The reminder, when one-click updates are on and ``request.user`` is its agent."""
        record = await self.runtime.store.nudge(request.nudge_id) if self.one_click else None
        if record is None or record.kind != NudgeKind.WAITING.value:
            return None, UpdateResult(UpdateStatus.UNKNOWN)
        if request.user != record.agent:  # only the agent the reminder was for
            log.info(
                "update of nudge %s refused: %s is not its agent", record.nudge_id, request.user
            )
            return None, UpdateResult(UpdateStatus.NOT_YOURS, record.agent)
        async with self.runtime.store.transaction(record.conversation) as tx:
            state = tx.state
        if state is not None and written_since(state, record.nudge_id, record.created_at):
            return None, UpdateResult(UpdateStatus.STALE, record.agent)
        return record, UpdateResult(UpdateStatus.READY, record.agent)

    async def _post(
        self, event_id: str, ref: ConversationRef, agent: str, text: str, kind: UpdateKind
    ) -> UpdateStatus:
        poster = self.posters.get(ref.platform)
        if poster is None:
            return UpdateStatus.UNKNOWN
        event = MessagePosted(
            event_id, ref, event_id, agent, Role.AGENT, text, self.clock.now(), update=kind.value
        )
        try:
            outcome = await self.runtime.process(event)  # the claim: once, durably
        except Exception as exc:  # nothing claimed, nothing posted: a later click may
            log.warning("update %s not recorded (%s); not posted", event_id, describe(exc))
            return UpdateStatus.FAILED
        if outcome.duplicate:
            self.metrics.updates.labels(kind.value, "duplicate").inc()
            return UpdateStatus.ALREADY_SENT
        by = agent if kind is UpdateKind.ONE_CLICK else None  # automatic: the team's
        try:
            result = await poster.post_update(ref, by, text)
        except Exception as exc:  # an adapter bug: reported, never retried (at most once)
            log.error("posting update %s raised %s", event_id, describe(exc))
            return UpdateStatus.FAILED
        if result.status is not DeliveryStatus.SENT:
            self.metrics.updates.labels(kind.value, "failed").inc()
            log.warning("update %s not posted: %s", event_id, result.error or result.status)
            return UpdateStatus.FAILED
        self.metrics.updates.labels(kind.value, "sent").inc()
        return UpdateStatus.SENT


def updates_service(
    settings: Settings,
    runtime: Runtime,
    adapters: Iterable[Any],
    clock: Clock,
    metrics: Metrics,
) -> UpdateService | None:
    """The service when the team turned either kind of update on (else None: nothing is
    ever posted for an agent), given to each adapter for its buttons and to the runtime
    for automatic updates."""
    one_click, auto = settings.updates.one_click, settings.updates.auto_after_minutes > 0
    if not (one_click or auto):
        return None
    service = UpdateService(
        runtime, {a.platform: a.outreach for a in adapters}, clock, metrics, one_click=one_click
    )
    for adapter in adapters:
        adapter.updates = service if one_click else None  # the buttons, and their clicks
    if auto:
        runtime.holding = service.auto
    return service
