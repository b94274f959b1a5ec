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
        re.compile(_one_boundary("|".join(alternatives))),
        frozenset(words.split()),
        marks,
        non_ascii,
        re.compile(unless) if unless else None,
    )


def _top_level(pattern: str) -> list[str]:
    """A pattern's alternatives: split at each ``|`` outside groups and classes."""
    parts, current, depth, escaped, in_class = [], "", 0, False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            parts.append(current)
            current = ""
            continue
        current += char
    return [*parts, current]


def _one_boundary(pattern: str) -> str:
    r"""The same pattern with each run of neighbouring ``\b...`` alternatives written as
    one ``\b(?:...|...)``: the same matches, the same leftmost-first order, but ``re``
    tests the word boundary once per position instead of once per alternative (the
    complaint cue ran in half the time)."""
    out: list[str] = []
    run: list[str] = []
    for part in [*_top_level(pattern), None]:
        if part is not None and part.startswith(r"\b"):
            run.append(part[2:])
            continue
        if run:
            out.append(r"\b" + run[0] if len(run) == 1 else r"\b(?:" + "|".join(run) + ")")
            run = []
        if part is not None:
            out.append(part)
    return "|".join(out)


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
    hits: dict[str, str] = {}
    for cue in _gates(patterns).passed(lower, gate_keys(lower)):
        match = _first_match(cue, lower)
        if match:
            hits[cue.name] = quote[match.start() : match.end()].strip()[:40]
    return hits


@dataclass(frozen=True)
class _Gates:
    """``CuePattern.may_match`` for a whole tuple of patterns at once: which cues a
    message's words, marks and characters let through, found by looking each word up
    instead of asking every cue (the cue order is kept)."""

    patterns: tuple[CuePattern, ...]
    always: frozenset[int]
    by_word: dict[str, frozenset[int]]
    by_mark: tuple[tuple[str, int], ...]
    non_ascii: frozenset[int]

    @classmethod
    def of(cls, patterns: tuple[CuePattern, ...]) -> _Gates:
        by_word: dict[str, set[int]] = {}
        for i, cue in enumerate(patterns):
            for word in cue.words:
                by_word.setdefault(word, set()).add(i)
        return cls(
            patterns,
            frozenset(i for i, cue in enumerate(patterns) if not cue.gated),
            {word: frozenset(found) for word, found in by_word.items()},
            tuple((mark, i) for i, cue in enumerate(patterns) for mark in cue.marks),
            frozenset(i for i, cue in enumerate(patterns) if cue.non_ascii),
        )

    def passed(self, lower: str, keys: set[str]) -> list[CuePattern]:
        chosen = set(self.always)
        for key in keys & self.by_word.keys():
            chosen |= self.by_word[key]
        chosen.update(i for mark, i in self.by_mark if mark in lower)
        if self.non_ascii and not lower.isascii():
            chosen |= self.non_ascii
        return [self.patterns[i] for i in sorted(chosen)]


_GATES: dict[int, _Gates] = {}


def _gates(patterns: tuple[CuePattern, ...]) -> _Gates:
    """The gates of a tuple of patterns, built once (the tuples are module constants)."""
    gates = _GATES.get(id(patterns))
    if gates is None or gates.patterns is not patterns:
        gates = _GATES[id(patterns)] = _Gates.of(patterns)
    return gates


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
