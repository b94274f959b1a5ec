"""The empathy survey on Slack, the weekly digest's post, and a summary's chart.

The survey is an ephemeral message in the conversation's thread: only the customer
asked sees it, with a row of 1-5 buttons per question. A click replaces it (through its
``response_url``) with thanks and the question still open, if any; the bot records only
the customer's answers (bot/surveys/service.py). When Slack cannot show it there (the customer
left the channel...), it is not sent anywhere else. The digest is a plain message in the
team channel (its quotes arrive escaped: bot/reports/highlights.py); it counts the workspace of
the bot token (``auth.test``) unless ``[digest] workspace`` names one. A summary's chart is uploaded into the supervisor's DM with the bot
(``files.getUploadURLExternal`` + ``files.completeUploadExternal``, which slack_sdk's
``files_upload_v2`` wraps), never to the channel the command came from.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.base import DeliveryResult, DeliveryStatus, Report
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
from adapters.slack.blocks import Block, escape, report_blocks
from adapters.slack.delivery import failure
from coaching.types import ConversationRef
from coaching.updates import TEAM, signed

log = logging.getLogger("coach.slack")

SURVEY_ACTION = re.compile(r"^coach:sv:")
CHART_FILE = "coach-trend.png"
_FOOTER = "Only you can see this. Your answer goes to the support team."


def _question(conversation: str, question: Question) -> list[Block]:
    text = f"*{QUESTION_TEXT[question]}*  ({SCALE_TEXT[question]})"
    buttons = [
        {
            "type": "button",
            "action_id": answer_id(question, score, conversation),
            "text": {"type": "plain_text", "text": str(score)},
            "value": str(score),
        }
        for score in SCORES
    ]
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "actions", "block_id": f"coach_survey_{question.value}", "elements": buttons},
    ]


def survey_blocks(
    conversation: str, questions: tuple[Question, ...], heading: str = INTRO
) -> list[Block]:
    blocks: list[Block] = [{"type": "section", "text": {"type": "mrkdwn", "text": heading}}]
    for question in questions:
        blocks += _question(conversation, question)
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _FOOTER}]})
    return blocks


class SlackOutreach:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self.record: SurveyAnswerHandler | None = None  # set by the bot when surveys are on

    async def ask(self, survey: SurveyRequest) -> DeliveryResult:
        ref = survey.conversation
        text = " ".join([INTRO, *(QUESTION_TEXT[q] for q in survey.questions)])
        try:
            await self.client.chat_postEphemeral(
                channel=ref.channel,
                user=survey.customer,
                thread_ts=ref.thread,
                text=text,
                blocks=survey_blocks(ref.key, survey.questions),
            )
            return DeliveryResult(DeliveryStatus.SENT, route="ephemeral")
        except SlackApiError as exc:
            return failure(exc, "ephemeral")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return DeliveryResult(DeliveryStatus.RETRY, route="ephemeral", error=type(exc).__name__)

    async def on_click(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        """A survey button: record the answer (the bot refuses anyone but the customer)
        and tell whoever clicked, privately."""
        await ack()
        actions = body.get("actions") or [{}]
        action = actions[0] if isinstance(actions, list) and actions else {}
        user = str((body.get("user") or {}).get("id", ""))
        answer = parse_answer_id(str(action.get("action_id", "")), user)
        result = AnswerResult(AnswerStatus.UNKNOWN)
        if answer is not None and self.record is not None:
            result = await self.record(answer)
        if answer is not None and result.status is AnswerStatus.RECORDED:
            heading = f":white_check_mark: {result.text}"
            update = {
                "replace_original": True,
                "blocks": survey_blocks(answer.conversation, result.unanswered, heading),
            }
        else:
            update = {"replace_original": False}
        try:
            await respond(response_type="ephemeral", text=result.text, **update)
        except Exception as exc:  # the answer is recorded; the thanks is cosmetic
            log.info("could not acknowledge a survey answer: %s", type(exc).__name__)

    async def post_update(
        self, conversation: ConversationRef, agent: str | None, text: str
    ) -> DeliveryResult:
        """An update to the customer, in the conversation's thread for everyone in it to
        read (only when the team turned updates on: bot/service/updates.py)."""
        who = f"<@{agent}>" if agent else TEAM
        try:
            await self.client.chat_postMessage(
                channel=conversation.channel,
                thread_ts=conversation.thread,
                text=signed(who, escape(text)),
            )
            return DeliveryResult(DeliveryStatus.SENT, route="thread")
        except SlackApiError as exc:
            return failure(exc, "thread")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return DeliveryResult(DeliveryStatus.RETRY, route="thread", error=type(exc).__name__)

    async def post(self, channel: str, report: Report) -> DeliveryResult:
        """The weekly digest, as a message in a team channel."""
        try:
            await self.client.chat_postMessage(
                channel=channel, text=report.as_text()[:3000], blocks=report_blocks(report)
            )
            return DeliveryResult(DeliveryStatus.SENT, route="channel")
        except SlackApiError as exc:
            return failure(exc, "channel")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return DeliveryResult(DeliveryStatus.RETRY, route="channel", error=type(exc).__name__)

    async def workspace(self) -> str | None:
        """The team SLACK_BOT_TOKEN is installed in (``auth.test``): one token, one workspace."""
        answer = await self.client.auth_test()
        return str(answer.get("team_id") or "") or None

    async def share_chart(self, user: str, report: Report) -> bool:
        """Upload a report's chart into ``user``'s DM with the bot (only they see it)."""
        try:
            opened = await self.client.conversations_open(users=user)
            await self.client.files_upload_v2(
                channel=opened["channel"]["id"],
                file=report.chart_png,
                filename=CHART_FILE,
                title=report.title[:200],
                initial_comment="The trend for the /coach summary you asked for.",
            )
            return True
        except (SlackClientError, aiohttp.ClientError, TimeoutError, KeyError, TypeError) as exc:
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else ""
            log.warning("summary chart not uploaded: %s %s", type(exc).__name__, error)
            return False
