"""The load generator's side of benchmarks/load.py: sending signed events to an app at a
rate or as fast as it answers, and telling when it has done the work (every event
processed, every tip it causes received by the Slack fake)."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass, field

import aiohttp

from benchmarks import traffic, wire
from tests.fakes.process import SECRET, CoachProcess
from tests.fakes.slack import FakeSlack


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def tips(fake: FakeSlack) -> list[tuple[str, float]]:
    """(nudge id, or the bare app's event ts) of each tip Slack received, with the time."""
    found = []
    for call in fake.of("chat.postEphemeral") + fake.of("chat.postMessage"):
        for block in call.args.get("blocks", []):
            if block.get("type") == "actions":
                found.append((block["elements"][0]["value"], call.at))
        if not call.args.get("blocks"):
            found.append((str(call.args.get("text", "")), call.at))
    return found


@dataclass
class Phase:
    events: int = 0
    acked_at: float = 0.0  # seconds from the first send to the last 200
    done_at: float = 0.0  # ... to all processed and delivered
    refused: int = 0
    ack_ms: list[float] = field(default_factory=list)
    # the coach's coach_bench_* counters over the phase (benchmarks/coach_counted.py)
    bench: dict[str, float] = field(default_factory=dict)

    @property
    def acked_rate(self) -> float:
        return self.events / self.acked_at if self.acked_at else float("nan")

    @property
    def processed_rate(self) -> float:
        return self.events / self.done_at if self.done_at else float("nan")


class Driver:
    """Sends conversations to one app and waits until it has done the work."""

    def __init__(
        self,
        app: CoachProcess,
        fake: FakeSlack,
        session: aiohttp.ClientSession,
        people: traffic.People,
        is_coach: bool,
    ) -> None:
        self.app, self.fake, self.session, self.people = app, fake, session, people
        self.is_coach = is_coach
        self.sent_events = 0
        self.wire = wire.Pool("127.0.0.1", app.port, SECRET)
        self._counted, self._tips = 0, 0  # the fake's calls looked at so far, tips among them

    async def send(self, conv: traffic.Conversation, index: int, phase: Phase) -> None:
        at = time.perf_counter()
        payload = traffic.body(conv, index, self.people, time.time())
        conv.sent.append((payload, at))
        status = await self.wire.post_event(payload)
        phase.ack_ms.append((time.perf_counter() - at) * 1000)
        phase.refused += status != 200

    async def burst(self, convs: list[traffic.Conversation], senders: int) -> Phase:
        phase = Phase(events=sum(len(c.turns) for c in convs))
        queue = list(reversed(convs))

        async def sender() -> None:
            while queue:
                conv = queue.pop()
                for index in range(len(conv.turns)):
                    await self.send(conv, index, phase)

        before = await self.counters()
        start = time.perf_counter()
        done = asyncio.ensure_future(self.until_done(phase.events, start))
        await asyncio.gather(*(sender() for _ in range(senders)))
        phase.acked_at = time.perf_counter() - start
        phase.done_at = await done
        phase.bench = await self.counters(since=before)
        return phase

    async def paced(self, convs: list[traffic.Conversation], rate: float, duration: float) -> Phase:
        """Send at ``rate`` events/s for at most ``duration`` s, conversations in order."""
        phase = Phase()
        before = await self.counters()
        start = time.perf_counter()
        slots = iter(range(10**9))
        queue = list(reversed(convs))
        tasks: list[asyncio.Task[None]] = []

        async def conversation(conv: traffic.Conversation) -> None:
            for index in range(len(conv.turns)):
                slot = start + next(slots) / rate
                if slot - start >= duration:
                    return
                await asyncio.sleep(max(0.0, slot - time.perf_counter()))
                await self.send(conv, index, phase)
                phase.events += 1

        # enough conversations in flight that one waiting on its turn never slows the rate
        while queue and time.perf_counter() - start < duration:
            tasks = [t for t in tasks if not t.done()]
            while len(tasks) < 400 and queue:
                tasks.append(asyncio.create_task(conversation(queue.pop())))
            await asyncio.sleep(0.05)
        await asyncio.gather(*tasks)
        phase.acked_at = time.perf_counter() - start
        phase.done_at = await self.until_done(phase.events, start)
        phase.bench = await self.counters(since=before)
        return phase

    async def until_done(self, events: int, start: float, limit: float = 600) -> float:
        """Seconds from ``start`` until ``events`` more events are processed and their
        tips delivered (coach: its metrics and the expected nudges; bare: one call each)."""
        target = self.sent_events + events
        while time.perf_counter() - start < limit:
            if await self.processed() >= target:
                self.sent_events = target
                return time.perf_counter() - start
            await asyncio.sleep(0.1)
        raise RuntimeError(f"not all {events} events were processed within {limit} s")

    async def processed(self) -> int:
        if not self.is_coach:  # one tip per event; counted as they come (the list grows)
            calls = self.fake.calls
            self._tips += sum(c.method == "chat.postEphemeral" for c in calls[self._counted :])
            self._counted = len(calls)
            return self._tips
        # one read of /metrics per look (rendering them costs the bot CPU)
        figures = await self.metrics()
        waiting = figures["coach_queue_depth"] > 0
        undelivered = figures["coach_nudges_delivered_total"] < figures["coach_nudges_total"]
        if waiting or undelivered:  # nudges made but not yet at Slack (or failed for good)
            return 0
        done = figures["coach_events_total"] + figures["coach_duplicate_events_total"]
        return int(done)

    async def metrics(self) -> defaultdict[str, float]:
        """The coach's metrics, each summed over its labels."""
        async with self.session.get(self.app.ops_url + "/metrics") as r:
            text = await r.text()
        figures: defaultdict[str, float] = defaultdict(float)
        for line in text.splitlines():
            if line.startswith("coach_") and not line.startswith("#"):
                name = line.split("{", 1)[0].split(" ", 1)[0]
                figures[name] += float(line.rsplit(" ", 1)[1])
        return figures

    async def counters(self, since: dict[str, float] | None = None) -> dict[str, float]:
        """The coach's event, duplicate, error and scoring counters (less ``since``); none
        for the bare app."""
        if not self.is_coach:
            return {}
        figures = await self.metrics()
        wanted = (
            "coach_bench_",
            "coach_events_total",
            "coach_duplicate_events_total",
            "coach_event_errors_total",
        )
        found = {k: v for k, v in figures.items() if k.startswith(wanted)}
        return {k: v - (since or {}).get(k, 0.0) for k, v in found.items()}


def latencies(
    fake: FakeSlack,
    convs: list[traffic.Conversation],
    before: int,
    expected: dict[str, str] | None,
) -> list[float]:
    """Send -> tip received, for the tips Slack received after the first ``before``
    (``expected``: the coach's expected nudges, nudge id -> trigger event; None for the
    bare app, whose tip names the message's ts)."""
    sent_at = dict(traffic.sent_times(convs))
    if expected is not None:
        trigger = expected
    else:
        trigger = {f"A tip for {ts}": key for key in sent_at for ts in [key.rsplit(":", 1)[1]]}
    return [
        (at - sent_at[trigger[tip]]) * 1000
        for tip, at in tips(fake)[before:]
        if tip in trigger and trigger[tip] in sent_at
    ]
