"""aiohttp helpers shared by the listeners (Slack's HTTP mode, the ops endpoints)."""

from __future__ import annotations

from aiohttp import web


def bound_port(runner: web.AppRunner | None) -> int | None:
    """The port a runner actually listens on (useful when configured as 0)."""
    if runner is None:
        return None
    for site in runner.sites:
        server = getattr(site, "_server", None)
        if server is not None and server.sockets:
            return int(server.sockets[0].getsockname()[1])
    return None
