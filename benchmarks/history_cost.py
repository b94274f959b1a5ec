"""What customer memory costs: events/s through the runtime with it off and on.

    python -m benchmarks.history_cost [--model contextual|lexicon] [--eval-dir ../shared/eval]
                                      [--rounds 5] [--conversations 600]

Real transcripts (IBM customer care, MultiWOZ) go through ``Runtime.process`` on a fresh
SQLite store each round, exactly as live events would (store transaction, engine,
nudges), once with ``history_days = 0`` and once with the default 30, alternating, in
this one process. The ratio of the medians is the cost of looking a customer's history
up when a conversation first hears from them (one indexed read) and of the engine's
history decisions. The engine is the configured one (``--model``, bot/service/scoring.py). The
machine is shared: compare the ratio, not the absolute rates.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from adapters.console.adapter import ConsoleDelivery, to_event
from adapters.console.transcript import Turn, in_order, load
from bot.ops.clock import VirtualClock
from bot.reports.history import HistoryLookup
from bot.service.runtime import Runtime
from bot.service.scoring import DEFAULT_MODEL, build_engine, build_scorer, describe
from bot.store.sql import SqlStore
from coaching.policy import Policy
from coaching.types import Nudge
from training.datasets import DEFAULT_EVAL


def traffic(eval_dir: Path, conversations: int) -> list[Turn]:
    turns: list[Turn] = []
    for path in (
        eval_dir / "transcripts" / "ibm_customer_care" / "dev.json",
        eval_dir / "transcripts" / "uss_multiwoz_sgd" / "MWOZ.txt",
    ):
        found, _ = in_order(load(path).turns)
        keep = sorted({t.conversation for t in found})[: conversations // 2]
        turns += [t for t in found if t.conversation in set(keep)]
    return sorted(turns, key=lambda t: t.ts)


async def rate(turns: list[Turn], history_days: float, folder: Path, model: str) -> float:
    store = await SqlStore.open(f"sqlite+aiosqlite:///{folder / f'{time.monotonic_ns()}.db'}")
    clock = VirtualClock(turns[0].ts)
    lookup = HistoryLookup(store, clock, history_days)
    engine = build_engine(Policy(), model)
    runtime = Runtime(engine, store, {"console": ConsoleDelivery(_drop)}, clock, history=lookup)
    started = time.perf_counter()
    for index, turn in enumerate(turns):
        clock.advance_to(turn.ts)
        await runtime.process(to_event(turn, index, "bench"))
    elapsed = time.perf_counter() - started
    await store.close()
    return len(turns) / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--conversations", type=int, default=600)
    parser.add_argument("--model", choices=("contextual", "lexicon"), default=DEFAULT_MODEL)
    args = parser.parse_args(argv)
    if not (args.eval_dir / "transcripts").is_dir():
        print(f"no transcripts at {args.eval_dir}/transcripts (pass --eval-dir)", file=sys.stderr)
        return 2
    turns = traffic(args.eval_dir, args.conversations)
    off: list[float] = []
    on: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):
            off.append(asyncio.run(rate(turns, 0, Path(folder), args.model)))
            on.append(asyncio.run(rate(turns, 30, Path(folder), args.model)))
    print(
        f"{len(turns)} events, {args.rounds} rounds each, SQLite, alternating; "
        f"model: {describe(build_scorer(args.model))}"
    )
    print(f"customer memory off: {statistics.median(off):8.0f} events/s  {_all(off)}")
    print(f"customer memory on:  {statistics.median(on):8.0f} events/s  {_all(on)}")
    print(f"on / off: {statistics.median(on) / statistics.median(off):.2f}x")
    return 0


def _drop(_: Nudge) -> None:
    """Nudges are delivered nowhere (the console adapter, showing nothing)."""


def _all(rates: list[float]) -> str:
    return "(" + ", ".join(f"{r:.0f}" for r in rates) + ")"


if __name__ == "__main__":
    sys.exit(main())
