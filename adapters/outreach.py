"""What the bot shows beyond private nudges, as plain data: the empathy survey a customer
is asked when a conversation closes (only when a team turns it on) and the weekly digest
posted to a team channel.

An adapter asks a ``SurveyRequest`` in its conversation, of the customer it names and no
one else, and hands every click on its buttons to a ``SurveyAnswerHandler`` (which refuses
anyone but that customer); it posts a digest ``Report`` to a channel. It decides nothing:
whether, when and whom to ask is the bot's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from adapters.base import DeliveryResult, Report
from coaching.types import ConversationRef


class Question(StrEnum):
    UNDERSTOOD = "understood"  # "Did you feel understood?" — always asked
    CSAT = "csat"  # "How satisfied are you...?" — when [survey] csat is on


QUESTION_TEXT = {
    Question.UNDERSTOOD: "Did you feel understood?",
    Question.CSAT: "How satisfied are you with the help you got?",
}
SCALE_TEXT = {
    Question.UNDERSTOOD: "1 = not at all, 5 = completely",
    Question.CSAT: "1 = very unsatisfied, 5 = very satisfied",
}
SCORES = (1, 2, 3, 4, 5)
INTRO = "Thanks for reaching out! One quick question before you go."
ANSWER_PREFIX = "coach:sv"


@dataclass(frozen=True, slots=True)
class SurveyRequest:
    """Ask ``customer`` these questions in ``conversation`` (one survey per conversation)."""

    conversation: ConversationRef
    customer: str
    questions: tuple[Question, ...] = (Question.UNDERSTOOD,)


class SurveyAsker(Protocol):
    async def ask(self, survey: SurveyRequest) -> DeliveryResult: ...


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    conversation: str  # ConversationRef.key: the survey's id
    user: str  # who clicked
    question: Question
    score: int


class AnswerStatus(StrEnum):
    RECORDED = "recorded"
    NOT_YOURS = "not_yours"  # someone other than the customer asked clicked: not recorded
    UNKNOWN = "unknown"  # no such survey (forgotten, purged) or a malformed click


@dataclass(frozen=True, slots=True)
class AnswerResult:
    status: AnswerStatus
    unanswered: tuple[Question, ...] = ()  # the survey's questions still open, in order

    @property
    def text(self) -> str:
        """What the person who clicked is told (only they see it)."""
        if self.status is AnswerStatus.RECORDED:
            return "Thank you, your answer is recorded." + (
                " One more question above, if you like." if self.unanswered else ""
            )
        if self.status is AnswerStatus.NOT_YOURS:
            return "This question is for the customer of this conversation; nothing was recorded."
        return "Sorry, this survey is closed."


SurveyAnswerHandler = Callable[[SurveyAnswer], Awaitable[AnswerResult]]


class ChannelPoster(Protocol):
    async def post(self, channel: str, report: Report) -> DeliveryResult:
        """Post ``report`` as a message to a team channel (the weekly digest)."""
        ...

    async def workspace(self) -> str | None:
        """The one workspace this connection serves, when the platform says so (Slack: the
        bot token's team), else None; raises when the platform cannot be asked now."""
        ...


class Outreach(Protocol):
    """What an adapter offers for surveys and the digest (``adapter.outreach``)."""

    record: SurveyAnswerHandler | None  # the bot sets it when surveys are on

    async def ask(self, survey: SurveyRequest) -> DeliveryResult: ...

    async def post(self, channel: str, report: Report) -> DeliveryResult: ...

    async def workspace(self) -> str | None: ...


def answer_id(question: Question, score: int, conversation: str) -> str:
    """A button's ID: every click carries what it answers, even after a restart."""
    return f"{ANSWER_PREFIX}:{question.value}:{score}:{conversation}"


def parse_answer_id(custom_id: str, user: str) -> SurveyAnswer | None:
    """``coach:sv:{question}:{score}:{conversation key}`` -> the answer, else None."""
    parts = custom_id.split(":", 4)
    if len(parts) != 5 or f"{parts[0]}:{parts[1]}" != ANSWER_PREFIX:
        return None
    try:
        question, score = Question(parts[2]), int(parts[3])
    except ValueError:
        return None
    if score not in SCORES or not parts[4] or not user:
        return None
    return SurveyAnswer(parts[4], user, question, score)
