"""Feature extraction shared by both detectors, by training and by the benchmark.

A message becomes a sparse ``{feature name: value}`` map: the support cues of
coaching/cues.py, shouting and punctuation, VADER's scores and the strongest word
valences of its lexicon (frustration only), and word uni/bigrams with negation scope
marked ("not helpful" -> ``neg_helpful``). The learned weights in coaching/data decide
what each is worth. Everything is a regex or dict lookup: the whole analysis of a
message costs less than twice plain nltk VADER.

Two choices that make the models travel to text unlike their training data:
- n-gram values shrink with the length of the message (3/sqrt(tokens), at most 1), so
  the many topic words of a long message cannot outvote the few cues that say how its
  writer feels;
- the acknowledgement model reads no sentiment at all: an agent reply is negative
  because the customer's problem is, not because it acknowledges a feeling.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from coaching import cues, vader
from coaching.agent_cues import ACKNOWLEDGEMENT_CUES
from coaching.customer_cues import FRUSTRATION_CUES
from coaching.text import CleanText

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[?!]+|[.,;:]|[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_NEGATORS = frozenset(
    "not no never nothing nobody none nor cannot cant can't won't wont don't dont doesn't "
    "doesnt didn't didnt isn't isnt wasn't wasnt aren't arent haven't havent hasn't hasnt "
    "shouldn't wouldn't couldn't".split()
)
_CLAUSE_END = frozenset(".,;:")
_CAPS_WORD = re.compile(r"\b[A-Z]{3,}\b")
_ACRONYMS = frozenset(
    "API URL USA FAQ PDF SMS ATM PIN VPN DNS SSL HTTP HTTPS CEO ETA ASAP LOL LMAO OMG USPS UPS "
    "DHL IOS MAC NYC LAX JFK SFO ORD ATL DFW DEN BOS SEA IAD EWR PHL CLT LAS MCO MIA IRS TSA "
    "ID SSN EST PST CST GMT UTC AM PM AWS GCP CPU GPU RAM SSD USB HDMI TV PC PS4 PS5 XBOX "
    "NBA NFL MLB FBI CIA BBC CNN DM PM DMS RSVP FYI BTW IMO IMHO TBH AKA CC BCC CSV XML JSON "
    "SQL PHP CSS HTML SDK CLI IDE GIT SSH FTP SMTP IMAP POP VIP MVP QA HR IT UK EU UAE".split()
)
_REPEATED_PUNCT = re.compile(r"[?!]{2,}")
# Cues that say something went wrong: praise next to one of them is usually sarcasm.
_COMPLAINT_CONTEXT = (
    "waiting",
    "no_response",
    "still",
    "repeat_contact",
    "again",
    "broken_promise",
    "negated_positive",
    "not_working",
    "complaint",
    "giving_up",
    "negative_emoji",
)
# Families of cues with one shared feature (``any:<family>``) that fires for any member,
# so a rare phrasing ("hang in there") borrows the weight learned from the common ones
# ("so sorry to hear"). Explanations credit it to the member that fired.
CUE_FAMILIES: dict[str, tuple[str, ...]] = {
    "empathy": (
        "names_feeling",
        "validation",
        "warmth",
        "apology_for_experience",
        "thanks_for_patience",
        "well_wishes",
    ),
}
_NGRAM_LENGTH = 3.0  # n-grams count fully up to 9 tokens, then as 3/sqrt(tokens)


@dataclass(frozen=True, slots=True)
class MessageFeatures:
    values: dict[str, float]
    evidence: dict[str, str]  # cue name -> the words that fired it


@lru_cache(maxsize=1)
def _sentiment() -> Any:
    """nltk's VADER, read offline (coaching/vader.py)."""
    return vader.analyzer()


@lru_cache(maxsize=1)
def _valence() -> dict[str, float]:
    return {str(k): float(v) for k, v in _sentiment().lexicon.items()}


def tokens(text: str) -> list[str]:
    """Lower-cased tokens with negation scope marked on the three words after a negator."""
    return _tokens(text.lower().translate(cues.APOSTROPHES))


def _tokens(lower: str) -> list[str]:
    out: list[str] = []
    scope = 0
    for tok in _TOKEN.findall(lower):
        if tok in _CLAUSE_END:
            scope = 0
            continue
        if tok[0] in "?!":
            scope = 0
            out.append("?" if "?" in tok else "!")
            continue
        if tok in _NEGATORS or tok.endswith("n't"):
            scope = 3
            out.append(tok)
            continue
        if scope:
            scope -= 1
            out.append("neg_" + tok)
        else:
            out.append(tok)
    return out


def _shouting(text: str) -> tuple[float, str]:
    caps = [w for w in _CAPS_WORD.findall(text) if w not in _ACRONYMS]
    if not caps:
        return 0.0, ""
    words = max(1, len(text.split()))
    if len(caps) >= 2 or (len(caps[0]) >= 5 and words <= 12):
        return min(1.0, len(caps) / words * 2), " ".join(caps[:3])
    return 0.0, ""


def _add_ngrams(values: dict[str, float], toks: list[str]) -> None:
    unit = min(1.0, _NGRAM_LENGTH / math.sqrt(max(1, len(toks))))
    previous = "<s>"
    for tok in toks:
        values["w:" + tok] = unit
        values["b:" + previous + "_" + tok] = unit
        previous = tok


def _add_word_valence(values: dict[str, float], toks: list[str]) -> None:
    """The strongest negative and positive word (a negated word counts reversed, as in
    VADER) and how many negative words: one "useless" in a long message still shows."""
    lexicon = _valence()
    lowest = highest = 0.0
    negative = 0
    for tok in toks:
        if tok in _NEGATORS:
            continue  # "no" is in the lexicon, but what it negates says more
        negated = tok.startswith("neg_")
        v = -0.74 * lexicon.get(tok[4:], 0.0) if negated else lexicon.get(tok, 0.0)
        if v < 0:
            negative += 1
            lowest = min(lowest, v)
        elif v > 0:
            highest = max(highest, v)
    values["vader:max_negative_word"] = -lowest / 4
    values["vader:max_positive_word"] = highest / 4
    values["vader:negative_words"] = math.log1p(negative) / 2


def frustration_features(clean: CleanText) -> MessageFeatures:
    text = clean.text
    lower = text.lower().translate(cues.APOSTROPHES)
    values: dict[str, float] = {}
    evidence = cues.find(FRUSTRATION_CUES, text, lower)
    for name in evidence:
        values["cue:" + name] = 1.0
    shout, shouted = _shouting(text)
    if shout:
        values["cue:shouting"] = shout
        evidence["shouting"] = shouted
    punct = _REPEATED_PUNCT.search(text)
    if punct:
        values["cue:repeated_punctuation"] = 1.0
        evidence["repeated_punctuation"] = punct.group()[:6]
    pol = _sentiment().polarity_scores(text)
    compound = pol["compound"]
    values["vader:negative"] = max(0.0, -compound)
    values["vader:positive"] = max(0.0, compound)
    values["vader:neg"] = pol["neg"]
    values["vader:pos"] = pol["pos"]
    if compound <= -0.3:
        evidence["negative_tone"] = f"VADER {compound:+.2f}"
    if compound >= 0.3:
        for name in _COMPLAINT_CONTEXT:
            if name in evidence:
                # Praise wrapped around a complaint is the usual shape of sarcasm.
                values["cue:praise_with_complaint"] = 1.0
                evidence["praise_with_complaint"] = evidence[name]
                break
    toks = _tokens(lower)
    values["len:log"] = math.log1p(len(toks)) / 4
    _add_word_valence(values, toks)
    if "sarcasm" in evidence or "praise_with_complaint" in evidence:
        # Sarcastic praise is not praise: VADER's positive reading must not count.
        values["vader:positive"] = values["vader:pos"] = values["vader:max_positive_word"] = 0.0
    _add_ngrams(values, toks)
    return MessageFeatures(values, evidence)


def acknowledgement_features(clean: CleanText) -> MessageFeatures:
    text = clean.text
    lower = text.lower().translate(cues.APOSTROPHES)
    values: dict[str, float] = {}
    evidence = cues.find(ACKNOWLEDGEMENT_CUES, text, lower)
    for name in evidence:
        values["cue:" + name] = 1.0
    if any(name in evidence for name in CUE_FAMILIES["empathy"]):
        values["any:empathy"] = 1.0
    _add_ngrams(values, _tokens(lower))
    return MessageFeatures(values, evidence)
