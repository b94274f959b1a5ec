"""Figures and states -> platform-neutral ``Report``s (each adapter renders them)."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.base import Period, Report, Scope, ScopeKind
from bot.reports.returning import ReturningFigures
from bot.reports.shares import Share, compare
from bot.reports.summary import Figures, duration, median
from bot.reports.survey_view import survey_parts
from coaching.nudging import format_duration
from coaching.state import ConversationState
from coaching.types import ConversationRef, Nudge

_KIND_NAMES = {
    "frustration": "frustration heads-ups",
    "acknowledge": "acknowledgement follow-ups",
    "waiting": "waiting reminders",
    "escalation": "escalation warnings",
    "history": "returning-customer briefs",
    "confusion": "confusion nudges",
}


def scope_label(scope: Scope) -> str:
    if scope.kind is ScopeKind.AGENT:
        return f"agent <@{scope.id}>"
    if scope.kind is ScopeKind.CHANNEL:
        return f"channel <#{scope.id}>"
    if scope.kind is ScopeKind.CONVERSATION:
        ref = ConversationRef.from_key(scope.id)
        return f"a conversation in <#{ref.channel}>"
    return "the whole team"


def summary_report(figures: Figures, scope: Scope, period: Period) -> Report:
    f = figures
    nudges = sum(f.nudges.values())
    by_kind = ", ".join(f"{n} {_KIND_NAMES.get(k, k)}" for k, n in sorted(f.nudges.items()))
    fields: tuple[tuple[str, str], ...] = (
        ("Conversations", str(f.conversations)),
        ("Customer messages", str(f.customer_messages)),
        ("Frustration episodes", str(f.episodes)),
        ("Acknowledged in the next reply", f.acknowledged_share.text()),
        ("Median time to acknowledgement", duration(median(f.ack_seconds))),
        ("Median first response", duration(median(f.first_response))),
        ("Median resolution", duration(median(f.resolution))),
        ("Calmed down / stayed frustrated", f"{f.calmed} / {f.stayed}"),
        ("Escalation signals", str(f.escalations)),
        ("Confused customers", str(len(f.confused))),
        ("Clarified in the next reply", f.clarified_share.text()),
        ("Nudges sent", f"{nudges}" + (f" ({by_kind})" if by_kind else "")),
        ("Nudges per 100 conversations", _per_100(f)),
        ("Rated helpful", Share(f.helpful, f.rated).text()),
        *returning_fields(f.returning),
    )
    if sent := sum(f.updates.values()):  # only where a team turned updates on
        fields += (
            (
                "Holding updates to customers",
                f"{sent} ({f.updates['one_click']} sent by agents, {f.updates['auto']} automatic)",
            ),
        )
    survey_fields, survey_lines = survey_parts(f.survey)
    fields += survey_fields
    lines = []
    if f.followed_after_ack or f.followed_after_no_ack:
        says = "customers calmed down after {a} of acknowledging replies vs {b} of the others."
        lines.append(
            "Did acknowledging help? "
            + compare(f.calmed_after_ack_share, f.calmed_after_other_share, says)
        )
    if f.rated:
        rated = "; ".join(
            f"{_KIND_NAMES.get(k, k)} {Share(f.helpful_by_kind[k], n).text()}"
            for k, n in sorted(f.rated_by_kind.items())
        )
        lines.append(f"Rated helpful by kind: {rated}.")
    if f.cues:
        top = ", ".join(f"{name.replace('_', ' ')} ({n})" for name, n in f.cues.most_common(5))
        lines.append(f"Most frequent frustration cues: {top}.")
    lines += survey_lines
    if len(f.detectors) > 1:
        lines.append(
            "The frustration detector changed in this period ("
            + " → ".join(f.detectors)
            + "): figures before and after the change are not comparable."
        )
    if not f.conversations:
        lines.append("Nothing recorded for this scope and period yet.")
    chart, chart_title = _trend(f)
    return Report(
        title=f"Coaching summary: {scope_label(scope)}, "
        + ("all recorded time" if period is Period.ALL else f"last {period.value}"),
        fields=fields,
        lines=tuple(lines),
        chart=chart if len(chart) > 1 else (),
        chart_title=chart_title,
        footer="Definitions: coach docs/surveys-and-summaries.md, section Summaries. "
        "Only you can see this.",
    )


def returning_fields(r: ReturningFigures) -> tuple[tuple[str, str], ...]:
    return (
        ("Repeat contacts", Share(r.repeat, r.contacts).text()),
        (
            "Frustrated: returning / first-time customers",
            compare(
                Share(r.repeat_frustrated, r.repeat),
                Share(r.first_frustrated, r.first),
                "{a} vs {b}",
            ),
        ),
    )


def _per_100(f: Figures) -> str:
    rates = f.per_100()
    if not rates:
        return "–"
    kinds = ", ".join(f"{v:g} {_KIND_NAMES.get(k, k)}" for k, v in rates.items() if k != "all")
    return f"{rates['all']:g}" + (f" ({kinds})" if kinds else "")


def _trend(f: Figures) -> tuple[tuple[tuple[str, float], ...], str]:
    """Episodes per day, or per month when the period spans more than a month of days."""
    days = sorted(f.episodes_by_day.items())
    if len(days) <= 31:
        return tuple((day[5:], float(n)) for day, n in days), "Frustration episodes per day (UTC)"
    months: dict[str, float] = {}
    for day, n in days:
        months[day[:7]] = months.get(day[:7], 0.0) + n
    return tuple(months.items())[-24:], "Frustration episodes per month (UTC)"


def status_report(states: Sequence[ConversationState], now: float, waiting_after: float) -> Report:
    at_risk: list[tuple[float, str]] = []
    for state in states:
        reasons = []
        risk = 0.0
        since = state.waiting_since
        if since is not None and now - since >= waiting_after:
            reasons.append(f"waiting {format_duration(now - since)}")
            risk += (now - since) / waiting_after
        if state.frustration is not None:
            reasons.append("frustrated, not answered yet")
            risk += 2
        if state.escalated_at is not None and now - state.escalated_at < 3600:
            reasons.append("escalation risk")
            risk += 3
        if reasons:
            agents = ", ".join(f"<@{a}>" for a in reversed(state.agents[-2:])) or "no agent yet"
            where = f"<#{state.conversation.channel}> thread {state.conversation.thread}"
            at_risk.append((risk, f"{where}: {'; '.join(reasons)} ({agents})"))
    at_risk.sort(reverse=True)
    lines = tuple(line for _, line in at_risk[:15])
    return Report(
        title=f"Conversations at risk right now: {len(at_risk)}",
        lines=lines or ("No live conversation needs attention.",),
        footer="Only you can see this.",
    )


def inbox_report(nudges: Sequence[Nudge]) -> Report:
    if not nudges:
        return Report(title="Your coaching inbox is empty.", footer="Only you can see this.")
    lines = tuple(
        f"<#{n.conversation.channel}> — {n.headline} Why: {'; '.join(n.reasons)}. Try: “{n.suggestion}”"
        for n in nudges
    )
    return Report(
        title=f"Your last {len(nudges)} kept tips", lines=lines, footer="Only you can see this."
    )


def help_report(is_supervisor: bool, platform: str = "slack") -> Report:
    period = "[24h|7d|30d]" if platform == "slack" else "[period]"
    lines = [
        f"/coach me {period} — your own coaching record",
        "/coach inbox — tips that could not reach you privately",
        "/coach practice [scenario] — rehearse de-escalation with a simulated customer",
        "/coach help — this help",
    ]
    if is_supervisor:
        scope = "[@agent | #channel | thread link]" if platform == "slack" else "[agent] [channel]"
        who = "@customer | ID" if platform == "slack" else "customer: ID or mention"
        lines[:0] = [
            f"/coach summary {scope} {period} — figures for a scope",
            "/coach status — live conversations at risk right now",
            f"/coach customer {who} — one customer's recent history",
            f"/coach forget {who} — erase everything stored about one customer",
            f"/coach highlights {period} — conversations worth sharing with the team",
        ]
    return Report(
        title="coach: private empathy coaching", lines=tuple(lines), footer="Only you can see this."
    )


REFUSAL = Report(
    title="Sorry, that's only available to supervisors.",
    lines=("Try /coach me for your own coaching record.",),
)


def slow_down(seconds: int) -> Report:
    return Report(
        title=f"You're asking a lot at once: try again in {seconds} s.",
        footer="Only you can see this.",
    )
