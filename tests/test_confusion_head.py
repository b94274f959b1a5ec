"""training/confusion_head.py: a refitted confusion output leaves frustration's exactly as
it was, and is what its weights say (the train extra's onnx builds the graph)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from coaching.contextual import MODEL_FILE, SIDECAR_FILE, TOKENIZER_FILE, shipped_folder
from training import confusion_head
from training import contextual as training_model

pytest.importorskip("onnx", reason="the train extra (pip install -e '.[train]') builds graphs")

MESSAGES = [
    ("sorry, where is that setting?", "Go to Settings, then tap Privacy."),
    ("Still nothing.", "Please restart the router."),
    ("Great, that worked, thanks!", ""),
]


def test_a_new_confusion_head_leaves_frustration_untouched(tmp_path: Path) -> None:
    shipped = shipped_folder()
    raw = (shipped / MODEL_FILE).read_bytes()
    rng = np.random.default_rng(7)
    weights = rng.normal(0, 0.1, 384).astype(np.float32)
    bias = -0.25
    (tmp_path / MODEL_FILE).write_bytes(confusion_head.with_head(raw, weights, bias))
    for name in (TOKENIZER_FILE, SIDECAR_FILE):
        (tmp_path / name).write_bytes((shipped / name).read_bytes())
    before, after = training_model.load(shipped), training_model.load(tmp_path)
    pooled = confusion_head.embeddings(raw, shipped / TOKENIZER_FILE, [m for m, _ in MESSAGES])
    for (message, context), vector in zip(MESSAGES, pooled, strict=True):
        old, new = before.score(message, context), after.score(message, context)
        assert new.frustration == old.frustration  # the same nodes: bit for bit
        alone = after.score(message, "")
        expected = 1 / (1 + math.exp(-(float(vector @ weights) + bias)))
        assert alone.confusion == pytest.approx(expected, abs=1e-5)
