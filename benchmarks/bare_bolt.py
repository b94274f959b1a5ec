"""The baseline for benchmarks/load.py: a bare slack-bolt app that only acknowledges each
message event and calls ``chat.postEphemeral`` — the least any Slack coach must do.

    SLACK_SIGNING_SECRET=... python -m benchmarks.bare_bolt --port 3000 --api-url URL

Same stack as ``coach run`` in HTTP mode (slack-bolt's AsyncApp served by aiohttp), no
storage, no engine. ``GET /healthz`` answers once it listens.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def app_for(api_url: str) -> AsyncApp:
    # one keep-alive session, as `coach run` has: the baseline is not slowed by connects
    client = AsyncWebClient(token="xoxb-bare", base_url=api_url, session=aiohttp.ClientSession())
    app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.event("message")
    async def tip(body: dict[str, Any], client: AsyncWebClient) -> None:
        event = body["event"]
        await client.chat_postEphemeral(
            channel=event["channel"],
            user=event["user"],
            thread_ts=event.get("thread_ts") or event["ts"],
            text=f"A tip for {event['ts']}",  # names the message: the benchmark times it
        )

    return app


async def serve(port: int, api_url: str) -> None:
    web_app = app_for(api_url).web_app(path="/slack/events", port=port)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    web_app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Event().wait()  # until killed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-url", required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve(args.port, args.api_url))


if __name__ == "__main__":
    main()
