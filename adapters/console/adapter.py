"""The console platform: transcript turns in, nudges out to a terminal or JSON lines.

It plays the part Slack and Discord play live: turns become ``MessagePosted`` events for
the runtime, and nudges the runtime delivers are shown (never "sent" anywhere).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO

from adapters.base import DeliveryResult, DeliveryStatus
from adapters.console.transcript import Turn
from coaching.types import (
    ConversationRef,
    MessagePosted,
    Nudge,
    NudgeKind,
    Role,
    Signal,
    SignalKind,
)

PLATFORM = "console"


def conversation_ref(conversation: str, source: str = "") -> ConversationRef:
    # ":" separates the parts of a conversation key, so it cannot appear inside one.
    return ConversationRef(
        PLATFORM, source.replace(":", "_"), "transcript", conversation.replace(":", "_")
    )


def to_event(turn: Turn, index: int, source: str = "") -> MessagePosted:
    ref = conversation_ref(turn.conversation, source)
    message_id = f"{turn.line}.{index}"
    return MessagePosted(
        event_id=f"{ref.key}#{message_id}",
        conversation=ref,
        message_id=message_id,
        author=turn.author,
        role=Role(turn.role),
        text=turn.text,
        sent_at=turn.ts,
    )


class ConsoleDelivery:
    """Hands each nudge to a callback (the renderer or the JSON writer)."""

    def __init__(self, show: Callable[[Nudge], None]) -> None:
        self._show = show

    async def deliver(self, nudge: Nudge) -> DeliveryResult:
        self._show(nudge)
        return DeliveryResult(DeliveryStatus.SENT, route=PLATFORM)


def nudge_json(nudge: Nudge) -> dict[str, object]:
    """The ``coach replay --json`` row (field names are relied on by other tools)."""
    return {
        "conversation": nudge.conversation.thread,
        "agent": nudge.agent,
        "kind": nudge.kind.value,
        "reasons": list(nudge.reasons),
        "text": nudge.text,
        "headline": nudge.headline,
        "suggestion": nudge.suggestion,
        "customer": nudge.customer,
        "nudge_id": nudge.nudge_id,
        "trigger_event": nudge.trigger_event,
        "at": nudge.created_at,
        **({"update": nudge.update} if nudge.kind is NudgeKind.WAITING else {}),
    }


class JsonLines:
    def __init__(self, out: IO[str]) -> None:
        self._out = out

    def __call__(self, nudge: Nudge) -> None:
        self._out.write(json.dumps(nudge_json(nudge), ensure_ascii=False) + "\n")


def score_of(signals: tuple[Signal, ...]) -> tuple[str, float, bool] | None:
    for signal in signals:
        if signal.kind in (SignalKind.FRUSTRATION, SignalKind.ACKNOWLEDGEMENT):
            return signal.kind.value, signal.score, signal.fired
    return None
