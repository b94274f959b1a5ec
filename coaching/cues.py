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
) -> CuePattern:
    # Patterns are written in lower case and run on the lower-cased text: much faster
    # than re.IGNORECASE.
    return CuePattern(
        name, label, re.compile("|".join(alternatives)), frozenset(words.split()), marks, non_ascii
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
        match = cue.pattern.search(lower)
        if match:
            hits[cue.name] = quote[match.start() : match.end()].strip()[:40]
    return hits
