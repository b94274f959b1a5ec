"""Helpful / not helpful clicks on a nudge -> the FeedbackHandler.

The button's custom ID carries the nudge ID (render.feedback_id), so a click is
understood even after a restart. Only the agent the tip was for can rate it (in a staff
channel other staff see the buttons too): the store checks the clicker against the
nudge's agent, never anything the click itself says. The tip then shows the answer
instead of the buttons.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import discord

from adapters.base import FeedbackHandler
from adapters.discord.render import parse_feedback_id

log = logging.getLogger("coach.discord")

Interaction = discord.Interaction[discord.Client]


class Feedback:
    def __init__(self, record: FeedbackHandler) -> None:
        self.record = record

    async def on_interaction(self, interaction: Interaction) -> None:
        if interaction.type is not discord.InteractionType.component:
            return
        data: Mapping[str, Any] = interaction.data or {}
        custom_id = data.get("custom_id")
        parsed = parse_feedback_id(custom_id) if isinstance(custom_id, str) else None
        if parsed is None:
            return
        helpful, nudge_id = parsed
        user = str(interaction.user.id)
        try:
            if not await self.record(nudge_id, user, helpful):
                await interaction.response.send_message(
                    "This tip was for someone else.", ephemeral=True
                )
                return
            await interaction.response.edit_message(
                content="Thanks, noted: " + ("helpful." if helpful else "not helpful."),
                view=None,
            )
        except discord.HTTPException as exc:  # the click is recorded; the tip update is cosmetic
            log.info("could not update the rated tip: HTTP %s", exc.status)
