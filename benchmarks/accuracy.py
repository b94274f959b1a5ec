"""Detector quality per labelled development set, next to the baselines.

    python -m benchmarks.accuracy [--model contextual|lexicon] [--eval-dir ../shared/eval]
                                  [--limit N]

Every file of ../shared/eval/labelled is scored on its own (sets are never pooled) by the
configured scorer (``--model``, built by bot/service/scoring.py as the bot builds it; its F1 is
held to the targets), by the other one (the lexicon "before", the contextual model
"after": both in one run, then side by side), by plain nltk VADER and by a phrase list.
A labelled row is one message with no conversation around it: the contextual model
reads it without context. Acknowledgement is the lexicon's with either scorer. GoEmotions: half of it
trains the shipped frustration model (training/datasets.py), so only the other half is
scored here. The airline, Amazon and EPITOME sets are never trained on. Then every
transcript set is replayed through the bot as a product would see it: nudges per 100
conversations by kind, the share of conversations nudged, and calm turns flagged next to
plain VADER (benchmarks/transcripts.py).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from benchmarks import transcripts
from benchmarks.metrics import Figures, figures
from bot.service.scoring import DEFAULT_MODEL, build_scorer, describe
from coaching import vader
from coaching.scoring import Scorer as MessageScorer
from training import datasets

Scorer = Callable[[datasets.Row], tuple[float, bool]]

_FRUSTRATION_PHRASES = re.compile(
    r"\b(?:angry|annoy\w*|frustrat\w*|furious|upset|disappoint\w*|terrible|horrible|awful|"
    r"worst|ridiculous|unacceptable|useless|hate|waiting|still|again|never|manager|refund|"
    r"cancel\w*|wtf|fuck\w*|shit\w*)\b|!!|\?\?",
    re.IGNORECASE,
)
_ACK_PHRASES = re.compile(
    r"\b(?:sorry|apolog\w*|understand|patience|frustrat\w*|must be|sounds like|i hear)\b",
    re.IGNORECASE,
)

NOTES = {
    "frustration_goemotions": " (eval half)",
    "frustration_goemotions_train": " (trains ctx.)",  # the contextual model's own rows
}
TARGETS = {
    "frustration_airline": 0.85,
    "frustration_amazonhelp300": 0.70,
    "frustration_goemotions": 0.55,
    "acknowledgement_epitome_strict": 0.80,
    "acknowledgement_epitome": 0.60,
}


def scorers(task: str, model: str = DEFAULT_MODEL) -> dict[str, Scorer]:
    """Method name -> scorer: the configured model first, then the other, the baselines."""

    def engine(scorer: MessageScorer) -> Scorer:
        def score(row: datasets.Row) -> tuple[float, bool]:
            result = (
                scorer.frustration(row.text)
                if task == "frustration"
                else scorer.acknowledgement(row.text)
            )
            return result.score, result.fired

        return score

    def plain_vader(row: datasets.Row) -> tuple[float, bool]:
        compound = vader.polarity(row.text).compound
        if task == "frustration":
            return -compound, compound <= -0.05
        return compound, compound >= 0.05

    phrases = _FRUSTRATION_PHRASES if task == "frustration" else _ACK_PHRASES

    def phrase_list(row: datasets.Row) -> tuple[float, bool]:
        hits = len(phrases.findall(row.text))
        return float(hits), hits > 0

    models = dict.fromkeys((model, *transcripts.MODELS))
    found = {name: engine(build_scorer(name)) for name in models}
    return found | {"plain VADER": plain_vader, "phrase list": phrase_list}


def evaluate(rows: list[datasets.Row], scorer: Scorer) -> Figures:
    results = [scorer(r) for r in rows]
    return figures([r.label for r in rows], [s for s, _ in results], [p for _, p in results])


def sets(eval_dir: Path) -> list[tuple[str, str, list[datasets.Row]]]:
    found = []
    for path in sorted((eval_dir / "labelled").glob("*.jsonl")):
        name = path.stem
        task = "frustration" if name.startswith("frustration") else "acknowledgement"
        if name == "frustration_goemotions":
            rows = datasets.goemotions(eval_dir, half="eval")
        else:
            rows = datasets.labelled(name, eval_dir)
        found.append((name, task, rows))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=datasets.DEFAULT_EVAL)
    parser.add_argument("--model", choices=transcripts.MODELS, default=DEFAULT_MODEL)
    parser.add_argument(
        "--limit", type=int, help="at most this many rows per set, conversations per file"
    )
    args = parser.parse_args(argv)
    if not (args.eval_dir / "labelled").is_dir():
        print(f"no labelled sets at {args.eval_dir}/labelled (pass --eval-dir)", file=sys.stderr)
        return 2
    print(f"configured scorer: {describe(build_scorer(args.model))} (targets apply to it)")
    header = f"{'set':<32} {'method':<12} {'rows':>6} {'pos':>5} {'P':>6} {'R':>6} {'F1':>6} {'ROC-AUC':>8} {'PR-AUC':>7} {'bal.acc':>7}"
    print(header)
    print("-" * len(header))
    by_set: dict[str, dict[str, Figures]] = {}
    for name, task, all_rows in sets(args.eval_dir):
        rows = all_rows[: args.limit]
        for method, scorer in scorers(task, args.model).items():
            f = evaluate(rows, scorer)
            by_set.setdefault(name, {})[method] = f
            target = TARGETS.get(name) if method == args.model else None
            verdict = (
                ""
                if target is None
                else f"  target F1>={target}: {'PASS' if f.f1 >= target else 'FAIL'}"
            )
            label = name + NOTES.get(name, "")
            print(
                f"{label:<32} {method:<12} {f.rows:>6} {f.positives:>5} {f.precision:>6.3f} {f.recall:>6.3f} "
                f"{f.f1:>6.3f} {f.roc_auc:>8.3f} {f.pr_auc:>7.3f} {f.balanced_accuracy:>7.3f}{verdict}"
            )
        print()
    side_by_side(by_set)
    print()
    cross_validation_report()
    if (args.eval_dir / "transcripts").is_dir():
        print()
        by_model = transcripts.measure_both(args.eval_dir, args.limit, args.model)
        transcripts.report(by_model[args.model], args.model)
        print()
        transcripts.report_side_by_side(by_model)
    return 0


def side_by_side(by_set: dict[str, dict[str, Figures]]) -> None:
    """F1 and ROC-AUC per set: the lexicon ("before") next to the contextual model."""
    models = ("lexicon", "contextual")
    print("side by side, " + " vs ".join(transcripts.label(m) for m in models) + ":")
    head = (
        f"{'set':<32} {'rows':>6} {'F1 lex.':>8} {'F1 ctx.':>8} {'ROC-AUC lex.':>13} "
        f"{'ROC-AUC ctx.':>13} {'P / R lex.':>12} {'P / R ctx.':>12}"
    )
    print(head)
    print("-" * len(head))
    for name, found in by_set.items():
        lex, ctx = found["lexicon"], found["contextual"]
        same = " (lexicon with either)" if name.startswith("acknowledgement") else ""
        same += " (in-sample for ctx.)" if name == "frustration_goemotions_train" else ""
        print(
            f"{name:<32} {lex.rows:>6} {lex.f1:>8.3f} {ctx.f1:>8.3f} {lex.roc_auc:>13.3f} "
            f"{ctx.roc_auc:>13.3f} {lex.precision:>5.2f} / {lex.recall:.2f} "
            f"{ctx.precision:>5.2f} / {ctx.recall:.2f}{same}"
        )


def cross_validation_report() -> None:
    """The out-of-fold figures training recorded in each shipped model (training rows only)."""
    print("out-of-fold figures recorded by training/train.py (5 folds, shipped threshold):")
    for task in ("frustration", "acknowledgement"):
        path = resources.files("coaching").joinpath("data").joinpath(f"{task}_model.json")
        data = json.loads(path.read_text("utf-8"))
        print(f"  {task} (threshold {data['threshold']}, {len(data['weights'])} weights)")
        for source, f in data.get("cross_validated", {}).items():
            print(
                f"    {source:<12} rows {f['rows']:>5}  P {f['precision']:.3f}  R {f['recall']:.3f}"
                f"  F1 {f['f1']:.3f}  ROC-AUC {f['roc_auc']:.3f}  PR-AUC {f['pr_auc']:.3f}"
            )


if __name__ == "__main__":
    sys.exit(main())
