"""Private delivery of nudges in Discord: a DM, else the staff channel, else the inbox.

Ephemeral messages exist only as interaction responses, so a nudge goes by DM to its
agent, with a link to the conversation and helpful / not helpful buttons. When the
agent's DMs are closed (403, code 50007) that is remembered for ``closed_dm_memory``
seconds — Discord bans bots that make 10,000 invalid requests in 10 minutes — and the
nudge goes to the configured private staff channel or thread, mentioning the agent (never
when anyone but agents and supervisors can view it — privacy.py — nor when it is the
conversation's own); with no usable staff channel (or when it fails for good) it is kept
for the agent's ``/coach inbox``.
Temporary failures (5xx, timeouts, network) return RETRY: the runtime's outbox retries;
rate limits (429) are waited out inside discord.py. Never posted in the conversation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import discord

from adapters.base import DeliveryResult, DeliveryStatus, Roles
from adapters.discord import render
from adapters.discord.privacy import Audience
from coaching.types import Nudge

log = logging.getLogger("coach.discord")

CLOSED_DMS = 50007
CLOSED_DM_MEMORY = 6 * 3600.0
DM_FOOTER = "Only you can see this tip."
STAFF_FOOTER = (
    "Sent here because your DMs from this server are closed. Open them "
    "(server menu → Privacy Settings → Direct Messages) to get tips privately."
)
STAFF_CHANNEL_PAUSE = 600.0  # after the staff channel refused a nudge (403/404)
_TEMPORARY = (aiohttp.ClientError, TimeoutError, OSError)

LinkOf = Callable[[Nudge], str]


class DiscordDelivery:
    def __init__(
        self,
        client: discord.Client,
        staff_channel: str,
        link_of: LinkOf,
        roles: Roles,
        closed_dm_memory: float = CLOSED_DM_MEMORY,
    ) -> None:
        self.client, self.staff_channel, self.link_of = client, staff_channel, link_of
        self.audience = Audience(client, roles)
        self.closed_dm_memory = closed_dm_memory
        self._closed_until: dict[str, float] = {}
        self._staff_paused_until = 0.0
        self.one_click = False  # [updates] one_click: reminders carry their update's buttons

    def dms_closed(self, agent: str) -> bool:
        until = self._closed_until.get(agent)
        if until is None:
            return False
        if time.monotonic() >= until:
            del self._closed_until[agent]
            return False
        return True

    @property
    def closed_count(self) -> int:
        return sum(1 for agent in list(self._closed_until) if self.dms_closed(agent))

    async def deliver(self, nudge: Nudge) -> DeliveryResult:
        if self.client.user is None or self.client.is_closed():  # not logged in, or stopping
            return DeliveryResult(DeliveryStatus.RETRY, route="dm", error="not_connected")
        link = self.link_of(nudge)
        if not self.dms_closed(nudge.agent):
            result = await self._direct_message(nudge, link)
            if result is not None:
                return result
        if self.staff_channel and time.monotonic() >= self._staff_paused_until:
            result = await self._staff_channel(nudge, link)
            if result is not None:
                return result
        log.info("nudge %s kept for %s's /coach inbox", nudge.nudge_id, nudge.agent)
        return DeliveryResult(DeliveryStatus.KEPT, route="inbox")

    async def _direct_message(self, nudge: Nudge, link: str) -> DeliveryResult | None:
        """SENT or RETRY; None when a DM cannot reach the agent (fall back)."""
        try:
            channel = await self.client.create_dm(discord.Object(int(nudge.agent)))
            await channel.send(
                embed=render.nudge_embed(nudge, link, DM_FOOTER, self.one_click),
                view=render.feedback_view(nudge, self.one_click),
            )
            return DeliveryResult(DeliveryStatus.SENT, route="dm")
        except discord.Forbidden as exc:
            self._closed_until[nudge.agent] = time.monotonic() + self.closed_dm_memory
            log.info(
                "agent %s cannot be sent DMs (%s): staff channel or inbox for %.0f h",
                nudge.agent,
                exc.code,
                self.closed_dm_memory / 3600,
            )
            return None
        except discord.HTTPException as exc:
            return _temporary(exc, "dm")
        except _TEMPORARY as exc:
            return DeliveryResult(DeliveryStatus.RETRY, route="dm", error=type(exc).__name__)

    async def _staff_channel(self, nudge: Nudge, link: str) -> DeliveryResult | None:
        conversation = nudge.conversation
        if self.staff_channel in (conversation.channel, conversation.thread):
            log.warning("staff_channel is a support channel: nudge %s not posted", nudge.nudge_id)
            return None
        try:
            channel: Any = self.client.get_channel(int(self.staff_channel))
            if channel is None:
                channel = await self.client.fetch_channel(int(self.staff_channel))
            guild = getattr(channel, "guild", None)
            if guild is None or str(guild.id) != conversation.workspace:
                log.info("nudge %s: the staff channel is in another server", nudge.nudge_id)
                return None
            outsiders = await self.audience.outsiders(channel)
            if outsiders:
                log.warning(
                    "staff channel %s is not private (%s): nudge %s not posted there",
                    self.staff_channel,
                    outsiders,
                    nudge.nudge_id,
                )
                return None
            await channel.send(
                content=f"<@{nudge.agent}>",
                embed=render.nudge_embed(nudge, link, STAFF_FOOTER, self.one_click),
                view=render.feedback_view(nudge, self.one_click),
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, roles=False, users=[discord.Object(int(nudge.agent))]
                ),
            )
            return DeliveryResult(DeliveryStatus.SENT, route="staff_channel")
        except (discord.Forbidden, discord.NotFound) as exc:
            log.warning("staff channel %s refused nudges (%s)", self.staff_channel, exc.code)
            self._staff_paused_until = time.monotonic() + STAFF_CHANNEL_PAUSE
            return None
        except discord.HTTPException as exc:
            return _temporary(exc, "staff_channel")
        except _TEMPORARY as exc:
            return DeliveryResult(
                DeliveryStatus.RETRY, route="staff_channel", error=type(exc).__name__
            )
        except (AttributeError, ValueError) as exc:  # not a channel one can post in
            log.warning("staff channel %s unusable (%s)", self.staff_channel, type(exc).__name__)
            return None


def _temporary(exc: discord.HTTPException, route: str) -> DeliveryResult | None:
    """5xx and 429 (when discord.py gave up waiting) are temporary; other 4xx fall back."""
    if exc.status >= 500 or exc.status == 429:
        retry_after = getattr(exc, "retry_after", None)
        return DeliveryResult(
            DeliveryStatus.RETRY,
            route=route,
            retry_after=float(retry_after) if isinstance(retry_after, int | float) else None,
            error=f"http_{exc.status}",
        )
    log.warning("%s delivery refused: HTTP %s code %s", route, exc.status, exc.code)
    return None
