"""The Discord adapter: discord.py's gateway client in support servers.

Messages in watched channels, threads and forum posts become engine events (intake.py);
nudges go by DM, staff channel or inbox (delivery.py); ``/coach`` application commands
answer privately (commands.py); helpful / not helpful clicks are recorded (feedback.py);
the opt-in survey and the weekly digest are posted by outreach.py.
``start()`` returns once the gateway session is up, or raises ``AdapterFailed`` with
what to do when Discord refuses it (token, privileged intent).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import discord

from adapters.base import AdapterFailed, CommandHandler, EventSink, FeedbackHandler, Roles
from adapters.discord import render
from adapters.discord.client import CoachClient, configure_endpoints
from adapters.discord.commands import Commands
from adapters.discord.delivery import DiscordDelivery
from adapters.discord.feedback import Feedback
from adapters.discord.intake import Intake, Recorded
from adapters.discord.outreach import DiscordOutreach
from adapters.discord.places import Places
from adapters.discord.practice import DiscordPractice
from adapters.discord.translate import trigger_message
from adapters.practice import PracticeHandler
from adapters.updates import UpdateDesk
from coaching.types import Nudge

log = logging.getLogger("coach.discord")

START_TIMEOUT = 60.0  # then start() returns and discord.py keeps trying in the background

INTENT_REFUSED = (
    "Discord refused the Message Content intent (gateway close code 4014). Turn it on: "
    "Discord Developer Portal (https://discord.com/developers/applications) → your "
    "application → Bot → Privileged Gateway Intents → MESSAGE CONTENT INTENT → Save Changes, "
    "then run `coach run` again. (Bots in 100 or more servers need Discord's approval.)"
)
TOKEN_REFUSED = (
    "Discord refused DISCORD_TOKEN (401 Unauthorized). Copy the bot token from the Developer "
    "Portal → your application → Bot → Reset Token, and set it in the DISCORD_TOKEN "
    "environment variable."
)


@dataclass(frozen=True)
class DiscordOptions:
    token: str = field(repr=False)  # never shown in a repr (or a log)
    api_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg/"
    guilds: frozenset[str] = field(default_factory=frozenset)
    channels: frozenset[str] = field(default_factory=frozenset)
    staff_channel: str = ""
    conversation_minutes: float = 30.0
    queue_size: int = 10_000  # events held in memory on their way to the bot's inbox


class DiscordAdapter:
    platform = "discord"

    def __init__(
        self,
        options: DiscordOptions,
        roles: Roles,
        sink: EventSink,
        command_handler: CommandHandler,
        feedback: FeedbackHandler,
        practice: PracticeHandler | None = None,
        recorded: Recorded | None = None,
    ) -> None:
        self.options, self.roles = options, roles
        _quiet_voice_warnings()
        self.commands = Commands(command_handler, guilds=options.guilds)
        group = self.commands.group()
        self.client = CoachClient(
            Feedback(feedback), group, options.guilds, direct_messages=practice is not None
        )
        if practice is not None:  # /coach practice, continued in a DM
            self.client.practice = DiscordPractice(self.client, practice, options.guilds)
            self.client.practice.register(group)
        self.places = Places(self.client)
        self.intake = Intake(
            sink,
            roles,
            self.places,
            options.channels,
            options.conversation_minutes * 60,
            options.queue_size,
            guilds=options.guilds,
            recorded=recorded,
        )
        self.client.intake = self.intake
        self.delivery = DiscordDelivery(self.client, options.staff_channel, self.link_of, roles)
        self.outreach = self.client.outreach = DiscordOutreach(self.client, self.places)
        self._task: asyncio.Task[None] | None = None

    @property
    def sink(self) -> EventSink:
        return self.intake.sink

    @sink.setter
    def sink(self, sink: EventSink) -> None:
        self.intake.sink = sink

    @property
    def updates(self) -> UpdateDesk | None:
        return self.client.updates.desk

    @updates.setter
    def updates(self, desk: UpdateDesk | None) -> None:
        """One-click updates on (the bot's desk) or off (None: no button, clicks refused)."""
        self.client.updates.desk = desk
        self.delivery.one_click = desk is not None

    def link_of(self, nudge: Nudge) -> str:
        """A jump link to the message behind the nudge (its thread or channel)."""
        ref = nudge.conversation
        container = ref.thread if self.places.is_thread(ref.thread) else ref.channel
        return render.jump_url(ref.workspace, container, trigger_message(nudge.trigger_event))

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        configure_endpoints(self.options.api_url, self.options.gateway_url)
        self.intake.start()
        self._task = asyncio.create_task(self.client.start(self.options.token))
        connected = asyncio.create_task(self.client.gateway.session.wait())
        done, _ = await asyncio.wait(
            {self._task, connected}, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        connected.cancel()
        if self._task in done:
            problem = _explain(self._task.exception())
            await self.stop()
            raise AdapterFailed(problem)
        if not done:
            log.warning("discord: not connected after %.0f s; still trying", START_TIMEOUT)
        self._task.add_done_callback(self._stopped)

    def _stopped(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self.client.gateway.connected = False
            log.error("discord: the client stopped: %s", _explain(exc))

    async def stop_intake(self) -> None:
        """Take no more events; hand queued ones to the runtime. Delivery still works."""
        await self.intake.stop()

    async def stop(self) -> None:
        await self.intake.stop()
        if not self.client.is_closed():
            await self.client.close()
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._task

    def health(self) -> dict[str, Any]:
        state = self.client.gateway
        return {
            "connected": state.connected and not self.client.is_closed(),
            "reconnects": state.reconnects,
            "last_close_code": state.last_close_code,
            "latency_ms": _latency_ms(self.client),
            "guilds": len(self.client.guilds),
            "intake_queue": self.intake.depth,
            "dms_closed": self.delivery.closed_count,
            "malformed_payloads": state.malformed,
        }


def _explain(exc: BaseException | None) -> str:
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return INTENT_REFUSED
    if isinstance(exc, discord.LoginFailure):
        return TOKEN_REFUSED
    if isinstance(exc, discord.ConnectionClosed):
        if exc.code == 4004:
            return TOKEN_REFUSED
        return f"Discord closed the gateway connection (close code {exc.code})."
    if isinstance(exc, discord.HTTPException):
        return f"Discord's API answered HTTP {exc.status} (code {exc.code}) while logging in."
    if isinstance(exc, aiohttp.ClientError | OSError):
        return f"Discord could not be reached ({type(exc).__name__}): check [discord] api_url and gateway_url."
    return f"the Discord client stopped ({type(exc).__name__})."


def _latency_ms(client: discord.Client) -> float | None:
    latency = client.latency
    return round(latency * 1000, 1) if latency == latency and latency != float("inf") else None


def _quiet_voice_warnings() -> None:
    """The coach has no voice features: skip discord.py's 'PyNaCl is not installed'."""
    for flag in ("warn_nacl", "warn_dave"):
        if hasattr(discord.VoiceClient, flag):
            setattr(discord.VoiceClient, flag, False)
