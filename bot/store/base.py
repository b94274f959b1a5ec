"""The storage contract: what the runtime and the summaries need, nothing more.

Two implementations share it: ``MemoryStore`` (replays, the demo, tests) and
``SqlStore`` (SQLite by default, PostgreSQL for several replicas).

Events go through a write-ahead inbox: ``inbox_put`` stores them before the platform is
told they arrived; ``inbox_lease`` hands a process the oldest waiting conversations with
their events in order (one process per conversation at a time, for ``lease`` seconds);
the batch that processes them removes them from the inbox; ``inbox_release`` frees the
conversations. A batch is processed inside ``batch(conversations, events)``: the
conversations are locked, the events claimed and recorded (a second delivery is not
claimed: a duplicate), and the new states, signals and nudges are written together with
the claims and the inbox removals, or nothing is. Of a message's text (stored only when
configured) only the latest version is kept: recording an edit clears the text of the
message's earlier versions, a deletion clears it all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.store.records import EventRecord, FeedbackRecord, NudgeRecord, SignalRecord
from bot.store.survey_records import SurveyRecord
from coaching.state import ConversationState
from coaching.types import ConversationRef, Nudge


@dataclass(frozen=True, slots=True)
class Pending:
    """An accepted event waiting in the inbox to be processed."""

    seq: int  # orders each conversation's events
    event_id: str
    conversation: str
    payload: str = ""  # the event as JSON (bot/service/event_codec.py)
    received_at: float = 0.0  # wall clock when it was stored
    # Already processed when leased (a platform's retry of an event handled before): the
    # batch's claim still decides, but the model need not score it again.
    processed: bool = False


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An event set aside: it failed alone while the store was reachable (a poison).
    Kept without its text, so an operator can see what was dropped and why."""

    event_id: str
    conversation: str
    reason: str  # the exception's type and location (bot/ops/logs.py ``describe``)
    received_at: float
    at: float  # when it was set aside
    seq: int | None = None  # its inbox row, removed in the same commit


@dataclass(frozen=True, slots=True)
class Finished:
    """How a delivery attempt ended (``Store.finish_nudges``)."""

    nudge_id: str
    status: str  # sent, kept, failed, or pending (to be retried at ``retry_at``)
    route: str
    error: str
    now: float
    retry_at: float | None = None


class BatchTx(Protocol):
    states: dict[str, ConversationState | None]  # each locked conversation's state
    claimed: set[str]  # ids of the events claimed now (the others are duplicates)
    inserted: list[Nudge]  # after commit: the staged nudges that were new (to deliver)

    def save(
        self,
        conversation: str,
        state: ConversationState,
        deadline: float | None,
        signals: list[SignalRecord],
        nudges: list[Nudge],
        lease_until: float,
    ) -> None:
        """Stage a conversation's outcome; written when the batch commits (a second save
        of one conversation replaces its state and adds its signals and nudges). New
        nudges are leased to this process until ``lease_until`` (it delivers them)."""
        ...


@dataclass
class OneTx:
    """One conversation's view of a batch (``Store.transaction``)."""

    batch: BatchTx
    conversation: str
    duplicate: bool  # the event given to ``transaction`` had been claimed already

    @property
    def state(self) -> ConversationState | None:
        return self.batch.states.get(self.conversation)

    @property
    def inserted(self) -> list[Nudge]:
        return self.batch.inserted

    def save(
        self,
        state: ConversationState,
        deadline: float | None,
        signals: list[SignalRecord],
        nudges: list[Nudge],
        lease_until: float,
    ) -> None:
        self.batch.save(self.conversation, state, deadline, signals, nudges, lease_until)


@asynccontextmanager
async def one_transaction(
    store: Store, conversation: str, event: EventRecord | None
) -> AsyncIterator[OneTx]:
    """``Store.transaction`` for any store: a batch of one conversation and event."""
    async with store.batch([conversation], [event] if event else []) as batch:
        duplicate = event is not None and event.event_id not in batch.claimed
        yield OneTx(batch, conversation, duplicate)


# (owner, conversations): inbox leases a batch ends at its commit (bot/service/runtime.py)
Release = tuple[str, Sequence[str]]


@dataclass(frozen=True, slots=True)
class SliceFilter:
    """Which conversations a summary covers, filtered by the store (in SQL), so a command
    reads only what it reports on. ``None`` means any."""

    platform: str | None = None
    workspace: str | None = None  # with platform: a Slack team or Discord guild
    channel: str | None = None
    conversation: str | None = None  # a ConversationRef.key
    agent: str | None = None  # conversations the agent replied in (as an agent) in the
    # period, and of their nudges only the agent's own

    def prefix(self) -> str | None:
        """The start every covered conversation key has (``platform:workspace:channel:``)."""
        parts = []
        for part in (self.platform, self.workspace, self.channel):
            if part is None:
                break
            parts.append(part)
        return ":".join(parts) + ":" if parts else None

    def needs_keys_checked(self) -> bool:
        """Whether ``prefix`` leaves a platform/workspace/channel filter unapplied (a
        channel or workspace asked for without what comes before it in the key)."""
        given = sum(part is not None for part in (self.platform, self.workspace, self.channel))
        prefix = self.prefix()
        return given > (prefix.count(":") if prefix else 0)

    def covers(self, key: str) -> bool:
        """Whether the conversation ``key`` passes the platform/workspace/channel/
        conversation filters (``agent`` needs the events: see the stores)."""
        try:
            ref = ConversationRef.from_key(key)
        except ValueError:
            return self == SliceFilter()
        return (
            (self.platform is None or ref.platform == self.platform)
            and (self.workspace is None or ref.workspace == self.workspace)
            and (self.channel is None or ref.channel == self.channel)
            and (self.conversation is None or key == self.conversation)
        )


@dataclass(frozen=True)
class Slice:
    """Everything stored about a period (and optional conversation filter), for summaries."""

    events: list[EventRecord] = field(default_factory=list)
    signals: list[SignalRecord] = field(default_factory=list)
    nudges: list[NudgeRecord] = field(default_factory=list)
    feedback: list[FeedbackRecord] = field(default_factory=list)
    surveys: list[SurveyRecord] = field(default_factory=list)  # bot/surveys/satisfaction.py


class Store(Protocol):
    def batch(
        self,
        conversations: Sequence[str],
        events: Sequence[EventRecord],
        processed: Sequence[int] = (),
        release: Release | None = None,
    ) -> AbstractAsyncContextManager[BatchTx]:
        """Lock the conversations (batches sharing one take turns) and read their states;
        claim the events at once and record them; remove the inbox events ``processed``
        (their ``seq``); end the inbox leases ``release`` (owner, conversations) in the same
        commit. All of it is kept at the commit; an exception leaving the block rolls
        everything back, the claims included."""
        ...

    def transaction(
        self, conversation: str, event: EventRecord | None = None
    ) -> AbstractAsyncContextManager[OneTx]:
        """A batch of one conversation and (optionally) one event: ``tx.duplicate`` when
        the event had been claimed before (then nothing is to be saved)."""
        ...

    async def inbox_put(self, rows: list[dict[str, Any]]) -> None:
        """Store accepted events (``event_id``, ``conversation``, ``payload``,
        ``received_at``), durably, before they are acknowledged; an event already waiting
        is stored once."""
        ...

    async def inbox_backlog(self) -> int:
        """How many events wait in the inbox."""
        ...

    async def inbox_lease(
        self, owner: str, now: float, lease: float, conversations: int, events: int
    ) -> list[Pending]:
        """Lease the conversations waiting longest (free, or already ``owner``'s) to
        ``owner``; their waiting events, in order."""
        ...

    async def inbox_release(self, owner: str, conversations: list[str]) -> None: ...

    async def dead_letter(self, letters: Sequence[DeadLetter]) -> None:
        """Record ``letters`` (never their text) and remove their inbox rows, together;
        an event already recorded is recorded once."""
        ...

    async def due(self, now: float, limit: int = 500) -> list[str]:
        """Conversations whose next timer deadline has passed."""
        ...

    async def claim_nudges(
        self, now: float, lease: float, limit: int = 100, max_attempts: int = 8
    ) -> list[Nudge]:
        """Nudges waiting for (re)delivery, leased to this process for ``lease`` seconds.
        A nudge tried ``max_attempts`` times is marked failed instead."""
        ...

    async def finish_nudge(
        self,
        nudge_id: str,
        status: str,
        route: str,
        error: str,
        now: float,
        retry_at: float | None = None,
    ) -> None: ...

    async def finish_nudges(self, outcomes: list[Finished]) -> None:
        """Record delivery outcomes; only a nudge still pending changes (a late answer
        never overrides a final status)."""
        ...

    async def add_feedback(self, feedback: FeedbackRecord) -> bool:
        """Record a helpful/not-helpful click; False (nothing recorded) for an unknown
        nudge or a user who is not the nudge's agent."""
        ...

    async def nudge(self, nudge_id: str) -> NudgeRecord | None:
        """One nudge's record (whose it is, its kind and conversation), if kept."""
        ...

    async def add_command(
        self, at: float, platform: str, user: str, command: str, allowed: bool
    ) -> None: ...

    async def slice(self, since: float, until: float, where: SliceFilter | None = None) -> Slice:
        """Records of ``[since, until)`` that ``where`` covers (everything without it)."""
        ...

    async def open_states(
        self, platform: str | None = None, workspace: str | None = None
    ) -> list[ConversationState]:
        """Conversations not closed (for /coach status), of one platform workspace when
        given."""
        ...

    async def read_states(self, keys: Sequence[str]) -> dict[str, ConversationState]:
        """The stored states of these conversations (those that have one), read without
        locking them: what a batch may need to know before its transaction."""
        ...

    async def inbox(self, agent: str, limit: int = 10) -> list[Nudge]:
        """Nudges kept for an agent who could not be reached privately."""
        ...

    async def message_conversations(
        self, platform: str, workspace: str, channel: str, message_ids: Sequence[str]
    ) -> dict[str, str]:
        """The conversation key each of these messages of one channel was recorded in
        (messages not recorded are left out): where an edit or a deletion belongs when the
        adapter no longer remembers it (a restart)."""
        ...

    async def installation_key(self) -> bytes:
        """This installation's secret key (made once, then shared by every replica): it
        makes nudge ids that outsiders cannot work out."""
        ...

    async def forget(self, conversation: str) -> int:
        """Delete everything about one conversation; returns rows deleted."""
        ...

    async def customers_signals(
        self, customers: list[str], since: float, until: float, prefix: str = ""
    ) -> list[SignalRecord]:
        """The frustration and escalation signals about these customers, ``since <= at <
        until``, in conversations whose key starts with ``prefix`` (one platform workspace)
        and that each opened (bot/store/owners.py: not those they only joined), oldest
        first: what their histories are made of (bot/reports/history.py)."""
        ...

    async def forget_customer(self, customer: str, prefix: str = "") -> int:
        """Forget (as ``forget``) every conversation the customer wrote in, among those
        whose key starts with ``prefix``, and the audit rows of their own commands (on
        ``prefix``'s platform); returns rows deleted."""
        ...

    async def purge(self, before: float) -> int:
        """Delete records older than ``before`` (retention): events, signals, nudges,
        feedback, commands, dead letters and inbox events received before it, and the state of conversations last active before it that
        are closed or idle (no timer pending after ``before``); returns rows deleted."""
        ...

    async def close(self) -> None: ...
