"""Channel ID -> ``Place`` (guild, channel, thread, category), from discord.py's cache.

Threads the gateway announced (GUILD_CREATE, THREAD_CREATE...) are in the cache; for a
channel it has never heard of, one ``GET /channels/{id}`` (what ``fetch_channel`` does)
settles it, and the answer — or a lasting failure (403/404) — is remembered, so an unknown
channel costs at most one request. A channel that cannot be resolved at all (it might be
a thread or a channel: nothing says which) is one conversation as a whole, like a thread.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import discord

from adapters.discord.conversations import Recent
from adapters.discord.translate import Place

log = logging.getLogger("coach.discord")


class Places:
    def __init__(self, client: discord.Client, capacity: int = 20_000) -> None:
        self.client = client
        self._known: Recent[str, Place] = Recent(capacity)
        self.threads: Recent[str, str] = Recent(capacity)  # thread -> guild, for jump links

    async def resolve(self, guild: str, channel_id: str) -> Place:
        known = self._known.get(channel_id)
        if known is not None:
            return known
        channel: Any = self.client.get_channel(int(channel_id))
        if channel is None:
            try:
                channel = await self.client.fetch_channel(int(channel_id))
            except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
                # 403/404 will not change; a server or network error might: ask again.
                remember = isinstance(exc, discord.Forbidden | discord.NotFound)
                log.info(
                    "channel %s could not be fetched (%s): one conversation as a whole",
                    channel_id,
                    type(exc).__name__,
                )
                place = Place(guild, channel_id, channel_id)
                if remember:
                    self._known.set(channel_id, place)
                return place
        place = self.place_of(channel, guild, channel_id)
        self._known.set(channel_id, place)
        return place

    def place_of(self, channel: Any, guild: str, channel_id: str) -> Place:
        if isinstance(channel, discord.Thread):
            parent = str(channel.parent_id)
            self.threads.set(str(channel.id), guild)
            return Place(guild, parent, str(channel.id), self._category_of(channel.parent_id))
        category = getattr(channel, "category_id", None)
        return Place(guild, channel_id, None, str(category) if category else None)

    def thread_place(self, guild: str, thread: str, parent: str) -> Place:
        self.threads.set(thread, guild)
        return Place(guild, parent, thread, self._category_of(int(parent)))

    def is_thread(self, channel_id: str) -> bool:
        if self.threads.get(channel_id) is not None:
            return True
        if not channel_id.isdigit():
            return False
        return isinstance(self.client.get_channel(int(channel_id)), discord.Thread)

    def _category_of(self, channel_id: int | None) -> str | None:
        parent = self.client.get_channel(channel_id) if channel_id else None
        category = getattr(parent, "category_id", None)
        return str(category) if category else None
