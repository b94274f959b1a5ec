"""What a larger base model would cost per message, before training one.

    python -m training.base_sizes [--eval-dir ../shared/eval] [--pairs 600] [--rounds 5]
                                  [--out training/.base_sizes]

Builds the shipped architecture (coaching/contextual.py: the encoder, mean pooling, two
outputs) at the shipped size and at larger ones, with random weights (a run's cost does
not depend on them), exports each exactly as training/contextual.py exports the shipped
model (ONNX, dynamic int8), and times one run per message as the coach makes it
(``ContextualModel.score_prepared``, one thread) on customer turns of the transcripts read
with the agent message before them (benchmarks/speed.py's pairs), next to the shipped
model and nltk VADER on the same texts, in interleaved rounds (medians). Needs the
``train`` extra (torch, to export).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.speed import with_context
from coaching import vader
from coaching.contextual import TOKENIZER_FILE, ContextualModel, load_shipped, shipped_folder
from coaching.model_input import model_input
from training import contextual
from training.datasets import DEFAULT_EVAL

# name -> changes to the base's configuration (all-MiniLM-L6-v2: 6 layers, 384 wide)
SIZES: dict[str, dict[str, int]] = {
    "6 layers x 384 (the shipped size)": {},
    "12 layers x 384 (all-MiniLM-L12-v2's size)": {"num_hidden_layers": 12},
    "12 layers x 768 (BERT-base's size)": {
        "num_hidden_layers": 12,
        "hidden_size": 768,
        "num_attention_heads": 12,
        "intermediate_size": 3072,
    },
}


def exported(name: str, changes: dict[str, int], out: Path) -> ContextualModel:
    """The architecture at this size, random weights, exported as the shipped one is."""
    import torch
    import transformers

    folder = out / name.split(" (")[0].replace(" ", "")
    if not (folder / contextual.MODEL_FILE).exists():
        folder.mkdir(parents=True, exist_ok=True)
        config = transformers.AutoConfig.from_pretrained(str(contextual.base_model_path()))
        for key, value in changes.items():
            setattr(config, key, value)
        torch.manual_seed(0)
        model = contextual.build_from_config(torch, transformers, config).eval()
        contextual.export(torch, model, folder)
        shutil.copy(shipped_folder() / TOKENIZER_FILE, folder / TOKENIZER_FILE)
    return contextual.load(folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.base_sizes")
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--pairs", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("training/.base_sizes"))
    args = parser.parse_args(argv)
    pairs = with_context(args.eval_dir, args.pairs)
    prepared = [model_input(text, agent) for text, agent in pairs]
    models = {"shipped model": load_shipped()}
    models |= {name: exported(name, changes, args.out) for name, changes in SIZES.items()}
    sia = vader.plain_analyzer()

    def runs(model: ContextualModel) -> Callable[[], Any]:
        return lambda: [model.score_prepared(m, c) for m, c in prepared]

    passes = {name: runs(model) for name, model in models.items()}
    passes["nltk VADER"] = lambda: [sia.polarity_scores(text) for text, _ in pairs]
    for run in passes.values():  # warm up
        run()
    times: dict[str, list[float]] = {name: [] for name in passes}
    for _ in range(args.rounds):
        for name, run in passes.items():
            start = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - start) / len(pairs))
    baseline = statistics.median(times["nltk VADER"])
    shipped_size = statistics.median(times[next(iter(SIZES))])
    print(f"{len(pairs)} customer turns read with the agent message before them, one run each")
    for name, each in times.items():
        t = statistics.median(each)
        print(
            f"  {name:<44} {1000 * t:7.2f} ms  {t / baseline:7.1f}x VADER"
            f"  {t / shipped_size:5.2f}x the shipped size"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
