"""One-click updates on Discord: a waiting reminder's "Send update" and "Edit first"
buttons, and the modal an edit opens (adapters/updates.py).

The custom IDs carry the reminder's nudge ID (``coach:update:{send|edit|modal}:{nudge}``),
so a click or a modal submitted after a restart is understood; the modal is stopped
before it is sent, so discord.py keeps nothing in memory and its submission is read here.
The bot alone decides whether the clicker may send (only the reminder's agent) and
whether it went already (bot/service/updates.py); the answer is ephemeral, to whoever
clicked.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import discord

from adapters.updates import (
    MAX_TEXT,
    UPDATE_PREFIX,
    UpdateDesk,
    UpdateRequest,
    UpdateResult,
    UpdateStatus,
    parse_update_id,
    update_id,
)

log = logging.getLogger("coach.discord")

Interaction = discord.Interaction[discord.Client]
_INPUT = "text"


def edit_modal(nudge_id: str, draft: str) -> discord.ui.Modal:
    modal = discord.ui.Modal(
        title="Update the customer", custom_id=update_id("modal", nudge_id), timeout=None
    )
    modal.add_item(
        discord.ui.TextInput(
            label="The customer reads this in the conversation",
            style=discord.TextStyle.paragraph,
            custom_id=_INPUT,
            default=draft,
            max_length=MAX_TEXT,
        )
    )
    modal.stop()  # nothing kept in memory: the submission is read from its data
    return modal


def submitted_text(data: Mapping[str, Any]) -> str:
    """The text field of a submitted modal ("" when it is missing)."""
    for row in data.get("components") or ():
        for item in (row or {}).get("components") or ():
            if item.get("custom_id") == _INPUT:
                return str(item.get("value") or "")
    return ""


class DiscordUpdates:
    def __init__(self) -> None:
        self.desk: UpdateDesk | None = None  # set by the bot when one-click updates are on

    async def on_interaction(self, interaction: Interaction) -> bool:
        """Handle a click or modal of an update (True), or leave the interaction (False)."""
        kinds = (discord.InteractionType.component, discord.InteractionType.modal_submit)
        if interaction.type not in kinds:
            return False
        data: Mapping[str, Any] = interaction.data or {}
        custom_id = data.get("custom_id")
        if not isinstance(custom_id, str) or not custom_id.startswith(UPDATE_PREFIX + ":"):
            return False
        parsed = parse_update_id(custom_id)
        result = UpdateResult(UpdateStatus.UNKNOWN)
        user = str(interaction.user.id)
        try:
            if parsed is not None and self.desk is not None:
                action, nudge_id = parsed
                if action == "edit":
                    result = await self.desk.draft(UpdateRequest(nudge_id, user))
                    if result.status is UpdateStatus.READY:
                        await interaction.response.send_modal(edit_modal(nudge_id, result.text))
                        return True
                else:
                    text = submitted_text(data) if action == "modal" else None
                    result = await self.desk.send(UpdateRequest(nudge_id, user, text))
            await interaction.response.send_message(
                _shown(result), ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
        except discord.HTTPException as exc:  # what was sent is sent; the answer is cosmetic
            log.info("could not answer an update click: HTTP %s", exc.status)
        return True


def _shown(result: UpdateResult) -> str:
    if result.status is UpdateStatus.SENT:
        return UpdateResult(
            result.status, result.agent, discord.utils.escape_mentions(result.text)
        ).reply
    return result.reply
