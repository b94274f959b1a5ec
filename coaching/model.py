"""Small linear models shipped as JSON, and the explanations they give.

A model is a bias, a threshold and a sparse weight per feature name (see
coaching/features.py); training/train.py writes them. The score is a logistic of the
weighted sum, and the explanation is the features that pushed it up the most, grouped so
an agent reads "mentions waiting (“3 hours”)" rather than feature names.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from coaching import vader
from coaching.cues import LABELS
from coaching.features import CUE_FAMILIES, MessageFeatures
from coaching.language import ENGLISH_COMMON
from coaching.types import Cue

_EXTRA_LABELS = {
    "shouting": "is shouting (capitals)",
    "repeated_punctuation": "uses repeated ?/!",
    "praise_with_complaint": "wraps a complaint in praise (sarcasm)",
    "negative_tone": "negative tone",
}
_MIN_CONTRIBUTION = 0.15
_MAX_CUES = 5


@dataclass(frozen=True, slots=True)
class Assessment:
    score: float
    fired: bool
    cues: tuple[Cue, ...]  # what pushed the score up, strongest first
    matched: frozenset[str] = frozenset()  # every cue pattern that matched, whatever its weight


@dataclass(frozen=True, slots=True)
class LinearModel:
    name: str
    bias: float
    threshold: float
    weights: dict[str, float]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearModel:
        return cls(
            name=str(data["name"]),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            weights={str(k): float(v) for k, v in data["weights"].items()},
        )

    def logit(self, values: dict[str, float]) -> float:
        weights = self.weights
        return self.bias + sum(weights.get(k, 0.0) * v for k, v in values.items())

    def assess(self, features: MessageFeatures) -> Assessment:
        score = _sigmoid(self.logit(features.values))
        matched = frozenset(features.evidence)
        return Assessment(score, score >= self.threshold, self.explain(features), matched)

    def explain(self, features: MessageFeatures) -> tuple[Cue, ...]:
        grouped: dict[str, float] = {}
        words: list[tuple[float, str]] = []
        for key, value in features.values.items():
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
            elif kind in ("w", "b") and _telling(name):
                words.append((contribution, name.replace("neg_", "not ").replace("<s>_", "")))
        found: list[Cue] = []
        for name, weight in grouped.items():
            if weight < _MIN_CONTRIBUTION:
                continue
            label = LABELS.get(name) or _EXTRA_LABELS.get(name, name.replace("_", " "))
            evidence = features.evidence.get(name)
            if evidence and name != "negative_tone":
                label = f"{label} (“{evidence}”)"
            found.append(Cue(name, label, round(weight, 3)))
        words.sort(reverse=True)
        strong = [w for c, w in words if c >= _MIN_CONTRIBUTION][:3]
        if strong:
            shown = ", ".join(f"“{w.replace('_', ' ')}”" for w in strong)
            total = sum(c for c, _ in words[:3])
            found.append(Cue("wording", f"wording like {shown}", round(total, 3)))
        found.sort(key=lambda c: c.weight, reverse=True)
        return tuple(found[:_MAX_CUES])


_TELLING_FUNCTION_WORDS = frozenset({"still", "again", "already", "never", "nobody", "nothing"})


def _telling(ngram: str) -> bool:
    """Worth showing an agent: a word with feeling in it ("ridiculous", "still"), not
    function words, topic words or punctuation ("this is", "day", "?")."""
    lexicon = _lexicon()
    for token in ngram.split("_"):
        word = token.removeprefix("neg_")
        if word in _TELLING_FUNCTION_WORDS or (word in lexicon and word not in ENGLISH_COMMON):
            return True
    return False


@cache
def _lexicon() -> frozenset[str]:
    return frozenset(vader.lexicon())


def _sigmoid(x: float) -> float:
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
