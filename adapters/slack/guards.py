"""Checks in front of Bolt's request handling in HTTP mode.

Bolt's signature check turns ``X-Slack-Request-Timestamp`` into an integer without
asking whether it is one: ``abc`` there would raise and answer 500, telling a prober
more than "unauthorised" and logging an error. A request without a usable timestamp
cannot be correctly signed, so it gets 401 here and never reaches Bolt.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

EVENTS_PATH = "/slack/events"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"


@web.middleware
async def refuse_unusable_timestamps(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path == EVENTS_PATH and request.method == "POST":
        stamp = request.headers.get(TIMESTAMP_HEADER, "")
        if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
            return web.Response(status=401, text="invalid request timestamp")
    return await handler(request)
