"""Who the coach answers by DM: members of a server it coaches (``[discord] guilds``;
with none configured, the servers it is in). A DM carries no server, and anyone who
shares any server with the bot can send one — a server someone else added it to, too —
so each sender is looked up: ``GET /guilds/{id}/members/{user}`` (no privileged intent
needed), once per ``memory`` seconds per person, whatever the answer. Until Discord can
say (an outage), the DM is not answered.
"""

from __future__ import annotations

import logging
import time

import aiohttp
import discord

from adapters.discord.conversations import Recent

log = logging.getLogger("coach.discord")

MEMORY = 600.0  # seconds an answer is kept: someone who leaves is refused within this


class Membership:
    def __init__(
        self, client: discord.Client, guilds: frozenset[str], memory: float = MEMORY
    ) -> None:
        self.client, self.guilds, self.memory = client, guilds, memory
        self._known: Recent[int, tuple[bool, float]] = Recent(10_000)  # user -> (member, until)

    async def coached(self, user: int) -> bool:
        """Whether ``user`` is a member of a server the coach works in."""
        known = self._known.get(user)
        if known is not None and time.monotonic() < known[1]:
            return known[0]
        member = await self._look_up(user)
        if member is not None:
            self._known.set(user, (member, time.monotonic() + self.memory))
        return bool(member)

    async def _look_up(self, user: int) -> bool | None:
        """True or False; None when Discord could not say (ask again next time)."""
        servers = self.guilds or frozenset(str(g.id) for g in self.client.guilds)
        unsure = False
        for server in sorted(servers):
            guild = self.client.get_guild(int(server))
            if guild is None:
                continue  # not (or not yet) in it
            if guild.get_member(user) is not None:
                return True
            try:
                await guild.fetch_member(user)
                return True
            except discord.NotFound:
                continue
            except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
                log.info("member %s of %s not looked up (%s)", user, server, type(exc).__name__)
                unsure = True
        return None if unsure else False
