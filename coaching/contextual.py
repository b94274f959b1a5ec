"""The contextual model: a small transformer that reads a customer's message with the
agent message before it and says how likely it is that the customer is frustrated, and
how likely that they are lost (confused).

It is all-MiniLM-L6-v2 (Apache-2.0) fine-tuned by training/contextual.py, exported to
ONNX and quantised to int8; onnxruntime runs it and the ``tokenizers`` library reads its
vocabulary, both from files shipped in coaching/data/. One message per call: dynamic
int8 quantisation scales by the whole input, so a batch would make a message's score
depend on its batch-mates. Thresholds live in the sidecar JSON beside the model (chosen
with each source left out, training/loso.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from coaching.model import sigmoid
from coaching.model_input import model_input

MODEL_FILE = "contextual.onnx"
SIDECAR_FILE = "contextual.json"
TOKENIZER_FILE = "contextual_tokenizer.json"
MAX_TOKENS = 128
OUTPUTS = ("frustration", "confusion")


class ModelUnavailable(Exception):
    """The contextual model cannot be loaded (missing file, broken install)."""


@dataclass(frozen=True, slots=True)
class Scores:
    frustration: float
    confusion: float


class ContextualModel:
    """Scores (message, context) pairs; deterministic and independent of other calls."""

    def __init__(self, folder: Path) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:  # a broken install: say which package
            raise ModelUnavailable(f"{exc.name} is not installed") from exc
        model = folder / MODEL_FILE
        try:
            raw = model.read_bytes()
            self.sidecar: dict[str, Any] = json.loads((folder / SIDECAR_FILE).read_text("utf-8"))
            self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        except Exception as exc:  # missing, unreadable or not what it should be
            raise ModelUnavailable(f"{folder}: {type(exc).__name__}: {exc}") from exc
        self.sha256 = hashlib.sha256(raw).hexdigest()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        options = ort.SessionOptions()
        # One message at a time on one thread: the runtime scores batches off the event
        # loop, and several threads per message cost more than they give at this size.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(raw, options, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise ModelUnavailable(f"{model}: {type(exc).__name__}") from exc
        self._inputs = {i.name for i in self.session.get_inputs()}

    @property
    def thresholds(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.sidecar.get("thresholds", {}).items()}

    def score(self, text: str, context: str = "") -> Scores:
        """Both probabilities for one message (already cleaned text is fine too)."""
        message, window = model_input(text, context)
        return self.score_prepared(message, window)

    def score_prepared(self, message: str, context: str) -> Scores:
        import numpy as np

        encoding = (
            self.tokenizer.encode(message, context) if context else self.tokenizer.encode(message)
        )
        feeds = {
            "input_ids": np.asarray([encoding.ids], dtype=np.int64),
            "attention_mask": np.asarray([encoding.attention_mask], dtype=np.int64),
            "token_type_ids": np.asarray([encoding.type_ids], dtype=np.int64),
        }
        (logits,) = self.session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})
        values = [sigmoid(float(x)) for x in logits[0]]
        return Scores(*values[: len(OUTPUTS)])


def shipped_folder() -> Path:
    return Path(str(resources.files("coaching").joinpath("data")))


@cache
def load_shipped() -> ContextualModel:
    """The model shipped in coaching/data (loaded once per process)."""
    return ContextualModel(shipped_folder())
