"""coaching/vader.py's quick analyzer scores exactly as nltk's own VADER does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coaching import vader

EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"

# Tokens that nltk's punctuation stripping treats each its own way: a mark of its list
# before or after a word, marks it does not list ("..", "?!?!?"), marks on both sides,
# emoticons, contractions, one-letter words, capitals, "kind of", "but", non-ASCII.
TRICKY = [
    "",
    "ok",
    "Great!!! Thanks, really.",
    "great!!!! it works?!?!? no...",
    "'Awesome' said nobody, ever.",
    '"terrible" -- is the word; :( :) :D <3',
    "It's kind of bad, but the staff were GREAT!",
    "..awful.. ,good, !bad! ?? !? ?!?",
    "not bad at all, I don't hate it",
    "I'm SO angry right now -- fix it!!",
    "café naïve — “smart quotes” and ‘these’ are not ASCII",
    "a b c d: e; f' 'g",
    "The worst. The WORST! the worst?",
    "no, no, NO; never again",
    "sort of happy; kinda sad; kind of okay-ish",
    "http://example.com/bad?q=good ok-ok -ok ok-",
]


@pytest.mark.parametrize("text", TRICKY)
def test_quick_analyzer_scores_as_nltk_does(text: str) -> None:
    assert vader.analyzer().polarity_scores(text) == vader.plain_analyzer().polarity_scores(text)


def test_the_quick_analyzer_is_not_nltks_own() -> None:
    """Else the test above would compare nltk with itself."""
    assert type(vader.analyzer()) is not type(vader.plain_analyzer())
    quick = type(vader.analyzer())
    assert quick.polarity_scores is not type(vader.plain_analyzer()).polarity_scores


@pytest.mark.skipif(not (EVAL_DIR / "labelled").is_dir(), reason=f"no eval data at {EVAL_DIR}")
def test_quick_analyzer_on_every_labelled_message() -> None:
    texts = [
        str(json.loads(line).get("text", ""))
        for path in sorted((EVAL_DIR / "labelled").glob("*.jsonl"))
        for line in path.open(encoding="utf-8")
    ]
    texts = texts[::4]  # a quarter: nltk's own takes seconds over all of them
    assert len(texts) > 10_000
    quick, plain = vader.analyzer(), vader.plain_analyzer()
    differ = [t for t in texts if quick.polarity_scores(t) != plain.polarity_scores(t)]
    assert not differ, differ[:5]
