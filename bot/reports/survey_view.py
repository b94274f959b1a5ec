"""How the survey figures read in a summary (bot/surveys/satisfaction.py computes them)."""

from __future__ import annotations

from bot.reports.shares import ENOUGH, TOO_FEW, Share
from bot.reports.summary import duration, median
from bot.surveys.satisfaction import ACKNOWLEDGED, NOT_ACKNOWLEDGED, Group, SurveyFigures, mean


def score(values: list[int]) -> str:
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
            ("Survey responses", Share(survey.responses, survey.asked).text()),
            ("Felt understood (1-5)", score(survey.understood)),
        )
        if survey.csat:
            fields += (("CSAT (1-5)", score(survey.csat)),)
        if ack.understood or other.understood:
            lines.append(
                _split(
                    "felt understood",
                    (len(ack.understood), score(ack.understood)),
                    (len(other.understood), score(other.understood)),
                    "responses",
                )
            )
    if ack.conversations or other.conversations:
        lines.append(
            _split(
                "median resolution",
                (len(ack.resolution), _resolution(ack)),
                (len(other.resolution), _resolution(other)),
                "conversations resolved",
            )
        )
    return fields, lines


def _split(what: str, ack: tuple[int, str], other: tuple[int, str], counted: str) -> str:
    """``what`` when frustration was acknowledged in the next reply vs when it was not;
    with fewer than ``ENOUGH`` cases on either side, the counts alone."""
    if min(ack[0], other[0]) < ENOUGH:
        return (
            f"{TOO_FEW}: {what} when frustration was acknowledged in the next reply "
            f"vs when it was not ({ack[0]} vs {other[0]} {counted})."
        )
    return (
        f"{what.capitalize()} when frustration was acknowledged in the next reply: "
        f"{ack[1]}; when it was not: {other[1]}."
    )


def _resolution(group: Group) -> str:
    resolved = f"{len(group.resolution)} of {group.conversations} conversations resolved"
    return f"{duration(median(group.resolution))} ({resolved})"
