"""Operations endpoints: ``GET /healthz`` (JSON; 503 while an adapter is disconnected)
and ``GET /metrics`` (Prometheus), on a listener of their own (``[http]`` host and port,
loopback by default), never on Slack's public port."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from adapters.http import bound_port
from bot.ops.metrics import Metrics

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HealthSource = Callable[[], Mapping[str, Mapping[str, Any]]]


def routes(
    metrics: Metrics, health: HealthSource, queue_depth: Callable[[], int]
) -> list[tuple[str, str, Handler]]:
    async def healthz(_: web.Request) -> web.StreamResponse:
        adapters = {name: dict(info) for name, info in health().items()}
        ok = all(info.get("connected", True) for info in adapters.values())
        body = {
            "status": "ok" if ok else "degraded",
            "queue_depth": queue_depth(),
            "dead_lettered": metrics.dead_lettered_count(),
            "adapters": adapters,
        }
        return web.json_response(body, status=200 if ok else 503)

    async def metrics_endpoint(_: web.Request) -> web.StreamResponse:
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    return [("GET", "/healthz", healthz), ("GET", "/metrics", metrics_endpoint)]


class OpsServer:
    """The ops listener; ``port`` 0 picks a free one (``bound_port`` says which)."""

    def __init__(self, host: str, port: int, handlers: list[tuple[str, str, Handler]]) -> None:
        self.host, self.port = host, port
        self.app = web.Application()
        for method, path, handler in handlers:
            self.app.router.add_route(method, path, handler)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def bound_port(self) -> int | None:
        return bound_port(self._runner)
