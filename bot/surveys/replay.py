"""Survey answers in a transcript -> the survey records of a replay (``coach replay
--summary``), with the same rules as live: one survey per conversation, answered by the
customer who opened it (bot/store/owners.py), never by another customer who wrote there
nor by someone who wrote as an agent in it."""

from __future__ import annotations

from collections.abc import Iterable

from adapters.console.adapter import conversation_ref
from adapters.console.transcript import SurveyRow
from bot.store.owners import opened
from bot.store.records import EventRecord
from bot.store.survey_records import SurveyRecord, SurveyStatus


def survey_records(
    rows: Iterable[SurveyRow], events: Iterable[EventRecord], source: str
) -> tuple[list[SurveyRecord], list[str]]:
    """The records, and a problem per row left out (by line number)."""
    events = list(events)
    agents = {(e.conversation, e.author) for e in events if e.role == "agent"}
    owners = {key: who for key, (_, who) in opened(events).items()}
    records: dict[str, SurveyRecord] = {}
    problems = []
    for row in rows:
        key = conversation_ref(row.conversation, source).key
        if (key, row.author) in agents:
            problems.append(
                f"line {row.line}: survey answer by {row.author!r}, who wrote as an agent in "
                f"conversation {row.conversation!r}; skipped"
            )
            continue
        if owners.get(key, row.author) != row.author:
            problems.append(
                f"line {row.line}: survey answer by {row.author!r}, who did not open "
                f"conversation {row.conversation!r} (only its customer is surveyed); skipped"
            )
            continue
        if key in records:
            problems.append(
                f"line {row.line}: a second survey for conversation {row.conversation!r}; "
                "only the first counts"
            )
            continue
        records[key] = SurveyRecord(
            conversation=key,
            customer=row.author,
            closed_at=row.ts,
            status=SurveyStatus.REPLAYED,
            csat_asked=row.csat is not None,
            understood=row.score,
            csat=row.csat,
            answered_at=row.ts if row.score is not None or row.csat is not None else None,
        )
    return list(records.values()), problems
