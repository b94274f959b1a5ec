"""Instructions and being lost in them: what the confusion nudge reads besides the model.

- ``gives_instructions``: whether an agent message gave instructions or asked the
  customer to do something. Simply: one of its sentences (or a clause after "then",
  "next", "first"...) starts with an action verb ("go to", "click", "restart", "try"),
  asks "can / could / would you ...", or says "you'll need to", "make sure", "step 2". Only
  after such a message can a customer be lost in the steps (coaching/confusion.py).
- ``clarifies``: whether the agent's next reply to a lost customer clarified: it checks
  where they are ("what do you see on your screen?"), offers a screenshot, a video or a
  call, or gives one step only, in fewer words than the instructions that lost them.
- ``confusion_evidence``: the confusion cues and the words that fired them. They only
  explain the model's confusion score (coaching/scoring.py), never decide it.

Patterns only, no model: deterministic and cheap, like coaching/customer_cues.py.
"""

from __future__ import annotations

import re

_ACTION_VERBS = (
    r"go|goto|click|tap|press|hit|open|select|choose|enter|type|navigate|scroll|find|check"
    r"|try|restart|reboot|reset|log|sign|install|uninstall|reinstall|download|update|upgrade"
    r"|clear|toggle|turn|switch|unplug|plug|hold|drag|copy|paste|visit|head|follow|delete"
    r"|remove|add|disable|enable|change|set|upload|attach|send|refresh|reload"
    r"|close|quit|launch|run|connect|disconnect|pair|insert|expand|tick|untick|look|use"
    r"|right-click|double-click|long-press|long press|swipe|power|wait|reply|fill|save|export"
    r"|import|forward"
    r"|let me know|tell me|share"
)
# What may stand before a step's verb: "please", "then", "1.", "- ", "ok so now"...
_LEAD_IN = (
    r"(?:(?:\d+[.)]|[-*•]|step \d+:?|please|pls|just|then|and|so|now|next|first|firstly"
    r"|second|secondly|finally|lastly|also|ok(?:ay)?|great|sure|alright|after that"
    r"|once (?:that'?s|it'?s) done|once done|from there|in there|there"
    r"|(?:in|on|from|under|inside|within|at|via|using|if|when|once) [^,.!?]{1,40},)[\s,:]+)*"
)
_STEP = re.compile(rf"^{_LEAD_IN}(?:{_ACTION_VERBS})\b", re.IGNORECASE)
_ASKS_TO_DO = re.compile(
    r"\b(?:can|could|would|will) you (?:please |kindly |just )?(?!(?:be|like|prefer|want|need|have|know|confirm)\b)\w+"
    r"|\byou(?:'ll| will)? (?:need|have) to\b|\byou should\b|\bmake sure\b"
    r"|\bstep (?:\d+|one|two|three)\b",
    re.IGNORECASE,
)
# Sentence ends, line breaks, and the joints where a second step starts.
_CLAUSES = re.compile(
    r"[.!?;:\n]+\s*|,?\s+(?:and )?then\s+|,\s*(?:and|next|after that)\s+", re.IGNORECASE
)


def step_count(text: str) -> int:
    """How many of the message's clauses are a step (an action verb first)."""
    return sum(1 for clause in _CLAUSES.split(text) if _STEP.match(clause.strip()))


def gives_instructions(text: str) -> bool:
    """The agent gave instructions or asked the customer to do something."""
    return step_count(text) > 0 or bool(_ASKS_TO_DO.search(text))


def words(text: str) -> int:
    return len(text.split())


_CHECKS_WHERE = re.compile(
    r"\b(?:what|which)\s+(?:do you see|can you see|are you seeing|screen|page|menu|options?"
    r"|tab|step)\b[^.!]*\?|\bwhere are you\b|\bwhat does (?:it|the screen|your screen|the page)"
    r" (?:say|show)\b|\b(?:do|can) you see\b[^.!]*\?|\bare you (?:on|in|at|seeing)\b[^.!]*\?"
    r"|\bwhat'?s on (?:your|the) screen\b|\bwhere did you get (?:to|stuck)\b"
    r"|\bwhich (?:step|part) (?:lost|confused)\b",
    re.IGNORECASE,
)
_OFFERS_HELP = re.compile(
    r"\b(?:screen ?shots?|screen ?share|screen ?sharing|screen recording|pictures?|video"
    r"|walk you through|(?:a |quick )?call\b|phone you|ring you|hop on)",
    re.IGNORECASE,
)


def clarifies(text: str, instruction_words: int) -> bool:
    """The agent's reply to a lost customer clarified (see the module doc)."""
    if _CHECKS_WHERE.search(text) or _OFFERS_HELP.search(text):
        return True
    return step_count(text) == 1 and words(text) < instruction_words


# --- confusion cues: explanations only -------------------------------------------------

CONFUSION_CUES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (
        "where_is",
        "asks where a setting is",
        re.compile(
            r"\bwhere(?:'s| is| are| do i| can i| would i| should i| exactly| abouts)\b[^.!?]*"
            r"|\b(?:can'?t|cannot|can not|couldn'?t|don'?t|do not|didn'?t) (?:find|see|spot|locate)"
            r"\b[^.!?]*|\bthere(?:'s| is) no\b[^.!?]*",
            re.IGNORECASE,
        ),
    ),
    (
        "dont_follow",
        "says they don't follow",
        re.compile(
            r"\b(?:don'?t|do not|didn'?t|not) (?:follow(?:ing)?|understand|get (?:it|you|that))\b"
            r"|\b(?:i'?m|i am|im|totally|completely|a bit|bit|so) (?:lost|confused|stuck)\b"
            r"|\bconfus\w*|\blost me\b|\bwhat do you mean\b|\bnot sure (?:what|which|where|how)\b"
            r"|\bmakes? no sense\b|\bover my head\b",
            re.IGNORECASE,
        ),
    ),
    (
        "which_one",
        "asks which one you mean",
        re.compile(
            r"\bwhich (?:one|button|option|setting|menu|tab|link|page|screen|step|field|box"
            r"|icon|app|device|account|cable|port|light|code)\b",
            re.IGNORECASE,
        ),
    ),
)
CONFUSION_LABELS = {name: label for name, label, _ in CONFUSION_CUES}


def confusion_evidence(text: str) -> tuple[tuple[str, str], ...]:
    """(cue, the words that fired it) for each confusion cue found in ``text``."""
    found = []
    for name, _, pattern in CONFUSION_CUES:
        match = pattern.search(text)
        if match:
            found.append((name, match.group(0)))
    return tuple(found)
