"""The engine's vocabulary: conversations, events, signals and nudges.

Everything here is a frozen dataclass: events carry no live client references and
message text is excluded from ``repr`` so it can never land in a log by accident.
Times are POSIX seconds (floats); the engine never reads a clock itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"


class NudgeKind(StrEnum):
    FRUSTRATION = "frustration"  # heads-up before the agent's next reply
    ACKNOWLEDGE = "acknowledge"  # follow-up: the reply did not acknowledge feelings
    WAITING = "waiting"  # the customer is owed an update
    ESCALATION = "escalation"  # rising frustration or intent to escalate
    HISTORY = "history"  # opening brief: a returning customer at risk (coaching/history.py)
    CONFUSION = "confusion"  # the customer seems lost in the agent's steps (coaching/confusion.py)


class SignalKind(StrEnum):
    FRUSTRATION = "frustration"
    ACKNOWLEDGEMENT = "acknowledgement"
    WAITING = "waiting"
    ESCALATION = "escalation"
    RESOLVED = "resolved"  # the customer closed or declined: nothing more is owed
    CONFUSION = "confusion"  # a customer lost in an agent's steps (once per episode)
    CLARIFICATION = "clarification"  # the agent's next reply to them: ``fired`` = clarified


@dataclass(frozen=True, slots=True)
class ConversationRef:
    """Enough to address a conversation later: a Slack/Discord thread, or a console file."""

    platform: str
    workspace: str
    channel: str
    thread: str

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.channel}:{self.thread}"

    @classmethod
    def from_key(cls, key: str) -> ConversationRef:
        platform, workspace, channel, thread = key.split(":", 3)
        return cls(platform, workspace, channel, thread)


@dataclass(frozen=True, slots=True)
class PastConversation:
    """One of a customer's earlier conversations, as the store remembers it (never text)."""

    started_at: float
    frustrated: bool  # the customer was judged frustrated in it
    unresolved: bool  # it ended (closed or abandoned) with them frustrated, or escalated
    cues: tuple[str, ...] = ()  # its main frustration cue names, most frequent first
    escalated: bool = False  # an escalation signal fired in it


@dataclass(frozen=True, slots=True)
class CustomerHistory:
    """A customer's earlier conversations, oldest first: what the runtime looks up in the
    store and hands to the engine on the customer's first message in a conversation."""

    conversations: tuple[PastConversation, ...] = ()


@dataclass(frozen=True, slots=True)
class MessagePosted:
    event_id: str
    conversation: ConversationRef
    message_id: str
    author: str
    role: Role
    text: str = field(repr=False)
    sent_at: float
    # Set by the runtime, never by an adapter: the author's earlier conversations, on a
    # customer's first message in this conversation (coaching/history.py).
    history: CustomerHistory | None = field(default=None, repr=False)
    # Set by the runtime, never by an adapter: this message is an update the bot posted
    # for the agent (coaching/updates.py ``UpdateKind``), "" for anything a person wrote.
    update: str = ""


@dataclass(frozen=True, slots=True)
class MessageEdited:
    event_id: str
    conversation: ConversationRef
    message_id: str
    author: str
    role: Role
    text: str = field(repr=False)
    edited_at: float


@dataclass(frozen=True, slots=True)
class MessageDeleted:
    event_id: str
    conversation: ConversationRef
    message_id: str
    deleted_at: float


@dataclass(frozen=True, slots=True)
class ConversationClosed:
    event_id: str
    conversation: ConversationRef
    closed_at: float


@dataclass(frozen=True, slots=True)
class Tick:
    """The runtime's clock reaching ``now`` for one conversation (drives waiting timers)."""

    conversation: ConversationRef
    now: float

    @property
    def event_id(self) -> str:
        return f"tick:{self.conversation.key}:{self.now:.3f}"


Event = MessagePosted | MessageEdited | MessageDeleted | ConversationClosed | Tick


@dataclass(frozen=True, slots=True)
class Cue:
    """One piece of evidence: a stable ``name`` for machines, a ``label`` for people."""

    name: str
    label: str
    weight: float


@dataclass(frozen=True, slots=True)
class Signal:
    kind: SignalKind
    conversation: ConversationRef
    subject: str  # the customer (frustration, waiting, escalation) or agent (acknowledgement)
    score: float
    fired: bool
    cues: tuple[Cue, ...]
    event_id: str
    at: float
    detector: str = ""  # the scorer that gave ``score`` (scores of two are not compared)


@dataclass(frozen=True, slots=True)
class Nudge:
    """A private tip for one agent. ``nudge_id`` is deterministic, so redelivery cannot
    produce a second copy."""

    nudge_id: str
    conversation: ConversationRef
    agent: str
    kind: NudgeKind
    headline: str
    reasons: tuple[str, ...]
    suggestion: str
    customer: str | None
    trigger_event: str
    created_at: float
    # A waiting reminder's drafted update to the customer (coaching/updates.py): the
    # coach's words, sent only when the agent clicks and the team allows it.
    update: str = ""

    @property
    def text(self) -> str:
        """The whole nudge as plain text (every adapter can show at least this)."""
        why = "; ".join(self.reasons)
        lines = [self.headline]
        if why:
            lines.append(f"Why: {why}.")
        if self.suggestion:
            lines.append(f"Try: “{self.suggestion}”")
        return "\n".join(lines)
