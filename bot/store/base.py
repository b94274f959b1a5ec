"""The storage contract: what the runtime and the summaries need, nothing more.

Two implementations share it: ``MemoryStore`` (replays, the demo, tests) and
``SqlStore`` (SQLite by default, PostgreSQL for several replicas). Each event is
processed inside ``transaction(conversation, event)``: the conversation is locked, the
event claimed and recorded (a second delivery is refused: ``tx.duplicate``), and the new
state, signals and nudges are written together with the claim or not at all. Of a
message's text (stored only when configured) only the latest version is kept: recording
an edit clears the text of the message's earlier versions, a deletion clears it all.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol

from bot.records import EventRecord, FeedbackRecord, NudgeRecord, SignalRecord
from bot.survey_records import SurveyRecord
from coaching.state import ConversationState
from coaching.types import ConversationRef, Nudge


class ConversationTx(Protocol):
    state: ConversationState | None
    duplicate: bool  # the event given to ``transaction`` had been claimed already
    inserted: list[Nudge]  # after commit: the staged nudges that were new (to deliver)

    def save(
        self,
        state: ConversationState,
        deadline: float | None,
        signals: list[SignalRecord],
        nudges: list[Nudge],
        lease_until: float,
    ) -> None:
        """Stage the outcome; written when the transaction commits. New nudges are leased
        to this process until ``lease_until`` (it delivers them itself right after)."""
        ...


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
    surveys: list[SurveyRecord] = field(default_factory=list)  # bot/satisfaction.py


class Store(Protocol):
    def transaction(
        self, conversation: str, event: EventRecord | None = None
    ) -> AbstractAsyncContextManager[ConversationTx]:
        """Lock the conversation (transactions on it take turns) and read its state. Given
        an event, claim it at once and record it (kept with the rest at the commit); if it
        had been claimed before, ``tx.duplicate`` is set and nothing is to be saved. An
        exception leaving the block rolls everything back, the claim included."""
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

    async def add_feedback(self, feedback: FeedbackRecord) -> bool:
        """Record a helpful/not-helpful click; False (nothing recorded) for an unknown
        nudge or a user who is not the nudge's agent."""
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

    async def inbox(self, agent: str, limit: int = 10) -> list[Nudge]:
        """Nudges kept for an agent who could not be reached privately."""
        ...

    async def installation_key(self) -> bytes:
        """This installation's secret key (made once, then shared by every replica): it
        makes nudge ids that outsiders cannot work out."""
        ...

    async def forget(self, conversation: str) -> int:
        """Delete everything about one conversation; returns rows deleted."""
        ...

    async def customer_signals(
        self, customer: str, since: float, until: float, prefix: str = ""
    ) -> list[SignalRecord]:
        """The frustration and escalation signals about one customer, ``since <= at <
        until``, in conversations whose key starts with ``prefix`` (one platform workspace),
        oldest first: what their history is made of (bot/history.py)."""
        ...

    async def forget_customer(self, customer: str, prefix: str = "") -> int:
        """Forget (as ``forget``) every conversation the customer wrote in, among those
        whose key starts with ``prefix``; returns rows deleted."""
        ...

    async def purge(self, before: float) -> int:
        """Delete records older than ``before`` (retention): events, signals, nudges,
        feedback and commands, and the state of conversations last active before it that
        are closed or idle (no timer pending after ``before``); returns rows deleted."""
        ...

    async def close(self) -> None: ...
