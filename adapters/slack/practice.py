"""Practice in Slack: ``/coach practice`` answered privately, continued in the app's DM.

The command's answer is ephemeral; the role-play (briefing, the simulated customer, the
live coach's tips, the scorecard) is posted in the agent's direct message with the app,
and the agent's replies there come back as ``message.im`` events. Such a direct message
is routed here before anything else looks at it, so it is never taken for a support
conversation; the app's own messages there are ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.base import Report
from adapters.practice import (
    COMMAND_BUDGET,
    PracticeCommand,
    PracticeHandler,
    PracticeMessage,
    answer_within,
    message_safely,
)
from adapters.slack.blocks import Block, escape, report_blocks
from coaching.practice.roleplay import Briefing, CoachTip, CustomerSays, Line, Note
from coaching.practice.scorecard import Scorecard

log = logging.getLogger("coach.slack")

GroupsOf = Callable[[str], frozenset[str]]
_MAX_TEXT = 2900
_OUTCOME = {"calmed": ":large_green_circle:", "unresolved": ":large_yellow_circle:"}


def is_direct_message(body: Mapping[str, Any]) -> bool:
    event = body.get("event")
    return (
        isinstance(event, Mapping)
        and event.get("type") == "message"
        and event.get("channel_type") == "im"
    )


class SlackPractice:
    def __init__(self, client: AsyncWebClient, handler: PracticeHandler, groups_of: GroupsOf):
        self.client, self.handler, self.groups_of = client, handler, groups_of
        self.budget = COMMAND_BUDGET

    async def on_command(self, args: str, body: Mapping[str, Any], ack: Any, respond: Any) -> None:
        user = str(body.get("user_id", ""))
        request = PracticeCommand(
            "slack", str(body.get("team_id", "")), user, self.groups_of(user), args
        )
        work, answer = await answer_within(self.handler, request, self.budget)
        if answer is None:
            await ack(response_type="ephemeral", text="Working on it…")
            answer = await work
            if answer.report is not None:
                await respond(replace_original=True, **_ephemeral(answer.report))
        elif answer.report is not None:
            await ack(**_ephemeral(answer.report))
        else:
            await ack()
        if not answer.lines:
            return
        try:
            opened = await self.client.conversations_open(users=user)
            await self.post(str(opened["channel"]["id"]), answer.lines)
        except (SlackApiError, KeyError, TypeError) as exc:
            error = exc.response.get("error", "") if isinstance(exc, SlackApiError) else ""
            log.warning("practice: no DM with %s (%s)", user, error or type(exc).__name__)
            await respond(
                response_type="ephemeral",
                text="I couldn't send you a direct message. Open the app's Messages tab "
                "(Apps → coach) and try /coach practice again.",
            )

    async def on_message(self, body: Mapping[str, Any]) -> None:
        event = body.get("event") or {}
        if event.get("bot_id") or event.get("bot_profile") or event.get("subtype"):
            return  # the app's own messages, edits, joins...: nothing to answer
        user, ts, channel = event.get("user"), event.get("ts"), event.get("channel")
        if not (isinstance(user, str) and isinstance(ts, str) and isinstance(channel, str)):
            log.info("practice: direct message without user, ts or channel ignored")
            return
        text = event.get("text")
        message = PracticeMessage("slack", user, ts, text if isinstance(text, str) else "")
        answer = await message_safely(self.handler, message)
        try:
            await self.post(channel, answer.lines)
        except SlackApiError as exc:
            log.warning("practice: answer to %s not posted (%s)", user, exc.response.get("error"))

    async def post(self, channel: str, lines: Sequence[Line]) -> None:
        for line in lines:
            text, blocks = render(line)
            await self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)


def _ephemeral(report: Report) -> dict[str, Any]:
    return {
        "response_type": "ephemeral",
        "text": report.as_text()[:3000],
        "blocks": report_blocks(report),
    }


def render(line: Line) -> tuple[str, list[Block]]:
    """A line as Slack shows it: plain text (notifications) and Block Kit."""
    if isinstance(line, Briefing):
        text = f"Practice: {line.title}\n{line.situation}"
        return text, [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": f"Practice: {line.title}"[:150]},
            },
            _section(escape(line.situation)),
            _context(
                f"You are the agent: reply here as you would to {escape(line.customer)}. "
                "Type `stop` to end. Only you see this practice."
            ),
        ]
    if isinstance(line, CustomerSays):
        return f"{line.name}: {line.text}", [
            _section(f":bust_in_silhouette: *{escape(line.name)}:* {escape(line.text)}")
        ]
    if isinstance(line, CoachTip):
        parts = [f":bulb: _Coach, as it would tip you live:_ *{escape(line.headline)}*"]
        if line.reasons:
            parts.append(f"Why: {escape('; '.join(line.reasons))}.")
        if line.suggestion:
            parts.append(f"Try: _“{escape(line.suggestion)}”_")
        return f"Coach: {line.headline}", [_context("\n".join(parts))]
    if isinstance(line, Scorecard):
        return _scorecard(line)
    assert isinstance(line, Note)
    return line.text, [_context(escape(line.text))]


def _scorecard(card: Scorecard) -> tuple[str, list[Block]]:
    mark = _OUTCOME.get(card.outcome.value, ":red_circle:")
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Practice scorecard"}},
        _section(f"*Score {card.score}/100*   {mark} outcome: *{card.outcome.value}*"),
    ]
    for title, items in card.sections():
        blocks.append(_section(f"*{title}*\n" + "\n".join(f"• {escape(i)}" for i in items)))
    blocks.append(_context("Only you see this scorecard. Start another: /coach practice"))
    return f"Practice scorecard: {card.score}/100, {card.outcome.value}", blocks


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:_MAX_TEXT]}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:_MAX_TEXT]}]}
