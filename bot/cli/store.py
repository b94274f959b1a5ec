"""``coach summary``, ``coach forget`` (a conversation, or ``--customer ID``: every
conversation that customer wrote in) and ``coach purge``: the stored records, from the
command line (same figures as ``/coach summary``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console

from adapters.base import Period, Scope, ScopeKind
from adapters.console.render import TerminalView
from bot.reports.charts import save_chart
from bot.reports.summary import compute
from bot.reports.views import summary_report
from bot.service.commands import slice_filter
from bot.store import open_store
from bot.surveys.satisfaction import period_slice
from config import LoadedConfig


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    summary = sub.add_parser("summary", help="coaching figures from the configured store")
    summary.add_argument("--config", help="settings file (its [storage] url is read)")
    target = summary.add_mutually_exclusive_group()
    target.add_argument("--agent", help="an agent's user ID")
    target.add_argument("--channel", help="a channel ID")
    target.add_argument(
        "--conversation", help="a conversation key platform:workspace:channel:thread"
    )
    summary.add_argument("--period", choices=[p.value for p in Period], default="7d")
    summary.add_argument("--platform", choices=["slack", "discord", "console"])
    summary.add_argument("--workspace", help="Slack team ID or Discord guild ID")
    summary.add_argument("--json", action="store_true", help="numbers as one JSON object")
    summary.add_argument(
        "--chart", type=Path, metavar="FILE.png", help="also draw the trend as a PNG file"
    )

    forget = sub.add_parser(
        "forget", help="delete everything stored about one conversation, or one customer"
    )
    which = forget.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "conversation", nargs="?", help="conversation key platform:workspace:channel:thread"
    )
    which.add_argument(
        "--customer", help="a customer's user ID: every conversation they wrote in, anywhere"
    )
    forget.add_argument("--config", help="settings file")

    purge = sub.add_parser("purge", help="delete records older than the retention period")
    purge.add_argument("--config", help="settings file")
    purge.add_argument(
        "--days", type=retention_days, help="override [storage] retention_days (1 or more)"
    )


def retention_days(value: str) -> int:
    """``--days``: a whole number of days, at least 1 (0 would delete everything)."""
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a whole number of days") from None
    if days < 1:
        raise argparse.ArgumentTypeError("must be 1 or more: 0 would delete every record")
    return days


def scope_of(args: argparse.Namespace) -> Scope:
    if args.agent:
        return Scope(ScopeKind.AGENT, args.agent)
    if args.channel:
        return Scope(ScopeKind.CHANNEL, args.channel)
    if args.conversation:
        return Scope(ScopeKind.CONVERSATION, args.conversation)
    return Scope()


async def summary(args: argparse.Namespace, config: LoadedConfig, now: float) -> int:
    store = await open_store(config.storage_url, store_text=config.settings.storage.store_text)
    try:
        period = Period(args.period)
        scope = scope_of(args)
        where = slice_filter(scope, args.platform, args.workspace)
        data = await period_slice(store, now - period.seconds, now + 1, where)
    finally:
        await store.close()
    figures = compute(data, now)
    problem = save_chart(figures, args.chart) if args.chart is not None else ""
    if problem:
        print(f"error: {problem}", file=sys.stderr)
    if args.json:
        out = {"scope": {"kind": scope.kind.value, "id": scope.id}, "period": period.value}
        sys.stdout.write(json.dumps({**out, **figures.as_dict()}, ensure_ascii=False) + "\n")
    else:
        TerminalView(Console(highlight=False)).report(summary_report(figures, scope, period))
    return 1 if problem else 0


async def forget(args: argparse.Namespace, config: LoadedConfig) -> int:
    store = await open_store(config.storage_url)
    try:
        if args.customer is not None:
            removed = await store.forget_customer(args.customer)
        else:
            removed = await store.forget(args.conversation)
    finally:
        await store.close()
    if args.customer is not None:
        what = f"customer {args.customer}"
    else:
        what = f"conversation {args.conversation}"
    print(f"forgot {what}: {removed} records deleted")
    return 0 if removed else 1


async def purge(args: argparse.Namespace, config: LoadedConfig, now: float) -> int:
    days = args.days if args.days is not None else config.settings.storage.retention_days
    store = await open_store(config.storage_url)
    try:
        removed = await store.purge(now - days * 86_400)
    finally:
        await store.close()
    print(f"purged {removed} records older than {days} days")
    return 0
