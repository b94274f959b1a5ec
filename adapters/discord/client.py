"""The discord.py client: intents, endpoints, command sync, and event hand-off.

discord.py does the hard parts — heartbeats, RESUME, reconnects with backoff, per-route
rate limits. This subclass only hands events on (messages to the intake, button clicks
to feedback, ``/coach`` to its command tree) and keeps the gateway's state for /healthz.

The REST base (``discord.http.Route.BASE``) and the gateway URL
(``DiscordWebSocket.DEFAULT_GATEWAY``) are class attributes in discord.py: they are set
from ``[discord] api_url`` / ``gateway_url`` when the adapter starts, so there is one
Discord adapter per process (shard across processes to scale out).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket

from adapters.discord.feedback import Feedback
from adapters.discord.intake import Intake
from adapters.discord.outreach import DiscordOutreach
from adapters.discord.practice import DiscordPractice, is_direct_message
from adapters.discord.updates import DiscordUpdates

log = logging.getLogger("coach.discord")


def intents(direct_messages: bool = False) -> discord.Intents:
    """Only what coaching needs: guilds (channels, threads), guild messages and their
    text (MESSAGE_CONTENT is privileged: it must be switched on in the Developer Portal);
    with practice, the DMs agents answer the simulated customer in."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.message_content = True
    wanted.dm_messages = direct_messages
    return wanted


def configure_endpoints(api_url: str, gateway_url: str) -> None:
    discord.http.Route.BASE = api_url.rstrip("/")
    gateway = yarl.URL(gateway_url)
    DiscordWebSocket.DEFAULT_GATEWAY = gateway if gateway.path else gateway.with_path("/")


@dataclass
class GatewayState:
    connected: bool = False
    sessions: int = 0  # READY or RESUMED so far
    reconnects: int = 0
    last_close_code: int | None = None
    malformed: int = 0
    session: asyncio.Event = field(default_factory=asyncio.Event)  # set at the first session


class CoachClient(discord.Client):
    def __init__(
        self,
        feedback: Feedback,
        group: app_commands.Group,
        guilds: frozenset[str],
        direct_messages: bool = False,
    ) -> None:
        # The bot never needs to ping anyone but the agent it addresses (set per message).
        super().__init__(
            intents=intents(direct_messages), allowed_mentions=discord.AllowedMentions.none()
        )
        self.feedback, self.group, self.guild_ids = feedback, group, guilds
        self.intake: Intake | None = None  # set by the adapter
        self.practice: DiscordPractice | None = None  # set by the adapter with practice on
        self.outreach: DiscordOutreach | None = None  # survey clicks (set by the adapter)
        self.updates = DiscordUpdates()  # one-click updates' buttons and modal
        self.gateway = GatewayState()
        self.tree = app_commands.CommandTree(self)
        self._sync: asyncio.Task[None] | None = None
        _guard_parsers(self, self.gateway)

    async def setup_hook(self) -> None:
        """After login, before the gateway: /coach is answered from now on; registering it
        with Discord runs alongside, so a slow or failing sync never delays coaching."""
        self.tree.add_command(self.group)
        self._sync = asyncio.create_task(self._sync_commands())

    async def _sync_commands(self) -> None:
        """Per configured guild (available at once), else globally."""
        try:
            if not self.guild_ids:
                await self.tree.sync()
            for guild_id in sorted(self.guild_ids):
                guild = discord.Object(int(guild_id))
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
            log.info("discord: /coach registered (%s)", ", ".join(self.guild_ids) or "global")
            if self.guild_ids:
                await self._remove_global_command()
        except discord.Forbidden as exc:
            log.warning(
                "discord: /coach could not be registered (HTTP 403, code %s): invite the bot "
                "with the applications.commands scope (`coach discord-invite`)",
                exc.code,
            )
        except Exception as exc:  # coaching works without the commands: never stop for them
            log.warning("discord: /coach could not be registered (%s)", type(exc).__name__)

    async def _remove_global_command(self) -> None:
        """A global /coach left by a run without ``guilds`` would still offer the command
        in every server the bot is in (and twice in ours): with guilds, it goes."""
        for command in await self.tree.fetch_commands():  # the global ones
            if command.name == self.group.name:
                await command.delete()
                log.info("discord: the global /coach of an earlier run removed")

    async def close(self) -> None:
        if self._sync is not None:
            self._sync.cancel()
        await super().close()

    # --- gateway state ---------------------------------------------------------------------

    async def on_connect(self) -> None:
        self._session_started("connected (new session)")

    async def on_resumed(self) -> None:
        self._session_started("resumed its session")

    def _session_started(self, how: str) -> None:
        state = self.gateway
        state.connected = True
        if state.sessions:
            state.reconnects += 1
        state.sessions += 1
        state.session.set()
        if self.user is not None and self.intake is not None:
            self.intake.self_id = str(self.user.id)
        log.info("discord: gateway %s; reconnects so far: %d", how, state.reconnects)

    async def on_disconnect(self) -> None:
        ws: Any = self.ws
        code = None
        if ws is not None:
            code = getattr(ws, "_close_code", None) or getattr(ws.socket, "close_code", None)
        was_connected = self.gateway.connected
        self.gateway.connected = False
        self.gateway.last_close_code = code
        if was_connected and not self.is_closed():
            log.warning(
                "discord: gateway disconnected (close code %s); discord.py reconnects", code
            )

    # --- events ----------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        if is_direct_message(message):  # practice, never a support conversation
            if self.practice is not None:
                await self.practice.on_message(message)
            return
        if self.intake is not None:
            self.intake.message(message)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        if self.intake is not None:
            self.intake.edit(payload.data, payload.guild_id, payload.channel_id)

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if self.intake is not None:
            self.intake.delete(payload.message_id, payload.guild_id, payload.channel_id)

    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        if self.intake is not None:
            self.intake.bulk_delete(payload.message_ids, payload.guild_id, payload.channel_id)

    async def on_raw_thread_update(self, payload: discord.RawThreadUpdateEvent) -> None:
        metadata = payload.data.get("thread_metadata") or {}
        if metadata.get("archived") and self.intake is not None:
            self.intake.archived(
                payload.guild_id,
                payload.thread_id,
                payload.parent_id,
                metadata.get("archive_timestamp"),
            )

    async def on_interaction(self, interaction: discord.Interaction[discord.Client]) -> None:
        if self.outreach is not None and await self.outreach.on_interaction(interaction):
            return
        if await self.updates.on_interaction(interaction):
            return
        await self.feedback.on_interaction(interaction)


def _guard_parsers(client: discord.Client, state: GatewayState) -> None:
    """A malformed gateway payload gets a log line, not a dead client: discord.py lets a
    parser's KeyError end ``Client.start()``. (``ConnectionState.parsers`` is internal.)"""
    parsers: dict[str, Callable[[Any], None]] = client._connection.parsers

    def guarded(name: str, parse: Callable[[Any], None]) -> Callable[[Any], None]:
        def run(data: Any) -> None:
            try:
                parse(data)
            except Exception as exc:
                state.malformed += 1
                detail = f"missing {exc}" if isinstance(exc, KeyError) else type(exc).__name__
                log.warning("discord: malformed %s payload ignored (%s)", name, detail)

        return run

    for name, parse in list(parsers.items()):
        parsers[name] = guarded(name, parse)
