"""nltk's VADER, loaded offline, with its slowest step done the quick way.

nltk's downloader (``nltk.download``) needs the internet, which fails behind firewalls and
in CI. The ``vaderSentiment`` package ships the same lexicon file, so nltk reads it from
there: nltk refuses absolute paths outside its data path, hence the folder is appended to
``nltk.data.path`` and the file is named relative to it.

nltk's ``SentiText`` strips a punctuation mark off the front or back of a token by
building, for every message, a dict of each of its words joined with each of 17 marks
before and after (and a regular expression run under a timeout): half of VADER's time on
a chat message. ``_QuickSentiText`` gives every token the same result from the token
itself; ``tests/test_vader.py`` holds the two to the same scores.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

LEXICON_FILE = "vader_lexicon.txt"
_NO_PUNCTUATION = str.maketrans("", "", string.punctuation)


@dataclass(frozen=True, slots=True)
class Polarity:
    neg: float
    neu: float
    pos: float
    compound: float


def lexicon_folder() -> str:
    import vaderSentiment

    return os.path.dirname(os.path.abspath(str(vaderSentiment.__file__)))


def _load(kind: Any) -> Any:
    import nltk

    folder = lexicon_folder()
    if folder not in nltk.data.path:
        nltk.data.path.append(folder)
    return kind(lexicon_file=LEXICON_FILE)


@lru_cache(maxsize=1)
def plain_analyzer() -> Any:
    """nltk's own analyzer, untouched: the baseline the benchmarks compare against."""
    from nltk.sentiment.vader import SentimentIntensityAnalyzer

    return _load(SentimentIntensityAnalyzer)


@lru_cache(maxsize=1)
def analyzer() -> Any:
    """The analyzer the coach uses: nltk's scores, ``_QuickSentiText``'s speed."""
    return _load(_quick_analyzer_class())


@lru_cache(maxsize=1)
def _quick_analyzer_class() -> type:
    from nltk.sentiment.vader import SentimentIntensityAnalyzer, SentiText

    class _QuickSentiText(SentiText):  # type: ignore[misc]
        def _words_and_emoticons(self) -> list[str]:
            """nltk's tokens: those of more than one character, with one mark of
            ``PUNC_LIST`` taken off the front or the back where what remains is a word of
            the message with its punctuation removed (nltk's ``_words_plus_punc``). Marks
            are ASCII punctuation and words have none, so at most one split can match."""
            marks = set(self.PUNC_LIST)
            words = {w for w in self.text.translate(_NO_PUNCTUATION).split() if len(w) > 1}
            out = []
            for token in self.text.split():
                if len(token) < 2:
                    continue
                lead = len(token) - len(token.lstrip(string.punctuation))
                trail = len(token) - len(token.rstrip(string.punctuation))
                if lead and token[:lead] in marks and token[lead:] in words:
                    token = token[lead:]
                elif trail and token[-trail:] in marks and token[:-trail] in words:
                    token = token[:-trail]
                out.append(token)
            return out

    class _QuickAnalyzer(SentimentIntensityAnalyzer):  # type: ignore[misc]
        def polarity_scores(self, text: str) -> dict[str, float]:
            # nltk 3.10's polarity_scores, with _QuickSentiText in place of SentiText and
            # a word outside the lexicon given its 0 without a call.
            sentitext = _QuickSentiText(
                text, self.constants.PUNC_LIST, self.constants.REGEX_REMOVE_PUNCTUATION
            )
            sentiments: list[float] = []
            words = sentitext.words_and_emoticons
            first_index: dict[str, int] = {}
            for index, token in enumerate(words):
                first_index.setdefault(token, index)
            lexicon = self.lexicon
            for item in words:
                i = first_index[item]
                lowered = item.lower()
                if (
                    i < len(words) - 1 and lowered == "kind" and words[i + 1].lower() == "of"
                ) or lowered in self.constants.BOOSTER_DICT:
                    sentiments.append(0)
                    continue
                if lowered not in lexicon:  # what nltk's sentiment_valence adds for it
                    sentiments.append(0)
                    continue
                sentiments = self.sentiment_valence(0, sentitext, item, i, sentiments)
            sentiments = self._but_check(words, sentiments)
            return dict(self.score_valence(sentiments, text))

    return _QuickAnalyzer


def polarity(text: str) -> Polarity:
    scores = analyzer().polarity_scores(text)
    return Polarity(scores["neg"], scores["neu"], scores["pos"], scores["compound"])


def lexicon() -> dict[str, float]:
    """The VADER word -> valence table (used by the language check)."""
    return dict(analyzer().lexicon)
