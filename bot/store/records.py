"""What the bot keeps about what happened: plain rows, no message text by default.

Summaries are computed from these rows alone (bot/reports/summary.py), so what a supervisor is
told can always be traced back to stored events, scores and nudges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coaching.types import (
    ConversationClosed,
    ConversationRef,
    Event,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    Nudge,
    Signal,
    Tick,
)


@dataclass(frozen=True, slots=True)
class EventRecord:
    event_id: str
    conversation: str  # ConversationRef.key
    kind: str  # "posted", "edited", "deleted", "closed"
    message_id: str
    author: str
    role: str
    at: float
    text: str | None = field(default=None, repr=False)  # only when configured, redacted


@dataclass(frozen=True, slots=True)
class SignalRecord:
    event_id: str
    conversation: str
    kind: str  # SignalKind value
    subject: str
    score: float
    fired: bool
    cues: tuple[str, ...]
    at: float
    detector: str = ""  # the scorer behind ``score`` ("" before detectors were recorded)


@dataclass(frozen=True, slots=True)
class NudgeRecord:
    nudge_id: str
    conversation: str
    agent: str
    kind: str
    trigger_event: str
    created_at: float
    status: str = "pending"  # pending, sent, kept (inbox), failed
    route: str = ""
    delivered_at: float | None = None
    attempts: int = 0
    error: str = ""


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    nudge_id: str
    user: str
    helpful: bool
    at: float


def event_record(event: Event, text: str | None = None) -> EventRecord | None:
    """The stored form of an event (``None`` for ticks, which are not stored)."""
    key = event.conversation.key
    if isinstance(event, MessagePosted):
        return EventRecord(
            event.event_id,
            key,
            "posted",
            event.message_id,
            event.author,
            event.role.value,
            event.sent_at,
            text,
        )
    if isinstance(event, MessageEdited):
        return EventRecord(
            event.event_id,
            key,
            "edited",
            event.message_id,
            event.author,
            event.role.value,
            event.edited_at,
            text,
        )
    if isinstance(event, MessageDeleted):
        return EventRecord(
            event.event_id, key, "deleted", event.message_id, "", "", event.deleted_at
        )
    if isinstance(event, ConversationClosed):
        return EventRecord(event.event_id, key, "closed", "", "", "", event.closed_at)
    assert isinstance(event, Tick)
    return None


def signal_record(signal: Signal) -> SignalRecord:
    return SignalRecord(
        event_id=signal.event_id,
        conversation=signal.conversation.key,
        kind=signal.kind.value,
        subject=signal.subject,
        score=round(signal.score, 4),
        fired=signal.fired,
        cues=tuple(c.name for c in signal.cues),
        at=signal.at,
        detector=signal.detector,
    )


def nudge_record(nudge: Nudge) -> NudgeRecord:
    return NudgeRecord(
        nudge_id=nudge.nudge_id,
        conversation=nudge.conversation.key,
        agent=nudge.agent,
        kind=nudge.kind.value,
        trigger_event=nudge.trigger_event,
        created_at=nudge.created_at,
    )


def channel_of(conversation_key: str) -> str:
    return ConversationRef.from_key(conversation_key).channel
