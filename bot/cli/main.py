"""The ``coach`` command. Names, options and output formats here are relied on by other
tools: add freely, never rename.

Exit codes: 0 done; 1 nothing useful could be done (no readable input); 2 bad usage or
configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.markup import escape

from bot.service.scoring import ScorerUnavailable
from bot.store import StoreUnavailable, safe_url
from config import ConfigError, LoadedConfig, load
from config.settings import Settings

EXIT_OK, EXIT_NOTHING_DONE, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coach",
        description="Live, private empathy coaching for support agents in Slack and Discord.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo", help="replay a bundled support conversation (no config, no network)"
    )
    demo.add_argument("--json", action="store_true", help="one JSON object per nudge")

    replay = sub.add_parser("replay", help="replay a transcript file and show the nudges")
    replay.add_argument(
        "path", type=Path, help="JSONL turns, IBM customer-care JSON, USS .txt or ABCD JSON"
    )
    replay.add_argument("--json", action="store_true", help="one JSON object per nudge")
    replay.add_argument("--config", type=Path, help="settings file (coaching thresholds, timers)")
    replay.add_argument("--quiet", action="store_true", help="show nudges only, not every message")
    replay.add_argument(
        "--summary", action="store_true", help="print only the supervisor summary of the replay"
    )
    replay.add_argument(
        "--chart", type=Path, metavar="FILE.png", help="with --summary: draw the trend as a PNG"
    )

    analyze = sub.add_parser(
        "analyze",
        help="score JSONL rows (frustration / acknowledgement) and what the coach would do",
    )
    analyze.add_argument("path", nargs="?", default="-", help="JSONL file, or - for standard input")
    analyze.add_argument(
        "--config", type=Path, help="settings file (model, thresholds, timers, cooldowns)"
    )

    check = sub.add_parser("check-config", help="validate a settings file and the environment")
    check.add_argument("--config", type=Path, help="settings file (default: built-in defaults)")

    run = sub.add_parser("run", help="connect to Slack and/or Discord and coach live")
    run.add_argument("--config", type=Path, help="settings file")

    from bot.cli import store as cli_store

    cli_store.add_parsers(sub)

    from bot.practice import cli as practice_cli

    practice_cli.add_parser(sub)

    invite = sub.add_parser(
        "discord-invite", help="print the URL that adds the Discord bot to a server"
    )
    invite.add_argument("--client-id", help="Application ID (default: read from DISCORD_TOKEN)")
    invite.add_argument("--guild", help="preselect this server (guild ID)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        if args.command == "demo":
            return _demo(args, err)
        if args.command == "replay":
            return _replay(args, err)
        if args.command == "analyze":
            return _analyze(args, err)
        if args.command == "check-config":
            return _check_config(args)
        if args.command == "run":
            return _run(args, err)
        if args.command in ("summary", "forget", "purge"):
            return _stored(args)
        if args.command == "discord-invite":
            return _discord_invite(args, err)
        if args.command == "practice":
            from bot.practice import cli as practice_cli

            return practice_cli.run(args, err)
    except ConfigError as exc:
        for problem in exc.problems:
            err.print(f"[red]config error:[/] {escape(problem)}")
        return EXIT_USAGE
    except (StoreUnavailable, ScorerUnavailable) as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        return EXIT_NOTHING_DONE
    except KeyboardInterrupt:
        return 130
    return EXIT_USAGE


def _config(path: Path | None) -> LoadedConfig:
    return load(path)


def _updates(s: Settings) -> str:
    """What ``[updates]`` lets the bot post to customers, in words."""
    kinds = ["one click by the reminder's agent"] if s.updates.one_click else []
    if s.updates.auto_after_minutes > 0:
        kinds.append(f"automatically {s.updates.auto_after_minutes:g} min after a reminder")
    return "on, posted to customers: " + " and ".join(kinds) if kinds else "off"


def _demo(args: argparse.Namespace, err: Console) -> int:
    from bot.cli import replay as cli_replay

    return cli_replay.demo(args.json, load(None), err)


def _replay(args: argparse.Namespace, err: Console) -> int:
    from bot.cli import replay as cli_replay

    config = _config(args.config)
    return cli_replay.replay(
        args.path, config, args.json, args.quiet, args.summary, err, chart=args.chart
    )


def _analyze(args: argparse.Namespace, err: Console) -> int:
    from bot.cli.analyze import AnalyzeStats, analyze_lines, read_lines
    from bot.service.policy import policy_from
    from bot.service.scoring import build_engine

    config = _config(args.config)
    engine = build_engine(policy_from(config.settings), config.settings.coaching.model)
    stats = AnalyzeStats()

    def report(problem: str) -> None:
        err.print(f"[yellow]warning:[/] {escape(problem)}")

    try:
        with contextlib.ExitStack() as stack:
            source: TextIO = sys.stdin
            if args.path != "-":
                source = stack.enter_context(open(args.path, encoding="utf-8", errors="replace"))
            for out in analyze_lines(read_lines(source), engine, stats, report):
                sys.stdout.write(out + "\n")
    except OSError as exc:
        err.print(f"[red]error:[/] {escape(str(args.path))}: {exc.strerror}")
        return EXIT_NOTHING_DONE
    if stats.analysed == 0:
        err.print("[red]error:[/] no row could be analysed")
        return EXIT_NOTHING_DONE
    if stats.stopped:
        err.print("[red]error:[/] the output stops short of the input: split it into parts")
        return EXIT_NOTHING_DONE
    return EXIT_OK


def _stored(args: argparse.Namespace) -> int:
    import time

    from bot.cli import store as cli_store

    config = _config(Path(args.config) if args.config else None)
    if args.command == "summary":
        return asyncio.run(cli_store.summary(args, config, time.time()))
    if args.command == "forget":
        return asyncio.run(cli_store.forget(args, config))
    return asyncio.run(cli_store.purge(args, config, time.time()))


def _check_config(args: argparse.Namespace) -> int:
    from bot.service.policy import policy_from
    from bot.service.scoring import build_scorer
    from bot.service.scoring import describe as describe_scorer

    config = _config(args.config)
    out = Console(highlight=False)
    s = config.settings
    where = str(config.path) if config.path else "built-in defaults"
    out.print(f"[green]configuration OK[/] ({escape(where)})")
    out.print(
        f"  slack:   {'enabled, ' + s.slack.mode + ' mode' if s.slack.enabled else 'disabled'}"
    )
    out.print(f"  discord: {'enabled' if s.discord.enabled else 'disabled'}")
    out.print(f"  model: {describe_scorer(build_scorer(s.coaching.model, policy_from(s)))}")
    out.print(
        f"  storage: {safe_url(config.storage_url)} (message text {'stored, redacted' if s.storage.store_text else 'not stored'}; kept {s.storage.retention_days} days)"
    )
    survey, digest = "off", "off"
    if s.survey.enabled:
        survey = "on: a customer is asked one question when a conversation closes"
        survey += " (and CSAT)" if s.survey.csat else ""
    if s.digest.channel:
        d = s.digest
        digest = f"{d.weekday}s at {d.hour}:00 to {d.platform} channel {d.channel}"
        counted = f"workspace {d.workspace}" if d.workspace else "SLACK_BOT_TOKEN's workspace"
        digest += f", counting only {counted}"
    out.print(f"  survey:  {survey}")
    out.print(f"  updates: {_updates(s)}")
    out.print(f"  digest:  {digest}")
    roles = s.roles
    out.print(
        f"  roles:   {len(roles.agents)} agents, {len(roles.supervisors)} supervisors, "
        f"{len(roles.agent_groups) + len(roles.agent_roles)} agent groups/roles"
    )
    for secret in ("slack_bot_token", "slack_app_token", "slack_signing_secret", "discord_token"):
        state = "set" if getattr(config.secrets, secret) else "not set"
        out.print(f"  {secret.upper()}: {state}")
    for warning in config.warnings:
        out.print(f"[yellow]warning:[/] {escape(warning)}")
    from bot.practice.cli import describe_config

    describe_config(config, out)
    return EXIT_OK


def _run(args: argparse.Namespace, err: Console) -> int:
    from bot.app import run
    from bot.ops import logs
    from config.load import missing_for_run

    config = _config(args.config)
    settings = config.settings
    if not (settings.slack.enabled or settings.discord.enabled):
        err.print(
            "[red]error:[/] nothing to run: add a \\[slack] and/or \\[discord] section to the settings"
        )
        return EXIT_USAGE
    missing = missing_for_run(config)
    for problem in missing:
        err.print(f"[red]error:[/] {escape(problem)}")
    if missing:
        return EXIT_USAGE
    logs.configure(settings.logging.level, settings.logging.format, config.secrets.all_values())
    return asyncio.run(run(config))


def _discord_invite(args: argparse.Namespace, err: Console) -> int:
    from adapters.discord.invite import client_id_from_token, describe
    from config.secrets import Secrets

    token = Secrets.from_environ(os.environ).discord_token
    client_id = args.client_id or (client_id_from_token(token.reveal()) if token else None)
    code, text = describe(client_id, args.guild)
    if code:
        err.print(escape(text))
    else:
        print(text)
    return code


if __name__ == "__main__":
    sys.exit(main())
