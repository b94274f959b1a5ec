"""``coach demo`` and ``coach replay``: transcripts through the real runtime, shown in a
terminal, as JSON nudges, or as a supervisor summary."""

from __future__ import annotations

import asyncio
import json
import sys
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress

from adapters.base import Period, Scope
from adapters.console.adapter import JsonLines
from adapters.console.render import TerminalView, printable
from adapters.console.transcript import Transcript, TranscriptError, Turn, in_order, load, parse
from bot.reports.charts import save_chart
from bot.reports.summary import compute
from bot.reports.views import summary_report
from bot.service.policy import policy_from
from bot.service.replay import MessageView, NudgeView, Replayer, ReplayStats
from bot.store.outreach import outreach_of
from bot.surveys.replay import survey_records
from bot.surveys.satisfaction import period_slice
from config import LoadedConfig

EXIT_OK, EXIT_NOTHING_DONE = 0, 1
PROGRESS_FROM = 200  # turns: shorter files replay too fast to need a progress bar


def demo(as_json: bool, config: LoadedConfig, err: Console) -> int:
    data = resources.files("adapters").joinpath("console").joinpath("data").joinpath("demo.jsonl")
    transcript = parse(data.read_text(encoding="utf-8"), name="demo")
    return show(transcript, config, as_json, quiet=False, err=err, source="demo")


def replay(
    path: Path,
    config: LoadedConfig,
    as_json: bool,
    quiet: bool,
    summary: bool,
    err: Console,
    chart: Path | None = None,
) -> int:
    try:
        transcript = load(path)
    except TranscriptError as exc:
        err.print(f"[red]error:[/] {escape(printable(str(exc)))}")
        return EXIT_NOTHING_DONE
    if summary:
        return summarise(transcript, config, as_json, err, source=path.stem, chart=chart)
    return show(transcript, config, as_json, quiet, err, source=path.stem)


def _turns(transcript: Transcript, err: Console) -> list[Turn]:
    """The usable turns in time order; every problem reported by line."""
    turns, order_problems = in_order(transcript.turns)
    for problem in transcript.problems + order_problems:
        err.print(f"[yellow]warning:[/] {escape(printable(problem))}")
    if not turns:
        err.print("[red]error:[/] no usable turns in the transcript")
    return turns


def _run(
    turns: list[Turn],
    config: LoadedConfig,
    show_message: MessageView,
    show_nudge: NudgeView,
    source: str,
    err: Console,
) -> tuple[Replayer, ReplayStats]:
    settings = config.settings
    replayer = Replayer(
        policy_from(settings),
        show_message,
        show_nudge,
        history_days=settings.coaching.history_days,
        model=settings.coaching.model,
    )

    async def go() -> ReplayStats:
        if len(turns) < PROGRESS_FROM or not err.is_terminal:
            return await replayer.run(turns, source)
        with Progress(console=err, transient=True) as progress:
            task = progress.add_task("replaying", total=len(turns))
            return await replayer.run(turns, source, on_turn=lambda: progress.advance(task))

    return replayer, asyncio.run(go())


def show(
    transcript: Transcript,
    config: LoadedConfig,
    as_json: bool,
    quiet: bool,
    err: Console,
    source: str,
) -> int:
    turns = _turns(transcript, err)
    if not turns:
        return EXIT_NOTHING_DONE
    out = Console(highlight=False)
    view = TerminalView(out)
    silent: MessageView = lambda turn, score: None  # noqa: E731
    if as_json:
        _run(turns, config, silent, JsonLines(sys.stdout), source, err)
        return EXIT_OK
    _, stats = _run(turns, config, silent if quiet else view.message, view.nudge, source, err)
    counts = ", ".join(f"{n} {k}" for k, n in sorted(stats.nudges.items())) or "none"
    out.print(f"\n[bold]{stats.messages} messages replayed; nudges: {counts}[/]")
    return EXIT_OK


def summarise(
    transcript: Transcript,
    config: LoadedConfig,
    as_json: bool,
    err: Console,
    source: str,
    chart: Path | None = None,
) -> int:
    turns = _turns(transcript, err)
    if not turns:
        return EXIT_NOTHING_DONE
    replayer, _ = _run(turns, config, lambda turn, score: None, lambda nudge: None, source, err)
    surveys, problems = survey_records(transcript.surveys, replayer.store.events, source)
    for problem in problems:
        err.print(f"[yellow]warning:[/] {escape(problem)}")
    asyncio.run(outreach_of(replayer.store).add_replayed(surveys))
    data = asyncio.run(period_slice(replayer.store, float("-inf"), float("inf")))
    figures = compute(data, replayer.clock.now())
    problem = save_chart(figures, chart) if chart is not None else ""
    if problem:
        err.print(f"[red]error:[/] {escape(problem)}")
    if as_json:
        sys.stdout.write(json.dumps(figures.as_dict(), ensure_ascii=False) + "\n")
    else:
        TerminalView(Console(highlight=False)).report(summary_report(figures, Scope(), Period.ALL))
    return EXIT_NOTHING_DONE if problem else EXIT_OK
