"""Refit the contextual model's confusion output, leaving its frustration output as it is.

    python -m training.confusion_head [--models training/.loso_models] [--out DIR]
                                      [--eval-dir ../shared/eval] [--install]

The fine-tuned encoder is kept frozen. The new confusion output is a logistic regression
on the model's pooled embedding of the customer message read alone, as the coach reads
confusion (coaching/scoring.py, ``CONFUSION_READS_CONTEXT``), fitted on every row with a
confusion label that trained the all-sources model, plus the confusion labels of
training/data/tried_in_context.jsonl. The exported graph computes frustration exactly as
before (the same nodes, column 0 of the old output), so every frustration figure, the
leave-one-source-out folds included, stays what it was; only confusion's column is new
(fp32: it depends on no other message). Confusion's threshold is then chosen by
training/loso.py's rule (calm turns after instructions). ``--install`` writes the model
and its sidecar into coaching/data.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from coaching.contextual import MODEL_FILE, SIDECAR_FILE, TOKENIZER_FILE, ContextualModel
from coaching.model_input import model_input
from training import contextual, datasets, loso
from training import contextual_data as cd

POOLED = "/Div_output_0"  # mean pooling over real tokens: the head's input in the graph
C = 1.0  # sklearn's default regularisation, fixed before any figure was seen
CLASS_WEIGHT = {0: 1.0, 1: 2.0}  # as the fine-tuning loss weighs confusion's positives


def head_rows(trained: Sequence[cd.Example]) -> list[cd.Example]:
    """The rows the head learns from: those with a confusion label."""
    rows = [r for r in trained if r.confused is not None]
    return rows + [r for r in cd.tried(confusion_only=True) if r.confused is not None]


def embeddings(raw: bytes, tokenizer_file: Path, texts: Sequence[str]) -> np.ndarray:
    """The pooled embedding of each text read alone, one message per run (as the coach)."""
    import onnx
    import onnxruntime as ort
    from tokenizers import Tokenizer

    graph = onnx.load_from_string(raw)
    graph.graph.output.append(
        onnx.helper.make_tensor_value_info(POOLED, onnx.TensorProto.FLOAT, None)
    )
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(
        graph.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    tokenizer.enable_truncation(contextual.MAX_TOKENS)
    tokenizer.no_padding()
    out = []
    for text in texts:
        e = tokenizer.encode(text)
        feeds = {
            "input_ids": np.asarray([e.ids], dtype=np.int64),
            "attention_mask": np.asarray([e.attention_mask], dtype=np.int64),
            "token_type_ids": np.asarray([e.type_ids], dtype=np.int64),
        }
        out.append(session.run([POOLED], feeds)[0][0])
    return np.stack(out).astype(np.float32)


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression  # the train extra

    clf = LogisticRegression(C=C, class_weight=CLASS_WEIGHT, max_iter=5000)
    clf.fit(x, y)
    return clf.coef_[0].astype(np.float32), float(clf.intercept_[0])


def with_head(raw: bytes, weights: np.ndarray, bias: float) -> bytes:
    """The graph with its confusion logit replaced: frustration's column untouched."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load_from_string(raw)
    graph = model.graph
    shipped = "logits_shipped"
    for node in graph.node:
        node.output[:] = [shipped if o == "logits" else o for o in node.output]
    graph.initializer.extend(
        [
            numpy_helper.from_array(weights.reshape(-1, 1), "confusion_head.weight"),
            numpy_helper.from_array(np.asarray([bias], dtype=np.float32), "confusion_head.bias"),
            numpy_helper.from_array(np.asarray([0], dtype=np.int64), "confusion_head.start"),
            numpy_helper.from_array(np.asarray([1], dtype=np.int64), "confusion_head.end"),
            numpy_helper.from_array(np.asarray([1], dtype=np.int64), "confusion_head.axis"),
        ]
    )
    graph.node.extend(
        [
            helper.make_node(
                "Slice",
                [shipped, "confusion_head.start", "confusion_head.end", "confusion_head.axis"],
                ["frustration_logit"],
            ),
            helper.make_node("MatMul", [POOLED, "confusion_head.weight"], ["confusion_mm"]),
            helper.make_node("Add", ["confusion_mm", "confusion_head.bias"], ["confusion_logit"]),
            helper.make_node(
                "Concat", ["frustration_logit", "confusion_logit"], ["logits"], axis=1
            ),
        ]
    )
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())


def frustration_unchanged(
    before: ContextualModel, after: ContextualModel, rows: Sequence[cd.Example]
) -> float:
    """The largest difference of frustration's score between the two models on ``rows``."""
    worst = 0.0
    for r in rows:
        a, b = before.score(r.text, r.context), after.score(r.text, r.context)
        worst = max(worst, abs(a.frustration - b.frustration))
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.confusion_head")
    parser.add_argument("--eval-dir", type=Path, default=datasets.DEFAULT_EVAL)
    parser.add_argument("--models", type=Path, default=Path("training/.loso_models"))
    parser.add_argument("--out", type=Path, default=None, help="default: MODELS/confusion_head")
    parser.add_argument("--seed", type=int, default=contextual.SEED)
    parser.add_argument("--install", action="store_true", help="write it into coaching/data")
    args = parser.parse_args(argv)
    out: Path = args.out or args.models / "confusion_head"
    pool = cd.training_pool(args.eval_dir)
    loso.LEND[:] = cd.agent_messages(args.eval_dir)
    source, trained = loso.trained_model(pool, None, args.models, args.seed)
    rows = head_rows(trained)
    texts = [model_input(r.text, "")[0] for r in rows]
    raw = (source / MODEL_FILE).read_bytes()
    print(
        f"embedding {len(rows)} rows ({sum(bool(r.confused) for r in rows)} lost) ...", flush=True
    )
    x = embeddings(raw, source / TOKENIZER_FILE, texts)
    weights, bias = fit(x, np.asarray([int(bool(r.confused)) for r in rows]))
    out.mkdir(parents=True, exist_ok=True)
    new = with_head(raw, weights, bias)
    (out / MODEL_FILE).write_bytes(new)
    (out / TOKENIZER_FILE).write_bytes((source / TOKENIZER_FILE).read_bytes())
    sidecar = (
        json.loads((source / SIDECAR_FILE).read_text()) if (source / SIDECAR_FILE).exists() else {}
    )
    (out / SIDECAR_FILE).write_text(json.dumps(sidecar))
    model = contextual.load(out)
    confusion = loso.pick_threshold(loso._confusion_scores(model, pool, trained, args.seed))
    check_rows = [r for rs in loso.threshold_rows(pool, trained, args.seed).values() for r in rs]
    check_rows += cd.ibm(args.eval_dir)
    worst = frustration_unchanged(contextual.load(source), model, check_rows)
    sidecar["sha256"] = hashlib.sha256(new).hexdigest()
    sidecar.setdefault("thresholds", {})["confusion"] = confusion
    sidecar["confusion_head"] = {
        "recipe": "logistic regression on the pooled embedding of the message read alone; "
        "encoder and frustration output as trained (training/confusion_head.py)",
        "rows": len(rows),
        "lost_rows": int(sum(bool(r.confused) for r in rows)),
        "ids_sha256": contextual.ids_hash(rows),
        "C": C,
        "class_weight": {str(k): v for k, v in CLASS_WEIGHT.items()},
        "from_sha256": hashlib.sha256(raw).hexdigest(),
    }
    (out / SIDECAR_FILE).write_text(json.dumps(sidecar, indent=1) + "\n")
    print(
        json.dumps(
            {
                "confusion_threshold": confusion,
                "frustration_max_difference": worst,
                "rows_checked": len(check_rows),
                **sidecar["confusion_head"],
            },
            indent=1,
        )
    )
    if args.install:
        if worst != 0.0:
            print("frustration changed: not installed", file=sys.stderr)
            return 1
        for name in (MODEL_FILE, TOKENIZER_FILE, SIDECAR_FILE):
            (loso.OUT / name).write_bytes((out / name).read_bytes())
    return 0


if __name__ == "__main__":
    sys.exit(main())
