"""A practice session in the terminal: the briefing, the customer's messages, the live
coach's private tips, your prompt, and the scorecard, in colour where supported.

Reads replies with ``read`` (``input`` on a terminal), so the same session runs from a
pipe as plain text. ``/stop`` (or end of input) ends it early: unresolved. Whatever a
scenario file (or an imported transcript) says is shown with its control characters and
bidi controls as visible escapes (``printable``): it cannot colour, move or retitle the
terminal, nor reorder what is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from adapters.console.render import printable
from coaching.practice.roleplay import (
    Briefing,
    CoachTip,
    CustomerSays,
    Line,
    Note,
    Roleplay,
    is_stop,
)
from coaching.practice.scenario import Outcome, Scenario
from coaching.practice.scorecard import Scorecard

_OUTCOME_STYLE = {Outcome.CALMED: "green", Outcome.UNRESOLVED: "yellow", Outcome.ESCALATED: "red"}
_MARKS = {"What went well": "✓", "What to try": "→"}
Reader = Callable[[str], str]  # prompt -> the line typed (EOFError at the end)


def score_style(score: int) -> str:
    return "green" if score >= 70 else "yellow" if score >= 40 else "red"


class PracticeView:
    def __init__(self, console: Console, tips: bool = True) -> None:
        self.console, self.tips = console, tips

    def show(self, lines: Sequence[Line]) -> None:
        for line in lines:
            if isinstance(line, Briefing):
                self._briefing(line)
            elif isinstance(line, CustomerSays):
                text = Text(f"{printable(line.name)}: ", style="bold yellow")
                text.append(printable(line.text))
                self.console.print(text)
            elif isinstance(line, CoachTip) and self.tips:
                self._tip(line)
            elif isinstance(line, Note):
                self.console.print(Text(printable(line.text), style="dim"))
            elif isinstance(line, Scorecard):
                self.scorecard(line)

    def _briefing(self, line: Briefing) -> None:
        body = Text(printable(line.situation) + "\n\n")
        body.append(
            f"You are the agent. {printable(line.customer)} writes first. Type your reply and press "
            "Enter; /stop ends the practice.",
            style="dim",
        )
        self.console.print(
            Panel(
                body,
                title=Text(f"Practice: {printable(line.title)}"),
                title_align="left",
                border_style="blue",
            )
        )

    def _tip(self, tip: CoachTip) -> None:
        text = Text("  coach › ", style="cyan")
        text.append(printable(tip.headline), style="bold cyan")
        if tip.reasons:
            text.append(f"\n          Why: {printable('; '.join(tip.reasons))}.", style="cyan")
        if tip.suggestion:
            text.append(f"\n          Try: “{printable(tip.suggestion)}”", style="italic cyan")
        self.console.print(text)

    def scorecard(self, card: Scorecard) -> None:
        body = Text()
        body.append(f"Score {card.score}/100", style=f"bold {score_style(card.score)}")
        body.append(f"   outcome: {card.outcome.value}\n", style=_OUTCOME_STYLE[card.outcome])
        for title, items in card.sections():
            body.append(f"\n{title}\n", style="bold")
            for item in items:
                body.append(f" {_MARKS.get(title, '•')} {printable(item)}\n")
        self.console.print(
            Panel(
                body,
                title=Text(f"Scorecard: {printable(card.scenario)}"),
                title_align="left",
                border_style="blue",
            )
        )


def play(scenario: Scenario, roleplay: Roleplay, view: PracticeView, read: Reader) -> Scorecard:
    """A whole session; returns its scorecard."""
    session, lines = roleplay.start(scenario, "you")
    view.show(lines)
    while not session.finished:
        try:
            text = read("you › ").strip()
        except EOFError:
            text = "/stop"
        if not text:
            continue
        if is_stop(text):
            session, lines = roleplay.stop(scenario, session)
        else:
            session, lines = roleplay.reply(scenario, session, text)
        view.show(lines)
    return roleplay.scorecard(scenario, session)


def choose(scenarios: Sequence[Scenario], console: Console, read: Reader) -> Scenario | None:
    """Pick a scenario by number or id; None at end of input."""
    for number, scenario in enumerate(scenarios, 1):
        line = Text(f"{number:>3}. ")
        line.append(printable(scenario.id), style="bold")
        line.append(f"  {printable(scenario.title)}")
        console.print(line)
    by_id = {s.id: s for s in scenarios}
    while True:
        try:
            answer = read("scenario (number or id) › ").strip().lower()
        except EOFError:
            return None
        if answer.isdigit() and 1 <= int(answer) <= len(scenarios):
            return scenarios[int(answer) - 1]
        if answer in by_id:
            return by_id[answer]
        console.print(Text(f"No scenario {answer!r}: type a number from 1 to {len(scenarios)}."))
