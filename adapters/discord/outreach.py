"""The empathy survey on Discord, and the weekly digest's post.

Ephemeral messages exist only as answers to an interaction, so the survey is a message
where the conversation is — its thread or forum post, or in a plain channel a reply to
the conversation's first message — addressed to the customer (the only mention it
makes), with one row of buttons per question. Each click is answered ephemerally to
whoever clicked; the bot records only the customer's (bot/surveys/service.py). Posting in an
archived thread reopens it until Discord archives it again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiohttp
import discord

from adapters.base import DeliveryResult, DeliveryStatus, Report
from adapters.discord.places import Places
from adapters.discord.render import report_embed
from adapters.outreach import (
    INTRO,
    QUESTION_TEXT,
    SCALE_TEXT,
    SCORES,
    AnswerResult,
    AnswerStatus,
    Question,
    SurveyAnswerHandler,
    SurveyRequest,
    answer_id,
    parse_answer_id,
)
from coaching.types import ConversationRef
from coaching.updates import TEAM, signed

log = logging.getLogger("coach.discord")

Interaction = discord.Interaction[discord.Client]
_STYLE = {
    Question.UNDERSTOOD: discord.ButtonStyle.primary,
    Question.CSAT: discord.ButtonStyle.secondary,
}
_EMOJI = {Question.UNDERSTOOD: None, Question.CSAT: "⭐"}
_TEMPORARY = (aiohttp.ClientError, TimeoutError, OSError)


def survey_text(survey: SurveyRequest) -> str:
    lines = [f"<@{survey.customer}> {INTRO}"]
    for row, question in enumerate(survey.questions):
        where = ("Blue buttons", "Star buttons")[row] if len(survey.questions) > 1 else "Buttons"
        lines.append(f"**{QUESTION_TEXT[question]}** ({SCALE_TEXT[question]}; {where.lower()})")
    lines.append("Only your answer counts; it goes to the support team.")
    return "\n".join(lines)


def survey_view(survey: SurveyRequest) -> discord.ui.View:
    """One row of 1-5 buttons per question; the custom IDs carry the survey and answer,
    so clicks are understood after a restart (the view is not kept in memory)."""
    view = discord.ui.View(timeout=None)
    for row, question in enumerate(survey.questions):
        for score in SCORES:
            view.add_item(
                discord.ui.Button(
                    style=_STYLE[question],
                    label=str(score),
                    emoji=_EMOJI[question],
                    custom_id=answer_id(question, score, survey.conversation.key),
                    row=row,
                )
            )
    view.stop()
    return view


class DiscordOutreach:
    def __init__(self, client: discord.Client, places: Places) -> None:
        self.client, self.places = client, places
        self.record: SurveyAnswerHandler | None = None  # set by the bot when surveys are on

    def _in_thread(self, ref: ConversationRef) -> bool:
        return ref.thread == ref.channel or self.places.is_thread(ref.thread)

    def _where(self, ref: ConversationRef) -> tuple[str, str]:
        """(channel to post in, route): the thread, or in a plain channel the channel."""
        return (ref.thread, "thread") if self._in_thread(ref) else (ref.channel, "channel")

    def _reply_to(self, ref: ConversationRef) -> dict[str, Any]:
        """In a plain channel, a post answers the conversation's first message."""
        if self._in_thread(ref):
            return {}
        reference = discord.MessageReference(
            message_id=int(ref.thread), channel_id=int(ref.channel), fail_if_not_exists=False
        )
        return {"reference": reference}

    async def ask(self, survey: SurveyRequest) -> DeliveryResult:
        ref = survey.conversation
        return await self._send(
            *self._where(ref),
            content=survey_text(survey),
            view=survey_view(survey),
            allowed_mentions=discord.AllowedMentions(
                everyone=False, roles=False, users=[discord.Object(int(survey.customer))]
            ),
            **self._reply_to(ref),
        )

    async def on_interaction(self, interaction: Interaction) -> bool:
        """Answer a click on a survey button (True), or leave the interaction (False)."""
        if interaction.type is not discord.InteractionType.component:
            return False
        data: Mapping[str, Any] = interaction.data or {}
        custom_id = data.get("custom_id")
        if not isinstance(custom_id, str):
            return False
        answer = parse_answer_id(custom_id, str(interaction.user.id))
        if answer is None:
            return custom_id.startswith("coach:sv:")  # ours, but malformed: ignored
        result = AnswerResult(AnswerStatus.UNKNOWN)
        if self.record is not None:
            result = await self.record(answer)
        try:
            await interaction.response.send_message(result.text, ephemeral=True)
        except discord.HTTPException as exc:  # the answer is recorded; the thanks is cosmetic
            log.info("could not acknowledge a survey answer: HTTP %s", exc.status)
        return True

    async def post_update(
        self, conversation: ConversationRef, agent: str | None, text: str
    ) -> DeliveryResult:
        """An update to the customer where the conversation is (its thread, or a reply to
        its first message), pinging no one (only when the team turned updates on)."""
        who = f"<@{agent}>" if agent else TEAM
        return await self._send(
            *self._where(conversation),
            content=signed(who, discord.utils.escape_mentions(text)),
            allowed_mentions=discord.AllowedMentions.none(),
            **self._reply_to(conversation),
        )

    async def post(self, channel_id: str, report: Report) -> DeliveryResult:
        """The weekly digest, as an embed in a team channel (mentioning no one)."""
        return await self._send(
            channel_id,
            "channel",
            embed=report_embed(report),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def workspace(self) -> str | None:
        """None: a bot can be in any number of servers ([discord] guilds names them)."""
        return None

    async def _send(self, channel_id: str, route: str, **message: Any) -> DeliveryResult:
        if self.client.user is None or self.client.is_closed():
            return DeliveryResult(DeliveryStatus.RETRY, route=route, error="not_connected")
        try:
            channel: Any = self._channel(channel_id)
            await channel.send(**message)
            return DeliveryResult(DeliveryStatus.SENT, route=route)
        except discord.HTTPException as exc:  # 403/404 and other 4xx will not change
            temporary = exc.status >= 500 or exc.status == 429
            status = DeliveryStatus.RETRY if temporary else DeliveryStatus.FAILED
            return DeliveryResult(status, route=route, error=f"http_{exc.status}")
        except _TEMPORARY as exc:
            return DeliveryResult(DeliveryStatus.RETRY, route=route, error=type(exc).__name__)
        except (AttributeError, ValueError) as exc:  # not a channel one can post in
            return DeliveryResult(DeliveryStatus.FAILED, route=route, error=type(exc).__name__)

    def _channel(self, channel_id: str) -> Any:
        """The channel to send to; one not in the cache (an archived thread leaves it)
        needs no lookup: sending to its ID is enough."""
        channel = self.client.get_channel(int(channel_id))
        return channel or self.client.get_partial_messageable(int(channel_id))
