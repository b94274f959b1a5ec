"""``/coach`` application commands -> ``CommandRequest``; the ``Report`` back, ephemeral.

``/coach summary [agent] [channel] [period]``, ``/coach status``, ``/coach inbox``,
``/coach me [period]``, ``/coach highlights [period]``, ``/coach help``, ``/coach customer
<customer>`` and ``/coach forget <customer>`` (a user ID or mention, typed: a customer who
left the server has no member to pick). A summary's trend chart comes as an attachment of
the same private answer. Authorization is bot/service/commands.py's (by user ID and
Discord role IDs from the configuration); this only builds the request: workspace = the
guild, scope from the options (a thread picked as ``channel`` means that conversation).
Discord wants an answer within 3 s: a report not ready in ``budget`` seconds is deferred
("thinking…", ephemeral) and sent as a follow-up.
"""

from __future__ import annotations

import asyncio
import logging
import re

import discord
from discord import app_commands

from adapters.base import CommandHandler, CommandRequest, Period, Report, Scope, ScopeKind
from adapters.discord.render import chart_file, report_embed
from adapters.discord.translate import PLATFORM, role_ids

log = logging.getLogger("coach.discord")

COMMAND_BUDGET = 2.0
PERIODS = [
    app_commands.Choice(name="last 24 hours", value="24h"),
    app_commands.Choice(name="last 7 days", value="7d"),
    app_commands.Choice(name="last 30 days", value="30d"),
]
_CUSTOMER = re.compile(r"^\s*(?:<@!?(\d{15,21})>|(\d{15,21}))\s*$")
FAILED = Report(title="Sorry, that didn't work. Please try again in a minute.")
NOT_HERE = Report(title="The coach is not set up for this server.")
# Who sees /coach until a server admin says otherwise (Server Settings → Integrations):
# nobody but administrators. Agents and supervisors are allowed there by role, so
# customers cannot run it at all; the bot still checks every request by ID.
DEFAULT_PERMISSIONS = discord.Permissions.none()

Interaction = discord.Interaction[discord.Client]
ChannelOption = app_commands.AppCommandChannel | app_commands.AppCommandThread


def period_of(choice: app_commands.Choice[str] | None) -> Period:
    return Period(choice.value) if choice is not None else Period.WEEK


def scope_of(
    guild: str, agent: discord.abc.User | None, channel: ChannelOption | None
) -> tuple[Scope, str]:
    """The summary's scope, and a problem to report instead when the options conflict."""
    if agent is not None and channel is not None:
        return Scope(), "Pick an agent or a channel, not both."
    if agent is not None:
        return Scope(ScopeKind.AGENT, str(agent.id)), ""
    if isinstance(channel, app_commands.AppCommandThread):
        key = f"{PLATFORM}:{guild}:{channel.parent_id}:{channel.id}"
        return Scope(ScopeKind.CONVERSATION, key), ""
    if channel is not None:
        return Scope(ScopeKind.CHANNEL, str(channel.id)), ""
    return Scope(), ""


def customer_scope(text: str) -> tuple[Scope, str]:
    """``/coach customer`` and ``/coach forget``: a user ID or mention, or a problem."""
    match = _CUSTOMER.match(text)
    if match is None:
        return Scope(), "Give the customer's user ID (or mention them)."
    return Scope(ScopeKind.CUSTOMER, match.group(1) or match.group(2)), ""


def request_of(
    interaction: Interaction,
    name: str,
    scope: Scope | None = None,
    period: Period = Period.WEEK,
    problem: str = "",
) -> CommandRequest:
    return CommandRequest(
        platform=PLATFORM,
        workspace=str(interaction.guild_id or ""),
        user=str(interaction.user.id),
        user_groups=role_ids(interaction.user),
        name="help" if problem else name,
        scope=scope or Scope(),
        period=period,
        problem=problem,
    )


def served(guilds: frozenset[str], guild_id: int | None) -> bool:
    """Whether a command from ``guild_id`` is answered (``guilds`` empty: every server)."""
    return not guilds or str(guild_id or "") in guilds


class Commands:
    def __init__(
        self,
        handler: CommandHandler,
        budget: float = COMMAND_BUDGET,
        guilds: frozenset[str] = frozenset(),
    ) -> None:
        self.handler, self.budget, self.guilds = handler, budget, guilds

    async def answer(self, interaction: Interaction, request: CommandRequest) -> None:
        """Run the request; answer inline within the budget, else defer and follow up."""
        if not served(self.guilds, interaction.guild_id):
            await interaction.response.send_message(embed=report_embed(NOT_HERE), ephemeral=True)
            return
        work = asyncio.ensure_future(self._report(request))
        try:
            report = await asyncio.wait_for(asyncio.shield(work), self.budget)
        except TimeoutError:
            await interaction.response.defer(ephemeral=True, thinking=True)
            report = await work
            await interaction.followup.send(
                embed=report_embed(report), ephemeral=True, **chart_file(report)
            )
            return
        await interaction.response.send_message(
            embed=report_embed(report), ephemeral=True, **chart_file(report)
        )

    async def _report(self, request: CommandRequest) -> Report:
        try:
            return await self.handler(request)
        except Exception as exc:
            log.error("/coach %s failed (%s)", request.name, type(exc).__name__)
            log.debug("command traceback", exc_info=True)
            return FAILED

    def group(self) -> app_commands.Group:
        group = app_commands.Group(
            name="coach",
            description="Private empathy coaching: only you see the answers",
            guild_only=True,
            default_permissions=DEFAULT_PERMISSIONS,
        )
        answer = self.answer

        @group.command(name="summary", description="Coaching figures: team, agent or channel")
        @app_commands.describe(
            agent="Only this agent's conversations",
            channel="Only this channel (or this thread / forum post)",
            period="How far back (default: 7 days)",
        )
        @app_commands.choices(period=PERIODS)
        async def summary(
            interaction: Interaction,
            agent: discord.User | None = None,
            channel: ChannelOption | None = None,
            period: app_commands.Choice[str] | None = None,
        ) -> None:
            scope, problem = scope_of(str(interaction.guild_id or ""), agent, channel)
            await answer(
                interaction, request_of(interaction, "summary", scope, period_of(period), problem)
            )

        @group.command(name="status", description="Live conversations at risk right now")
        async def status(interaction: Interaction) -> None:
            await answer(interaction, request_of(interaction, "status"))

        @group.command(name="inbox", description="Tips that could not reach you by DM")
        async def inbox(interaction: Interaction) -> None:
            await answer(interaction, request_of(interaction, "inbox"))

        @group.command(name="me", description="Your own coaching record")
        @app_commands.describe(period="How far back (default: 7 days)")
        @app_commands.choices(period=PERIODS)
        async def me(
            interaction: Interaction, period: app_commands.Choice[str] | None = None
        ) -> None:
            await answer(interaction, request_of(interaction, "me", period=period_of(period)))

        @group.command(name="customer", description="One customer's recent history")
        @app_commands.describe(customer="The customer's user ID or mention")
        async def customer(interaction: Interaction, customer: str) -> None:
            scope, problem = customer_scope(customer)
            await answer(interaction, request_of(interaction, "customer", scope, problem=problem))

        @group.command(name="forget", description="Erase everything stored about one customer")
        @app_commands.describe(customer="The customer's user ID or mention")
        async def forget(interaction: Interaction, customer: str) -> None:
            scope, problem = customer_scope(customer)
            await answer(interaction, request_of(interaction, "forget", scope, problem=problem))

        @group.command(name="highlights", description="Conversations worth sharing with the team")
        @app_commands.describe(period="How far back (default: 7 days)")
        @app_commands.choices(period=PERIODS)
        async def highlights(
            interaction: Interaction, period: app_commands.Choice[str] | None = None
        ) -> None:
            await answer(
                interaction, request_of(interaction, "highlights", period=period_of(period))
            )

        @group.command(name="help", description="What the coach can do")
        async def help_(interaction: Interaction) -> None:
            await answer(interaction, request_of(interaction, "help"))

        return group
