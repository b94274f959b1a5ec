"""Customer history: the store's memory of a customer, for the engine and for supervisors.

A customer's history is made of the signals about them (bot/store/records.py: scores, cue names,
times; never text) in the conversations they opened: one they only joined, writing in
another customer's thread, is that customer's (bot/store/owners.py). Per earlier
conversation: when it started (their first message), whether they were judged frustrated
in it, whether it ended unresolved (their last message in it was judged frustrated, i.e.
it was closed or abandoned while they were frustrated, or an escalation signal fired),
and its main cues. It covers the last ``history_days`` and never more than
``retention_days`` (older rows are purged anyway), and only conversations of the same
platform workspace: one team's customers are not another's.

The engine is pure and cannot read the store, so the runtime asks ``HistoryLookup.attach``
about each batch of events before its transaction: a customer's message in a conversation
where they have not been seen yet gets their history attached (``MessagePosted.history``);
the engine reads it only on their first message there. One read per platform workspace
serves the whole batch. ``attached`` is told once the event is committed, so each customer
is looked up once per conversation (and once more after a restart); an event that failed
and is retried is looked up again. Only whether a pair was seen is remembered, never a
history, so nothing outlives ``coach forget``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from bot.ops.clock import Clock
from bot.store.base import Store
from bot.store.records import SignalRecord
from coaching.frustration import PLAIN_REASON, REASON_CUES
from coaching.types import (
    ConversationRef,
    CustomerHistory,
    Event,
    MessagePosted,
    PastConversation,
    Role,
)

DAY = 86_400.0
MAIN_CUES = 3
KNOWN_PAIRS = 50_000  # (conversation, customer) pairs remembered as looked up


def team(ref: ConversationRef) -> str:
    """The key prefix of a platform workspace's conversations: the scope of a history."""
    return f"{ref.platform}:{ref.workspace}:"


def conversations(
    signals: Iterable[SignalRecord], exclude: str = ""
) -> list[tuple[str, PastConversation]]:
    """One customer's signals -> their conversations (key, summary), oldest first."""
    grouped: defaultdict[str, list[SignalRecord]] = defaultdict(list)
    for signal in signals:
        if signal.conversation != exclude:
            grouped[signal.conversation].append(signal)
    found = []
    for key, rows in grouped.items():
        rows.sort(key=lambda s: s.at)
        judged = [s for s in rows if s.kind == "frustration"]
        if not judged:
            continue
        fired = [s for s in judged if s.fired]
        escalated = any(s.kind == "escalation" and s.fired for s in rows)
        cues = Counter(c for s in fired for c in s.cues if c in REASON_CUES and c != PLAIN_REASON)
        past = PastConversation(
            started_at=judged[0].at,
            frustrated=bool(fired),
            unresolved=escalated or judged[-1].fired,
            cues=tuple(name for name, _ in cues.most_common(MAIN_CUES)),
            escalated=escalated,
        )
        found.append((key, past))
    found.sort(key=lambda item: (item[1].started_at, item[0]))
    return found


def _pair(event: MessagePosted) -> int:
    return hash((event.conversation.key, event.author))


class HistoryLookup:
    """Looks up customers' histories for the runtime (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        days: float = 30.0,
        retention_days: float | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.days = days
        self.retention_days = retention_days
        # Hashes of (conversation, customer) pairs, oldest first: a few dozen bytes each.
        # A pair forgotten costs one more lookup, which the engine then ignores.
        self._known: dict[int, None] = {}

    async def attach(self, events: Sequence[Event], skip: Sequence[bool] = ()) -> list[Event]:
        """``events``, each customer's message with their history if they are new to its
        conversation: one read per platform workspace, however many customers are new.
        ``skip``: events processed before (a platform's retries), left as they are: each
        is a duplicate, which the engine never steps."""
        attached = list(events)
        new: defaultdict[str, list[tuple[int, MessagePosted]]] = defaultdict(list)  # by workspace
        done = list(skip) or [False] * len(events)
        for index, (event, retried) in enumerate(zip(events, done, strict=True)):
            if not retried and isinstance(event, MessagePosted) and self._is_new(event):
                new[team(event.conversation)].append((index, event))
        for prefix, group in new.items():
            windows = [self._window(e.sent_at) for _, e in group]
            signals = await self.store.customers_signals(
                sorted({e.author for _, e in group}),
                min(since for since, _ in windows),
                max(until for _, until in windows),
                prefix,
            )
            about: defaultdict[str, list[SignalRecord]] = defaultdict(list)
            for signal in signals:
                about[signal.subject].append(signal)
            for (index, event), (since, until) in zip(group, windows, strict=True):
                theirs = [s for s in about[event.author] if since <= s.at < until]
                pairs = conversations(theirs, event.conversation.key)
                history = CustomerHistory(tuple(past for _, past in pairs))
                attached[index] = replace(event, history=history)
        return attached

    def _is_new(self, event: MessagePosted) -> bool:
        return self.days > 0 and event.role is Role.CUSTOMER and _pair(event) not in self._known

    def _window(self, until: float) -> tuple[float, float]:
        """The times a history before ``until`` covers: ``since <= at < until``."""
        since = until - self.days * DAY
        if self.retention_days is not None:  # rows past retention may await the purge
            since = max(since, self.clock.now() - self.retention_days * DAY)
        return since, until

    def attached(self, event: Event) -> None:
        """The event is committed: its customer is known in its conversation."""
        if isinstance(event, MessagePosted) and event.role is Role.CUSTOMER:
            self._known[_pair(event)] = None
            if len(self._known) > KNOWN_PAIRS:
                del self._known[next(iter(self._known))]

    async def history(
        self, customer: str, prefix: str, until: float, exclude: str = ""
    ) -> CustomerHistory:
        """The customer's conversations before ``until`` (but ``exclude``): strictly before,
        so that conversations of one customer starting at the same moment on different
        replicas do not depend on which was committed first."""
        pairs = await self.lookup(customer, prefix, until, exclude)
        return CustomerHistory(tuple(past for _, past in pairs))

    async def lookup(
        self, customer: str, prefix: str, until: float, exclude: str = ""
    ) -> list[tuple[str, PastConversation]]:
        since, until = self._window(until)
        signals = await self.store.customers_signals([customer], since, until, prefix)
        return conversations(signals, exclude)
