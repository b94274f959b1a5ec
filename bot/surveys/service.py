"""The empathy micro-survey: when a conversation closes, its customer is asked one
question, "Did you feel understood? 1-5" (and "How satisfied are you?" with ``[survey]
csat``).

Off unless ``[survey] enabled``: it is the only thing the bot ever shows a customer. The
engine has no part in it beyond saying when a customer wrapped up (a RESOLVED signal);
this service reads closings from what is stored — a ✅ from an agent on Slack, a Discord
thread archived, its owner wrapping up ("that's all, thanks") — so a closing stored
before a restart is still surveyed after it. Each sweep:

- takes the conversations whose latest closing is ``delay`` old (an owner who writes
  again meanwhile is not asked: their next closing counts) and at most a day old;
- asks the conversation's owner: the customer who opened it (the first to write in it
  as a customer), never another customer who wrote there, and never anyone who wrote
  there as an agent (then nobody: the survey is recorded as skipped);
- records the survey first (the store keeps one per conversation: a second closing,
  a redelivered event or another replica finds it there), and asks only if it recorded
  it; surveys a temporary failure left pending are retried, like nudges.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from adapters.base import DeliveryResult, DeliveryStatus
from adapters.outreach import AnswerResult, Question, SurveyAnswer, SurveyAsker, SurveyRequest
from bot.ops.clock import Clock
from bot.ops.logs import describe
from bot.store.outreach import OutreachStore
from bot.store.survey_records import Closing, SurveyRecord, SurveyStatus
from coaching.types import ConversationRef

log = logging.getLogger("coach.survey")

WINDOW = 86_400.0  # older closings are never surveyed (say, when a team turns it on)
LEASE = 30.0  # seconds a process owns a survey it is asking
TIMEOUT = 10.0
MAX_ATTEMPTS = 5
MAX_BACKOFF = 300.0


def recipient(closing: Closing) -> str | None:
    """Whom to ask: the conversation's owner, the customer who opened it — never another
    customer who wrote there, and never someone who wrote as an agent in it."""
    customer = closing.owner
    if any(p.author == customer and p.role == "agent" for p in closing.posters):
        return None
    return customer


class SurveyService:
    def __init__(
        self,
        outreach: OutreachStore,
        askers: Mapping[str, SurveyAsker],
        clock: Clock,
        *,
        csat: bool = False,
        delay: float = 60.0,
    ) -> None:
        self.outreach = outreach
        self.askers = dict(askers)
        self.clock = clock
        self.csat = csat
        self.delay = delay

    async def sweep(self) -> int:
        """Survey the conversations that closed; retry pending surveys. Returns how many
        were shown to a customer."""
        now = self.clock.now()
        shown = 0
        for closing in await self.outreach.closings(now - WINDOW, now - self.delay):
            customer = recipient(closing)
            record = SurveyRecord(
                closing.conversation,
                customer or "",
                closing.at,
                SurveyStatus.PENDING if customer else SurveyStatus.SKIPPED,
                csat_asked=self.csat,
            )
            if await self.outreach.open_survey(record, now + LEASE) and customer:
                shown += await self._ask(record)
            elif not customer:
                log.info("conversation %s closed with no customer to survey", closing.conversation)
        for record in await self.outreach.claim_surveys(now, LEASE, 100, MAX_ATTEMPTS):
            shown += await self._ask(record)
        return shown

    async def answer(self, answer: SurveyAnswer) -> AnswerResult:
        result = await self.outreach.answer_survey(answer, self.clock.now())
        log.info("survey answer for %s by %s: %s", answer.conversation, answer.user, result.status)
        return result

    async def _ask(self, record: SurveyRecord) -> int:
        try:
            ref = ConversationRef.from_key(record.conversation)
        except ValueError:
            ref = None
        asker = self.askers.get(ref.platform) if ref is not None else None
        if ref is None or asker is None:
            result = DeliveryResult(DeliveryStatus.FAILED, error="no_adapter")
        else:
            questions = (Question.UNDERSTOOD, Question.CSAT)[: 2 if record.csat_asked else 1]
            request = SurveyRequest(ref, record.customer, questions)
            try:
                result = await asyncio.wait_for(asker.ask(request), TIMEOUT)
            except TimeoutError:
                result = DeliveryResult(DeliveryStatus.RETRY, error="timeout")
            except Exception as exc:  # an adapter bug must not stop the sweep
                log.error("asking survey %s raised %s", record.conversation, describe(exc))
                result = DeliveryResult(DeliveryStatus.RETRY, error=type(exc).__name__)
        now = self.clock.now()
        if result.status is DeliveryStatus.RETRY:
            backoff = result.retry_after
            if backoff is None:
                backoff = min(MAX_BACKOFF, 5.0 * 2**record.attempts)
            status, retry_at = SurveyStatus.PENDING, now + backoff
        else:
            retry_at = None
            sent = result.status is DeliveryStatus.SENT
            status = SurveyStatus.SENT if sent else SurveyStatus.FAILED
        await self.outreach.finish_survey(
            record.conversation, status, result.route, result.error, now, retry_at
        )
        log.info(
            "survey for %s: %s%s",
            record.conversation,
            status,
            f" ({result.error})" if result.error else "",
        )
        return int(status == SurveyStatus.SENT)
