"""Practice over chat: the contract between a platform adapter and the practice service.

An adapter turns ``/coach practice ...`` into a ``PracticeCommand`` and a direct message
to the app into a ``PracticeMessage``, hands them to the ``PracticeHandler``, and shows
what comes back: the private answer to the command, and the role-play's lines in the
direct message. It never judges a reply itself, and a direct message to the app is never
a support conversation.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Protocol

from adapters.base import Report
from coaching.practice.roleplay import Line, Note

log = logging.getLogger("coach.practice")

COMMAND = "practice"  # /coach practice ...
COMMAND_BUDGET = 2.0  # seconds to answer inline; a slower answer follows (platforms allow 3)
FAILED = "Sorry, that didn't work. Please try again in a minute."


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


async def answer_within(
    handler: PracticeHandler, request: PracticeCommand, budget: float = COMMAND_BUDGET
) -> tuple[asyncio.Future[PracticeAnswer], PracticeAnswer | None]:
    """Start the command; its answer if ready within ``budget`` (else None: acknowledge
    now, and await the future for the answer). A failure becomes a plain apology."""

    async def safely() -> PracticeAnswer:
        try:
            return await handler.command(request)
        except Exception as exc:
            log.error("practice command failed (%s)", type(exc).__name__)
            return PracticeAnswer(Report(title=FAILED))

    work = asyncio.ensure_future(safely())
    try:
        return work, await asyncio.wait_for(asyncio.shield(work), budget)
    except TimeoutError:
        return work, None


async def message_safely(handler: PracticeHandler, message: PracticeMessage) -> PracticeAnswer:
    """The answer to a direct message; a failure becomes a note asking to send it again."""
    try:
        return await handler.message(message)
    except Exception as exc:
        log.error("practice: a message from %s failed (%s)", message.user, type(exc).__name__)
        return PracticeAnswer(lines=(Note(FAILED + " Send your reply again."),))
