"""nltk's VADER, loaded offline.

nltk's downloader (``nltk.download``) needs the internet, which fails behind firewalls and
in CI. The ``vaderSentiment`` package ships the same lexicon file, so nltk reads it from
there: nltk refuses absolute paths outside its data path, hence the folder is appended to
``nltk.data.path`` and the file is named relative to it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

LEXICON_FILE = "vader_lexicon.txt"


@dataclass(frozen=True, slots=True)
class Polarity:
    neg: float
    neu: float
    pos: float
    compound: float


def lexicon_folder() -> str:
    import vaderSentiment

    return os.path.dirname(os.path.abspath(str(vaderSentiment.__file__)))


@lru_cache(maxsize=1)
def analyzer() -> Any:
    import nltk
    from nltk.sentiment.vader import SentimentIntensityAnalyzer

    folder = lexicon_folder()
    if folder not in nltk.data.path:
        nltk.data.path.append(folder)
    return SentimentIntensityAnalyzer(lexicon_file=LEXICON_FILE)


def polarity(text: str) -> Polarity:
    scores = analyzer().polarity_scores(text)
    return Polarity(scores["neg"], scores["neu"], scores["pos"], scores["compound"])


def lexicon() -> dict[str, float]:
    """The VADER word -> valence table (used by the language check)."""
    return dict(analyzer().lexicon)
