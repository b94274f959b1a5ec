"""Engine events as JSON, for the write-ahead inbox (``inbox_events.payload``).

Only the four platform events are stored (a ``Tick`` is made from the store's timers,
never received); the text travels with the event until it is processed, then the row is
deleted.
"""

from __future__ import annotations

import json
from typing import Any

from coaching.types import (
    ConversationClosed,
    ConversationRef,
    Event,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    Role,
)

Stored = MessagePosted | MessageEdited | MessageDeleted | ConversationClosed


def dumps(event: Stored) -> str:
    data: dict[str, Any] = {"v": 1, "id": event.event_id, "c": event.conversation.key}
    if isinstance(event, MessagePosted):
        data |= {"k": "posted", "m": event.message_id, "a": event.author, "r": event.role.value}
        data |= {"t": event.text, "at": event.sent_at}
        if event.update:  # an update the bot posted for the agent (coaching/updates.py)
            data["u"] = event.update
    elif isinstance(event, MessageEdited):
        data |= {"k": "edited", "m": event.message_id, "a": event.author, "r": event.role.value}
        data |= {"t": event.text, "at": event.edited_at}
    elif isinstance(event, MessageDeleted):
        data |= {"k": "deleted", "m": event.message_id, "at": event.deleted_at}
    else:
        data |= {"k": "closed", "at": event.closed_at}
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def loads(text: str) -> Event:
    """The event stored by ``dumps``; ``ValueError`` for anything else."""
    try:
        data = json.loads(text)
        ref = ConversationRef.from_key(data["c"])
        kind, event_id, at = data["k"], data["id"], float(data["at"])
        if kind == "posted":
            return MessagePosted(
                event_id,
                ref,
                data["m"],
                data["a"],
                Role(data["r"]),
                data["t"],
                at,
                update=str(data.get("u", "")),
            )
        if kind == "edited":
            return MessageEdited(
                event_id, ref, data["m"], data["a"], Role(data["r"]), data["t"], at
            )
        if kind == "deleted":
            return MessageDeleted(event_id, ref, data["m"], at)
        if kind == "closed":
            return ConversationClosed(event_id, ref, at)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a stored event ({type(exc).__name__})") from None
    raise ValueError(f"not a stored event (kind {kind!r})")
