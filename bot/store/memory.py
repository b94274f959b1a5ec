"""An in-process store: replays, the demo and tests. Same contract as the SQL store."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from bot.store.base import (
    Finished,
    OneTx,
    Release,
    Slice,
    SliceFilter,
    one_transaction,
)
from bot.store.memory_inbox import MemoryInbox
from bot.store.owners import Owners
from bot.store.records import (
    EventRecord,
    FeedbackRecord,
    NudgeRecord,
    SignalRecord,
    nudge_record,
)
from bot.store.survey_records import SurveyRecord
from coaching.state import ConversationState
from coaching.types import ConversationRef, Nudge


@dataclass
class _Batch:
    states: dict[str, ConversationState | None]
    claimed: set[str]
    inserted: list[Nudge] = field(default_factory=list)
    staged: dict[str, tuple[ConversationState, float | None]] = field(default_factory=dict)
    signals: list[SignalRecord] = field(default_factory=list)
    nudges: list[tuple[Nudge, float]] = field(default_factory=list)

    def save(
        self,
        conversation: str,
        state: ConversationState,
        deadline: float | None,
        signals: list[SignalRecord],
        nudges: list[Nudge],
        lease_until: float,
    ) -> None:
        self.staged[conversation] = (state, deadline)
        self.states[conversation] = state
        self.signals.extend(signals)
        self.nudges.extend((n, lease_until) for n in nudges)


class MemoryStore(MemoryInbox):
    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.states: dict[str, ConversationState] = {}
        self.deadlines: dict[str, float] = {}
        self.events: list[EventRecord] = []
        self.signals: list[SignalRecord] = []
        self.nudges: dict[str, NudgeRecord] = {}
        self.payloads: dict[str, Nudge] = {}
        self.leases: dict[str, float] = {}
        self.feedback: dict[tuple[str, str], FeedbackRecord] = {}
        self.commands: list[tuple[float, str, str, str, bool]] = []
        # surveys and digests (bot/store/outreach.py reads and writes these)
        self.surveys: dict[str, SurveyRecord] = {}
        self.survey_leases: dict[str, float] = {}
        self.digests: dict[str, dict[str, Any]] = {}
        super().__init__()  # the inbox (bot/store/memory_inbox.py)
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._about: defaultdict[str, list[SignalRecord]] = defaultdict(list)
        self._indexed_list: list[SignalRecord] | None = None
        self._indexed = 0
        self._owners = Owners()
        self._key = secrets.token_bytes(32)

    @asynccontextmanager
    async def batch(
        self,
        conversations: Sequence[str],
        events: Sequence[EventRecord],
        processed: Sequence[int] = (),
        release: Release | None = None,
    ) -> AsyncIterator[_Batch]:
        async with contextlib.AsyncExitStack() as locks:
            for key in sorted(set(conversations)):
                await locks.enter_async_context(self._locks[key])
            claimed: dict[str, EventRecord] = {}
            for event in events:
                if event.event_id not in self.seen and event.event_id not in claimed:
                    claimed[event.event_id] = event
            self.seen.update(claimed)  # reserved at once, like a row lock
            tx = _Batch({k: self.states.get(k) for k in conversations}, set(claimed))
            try:
                yield tx
            except BaseException:
                self.seen.difference_update(claimed)  # rolled back: not claimed
                raise
            for event in claimed.values():  # the claims hold even without save
                self.events.append(self._superseded(event))
            done = set(processed)
            self.waiting = [p for p in self.waiting if p.seq not in done]
            self._write(tx)
            if release is not None:
                await self.inbox_release(release[0], list(release[1]))

    def _write(self, tx: _Batch) -> None:
        for conversation, (state, deadline) in tx.staged.items():
            self.states[conversation] = state
            if deadline is None:
                self.deadlines.pop(conversation, None)
            else:
                self.deadlines[conversation] = deadline
        self.signals.extend(tx.signals)
        for nudge, lease_until in tx.nudges:
            if nudge.nudge_id not in self.nudges:
                self.nudges[nudge.nudge_id] = nudge_record(nudge)
                self.payloads[nudge.nudge_id] = nudge
                self.leases[nudge.nudge_id] = lease_until
                tx.inserted.append(nudge)

    def transaction(
        self, conversation: str, event: EventRecord | None = None
    ) -> AbstractAsyncContextManager[OneTx]:
        return one_transaction(self, conversation, event)

    def _superseded(self, new: EventRecord) -> EventRecord:
        """Keep only a message's latest text (as ``queries.supersede_text`` does); returns
        ``new`` as it is to be recorded."""
        if new.kind not in ("edited", "deleted") and new.text is None:
            return new
        try:
            ref = ConversationRef.from_key(new.conversation)
        except ValueError:
            return new
        channel = f"{ref.platform}:{ref.workspace}:{ref.channel}:"
        later = False
        for index, old in enumerate(self.events):
            if old.message_id != new.message_id or not old.conversation.startswith(channel):
                continue
            later = later or old.at > new.at or old.kind == "deleted"
            if new.kind == "deleted" or (new.kind == "edited" and old.at <= new.at):
                self.events[index] = replace(old, text=None)
        return replace(new, text=None) if later and new.text is not None else new

    async def due(self, now: float, limit: int = 500) -> list[str]:
        due = sorted((t, c) for c, t in self.deadlines.items() if t <= now)
        return [c for _, c in due[:limit]]

    async def claim_nudges(
        self, now: float, lease: float, limit: int = 100, max_attempts: int = 8
    ) -> list[Nudge]:
        ready = []
        for nudge_id, record in self.nudges.items():
            if record.status != "pending" or self.leases.get(nudge_id, 0.0) > now:
                continue
            if record.attempts >= max_attempts:
                self.nudges[nudge_id] = replace(record, status="failed", error="gave_up")
                continue
            self.leases[nudge_id] = now + lease
            ready.append(self.payloads[nudge_id])
            if len(ready) >= limit:
                break
        return ready

    async def finish_nudge(
        self,
        nudge_id: str,
        status: str,
        route: str,
        error: str,
        now: float,
        retry_at: float | None = None,
    ) -> None:
        record = self.nudges.get(nudge_id)
        if record is None or record.status != "pending":
            return  # a late answer never overrides a final status
        delivered = now if status in ("sent", "kept") else record.delivered_at
        self.nudges[nudge_id] = replace(
            record,
            status=status,
            route=route,
            error=error,
            delivered_at=delivered,
            attempts=record.attempts + 1,
        )
        self.leases[nudge_id] = retry_at or 0.0

    async def finish_nudges(self, outcomes: list[Finished]) -> None:
        for o in outcomes:
            await self.finish_nudge(o.nudge_id, o.status, o.route, o.error, o.now, o.retry_at)

    async def add_feedback(self, feedback: FeedbackRecord) -> bool:
        nudge = self.nudges.get(feedback.nudge_id)
        if nudge is None or nudge.agent != feedback.user:
            return False
        self.feedback[(feedback.nudge_id, feedback.user)] = feedback
        return True

    async def nudge(self, nudge_id: str) -> NudgeRecord | None:
        return self.nudges.get(nudge_id)

    async def add_command(
        self, at: float, platform: str, user: str, command: str, allowed: bool
    ) -> None:
        self.commands.append((at, platform, user, command, allowed))

    async def slice(self, since: float, until: float, where: SliceFilter | None = None) -> Slice:
        where = where or SliceFilter()
        replied_in = {
            e.conversation
            for e in self.events
            if e.author == where.agent and e.role == "agent" and since <= e.at < until
        }

        def keep(conversation: str, at: float) -> bool:
            return (
                since <= at < until
                and where.covers(conversation)
                and (where.agent is None or conversation in replied_in)
            )

        nudges = [
            n
            for n in self.nudges.values()
            if keep(n.conversation, n.created_at) and where.agent in (None, n.agent)
        ]
        ids = {n.nudge_id for n in nudges}
        return Slice(
            events=[e for e in self.events if keep(e.conversation, e.at)],
            signals=[s for s in self.signals if keep(s.conversation, s.at)],
            nudges=nudges,
            feedback=[f for f in self.feedback.values() if f.nudge_id in ids],
        )

    async def open_states(
        self, platform: str | None = None, workspace: str | None = None
    ) -> list[ConversationState]:
        return [
            s
            for s in self.states.values()
            if not s.closed
            and platform in (None, s.conversation.platform)
            and workspace in (None, s.conversation.workspace)
        ]

    async def read_states(self, keys: Sequence[str]) -> dict[str, ConversationState]:
        return {k: self.states[k] for k in keys if k in self.states}

    async def inbox(self, agent: str, limit: int = 10) -> list[Nudge]:
        kept = [r for r in self.nudges.values() if r.agent == agent and r.status == "kept"]
        kept.sort(key=lambda r: r.created_at, reverse=True)
        return [self.payloads[r.nudge_id] for r in kept[:limit]]

    async def message_conversations(
        self, platform: str, workspace: str, channel: str, message_ids: Sequence[str]
    ) -> dict[str, str]:
        prefix, wanted = f"{platform}:{workspace}:{channel}:", set(message_ids)
        return {
            e.message_id: e.conversation
            for e in self.events
            if e.message_id in wanted and e.conversation.startswith(prefix)
        }

    async def installation_key(self) -> bytes:
        return self._key

    async def forget(self, conversation: str) -> int:
        before = self._rows()
        self.events = [e for e in self.events if e.conversation != conversation]
        self.signals = [s for s in self.signals if s.conversation != conversation]
        self._about, self._indexed_list = defaultdict(list), None  # nor in the index by subject
        gone = {k for k, n in self.nudges.items() if n.conversation == conversation}
        self._drop_nudges(gone)
        self.surveys.pop(conversation, None)
        self.states.pop(conversation, None)
        self.deadlines.pop(conversation, None)
        self.waiting = [p for p in self.waiting if p.conversation != conversation]
        self.inbox_leases.pop(conversation, None)
        self.dead_letters = {
            k: d for k, d in self.dead_letters.items() if d.conversation != conversation
        }
        return before - self._rows()

    async def customers_signals(
        self, customers: list[str], since: float, until: float, prefix: str = ""
    ) -> list[SignalRecord]:
        found = [
            s
            for customer in customers
            for s in self._signals_about(customer)
            if s.kind in ("frustration", "escalation")
            and since <= s.at < until
            and s.conversation.startswith(prefix)
            and self._owners.of(self.events, s.conversation) in (None, customer)
        ]
        return sorted(found, key=lambda s: s.at)

    def _signals_about(self, subject: str) -> list[SignalRecord]:
        """Signals by subject (replays look a history up for every new conversation).
        Commits only append to ``self.signals``; forget and purge replace the list, and a
        new list is indexed afresh."""
        if self._indexed_list is not self.signals:
            self._about, self._indexed_list, self._indexed = defaultdict(list), self.signals, 0
        for signal in self.signals[self._indexed :]:
            self._about[signal.subject].append(signal)
        self._indexed = len(self.signals)
        return self._about.get(subject, [])

    async def forget_customer(self, customer: str, prefix: str = "") -> int:
        keys = {
            e.conversation for e in self.events if e.author == customer and e.role == "customer"
        }
        keys |= {
            s.conversation
            for s in self.signals
            if s.subject == customer and s.kind != "acknowledgement"
        }
        keys |= {k for k, state in self.states.items() if customer in state.customers}
        removed = 0
        for key in sorted(k for k in keys if k.startswith(prefix)):
            removed += await self.forget(key)
        platform = prefix.split(":", 1)[0]
        kept = [c for c in self.commands if c[2] != customer or (prefix and c[1] != platform)]
        removed += len(self.commands) - len(kept)
        self.commands = kept
        return removed

    async def purge(self, before: float) -> int:
        """As ``Store.purge``."""
        count = self._rows()
        self.events = [e for e in self.events if e.at >= before]
        self.signals = [s for s in self.signals if s.at >= before]
        self._drop_nudges({k for k, n in self.nudges.items() if n.created_at < before})
        self.feedback = {k: f for k, f in self.feedback.items() if f.at >= before}
        self.commands = [c for c in self.commands if c[0] >= before]
        self.surveys = {k: r for k, r in self.surveys.items() if r.closed_at >= before}
        self.digests = {k: d for k, d in self.digests.items() if d["created_at"] >= before}
        self.waiting = [p for p in self.waiting if p.received_at >= before]
        self.dead_letters = {k: d for k, d in self.dead_letters.items() if d.at >= before}
        for key, state in list(self.states.items()):
            deadline = self.deadlines.get(key)
            idle = state.closed or deadline is None or deadline < before
            if state.last_activity < before and idle:
                self.states.pop(key)
                self.deadlines.pop(key, None)
        return count - self._rows()

    def _drop_nudges(self, gone: set[str]) -> None:
        for k in gone:
            self.nudges.pop(k)
            self.payloads.pop(k, None)
            self.leases.pop(k, None)
        self.feedback = {k: f for k, f in self.feedback.items() if f.nudge_id not in gone}

    def _rows(self) -> int:
        lists = len(self.events) + len(self.signals) + len(self.commands) + len(self.waiting)
        outreach = len(self.surveys) + len(self.digests) + len(self.dead_letters)
        return lists + len(self.nudges) + len(self.feedback) + len(self.states) + outreach

    async def close(self) -> None:
        return None
