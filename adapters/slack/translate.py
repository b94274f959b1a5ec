"""Slack Events API payloads -> engine events. Pure functions: no client, no I/O.

A thread is a conversation; a top-level message starts one (its ``ts`` is the thread).
Bots (the bot itself included), joins, topic changes and other housekeeping subtypes are
ignored; edits and deletions become ``MessageEdited``/``MessageDeleted``; a ✅ reaction
by an agent on a thread's first message closes the conversation. Anything malformed
yields ``None`` and a reason, never an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
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

PLATFORM = "slack"
CLOSE_REACTIONS = frozenset({"white_check_mark", "heavy_check_mark", "ballot_box_with_check"})
_MESSAGE_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})

RoleOf = Callable[[str, bool], Role]  # (user id, from another workspace) -> role


@dataclass(frozen=True, slots=True)
class Translated:
    event: Event | None
    reason: str = ""  # why there is no event (for the log; never message text)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _ts(value: Any) -> float | None:
    try:
        ts = float(value)
    except (TypeError, ValueError):
        return None
    return ts if ts > 0 else None


def translate(
    body: Mapping[str, Any], role_of: RoleOf, watched: frozenset[str] = frozenset()
) -> Translated:
    event = body.get("event")
    if not isinstance(event, Mapping):
        return Translated(None, "no event object")
    team = _str(body.get("team_id")) or _str(event.get("team")) or ""
    kind = event.get("type")
    channel = _str(event.get("channel")) or _str((event.get("item") or {}).get("channel"))
    if channel is None:
        return Translated(None, f"{kind} event without a channel")
    if watched and channel not in watched:
        return Translated(None, "channel not watched")
    if event.get("channel_type") in ("im", "mpim"):
        return Translated(None, "direct message to the bot ignored")
    event_id = _str(body.get("event_id")) or ""
    if kind == "message":
        return _message(event, team, channel, event_id, role_of)
    if kind == "reaction_added":
        return _reaction(event, team, channel, event_id, role_of)
    return Translated(None, f"{kind} events are not used")


def _message(
    event: Mapping[str, Any], team: str, channel: str, event_id: str, role_of: RoleOf
) -> Translated:
    subtype = event.get("subtype")
    if subtype == "message_changed":
        return _edited(event, team, channel, event_id, role_of)
    if subtype == "message_deleted":
        return _deleted(event, team, channel, event_id)
    if subtype not in _MESSAGE_SUBTYPES:
        return Translated(None, f"message subtype {subtype} ignored")
    if event.get("bot_id") or event.get("bot_profile"):
        return Translated(None, "bot message ignored")
    user, ts = _str(event.get("user")), _str(event.get("ts"))
    sent_at = _ts(ts)
    if user is None or ts is None or sent_at is None:
        return Translated(None, "message without user or ts")
    text = event.get("text")
    thread = _str(event.get("thread_ts")) or ts
    ref = ConversationRef(PLATFORM, team, channel, thread)
    return Translated(
        MessagePosted(
            event_id=f"{PLATFORM}:{team}:{channel}:{ts}",  # the message itself: retries collapse
            conversation=ref,
            message_id=ts,
            author=user,
            role=role_of(user, _external(event, team)),
            text=text if isinstance(text, str) else "",
            sent_at=sent_at,
        )
    )


def _edited(
    event: Mapping[str, Any], team: str, channel: str, event_id: str, role_of: RoleOf
) -> Translated:
    message, previous = event.get("message"), event.get("previous_message")
    if not isinstance(message, Mapping):
        return Translated(None, "edit without the message")
    if message.get("bot_id"):
        return Translated(None, "bot message edit ignored")
    if isinstance(previous, Mapping) and previous.get("text") == message.get("text"):
        return Translated(None, "message changed without a text edit (e.g. a reply count)")
    user, ts = _str(message.get("user")), _str(message.get("ts"))
    edited_at = _ts(event.get("event_ts")) or _ts(event.get("ts"))
    if user is None or ts is None or edited_at is None:
        return Translated(None, "edit without user or ts")
    text = message.get("text")
    ref = ConversationRef(PLATFORM, team, channel, _str(message.get("thread_ts")) or ts)
    return Translated(
        MessageEdited(
            event_id=f"{PLATFORM}:{event_id or f'{channel}:{ts}:edit:{edited_at}'}",
            conversation=ref,
            message_id=ts,
            author=user,
            role=role_of(user, _external(message, team)),
            text=text if isinstance(text, str) else "",
            edited_at=edited_at,
        )
    )


def _deleted(event: Mapping[str, Any], team: str, channel: str, event_id: str) -> Translated:
    deleted = _str(event.get("deleted_ts"))
    at = _ts(event.get("event_ts")) or _ts(event.get("ts"))
    if deleted is None or at is None:
        return Translated(None, "deletion without deleted_ts")
    previous = event.get("previous_message")
    thread = _str(previous.get("thread_ts")) if isinstance(previous, Mapping) else None
    ref = ConversationRef(PLATFORM, team, channel, thread or deleted)
    return Translated(
        MessageDeleted(
            event_id=f"{PLATFORM}:{event_id or f'{channel}:{deleted}:deleted'}",
            conversation=ref,
            message_id=deleted,
            deleted_at=at,
        )
    )


def _reaction(
    event: Mapping[str, Any], team: str, channel: str, event_id: str, role_of: RoleOf
) -> Translated:
    item = event.get("item")
    user, ts = (
        _str(event.get("user")),
        _str((item or {}).get("ts") if isinstance(item, Mapping) else None),
    )
    at = _ts(event.get("event_ts"))
    if event.get("reaction") not in CLOSE_REACTIONS:
        return Translated(None, "reaction is not a close mark")
    if user is None or ts is None or at is None:
        return Translated(None, "reaction without user or item")
    if role_of(user, False) is not Role.AGENT:
        return Translated(None, "close mark by a non-agent ignored")
    ref = ConversationRef(PLATFORM, team, channel, ts)
    return Translated(
        ConversationClosed(f"{PLATFORM}:{event_id or f'{channel}:{ts}:closed'}", ref, at)
    )


def _external(message: Mapping[str, Any], team: str) -> bool:
    """A member of another workspace (Slack Connect): always a customer."""
    for key in ("user_team", "source_team"):
        other = _str(message.get(key))
        if other and team and other != team:
            return True
    return False
