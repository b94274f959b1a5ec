"""How often the coach speaks on real conversations: nudges per 100 conversations, the
share of conversations nudged, and (where customers rated their turns) how many calm
turns it flags, next to plain VADER on the same turns; and, where customers return, how well "at risk at open"
predicts frustration later in the conversation (benchmarks/early_warning.py).

    python -m benchmarks.transcripts [--model contextual|lexicon] [--eval-dir ../shared/eval]
                                     [--limit N]

Every transcript file in ``../shared/eval/transcripts/`` is replayed through the real
runtime path (``coach replay``: runtime, store transaction, engine, delivery) with the
default policy and the configured scorer (``--model``, built by bot/service/scoring.py: the
contextual model reads each customer message with the agent message before it). Then
again with the other scorer, so the lexicon ("before") and the contextual model
("after") appear side by side in one run. USS files carry a 1-5 satisfaction rating per customer turn from several
raters: a turn is *satisfied* when their mean is >= 3 and *dissatisfied* when it is <= 2.
A turn is *flagged* when the engine judged it frustrated (its frustration signal fired),
exactly what would open a frustration episode in the summaries. MWOZ dialogues are split
in two by a hash of their id (training/datasets.py): calm turns of one half train the
shipped model, so the other half is reported on its own as the honest figure.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from adapters.console.transcript import Turn, in_order, load
from benchmarks import early_warning
from bot.service.replay import Replayer
from bot.service.scoring import DEFAULT_MODEL, build_scorer, describe
from coaching import vader
from coaching.policy import Policy
from coaching.types import Nudge, NudgeKind
from training import datasets

SATISFIED, DISSATISFIED = 3.0, 2.0
# What the targets of the "Nudges agents can trust" issue are measured against.
TARGET_SATISFIED_FLAGGED = 0.02
TARGET_CONVERSATIONS_WARNED = 0.10
_WARNINGS = (NudgeKind.FRUSTRATION.value, NudgeKind.ESCALATION.value)
MODELS = ("contextual", "lexicon")


@dataclass
class Rates:
    turns: int = 0
    engine: int = 0
    vader: int = 0

    def add(self, engine: bool, text: str) -> None:
        self.turns += 1
        self.engine += engine
        self.vader += vader.polarity(text).compound <= -0.05

    def share(self, part: int) -> float:
        return part / self.turns if self.turns else float("nan")


@dataclass
class SetFigures:
    name: str
    conversations: int = 0
    nudges: Counter[str] = field(default_factory=Counter)
    nudged: int = 0
    warned: int = 0  # got a frustration heads-up or an escalation warning
    # Confusion nudges, counted apart so that every figure above stays frustration's alone.
    confusion: int = 0
    confused: int = 0  # conversations with a confusion nudge
    satisfied: Rates = field(default_factory=Rates)
    dissatisfied: Rates = field(default_factory=Rates)
    customer_turns: Rates = field(default_factory=Rates)
    early: early_warning.EarlyWarning | None = None

    def per_100(self, kind: str) -> float:
        return 100 * self.nudges[kind] / max(1, self.conversations)


def ratings(path: Path) -> dict[int, float]:
    """Line number -> mean satisfaction of that USS customer turn."""
    found: dict[int, float] = {}
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 4 and parts[0] == "USER" and parts[1].strip() != "OVERALL":
                votes = [int(v) for v in parts[3].split(",") if v.strip().isdigit()]
                if votes:
                    found[number] = sum(votes) / len(votes)
    return found


def replay(
    name: str, turns: list[Turn], rated: dict[int, float], model: str = DEFAULT_MODEL
) -> SetFigures:
    out = SetFigures(name)
    by_conversation: dict[str, Counter[str]] = defaultdict(Counter)
    verdicts: dict[str, list[tuple[str, bool]]] = defaultdict(list)

    def on_message(turn: Turn, score: tuple[str, float, bool] | None) -> None:
        if turn.role != "customer" or score is None:
            return
        fired = score[2]
        verdicts[turn.conversation].append((turn.author, fired))
        out.customer_turns.add(fired, turn.text)
        rating = rated.get(turn.line)
        if rating is not None and rating >= SATISFIED:
            out.satisfied.add(fired, turn.text)
        elif rating is not None and rating <= DISSATISFIED:
            out.dissatisfied.add(fired, turn.text)

    def on_nudge(nudge: Nudge) -> None:
        by_conversation[nudge.conversation.thread][nudge.kind.value] += 1

    replayer = Replayer(Policy(), on_message, on_nudge, model=model)
    asyncio.run(replayer.run(turns, name))
    out.conversations = len({t.conversation for t in turns})
    out.early = early_warning.measure(name, turns, verdicts, replayer.store.states, name)
    for counts in by_conversation.values():
        lost = counts.pop(NudgeKind.CONFUSION.value, 0)
        out.confusion += lost
        out.confused += bool(lost)
        if not +counts:
            continue
        out.nudges.update(counts)
        out.nudged += 1
        out.warned += any(counts[k] for k in _WARNINGS)
    return out


def transcript_sets(eval_dir: Path, limit: int | None) -> list[tuple[str, list[Turn], Path]]:
    found = []
    root = eval_dir / "transcripts"
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".json", ".txt") or path.name.lower().startswith("dataset_"):
            continue
        transcript = load(path)
        turns, _ = in_order(transcript.turns)
        if limit is not None:
            keep = sorted({t.conversation for t in turns}, key=turns_order(turns).__getitem__)[
                :limit
            ]
            turns = [t for t in turns if t.conversation in set(keep)]
        found.append((str(path.relative_to(root).with_suffix("")), turns, path))
    return found


def turns_order(turns: list[Turn]) -> dict[str, int]:
    first: dict[str, int] = {}
    for index, turn in enumerate(turns):
        first.setdefault(turn.conversation, index)
    return first


def measure(
    eval_dir: Path, limit: int | None = None, model: str = DEFAULT_MODEL
) -> list[SetFigures]:
    results = []
    for name, turns, path in transcript_sets(eval_dir, limit):
        rated = ratings(path) if path.suffix == ".txt" else {}
        results.append(replay(name, turns, rated, model))
        if path.stem == "MWOZ":
            held_out = [t for t in turns if not datasets.in_training_half(t.conversation)]
            results.append(replay(f"{name} (held-out half)", held_out, rated, model))
    return results


def measure_both(
    eval_dir: Path, limit: int | None = None, model: str = DEFAULT_MODEL
) -> dict[str, list[SetFigures]]:
    """Every set replayed with each scorer, the configured one first."""
    return {m: measure(eval_dir, limit, m) for m in dict.fromkeys((model, *MODELS))}


def label(model: str) -> str:
    """``contextual (<sha prefix>)`` or ``lexicon``."""
    return describe(build_scorer(model))


def _pct(x: float) -> str:
    return "   -  " if x != x else f"{100 * x:5.1f}%"


def report(results: list[SetFigures], model: str = DEFAULT_MODEL) -> None:
    print(f"scorer: {label(model)}")
    kinds = [k.value for k in NudgeKind if k is not NudgeKind.CONFUSION]  # apart, below
    head = (
        f"{'transcripts':<34} {'convs':>6} "
        + " ".join(f"{k[:11]:>11}" for k in kinds)
        + f" {'nudged':>7} {'warned':>7}"
    )
    print("nudges per 100 conversations, by kind; share of conversations nudged at all, and")
    print("warned (a frustration heads-up or an escalation warning):")
    print(head)
    print("-" * len(head))
    for f in results:
        print(
            f"{f.name:<34} {f.conversations:>6} "
            + " ".join(f"{f.per_100(k):>11.1f}" for k in kinds)
            + f" {_pct(f.nudged / max(1, f.conversations)):>7} {_pct(f.warned / max(1, f.conversations)):>7}"
        )
    print()
    print("customer turns judged frustrated (engine) vs plain VADER (compound <= -0.05):")
    head = f"{'transcripts':<34} {'turns':>6} {'engine':>7} {'VADER':>7}   {'satisfied':>9} {'engine':>7} {'VADER':>7}   {'dissat.':>7} {'engine':>7} {'VADER':>7}"
    print(head)
    print("-" * len(head))
    for f in results:
        c, s, d = f.customer_turns, f.satisfied, f.dissatisfied
        print(
            f"{f.name:<34} {c.turns:>6} {_pct(c.share(c.engine)):>7} {_pct(c.share(c.vader)):>7}   "
            f"{s.turns:>9} {_pct(s.share(s.engine)):>7} {_pct(s.share(s.vader)):>7}   "
            f"{d.turns:>7} {_pct(d.share(d.engine)):>7} {_pct(d.share(d.vader)):>7}"
        )
    print()
    for f in results:
        if not f.satisfied.turns:
            continue
        flagged = f.satisfied.share(f.satisfied.engine)
        warned = f.warned / max(1, f.conversations)
        rising = f.dissatisfied.share(f.dissatisfied.engine) > flagged
        print(
            f"{f.name}: satisfied turns flagged {_pct(flagged).strip()} "
            f"(target <= {TARGET_SATISFIED_FLAGGED:.0%}: {_verdict(flagged <= TARGET_SATISFIED_FLAGGED)}); "
            f"conversations warned {_pct(warned).strip()} "
            f"(target <= {TARGET_CONVERSATIONS_WARNED:.0%}: {_verdict(warned <= TARGET_CONVERSATIONS_WARNED)}); "
            f"dissatisfied flagged more often than satisfied: {_verdict(rising)}"
        )
    print()
    early_warning.report([f.early for f in results if f.early is not None])
    print()
    print("confusion nudges (counted apart from every figure above):")
    head = f"{'transcripts':<34} {'convs':>6} {'per 100':>8} {'conversations with one':>23}"
    print(head)
    print("-" * len(head))
    for f in results:
        share = f.confused / max(1, f.conversations)
        print(
            f"{f.name:<34} {f.conversations:>6} {100 * f.confusion / max(1, f.conversations):>8.1f} "
            f"{f.confused:>14} ({_pct(share).strip()})"
        )


def report_side_by_side(by_model: dict[str, list[SetFigures]]) -> None:
    """The same figures with each scorer, per set: the lexicon before the contextual model."""
    models = [m for m in ("lexicon", "contextual") if m in by_model]
    print("side by side, " + " vs ".join(label(m) for m in models) + ":")
    short = {"lexicon": "lex.", "contextual": "ctx."}

    def cols(what: str) -> str:
        return " ".join(f"{what + ' ' + short[m]:>12}" for m in models)

    head = (
        f"{'transcripts':<38} {'satisfied':>9} {cols('calm flag')} {'VADER':>7}   "
        f"{'dissat.':>7} {cols('dissat flag')}   {cols('warned')}   {cols('heads-up')}"
    )
    print(head)
    print("-" * len(head))
    first = by_model[models[0]]
    for index, f in enumerate(first):
        sets = [by_model[m][index] for m in models]
        s, d = f.satisfied, f.dissatisfied
        calm = " ".join(f"{_pct(x.satisfied.share(x.satisfied.engine)):>12}" for x in sets)
        dissat = " ".join(f"{_pct(x.dissatisfied.share(x.dissatisfied.engine)):>12}" for x in sets)
        warns = " ".join(f"{_pct(x.warned / max(1, x.conversations)):>12}" for x in sets)
        heads = " ".join(f"{x.per_100(NudgeKind.FRUSTRATION.value):>12.1f}" for x in sets)
        print(
            f"{f.name:<38} {s.turns:>9} {calm} {_pct(s.share(s.vader)):>7}   "
            f"{d.turns:>7} {dissat}   {warns}   {heads}"
        )
    print(
        "(calm flag: satisfied turns judged frustrated; dissat flag: dissatisfied turns judged "
        "frustrated; warned: conversations with a heads-up or an escalation warning; "
        "heads-up: frustration heads-ups per 100 conversations)"
    )
    print()
    for m in models:
        for f in by_model[m]:
            if not f.satisfied.turns:
                continue
            flagged = f.satisfied.share(f.satisfied.engine)
            warned = f.warned / max(1, f.conversations)
            print(
                f"{label(m):<26} {f.name:<38} satisfied turns flagged {_pct(flagged).strip():>6} "
                f"(<= {TARGET_SATISFIED_FLAGGED:.0%}: {_verdict(flagged <= TARGET_SATISFIED_FLAGGED)}); "
                f"conversations warned {_pct(warned).strip():>6} "
                f"(<= {TARGET_CONVERSATIONS_WARNED:.0%}: {_verdict(warned <= TARGET_CONVERSATIONS_WARNED)})"
            )


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=datasets.DEFAULT_EVAL)
    parser.add_argument("--limit", type=int, help="at most this many conversations per file")
    parser.add_argument("--model", choices=MODELS, default=DEFAULT_MODEL)
    args = parser.parse_args(argv)
    if not (args.eval_dir / "transcripts").is_dir():
        print(f"no transcripts at {args.eval_dir}/transcripts (pass --eval-dir)", file=sys.stderr)
        return 2
    by_model = measure_both(args.eval_dir, args.limit, args.model)
    report(by_model[args.model], args.model)
    print()
    report_side_by_side(by_model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
