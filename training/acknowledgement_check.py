"""Would a fine-tuned model read acknowledgement better than the lexicon? (issue 18)

    pip install -e '.[train]'
    python -m training.acknowledgement_check [--seed 14] [--models training/.ack_models]

Fine-tunes all-MiniLM-L6-v2 exactly as training/contextual.py does, on the only rows whose
licences allow it: our written acknowledgement rows and our labels of the IBM agent
replies (each read with the customer message before it). EPITOME, never trained on,
judges it beside the lexicon model the coach uses, on the same rows: ROC-AUC (ranking,
free of any threshold) and F1 (the model at 0.5, the lexicon at its shipped threshold).
Nothing ships from here: the coach's acknowledgement stays the lexicon's unless this
says otherwise (docs/how-it-decides.md has the figures).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, roc_auc_score

from coaching.contextual import MODEL_FILE
from coaching.detectors import Detectors
from coaching.policy import Policy
from training import contextual, datasets
from training.contextual_data import Example

EPITOME = ("acknowledgement_epitome_strict", "acknowledgement_epitome")


def training_rows(eval_dir: Path) -> list[Example]:
    rows = datasets.written("acknowledgement") + datasets.ibm("acknowledgement", eval_dir)
    return [Example(r.source, r.id, r.text, r.context, r.label, None) for r in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.acknowledgement_check")
    parser.add_argument("--eval-dir", type=Path, default=datasets.DEFAULT_EVAL)
    parser.add_argument("--seed", type=int, default=contextual.SEED)
    parser.add_argument("--models", type=Path, default=Path("training/.ack_models"))
    args = parser.parse_args(argv)
    folder = args.models / f"seed-{args.seed}"
    if not (folder / MODEL_FILE).exists():
        contextual.train(training_rows(args.eval_dir), folder, seed=args.seed)
    model = contextual.load(folder)  # its first output, trained on acknowledgement
    policy = Policy()
    lexicon = Detectors(policy.frustration_threshold, policy.acknowledgement_threshold)
    figures = {}
    for name in EPITOME:
        rows = datasets.labelled(name, args.eval_dir)
        y = np.asarray([r.label for r in rows])
        with_context = np.asarray([model.score(r.text, r.context).frustration for r in rows])
        alone = np.asarray([model.score(r.text).frustration for r in rows])
        judged = [lexicon.acknowledgement(r.text) for r in rows]
        figures[name] = {
            "rows": len(rows),
            "positives": int(y.sum()),
            "model_roc_auc_with_context": round(float(roc_auc_score(y, with_context)), 4),
            "model_roc_auc_alone": round(float(roc_auc_score(y, alone)), 4),
            "lexicon_roc_auc": round(float(roc_auc_score(y, [a.score for a in judged])), 4),
            "model_f1_at_half": round(float(f1_score(y, alone >= 0.5)), 4),
            "lexicon_f1": round(float(f1_score(y, [a.fired for a in judged])), 4),
        }
    print(json.dumps({"seed": args.seed, "figures": figures}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
