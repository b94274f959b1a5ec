"""A signed Events API request whose body is not a JSON object (``null``, ``[]``, broken
JSON) gets 400, not the 500 slack-bolt would give while building its request: an
aiohttp middleware in front of Bolt's ``/slack/events`` handler. A request that is not
signed gets 401, as Bolt would answer it; nothing is processed either way."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger("coach.slack")


def non_object_guard(path: str, signing_secret: str) -> Middleware:
    verifier = SignatureVerifier(signing_secret)

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or request.path != path:
            return await handler(request)
        raw = await request.text()  # aiohttp keeps it: Bolt's handler reads it again
        try:
            parsed = parse_body(raw, request.content_type)
        except ValueError:  # json.JSONDecodeError is a ValueError
            parsed = None
        if isinstance(parsed, dict):
            return await handler(request)
        if not verifier.is_valid_request(raw, request.headers):
            return web.Response(status=401)
        log.info("slack request refused: the body is not a JSON object")
        return web.Response(status=400, text="the body must be a JSON object")

    return guard
