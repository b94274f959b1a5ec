"""Load benchmark: throughput counted in work done, `coach run` with its model against a
bare Slack app, in interleaved pairs.

    python -m benchmarks.load [--model contextual|lexicon] [--pairs 2]
                              [--eval-dir ../shared/eval] [--burst 12000] [--senders 64]
                              [--rate 500 --duration 30]
                              [--latency-rate 100 --latency-duration 60]
                              [--targets bare,sqlite[,postgres]] [--postgres-url URL]

Starts a loopback Slack Web API fake in this process and, one after the other, apps as
child processes in Slack's HTTP mode, in ``--pairs`` interleaved rounds (bare, coach,
bare, coach, ...: a shared machine's slow minutes fall on both alike): a bare slack-bolt
app that only acknowledges each message and calls ``chat.postEphemeral``
(benchmarks/bare_bolt.py), then `coach run` on SQLite (and on PostgreSQL with
``--targets ...,postgres``) with ``[coaching] model = --model``, started through
benchmarks/coach_counted.py, which counts and times every scorer call in its /metrics.
Each gets the same phases, with signed Events API requests built from the IBM
customer-care and USS transcripts (each conversation in order, many conversations at
once), every message text unique in the run (benchmarks/traffic.py, ``Texts``: no
score cache could help, and the runtime has none):

- burst: ``--burst`` events (three per conversation) from ``--senders`` concurrent
  senders, as fast as they are answered. Acknowledged/s counts until the last 200;
  processed/s until every event is processed and every nudge it causes has reached
  Slack (for the bare app: every ``chat.postEphemeral`` call). Peak RSS of the app.
- sustained: ``--rate`` events/s for ``--duration`` s; the same two rates.
- latency: ``--latency-rate`` events/s; send -> nudge received by Slack, p50 / p99.

For the coach it reports the scorer's calls per phase (count, calls per message event,
mean ms per call; the contextual model's own runs and their mean ms), and checks that
every nudge the engine predicts offline for the same events (scored the same way: the
model, each customer message with the agent message before it) arrived exactly once, and
that no event was refused or failed. Targets (2-core machine, this load generator and
the fake on the same cores), burst processed/s against the bare app of the same pair
(median over the pairs), event -> nudge p99 at 100 events/s in every run:
contextual >= 0.12x and p99 <= 100 ms; lexicon >= 1,000 events/s and >= 0.5x and
p99 <= 50 ms; nothing lost with either.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
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

from adapters.console.transcript import Turn
from benchmarks import traffic
from benchmarks.load_driver import Driver, Phase, latencies, percentile, tips
from bot.service.scoring import DEFAULT_MODEL, build_scorer, describe
from bot.store.sql import SqlStore
from config.settings import RuntimeSettings
from tests.fakes.process import SECRET, CoachProcess
from tests.fakes.slack import FakeSlack
from training.datasets import DEFAULT_EVAL

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
# model -> (burst processed/s at least this share of the bare app's, at least this many
# events/s, event -> nudge p99 at most this many ms at --latency-rate)
TARGETS = {"contextual": (0.12, 0.0, 100.0), "lexicon": (0.5, 1000.0, 50.0)}


class BareBolt(CoachProcess):
    """benchmarks/bare_bolt.py as a child process, driven like `coach run`."""

    def __init__(self, fake: FakeSlack, folder: Path) -> None:
        super().__init__(fake, folder, [])
        self.api_url = fake.api_url
        self.ops_url = self.url  # its /healthz is on its one port

    def command(self) -> list[str]:
        script = Path(__file__).with_name("bare_bolt.py")
        return [sys.executable, str(script), "--port", str(self.port), "--api-url", self.api_url]


class CountedCoach(CoachProcess):
    """`coach run` with ``[coaching] model`` set, its scoring counted in its /metrics
    (benchmarks/coach_counted.py), and the inbox lease ``[runtime] lease_seconds`` of a
    deployment (the fault tests' 2 s would run out under a model's 200-event batch, and
    another worker would score the batch again)."""

    def __init__(
        self,
        fake: FakeSlack,
        folder: Path,
        agents: list[str],
        model: str,
        lease_seconds: float,
        storage_url: str = "",
    ) -> None:
        extra = f'[coaching]\nmodel = "{model}"\n'
        super().__init__(fake, folder, agents, extra=extra, storage_url=storage_url)
        self.lease_seconds = lease_seconds

    def command(self) -> list[str]:
        script = Path(__file__).with_name("coach_counted.py")
        return [sys.executable, str(script), "run", "--config", str(self.config)]

    def start(self) -> None:
        # the settings file says 2 s (tests/fakes/process.py); an environment key overrides it
        lease = {"COACH_RUNTIME__LEASE_SECONDS": str(self.lease_seconds)}
        env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET}
        with (self.folder / "coach.log").open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), env=env | lease, cwd=self.folder, stderr=log
            )
        CoachProcess.alive.add(self.process)


@dataclass
class Result:
    name: str
    pair: int
    is_coach: bool
    burst: Phase = field(default_factory=Phase)
    sustained: Phase = field(default_factory=Phase)
    latency: Phase = field(default_factory=Phase)
    latency_ms: list[float] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    burst_cpu_ms: float = 0.0  # the app's CPU time (user and system) per burst event
    texts: int = 0
    unique_texts: int = 0
    expected: int = 0
    missing: int = 0
    doubled: int = 0

    @property
    def refused(self) -> int:
        return self.burst.refused + self.sustained.refused + self.latency.refused

    @property
    def phases(self) -> list[tuple[str, Phase]]:
        return [("burst", self.burst), ("sustained", self.sustained), ("latency", self.latency)]

    def total(self, counter: str) -> float:
        return sum(p.bench.get(counter, 0.0) for _, p in self.phases)


async def run_target(
    name: str,
    make: Callable[[FakeSlack, Path], CoachProcess],
    is_coach: bool,
    args: argparse.Namespace,
    pool: list[list[Turn]],
    people: traffic.People,
    start: int,
    pair: int,
) -> Result:
    result = Result(name, pair, is_coach)
    key = b""
    texts = traffic.Texts()  # the same texts for every app: each gets the same traffic
    with_three = [t for t in pool if len(t) >= 3]
    burst_convs = traffic.conversations(
        with_three, args.burst // 3, people, texts, start=start, max_turns=3
    )
    mean_turns = statistics.mean(len(t) for t in pool)
    n_sustained = int(args.rate * args.duration / mean_turns * 1.3) + 10
    n_latency = int(args.latency_rate * args.latency_duration / mean_turns * 1.3) + 10
    offset = start + len(burst_convs)
    sustained_convs = traffic.conversations(pool, n_sustained, people, texts, start=offset)
    latency_convs = traffic.conversations(
        pool, n_latency, people, texts, start=offset + n_sustained
    )
    everything = burst_convs + sustained_convs + latency_convs
    sent_texts = [t for conv in everything for t in conv.texts]
    result.texts, result.unique_texts = len(sent_texts), len(set(sent_texts))
    fake = FakeSlack()
    await fake.start()
    folder = Path(tempfile.mkdtemp(prefix="coach-load-"))
    app = make(fake, folder)
    app.start()
    before = 0
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=500)) as session:
            await app.ready(session, within=120)
            driver = Driver(app, fake, session, people, is_coach)
            print(
                f"[{pair + 1}] {name}: burst of {sum(len(c.turns) for c in burst_convs)} events ...",
                flush=True,
            )
            cpu_before = app.cpu_seconds()
            result.burst = await driver.burst(burst_convs, args.senders)
            result.burst_cpu_ms = (app.cpu_seconds() - cpu_before) * 1000 / result.burst.events
            result.peak_rss_mb = app.rss_kb("VmHWM") / 1024
            print(
                f"[{pair + 1}] {name}: sustained {args.rate:.0f}/s for {args.duration:.0f} s ...",
                flush=True,
            )
            result.sustained = await driver.paced(sustained_convs, args.rate, args.duration)
            before = len(tips(fake))
            print(f"[{pair + 1}] {name}: latency at {args.latency_rate:.0f}/s ...", flush=True)
            result.latency = await driver.paced(
                latency_convs, args.latency_rate, args.latency_duration
            )
            key = await installation_key(app) if is_coach else b""
            driver.wire.close()
    finally:
        await app.stop()
        await fake.stop()
        shutil.rmtree(folder, ignore_errors=True)
    if not is_coach:
        result.latency_ms = latencies(fake, latency_convs, before, None)
        return result
    print(f"[{pair + 1}] {name}: the nudges expected, scored offline ...", flush=True)
    expected = traffic.expected_nudges(everything, set(people.agents), key, args.model)
    result.latency_ms = latencies(fake, latency_convs, before, expected)
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
    print(
        f"model: {describe(build_scorer(args.model))}; pairs: {args.pairs}; "
        f"inbox lease: {args.lease_seconds:g} s"
    )
    targets: list[tuple[str, Callable[[FakeSlack, Path], CoachProcess], bool]] = []
    if "bare" in args.targets:
        targets.append(("bare slack-bolt", BareBolt, False))
    if "sqlite" in args.targets:
        targets.append(
            (
                f"coach, SQLite, {args.model}",
                lambda f, d: CountedCoach(f, d, people.agents, args.model, args.lease_seconds),
                True,
            )
        )
    drops: list[Callable[[], Awaitable[None]]] = []
    if args.postgres_url and "postgres" in args.targets:

        def on_postgres(f: FakeSlack, d: Path) -> CoachProcess:
            return CountedCoach(
                f, d, people.agents, args.model, args.lease_seconds, storage_url=pg_urls[-1]
            )

        targets.append((f"coach, PostgreSQL, {args.model}", on_postgres, True))
    pg_urls: list[str] = []
    results: list[Result] = []
    try:
        n = 0
        for pair in range(args.pairs):
            for name, make, is_coach in targets:
                if "PostgreSQL" in name:  # a fresh schema for each run
                    url, drop = await postgres_schema(args.postgres_url)
                    pg_urls.append(url)
                    drops.append(drop)
                results.append(
                    await run_target(name, make, is_coach, args, pool, people, n * 100_000, pair)
                )
                n += 1
    finally:
        for drop in drops:
            await drop()
    return report(results, args)


def _ratio(r: Result, results: list[Result]) -> float:
    """Burst processed/s against the bare app of the same pair."""
    bare = next((b for b in results if b.pair == r.pair and not b.is_coach), None)
    if bare is None or not bare.burst.processed_rate:
        return float("nan")
    return r.burst.processed_rate / bare.burst.processed_rate


def _mean_ms(phase: Phase, name: str) -> str:
    calls = phase.bench.get(f"coach_bench_{name}_total", 0.0)
    seconds = phase.bench.get(f"coach_bench_{name}_seconds_total", 0.0)
    return f"{calls:>7.0f} {1000 * seconds / calls if calls else float('nan'):>7.2f}"


def report(results: list[Result], args: argparse.Namespace) -> int:
    print()
    print(
        f"{'':<3} {'':<30} {'burst acked/s':>13} {'processed/s':>11} {'x bare':>6} "
        f"{'peak RSS':>9} {'sustained acked/s':>17} {'processed/s':>11} {'ack p99':>8} "
        f"{'p50/p99 ms @' + format(args.latency_rate, '.0f') + '/s':>17} {'refused':>7} "
        f"{'burst CPU ms/event':>18}"
    )
    for r in results:
        b, s = r.burst, r.sustained
        vs_bare = f"{_ratio(r, results):>6.2f}" if r.is_coach else f"{'1':>6}"
        print(
            f"{r.pair + 1:<3} {r.name:<30} {b.acked_rate:>13.0f} {b.processed_rate:>11.0f} {vs_bare} "
            f"{r.peak_rss_mb:>7.0f}MB {s.acked_rate:>17.0f} {s.processed_rate:>11.0f} "
            f"{percentile(s.ack_ms, 99):>6.0f}ms "
            f"{percentile(r.latency_ms, 50):>8.1f}/{percentile(r.latency_ms, 99):<8.1f} "
            f"{r.refused:>7} {r.burst_cpu_ms:>18.3f}"
        )
    coach_runs = [r for r in results if r.is_coach]
    if coach_runs:
        print()
        print(
            "scoring in the coach (benchmarks/coach_counted.py): calls and mean ms per call; "
            "scorer calls per message event (1.00: each message scored once, nothing cached)"
        )
        print(
            f"{'':<3} {'':<30} {'phase':<9} {'events':>7} {'dup.':>5} {'customer calls':>15} "
            f"{'agent calls':>15} {'calls/event':>11} {'model runs':>15} {'runs/cust.':>10} "
            f"{'context notes':>15} {'batches':>15} {'msgs/batch':>10} {'scoring busy':>12}"
        )
        for r in coach_runs:
            for label, p in r.phases:
                events = p.bench.get("coach_events_total", 0.0)
                duplicates = p.bench.get("coach_duplicate_events_total", 0.0)
                customer = p.bench.get("coach_bench_frustration_total", 0.0)
                calls = customer + p.bench.get("coach_bench_acknowledgement_total", 0.0)
                model_runs = p.bench.get("coach_bench_model_runs_total", 0.0)
                busy = p.bench.get("coach_bench_batches_seconds_total", 0.0)
                batches = p.bench.get("coach_bench_batches_total", 0.0)
                print(
                    f"{r.pair + 1:<3} {r.name:<30} {label:<9} {events:>7.0f} {duplicates:>5.0f} "
                    f"{_mean_ms(p, 'frustration')} {_mean_ms(p, 'acknowledgement')} "
                    f"{calls / events if events else float('nan'):>11.2f} "
                    f"{_mean_ms(p, 'model_runs')} "
                    f"{model_runs / customer if customer else float('nan'):>10.2f} "
                    f"{_mean_ms(p, 'context_notes')} {_mean_ms(p, 'batches')} "
                    f"{calls / batches if batches else float('nan'):>10.1f} "
                    f"{busy / p.done_at if p.done_at else float('nan'):>11.0%}"
                )
        print(
            "(dup.: events found already processed, after a lease ran out; customer calls: the "
            "scorer on customer messages, model runs included; model runs: onnxruntime, per "
            "customer message; batches: BatchScorer.assess, a batch's messages scored one after "
            "the other before its transaction (timer batches included); scoring busy: its time "
            "over the phase's time to processed, summed over workers)"
        )
    print()
    min_ratio, min_rate, max_p99 = TARGETS[args.model]
    for name in dict.fromkeys(r.name for r in coach_runs):
        runs = [r for r in coach_runs if r.name == name]
        ratios = [_ratio(r, results) for r in runs]
        ratio = statistics.median(ratios)
        rates = [r.burst.processed_rate for r in runs]
        bare_rates = [r.burst.processed_rate for r in results if not r.is_coach]
        p99s = [percentile(r.latency_ms, 99) for r in runs]
        events = sum(r.total("coach_events_total") for r in runs)
        calls = sum(
            r.total("coach_bench_frustration_total") + r.total("coach_bench_acknowledgement_total")
            for r in runs
        )
        errors = sum(r.total("coach_event_errors_total") for r in runs)
        checks = [
            (
                f"burst processed >= {min_ratio}x bare",
                f"{_list(ratios, 'x')} (median {ratio:.2f}x)",
                ratio >= min_ratio,
            ),
        ]
        if min_rate:  # a rate of its own: it holds only when the machine is quiet
            checks.append(
                (
                    f"burst processed >= {min_rate:.0f}/s",
                    f"{_list(rates, '/s', 0)} (bare app: {_list(bare_rates, '/s', 0)})",
                    statistics.median(rates) >= min_rate,
                )
            )
        checks += [
            (
                f"event->nudge p99 <= {max_p99:.0f} ms at {args.latency_rate:.0f}/s",
                f"{_list(p99s, ' ms', 1)} ({sum(len(r.latency_ms) for r in runs)} nudges)",
                all(p <= max_p99 for p in p99s),
            ),
            (
                "expected nudges received exactly once",
                f"{sum(r.expected - r.missing for r in runs)} of {sum(r.expected for r in runs)}; "
                f"{sum(r.doubled for r in runs)} doubled",
                all(r.missing == 0 and r.doubled == 0 for r in runs),
            ),
            (
                "events refused / failed",
                f"{sum(r.refused for r in runs)} / {errors:.0f}",
                not sum(r.refused for r in runs) and not errors,
            ),
            (
                "message texts unique",
                f"{sum(r.unique_texts for r in runs)} of {sum(r.texts for r in runs)}",
                all(r.unique_texts == r.texts for r in runs),
            ),
            (
                "scorer calls per message event",
                f"{calls / events if events else float('nan'):.2f} ({calls:.0f} calls)",
                events > 0 and calls == events,
            ),
        ]
        for what, value, ok in checks:
            print(f"{name:<30} {what:<45} {value:<48} {'PASS' if ok else 'FAIL'}")
        # CPU per event is steadier than a rate on a shared machine: a change's own cost
        cpu = [_cpu_ratio(r, results) for r in runs]
        print(
            f"{name:<30} {'burst CPU per event, bare over coach':<45} "
            f"{_list(cpu, 'x')} (median {statistics.median(cpu):.2f}x)"
        )
    return 0


def _cpu_ratio(r: Result, results: list[Result]) -> float:
    """The bare app's burst CPU per event over the coach's, in the same pair."""
    bare = next((b for b in results if b.pair == r.pair and not b.is_coach), None)
    if bare is None or not r.burst_cpu_ms:
        return float("nan")
    return bare.burst_cpu_ms / r.burst_cpu_ms


def _list(values: list[float], unit: str, digits: int = 2) -> str:
    return ", ".join(f"{v:.{digits}f}{unit}" for v in values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(TARGETS), default=DEFAULT_MODEL)
    parser.add_argument("--pairs", type=int, default=2, help="bare/coach rounds, interleaved")
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--burst", type=int, default=12_000)
    parser.add_argument("--senders", type=int, default=64)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--latency-rate", type=float, default=100)
    parser.add_argument("--latency-duration", type=float, default=60)
    parser.add_argument(
        "--lease-seconds",
        type=float,
        default=RuntimeSettings().lease_seconds,
        help="the coach's [runtime] lease_seconds (default: the settings' default)",
    )
    parser.add_argument("--postgres-url", default=DEFAULT_PG)
    parser.add_argument("--no-postgres", dest="postgres_url", action="store_const", const="")
    parser.add_argument(
        "--targets", default="bare,sqlite", help="which apps to run: bare,sqlite,postgres"
    )
    args = parser.parse_args(argv)
    if not (args.eval_dir / "transcripts").is_dir():
        print(f"no transcripts at {args.eval_dir}/transcripts (pass --eval-dir)", file=sys.stderr)
        return 2
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
