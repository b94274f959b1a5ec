"""A loopback fake of the Slack Web API and Socket Mode, for driving the real slack-bolt
and slack_sdk code with no network and no tokens.

It records every Web API call (and the files uploaded through ``files_upload_v2``'s
three steps), can be told to refuse ephemerals for some users
(``user_not_in_channel``), to answer 429 with ``Retry-After`` a number of times, or to
fail with 500; it serves ``response_url`` callbacks and a Socket Mode websocket. Tests
wait on it ("until the fake received chat.postEphemeral"), never on sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

BOT_USER, BOT_ID, TEAM = "UBOT", "BBOT", "T1"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)


@contextlib.asynccontextmanager
async def serving() -> AsyncIterator[FakeSlack]:
    """A started fake, stopped afterwards."""
    fake = FakeSlack()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.responses: list[dict[str, Any]] = []  # posted to response_url
        self.not_in_channel: set[str] = set()  # users whose ephemerals fail
        self.ephemeral_errors: dict[str, str] = {}  # user -> error their ephemerals get
        self.rate_limit: dict[str, int] = {}  # method -> how many 429s to answer first
        self.server_error: dict[str, int] = {}  # method -> how many 500s to answer first
        self.retry_after = 1
        self.delay: dict[str, float] = {}  # method -> seconds to wait before answering
        self.groups: dict[str, list[str]] = {}
        self.socket_acks: list[dict[str, Any]] = []
        self.uploads: dict[str, bytes] = {}  # file id -> bytes posted to its upload URL
        self.held: set[str] = set()  # methods whose requests wait at the door (``hold``)
        self.waiting = 0  # requests waiting at the door now
        self.lost = 0  # held requests whose sender was gone when the door opened
        self._door = asyncio.Event()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self.port = 0

    # --- server --------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # e.g. usergroups.users.list
        app.router.add_post("/response/{id}", self._response_url)
        app.router.add_get("/socket", self._socket)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        if method in self.held and not await self._through_the_door(request):
            return web.Response(status=499)  # its sender is gone: it never reached Slack
        await self._record(Call(method, args))
        if self.delay.get(method):
            await asyncio.sleep(self.delay[method])  # a slow Slack: the client must time out
        if self.rate_limit.get(method, 0) > 0:
            self.rate_limit[method] -= 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(self.retry_after)},
            )
        if self.server_error.get(method, 0) > 0:
            self.server_error[method] -= 1
            return web.json_response({"ok": False, "error": "internal_error"}, status=500)
        return web.json_response(self._answer(method, args))

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": BOT_USER,
                "bot_id": BOT_ID,
                "team_id": TEAM,
                "user": "coach",
            }
        if method == "chat.postEphemeral":
            if args.get("user") in self.not_in_channel:
                return {"ok": False, "error": "user_not_in_channel"}
            if args.get("user") in self.ephemeral_errors:
                return {"ok": False, "error": self.ephemeral_errors[str(args.get("user"))]}
            return {"ok": True, "message_ts": f"{time.time():.6f}"}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(args.get("users", "")).lstrip("U")}}
        if method == "chat.postMessage":
            return {"ok": True, "channel": args.get("channel"), "ts": f"{time.time():.6f}"}
        if method == "usergroups.users.list":
            return {"ok": True, "users": self.groups.get(str(args.get("usergroup")), [])}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        if method == "files.getUploadURLExternal":
            if not args.get("filename") or not str(args.get("length", "")).isdigit():
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F{len(self.of(method)):08d}"
            return {
                "ok": True,
                "file_id": file_id,
                "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
            }
        if method == "files.completeUploadExternal":
            files = json.loads(str(args.get("files") or "[]"))
            if not files or any(f.get("id") not in self.uploads for f in files):
                return {"ok": False, "error": "file_not_found"}
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        return {"ok": True}

    async def _upload(self, request: web.Request) -> web.Response:
        """An upload URL from files.getUploadURLExternal: the file's bytes, as a POST body."""
        data = await request.read()
        async with self._changed:
            self.uploads[request.match_info["file_id"]] = data
            self._changed.notify_all()
        return web.Response(text="OK - 200")

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        async with self._changed:
            self.responses.append(body)
            self._changed.notify_all()
        return web.json_response({"ok": True})

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        async with self._changed:
            self._sockets.append(ws)
            self._changed.notify_all()
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {}})
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                async with self._changed:
                    self.socket_acks.append(json.loads(message.data))
                    self._changed.notify_all()
        return ws

    async def _through_the_door(self, request: web.Request) -> bool:
        async with self._changed:
            self.waiting += 1
            self._changed.notify_all()
        await self._door.wait()
        self.waiting -= 1
        gone = request.transport is None or request.transport.is_closing()
        self.lost += gone
        return not gone

    # --- driving and waiting -------------------------------------------------------------

    def hold(self, *methods: str) -> None:
        """Requests for ``methods`` wait before they reach 'Slack' (are recorded), as if
        stuck in the network, until ``release``."""
        self._door.clear()
        self.held.update(methods)

    def release(self) -> None:
        """Let held requests through; those whose sender died meanwhile are dropped."""
        self.held.clear()
        self._door.set()

    async def send_socket(
        self, envelope_type: str, payload: dict[str, Any], envelope_id: str
    ) -> None:
        await self.wait_until(lambda: self._sockets)
        await self._sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": envelope_type,
                "payload": payload,
                "accepts_response_payload": envelope_type != "events_api",
            }
        )

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, within: float = 5.0) -> list[Call]:
        async def enough() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.of(method)) >= count)

        await asyncio.wait_for(enough(), within)
        return self.of(method)

    async def wait_until(self, predicate: Any, within: float = 5.0) -> None:
        async def ready() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(ready(), within)


async def _arguments(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        data = await request.json()
        return {**args, **data} if isinstance(data, dict) else args
    form = await request.post()
    args.update({k: str(v) for k, v in form.items()})
    for key in ("blocks", "attachments"):
        if isinstance(args.get(key), str):
            args[key] = json.loads(args[key])
    return args


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{ts}:".encode() + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def message_event(
    event_id: str,
    user: str,
    text: str,
    ts: str,
    thread_ts: str | None = None,
    channel: str = "C1",
    user_team: str = TEAM,
    **extra: Any,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "message",
        "channel": channel,
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": ts,
        "team": TEAM,
        "user_team": user_team,
        "event_ts": ts,
        **extra,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return {
        "token": "legacy",
        "team_id": TEAM,
        "api_app_id": "A1",
        "type": "event_callback",
        "event": event,
        "event_id": event_id,
        "event_time": int(float(ts)),
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
    }


def command_body(text: str, user: str, response_url: str) -> bytes:
    return urllib.parse.urlencode(
        {
            "token": "legacy",
            "team_id": TEAM,
            "channel_id": "C1",
            "user_id": user,
            "command": "/coach",
            "text": text,
            "response_url": response_url,
            "trigger_id": "t1",
            "api_app_id": "A1",
        }
    ).encode()


def action_body(user: str, action_id: str, value: str, response_url: str) -> bytes:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user},
        "api_app_id": "A1",
        "token": "legacy",
        "container": {"type": "message", "is_ephemeral": True},
        "trigger_id": "t2",
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "coach_feedback",
                "value": value,
                "type": "button",
                "action_ts": str(time.time()),
            }
        ],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()


def reaction_event(
    event_id: str, user: str, item_ts: str, reaction: str = "white_check_mark", channel: str = "C1"
) -> dict[str, Any]:
    """``reaction_added`` on a message (a ✅ on a thread's first message closes it)."""
    now = f"{time.time():.6f}"
    return {
        "token": "legacy",
        "team_id": TEAM,
        "api_app_id": "A1",
        "type": "event_callback",
        "event": {
            "type": "reaction_added",
            "user": user,
            "reaction": reaction,
            "item": {"type": "message", "channel": channel, "ts": item_ts},
            "event_ts": now,
        },
        "event_id": event_id,
        "event_time": int(float(now)),
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
    }
