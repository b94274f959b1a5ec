"""Embeds and buttons: nudges (with helpful / not helpful) and command reports.

Words quoted from a customer (a nudge's reasons can quote their wording) are escaped so
they can neither format the tip nor mention anyone; the bot's client also defaults to
mentioning no one.
"""

from __future__ import annotations

import io
from typing import Any

import discord

from adapters.base import Report, bar_lines
from adapters.updates import update_id
from coaching.types import Nudge, NudgeKind

FEEDBACK_PREFIX = "coach:fb"
CHART_FILE = "coach-trend.png"
JUMP_BASE = "https://discord.com/channels"
_COLOUR = {
    NudgeKind.FRUSTRATION: discord.Colour.orange(),
    NudgeKind.ACKNOWLEDGE: discord.Colour.blurple(),
    NudgeKind.WAITING: discord.Colour.gold(),
    NudgeKind.ESCALATION: discord.Colour.red(),
    NudgeKind.HISTORY: discord.Colour.teal(),
    NudgeKind.CONFUSION: discord.Colour.purple(),
}
_EMOJI = {
    NudgeKind.FRUSTRATION: "⚠️",
    NudgeKind.ACKNOWLEDGE: "💬",
    NudgeKind.WAITING: "⏳",
    NudgeKind.ESCALATION: "🚨",
    NudgeKind.HISTORY: "🗂️",
    NudgeKind.CONFUSION: "🧭",
}


def clean(text: str) -> str:
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def jump_url(guild: str, container: str, message: str | None = None) -> str:
    """A link that opens the channel/thread (at ``message``) in the Discord client."""
    return f"{JUMP_BASE}/{guild}/{container}" + (f"/{message}" if message else "")


def nudge_embed(nudge: Nudge, link: str, footer: str, updates: bool = False) -> discord.Embed:
    """``updates``: one-click updates are on, so a drafted update is shown (to send)."""
    lines = []
    if nudge.reasons:
        lines.append("**Why:** " + clean("; ".join(nudge.reasons)))
    if nudge.suggestion:
        lines.append(f"**Try:** *“{clean(nudge.suggestion)}”*")
    if nudge.customer:
        lines.append(f"**Customer:** <@{nudge.customer}>")
    if updates and nudge.update:
        lines.append(f"**Update for the customer:** *“{clean(nudge.update)}”*")
    lines.append(f"[Open the conversation]({link})")
    embed = discord.Embed(
        title=f"{_EMOJI[nudge.kind]} {nudge.headline}"[:256],
        description="\n".join(lines)[:4000],
        colour=_COLOUR[nudge.kind],
    )
    embed.set_footer(text=footer)
    return embed


def feedback_id(helpful: bool, nudge_id: str) -> str:
    return f"{FEEDBACK_PREFIX}:{int(helpful)}:{nudge_id}"


def parse_feedback_id(custom_id: str) -> tuple[bool, str] | None:
    """``coach:fb:{1|0}:{nudge id}`` -> (helpful, nudge id). Buttons sent before the agent
    was left out carry ``:{agent}`` after the id: read, and ignored."""
    parts = custom_id.split(":")
    if len(parts) not in (4, 5) or ":".join(parts[:2]) != FEEDBACK_PREFIX:
        return None
    if parts[2] not in ("0", "1") or not parts[3]:
        return None
    return parts[2] == "1", parts[3]


def feedback_view(nudge: Nudge, updates: bool = False) -> discord.ui.View:
    """Two buttons whose clicks arrive as interactions (handled in feedback.py), and with
    ``updates`` a drafted update's "Send update" and "Edit first" (adapters/discord/updates.py).

    The view is stopped before it is sent, so discord.py does not keep one view per
    nudge in memory: the custom IDs carry everything needed, even after a restart.
    """
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Button(
            style=discord.ButtonStyle.success,
            label="Helpful",
            emoji="👍",
            custom_id=feedback_id(True, nudge.nudge_id),
        )
    )
    view.add_item(
        discord.ui.Button(
            style=discord.ButtonStyle.secondary,
            label="Not helpful",
            emoji="👎",
            custom_id=feedback_id(False, nudge.nudge_id),
        )
    )
    if updates and nudge.update:
        for action, label, style in (
            ("send", "Send update", discord.ButtonStyle.primary),
            ("edit", "Edit first", discord.ButtonStyle.secondary),
        ):
            view.add_item(
                discord.ui.Button(
                    style=style, label=label, custom_id=update_id(action, nudge.nudge_id), row=1
                )
            )
    view.stop()
    return view


def report_embed(report: Report) -> discord.Embed:
    embed = discord.Embed(title=report.title[:256], colour=discord.Colour.blurple())
    parts = list(report.lines)
    if report.chart:
        chart = "\n".join(bar_lines(report.chart))
        parts.append(f"**{report.chart_title}**\n```\n{chart}\n```")
    if parts:
        embed.description = _fit("\n".join(parts), 4000)
    for label, value in report.fields[:25]:
        embed.add_field(name=label[:256], value=_fit(value, 1024) or "—", inline=True)
    if report.footer:
        embed.set_footer(text=report.footer.replace("`", "")[:2048])
    if report.chart_png:
        embed.set_image(url=f"attachment://{CHART_FILE}")
    return embed


def chart_file(report: Report) -> dict[str, Any]:
    """The ``file=`` argument that attaches a report's chart (shown in its embed)."""
    if not report.chart_png:
        return {}
    return {"file": discord.File(io.BytesIO(report.chart_png), filename=CHART_FILE)}


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
