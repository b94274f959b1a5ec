"""Satisfaction next to coaching: what customers said in the survey, and the same split
by whether their frustration was acknowledged in the agent's next reply.

Definitions (docs/surveys-and-summaries.md repeats them):
- asked: surveys shown to a customer (in a replay: the transcript's survey rows);
  responses: surveys with a "felt understood" answer; response rate = responses / asked.
- a conversation's frustration was acknowledged when every frustration episode in it
  that an agent answered was acknowledged in that next reply; it was not when at least
  one was not. Conversations without an answered episode are in neither group.
- per group: conversations, survey responses, mean "felt understood", mean CSAT and the
  median resolution time (as the summary defines resolution).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.store.survey_records import SurveyRecord

if TYPE_CHECKING:
    from bot.store.base import Slice, SliceFilter, Store

ACKNOWLEDGED, NOT_ACKNOWLEDGED = "acknowledged", "not_acknowledged"


@dataclass
class Group:
    conversations: int = 0
    understood: list[int] = field(default_factory=list)
    csat: list[int] = field(default_factory=list)
    resolution: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "conversations": self.conversations,
            "responses": len(self.understood),
            "mean_understood": mean(self.understood),
            "mean_csat": mean(self.csat),
            "median_resolution_seconds": statistics.median(self.resolution)
            if self.resolution
            else None,
        }


@dataclass
class SurveyFigures:
    asked: int = 0
    understood: list[int] = field(default_factory=list)
    csat: list[int] = field(default_factory=list)
    groups: dict[str, Group] = field(
        default_factory=lambda: {ACKNOWLEDGED: Group(), NOT_ACKNOWLEDGED: Group()}
    )
    understood_by_day: defaultdict[str, list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def group(self, acknowledged: bool | None) -> Group:
        """The conversations whose frustration was (True) or was not (False) acknowledged
        in the next reply; None: neither (a scratch group nothing reads)."""
        if acknowledged is None:
            return Group()
        return self.groups[ACKNOWLEDGED if acknowledged else NOT_ACKNOWLEDGED]

    @property
    def responses(self) -> int:
        return len(self.understood)

    def response_rate(self) -> float | None:
        return round(self.responses / self.asked, 4) if self.asked else None

    def as_dict(self) -> dict[str, object]:
        """The summary JSON's ``survey`` object (its keys are relied on: add, never rename)."""
        ack, other = self.groups[ACKNOWLEDGED], self.groups[NOT_ACKNOWLEDGED]
        scores = Counter(self.understood)
        return {
            "asked": self.asked,
            "responses": self.responses,
            "response_rate": self.response_rate(),
            "mean_understood": mean(self.understood),
            "mean_understood_acknowledged": mean(ack.understood),
            "mean_understood_not_acknowledged": mean(other.understood),
            "understood_scores": {str(n): scores[n] for n in range(1, 6)},
            "csat_responses": len(self.csat),
            "mean_csat": mean(self.csat),
            "mean_csat_acknowledged": mean(ack.csat),
            "mean_csat_not_acknowledged": mean(other.csat),
            "by_acknowledgement": {name: g.as_dict() for name, g in self.groups.items()},
        }


def mean(values: list[int]) -> float | None:
    return round(statistics.fmean(values), 3) if values else None


def survey_figures(
    surveys: Iterable[SurveyRecord],
    acknowledged: Mapping[str, bool],
    resolution: Mapping[str, float],
) -> SurveyFigures:
    """``acknowledged``: conversation -> whether its frustration was acknowledged in the
    next reply (conversations without an answered episode left out); ``resolution``:
    conversation -> seconds to resolution."""
    figures = SurveyFigures()
    for conversation, was in acknowledged.items():
        group = figures.group(was)
        group.conversations += 1
        if conversation in resolution:
            group.resolution.append(resolution[conversation])
    for survey in surveys:
        if not (survey.asked or survey.understood is not None or survey.csat is not None):
            continue  # never shown (pending, failed, skipped)
        figures.asked += 1
        split = figures.group(acknowledged.get(survey.conversation))
        if survey.understood is not None:
            figures.understood.append(survey.understood)
            day = datetime.fromtimestamp(survey.closed_at, UTC).strftime("%Y-%m-%d")
            figures.understood_by_day[day].append(survey.understood)
            split.understood.append(survey.understood)
        if survey.csat is not None:
            figures.csat.append(survey.csat)
            split.csat.append(survey.csat)
    return figures


async def period_slice(
    store: Store, since: float, until: float, where: SliceFilter | None = None
) -> Slice:
    """``store.slice`` with the surveys of the conversations that closed in the period
    (given ``where``: of the conversations the slice holds)."""
    from bot.store.outreach import outreach_of

    data = await store.slice(since, until, where)
    surveys = await outreach_of(store).surveys(since, until)
    if where is not None:
        held = {e.conversation for e in data.events}
        surveys = [s for s in surveys if s.conversation in held]
    return replace(data, surveys=surveys)
