"""The two scorers the coach can run, behind one interface: how a message reads.

- ``LexiconScorer``: the linear models over cues, VADER and n-grams (coaching/detectors.py).
  It reads a message on its own; in a conversation the engine also wants a feeling cue
  behind a frustrated score (coaching/frustration.py, ``judge``).
- ``ContextualScorer`` (the default): the contextual model (coaching/contextual.py) reads
  the customer's message with the agent message before it, and its score at its operating
  point decides. The cue lists only explain: a cue becomes a reason where taking its words
  out of the message lowers the score noticeably; with none, the plain "sounds frustrated".
  Closings, declines and escalation intent still come from the cue patterns (what the
  message says, not how it feels). The model's second output, confusion, is judged at
  its own threshold and explained the same way by the confusion cues (coaching/steps.py);
  the lexicon has no confusion output, so with it the coach sends no confusion nudges.
  Acknowledgement stays with the lexicon model: no
  licence-clean set large enough to train a better one exists here (EPITOME only
  evaluates).

Both are deterministic: a message's assessment depends on its text and context only.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import ClassVar, Protocol

from coaching.contextual import ContextualModel
from coaching.detectors import UNSUPPORTED_LANGUAGE, Detectors
from coaching.frustration import PLAIN_REASON
from coaching.model import Assessment, label
from coaching.model_input import model_input
from coaching.steps import CONFUSION_LABELS, confusion_evidence
from coaching.types import Cue

SOUNDS_FRUSTRATED = Cue(PLAIN_REASON, "sounds frustrated", 0.0)
SEEMS_LOST = Cue("seems_lost", "seems lost in the steps", 0.0)
# A cue explains a score when taking its words out lowers the model's log-odds by at least
# this much (the odds by about a third). Log-odds, not the probability: in a message with
# several cues each one alone barely moves a score near 1, yet each is a reason.
MIN_LOGIT_DROP = 0.4
_MAX_REASON_CUES = 3
_NOT_WORDS = frozenset({"negative_tone", "unsupported_language"})
# Whether the confusion output reads the agent message before the customer's too. Not:
# measured on tests/test_confusion_tables.py's tables, each reading at the threshold
# training/loso.py's rule chooses for it (on calm turns after instructions read the same
# way). The shipped model (sha 835c7f74e42c): with context 0.6989, 31 of 34 lost customers,
# 5 of 34 calm follow-ups and 0 of 96 calm generalisation lines; alone 0.6125, 28, 3 and 0
# (the model before it, a3eddb692ecc: with context 0.7005, 32, 10 and 1; alone 0.5008, 30,
# 5 and 0). Fewer false alarms win; it costs a second model run for a message that has
# context. Measure again when the model changes (python -m training.tables on its folder,
# with this constant and confusion's threshold set for each reading).
CONFUSION_READS_CONTEXT = False


class Scorer(Protocol):
    """What the runtime asks of a scorer; ``fingerprint`` names the exact detector."""

    @property
    def name(self) -> str: ...
    @property
    def fingerprint(self) -> str: ...
    @property
    def reads_context(self) -> bool:
        """Whether a customer message is read with the agent message before it."""
        ...

    def frustration(self, text: str, context: str = "", confusion: bool = True) -> Assessment: ...
    def acknowledgement(self, text: str, context: str = "") -> Assessment: ...


@dataclass(frozen=True)
class LexiconScorer:
    detectors: Detectors
    name: str = "lexicon"
    fingerprint: str = "lexicon"
    reads_context: ClassVar[bool] = False

    def frustration(self, text: str, context: str = "", confusion: bool = True) -> Assessment:
        return replace(self.detectors.frustration(text), detector=self.fingerprint)

    def acknowledgement(self, text: str, context: str = "") -> Assessment:
        return replace(self.detectors.acknowledgement(text), detector=self.fingerprint)


class ContextualScorer:
    name = "contextual"
    reads_context = True

    def __init__(
        self, model: ContextualModel, detectors: Detectors, threshold: float | None = None
    ) -> None:
        self.model = model
        self.detectors = detectors
        self.threshold = model.thresholds["frustration"] if threshold is None else threshold
        # A model without a confusion threshold in its sidecar judges no confusion.
        self.confusion_threshold = model.thresholds.get("confusion")
        self.fingerprint = f"contextual:{model.sha256[:12]}"

    def frustration(self, text: str, context: str = "", confusion: bool = True) -> Assessment:
        """How the customer's message reads: frustrated, and lost (both model outputs).
        ``confusion=False``: not lost where that would cost a second model run (the
        runtime knows no confusion nudge can follow: no instructions were given)."""
        message, window = model_input(text, context)
        lexicon = self.detectors.frustration(text)  # cue matches, and the language check
        if not message or UNSUPPORTED_LANGUAGE in lexicon.cues:
            # nothing to read, or not English
            return replace(lexicon, decisive=True, detector=self.fingerprint)
        scores = self.model.score_prepared(message, window)
        score = scores.frustration
        fired = score >= self.threshold
        cues = self._explain(message, window, score, lexicon) if fired else ()
        assessment = Assessment(
            round(score, 4), fired, cues, lexicon.matched, True, self.fingerprint
        )
        lost_in = window if CONFUSION_READS_CONTEXT else ""
        same_reading = lost_in == window  # no second run when the reading is the same
        if self.confusion_threshold is None or not (confusion or same_reading):
            return assessment
        lost_score = (
            scores.confusion if same_reading else self.model.score_prepared(message, "").confusion
        )
        confused = lost_score >= self.confusion_threshold
        return replace(
            assessment,
            confusion=round(lost_score, 4),
            confused=confused,
            confusion_cues=self._explain_confusion(message, lost_in, lost_score)
            if confused
            else (),
        )

    def acknowledgement(self, text: str, context: str = "") -> Assessment:
        return replace(self.detectors.acknowledgement(text), detector="lexicon")

    def _explain(
        self, message: str, context: str, score: float, lexicon: Assessment
    ) -> tuple[Cue, ...]:
        """The cues whose words, taken out, lower the score noticeably; strongest first."""
        found: list[Cue] = []
        candidates = [(n, w) for n, w in lexicon.evidence if n not in _NOT_WORDS and w]
        everything_out = message
        for name, words in candidates:
            without = _without(message, name, words)
            everything_out = _without(everything_out, name, words)
            drop = self._drop(score, without, context)
            if drop >= MIN_LOGIT_DROP:
                found.append(Cue(name, label(name), round(drop, 3)))
        if not found and candidates:
            # Cues that say the same thing twice ("still nothing, third time asking") hide
            # behind each other: taken out together, they may explain the score between them.
            drop = self._drop(score, everything_out, context)
            if drop >= MIN_LOGIT_DROP:
                found = [Cue(n, label(n), round(drop, 3)) for n, _ in candidates]
        found.sort(key=lambda c: c.weight, reverse=True)
        return tuple(found[:_MAX_REASON_CUES]) or (SOUNDS_FRUSTRATED,)

    def _explain_confusion(self, message: str, context: str, score: float) -> tuple[Cue, ...]:
        """The confusion cues whose words, taken out, lower the confusion score noticeably;
        with none, the plain "seems lost in the steps"."""
        found = []
        for name, words in confusion_evidence(message):
            without = _without(message, name, words)
            lower = self.model.score_prepared(without, context).confusion
            drop = _logit(score) - _logit(lower)
            if drop >= MIN_LOGIT_DROP:
                found.append(Cue(name, CONFUSION_LABELS[name], round(drop, 3)))
        found.sort(key=lambda c: c.weight, reverse=True)
        return tuple(found[:_MAX_REASON_CUES]) or (SEEMS_LOST,)

    def _drop(self, score: float, changed: str, context: str) -> float:
        """How much lower the log-odds are for ``changed`` (0 when nothing changed)."""
        return _logit(score) - _logit(self.model.score_prepared(changed, context).frustration)


def _without(message: str, name: str, words: str) -> str:
    """The message with a cue's words taken out (capitals lowered, "!!!" made one)."""
    if name == "shouting":
        return re.sub(re.escape(words), words.lower(), message, flags=re.IGNORECASE)
    if name == "repeated_punctuation":
        return re.sub(r"([!?])[!?]+", r"\1", message)
    return re.sub(re.escape(words), " ", message, count=1, flags=re.IGNORECASE).strip()


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))
