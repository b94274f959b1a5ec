"""Block Kit for nudges (with helpful / not helpful buttons, and a waiting reminder's
update to send when one-click updates are on) and command reports."""

from __future__ import annotations

import re
from typing import Any

from adapters.base import Report, bar_lines
from adapters.updates import EDIT_ACTION, SEND_ACTION
from coaching.types import Nudge, NudgeKind

HELPFUL, NOT_HELPFUL = "coach_helpful", "coach_not_helpful"
_EMOJI = {
    NudgeKind.FRUSTRATION: ":warning:",
    NudgeKind.ACKNOWLEDGE: ":speech_balloon:",
    NudgeKind.WAITING: ":hourglass_flowing_sand:",
    NudgeKind.ESCALATION: ":rotating_light:",
    NudgeKind.HISTORY: ":card_index_dividers:",
    NudgeKind.CONFUSION: ":compass:",
}
_MAX_TEXT = 2900  # Slack refuses section text over 3000 characters
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)

Block = dict[str, Any]


def escape(text: str) -> str:
    """Quoted words must not become links or mentions: ``&<>`` escaped as Slack asks, so
    no ``<!channel>``, ``<@U…>``, ``<#C…>`` or ``<url|label>`` can form, and a plain
    ``@channel``/``@here``/``@everyone`` (which Slack may link) broken by a zero-width space."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@\u200b\\1", text)


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:_MAX_TEXT]}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:_MAX_TEXT]}]}


def nudge_blocks(nudge: Nudge, feedback: str | None = None, updates: bool = False) -> list[Block]:
    """``updates``: the team turned one-click updates on (a drafted update gets its buttons)."""
    headline = f"{_EMOJI[nudge.kind]} *{escape(nudge.headline)}*"
    if nudge.customer:
        headline += f"  (customer <@{nudge.customer}>)"
    blocks = [_section(headline)]
    if nudge.reasons:
        blocks.append(_section("*Why:* " + escape("; ".join(nudge.reasons))))
    if nudge.suggestion:
        blocks.append(_section(f"*Try:* _“{escape(nudge.suggestion)}”_"))
    if updates and nudge.update and feedback is None:
        blocks.append(_section(f"*Update for the customer:* _“{escape(nudge.update)}”_"))
        blocks.append(
            {
                "type": "actions",
                "block_id": "coach_update",
                "elements": [
                    {**_button(SEND_ACTION, "Send update", nudge.nudge_id), "style": "primary"},
                    _button(EDIT_ACTION, "Edit first", nudge.nudge_id),
                ],
            }
        )
    if feedback is None:
        blocks.append(
            {
                "type": "actions",
                "block_id": "coach_feedback",
                "elements": [
                    _button(HELPFUL, "👍 Helpful", nudge.nudge_id),
                    _button(NOT_HELPFUL, "👎 Not helpful", nudge.nudge_id),
                ],
            }
        )
        blocks.append(_context("Only you can see this tip."))
    else:
        blocks.append(_context(feedback))
    return blocks


def _button(action_id: str, label: str, value: str) -> Block:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "value": value,
    }


def report_blocks(report: Report) -> list[Block]:
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": report.title[:150]}}
    ]
    fields = [{"type": "mrkdwn", "text": f"*{label}*\n{value}"} for label, value in report.fields]
    for start in range(0, len(fields), 10):  # at most 10 fields per section
        blocks.append({"type": "section", "fields": fields[start : start + 10]})
    if report.lines:
        blocks.append(_section("\n".join(report.lines)))
    if report.chart:
        chart = "\n".join(bar_lines(report.chart))
        blocks.append(_section(f"*{report.chart_title}*\n```{chart}```"))
    if report.footer:
        blocks.append(_context(report.footer))
    return blocks
