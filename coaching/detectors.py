"""The two per-message detectors: customer frustration and agent acknowledgement.

Both clean the text, refuse to judge what they cannot read (non-English: score 0, no
cue but ``unsupported_language``), then ask their learned model. Thresholds default to the
ones chosen at training time and can be overridden by configuration. A frustration score
past the threshold counts when a support cue explains it (coaching/frustration.py), or
when it is past the model's ``confident`` score, where the many weak features agree.
This is the message read on its own (``coach analyze``); in a conversation the engine
asks for more before it acts (``frustration.judge``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from coaching import features, model
from coaching.frustration import explained
from coaching.language import is_english
from coaching.model import Assessment
from coaching.text import CleanText, clean
from coaching.types import Cue

UNSUPPORTED_LANGUAGE = Cue("unsupported_language", "not English: not judged", 0.0)
_SILENT = Assessment(0.0, False, ())
_UNSUPPORTED = Assessment(0.0, False, (UNSUPPORTED_LANGUAGE,))


@dataclass(frozen=True, slots=True)
class Detectors:
    frustration_threshold: float | None = None
    acknowledgement_threshold: float | None = None

    def frustration(self, text: str) -> Assessment:
        result = _assess(
            text, "frustration", features.frustration_features, self.frustration_threshold
        )
        confident = model.load("frustration").confident
        unexplained = not explained(result) and (confident is None or result.score < confident)
        if result.fired and unexplained:
            return replace(result, fired=False)
        return result

    def acknowledgement(self, text: str) -> Assessment:
        return _assess(
            text,
            "acknowledgement",
            features.acknowledgement_features,
            self.acknowledgement_threshold,
        )


def _assess(
    text: str,
    model_name: str,
    extract: Callable[[CleanText], features.MessageFeatures],
    threshold: float | None,
) -> Assessment:
    cleaned = clean(text)
    if not cleaned.text:
        return _SILENT
    if not is_english(cleaned.text):
        return _UNSUPPORTED
    result = model.load(model_name).assess(extract(cleaned))
    return _rethreshold(result, threshold)


def _rethreshold(result: Assessment, threshold: float | None) -> Assessment:
    if threshold is None:
        return result
    return replace(result, fired=result.score >= threshold)
