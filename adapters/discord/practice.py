"""Practice in Discord: ``/coach practice`` answered privately, continued in a DM.

The subcommand's answer is ephemeral; the role-play (briefing, the simulated customer,
the live coach's tips, the scorecard) goes to the agent by DM, and the agent's DM
replies come back here (the ``DIRECT_MESSAGES`` intent; in a DM the text needs no
privileged intent). A DM is never handed to the support intake, and is answered only
when its sender is a member of a coached server (members.py); the command is answered
only in those servers (``[discord] guilds``), like every ``/coach`` command. When the
agent's DMs are closed, the command's follow-up says how to open them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord
from discord import app_commands

from adapters.discord.commands import NOT_HERE, served
from adapters.discord.members import Membership
from adapters.discord.render import clean, report_embed
from adapters.discord.translate import PLATFORM, role_ids
from adapters.practice import (
    COMMAND_BUDGET,
    PracticeCommand,
    PracticeHandler,
    PracticeMessage,
    answer_within,
    message_safely,
)
from coaching.practice.roleplay import Briefing, CoachTip, CustomerSays, Line, Note
from coaching.practice.scorecard import Scorecard

log = logging.getLogger("coach.discord")

Interaction = discord.Interaction[discord.Client]
DMS_CLOSED = (
    "I can't send you direct messages, so the practice can't start there. Allow DMs from "
    "this server (server menu → Privacy Settings → Direct Messages), then try again."
)
_COLOUR = {"calmed": discord.Colour.green(), "unresolved": discord.Colour.gold()}


def is_direct_message(message: discord.Message) -> bool:
    return message.guild is None and isinstance(message.channel, discord.DMChannel)


class DiscordPractice:
    def __init__(
        self, client: discord.Client, handler: PracticeHandler, guilds: frozenset[str]
    ) -> None:
        self.client, self.handler, self.guilds = client, handler, guilds
        self.budget = COMMAND_BUDGET
        self.membership = Membership(client, guilds)

    def register(self, group: app_commands.Group) -> None:
        """``/coach practice [scenario]`` on the ``/coach`` group."""
        answer = self.on_command

        @group.command(
            name="practice", description="Rehearse de-escalation with a simulated customer"
        )
        @app_commands.describe(
            scenario="A scenario id, or: list, stop, results, forget, team, help (default: a new one)"
        )
        async def practice(interaction: Interaction, scenario: str | None = None) -> None:
            await answer(interaction, scenario or "")

    async def on_command(self, interaction: Interaction, args: str) -> None:
        if not served(self.guilds, interaction.guild_id):
            await interaction.response.send_message(embed=report_embed(NOT_HERE), ephemeral=True)
            return
        request = PracticeCommand(
            PLATFORM,
            str(interaction.guild_id or ""),
            str(interaction.user.id),
            role_ids(interaction.user),
            args,
        )
        work, answer = await answer_within(self.handler, request, self.budget)
        if answer is None:  # Discord wants an answer within 3 s: "thinking…", then it
            await interaction.response.defer(ephemeral=True, thinking=True)
            answer = await work
            if answer.report is not None:
                await interaction.followup.send(embed=report_embed(answer.report), ephemeral=True)
        elif answer.report is not None:
            await interaction.response.send_message(
                embed=report_embed(answer.report), ephemeral=True
            )
        if not answer.lines:
            return
        try:
            channel = await self.client.create_dm(interaction.user)
            await self.post(channel, answer.lines)
        except discord.Forbidden:
            log.info("practice: %s's DMs are closed", interaction.user.id)
            await interaction.followup.send(DMS_CLOSED, ephemeral=True)

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.author == self.client.user:
            return  # the bot's own messages in the DM
        if not await self.membership.coached(message.author.id):
            log.info(
                "practice: DM from %s, no member of a coached server, ignored", message.author.id
            )
            return
        request = PracticeMessage(
            PLATFORM, str(message.author.id), str(message.id), message.content
        )
        answer = await message_safely(self.handler, request)
        try:
            await self.post(message.channel, answer.lines)
        except discord.HTTPException as exc:
            log.warning("practice: answer to %s not sent (HTTP %s)", message.author.id, exc.status)

    async def post(self, channel: discord.abc.Messageable, lines: Sequence[Line]) -> None:
        for line in lines:
            if isinstance(line, Briefing | Scorecard):
                await channel.send(embed=embed(line))
            else:
                await channel.send(content=text(line))


def text(line: Line) -> str:
    if isinstance(line, CustomerSays):
        return f"**{clean(line.name)}:** {clean(line.text)}"[:2000]
    if isinstance(line, CoachTip):
        parts = [f"> 💡 *Coach, as it would tip you live:* **{clean(line.headline)}**"]
        if line.reasons:
            parts.append(f"> Why: {clean('; '.join(line.reasons))}.")
        if line.suggestion:
            parts.append(f"> Try: *“{clean(line.suggestion)}”*")
        return "\n".join(parts)[:2000]
    assert isinstance(line, Note)
    return clean(line.text)[:2000]


def embed(line: Briefing | Scorecard) -> discord.Embed:
    if isinstance(line, Briefing):
        return discord.Embed(
            title=f"Practice: {line.title}"[:256],
            description=(
                f"{clean(line.situation)}\n\n*You are the agent: reply here as you would to "
                f"{clean(line.customer)}. Type `stop` to end. Only you see this practice.*"
            )[:4000],
            colour=discord.Colour.blurple(),
        )
    card = discord.Embed(
        title="Practice scorecard",
        description=f"**Score {line.score}/100** · outcome: **{line.outcome.value}**",
        colour=_COLOUR.get(line.outcome.value, discord.Colour.red()),
    )
    for title, items in line.sections():
        value = "\n".join(f"• {clean(i)}" for i in items)
        card.add_field(name=title, value=value[:1024], inline=False)
    card.set_footer(text="Only you see this scorecard. Start another: /coach practice")
    return card
