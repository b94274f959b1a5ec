"""What the bot keeps about surveys: one row per conversation, the answers with it.

No text: who was asked (a customer's ID), when the conversation closed, whether the
survey reached them, and the scores they gave (1-5). And how an answer applies to a record
(the same rule for every store).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from adapters.outreach import Question, SurveyAnswer


class SurveyStatus:
    PENDING = "pending"  # to be asked (or asked again after a temporary failure)
    SENT = "sent"  # shown to the customer
    FAILED = "failed"  # could not be shown
    SKIPPED = "skipped"  # no one to ask: every customer here also wrote as an agent
    REPLAYED = "replayed"  # a survey answer read from a transcript (coach replay)


ASKED = (SurveyStatus.SENT, SurveyStatus.REPLAYED)


@dataclass(frozen=True, slots=True)
class SurveyRecord:
    conversation: str  # ConversationRef.key: one survey per conversation
    customer: str  # the one person asked ("" when skipped)
    closed_at: float  # the closing that prompted it (summaries place it in time by this)
    status: str = SurveyStatus.PENDING
    csat_asked: bool = False
    understood: int | None = None  # "Did you feel understood?" 1-5
    csat: int | None = None
    answered_at: float | None = None
    route: str = ""
    attempts: int = 0
    error: str = ""

    @property
    def asked(self) -> bool:
        return self.status in ASKED


@dataclass(frozen=True, slots=True)
class Poster:
    """Someone who wrote in a conversation, as they wrote: ``role`` is "customer" or
    "agent" for that message."""

    author: str
    role: str
    at: float


@dataclass(frozen=True, slots=True)
class Closing:
    """A conversation that closed (✅, archived thread) or that its owner wrapped up
    ("that's all, thanks"), with no message from its owner after it, and not surveyed yet."""

    conversation: str
    at: float  # the latest closing
    posters: tuple[Poster, ...]  # every message posted in it, in time order

    @property
    def owner(self) -> str | None:
        """The customer who opened the conversation: the first to write in it as one
        (as the engine's ``ConversationState.owner``)."""
        return owner(self.posters)


def owner(posters: Iterable[Poster]) -> str | None:
    """The first author of a customer message among ``posters`` (in time order)."""
    return next((p.author for p in posters if p.role == "customer"), None)


def unanswered(record: SurveyRecord) -> tuple[Question, ...]:
    questions = [Question.UNDERSTOOD] if record.understood is None else []
    if record.csat_asked and record.csat is None:
        questions.append(Question.CSAT)
    return tuple(questions)


def answered(record: SurveyRecord, answer: SurveyAnswer, now: float) -> SurveyRecord | None:
    """The record with ``answer`` applied, or None when it cannot take it."""
    if record.status in (SurveyStatus.SKIPPED, SurveyStatus.REPLAYED):
        return None
    if answer.question is Question.CSAT and not record.csat_asked:
        return None
    if answer.question is Question.UNDERSTOOD:
        return replace(record, understood=answer.score, answered_at=now)
    return replace(record, csat=answer.score, answered_at=now)
