"""``coach practice``: rehearse de-escalation with a simulated customer, in the terminal.

Stable (acceptance runs rely on them):
- ``coach practice --list``: one scenario a line, its id first;
- ``coach practice ID --json``: the agent's replies from standard input, one a line; one
  JSON object a line out: ``{"role": "customer", "text": ...}`` per customer message,
  then ``{"scorecard": {"scenario", "score", "outcome", "strengths", "try", "examples"}}``.
  Input that ends before the customer's last word leaves the outcome "unresolved".
Without ``--json`` it is an interactive, coloured session (plain text from a pipe).
Also: ``--check`` (is every scenario a fair exercise?) and ``--import TRANSCRIPT``.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.markup import escape

from adapters.console.render import printable
from bot.practice import check, importer, library, terminal
from bot.service.policy import policy_from
from bot.service.scoring import build_scorer
from coaching.policy import Policy
from coaching.practice.roleplay import CustomerSays, Line, Roleplay
from coaching.practice.scenario import Scenario
from coaching.practice.scorecard import Scorecard
from config import LoadedConfig, load

EXIT_OK, EXIT_NOTHING_DONE, EXIT_USAGE = 0, 1, 2


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    practice = sub.add_parser(
        "practice", help="rehearse de-escalation with a simulated customer, scored by the engine"
    )
    practice.add_argument("scenario", nargs="?", help="a scenario id (see --list)")
    practice.add_argument("--list", action="store_true", help="one scenario a line, id first")
    practice.add_argument(
        "--json",
        action="store_true",
        help="read replies from standard input, one a line; print JSON lines",
    )
    practice.add_argument("--no-tips", action="store_true", help="hide the live coach's tips")
    practice.add_argument(
        "--check",
        action="store_true",
        help="play every scenario with its example and with dismissive replies; show the scores",
    )
    practice.add_argument(
        "--import",
        dest="transcript",
        type=Path,
        metavar="TRANSCRIPT",
        help="draft a scenario from a past conversation (redacted)",
    )
    practice.add_argument("--conversation", help="with --import: which conversation in the file")
    practice.add_argument("--out", type=Path, help="with --import: write the draft to this file")
    practice.add_argument("--config", type=Path, help="settings ([practice], [coaching])")


def run(args: argparse.Namespace, err: Console) -> int:
    config = load(args.config)
    policy = policy_from(config.settings)
    if args.transcript is not None:
        return _import(args, policy, err, config.settings.coaching.model)
    scenarios = library.load(library.scenarios_dir(config))
    for problem in scenarios.problems:
        err.print(f"[yellow]warning:[/] {escape(printable(problem))}")
    if args.list:
        for each in scenarios:
            print(printable(f"{each.id:<22} {each.title}"))
        return EXIT_OK if len(scenarios) else EXIT_NOTHING_DONE
    if args.check:
        return _check(
            list(scenarios), policy, bool(scenarios.problems), config.settings.coaching.model
        )
    roleplay = Roleplay(policy, build_scorer(config.settings.coaching.model, policy))
    if args.scenario is None:
        if args.json or not sys.stdin.isatty():
            err.print(
                "[red]error:[/] name a scenario: coach practice ID (see coach practice --list)"
            )
            return EXIT_USAGE
        console = Console(highlight=False)
        chosen = terminal.choose(list(scenarios), console, console.input)
        if chosen is None:
            return EXIT_NOTHING_DONE
        return _interactive(chosen, roleplay, console, not args.no_tips)
    scenario = scenarios.get(args.scenario)
    if scenario is None:
        close = difflib.get_close_matches(args.scenario, list(scenarios.scenarios), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else " (see coach practice --list)"
        err.print(f"[red]error:[/] no scenario {escape(repr(args.scenario))}{escape(hint)}")
        return EXIT_USAGE
    if args.json:
        play_json(scenario, roleplay, sys.stdin, sys.stdout)
        return EXIT_OK
    console = Console(highlight=False)
    return _interactive(scenario, roleplay, console, not args.no_tips)


def describe_config(config: LoadedConfig, out: Console) -> None:
    """``coach check-config``'s practice lines: the library and any scenario problem."""
    settings = config.settings.practice
    scenarios = library.load(library.scenarios_dir(config))
    shared = "aggregates shared with supervisors" if settings.share_with_supervisors else "private"
    state = "on" if settings.enabled else "off in chat"
    out.print(f"  practice: {state}, {len(scenarios)} scenarios, results {shared}")
    for problem in scenarios.problems:
        out.print(f"[yellow]warning:[/] {escape(printable(problem))}")


def play_json(scenario: Scenario, roleplay: Roleplay, replies: TextIO, out: TextIO) -> Scorecard:
    """The stable JSON session: every line of ``replies`` is the agent's next reply."""

    def emit(lines: Sequence[Line]) -> None:
        for line in lines:
            if isinstance(line, CustomerSays):
                out.write(json.dumps({"role": "customer", "text": line.text}) + "\n")
            elif isinstance(line, Scorecard):
                out.write(json.dumps({"scorecard": line.to_json()}) + "\n")
        out.flush()  # a driver may wait for the customer before writing the next reply

    session, lines = roleplay.start(scenario, "you")
    emit(lines)
    for raw in replies:
        if session.finished:
            break
        text = raw.strip()
        if text:
            session, lines = roleplay.reply(scenario, session, text)
            emit(lines)
    if not session.finished:
        session, lines = roleplay.stop(scenario, session)
        emit(lines)
    return roleplay.scorecard(scenario, session)


def _interactive(scenario: Scenario, roleplay: Roleplay, console: Console, tips: bool) -> int:
    read: Callable[[str], str] = console.input if sys.stdin.isatty() else _plain_reader(console)
    terminal.play(scenario, roleplay, terminal.PracticeView(console, tips), read)
    return EXIT_OK


def _plain_reader(console: Console) -> Callable[[str], str]:
    """Replies from a pipe, echoed so the transcript reads like the conversation."""

    def read(prompt: str) -> str:
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        console.print(printable(f"{prompt}{line.rstrip()}"), markup=False)
        return line

    return read


def _check(scenarios: list[Scenario], policy: Policy, had_problems: bool, model: str) -> int:
    out = Console(highlight=False)
    rows = check.check(scenarios, policy, model)
    out.print(f"{'scenario':<22} {'empathetic':<16} {'dismissive':<16} gap", markup=False)
    for row in rows:
        e, d = row.empathetic, row.dismissive
        mark = "ok" if row.ok else "NOT OK"
        out.print(
            printable(
                f"{row.scenario:<22} {e.score:>3} {e.outcome.value:<12} {d.score:>3} "
                f"{d.outcome.value:<12} {row.gap:>+4}  {mark}"
            ),
            markup=False,
        )
        for problem in row.problems:
            out.print(printable(f"    {problem}"), markup=False)
    failing = [r.scenario for r in rows if not r.ok]
    if failing:
        out.print(
            f"{len(failing)} scenario(s) not usable: examples must calm the customer, dismissive "
            f"replies escalate, and the examples score at least {check.MIN_GAP} points higher.",
            markup=False,
        )
    return EXIT_NOTHING_DONE if failing or had_problems or not rows else EXIT_OK


def _import(args: argparse.Namespace, policy: Policy, err: Console, model: str) -> int:
    from adapters.console.transcript import TranscriptError
    from adapters.console.transcript import load as load_transcript

    try:
        transcript = load_transcript(args.transcript)
    except TranscriptError as exc:
        err.print(f"[red]error:[/] {escape(printable(str(exc)))}")
        return EXIT_NOTHING_DONE
    for problem in transcript.problems:
        err.print(f"[yellow]warning:[/] {escape(printable(problem))}")
    found = importer.conversations(transcript.turns)
    if args.conversation is not None and args.conversation not in found:
        err.print(f"[red]error:[/] no conversation {escape(repr(args.conversation))} in the file")
        return EXIT_USAGE
    chosen = args.conversation or importer.most_frustrated(found, policy, model)
    if chosen is None:
        err.print("[red]error:[/] the file has no conversation with a customer message")
        return EXIT_NOTHING_DONE
    try:
        result = importer.draft(found[chosen], args.transcript.stem, policy, model)
    except ValueError as exc:
        err.print(f"[red]error:[/] conversation {escape(repr(chosen))}: {escape(str(exc))}")
        return EXIT_NOTHING_DONE
    if args.out is None:
        sys.stdout.write(result.toml)
    else:
        try:
            importer.write(args.out, result.toml)
        except FileExistsError:
            err.print(f"[red]error:[/] {escape(str(args.out))} exists; not overwritten")
            return EXIT_USAGE
        except OSError as exc:
            err.print(f"[red]error:[/] {escape(str(args.out))}: {exc.strerror}")
            return EXIT_NOTHING_DONE
    err.print(
        f"Drafted {result.steps} customer message(s) from conversation "
        f"{result.conversation}. Edit the situation and examples, put the file in "
        "[practice] scenarios_dir, then run coach practice --check.",
        markup=False,
    )
    return EXIT_OK
