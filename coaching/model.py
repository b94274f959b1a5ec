"""Small linear models shipped as JSON, and the explanations they give.

A model is a bias, a threshold and a sparse weight per feature name (see
coaching/features.py); training/train.py writes them. The score is a logistic of the
weighted sum, and the explanation is the named cues that pushed it up the most, so an
agent reads "says they have been kept waiting" rather than feature names.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from coaching.agent_cues import ACKNOWLEDGEMENT_CUES
from coaching.customer_cues import FRUSTRATION_CUES
from coaching.features import CUE_FAMILIES, MessageFeatures
from coaching.types import Cue

_EXTRA_LABELS = {
    "shouting": "is writing in capitals",
    "repeated_punctuation": "uses repeated ?/!",
    "praise_with_complaint": "wraps a complaint in praise (sarcasm)",
    "negative_tone": "sounds negative overall",
}
LABELS = {c.name: c.label for c in FRUSTRATION_CUES + ACKNOWLEDGEMENT_CUES} | _EXTRA_LABELS
_MIN_CONTRIBUTION = 0.15
_MAX_CUES = 5


@dataclass(frozen=True, slots=True)
class Assessment:
    score: float
    fired: bool
    cues: tuple[Cue, ...]  # what pushed the score up, strongest first
    matched: frozenset[str] = frozenset()  # every cue pattern that matched, whatever its weight
    # The score alone decides (the contextual model); otherwise the engine also wants a
    # feeling cue behind it (coaching/frustration.py, ``judge``).
    decisive: bool = False
    detector: str = ""  # which scorer produced it (a model's fingerprint, or "lexicon")
    # How lost in the agent's steps the customer reads (the contextual model's second
    # output; None: the scorer has none, as the lexicon) and whether that passes its
    # threshold, with the confusion cues that explain it (coaching/confusion.py).
    confusion: float | None = None
    confused: bool = False
    confusion_cues: tuple[Cue, ...] = ()
    # (cue, the words that fired it): for explanations only, never stored or shown.
    evidence: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class LinearModel:
    name: str
    bias: float
    threshold: float
    weights: dict[str, float]
    # Past this score a message counts without a named cue behind it (None: never).
    confident: float | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearModel:
        return cls(
            name=str(data["name"]),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            weights={str(k): float(v) for k, v in data["weights"].items()},
            confident=None if data.get("confident") is None else float(data["confident"]),
        )

    def logit(self, values: dict[str, float]) -> float:
        weights = self.weights
        return self.bias + sum(weights.get(k, 0.0) * v for k, v in values.items())

    def assess(self, features: MessageFeatures) -> Assessment:
        score = sigmoid(self.logit(features.values))
        matched = frozenset(features.evidence)
        return Assessment(
            score,
            score >= self.threshold,
            self.explain(features),
            matched,
            evidence=tuple(features.evidence.items()),
        )

    def explain(self, features: MessageFeatures) -> tuple[Cue, ...]:
        """The named cues that pushed the score up the most, in plain words. Word n-grams
        count towards the score but are never a reason: "wording like 'want'" tells an
        agent nothing. Labels never quote the message, so nothing derived from it leaks
        into stored state or nudge payloads."""
        grouped: dict[str, float] = {}
        for key, value in features.values.items():
            if key.startswith(_NEVER_REASONS):
                continue
            contribution = self.weights.get(key, 0.0) * value
            if contribution <= 0:
                continue
            kind, _, name = key.partition(":")
            if kind == "cue":
                grouped[name] = grouped.get(name, 0.0) + contribution
            elif kind == "any":
                # A family's shared feature counts for the member cue that fired.
                member = next(
                    (m for m in CUE_FAMILIES.get(name, ()) if m in features.evidence), name
                )
                grouped[member] = grouped.get(member, 0.0) + contribution
            elif kind == "vader":
                grouped["negative_tone"] = grouped.get("negative_tone", 0.0) + contribution
        found = [
            Cue(name, label(name), round(weight, 3))
            for name, weight in grouped.items()
            if weight >= _MIN_CONTRIBUTION
        ]
        found.sort(key=lambda c: c.weight, reverse=True)
        return tuple(found[:_MAX_CUES])


# Word and word-pair features (most of a message's) and its length: never a reason.
_NEVER_REASONS = ("w:", "b:", "len:")


def label(name: str) -> str:
    """A cue as an agent reads it."""
    return LABELS.get(name, name.replace("_", " "))


def sigmoid(x: float) -> float:
    if x < -30:
        return 0.0
    if x > 30:
        return 1.0
    return 1.0 / (1.0 + math.exp(-x))


@cache
def load(name: str) -> LinearModel:
    """Load a model shipped in coaching/data (``frustration`` or ``acknowledgement``)."""
    raw = (
        resources.files("coaching")
        .joinpath("data")
        .joinpath(f"{name}_model.json")
        .read_text("utf-8")
    )
    return LinearModel.from_dict(json.loads(raw))
