"""Support-specific cues: small, named patterns that plain sentiment misses.

Each cue is a weak feature for the learned models (coaching/model.py decides how much it
counts) and a human-readable reason when it fires. Patterns are deliberately broad; the
weights, learned from data, keep a calm "can I get a refund?" from counting like
"I want a refund NOW". Patterns are lower case and run on the lower-cased message; each
has a cheap word gate so that most messages skip most regexes (see ``CuePattern``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CuePattern:
    name: str
    label: str  # reason shown to an agent, in plain words and never quoting the message
    pattern: re.Pattern[str]
    # A gate that lets most messages skip the regex (empty: always searched). The
    # pattern can only match a message that has one of ``words`` (a four-letter entry
    # also stands for every longer word it begins: "frus" for "frustrating"), contains
    # one of ``marks``, or, with ``non_ascii``, has a character beyond ASCII (emoji).
    # training/train.py checks on every text it trains on that no gate hides a match.
    words: frozenset[str] = frozenset()
    marks: tuple[str, ...] = ()
    non_ascii: bool = False
    # Words that say a match means something else (empty: none): a match that overlaps
    # one of these does not count, so the cue fires only on a match elsewhere. The
    # waiting cue's "since Tuesday" counts in "no reply since Tuesday", not in "the
    # printer has been jammed since Tuesday", the age of a problem. Only ever takes
    # matches away, so the gate above stays a gate for ``pattern`` alone.
    unless: re.Pattern[str] | None = None

    @property
    def gated(self) -> bool:
        return bool(self.words or self.marks or self.non_ascii)

    def may_match(self, lower: str, keys: set[str]) -> bool:
        return (
            not self.gated
            or not self.words.isdisjoint(keys)
            or any(mark in lower for mark in self.marks)
            or (self.non_ascii and not lower.isascii())
        )


def cue(
    name: str,
    label: str,
    *alternatives: str,
    words: str = "",
    marks: tuple[str, ...] = (),
    non_ascii: bool = False,
    unless: str = "",
) -> CuePattern:
    # Patterns are written in lower case and run on the lower-cased text: much faster
    # than re.IGNORECASE.
    return CuePattern(
        name,
        label,
        re.compile("|".join(alternatives)),
        frozenset(words.split()),
        marks,
        non_ascii,
        re.compile(unless) if unless else None,
    )


# Words for feelings: customers name them (frustration), agents name them back
# (acknowledgement).
FEELING = (
    r"(?:frustrat\w*|annoy\w*|upset\w*|disappoint\w*|stress\w*|worr\w*|anxi\w*|angr\w*|"
    r"inconvenien\w*|maddening|infuriating|exhausting|confus\w*|aggravat\w*|irritat\w*)"
)

APOSTROPHES = str.maketrans({"’": "'", "‘": "'"})


_GATE_WORD = re.compile(r"[a-z]+|[0-9]+")


def gate_keys(lower: str) -> set[str]:
    """The words (letter and digit runs: "3hrs" gives "3", "hrs") of a lower-cased message,
    and the first four letters of the longer ones."""
    words = _GATE_WORD.findall(lower)
    keys = set(words)
    keys.update([w[:4] for w in words if len(w) > 4])
    return keys


def find(patterns: tuple[CuePattern, ...], text: str, lower: str | None = None) -> dict[str, str]:
    """Cue name -> the words that fired it (first match), for every cue that fires.

    ``lower`` is ``text.lower().translate(APOSTROPHES)`` when the caller has it already.
    """
    if lower is None:
        lower = text.lower().translate(APOSTROPHES)
    quote = text if len(lower) == len(text) else lower
    keys = gate_keys(lower)
    hits: dict[str, str] = {}
    for cue in patterns:
        if not cue.may_match(lower, keys):
            continue
        match = _first_match(cue, lower)
        if match:
            hits[cue.name] = quote[match.start() : match.end()].strip()[:40]
    return hits


def _first_match(cue: CuePattern, lower: str) -> re.Match[str] | None:
    """The first match of the cue's pattern that no ``unless`` phrase overlaps."""
    if cue.unless is None:
        return cue.pattern.search(lower)
    vetoes = [(m.start(), m.end()) for m in cue.unless.finditer(lower)]
    if not vetoes:
        return cue.pattern.search(lower)
    match = cue.pattern.search(lower)
    while match is not None:
        if not any(start < match.end() and match.start() < end for start, end in vetoes):
            return match
        match = cue.pattern.search(lower, match.start() + 1)
    return None
