"""Messages per second of the `coach analyze` path next to plain nltk VADER.

    python -m benchmarks.speed [--eval-dir ../shared/eval] [--rounds 5] [--limit 5000]

Both run on the same messages in the same process, alternating round by round so a noisy
shared machine affects both alike; the figure that matters is the ratio (target: the
engine costs at most 2x VADER alone per message). Messages: the customer texts of the
airline set and the agent replies of EPITOME when ../shared/eval is present, otherwise
the bundled demo conversation repeated.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from bot.analyze import analyze_row
from coaching import vader
from coaching.detectors import Detectors
from training.datasets import DEFAULT_EVAL


def rows(eval_dir: Path, limit: int) -> list[dict[str, str]]:
    labelled = eval_dir / "labelled"
    found: list[dict[str, str]] = []
    if labelled.is_dir():
        for name, role in (
            ("frustration_airline", "customer"),
            ("acknowledgement_epitome", "agent"),
        ):
            with (labelled / f"{name}.jsonl").open(encoding="utf-8") as fh:
                found += [{"role": role, "text": json.loads(line)["text"]} for line in fh][
                    : limit // 2
                ]
        return found
    demo = resources.files("adapters").joinpath("console").joinpath("data").joinpath("demo.jsonl")
    turns = [json.loads(line) for line in demo.read_text(encoding="utf-8").splitlines()]
    while len(found) < limit:
        found += [{"role": t["role"], "text": t["text"]} for t in turns]
    return found[:limit]


def timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--limit", type=int, default=6000)
    args = parser.parse_args(argv)

    messages = rows(args.eval_dir, args.limit)
    detectors = Detectors()
    sia = vader.analyzer()
    texts = [m["text"] for m in messages]

    def engine_pass() -> None:
        for line, row in enumerate(messages):
            analyze_row(detectors, row, line)

    def vader_pass() -> None:
        for text in texts:
            sia.polarity_scores(text)

    engine_pass()  # warm caches (model load, regex compilation) before timing
    vader_pass()
    engine_times, vader_times = [], []
    for _ in range(args.rounds):
        vader_times.append(timed(vader_pass))
        engine_times.append(timed(engine_pass))
    n = len(messages)
    engine_rate = n / statistics.median(engine_times)
    vader_rate = n / statistics.median(vader_times)
    ratio = statistics.median(e / v for e, v in zip(engine_times, vader_times, strict=True))
    print(
        f"messages: {n} ({'eval sets' if (args.eval_dir / 'labelled').is_dir() else 'demo'}), rounds: {args.rounds}"
    )
    print(
        f"plain nltk VADER:     {vader_rate:10,.0f} messages/s  ({1e6 / vader_rate:6.1f} µs/message)"
    )
    print(
        f"coach analyze path:   {engine_rate:10,.0f} messages/s  ({1e6 / engine_rate:6.1f} µs/message)"
    )
    verdict = "PASS" if ratio <= 2.0 else "FAIL"
    print(f"cost ratio engine/VADER (median of rounds): {ratio:.2f}x  target <= 2.0x: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
