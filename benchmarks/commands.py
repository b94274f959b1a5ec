"""What one `/coach me` costs, and what it costs everyone else while it runs.

    python -m benchmarks.commands [--events 150000] [--agents 200] [--probes 20]
                                  [--model contextual|lexicon]

Fills a SQLite store (the default backend) with ``--events`` message events and as many
signals, over 30 days, in conversations of ``--agents`` agents across two workspaces.
Then, in one process:
- baseline: ``--probes`` new events processed one after another (each: claim, engine,
  save), and their latency;
- the same number of events processed while an agent's `/coach me 30d` runs alongside;
- the command's own time and its peak Python memory (tracemalloc).
The same for a supervisor's `/coach summary 30d` of a whole workspace. The figure that
matters is the ratio of event latency with and without the command, measured in the same
run (the machine is shared: expect noise).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.base import CommandRequest, Period, Roles
from bot.ops.clock import SystemClock
from bot.ops.metrics import Metrics
from bot.service.commands import CommandService
from bot.service.runtime import Runtime
from bot.service.scoring import DEFAULT_MODEL, build_engine
from bot.store import schema
from bot.store.sql import SqlStore
from coaching.policy import Policy
from coaching.types import ConversationRef, MessagePosted, Role

DAY = 86_400.0


def rows(events: int, agents: int, now: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(7)
    event_rows, signal_rows = [], []
    per_conversation = 6
    for n in range(events):
        conversation = n // per_conversation
        workspace = "T1" if conversation % 2 else "T2"
        key = f"slack:{workspace}:C{conversation % 50}:{conversation}.0"
        agent = f"UAGENT{conversation % agents}"
        is_agent = n % 2 == 1
        at = now - rng.random() * 30 * DAY
        event_id = f"e{n}"
        event_rows.append(
            {
                "event_id": event_id,
                "conversation": key,
                "kind": "posted",
                "message_id": event_id,
                "author": agent if is_agent else f"UCUST{conversation}",
                "role": "agent" if is_agent else "customer",
                "at": at,
                "text": None,
            }
        )
        signal_rows.append(
            {
                "event_id": event_id,
                "conversation": key,
                "kind": "acknowledgement" if is_agent else "frustration",
                "subject": agent,
                "score": rng.random(),
                "fired": rng.random() < 0.1,
                "cues": json.dumps(["waiting", "caps"]),
                "at": at,
            }
        )
    return event_rows, signal_rows


async def fill(store: SqlStore, events: int, agents: int, now: float) -> None:
    event_rows, signal_rows = rows(events, agents, now)

    def insert(conn: Connection) -> None:
        for start in range(0, len(event_rows), 10_000):
            conn.execute(sa.insert(schema.events), event_rows[start : start + 10_000])
            conn.execute(sa.insert(schema.signals), signal_rows[start : start + 10_000])

    await store.runner.write(insert)


async def probe(runtime: Runtime, count: int, prefix: str) -> list[float]:
    """Process ``count`` new events one after another; their latencies in seconds."""
    latencies = []
    for n in range(count):
        ref = ConversationRef("slack", "T1", "CPROBE", f"{prefix}{n}.0")
        event = MessagePosted(
            f"{prefix}{n}", ref, f"{prefix}{n}", "UCUST", Role.CUSTOMER, "hi", time.time()
        )
        start = time.perf_counter()
        await runtime.process(event)
        latencies.append(time.perf_counter() - start)
        await asyncio.sleep(0.01)  # spread over the command's run
    return latencies


async def run(args: argparse.Namespace) -> int:
    folder = Path(tempfile.mkdtemp(prefix="coach-bench-"))
    store = await SqlStore.open(f"sqlite+aiosqlite:///{folder / 'coach.db'}")
    now = time.time()
    started = time.perf_counter()
    await fill(store, args.events, args.agents, now)
    print(
        f"store: {args.events:,} events + {args.events:,} signals, {args.agents} agents, "
        f"filled in {time.perf_counter() - started:.1f} s"
    )
    clock = SystemClock()
    runtime = Runtime(build_engine(Policy(), args.model), store, {}, clock)
    roles = Roles(
        agents=frozenset(f"UAGENT{n}" for n in range(args.agents)),
        supervisors=frozenset({"ULEAD"}),
    )
    commands = CommandService(store, roles, clock, Metrics(), 600)
    asks = {
        "/coach me 30d (one agent)": CommandRequest(
            "slack", "T1", "UAGENT1", frozenset(), "me", period=Period.MONTH
        ),
        "/coach summary 30d (a supervisor, the whole workspace)": CommandRequest(
            "slack", "T1", "ULEAD", frozenset(), "summary", period=Period.MONTH
        ),
    }
    await probe(runtime, 3, "warm")
    baseline = await probe(runtime, args.probes, "base")

    def ms(values: list[float]) -> str:
        return f"median {statistics.median(values) * 1e3:7.1f} ms, max {max(values) * 1e3:8.1f} ms"

    print(f"events alone:             {ms(baseline)}")
    for n, (label, ask) in enumerate(asks.items()):
        alone_started = time.perf_counter()
        await commands.handle(ask)
        alone = time.perf_counter() - alone_started
        tracemalloc.start()
        command_started = time.perf_counter()
        command = asyncio.create_task(commands.handle(ask))
        await asyncio.sleep(0)
        during = await probe(runtime, args.probes, f"during{n}-")
        report = await command
        command_seconds = time.perf_counter() - command_started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"{label}: {report.title!r}")
        print(
            f"  {alone:.2f} s alone, {command_seconds:.2f} s alongside the events; "
            f"peak Python memory {peak / 2**20:.1f} MiB"
        )
        print(f"  events meanwhile:       {ms(during)}")
        print(
            f"  event latency meanwhile / alone: median "
            f"{statistics.median(during) / statistics.median(baseline):.1f}x, worst "
            f"{max(during) / max(baseline):.1f}x (same run; a shared machine: expect noise)"
        )
    await store.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=150_000)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--probes", type=int, default=20)
    parser.add_argument("--model", choices=("contextual", "lexicon"), default=DEFAULT_MODEL)
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
