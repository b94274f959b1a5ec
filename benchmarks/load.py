"""Load benchmark: throughput counted in work done, `coach run` against a bare Slack app.

    python -m benchmarks.load [--eval-dir ../shared/eval] [--burst 12000] [--senders 64]
                              [--rate 500 --duration 30]
                              [--latency-rate 100 --latency-duration 60]
                              [--targets bare,sqlite,postgres]
                              [--postgres-url URL | --no-postgres]

Starts a loopback Slack Web API fake in this process and, one after the other, three
apps as child processes in Slack's HTTP mode: a bare slack-bolt app that only
acknowledges each message and calls ``chat.postEphemeral`` (benchmarks/bare_bolt.py),
then `coach run` on SQLite, then `coach run` on PostgreSQL. Each gets the same phases,
with signed Events API requests built from the IBM customer-care and USS transcripts
(each conversation in order, many conversations at once):

- burst: ``--burst`` events (three per conversation) from ``--senders`` concurrent
  senders, as fast as they are answered. Acknowledged/s counts until the last 200;
  processed/s until every event is processed and every nudge it causes has reached
  Slack (for the bare app: every ``chat.postEphemeral`` call). Peak RSS of the app.
- sustained: ``--rate`` events/s for ``--duration`` s; the same two rates.
- latency: ``--latency-rate`` events/s; send -> nudge received by Slack, p50 / p99.

It checks that every nudge the engine predicts offline for the same events arrived
exactly once, and that no event was refused. Targets (2-core machine, this load
generator and the fake on the same cores): processed >= 1,000 events/s and >= 0.5x the
bare app in the burst; event -> nudge p99 <= 50 ms at 100 events/s.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from benchmarks import traffic
from benchmarks.load_driver import Driver, Phase, latencies, percentile, tips
from bot.store.sql import SqlStore
from tests.fakes.process import CoachProcess
from tests.fakes.slack import FakeSlack
from training.datasets import DEFAULT_EVAL

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


class BareBolt(CoachProcess):
    """benchmarks/bare_bolt.py as a child process, driven like `coach run`."""

    def __init__(self, fake: FakeSlack, folder: Path) -> None:
        super().__init__(fake, folder, [])
        self.api_url = fake.api_url
        self.ops_url = self.url  # its /healthz is on its one port

    def command(self) -> list[str]:
        script = Path(__file__).with_name("bare_bolt.py")
        return [sys.executable, str(script), "--port", str(self.port), "--api-url", self.api_url]


@dataclass
class Result:
    name: str
    burst: Phase = field(default_factory=Phase)
    sustained: Phase = field(default_factory=Phase)
    latency_ms: list[float] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    expected: int = 0
    missing: int = 0
    doubled: int = 0


async def run_target(
    name: str,
    make: Callable[[FakeSlack, Path], CoachProcess],
    is_coach: bool,
    args: argparse.Namespace,
    pool: list[list[traffic.Turn]],
    people: traffic.People,
    start: int,
) -> Result:
    result = Result(name)
    key = b""
    with_three = [t for t in pool if len(t) >= 3]
    burst_convs = traffic.conversations(with_three, args.burst // 3, people, start=start)
    for conv in burst_convs:
        conv.turns = conv.turns[:3]
    mean_turns = statistics.mean(len(t) for t in pool)
    n_sustained = int(args.rate * args.duration / mean_turns * 1.3) + 10
    n_latency = int(args.latency_rate * args.latency_duration / mean_turns * 1.3) + 10
    offset = start + len(burst_convs)
    sustained_convs = traffic.conversations(pool, n_sustained, people, start=offset)
    latency_convs = traffic.conversations(pool, n_latency, people, start=offset + n_sustained)
    fake = FakeSlack()
    await fake.start()
    folder = Path(tempfile.mkdtemp(prefix="coach-load-"))
    app = make(fake, folder)
    app.start()
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=500)) as session:
            await app.ready(session)
            driver = Driver(app, fake, session, people, is_coach)
            print(
                f"{name}: burst of {sum(len(c.turns) for c in burst_convs)} events ...", flush=True
            )
            result.burst = await driver.burst(burst_convs, args.senders)
            result.peak_rss_mb = app.rss_kb("VmHWM") / 1024
            print(f"{name}: sustained {args.rate:.0f}/s for {args.duration:.0f} s ...", flush=True)
            result.sustained = await driver.paced(sustained_convs, args.rate, args.duration)
            before = len(tips(fake))
            print(f"{name}: latency at {args.latency_rate:.0f}/s ...", flush=True)
            await driver.paced(latency_convs, args.latency_rate, args.latency_duration)
            key = await installation_key(app) if is_coach else b""
            result.latency_ms = latencies(fake, latency_convs, people, before, is_coach, key)
            driver.wire.close()
    finally:
        await app.stop()
        await fake.stop()
        shutil.rmtree(folder, ignore_errors=True)
    if is_coach:
        expected = traffic.expected_nudges(
            burst_convs + sustained_convs + latency_convs, set(people.agents), key
        )
        received = Counter(nid for nid, _ in tips(fake))
        result.expected = len(expected)
        result.missing = sum(1 for nid in expected if received[nid] == 0)
        result.doubled = sum(1 for n in received.values() if n > 1)
    return result


async def installation_key(app: CoachProcess) -> bytes:
    """The key the bot makes its nudge ids with (kept in its store)."""
    store = await SqlStore.open(app.storage_url)
    try:
        return await store.installation_key()
    finally:
        await store.close()


async def postgres_schema(url: str) -> tuple[str, Callable[[], Awaitable[None]]]:
    """A fresh schema for the benchmark (dropped afterwards): its URL and the dropper."""
    schema = f"coach_load_{uuid.uuid4().hex[:8]}"
    engine_url = url.replace("postgresql://", "postgresql+asyncpg://", 1)
    engine = create_async_engine(engine_url, poolclass=NullPool)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    async def drop() -> None:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await engine.dispose()

    separator = "&" if "?" in url else "?"
    return f"{url}{separator}search_path={schema}", drop


async def run(args: argparse.Namespace) -> int:
    pool = traffic.transcripts(args.eval_dir)
    people = traffic.People()
    for turns in pool:
        for t in turns:
            people.id_of(t.role, t.author)
    print(f"transcript conversations: {len(pool)}; agents: {len(people.agents)}")
    results: list[Result] = []
    targets: list[tuple[str, Callable[[FakeSlack, Path], CoachProcess], bool]] = []
    if "bare" in args.targets:
        targets.append(("bare slack-bolt", BareBolt, False))
    if "sqlite" in args.targets:
        targets.append(("coach, SQLite", lambda f, d: CoachProcess(f, d, people.agents), True))
    drop: Callable[[], Awaitable[None]] | None = None
    if args.postgres_url and "postgres" in args.targets:
        pg_url, drop = await postgres_schema(args.postgres_url)
        targets.append(
            (
                "coach, PostgreSQL",
                lambda f, d: CoachProcess(f, d, people.agents, storage_url=pg_url),
                True,
            )
        )
    try:
        for n, (name, make, is_coach) in enumerate(targets):
            results.append(await run_target(name, make, is_coach, args, pool, people, n * 100_000))
    finally:
        if drop is not None:
            await drop()
    return report(results, args)


def report(results: list[Result], args: argparse.Namespace) -> int:
    bare = next((r for r in results if r.name.startswith("bare")), Result("none"))
    print()
    print(
        f"{'':<20} {'burst acked/s':>13} {'processed/s':>11} {'peak RSS':>9} "
        f"{'sustained acked/s':>17} {'processed/s':>11} {'ack p99':>8} "
        f"{'p50/p99 ms @' + format(args.latency_rate, '.0f') + '/s':>17} {'refused':>7}"
    )
    for r in results:
        b, s = r.burst, r.sustained
        print(
            f"{r.name:<20} {b.acked_rate:>13.0f} {b.processed_rate:>11.0f} {r.peak_rss_mb:>7.0f}MB "
            f"{s.acked_rate:>17.0f} {s.processed_rate:>11.0f} {percentile(s.ack_ms, 99):>6.0f}ms "
            f"{percentile(r.latency_ms, 50):>8.1f}/{percentile(r.latency_ms, 99):<8.1f} "
            f"{b.refused + s.refused:>7}"
        )
    print()
    for r in results:
        if r is bare:
            continue
        checks = [
            (
                "burst processed/s >= 1000 and >= 0.5x bare",
                f"{r.burst.processed_rate:.0f}/s = {r.burst.processed_rate / bare.burst.processed_rate:.2f}x",
                r.burst.processed_rate >= 1000
                and r.burst.processed_rate >= 0.5 * bare.burst.processed_rate,
            ),
            (
                f"event->nudge p99 <= 50 ms at {args.latency_rate:.0f}/s",
                f"{percentile(r.latency_ms, 99):.1f} ms ({len(r.latency_ms)} nudges)",
                percentile(r.latency_ms, 99) <= 50,
            ),
            (
                "expected nudges received exactly once",
                f"{r.expected - r.missing} of {r.expected}; {r.doubled} doubled",
                r.missing == 0 and r.doubled == 0,
            ),
            (
                "events refused",
                f"{r.burst.refused + r.sustained.refused}",
                not r.burst.refused + r.sustained.refused,
            ),
        ]
        for what, value, ok in checks:
            print(f"{r.name:<20} {what:<45} {value:<32} {'PASS' if ok else 'FAIL'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--burst", type=int, default=12_000)
    parser.add_argument("--senders", type=int, default=64)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--latency-rate", type=float, default=100)
    parser.add_argument("--latency-duration", type=float, default=60)
    parser.add_argument("--postgres-url", default=DEFAULT_PG)
    parser.add_argument("--no-postgres", dest="postgres_url", action="store_const", const="")
    parser.add_argument(
        "--targets", default="bare,sqlite,postgres", help="which apps to run (comma-separated)"
    )
    args = parser.parse_args(argv)
    if not (args.eval_dir / "transcripts").is_dir():
        print(f"no transcripts at {args.eval_dir}/transcripts (pass --eval-dir)", file=sys.stderr)
        return 2
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
