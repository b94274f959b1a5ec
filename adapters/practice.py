"""Practice over chat: the contract between a platform adapter and the practice service.

An adapter turns ``/coach practice ...`` into a ``PracticeCommand`` and a direct message
to the app into a ``PracticeMessage``, hands them to the ``PracticeHandler``, and shows
what comes back: the private answer to the command, and the role-play's lines in the
direct message. It never judges a reply itself, and a direct message to the app is never
a support conversation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from adapters.base import Report
from coaching.practice.roleplay import Line

COMMAND = "practice"  # /coach practice ...


@dataclass(frozen=True, slots=True)
class PracticeCommand:
    platform: str
    workspace: str  # Slack team / Discord guild: where the team's figures are counted
    user: str
    user_groups: frozenset[str]
    args: str  # what follows "/coach practice"


@dataclass(frozen=True, slots=True)
class PracticeMessage:
    platform: str
    user: str
    message_id: str  # a redelivery of the same message is answered once
    text: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class PracticeAnswer:
    report: Report | None = None  # the private answer to a command
    lines: tuple[Line, ...] = ()  # for the direct message, in order


class PracticeHandler(Protocol):
    async def command(self, request: PracticeCommand) -> PracticeAnswer: ...

    async def message(self, message: PracticeMessage) -> PracticeAnswer: ...


def practice_args(command_text: str) -> str | None:
    """What follows ``practice`` in a ``/coach`` command's text; None for other commands."""
    words = command_text.strip().split(maxsplit=1)
    if not words or words[0].lower() != COMMAND:
        return None
    return words[1] if len(words) > 1 else ""
