"""The door in front of slack-bolt's ``/slack/events`` handler in HTTP mode (an aiohttp
middleware).

Bolt parses a request's body before it checks the signature, so JSON nested ten thousand
deep from anyone raised ``RecursionError`` there and got 500. Here the signature is
checked first, on the body as it came: a request not signed with the signing secret (or
not UTF-8, as Slack's are) gets 401, its body never parsed. A signed body that is not a
JSON object (``null``, ``[]``, broken JSON) or nests deeper than ``MAX_DEPTH`` gets 400,
not Bolt's 500. Nothing is processed either way."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

from adapters.json_input import MAX_DEPTH, deeper_than

log = logging.getLogger("coach.slack")


def signed_object_guard(path: str, signing_secret: str) -> Middleware:
    verifier = SignatureVerifier(signing_secret)

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or request.path != path:
            return await handler(request)
        try:  # aiohttp keeps the body: Bolt's handler reads it again
            body = (await request.read()).decode("utf-8")
        except UnicodeDecodeError:  # Slack signs UTF-8 (the verifier cannot read the rest)
            body = None
        if body is None or not verifier.is_valid_request(body, request.headers):
            log.info("Invalid request signature detected (body not logged)")
            return web.Response(status=401)
        try:
            parsed = parse_body(body, request.content_type)
        except (ValueError, RecursionError):  # broken JSON, or nested past Python's limit
            parsed = None
        if isinstance(parsed, dict) and not deeper_than(parsed, MAX_DEPTH):
            return await handler(request)
        log.info("slack request refused: not a JSON object, or nested over %d levels", MAX_DEPTH)
        return web.Response(status=400, text="the body must be a JSON object")

    return guard
