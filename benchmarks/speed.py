"""Per-message cost of the `coach analyze` path with the model, next to plain nltk VADER
and the lexicon engine, in one run.

    python -m benchmarks.speed [--model contextual|lexicon] [--eval-dir ../shared/eval]
                               [--rounds 5] [--limit 6000] [--context-limit 2000]

All run on the same messages in the same process, alternating round by round so a noisy
shared machine affects them alike; the figures that matter are the ratios to VADER
(medians of the rounds' ratios). Targets: the configured model (``--model``, built by
bot/service/scoring.py as ``coach analyze`` builds it) costs at most 100x VADER per message
(contextual) or 2x (lexicon), checked on the messages as mixed, on customer messages
alone (stricter: the model reads only those) and on customer turns with context.

1. The analyze path (``bot.cli.analyze.Analyzer``, the engine `coach analyze` runs: the
   scorer, then the engine's step), each row read on its own: the customer texts of the
   airline set and the agent replies of EPITOME when ../shared/eval is present (half
   each), otherwise the bundled demo conversation repeated; also customer messages alone
   (the agents' acknowledgement is the lexicon's with either model).
2. Context: customer turns of the IBM and USS transcripts (the demo's without them),
   through the same path with the agent message before each as its ``context`` (kept
   as `coach run` keeps it: redacted, its last words), and the same turns without; both
   next to VADER on the same texts. Each is a row of its own, which no confusion nudge
   can follow, so confusion is not read (in a conversation it is, after an agent's
   instructions: a second model run then; `benchmarks.load` counts the runs live).

The contextual model's runs per message are counted in an untimed pass: a flagged
message's explanation re-reads it with each cue's words left out.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from adapters.console.transcript import in_order, load
from bot.cli.analyze import Analyzer
from bot.service.scoring import DEFAULT_MODEL, build_engine, build_scorer, describe
from coaching import vader
from coaching.contextual import ContextualModel
from coaching.engine import Engine
from coaching.policy import Policy
from training.datasets import DEFAULT_EVAL

MODELS = ("contextual", "lexicon")
TARGETS = {"contextual": 100.0, "lexicon": 2.0}  # cost per message, times VADER's


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
    turns = demo_turns()
    while len(found) < limit:
        found += [{"role": t["role"], "text": t["text"]} for t in turns]
    return found[:limit]


def demo_turns() -> list[dict[str, Any]]:
    demo = resources.files("adapters").joinpath("console").joinpath("data").joinpath("demo.jsonl")
    return [json.loads(line) for line in demo.read_text(encoding="utf-8").splitlines()]


def with_context(eval_dir: Path, limit: int) -> list[tuple[str, str]]:
    """(customer text, the agent message before it in its conversation), up to ``limit``,
    taken in turn from each transcript file."""
    folder = eval_dir / "transcripts"
    paths = [
        folder / "ibm_customer_care" / "dev.json",
        folder / "uss_multiwoz_sgd" / "MWOZ.txt",
        folder / "uss_multiwoz_sgd" / "SGD.txt",
    ]
    per_file: list[list[tuple[str, str]]] = []
    for path in paths:
        if path.is_file():
            turns, _ = in_order(load(path).turns)
            per_file.append(_pairs((t.conversation, t.role, t.text) for t in turns))
    if not per_file:  # the demo conversation, repeated
        demo = [(t["conversation"], t["role"], t["text"]) for t in demo_turns()]
        pairs = _pairs(demo)
        return (pairs * (limit // max(1, len(pairs)) + 1))[:limit]
    found: list[tuple[str, str]] = []
    for group in itertools.zip_longest(*per_file):  # in turn, until every file is used up
        found.extend(pair for pair in group if pair is not None)
    return found[:limit]


def _pairs(turns: Any) -> list[tuple[str, str]]:
    last_agent: dict[str, str] = {}
    found = []
    for conversation, role, text in turns:
        if role == "agent":
            last_agent[conversation] = text
        elif conversation in last_agent:
            found.append((text, last_agent[conversation]))
    return found


def timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


@dataclass
class Timing:
    """Passes timed in rounds (their order rotated), reported against ``baseline``."""

    passes: dict[str, Callable[[], None]]
    n: int
    baseline: str = "VADER"

    def run(self, rounds: int) -> dict[str, list[float]]:
        for fn in self.passes.values():  # warm caches (models, regexes) before timing
            fn()
        times: dict[str, list[float]] = {name: [] for name in self.passes}
        names = list(self.passes)
        for r in range(rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:  # rotate the order
                times[name].append(timed(self.passes[name]))
        return times

    def report(self, times: dict[str, list[float]], title: str) -> dict[str, float]:
        base = times[self.baseline]
        print(f"{title} ({self.n} messages)")
        ratios = {}
        for name, seconds in times.items():
            per = statistics.median(seconds) / self.n
            ratio = statistics.median(s / b for s, b in zip(seconds, base, strict=True))
            ratios[name] = ratio
            print(
                f"  {name:<34} {1 / per:>9,.0f} messages/s  {per * 1e6:>8.1f} µs/message  "
                f"{ratio:>7.2f}x VADER"
            )
        return ratios


def model_runs(engine: Engine, calls: Callable[[], None]) -> float | None:
    """The contextual model's runs during ``calls`` (None for the lexicon)."""
    model = getattr(engine.detectors, "model", None)
    if not isinstance(model, ContextualModel):
        return None
    count = 0
    original = model.score_prepared

    def counting(message: str, context: str) -> Any:
        nonlocal count
        count += 1
        return original(message, context)

    model.score_prepared = counting  # type: ignore[method-assign]
    try:
        calls()
    finally:
        del model.score_prepared
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=MODELS, default=DEFAULT_MODEL)
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--limit", type=int, default=6000)
    parser.add_argument("--context-limit", type=int, default=2000)
    args = parser.parse_args(argv)

    engines = {
        name: build_engine(Policy(), name) for name in dict.fromkeys((args.model, "lexicon"))
    }
    engine = engines[args.model]
    model_label = f"analyze, {describe(build_scorer(args.model))}"
    sia = vader.plain_analyzer()  # nltk as it ships: the baseline
    messages = rows(args.eval_dir, args.limit)
    customers = [m for m in messages if m["role"] == "customer"]
    source = "eval sets" if (args.eval_dir / "labelled").is_dir() else "demo"
    print(
        f"model: {model_label.removeprefix('analyze, ')}; rounds: {args.rounds}; messages: {source}"
    )
    print()

    def analyze(engine: Engine, batch: list[dict[str, str]]) -> Callable[[], None]:
        def run() -> None:
            analyzer = Analyzer(engine)
            for line, row in enumerate(batch, start=1):
                analyzer.row(row, line)

        return run

    def plain(batch: list[str]) -> Callable[[], None]:
        def run() -> None:
            for text in batch:
                sia.polarity_scores(text)

        return run

    verdicts: list[tuple[str, float]] = []
    for what, title, batch in (
        ("per message", "1. the analyze path, customer and agent messages", messages),
        ("per customer message (stricter)", "   customer messages alone", customers),
    ):
        passes = {"VADER": plain([m["text"] for m in batch])}
        passes |= {
            model_label if name == args.model else "analyze, lexicon": analyze(each, batch)
            for name, each in engines.items()
        }
        timing = Timing(passes, len(batch))
        ratios = timing.report(timing.run(args.rounds), title)
        verdicts.append((what, ratios[model_label]))
        runs = model_runs(engine, analyze(engine, batch))
        if runs is not None and customers:
            print(f"  model runs: {runs / len(customers):.2f} per customer message")
        print()

    pairs = with_context(args.eval_dir, args.context_limit)
    texts = [text for text, _ in pairs]
    with_agent = [{"role": "customer", "text": t, "context": agent} for t, agent in pairs]
    alone = [{"role": "customer", "text": t} for t in texts]

    def scored(context: bool) -> Callable[[], None]:
        return analyze(engine, with_agent if context else alone)

    timing = Timing(
        {
            "VADER": plain(texts),
            f"{args.model}, with context": scored(True),
            f"{args.model}, without context": scored(False),
        },
        len(pairs),
    )
    times = timing.run(args.rounds)
    ratios = timing.report(
        times, "2. customer turns of transcripts, scored with the agent message before"
    )
    verdicts.append(("per customer message with context", ratios[f"{args.model}, with context"]))
    with_ctx, without = (
        times[f"{args.model}, with context"],
        times[f"{args.model}, without context"],
    )
    context_ratio = statistics.median(w / o for w, o in zip(with_ctx, without, strict=True))
    print(f"  with context / without: {context_ratio:.2f}x")
    for label, context in (("with context", True), ("without context", False)):
        runs = model_runs(engine, scored(context))
        if runs is not None:
            print(f"  model runs {label}: {runs / len(pairs):.2f} per message")
    print()
    target = TARGETS[args.model]
    for what, ratio in verdicts:
        verdict = "PASS" if ratio <= target else "FAIL"
        print(
            f"{args.model} cost / VADER, {what}: {ratio:.2f}x (median of rounds)  "
            f"target <= {target:g}x: {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
