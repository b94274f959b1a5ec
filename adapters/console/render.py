"""How a replay looks in a terminal: the conversation, and each private nudge boxed
with who receives it, why, and the suggested wording. Colour only where supported."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from adapters.base import Report, bar_lines
from adapters.console.transcript import Turn
from coaching.text import is_control
from coaching.types import Nudge, NudgeKind

_SHOWN_CHARS = 400
_KIND_STYLE = {
    NudgeKind.FRUSTRATION: ("yellow", "Frustration heads-up"),
    NudgeKind.ACKNOWLEDGE: ("magenta", "Acknowledgement follow-up"),
    NudgeKind.WAITING: ("cyan", "Waiting reminder"),
    NudgeKind.ESCALATION: ("red", "Escalation risk"),
    NudgeKind.HISTORY: ("blue", "Returning customer"),
    NudgeKind.CONFUSION: ("bright_magenta", "Lost in the steps"),
}


def printable(text: str) -> str:
    """``text`` safe for a terminal: control characters (escape sequences, C1 controls,
    carriage returns) and the invisible ones that reorder text (bidi overrides) are shown
    as escapes instead of acting on the terminal. Newlines and tabs stay."""
    return "".join(
        (f"\\u{ord(c):04x}" if ord(c) > 0xFF else f"\\x{ord(c):02x}") if is_control(c) else c
        for c in text
    )


def _clock(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%H:%M")


class TerminalView:
    def __init__(self, console: Console) -> None:
        self.console = console
        self._conversation: str | None = None

    def message(self, turn: Turn, score: tuple[str, float, bool] | None) -> None:
        if turn.conversation != self._conversation:
            self._conversation = turn.conversation
            self.console.rule(f"conversation {escape(printable(turn.conversation))}", style="dim")
        role_style = "bold blue" if turn.role == "customer" else "bold green"
        line = Text(f"{_clock(turn.ts)} ", style="dim")
        line.append(f"{turn.role} {printable(turn.author)}", style=role_style)
        if score is not None:
            kind, value, fired = score
            label = "frustration" if kind == "frustration" else "acknowledgement"
            style = ("bold red" if kind == "frustration" else "bold green") if fired else "dim"
            line.append(f"  [{label} {value:.2f}]", style=style)
        self.console.print(line)
        text = turn.text if len(turn.text) <= _SHOWN_CHARS else turn.text[:_SHOWN_CHARS] + " …"
        shown = printable(text).replace("\n", "\n    ")
        self.console.print(Text("    " + shown), highlight=False)

    def nudge(self, nudge: Nudge) -> None:
        colour, title = _KIND_STYLE[nudge.kind]
        body = Text()
        body.append(printable(nudge.headline) + "\n", style="bold")
        if nudge.reasons:
            body.append("Why: ", style="bold")
            body.append(printable("; ".join(nudge.reasons)) + "\n")
        if nudge.suggestion:
            body.append("Try: ", style="bold")
            body.append(f"“{printable(nudge.suggestion)}”", style="italic")
        if nudge.update:  # what one click would send the customer ([updates] one_click)
            body.append("\nUpdate to send: ", style="bold")
            body.append(f"“{printable(nudge.update)}”", style="italic")
        self.console.print(
            Panel(
                body,
                title=f"🔒 {title} — private to agent {escape(printable(nudge.agent))}",
                title_align="left",
                border_style=colour,
                padding=(0, 1),
            )
        )

    def report(self, report: Report) -> None:
        table = Table(show_header=False, box=None, padding=(0, 2))
        for label, value in report.fields:
            table.add_row(Text(printable(label), style="bold"), Text(printable(value)))
        self.console.print(Text(printable(report.title), style="bold underline"))
        self.console.print(table)
        for line in report.lines:
            self.console.print(Text(printable(line)))
        if report.chart:
            self.console.print(Text(report.chart_title, style="bold"))
            for line in bar_lines(report.chart):
                self.console.print(Text(line))

    def problem(self, text: str) -> None:
        self.console.print(f"[yellow]warning:[/] {escape(printable(text))}")
