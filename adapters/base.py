"""The contract between the running bot and a platform adapter.

An adapter does three things and nothing else: turns platform events into engine events
and hands them to an ``EventSink``; delivers a ``Nudge`` privately to its agent; and turns
a slash command into a ``CommandRequest``, answering with the ``Report`` it gets back.
Everything here is plain data, so the bot never sees a platform object and an adapter
never sees the store. (The opt-in customer survey and the team digest: outreach.py.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from coaching.types import Event, Nudge


class AdapterFailed(Exception):
    """A platform refused to start the adapter; the message tells the user what to do."""


class EventSink(Protocol):
    def submit(self, event: Event) -> Awaitable[bool]:
        """Hand an event over, in order (it is queued at the call, before any await).
        Resolves True once the bot has stored it — acknowledge it to the platform — or
        False when it could not: do not acknowledge, so the platform retries."""
        ...


class DeliveryStatus(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # a temporary failure (rate limit, 5xx, timeout): try again later
    FAILED = "failed"  # cannot be delivered by any route
    KEPT = "kept"  # no private route: kept for the agent's /coach inbox


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    status: DeliveryStatus
    route: str = ""  # "ephemeral", "dm", "staff_channel", "inbox", "console"
    retry_after: float | None = None
    error: str = ""  # an error code, never message text


class NudgeDelivery(Protocol):
    async def deliver(self, nudge: Nudge) -> DeliveryResult: ...


@dataclass(frozen=True, slots=True)
class Roles:
    """Who is who, by immutable platform IDs (never display names)."""

    agents: frozenset[str] = frozenset()
    supervisors: frozenset[str] = frozenset()
    agent_groups: frozenset[str] = frozenset()  # Slack user groups
    supervisor_groups: frozenset[str] = frozenset()
    agent_roles: frozenset[str] = frozenset()  # Discord roles
    supervisor_roles: frozenset[str] = frozenset()

    def is_agent(self, user: str, groups: frozenset[str] = frozenset()) -> bool:
        return (
            user in self.agents
            or user in self.supervisors
            or bool(groups & (self.agent_groups | self.agent_roles))
            or bool(groups & (self.supervisor_groups | self.supervisor_roles))
        )

    def is_supervisor(self, user: str, groups: frozenset[str] = frozenset()) -> bool:
        return user in self.supervisors or bool(
            groups & (self.supervisor_groups | self.supervisor_roles)
        )


class Period(StrEnum):
    DAY = "24h"
    WEEK = "7d"
    MONTH = "30d"
    ALL = "all"  # everything kept (the command line; replays of old transcripts)

    @property
    def seconds(self) -> float:
        return {"24h": 86_400.0, "7d": 7 * 86_400.0, "30d": 30 * 86_400.0}.get(
            self.value, float("inf")
        )


class ScopeKind(StrEnum):
    TEAM = "team"  # everything the bot sees on this platform workspace/guild
    AGENT = "agent"
    CHANNEL = "channel"
    CONVERSATION = "conversation"
    CUSTOMER = "customer"  # /coach customer and /coach forget: one customer, by user ID


@dataclass(frozen=True, slots=True)
class Scope:
    kind: ScopeKind = ScopeKind.TEAM
    id: str = ""  # user ID, channel ID, conversation key or customer ID


@dataclass(frozen=True, slots=True)
class CommandRequest:
    platform: str
    workspace: str
    user: str
    user_groups: frozenset[str]
    name: str  # "summary", "status", "me", "inbox", "help", "customer", "forget"
    scope: Scope = field(default_factory=Scope)
    period: Period = Period.WEEK
    problem: str = ""  # the adapter could not parse the arguments: say this instead


@dataclass(frozen=True, slots=True)
class Report:
    """A platform-neutral answer: each adapter renders it (Block Kit, embed, terminal)."""

    title: str
    fields: tuple[tuple[str, str], ...] = ()
    lines: tuple[str, ...] = ()
    chart: tuple[tuple[str, float], ...] = ()  # label -> value, drawn as bars
    chart_title: str = ""
    footer: str = ""
    chart_png: bytes = field(default=b"", repr=False)  # the trend as a picture, when drawn

    def as_text(self) -> str:
        out = [self.title]
        out += [f"• {label}: {value}" for label, value in self.fields]
        out += list(self.lines)
        if self.chart:
            out.append(self.chart_title)
            out += bar_lines(self.chart)
        if self.footer:
            out.append(self.footer)
        return "\n".join(out)


def bar_lines(chart: tuple[tuple[str, float], ...], width: int = 20) -> list[str]:
    """A text bar chart every platform can show in a code block."""
    top = max((v for _, v in chart), default=0.0) or 1.0
    label_width = max(len(label) for label, _ in chart)
    return [
        f"{label:<{label_width}} {'█' * round(width * value / top):<{width}} {value:g}"
        for label, value in chart
    ]


CommandHandler = Callable[[CommandRequest], Awaitable[Report]]
# (nudge id, user, helpful) -> recorded; False when the user is not the nudge's agent
FeedbackHandler = Callable[[str, str, bool], Awaitable[bool]]
