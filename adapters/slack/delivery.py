"""Private delivery of nudges in Slack.

First choice: ``chat.postEphemeral`` in the conversation's thread (only the agent sees
it). When Slack cannot show it there for a reason that says nothing about who may read
the channel (archived, the thread is gone...), a DM from the bot. When the agent is no
longer in the channel (or the bot is not, so nobody can tell), nothing: a tip about a
conversation goes to no one who cannot read it. Never ``chat.postMessage`` in a shared
channel. Rate limits (429) and server errors are temporary: the outbox retries after
``Retry-After``.
"""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.base import DeliveryResult, DeliveryStatus
from adapters.slack.blocks import nudge_blocks
from coaching.types import Nudge

log = logging.getLogger("coach.slack")

# chat.postEphemeral errors after which a DM is the way to reach the agent. Not among
# them: user_not_in_channel, not_in_channel, channel_not_found (see the module).
FALL_BACK_TO_DM = frozenset(
    {
        "is_archived",
        "restricted_action",
        "ekm_access_denied",
        "cannot_reply_to_message",
        "thread_not_found",
    }
)


class SlackDelivery:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self.one_click = False  # [updates] one_click: reminders carry their update's buttons

    async def deliver(self, nudge: Nudge) -> DeliveryResult:
        blocks = nudge_blocks(nudge, updates=self.one_click)
        try:
            await self.client.chat_postEphemeral(
                channel=nudge.conversation.channel,
                user=nudge.agent,
                thread_ts=nudge.conversation.thread,
                text=nudge.text,
                blocks=blocks,
            )
            return DeliveryResult(DeliveryStatus.SENT, route="ephemeral")
        except SlackApiError as exc:
            error = error_of(exc)
            if error not in FALL_BACK_TO_DM:
                return failure(exc, "ephemeral")
            log.info("nudge %s: ephemeral refused (%s); sending by DM", nudge.nudge_id, error)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return DeliveryResult(DeliveryStatus.RETRY, route="ephemeral", error=type(exc).__name__)
        return await self._direct_message(nudge, blocks)

    async def _direct_message(
        self, nudge: Nudge, blocks: list[dict[str, object]]
    ) -> DeliveryResult:
        try:
            opened = await self.client.conversations_open(users=nudge.agent)
            channel = opened["channel"]["id"]
            await self.client.chat_postMessage(channel=channel, text=nudge.text, blocks=blocks)
            return DeliveryResult(DeliveryStatus.SENT, route="dm")
        except SlackApiError as exc:
            return failure(exc, "dm")
        except (aiohttp.ClientError, TimeoutError, KeyError, TypeError) as exc:
            return DeliveryResult(DeliveryStatus.RETRY, route="dm", error=type(exc).__name__)


def error_of(exc: SlackApiError) -> str:
    """Slack's error code, or ``http_<status>`` when the answer was not Slack's JSON (a
    proxy's error page)."""
    data = exc.response.data
    error = data.get("error") if isinstance(data, dict) else None
    return str(error) if error else f"http_{exc.response.status_code}"


def failure(exc: SlackApiError, route: str) -> DeliveryResult:
    status = exc.response.status_code
    error = error_of(exc)
    if status == 429 or error == "ratelimited":
        retry_after = _retry_after(exc)
        return DeliveryResult(
            DeliveryStatus.RETRY, route=route, retry_after=retry_after, error="ratelimited"
        )
    if status >= 500 or error in (
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
    ):
        return DeliveryResult(DeliveryStatus.RETRY, route=route, error=error)
    return DeliveryResult(DeliveryStatus.FAILED, route=route, error=error)


def _retry_after(exc: SlackApiError) -> float:
    headers = exc.response.headers or {}
    for key, value in headers.items():
        if key.lower() == "retry-after":
            try:
                return max(0.0, float(value if isinstance(value, str) else value[0]))
            except (TypeError, ValueError, IndexError):
                break
    return 1.0
