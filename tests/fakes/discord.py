"""A loopback fake of Discord's REST API and gateway, for driving the real discord.py
client with no network and no token.

REST (``/api/v10/...``): the calls discord.py makes for this bot — login (``users/@me``,
``oauth2/applications/@me``), command sync (and the global commands: listed, deleted),
``GET channels/{id}``, a thread's members, a guild member, opening DMs, sending
messages, interaction callbacks and follow-ups. Every call is recorded; members listed
in ``closed_dms`` get 403 / code 50007 like Discord when their DMs are closed.

Gateway (``/gateway/``, one connection at a time): HELLO, then IDENTIFY -> READY and
GUILD_CREATE (or close code 4014 when ``refuse_intents`` is set), RESUME -> the events
after the client's sequence (plus ``replay_on_resume`` already-seen ones, to simulate a
replay) and RESUMED; heartbeats are acknowledged. Tests push MESSAGE_CREATE,
INTERACTION_CREATE... with ``dispatch`` and wait on the fake ("until it received a DM"),
never on sleeps.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

DISCORD_EPOCH_MS = 1_420_070_400_000
BOT_ID = APP_ID = "100000000000000001"
GUILD = "100000000000000010"
_counter = itertools.count(1)

Json = dict[str, Any]


def snowflake(at: float | None = None) -> str:
    """A unique ID that encodes ``at`` (default: now), like Discord's."""
    ms = int((time.time() if at is None else at) * 1000) - DISCORD_EPOCH_MS
    return str((ms << 22) | (next(_counter) & 0x3FFFFF))


def iso(at: float | None = None) -> str:
    return datetime.fromtimestamp(time.time() if at is None else at, UTC).isoformat()


@dataclass
class Call:
    method: str
    path: str
    body: Any
    status: int = 200
    at: float = field(default_factory=time.perf_counter)
    files: list[tuple[str, bytes]] = field(default_factory=list)  # multipart attachments


@dataclass
class Frame:
    """A frame the client sent on the gateway."""

    op: int
    d: Any


class FakeDiscord:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.received: list[Frame] = []
        self.guilds: list[Json] = [guild_payload()]
        self.channels: dict[str, Json] = {}  # served by GET /channels/{id}
        # thread -> its members' user IDs, for GET /channels/{id}/thread-members (without
        # the application's SERVER MEMBERS INTENT Discord refuses it: 403, as for others)
        self.thread_members: dict[str, list[str]] = {}
        self.member_roles: dict[str, list[str]] = {}  # user -> role IDs, where members are served
        self.global_commands: list[Json] = []  # the application's global commands
        # guild -> its members (a guild not listed here has everyone as a member)
        self.guild_members: dict[str, set[str]] = {}
        self.closed_dms: set[str] = set()
        self.server_errors: dict[str, int] = {}  # path suffix -> 500s to answer first
        self.rate_limits: dict[str, int] = {}  # path suffix -> 429s to answer first
        self.retry_after = 0.2
        self.refuse_intents = False
        self.unauthorized = False  # 401 on login, like a wrong token
        self.replay_on_resume = 0
        self.close_codes: list[int] = []  # the fake closed the gateway with these
        self.identifies = self.resumes = 0
        self._log: list[Json] = []  # dispatched frames, for RESUME
        self._seq = 0
        self._dm_of: dict[str, str] = {}  # user -> DM channel
        self._socket: web.WebSocketResponse | None = None
        self._ready = False
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- server --------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        app.router.add_get("/gateway/", self._gateway)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway/"

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- REST ----------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        files: list[tuple[str, bytes]] = []
        if request.content_type.startswith("multipart/"):  # a message with attachments
            body = await _multipart(request, files)
        else:
            body = await request.json() if request.can_read_body else None
        call = Call(request.method, path, body, files=files)
        status, answer = self._answer(call)
        for suffix, count in self.server_errors.items():
            if count > 0 and path.endswith(suffix):
                self.server_errors[suffix] -= 1
                status, answer = 500, {"code": 0, "message": "500: Internal Server Error"}
        # discord.py wants exactly "application/json" (no charset) to decode a body.
        headers = {"Content-Type": "application/json"}
        for suffix, count in self.rate_limits.items():
            if count > 0 and path.endswith(suffix):
                self.rate_limits[suffix] -= 1
                # discord.py retries a 429 only with a Via header (else: Cloudflare ban).
                headers |= {"Via": "1.1 google", "Retry-After": str(self.retry_after)}
                status = 429
                answer = {"message": "You are being rate limited.", "global": False,
                          "retry_after": self.retry_after}  # fmt: skip
        call.status = status
        self.calls.append(call)
        await self._notify()
        return web.Response(status=status, body=json.dumps(answer).encode(), headers=headers)

    def _answer(self, call: Call) -> tuple[int, Any]:
        method, path, body = call.method, call.path, call.body or {}
        parts = path.strip("/").split("/")
        if self.unauthorized:
            return 401, {"code": 0, "message": "401: Unauthorized"}
        if path == "/users/@me":
            return 200, user_payload(BOT_ID, "coach", bot=True)
        if path == "/oauth2/applications/@me":
            return 200, application_payload()
        if method == "PUT" and parts[0] == "applications":
            synced = [
                {**c, "id": snowflake(), "application_id": APP_ID, "version": snowflake()}
                for c in body
            ]
            if parts[2:3] == ["commands"]:  # global, not /guilds/{id}/commands
                self.global_commands = synced
            return 200, synced
        if parts[0] == "applications" and parts[2:3] == ["commands"] and method == "GET":
            return 200, self.global_commands
        if parts[0] == "applications" and parts[2:3] == ["commands"] and method == "DELETE":
            self.global_commands = [c for c in self.global_commands if c["id"] != parts[3]]
            return 200, None
        if method == "GET" and parts[0] == "guilds" and parts[2:3] == ["members"]:
            guild, user = parts[1], parts[3]
            if user not in self.guild_members.get(guild, {user}):
                return 404, {"code": 10007, "message": "Unknown Member"}
            return 200, {**member_payload(self.member_roles.get(user)), "user": user_payload(user)}
        if method == "GET" and parts[0] == "channels" and parts[-1] == "thread-members":
            if parts[1] not in self.thread_members:
                return 403, {"code": 50001, "message": "Missing Access"}
            return 200, [
                {"id": parts[1], "user_id": u, "join_timestamp": iso(), "flags": 0,
                 "member": {**member_payload(self.member_roles.get(u)), "user": user_payload(u)}}
                for u in self.thread_members[parts[1]]
            ]  # fmt: skip
        if method == "GET" and parts[0] == "channels":
            channel = self.channels.get(parts[1])
            return (
                (200, channel) if channel else (404, {"code": 10003, "message": "Unknown Channel"})
            )
        if method == "POST" and path == "/users/@me/channels":
            user = str(body["recipient_id"])
            dm = self._dm_of.setdefault(user, snowflake())
            return 200, {
                "id": dm,
                "type": 1,
                "last_message_id": None,
                "recipients": [user_payload(user)],
            }
        if method == "POST" and parts[0] == "channels" and parts[-1] == "messages":
            if parts[1] in {self._dm_of.get(u) for u in self.closed_dms}:
                return 403, {"code": 50007, "message": "Cannot send messages to this user"}
            return 200, message_payload(
                parts[1], BOT_ID, body.get("content") or "", bot=True, embeds=body.get("embeds")
            )
        if method == "POST" and parts[0] == "interactions":
            return 200, {
                "interaction": {"id": parts[1], "type": 2},
                "resource": {"type": body.get("type")},
            }
        if parts[0] == "webhooks":
            return 200, message_payload(
                snowflake(),
                APP_ID,
                (body or {}).get("content") or "",
                bot=True,
                embeds=body.get("embeds"),
            )
        return 404, {"code": 0, "message": "404: Not Found"}

    # --- gateway -------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._socket, self._ready = ws, False
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            frame = json.loads(message.data)
            self.received.append(Frame(frame["op"], frame.get("d")))
            if frame["op"] == 1:
                await ws.send_json({"op": 11})
            elif frame["op"] == 2:
                await self._identify(ws)
            elif frame["op"] == 6:
                await self._resume(ws, int(frame["d"].get("seq") or 0))
            await self._notify()
        await self._notify()
        return ws

    async def _identify(self, ws: web.WebSocketResponse) -> None:
        self.identifies += 1
        if self.refuse_intents:
            self.close_codes.append(4014)
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        await self._send(
            ws,
            "READY",
            {
                "v": 10,
                "user": user_payload(BOT_ID, "coach", bot=True),
                "session_id": "session-1",
                "resume_gateway_url": self.gateway_url,
                "shard": [0, 1],
                "application": {"id": APP_ID, "flags": 0},
                "guilds": [{"id": g["id"], "unavailable": True} for g in self.guilds],
            },
        )
        for guild in self.guilds:
            await self._send(ws, "GUILD_CREATE", guild)
        self._ready = True

    async def _resume(self, ws: web.WebSocketResponse, seq: int) -> None:
        self.resumes += 1
        for frame in [f for f in self._log if f["s"] > seq - self.replay_on_resume]:
            await ws.send_json(frame)
        await ws.send_json({"op": 0, "t": "RESUMED", "s": self._next_seq(), "d": {}})
        self._ready = True

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    async def _send(self, ws: web.WebSocketResponse, event: str, data: Json) -> None:
        frame = {"op": 0, "t": event, "s": self._next_seq(), "d": data}
        self._log.append(frame)
        await ws.send_json(frame)

    # --- driving -------------------------------------------------------------------------

    async def dispatch(self, event: str, data: Json, within: float = 5.0) -> None:
        """Send an event once the client is identified (or resumed)."""
        await self.wait_until(lambda: self._ready and self._socket is not None, within)
        assert self._socket is not None
        await self._send(self._socket, event, data)

    async def reconnect(self) -> None:
        """Ask the client to reconnect (op 7); it comes back with RESUME."""
        await self.wait_until(lambda: self._ready and self._socket is not None)
        assert self._socket is not None
        self._ready = False
        await self._socket.send_json({"op": 7, "d": None})

    # --- looking and waiting -------------------------------------------------------------

    def of(self, method: str, prefix: str = "", status: int | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method
            and c.path.startswith(prefix)
            and (status is None or c.status == status)
        ]

    def dm_channel(self, user: str) -> str | None:
        return self._dm_of.get(user)

    def sent_to(self, channel: str | None, status: int | None = 200) -> list[Call]:
        return self.of("POST", f"/channels/{channel}/messages", status) if channel else []

    def dms_to(self, user: str, status: int | None = 200) -> list[Call]:
        return self.sent_to(self._dm_of.get(user), status)

    def callbacks(self) -> list[Call]:
        return self.of("POST", "/interactions/")

    async def wait_until(self, predicate: Callable[[], Any], within: float = 5.0) -> None:
        async def ready() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(ready(), within)

    async def wait_dms(self, user: str, count: int = 1, within: float = 5.0) -> list[Call]:
        await self.wait_until(lambda: len(self.dms_to(user)) >= count, within)
        return self.dms_to(user)


async def _multipart(request: web.Request, files: list[tuple[str, bytes]]) -> Any:
    """discord.py's multipart body: ``payload_json`` and one part per file."""
    body: Any = {}
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "payload_json":
            body = json.loads(await part.text())
        else:
            files.append((part.filename or "", bytes(await part.read())))
    return body


# --- payloads ------------------------------------------------------------------------------
# Data tables, kept one field group per line (the shapes discord.py reads).
# fmt: off


def user_payload(user: str, name: str | None = None, bot: bool = False) -> Json:
    return {"id": user, "username": name or f"user{user[-4:]}", "discriminator": "0",
            "global_name": None, "avatar": None, "bot": bot, "public_flags": 0}


def member_payload(roles: list[str] | None = None) -> Json:
    return {"roles": roles or [], "joined_at": iso(), "deaf": False, "mute": False, "flags": 0}


def application_payload() -> Json:
    return {"id": APP_ID, "name": "coach", "icon": None, "description": "", "bot_public": False,
            "bot_require_code_grant": False, "owner": user_payload("100000000000000002", "owner"),
            "verify_key": "0" * 64, "flags": 0}


def channel_payload(channel: str, name: str, kind: int = 0, parent: str | None = None) -> Json:
    return {"id": channel, "type": kind, "guild_id": GUILD, "name": name, "position": 0,
            "permission_overwrites": [], "parent_id": parent, "nsfw": False, "topic": None,
            "last_message_id": None, "rate_limit_per_user": 0}


def thread_payload(thread: str, parent: str, owner: str, name: str = "help", kind: int = 11) -> Json:
    return {"id": thread, "type": kind, "guild_id": GUILD, "parent_id": parent, "owner_id": owner,
            "name": name, "last_message_id": None, "rate_limit_per_user": 0, "message_count": 0,
            "member_count": 0, "flags": 0,
            "thread_metadata": {"archived": False, "auto_archive_duration": 1440,
                                "archive_timestamp": iso(), "locked": False}}


VIEW_AND_SEND = str((1 << 10) | (1 << 11))  # VIEW_CHANNEL | SEND_MESSAGES, as Discord's default


def role_payload(role: str, name: str, permissions: str = "0") -> Json:
    return {"id": role, "name": name, "color": 0, "hoist": False, "position": 1,
            "permissions": permissions, "managed": False, "mentionable": False, "flags": 0}


def hidden_from_everyone(channel: Json) -> Json:
    """``channel`` with @everyone denied VIEW_CHANNEL (a private channel)."""
    everyone = channel.get("guild_id") or GUILD  # the @everyone role's ID is the guild's
    deny = {"id": everyone, "type": 0, "allow": "0", "deny": str(1 << 10)}
    return {**channel, "permission_overwrites": [deny]}


def guild_payload(guild: str = GUILD) -> Json:
    return {"id": guild, "name": "Support", "icon": None, "owner_id": "100000000000000002",
            "unavailable": False, "member_count": 3, "large": False, "features": [],
            "verification_level": 0, "default_message_notifications": 0,
            "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0, "premium_tier": 0,
            "preferred_locale": "en-US", "system_channel_flags": 0,
            "roles": [role_payload(guild, "@everyone", VIEW_AND_SEND)], "emojis": [], "stickers": [],
            "channels": [], "threads": [], "members": [], "voice_states": [], "presences": [],
            "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
            "joined_at": iso()}


def message_payload(
    channel: str, author: str, content: str, *, message_id: str | None = None,
    at: float | None = None, bot: bool = False, roles: list[str] | None = None,
    guild: str | None = None, reply_to: Json | None = None, mentions: list[str] | None = None,
    embeds: Any = None, edited_at: float | None = None,
) -> Json:
    data: Json = {
        "id": message_id or snowflake(at), "channel_id": channel,
        "author": user_payload(author, bot=bot), "content": content, "timestamp": iso(at),
        "edited_timestamp": iso(edited_at) if edited_at else None, "tts": False,
        "mention_everyone": False, "mentions": [user_payload(m) for m in mentions or []],
        "mention_roles": [], "attachments": [], "embeds": embeds or [], "pinned": False,
        "type": 19 if reply_to else 0, "flags": 0, "components": [],
    }
    if guild:
        data["guild_id"] = guild
        data["member"] = member_payload(roles)
    if reply_to:
        data["message_reference"] = {"type": 0, "message_id": reply_to["id"],
                                     "channel_id": channel, "guild_id": guild}
        data["referenced_message"] = reply_to
    return data


def interaction_payload(
    kind: int, user: str, data: Json, *, roles: list[str] | None = None, channel: str = "",
    message: Json | None = None, guild: str | None = GUILD,
) -> Json:
    payload: Json = {
        "id": snowflake(), "application_id": APP_ID, "type": kind, "data": data,
        "token": f"token-{snowflake()}", "version": 1, "locale": "en-US", "app_permissions": "0",
        "entitlements": [], "attachment_size_limit": 8_388_608,
        "authorizing_integration_owners": {"0": guild or "0"}, "context": 0 if guild else 1,
    }
    if guild:
        payload["guild_id"], payload["guild_locale"] = guild, "en-US"
        payload["member"] = {**member_payload(roles), "user": user_payload(user), "permissions": "0"}
    else:
        payload["user"] = user_payload(user)
    if channel:
        payload["channel_id"] = channel
        payload["channel"] = channel_payload(channel, "support") if guild else {"id": channel, "type": 1}
    if message is not None:
        payload["message"] = message
    return payload


def coach_command(
    sub: str, user: str, options: list[Json] | None = None, roles: list[str] | None = None,
    resolved: Json | None = None, channel: str = "",
) -> Json:
    """/coach {sub} [options], as Discord sends it for a guild command."""
    data: Json = {"id": snowflake(), "name": "coach", "type": 1, "guild_id": GUILD,
                  "options": [{"name": sub, "type": 1, "options": options or []}]}
    if resolved:
        data["resolved"] = resolved
    return interaction_payload(2, user, data, roles=roles, channel=channel)


def button_click(user: str, custom_id: str, message: Json, dm_channel: str) -> Json:
    """A click on a button of ``message``, a DM from the bot."""
    data = {"custom_id": custom_id, "component_type": 2}
    return interaction_payload(3, user, data, channel=dm_channel, message=message, guild=None)


# fmt: on
