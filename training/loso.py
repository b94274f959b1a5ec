"""Leave one source out: how the contextual model does on text like none it learned from,
and the shipped model with thresholds chosen the same way.

    python -m training.loso [--eval-dir ../shared/eval] [--folds ibm,mwoz,...] [--no-ship]
                            [--no-install] [--tried none|confusion|both] [--seed N]
                            [--sample goemotions_other=N,...] [--models DIR] [--report F]

For each left-out training source in turn, a model is trained on the others and its
thresholds are picked by ``pick_threshold`` from in-fold rows only (calm turns of the
in-fold sources that the run did not train on); then it is scored on the left-out source.
Sources never trained on (airline, SGD, AmazonHelp, the GoEmotions test split) are scored
by the shipped model. The shipped model is trained on every source and its thresholds are
picked by the same function from its own in-fold rows; the run writes coaching/data/
contextual.onnx, its tokenizer and contextual.json (sha256, training ids hash, seed,
commit, thresholds, every figure). Running it again reproduces the shipped thresholds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from coaching.contextual import MODEL_FILE, SIDECAR_FILE, TOKENIZER_FILE, ContextualModel
from coaching.detectors import Detectors
from coaching.scoring import CONFUSION_READS_CONTEXT
from coaching.steps import gives_instructions
from training import contextual, datasets
from training import contextual_data as cd

OUT = Path(__file__).resolve().parent.parent / "coaching" / "data"
# The operating point: a message counts when the model finds it more likely frustrated than
# not (``MIN_THRESHOLD``) and at most this share of the calm turns of *every* in-fold calm
# chat source scores above the threshold. The coach must be quiet on ordinary chat (the
# target is 2% on a source it never saw); 1% in-fold leaves room for new text being a
# little different. GoEmotions does not choose it: Reddit banter, whose "neutral" rows
# hold insults and sneers (../shared/eval/README.md: "not to choose thresholds").
CALM_FALSE_ALARMS = 0.01
MIN_THRESHOLD = 0.5
OPERATING_POINT = (
    "the lowest threshold >= 0.5 that flags <= 1% of the calm turns of every in-fold calm "
    "chat source (MultiWOZ, Taskmaster-4 rows the run did not train on); for confusion, of "
    "those calm turns that follow an agent message giving instructions"
)
THRESHOLD_ROWS = 700  # unused calm rows per in-fold calm source that choose the threshold
EVAL_ROWS = 2500  # rows of a large left-out source scored (sampled, seeded)
CALM_SOURCES = ("mwoz", "taskmaster")  # calm chat: what the threshold is chosen on
LEND: list[str] = []  # agent messages lent as context (contextual_data.with_contexts)
SIZES = dict(cd.SAMPLE)  # rows sampled from the large sources (``--sample`` changes them)


def pick_threshold(calm_scores: dict[str, Sequence[float]]) -> float:
    """The lowest threshold, at least ``MIN_THRESHOLD``, that keeps every in-fold calm chat
    source at or under ``CALM_FALSE_ALARMS``: recall as high as calm chats allow. Receives
    in-fold rows only."""
    cuts = [
        float(np.quantile(np.asarray(s), 1.0 - CALM_FALSE_ALARMS))
        for s in calm_scores.values()
        if len(s)
    ]
    return round(max([MIN_THRESHOLD, *cuts]), 4)


def threshold_rows(
    pool: dict[str, list[cd.Example]], trained: Sequence[cd.Example], seed: int
) -> dict[str, list[cd.Example]]:
    """Calm rows of the in-fold calm sources that this run did not train on."""
    used = {(r.source, r.id) for r in trained}
    rng = random.Random(seed + 1)
    out = {}
    for source in CALM_SOURCES:
        calm = [r for r in pool.get(source, []) if r.calm and (r.source, r.id) not in used]
        if calm:
            chosen = rng.sample(calm, min(THRESHOLD_ROWS, len(calm)))
            out[source] = cd.with_contexts(chosen, LEND, seed + 1)  # as they would arrive live
    return out


def after_instructions(
    pool: dict[str, list[cd.Example]], trained: Sequence[cd.Example], seed: int
) -> dict[str, list[cd.Example]]:
    """Every unused calm row of the in-fold calm sources whose agent message (as it would
    arrive live) gives instructions: the only turns a confusion nudge can be sent on
    (coaching/confusion.py), so the turns confusion's operating point must keep quiet."""
    used = {(r.source, r.id) for r in trained}
    out = {}
    for source in CALM_SOURCES:
        calm = [r for r in pool.get(source, []) if r.calm and (r.source, r.id) not in used]
        lent = cd.with_contexts(calm, LEND, seed + 2)
        chosen = [r for r in lent if r.context and gives_instructions(r.context)]
        if chosen:
            out[source] = chosen
    return out


def scores(model: ContextualModel, rows: Sequence[cd.Example], context: bool = True) -> np.ndarray:
    out = np.zeros((len(rows), 2))
    for i, r in enumerate(rows):
        s = model.score(r.text, r.context if context else "")
        out[i] = (s.frustration, s.confusion)
    return out


def lexicon_scores(rows: Sequence[cd.Example]) -> np.ndarray:
    detectors = Detectors()
    return np.asarray([detectors.frustration(r.text).score for r in rows])


def labelled_figures(
    y: np.ndarray, s: np.ndarray, t: float, lexicon: np.ndarray | None = None
) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, roc_auc_score  # the train extra

    flagged = s >= t
    tp = int((flagged & (y == 1)).sum())
    precision = tp / flagged.sum() if flagged.sum() else 0.0
    recall = tp / (y == 1).sum() if (y == 1).sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    figures = {
        "rows": len(y),
        "positives": int((y == 1).sum()),
        "roc_auc": round(float(roc_auc_score(y, s)), 4),
        "pr_auc": round(float(average_precision_score(y, s)), 4),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "calm_flagged": round(float(flagged[y == 0].mean()), 4),
    }
    if lexicon is not None:
        figures["lexicon_roc_auc"] = round(float(roc_auc_score(y, lexicon)), 4)
    return figures


def calm_figures(s: np.ndarray, t: float) -> dict[str, float]:
    return {"rows": len(s), "calm_flagged": round(float((s >= t).mean()), 4)}


def _sampled(rows: list[cd.Example], seed: int) -> list[cd.Example]:
    if len(rows) <= EVAL_ROWS:
        return rows
    return random.Random(seed).sample(rows, EVAL_ROWS)


def sgd_satisfied(eval_dir: Path) -> list[cd.Example]:
    """SGD customer turns (evaluation only) that their raters called satisfied (mean >= 3),
    with the system's previous turn as context."""
    path = eval_dir / "transcripts" / "uss_multiwoz_sgd" / "SGD.txt"
    rows, context = [], ""
    for number, line in enumerate(path.open(encoding="utf-8", errors="replace"), start=1):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 2 or parts[1] == "OVERALL":
            context = "" if not line.strip() else context
            continue
        if parts[0] == "SYSTEM":
            context = parts[1]
            continue
        rated = [int(x) for x in (parts[3] if len(parts) > 3 else "").split(",") if x.strip()]
        if parts[0] == "USER" and rated and sum(rated) / len(rated) >= 3:
            rows.append(cd.Example("sgd", f"SGD#{number}", parts[1], context, 0, 0, calm=True))
    return rows


def trained_model(
    pool: dict[str, list[cd.Example]], left_out: str | None, models: Path, seed: int
) -> tuple[Path, list[cd.Example]]:
    """The fold's model, trained once: a models folder that has it already is reused, so
    choosing operating points again needs no retraining."""
    in_fold = {s: rows for s, rows in pool.items() if s != left_out}
    trained = [r for rows in cd.sample(in_fold, seed, SIZES).values() for r in rows]
    trained = cd.with_contexts(trained, LEND, seed)
    folder = models / (left_out or "all")
    if not (folder / MODEL_FILE).exists():
        contextual.train(trained, folder, seed=seed, log=lambda m: print(f"  [{folder.name}] {m}"))
    return folder, trained


def fold_scores(
    pool: dict[str, list[cd.Example]],
    left_out: str | None,
    models: Path,
    seed: int,
    eval_dir: Path,
) -> dict[str, Any]:
    """Scores of the fold's in-fold calm rows (for the threshold) and, for a fold, of its
    left-out source; cached beside the model."""
    folder, trained = trained_model(pool, left_out, models, seed)
    cached = folder / "scores.json"
    in_fold = {s: rows for s, rows in pool.items() if s != left_out}
    if cached.exists():
        out = dict(json.loads(cached.read_text()))
        if out["ids_sha256"] != contextual.ids_hash(trained):  # another recipe's model
            sys.exit(f"{folder} holds a model trained on other rows: use another --models")
        if AFTER_INSTRUCTIONS not in out:  # scores cached before the confusion rule
            model = contextual.load(folder)
            out[AFTER_INSTRUCTIONS] = _confusion_scores(model, in_fold, trained, seed)
            cached.write_text(json.dumps(out))
        return out
    model = contextual.load(folder)
    choosing = threshold_rows(in_fold, trained, seed)
    out = {
        "left_out": left_out,
        "trained_rows": len(trained),
        "ids_sha256": contextual.ids_hash(trained),
        "in_fold_calm": {s: scores(model, rows).round(5).tolist() for s, rows in choosing.items()},
    }
    out[AFTER_INSTRUCTIONS] = _confusion_scores(model, in_fold, trained, seed)
    if left_out is not None:
        out["left_out_rows"] = left_out_scores(model, left_out, eval_dir, seed)
    else:
        out["never_trained"] = never_trained_scores(model, eval_dir)
    cached.write_text(json.dumps(out))
    return out


# Renamed when these scores began to be read as the coach reads confusion: caches holding
# the earlier ones (confusion read with the agent's message) are scored again.
AFTER_INSTRUCTIONS = "in_fold_calm_after_instructions_as_read"


def _confusion_scores(
    model: ContextualModel,
    in_fold: dict[str, list[cd.Example]],
    trained: Sequence[cd.Example],
    seed: int,
) -> dict[str, list[float]]:
    """Confusion's scores of the calm turns after instructions, read as the coach reads
    them (coaching/scoring.py: the message alone, ``CONFUSION_READS_CONTEXT``). The agent
    message only picks the turns."""
    rows = after_instructions(in_fold, trained, seed)
    return {
        s: scores(model, r, context=CONFUSION_READS_CONTEXT)[:, 1].round(5).tolist()
        for s, r in rows.items()
    }


def _scored(model: ContextualModel, rows: Sequence[cd.Example], lexicon: bool) -> dict[str, Any]:
    s = scores(model, rows)
    out = {
        "label": [r.frustrated for r in rows],
        "calm": [r.calm for r in rows],
        "score": s[:, 0].round(5).tolist(),
        "confusion": s[:, 1].round(5).tolist(),
        "score_without_context": scores(model, rows, context=False)[:, 0].round(5).tolist()
        if any(r.context for r in rows)
        else None,
    }
    if lexicon:
        out["lexicon"] = lexicon_scores(rows).round(5).tolist()
    return out


def left_out_scores(
    model: ContextualModel, source: str, eval_dir: Path, seed: int
) -> dict[str, Any]:
    """Every row of the left-out source the fold never trained on (large ones sampled)."""
    if source == "ibm":
        return _scored(model, cd.ibm(eval_dir), lexicon=True)
    if source == "goemotions":
        return _scored(model, _sampled(cd.goemotions(eval_dir, "test"), seed), lexicon=True)
    if source == "mwoz":
        return _scored(
            model, _sampled([r for r in cd.mwoz(eval_dir, "all") if r.calm], seed), False
        )
    if source == "taskmaster":
        return _scored(model, _sampled(cd.taskmaster(eval_dir, "all"), seed), lexicon=False)
    return _scored(model, _sampled(cd.written(), seed), lexicon=True)


def never_trained_scores(model: ContextualModel, eval_dir: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("frustration_airline", "frustration_amazonhelp300"):
        rows = [
            cd.Example(name, r.id, r.text, "", r.label, None)
            for r in datasets.labelled(name, eval_dir)
        ]
        out[name] = _scored(model, rows, lexicon=True)
    out["goemotions_test"] = _scored(model, cd.goemotions(eval_dir, "test"), lexicon=True)
    out["sgd_satisfied"] = _scored(model, _sampled(sgd_satisfied(eval_dir), 5), lexicon=False)
    return out


def figures_of(scored: dict[str, Any], t: float) -> dict[str, Any]:
    """The figures of one scored source at threshold ``t``."""
    from sklearn.metrics import roc_auc_score  # the train extra: choosing needs none

    s = np.asarray(scored["score"])
    y = np.asarray(scored["label"])
    calm = np.asarray(scored["calm"], dtype=bool)
    if (y == 1).any() and (y == 0).any():
        lexicon = np.asarray(scored["lexicon"]) if scored.get("lexicon") else None
        out: dict[str, Any] = labelled_figures(y, s, t, lexicon)
        if calm.any():
            out["neutral_positive_flagged"] = round(float((s[calm] >= t).mean()), 4)
    else:
        out = calm_figures(s, t)
    bare = scored.get("score_without_context")
    if bare is not None:
        bare_s = np.asarray(bare)
        if (y == 1).any() and (y == 0).any():
            out["roc_auc_without_context"] = round(float(roc_auc_score(y, bare_s)), 4)
        else:
            out["calm_flagged_without_context"] = round(float((bare_s >= t).mean()), 4)
    return out


def evaluate(fold: dict[str, Any]) -> dict[str, Any]:
    """Thresholds from the fold's in-fold rows only, then the left-out figures at them."""
    calm = {s: v for s, v in fold["in_fold_calm"].items() if s in CALM_SOURCES}
    thresholds = {
        "frustration": pick_threshold({s: [row[0] for row in v] for s, v in calm.items()}),
        "confusion": pick_threshold(
            {s: v for s, v in fold[AFTER_INSTRUCTIONS].items() if s in CALM_SOURCES}
        ),
    }
    result = {k: fold[k] for k in ("left_out", "trained_rows", "ids_sha256")}
    result["thresholds"] = thresholds
    t = thresholds["frustration"]
    if "left_out_rows" in fold:
        result["left_out_figures"] = figures_of(fold["left_out_rows"], t)
    if "never_trained" in fold:
        result["never_trained"] = {k: figures_of(v, t) for k, v in fold["never_trained"].items()}
    return result


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.loso")
    parser.add_argument("--eval-dir", type=Path, default=datasets.DEFAULT_EVAL)
    parser.add_argument(
        "--folds", default=",".join(s for s in cd.TRAINING_SOURCES if s != "written")
    )
    parser.add_argument("--no-ship", action="store_true", help="only the folds")
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="train and score the model on all sources too, but leave coaching/data as it is "
        "(an experiment)",
    )
    parser.add_argument("--seed", type=int, default=contextual.SEED)
    parser.add_argument(
        "--models",
        type=Path,
        default=Path("training/.loso_models"),
        help="where each fold's model and scores are kept (reused when present)",
    )
    parser.add_argument("--report", type=Path, default=Path("training/loso_report.json"))
    parser.add_argument(
        "--tried",
        choices=("none", "confusion", "both"),
        default="none",
        help="train on training/data/tried_in_context.jsonl too: for confusion only "
        "(frustration masked) or for both outputs; not the shipped recipe",
    )
    parser.add_argument(
        "--sample",
        default="",
        help="an experiment's sample sizes, e.g. goemotions_other=4600 (contextual_data.SAMPLE)",
    )
    args = parser.parse_args(argv)
    for item in filter(None, args.sample.split(",")):
        key, _, value = item.partition("=")
        if key not in cd.SAMPLE or not value.isdigit():
            parser.error(f"--sample: {item!r} is not NAME=ROWS, NAME one of {', '.join(cd.SAMPLE)}")
        SIZES[key] = int(value)
    pool = cd.training_pool(args.eval_dir)
    if args.tried != "none":
        pool["written"] = pool["written"] + cd.tried(confusion_only=args.tried == "confusion")
    LEND[:] = cd.agent_messages(args.eval_dir)
    report: dict[str, Any] = {
        "seed": args.seed,
        "commit": _commit(),
        "sample": SIZES,
        "folds": [],
    }
    names: list[str | None] = [] if args.no_ship else [None]
    names += [f for f in args.folds.split(",") if f]
    for name in names:  # the shipped model first: its rows choose the operating point
        fold = fold_scores(pool, name, args.models, args.seed, args.eval_dir)
        result = evaluate(fold)
        print(json.dumps(result, indent=1), flush=True)
        if name is None:
            report["shipped"] = result
        else:
            report["folds"].append(result)
        args.report.write_text(json.dumps(report, indent=1) + "\n")
    if not (args.no_ship or args.no_install):
        ship(args.models / "all", report)
    return 0


def ship(folder: Path, report: dict[str, Any]) -> None:
    """The shipped model into coaching/data, with its sidecar."""
    shipped = report["shipped"]
    raw = (folder / MODEL_FILE).read_bytes()
    sidecar = {
        "base": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0)",
        "sha256": hashlib.sha256(raw).hexdigest(),
        "ids_sha256": shipped["ids_sha256"],
        "trained_rows": shipped["trained_rows"],
        "sources": list(cd.TRAINING_SOURCES),
        "seed": report["seed"],
        "commit": report["commit"],
        "sample": report["sample"],
        "thresholds": shipped["thresholds"],
        "operating_point": OPERATING_POINT,
        "figures": {"folds": report["folds"], "never_trained": shipped["never_trained"]},
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / MODEL_FILE).write_bytes(raw)
    (OUT / TOKENIZER_FILE).write_bytes((folder / TOKENIZER_FILE).read_bytes())
    (OUT / SIDECAR_FILE).write_text(json.dumps(sidecar, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main())
