"""Which Discord refusals are retried (adapters/discord/delivery.py ``_temporary``).
discord.py retries a 5xx itself, for about 25 s, before it raises: an end-to-end test
would wait that long, so the classification is tested here. A transient error judged
final would send the tip elsewhere or lose it; a final one judged transient would be
retried for nothing."""

from __future__ import annotations

from dataclasses import dataclass

import discord
import pytest

from adapters.base import DeliveryStatus
from adapters.discord.delivery import _temporary


@dataclass
class Response:  # what discord.HTTPException reads of aiohttp's response
    status: int
    reason: str = "refused"


def refused(status: int, code: int = 0, retry_after: float | None = None) -> discord.HTTPException:
    exc = discord.HTTPException(Response(status), {"code": code, "message": "refused"})
    if retry_after is not None:
        exc.retry_after = retry_after  # type: ignore[attr-defined]
    return exc


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (refused(500), (DeliveryStatus.RETRY, "dm", None, "http_500")),
        (refused(503), (DeliveryStatus.RETRY, "dm", None, "http_503")),
        (refused(429, retry_after=2.5), (DeliveryStatus.RETRY, "dm", 2.5, "http_429")),
        (refused(429, retry_after=3), (DeliveryStatus.RETRY, "dm", 3.0, "http_429")),
    ],
)
def test_outages_and_rate_limits_are_retried(
    exc: discord.HTTPException, expected: tuple[object, ...]
) -> None:
    result = _temporary(exc, "dm")
    assert result is not None
    assert (result.status, result.route, result.retry_after, result.error) == expected


@pytest.mark.parametrize("status", [400, 403, 404, 499])
def test_other_refusals_are_final_for_this_route(status: int) -> None:
    assert _temporary(refused(status, code=50007), "dm") is None
