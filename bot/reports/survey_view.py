"""How the survey figures read in a summary (bot/surveys/satisfaction.py computes them)."""

from __future__ import annotations

from bot.reports.summary import duration, median, percent
from bot.surveys.satisfaction import ACKNOWLEDGED, NOT_ACKNOWLEDGED, Group, SurveyFigures, mean


def _score(values: list[int]) -> str:
    value = mean(values)
    return "–" if value is None else f"{value:.1f} (n={len(values)})"


def survey_parts(survey: SurveyFigures) -> tuple[tuple[tuple[str, str], ...], list[str]]:
    """Fields and lines for ``/coach summary``: the survey's figures when any survey was
    asked, and the split by acknowledgement whenever a frustration episode was answered."""
    fields: tuple[tuple[str, str], ...] = ()
    lines: list[str] = []
    ack, other = survey.groups[ACKNOWLEDGED], survey.groups[NOT_ACKNOWLEDGED]
    if survey.asked:
        fields = (
            ("Survey responses", percent(survey.responses, survey.asked)),
            ("Felt understood (1-5)", _score(survey.understood)),
        )
        if survey.csat:
            fields += (("CSAT (1-5)", _score(survey.csat)),)
        if ack.understood or other.understood:
            lines.append(
                "Felt understood when frustration was acknowledged in the next reply: "
                f"{_score(ack.understood)}; when it was not: {_score(other.understood)}."
            )
    if ack.conversations or other.conversations:
        lines.append(
            "Median resolution when frustration was acknowledged in the next reply: "
            f"{_resolution(ack)}; when it was not: {_resolution(other)}."
        )
    return fields, lines


def _resolution(group: Group) -> str:
    resolved = f"{len(group.resolution)} of {group.conversations} conversations resolved"
    return f"{duration(median(group.resolution))} ({resolved})"
