"""Load benchmark: `coach run` over its real network path, with real transcripts.

    python -m benchmarks.load [--eval-dir ../shared/eval] [--rate 500 --duration 60]
                              [--latency-rate 100 --latency-duration 30] [--idle 20000]
                              [--storage-url URL]

Starts a loopback Slack Web API fake in this process and `coach run` (HTTP mode, default
SQLite storage in a temporary folder) as a separate process, then sends signed Events API
requests built from the IBM customer-care and USS transcripts — many conversations at
once, each conversation in order — at a fixed rate. It reports:
- sustained events/s (sent, and processed: all events in the bot's metrics, queue drained);
- latency from sending an event to the fake receiving the nudge call it caused (p50/p99),
  at the latency phase's lower rate, next to the bot's own event->nudge histogram;
- memory per idle open conversation (the bot's RSS growth over N new conversations);
- that every nudge the engine predicts offline for the same events arrived exactly once.
Targets (2-core machine): 500 events/s for 60 s, p99 < 100 ms at 100 events/s, <= 2 KB
per idle conversation, nothing lost or doubled.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

from benchmarks import traffic
from tests.fakes.process import CoachProcess
from tests.fakes.slack import FakeSlack
from training.datasets import DEFAULT_EVAL


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def histogram_of(bot: CoachProcess, session: aiohttp.ClientSession) -> dict[float, float]:
    """The bot's own event->nudge latency histogram (cumulative counts by bucket)."""
    async with session.get(bot.ops_url + "/metrics") as r:
        text = await r.text()
    buckets = {}
    for line in text.splitlines():
        if line.startswith("coach_event_to_nudge_seconds_bucket"):
            le = line.split('le="')[1].split('"')[0]
            buckets[float(le)] = float(line.rsplit(" ", 1)[1])
    return buckets


class Sender:
    def __init__(
        self, bot: CoachProcess, session: aiohttp.ClientSession, people: traffic.People
    ) -> None:
        self.bot, self.session, self.people = bot, session, people
        self.ack_ms: list[float] = []
        self.failed = 0

    async def phase(
        self,
        convs: list[traffic.Conversation],
        rate: float,
        duration: float,
        concurrency: int = 400,
    ) -> tuple[int, float]:
        """Send the conversations' messages at `rate`/s for at most `duration` s."""
        start = time.perf_counter()
        slots = iter(range(10**9))
        queue: asyncio.Queue[traffic.Conversation] = asyncio.Queue()
        for conv in convs:
            queue.put_nowait(conv)
        sent = 0

        async def worker() -> None:
            nonlocal sent
            while not queue.empty():
                conv = queue.get_nowait()
                for index in range(len(conv.turns)):
                    slot = start + next(slots) / rate
                    if slot - start >= duration:
                        return
                    await asyncio.sleep(max(0.0, slot - time.perf_counter()))
                    await self.send(conv, index)
                    sent += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return sent, time.perf_counter() - start

    async def send(self, conv: traffic.Conversation, index: int) -> None:
        at = time.perf_counter()
        payload = traffic.body(conv, index, self.people, time.time())
        conv.sent.append((payload, at))
        if await self.bot.post_event(self.session, payload) != 200:
            self.failed += 1
        self.ack_ms.append((time.perf_counter() - at) * 1000)


async def drained(
    bot: CoachProcess, session: aiohttp.ClientSession, events: int, limit: float = 300
) -> float:
    """Wait until the bot has processed `events` events and its queue is empty."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        processed = await bot.metric(session, "coach_events_total") + await bot.metric(
            session, "coach_duplicate_events_total"
        )
        if processed >= events and await bot.metric(session, "coach_queue_depth") == 0:
            return time.perf_counter()
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the bot did not process {events} events within {limit} s")


def nudge_ids(fake: FakeSlack) -> list[tuple[str, float]]:
    found = []
    for call in fake.of("chat.postEphemeral") + fake.of("chat.postMessage"):
        for block in call.args.get("blocks", []):
            if block.get("type") == "actions":
                found.append((block["elements"][0]["value"], call.at))
    return found


async def run(args: argparse.Namespace) -> int:
    pool = traffic.transcripts(args.eval_dir)
    people = traffic.People()
    mean_turns = statistics.mean(len(t) for t in pool)
    n_load = int(args.rate * args.duration / mean_turns * 1.3) + 10
    n_latency = int(args.latency_rate * args.latency_duration / mean_turns * 1.3) + 10
    load_convs = traffic.conversations(pool, n_load, people)
    latency_convs = traffic.conversations(pool, n_latency, people, start=n_load)
    idle_convs = traffic.conversations(pool, args.idle, people, start=n_load + n_latency)
    fake = FakeSlack()
    await fake.start()
    folder = Path(tempfile.mkdtemp(prefix="coach-load-"))
    bot = CoachProcess(fake, folder, people.agents, storage_url=args.storage_url)
    bot.start()
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=400)) as session:
            await bot.ready(session)
            sender = Sender(bot, session, people)
            print(
                f"transcript conversations: {len(pool)} (mean {mean_turns:.1f} turns); agents: {len(people.agents)}"
            )

            t0 = time.perf_counter()
            sent, took = await sender.phase(load_convs, args.rate, args.duration)
            done = await drained(bot, session, sent)
            load_ack = list(sender.ack_ms)
            processed_rate = sent / (done - t0)
            print(
                f"throughput: sent {sent} events in {took:.1f} s ({sent / took:.0f}/s); "
                f"all processed after {done - t0:.1f} s ({processed_rate:.0f}/s)"
            )

            sender.ack_ms.clear()
            before = len(nudge_ids(fake))
            sent2, took2 = await sender.phase(
                latency_convs, args.latency_rate, args.latency_duration
            )
            await drained(bot, session, sent + sent2)
            await asyncio.sleep(1.0)  # let the last deliveries land at the fake
            sent_at = dict(traffic.sent_times(latency_convs))
            expected_latency = traffic.expected_nudges(latency_convs, set(people.agents))
            latencies = [
                (at - sent_at[expected_latency[nid]]) * 1000
                for nid, at in nudge_ids(fake)[before:]
                if nid in expected_latency and expected_latency[nid] in sent_at
            ]
            print(
                f"latency phase: {sent2} events at {sent2 / took2:.0f}/s, {len(latencies)} nudges timed"
            )

            rss_before = bot.rss_kb()
            sent3 = 0
            for conv in idle_convs:
                conv.turns = conv.turns[:1]
            sent3, _ = await sender.phase(idle_convs, max(args.rate, 500), 3600)
            await drained(bot, session, sent + sent2 + sent3)
            rss_after = bot.rss_kb()
            per_conversation = (rss_after - rss_before) * 1024 / max(1, len(idle_convs))
            histogram = await histogram_of(bot, session)
    finally:
        await bot.stop()
        await fake.stop()
        shutil.rmtree(folder, ignore_errors=True)

    expected = traffic.expected_nudges(load_convs + latency_convs + idle_convs, set(people.agents))
    received = Counter(nid for nid, _ in nudge_ids(fake))
    missing = [nid for nid in expected if received[nid] == 0]
    doubled = [nid for nid, n in received.items() if n > 1]
    unexpected = [nid for nid in received if nid not in expected]

    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    results = [
        (
            "sustained events/s (processed)",
            f"{processed_rate:.0f}",
            processed_rate >= args.rate * 0.98 and args.duration >= 60,
            f">= {args.rate:.0f} for >= 60 s",
        ),
        (
            "HTTP ack p50 / p99 ms (load phase)",
            f"{percentile(load_ack, 50):.1f} / {percentile(load_ack, 99):.1f}",
            percentile(load_ack, 99) < 3000,
            "< 3000 (Slack's limit)",
        ),
        (
            f"event->nudge p50 / p99 ms at {args.latency_rate:.0f}/s",
            f"{p50:.1f} / {p99:.1f}",
            p99 < 100,
            "p99 < 100",
        ),
        (
            "bot histogram: nudges <= 100 ms",
            f"{histogram.get(0.1, 0):.0f} of {histogram.get(float('inf'), 0):.0f}",
            True,
            "(informational)",
        ),
        (
            "memory per idle open conversation",
            f"{per_conversation:.0f} bytes ({len(idle_convs)} conversations)",
            per_conversation <= 2048,
            "<= 2048 bytes",
        ),
        (
            "expected nudges received exactly once",
            f"{len(expected) - len(missing)} of {len(expected)}; {len(doubled)} doubled; {len(unexpected)} unexpected",
            not missing and not doubled and not unexpected,
            "all, once",
        ),
        ("requests refused", f"{sender.failed}", sender.failed == 0, "0"),
    ]
    print()
    for name, value, ok, target in results:
        print(f"{name:<42} {value:<40} target {target:<26} {'PASS' if ok else 'FAIL'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--latency-rate", type=float, default=100)
    parser.add_argument("--latency-duration", type=float, default=30)
    parser.add_argument("--idle", type=int, default=20_000)
    parser.add_argument("--storage-url", default="", help="default: SQLite in a temporary folder")
    args = parser.parse_args(argv)
    if not (args.eval_dir / "transcripts").is_dir():
        print(f"no transcripts at {args.eval_dir}/transcripts (pass --eval-dir)", file=sys.stderr)
        return 2
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
