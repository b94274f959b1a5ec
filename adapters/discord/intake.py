"""Gateway events -> engine events, in the order the gateway delivered them.

discord.py runs each event handler as its own task; a handler that has to look a
channel up would let a later message overtake an earlier one. So handlers only put the
event on one bounded queue, and a single worker takes everything queued, resolves and
translates it in order and hands it to the bot together (one write stores them all).
The gateway has no acknowledgement and does not redeliver: events the bot refuses
(store unavailable, backlog full) stay at the head of the queue and are offered again,
in order, until stored. Nothing here blocks the gateway; a full queue drops the event
with a warning (``dropped`` in /healthz).

An edit or a deletion (one message, or a moderator's bulk delete) belongs to the
conversation its message was recorded in: a thread's is the thread; a plain channel's is
remembered in memory and, once forgotten (a restart, a full map), asked of the store by
message ID (``recorded``), so the stored text is replaced or removed all the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import discord

from adapters.base import EventSink, Roles
from adapters.discord import translate
from adapters.discord.conversations import PlainChannelConversations, Recent
from adapters.discord.places import Places
from adapters.discord.translate import Place, Post
from coaching.types import ConversationRef, Event, Role

log = logging.getLogger("coach.discord")

RETRY_MAX = 5.0  # seconds between offers of events the bot could not store

# (platform, guild, channel, message IDs) -> {message ID: conversation key} as recorded
Recorded = Callable[[str, str, str, Sequence[str]], Awaitable[Mapping[str, str]]]


@dataclass(frozen=True, slots=True)
class _Posted:
    guild: str
    channel: str
    post: Post


@dataclass(frozen=True, slots=True)
class _Edited:
    guild: str
    channel: str
    post: Post


@dataclass(frozen=True, slots=True)
class _Deleted:
    guild: str
    channel: str
    message_ids: tuple[str, ...]  # one, or a bulk delete's
    at: float


@dataclass(frozen=True, slots=True)
class _Archived:
    guild: str
    thread: str
    parent: str
    at: float


_Item = _Posted | _Edited | _Deleted | _Archived


class Intake:
    def __init__(
        self,
        sink: EventSink,
        roles: Roles,
        places: Places,
        watched: frozenset[str],
        window: float,
        queue_size: int = 10_000,
        guilds: frozenset[str] = frozenset(),
        recorded: Recorded | None = None,
    ) -> None:
        self.sink, self.roles, self.places, self.watched = sink, roles, places, watched
        self.guilds = guilds  # the servers coached (empty: every server the bot is in)
        self.recorded = recorded
        self.plain = PlainChannelConversations(window)
        self.self_id: str | None = None
        self.dropped = 0
        self._roles_seen: Recent[str, Role] = Recent(50_000)  # message -> its author's role
        self._queue: asyncio.Queue[_Item] = asyncio.Queue(queue_size)
        self._worker: asyncio.Task[None] | None = None
        self._closing = False

    # --- from discord.py's handlers (never await) ----------------------------------------

    def message(self, message: discord.Message) -> None:
        guild = message.guild.id if message.guild else getattr(message.channel, "guild_id", None)
        if guild is None:
            return  # a DM to the bot: not a support conversation
        post = translate.post_from_message(message)
        if not post.written_by_a_person or post.author == self.self_id:
            log.debug("discord message %s skipped: bot or system message", post.message_id)
            return
        self._put(_Posted(str(guild), str(message.channel.id), post))

    def edit(self, data: Mapping[str, Any], guild_id: int | None, channel_id: int) -> None:
        post = translate.edit_from_payload(data)
        if guild_id is None or post is None or not post.written_by_a_person:
            return
        self._put(_Edited(str(guild_id), str(channel_id), post))

    def delete(self, message_id: int, guild_id: int | None, channel_id: int) -> None:
        self.bulk_delete((message_id,), guild_id, channel_id)

    def bulk_delete(
        self, message_ids: Iterable[int], guild_id: int | None, channel_id: int
    ) -> None:
        """Messages deleted together (a moderator purging a channel): one deletion each."""
        ids = tuple(str(m) for m in sorted(message_ids))
        if guild_id is not None and ids:
            self._put(_Deleted(str(guild_id), str(channel_id), ids, time.time()))

    def archived(self, guild: int, thread: int, parent: int, archived_at: Any) -> None:
        """A thread or forum post was archived (closed by a helper, or inactive): the
        conversation is over. Its archive time makes the event ID, so replays collapse."""
        at = translate.timestamp(archived_at) or time.time()
        self._put(_Archived(str(guild), str(thread), str(parent), at))

    def _put(self, item: _Item) -> None:
        if self._closing:
            return  # shutting down: the platform will redeliver or it is lost by design
        if self.guilds and item.guild not in self.guilds:
            # Someone added the bot to a server that is not ours: read nothing there.
            log.debug("discord event from guild %s (not configured) dropped", item.guild)
            return
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.dropped += 1
            log.warning("discord intake queue full: %s dropped", type(item).__name__.strip("_"))

    # --- the worker ----------------------------------------------------------------------

    def start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.create_task(self._run())

    async def stop(self, drain_within: float = 5.0) -> None:
        """Stop taking events, hand over what is queued (within the limit), then stop."""
        self._closing = True
        if self._worker is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue.join(), drain_within)
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None

    @property
    def depth(self) -> int:
        return self._queue.qsize()

    async def _run(self) -> None:
        while True:
            items = [await self._queue.get()]
            while not self._queue.empty():
                items.append(self._queue.get_nowait())
            try:
                events = [e for item in items for e in await self._translated(item)]
                await self._hand_over(events)
            finally:
                for _ in items:
                    self._queue.task_done()

    async def _translated(self, item: _Item) -> list[Event]:
        try:
            return await self._translate(item)
        except Exception as exc:  # one bad event must not stop the intake
            log.error(
                "discord %s could not be processed: %s",
                type(item).__name__.strip("_"),
                type(exc).__name__,
            )
            log.debug("intake traceback", exc_info=True)
            return []

    async def _hand_over(self, events: list[Event]) -> None:
        """Submit in order; offer what was refused again (in order) until it is stored."""
        delay = 0.2
        while events:
            stored = await asyncio.gather(*[self.sink.submit(e) for e in events])
            events = [e for e, ok in zip(events, stored, strict=True) if not ok]
            if events:
                log.warning("discord: %d events not stored yet; offered again", len(events))
                await asyncio.sleep(delay)  # the store or the backlog needs time
                delay = min(delay * 2, RETRY_MAX)

    async def _translate(self, item: _Item) -> list[Event]:
        if isinstance(item, _Archived):
            place = self.places.thread_place(item.guild, item.thread, item.parent)
            if not place.watched(self.watched):
                return []
            return [translate.closed(place.conversation(item.thread), item.at)]
        place = await self.places.resolve(item.guild, item.channel)
        if not place.watched(self.watched):
            log.debug("discord channel %s not watched", item.channel)
            return []
        if isinstance(item, _Posted):
            posted = self._posted(place, item.post)
            return [posted] if posted is not None else []
        ids = item.message_ids if isinstance(item, _Deleted) else (item.post.message_id,)
        refs = await self._conversations(place, ids)
        if len(refs) < len(ids):
            log.debug("discord edit/deletion of %d unknown messages skipped", len(ids) - len(refs))
        if isinstance(item, _Deleted):
            return [translate.deleted(refs[m], m, item.at) for m in ids if m in refs]
        ref = refs.get(item.post.message_id)
        if ref is None:
            return []
        role = self._roles_seen.get(item.post.message_id) or self._role(item.post)
        return [translate.edited(ref, item.post, role)]

    def _posted(self, place: Place, post: Post) -> Event | None:
        role = self._role(post)
        thread = place.thread or self.plain.assign(
            place.channel,
            post.message_id,
            post.author,
            role is Role.CUSTOMER,
            post.at,
            post.reply_to,
            post.reply_to_author,
            post.mentions,
        )
        if thread is None:
            log.debug("discord message %s: a helper outside any conversation", post.message_id)
            return None
        self._roles_seen.set(post.message_id, role)
        return translate.posted(place.conversation(thread), post, role)

    async def _conversations(
        self, place: Place, message_ids: Sequence[str]
    ) -> dict[str, ConversationRef]:
        """The conversation of each message seen before: its thread; in a plain channel,
        what memory holds, else what the store recorded."""
        if place.thread is not None:
            return {m: place.conversation(place.thread) for m in message_ids}
        refs = {m: place.conversation(c) for m in message_ids if (c := self.plain.lookup(m))}
        forgotten = [m for m in message_ids if m not in refs]
        if forgotten and self.recorded is not None:
            found = await self.recorded(translate.PLATFORM, place.guild, place.channel, forgotten)
            refs |= {m: ConversationRef.from_key(key) for m, key in found.items()}
        return refs

    def _role(self, post: Post) -> Role:
        agent = self.roles.is_agent(post.author, post.role_ids)
        return Role.AGENT if agent else Role.CUSTOMER
