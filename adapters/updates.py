"""One-click updates to the customer, as plain data: what a click on a reminder's "Send
update" or "Edit" asks for, and what the bot answers.

A waiting reminder with a drafted update (``Nudge.update``) carries, when a team turns
``[updates] one_click`` on, a button that sends the draft to the customer and one that
opens it for editing first (Slack ``action_id`` ``coach_send_update`` /
``coach_edit_update``, Discord ``custom_id`` ``coach:update:send:{nudge}`` /
``coach:update:edit:{nudge}``; the edited text comes back from a modal). An adapter only
hands the click over (``UpdateDesk``) and posts what the bot tells it to in the
conversation (``UpdatePoster``): whether the clicker may send, and whether it was sent
already, is the bot's (bot/service/updates.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from adapters.base import DeliveryResult
from coaching.types import ConversationRef

SEND_ACTION, EDIT_ACTION = "coach_send_update", "coach_edit_update"  # Slack action_ids
UPDATE_PREFIX = "coach:update"  # Discord custom_ids: coach:update:{send|edit|modal}:{nudge}
MAX_TEXT = 1500  # an edited update longer than this is refused (Discord allows 2,000)


class UpdateStatus(StrEnum):
    SENT = "sent"
    READY = "ready"  # (an edit) the clicker may send it: here is the draft
    NOT_YOURS = "not_yours"  # someone other than the reminder's agent clicked
    ALREADY_SENT = "already_sent"  # a second click, a retried interaction: nothing posted
    STALE = "stale"  # an agent has written in the conversation since the reminder
    EMPTY = "empty"  # an edited update with no text, or too long
    FAILED = "failed"  # the platform refused the post
    UNKNOWN = "unknown"  # no such reminder (forgotten, purged), or updates are off


@dataclass(frozen=True, slots=True)
class UpdateRequest:
    nudge_id: str
    user: str  # who clicked
    text: str | None = None  # the edited text; None: the draft


@dataclass(frozen=True, slots=True)
class UpdateResult:
    status: UpdateStatus
    agent: str = ""  # the reminder's agent
    text: str = ""  # the update as sent, or the draft to edit

    @property
    def reply(self) -> str:
        """What the person who clicked is told (only they see it)."""
        if self.status is UpdateStatus.SENT:
            return "Sent to the customer in the conversation: “" + self.text + "”"
        if self.status is UpdateStatus.NOT_YOURS:
            return f"Only <@{self.agent}> can send this update; nothing was sent."
        if self.status is UpdateStatus.ALREADY_SENT:
            return "This update was sent already; nothing more was sent."
        if self.status is UpdateStatus.STALE:
            return (
                "Someone from the team has written in the conversation since this reminder, "
                "so its update is no longer needed; nothing was sent."
            )
        if self.status is UpdateStatus.EMPTY:
            return f"An update needs some text, at most {MAX_TEXT} characters; nothing was sent."
        if self.status is UpdateStatus.FAILED:
            return (
                "The update could not be posted in the conversation; please write to the "
                "customer yourself."
            )
        if self.status is UpdateStatus.READY:
            return self.text
        return "This update can no longer be sent."


class UpdatePoster(Protocol):
    async def post_update(
        self, conversation: ConversationRef, agent: str | None, text: str
    ) -> DeliveryResult:
        """Post "Update from {the agent | the support team}: {text}" where the
        conversation's customer reads it (its thread); ``agent`` None: the team."""
        ...


class UpdateDesk(Protocol):
    """What the bot offers an adapter for one-click updates."""

    async def send(self, request: UpdateRequest) -> UpdateResult: ...

    async def draft(self, request: UpdateRequest) -> UpdateResult:
        """For "Edit": the draft, if the clicker may still send it (``READY``)."""
        ...


def update_id(action: str, nudge_id: str) -> str:
    """A Discord button's or modal's ID: ``coach:update:{send|edit|modal}:{nudge id}``."""
    return f"{UPDATE_PREFIX}:{action}:{nudge_id}"


def parse_update_id(custom_id: str) -> tuple[str, str] | None:
    """``coach:update:{action}:{nudge id}`` -> (action, nudge id), else None."""
    parts = custom_id.split(":")
    if len(parts) != 4 or f"{parts[0]}:{parts[1]}" != UPDATE_PREFIX:
        return None
    if parts[2] not in ("send", "edit", "modal") or not parts[3]:
        return None
    return parts[2], parts[3]
