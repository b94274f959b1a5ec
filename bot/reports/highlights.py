"""Highlights: good moments worth holding up to the team.

A conversation is a highlight when an agent's next reply to a frustrated customer
acknowledged their feelings and the customer calmed down (their last later message was
calm), or when the customer answered "Did you feel understood?" with 5. It names the
agent (the one who acknowledged; for a rating alone, the last agent who replied) and
can quote the acknowledging reply — an agent's words, never a customer's — only where
message text is stored (``[storage] store_text``), redacted again before it is shown,
and escaped for the platform it is shown on: quoted markup (``<!channel>``, ``@everyone``,
``<@U…>``, a link) is shown as text, never acted on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.base import Report, Scope
from adapters.slack.blocks import escape as slack_escape
from bot.redact import redact
from bot.reports.summary import Figures
from bot.reports.views import scope_label
from bot.store.base import Slice
from bot.store.records import channel_of

TOP_SCORE = 5
MAX_SHOWN = 10
QUOTE_CHARS = 280
# Slack <@U1>, <@U1|name>, <#C1|name>; Discord <@1>, <@!1>, <@&1> (a role), <#1>
_MENTION = re.compile(r"<(@[!&]?|#)[^<>]{1,100}>")


@dataclass(frozen=True, slots=True)
class Highlight:
    conversation: str
    agent: str  # "" when no agent replied
    at: float
    calmed: bool  # acknowledged a frustrated customer, who calmed down
    rated: int | None  # the customer's "felt understood" score
    reply: str | None  # the acknowledging reply as stored (redacted), None without text


def find(figures: Figures, data: Slice) -> list[Highlight]:
    """The period's highlights, best first (calmed and rated 5, then the latest)."""
    calmed = {}
    for j in figures.judged:
        if j.acknowledged and j.calmed:
            calmed[j.conversation] = j  # the latest such episode of the conversation
    rated = {s.conversation: s for s in data.surveys if s.understood == TOP_SCORE}
    last_agent: dict[str, tuple[float, str]] = {}
    for e in data.events:
        if e.kind == "posted" and e.role == "agent":
            latest = last_agent.get(e.conversation, (0.0, ""))
            last_agent[e.conversation] = max((e.at, e.author), latest)
    found = []
    for conversation in calmed.keys() | rated.keys():
        episode = calmed.get(conversation)
        survey = rated.get(conversation)
        if episode is not None:
            agent, at, reply = episode.reply.author, episode.reply.at, episode.reply.text
        else:
            at, agent = last_agent.get(conversation, (0.0, ""))
            reply = None
            at = survey.closed_at if survey is not None else at
        score = survey.understood if survey is not None else None
        found.append(Highlight(conversation, agent, at, episode is not None, score, reply))
    found.sort(key=lambda h: (h.calmed and h.rated == TOP_SCORE, h.at), reverse=True)
    return found


def quote(text: str, platform: str) -> str:
    """An acknowledging reply as it may be shown on ``platform``: redacted, on one line,
    not too long, naming no one (a user, role or channel mention becomes ``@someone`` /
    ``#channel``: shown, it would display the customer's name) and inert (escaped: it
    pings no one and links nowhere)."""
    line = _MENTION.sub(lambda m: "#channel" if m[1] == "#" else "@someone", redact(text))
    line = re.sub(r"\s+", " ", line).strip()
    line = line if len(line) <= QUOTE_CHARS else line[: QUOTE_CHARS - 1] + "…"
    return as_text(line, platform)


def as_text(text: str, platform: str) -> str:
    """``text`` escaped so that ``platform`` shows it as written."""
    if platform == "slack":
        return slack_escape(text)
    if platform == "discord":  # imported here: a Slack-only bot never loads discord.py
        from adapters.discord.render import clean

        return clean(text)
    return text  # the console: rich markup is escaped where it prints


def what_happened(h: Highlight) -> str:
    """The highlight in the bot's own words (what the agent did, what the customer felt)."""
    rated = h.rated == TOP_SCORE
    if h.calmed and rated:
        return "acknowledged a frustrated customer, who calmed down and felt understood (5/5)"
    if h.calmed:
        return "acknowledged a frustrated customer, who calmed down"
    return "helped a customer who felt understood (5/5)"


def highlight_lines(
    h: Highlight, *, agent: bool, where: bool, quotes: bool, platform: str
) -> list[str]:
    """One highlight in words. ``agent``: name the agent; ``where``: say the channel and
    day; ``quotes``: quote the acknowledging reply (if it was stored), for ``platform``."""
    who = f"<@{h.agent}>" if agent and h.agent else "An agent"
    line = f"• {who} {what_happened(h)}"
    if where:
        day = datetime.fromtimestamp(h.at, UTC).strftime("%a %d %b")
        line += f" (<#{channel_of(h.conversation)}>, {day})"
    lines = [line + "."]
    if quotes and h.reply:
        lines.append(f"    “{quote(h.reply, platform)}”")
    return lines


def highlights_report(
    highlights: list[Highlight], scope: Scope, period_label: str, store_text: bool, platform: str
) -> Report:
    """``/coach highlights``: private to the supervisor who asked (on ``platform``)."""
    lines: list[str] = []
    for h in highlights[:MAX_SHOWN]:
        lines += highlight_lines(h, agent=True, where=True, quotes=store_text, platform=platform)
    if not highlights:
        lines.append("No highlights yet: none of this period's conversations qualify.")
    elif len(highlights) > MAX_SHOWN:
        lines.append(f"…and {len(highlights) - MAX_SHOWN} more.")
    if not store_text:
        lines.append("(Replies are quoted only where [storage] store_text is on.)")
    return Report(
        title=f"Highlights: {scope_label(scope)}, {period_label} — {len(highlights)}",
        lines=tuple(lines),
        footer="Acknowledged and calmed down, or rated 5 for feeling understood. "
        "Only you can see this.",
    )
