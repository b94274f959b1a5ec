"""Practice answers as platform-neutral ``Report``s: help, the list, starting, results."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from adapters.base import Report
from bot.practice.store import Result, ScenarioFigures
from coaching.practice.scenario import Scenario

PRIVATE = "Only you can see this. Your practice results are yours."


def help_report(problem: str = "") -> Report:
    return Report(
        title=problem or "Practice: rehearse de-escalation with a simulated customer",
        lines=(
            "/coach practice [scenario] — start (no scenario: the one you've practised least)",
            "/coach practice list — the scenarios",
            "/coach practice stop — end the practice now and get its scorecard",
            "/coach practice results — your own results",
            "/coach practice forget — delete your practice results",
            "/coach practice team [24h|7d|30d] — supervisors: sessions and mean score per "
            "scenario (when the team shares them)",
        ),
        footer=PRIVATE,
    )


def list_report(scenarios: Sequence[Scenario]) -> Report:
    return Report(
        title=f"{len(scenarios)} practice scenarios",
        lines=tuple(f"`{s.id}` — {s.title}" for s in scenarios),
        footer="Start one with /coach practice <scenario>.",
    )


def started(scenario: Scenario, set_aside: str | None) -> Report:
    lines = [
        f"I've sent {scenario.customer}'s first message to you in a direct message: answer "
        "there as the agent. The live coach scores every reply; type `stop` to end early.",
    ]
    if set_aside:
        lines.append(f"Your unfinished practice of `{set_aside}` was set aside.")
    return Report(title=f"Practice: {scenario.title}", lines=tuple(lines), footer=PRIVATE)


def results_report(results: Sequence[Result]) -> Report:
    if not results:
        return Report(
            title="No practice results yet",
            lines=("Start one with /coach practice.",),
            footer=PRIVATE,
        )
    mean = sum(r.score for r in results) / len(results)
    lines = tuple(
        f"{_day(r.finished_at)}  `{r.scenario}` — {r.score}/100, {r.outcome}" for r in results
    )
    return Report(
        title="Your practice results",
        fields=(("Sessions shown", str(len(results))), ("Mean score", f"{mean:.0f}")),
        lines=lines,
        footer=PRIVATE,
    )


def team_report(figures: Sequence[ScenarioFigures], period: str) -> Report:
    sessions = sum(f.sessions for f in figures)
    if not sessions:
        return Report(title=f"Practice, team, last {period}: no sessions")
    mean = sum(f.mean_score * f.sessions for f in figures) / sessions
    return Report(
        title=f"Practice, team, last {period}",
        fields=(("Sessions", str(sessions)), ("Mean score", f"{mean:.0f}")),
        lines=tuple(
            f"`{f.scenario}` — {f.sessions} session(s), mean score {f.mean_score:.0f}"
            for f in figures
        ),
        footer="Aggregates only: individual results stay with each agent.",
    )


NOT_SHARED = Report(
    title="Practice results are private to each agent here.",
    lines=("A team can share aggregates with supervisors: [practice] share_with_supervisors.",),
)
ONLY_SUPERVISORS = Report(title="Sorry, team practice figures are only for supervisors.")
ONLY_AGENTS = Report(
    title="Sorry, practice is for the support team.",
    lines=("Ask an admin to add you to [roles] agents.",),
)
TURNED_OFF = Report(title="Practice is turned off here ([practice] enabled = false).")


def _day(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d")
