"""Feature extraction shared by both detectors, by training and by the benchmark.

A message becomes a sparse ``{feature name: value}`` map: VADER's scores, the support
cues of coaching/cues.py, shouting and punctuation, and word uni/bigrams with negation
scope marked ("not helpful" -> ``neg_helpful``). The learned weights in coaching/data
decide what each is worth. Everything is a regex or dict lookup: the whole extraction
costs about as much as VADER itself.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from coaching import cues, vader
from coaching.text import CleanText

_TOKEN = re.compile(
    r"[a-z0-9]+(?:['’][a-z]+)?|[?!]+|[.,;:]|[\U0001F300-\U0001FAFF\u2600-\u27BF]",
    re.IGNORECASE,
)
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
_APOSTROPHE = str.maketrans({"’": "'"})


@dataclass(frozen=True, slots=True)
class MessageFeatures:
    values: dict[str, float]
    evidence: dict[str, str]  # cue name -> the words that fired it


def tokens(text: str) -> list[str]:
    """Lower-cased tokens with negation scope marked on the three words after a negator."""
    out: list[str] = []
    scope = 0
    for raw in _TOKEN.findall(text.translate(_APOSTROPHE)):
        tok = raw.lower()
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


def _add_text_features(values: dict[str, float], text: str) -> None:
    toks = tokens(text)
    values["len:log"] = math.log1p(len(toks)) / 4
    previous = "<s>"
    for tok in toks:
        values["w:" + tok] = 1.0
        values["b:" + previous + "_" + tok] = 1.0
        previous = tok


def frustration_features(clean: CleanText) -> MessageFeatures:
    text = clean.text
    values: dict[str, float] = {}
    evidence = cues.find(cues.FRUSTRATION_CUES, text)
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
    pol = vader.polarity(text)
    values["vader:negative"] = max(0.0, -pol.compound)
    values["vader:positive"] = max(0.0, pol.compound)
    values["vader:neg"] = pol.neg
    values["vader:pos"] = pol.pos
    if pol.compound <= -0.3:
        evidence["negative_tone"] = f"VADER {pol.compound:+.2f}"
    complaint_context = evidence.keys() & {
        "waiting",
        "no_response",
        "still",
        "repeat_contact",
        "negative_emoji",
        "not_working",
        "again",
    }
    if pol.compound >= 0.3 and complaint_context:
        # Praise wrapped around a complaint is the usual shape of sarcasm.
        values["cue:praise_with_complaint"] = 1.0
        evidence["praise_with_complaint"] = evidence[sorted(complaint_context)[0]]
    _add_text_features(values, text)
    return MessageFeatures(values, evidence)


def acknowledgement_features(clean: CleanText) -> MessageFeatures:
    text = clean.text
    values: dict[str, float] = {}
    evidence = cues.find(cues.ACKNOWLEDGEMENT_CUES, text)
    for name in evidence:
        values["cue:" + name] = 1.0
    pol = vader.polarity(text)
    values["vader:negative"] = max(0.0, -pol.compound)
    values["vader:positive"] = max(0.0, pol.compound)
    values["vader:neg"] = pol.neg
    values["vader:pos"] = pol.pos
    _add_text_features(values, text)
    return MessageFeatures(values, evidence)
