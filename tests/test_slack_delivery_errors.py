"""How Slack's refusals are classified (adapters/slack/delivery.py ``failure``): a rate
limit or an outage is retried, after ``Retry-After`` when Slack gives one; anything
else is final. A transient error judged final would lose the nudge."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.base import DeliveryStatus
from adapters.slack.delivery import failure


def refused(status: int, data: Any, headers: dict[str, Any] | None = None) -> SlackApiError:
    response = AsyncSlackResponse(
        client=None,  # type: ignore[arg-type]
        http_verb="POST",
        api_url="chat.postEphemeral",
        req_args={},
        data=data,
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError("refused", response)


@pytest.mark.parametrize(
    ("status", "data", "headers", "expected"),
    [
        (429, {"ok": False}, {"Retry-After": "7"}, (DeliveryStatus.RETRY, 7.0, "ratelimited")),
        (429, {"ok": False}, {"retry-after": ["3"]}, (DeliveryStatus.RETRY, 3.0, "ratelimited")),
        (200, {"ok": False, "error": "ratelimited"}, {}, (DeliveryStatus.RETRY, 1.0, "ratelimited")),
        (429, "<html>", {"Retry-After": "soon"}, (DeliveryStatus.RETRY, 1.0, "ratelimited")),
        (429, {}, {"Retry-After": "-5"}, (DeliveryStatus.RETRY, 0.0, "ratelimited")),
        (503, "<html>proxy</html>", {}, (DeliveryStatus.RETRY, None, "http_503")),
        (200, {"ok": False, "error": "internal_error"}, {}, (DeliveryStatus.RETRY, None, "internal_error")),
        (200, {"ok": False, "error": "fatal_error"}, {}, (DeliveryStatus.RETRY, None, "fatal_error")),
        (200, {"ok": False, "error": "service_unavailable"}, {}, (DeliveryStatus.RETRY, None, "service_unavailable")),
        (200, {"ok": False, "error": "request_timeout"}, {}, (DeliveryStatus.RETRY, None, "request_timeout")),
        (200, {"ok": False, "error": "channel_not_found"}, {}, (DeliveryStatus.FAILED, None, "channel_not_found")),
        (404, "<html>", {}, (DeliveryStatus.FAILED, None, "http_404")),
    ],
)  # fmt: skip
def test_refusals_are_retried_only_when_they_pass(
    status: int, data: Any, headers: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    result = failure(refused(status, data, headers), "ephemeral")
    assert (result.status, result.retry_after, result.error) == expected
    assert result.route == "ephemeral"
