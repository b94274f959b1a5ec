"""The two per-message detectors: customer frustration and agent acknowledgement.

Both clean the text, refuse to judge what they cannot read (non-English: score 0, no
cue but ``unsupported_language``), then ask their learned model. Thresholds default to the
ones chosen at training time and can be overridden by configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

from coaching import features, model
from coaching.language import is_english
from coaching.model import Assessment
from coaching.text import clean
from coaching.types import Cue

UNSUPPORTED_LANGUAGE = Cue("unsupported_language", "not English: not judged", 0.0)
_SILENT = Assessment(0.0, False, ())
_UNSUPPORTED = Assessment(0.0, False, (UNSUPPORTED_LANGUAGE,))


@dataclass(frozen=True, slots=True)
class Detectors:
    frustration_threshold: float | None = None
    acknowledgement_threshold: float | None = None

    def frustration(self, text: str) -> Assessment:
        text_ = clean(text)
        if not text_.text:
            return _SILENT
        if not is_english(text_.text):
            return _UNSUPPORTED
        m = model.load("frustration")
        result = m.assess(features.frustration_features(text_))
        return _rethreshold(result, self.frustration_threshold)

    def acknowledgement(self, text: str) -> Assessment:
        text_ = clean(text)
        if not text_.text:
            return _SILENT
        if not is_english(text_.text):
            return _UNSUPPORTED
        m = model.load("acknowledgement")
        result = m.assess(features.acknowledgement_features(text_))
        return _rethreshold(result, self.acknowledgement_threshold)


def _rethreshold(result: Assessment, threshold: float | None) -> Assessment:
    if threshold is None:
        return result
    return Assessment(result.score, result.score >= threshold, result.cues, result.matched)
