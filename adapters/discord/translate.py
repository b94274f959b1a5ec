"""Discord messages -> engine events. Pure functions: no client calls, no I/O.

A thread or forum post is a conversation: ``ConversationRef("discord", guild, parent
channel, thread)``. In a plain channel the conversation is chosen by
``conversations.PlainChannelConversations`` and addressed as ``(guild, channel, ID of
its first message)`` — the ID Discord also gives a thread started from that message, so
a conversation that moves into such a thread keeps its history.

Event IDs are built from the Discord message ID (``discord:{message_id}``), so a message
the gateway delivers twice (a RESUME replay) is refused by the runtime's store; edits
add ``#edit:{edited timestamp}`` (the engine matches an edit to its message by the part
before ``#``), deletions ``#deleted``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import discord

from coaching.types import (
    ConversationClosed,
    ConversationRef,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    Role,
)

PLATFORM = "discord"
# Message types that people write: DEFAULT (0) and REPLY (19). Joins, pins, boosts,
# thread-created notices and the like are not conversation.
PEOPLE_MESSAGE_TYPES = frozenset({0, 19})


@dataclass(frozen=True, slots=True)
class Place:
    """Where a message was posted, as far as conversations go."""

    guild: str
    channel: str  # a text, announcement or forum channel (a thread's parent)
    thread: str | None = None  # the thread or forum post, when the message is in one
    category: str | None = None  # the channel's category

    @property
    def container(self) -> str:
        """The channel the message itself is in (for jump links)."""
        return self.thread or self.channel

    def watched(self, watched: frozenset[str]) -> bool:
        """Empty = everything; otherwise the thread, its channel or their category."""
        if not watched:
            return True
        return bool({self.channel, self.thread, self.category} & watched)

    def conversation(self, thread: str) -> ConversationRef:
        return ConversationRef(PLATFORM, self.guild, self.channel, thread)


@dataclass(frozen=True, slots=True)
class Post:
    """The facts about one message that coaching needs (no live client objects)."""

    message_id: str
    author: str
    bot: bool  # a bot or webhook wrote it (the coach itself included)
    role_ids: frozenset[str]
    text: str = field(repr=False)
    at: float  # sent (posts) or edited (edits) at, POSIX seconds
    kind: int = 0
    reply_to: str | None = None
    reply_to_author: str | None = None
    mentions: tuple[str, ...] = ()

    @property
    def written_by_a_person(self) -> bool:
        return not self.bot and self.kind in PEOPLE_MESSAGE_TYPES


def role_ids(member: Any) -> frozenset[str]:
    """A member's role IDs as the gateway sent them.

    ``Member.roles`` only lists roles found in the guild's role cache; the IDs the
    message or interaction carried are in ``Member._roles``, so role-based agents are
    recognised even before (or without) the guild's role list. Users outside a guild
    have no roles.
    """
    raw = getattr(member, "_roles", None)
    if raw is not None:
        return frozenset(str(r) for r in raw)
    roles: Iterable[Any] = getattr(member, "roles", ()) or ()
    return frozenset(str(r.id) for r in roles)


def post_from_message(message: discord.Message) -> Post:
    author = message.author
    reference = message.reference
    resolved = reference.resolved if reference is not None else None
    reply_author = resolved.author.id if isinstance(resolved, discord.Message) else None
    return Post(
        message_id=str(message.id),
        author=str(author.id),
        bot=bool(author.bot or message.webhook_id),
        role_ids=role_ids(author),
        text=message.content or "",
        at=message.created_at.timestamp(),
        kind=message.type.value,
        reply_to=str(reference.message_id) if reference and reference.message_id else None,
        reply_to_author=str(reply_author) if reply_author is not None else None,
        mentions=tuple(str(m.id) for m in message.mentions),
    )


def edit_from_payload(data: Mapping[str, Any]) -> Post | None:
    """A MESSAGE_UPDATE payload -> the edited message, or None when it is not a text edit
    (embeds unfurling, pins, partial updates without content or edit time)."""
    author, content, edited = data.get("author"), data.get("content"), data.get("edited_timestamp")
    if not isinstance(author, Mapping) or not isinstance(content, str) or not edited:
        return None
    edited_at = timestamp(edited)
    if edited_at is None or not _str(data.get("id")) or not _str(author.get("id")):
        return None
    member = data.get("member")
    roles = member.get("roles") if isinstance(member, Mapping) else None
    return Post(
        message_id=str(data["id"]),
        author=str(author["id"]),
        bot=bool(author.get("bot") or data.get("webhook_id")),
        role_ids=frozenset(str(r) for r in roles) if isinstance(roles, list) else frozenset(),
        text=content,
        at=edited_at,
        kind=int(data.get("type") or 0),
    )


def posted(ref: ConversationRef, post: Post, role: Role) -> MessagePosted:
    return MessagePosted(
        event_id=f"{PLATFORM}:{post.message_id}",
        conversation=ref,
        message_id=post.message_id,
        author=post.author,
        role=role,
        text=post.text,
        sent_at=post.at,
    )


def edited(ref: ConversationRef, post: Post, role: Role) -> MessageEdited:
    return MessageEdited(
        event_id=f"{PLATFORM}:{post.message_id}#edit:{post.at:.3f}",
        conversation=ref,
        message_id=post.message_id,
        author=post.author,
        role=role,
        text=post.text,
        edited_at=post.at,
    )


def deleted(ref: ConversationRef, message_id: str, at: float) -> MessageDeleted:
    return MessageDeleted(f"{PLATFORM}:{message_id}#deleted", ref, message_id, at)


def closed(ref: ConversationRef, at: float) -> ConversationClosed:
    return ConversationClosed(f"{PLATFORM}:{ref.thread}#closed:{at:.3f}", ref, at)


def trigger_message(trigger_event: str) -> str | None:
    """The Discord message behind a nudge's trigger (``discord:{id}`` or ``...#wait1``)."""
    head = trigger_event.split("#", 1)[0]
    platform, _, message_id = head.partition(":")
    return message_id if platform == PLATFORM and message_id.isdigit() else None


def _str(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and str(value) else None


def timestamp(value: Any) -> float | None:
    """An ISO 8601 time from a payload -> POSIX seconds (None when absent or malformed)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return None
