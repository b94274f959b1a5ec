"""The summary's trend as a picture: frustration episodes, the share acknowledged in the
next reply, and the mean "felt understood" score, per day (per month over long periods).

Drawn with matplotlib's Agg renderer: headless and offline, no display, no pyplot global
state. matplotlib is imported only in ``render_png``, when a chart is drawn, so the bot
starts and idles without it; the live bot draws in a worker thread.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.base import Report
from bot.reports.summary import Figures

if TYPE_CHECKING:
    from matplotlib.axes import Axes

log = logging.getLogger("coach.charts")

WIDTH, HEIGHT, DPI = 900, 600, 100  # pixels of every chart
MAX_DAYS = 62  # longer periods are drawn per month


@dataclass(frozen=True)
class Trend:
    labels: tuple[str, ...]
    episodes: tuple[int, ...]
    acknowledged: tuple[float | None, ...]  # % of episodes acknowledged in the next reply
    understood: tuple[float | None, ...]  # mean "felt understood" (1-5)
    unit: str  # "day" or "month"


def trend(figures: Figures) -> Trend | None:
    """The figures per day (UTC) from the first to the last day with anything; per month
    past ``MAX_DAYS``. None when there is nothing to draw."""
    episodes = Counter(figures.episodes_by_day)
    acknowledged = Counter(_day(j.started) for j in figures.judged if j.acknowledged)
    scores = {d: list(v) for d, v in figures.survey.understood_by_day.items()}
    days = sorted(set(episodes) | set(scores))
    if not days:
        return None
    first, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    span = [str(first + timedelta(n)) for n in range((last - first).days + 1)]
    unit = "day"
    if len(span) > MAX_DAYS:
        unit = "month"
        span = sorted({d[:7] for d in span})
        episodes, acknowledged = _by_month(episodes), _by_month(acknowledged)
        months: dict[str, list[int]] = {}
        for d, values in scores.items():
            months.setdefault(d[:7], []).extend(values)
        scores = months
    return Trend(
        labels=tuple(d[5:] if unit == "day" else d for d in span),
        episodes=tuple(episodes[d] for d in span),
        acknowledged=tuple(
            round(100 * acknowledged[d] / episodes[d], 1) if episodes[d] else None for d in span
        ),
        understood=tuple(
            round(sum(scores[d]) / len(scores[d]), 2) if scores.get(d) else None for d in span
        ),
        unit=unit,
    )


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def _by_month(counts: Counter[str]) -> Counter[str]:
    months: Counter[str] = Counter()
    for d, n in counts.items():
        months[d[:7]] += n
    return months


def render_png(t: Trend, title: str = "Coaching trend") -> bytes:
    """The trend as a ``WIDTH`` x ``HEIGHT`` PNG: three panels sharing the time axis."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    top, middle, bottom = fig.subplots(3, 1, sharex=True)
    x = list(range(len(t.labels)))
    top.bar(x, t.episodes, color="#e07b39")
    top.set_ylabel("episodes")
    top.set_title(f"{title} (per {t.unit}, UTC)", loc="left", fontsize=11)
    _line(middle, x, t.acknowledged, "#3b6ea8")
    middle.set_ylim(0, 105)
    middle.set_ylabel("% acknowledged\nin next reply")
    _line(bottom, x, t.understood, "#2f9e62")
    bottom.set_ylim(0.8, 5.2)
    bottom.set_yticks([1, 2, 3, 4, 5])
    bottom.set_ylabel('"felt understood"\n(mean, 1-5)')
    step = max(1, len(x) // 12)  # at most about a dozen labels
    bottom.set_xticks(x[::step], [t.labels[i] for i in x[::step]], fontsize=8)
    for axes in (top, middle, bottom):
        axes.grid(axis="y", alpha=0.3)
        axes.spines[["top", "right"]].set_visible(False)
    fig.align_ylabels()
    fig.subplots_adjust(left=0.12, right=0.98, top=0.93, bottom=0.08, hspace=0.25)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _line(axes: Axes, x: list[int], values: tuple[float | None, ...], colour: str) -> None:
    """Points where there is a value, joined where neighbours both have one."""
    shown = [float("nan") if v is None else v for v in values]
    axes.plot(x, shown, marker="o", markersize=4, color=colour)


async def with_chart(report: Report, figures: Figures) -> Report:
    """``report`` with the trend drawn (in a worker thread) when it spans two days or
    more; unchanged when there is no trend or it cannot be drawn."""
    t = trend(figures)
    if t is None or len(t.labels) < 2:
        return report
    try:
        png = await asyncio.to_thread(render_png, t)
    except Exception as exc:  # a missing chart must not cost the supervisor the summary
        log.warning("trend chart not drawn: %s", type(exc).__name__)
        return report
    return replace(report, chart_png=png)


def save_chart(figures: Figures, path: Path) -> str:
    """Draw the trend into ``path`` (``coach summary --chart``); returns what went wrong,
    or "" when the file was written."""
    t = trend(figures)
    if t is None:
        return "no chart drawn: no frustration episode or survey answer in this period"
    try:
        path.write_bytes(render_png(t))
    except OSError as exc:
        return f"{path}: cannot be written ({exc.strerror})"
    return ""
