"""Storage for what the bot shows beyond nudges: surveys and weekly digests.

Kept apart from the event store's contract (bot/store/base.py) so that the two can grow
independently: ``outreach_of(store)`` gives the surveys and digests kept in the same
database as the store's events (the SQL store's tables, or the memory store's
dictionaries), so ``forget`` and ``purge`` cover them too.

One survey per conversation: ``open_survey`` records it only if the conversation has
none, and only the caller that recorded it asks it at once; the others find it leased.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from adapters.outreach import AnswerResult, AnswerStatus, SurveyAnswer
from bot.store.survey_records import (
    Closing,
    Poster,
    SurveyRecord,
    SurveyStatus,
    answered,
    unanswered,
)

if TYPE_CHECKING:
    from bot.store.base import Store
    from bot.store.memory import MemoryStore


class OutreachStore(Protocol):
    async def closings(self, since: float, until: float, limit: int = 100) -> list[Closing]:
        """Conversations whose latest closing (closed, or resolved by its owner) lies in
        ``[since, until)`` with no message from its owner (``Closing.owner``) after it:
        another customer's message does not reopen it for the survey. Oldest first. May leave
        out conversations surveyed already (the SQL store does, to keep sweeps cheap):
        ``open_survey`` is what keeps a conversation to one survey."""
        ...

    async def open_survey(self, record: SurveyRecord, lease_until: float) -> bool:
        """Record the survey unless its conversation has one; True when recorded (it is
        then leased to the caller until ``lease_until``)."""
        ...

    async def claim_surveys(
        self, now: float, lease: float, limit: int = 100, max_attempts: int = 5
    ) -> list[SurveyRecord]:
        """Pending surveys whose lease ran out, leased to the caller; a survey tried
        ``max_attempts`` times is marked failed instead."""
        ...

    async def finish_survey(
        self,
        conversation: str,
        status: str,
        route: str,
        error: str,
        now: float,
        retry_at: float | None = None,
    ) -> None:
        """Record how asking went (only a pending survey changes); ``pending`` with
        ``retry_at`` to try again then."""
        ...

    async def answer_survey(self, answer: SurveyAnswer, now: float) -> AnswerResult:
        """Record an answer from the customer asked (a later answer replaces an earlier
        one); anyone else's is refused and nothing is recorded."""
        ...

    async def add_replayed(self, records: Sequence[SurveyRecord]) -> None:
        """Survey answers read from a transcript (``coach replay``)."""
        ...

    async def surveys(
        self, since: float, until: float, conversations: set[str] | None = None
    ) -> list[SurveyRecord]:
        """Surveys of conversations that closed in ``[since, until)``."""
        ...

    async def claim_digest(self, key: str, now: float, lease: float, max_attempts: int = 5) -> bool:
        """True when the caller is to post digest ``key`` now: it was never posted, or a
        pending attempt's lease ran out."""
        ...

    async def finish_digest(
        self, key: str, status: str, error: str, now: float, retry_at: float | None = None
    ) -> None: ...


def outreach_of(store: Store) -> OutreachStore:
    """The surveys and digests kept alongside ``store``."""
    from bot.store.memory import MemoryStore
    from bot.store.sql import SqlStore

    if isinstance(store, SqlStore):
        from bot.store.outreach_sql import SqlOutreach

        return SqlOutreach(store.runner)
    if isinstance(store, MemoryStore):
        return MemoryOutreach(store)
    raise TypeError(f"no survey storage for {type(store).__name__}")


class MemoryOutreach:
    """Surveys and digests in a ``MemoryStore`` (its ``surveys`` and ``digests``)."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def closings(self, since: float, until: float, limit: int = 100) -> list[Closing]:
        latest: dict[str, float] = {}
        marks = [(e.conversation, e.at) for e in self.store.events if e.kind == "closed"]
        marks += [
            (s.conversation, s.at) for s in self.store.signals if s.kind == "resolved" and s.fired
        ]
        for conversation, at in marks:
            if since <= at < until:
                latest[conversation] = max(at, latest.get(conversation, at))
        found = []
        for conversation, at in sorted(latest.items(), key=lambda item: (item[1], item[0])):
            posters = tuple(
                Poster(e.author, e.role, e.at)
                for e in sorted(self.store.events, key=lambda e: e.at)
                if e.conversation == conversation and e.kind == "posted"
            )
            closing = Closing(conversation, at, posters)
            if not any(
                p.author == closing.owner and p.role == "customer" and p.at > at for p in posters
            ):
                found.append(closing)
        return found[:limit]

    async def open_survey(self, record: SurveyRecord, lease_until: float) -> bool:
        if record.conversation in self.store.surveys:
            return False  # one survey per conversation, however often it closes
        self.store.surveys[record.conversation] = record
        self.store.survey_leases[record.conversation] = lease_until
        return True

    async def claim_surveys(
        self, now: float, lease: float, limit: int = 100, max_attempts: int = 5
    ) -> list[SurveyRecord]:
        ready = []
        for key, record in self.store.surveys.items():
            if record.status != SurveyStatus.PENDING or self.store.survey_leases[key] > now:
                continue
            if record.attempts >= max_attempts:
                self.store.surveys[key] = replace(
                    record, status=SurveyStatus.FAILED, error="gave_up"
                )
                continue
            self.store.survey_leases[key] = now + lease
            ready.append(record)
            if len(ready) >= limit:
                break
        return ready

    async def finish_survey(
        self,
        conversation: str,
        status: str,
        route: str,
        error: str,
        now: float,
        retry_at: float | None = None,
    ) -> None:
        record = self.store.surveys.get(conversation)
        if record is None or record.status != SurveyStatus.PENDING:
            return
        self.store.surveys[conversation] = replace(
            record, status=status, route=route, error=error, attempts=record.attempts + 1
        )
        self.store.survey_leases[conversation] = retry_at or 0.0

    async def answer_survey(self, answer: SurveyAnswer, now: float) -> AnswerResult:
        record = self.store.surveys.get(answer.conversation)
        if record is None:
            return AnswerResult(AnswerStatus.UNKNOWN)
        if answer.user != record.customer:
            return AnswerResult(AnswerStatus.NOT_YOURS, unanswered(record))
        updated = answered(record, answer, now)
        if updated is None:
            return AnswerResult(AnswerStatus.UNKNOWN)
        self.store.surveys[answer.conversation] = updated
        return AnswerResult(AnswerStatus.RECORDED, unanswered(updated))

    async def add_replayed(self, records: Sequence[SurveyRecord]) -> None:
        for record in records:
            self.store.surveys.setdefault(record.conversation, record)
            self.store.survey_leases.setdefault(record.conversation, 0.0)

    async def surveys(
        self, since: float, until: float, conversations: set[str] | None = None
    ) -> list[SurveyRecord]:
        return [
            r
            for r in self.store.surveys.values()
            if since <= r.closed_at < until
            and (conversations is None or r.conversation in conversations)
        ]

    async def claim_digest(self, key: str, now: float, lease: float, max_attempts: int = 5) -> bool:
        row = self.store.digests.get(key)
        if row is None:
            self.store.digests[key] = {
                "created_at": now,
                "status": "pending",
                "attempts": 0,
                "error": "",
                "lease_until": now + lease,
            }
            return True
        if row["status"] != "pending" or row["lease_until"] > now:
            return False
        if row["attempts"] >= max_attempts:
            row |= {"status": "failed", "error": "gave_up"}
            return False
        row["lease_until"] = now + lease
        return True

    async def finish_digest(
        self, key: str, status: str, error: str, now: float, retry_at: float | None = None
    ) -> None:
        row = self.store.digests.get(key)
        if row is None or row["status"] != "pending":
            return
        row |= {
            "status": status,
            "error": error,
            "attempts": row["attempts"] + 1,
            "lease_until": retry_at or 0.0,
        }
