"""What a practice reply is judged on, besides acknowledgement (the live coach's decision).

- ownership: the agent takes the problem on ("I'll chase it myself", "leave it with me",
  "that's on us", "I'll message you by 3pm"), rather than handing it back ("you'll need
  to contact the courier");
- a concrete next step: an action, done or committed to (a refund issued, a replacement
  sent, an escalation raised, a call booked), not "I'll look into it";
- dismissal: words that tell a customer their feelings do not count ("calm down", "these
  things happen", "that's our policy", "as I said"). A dismissive reply escalates the
  customer whatever else it says.

Patterns for coaching/cues.py's matcher, like the live cues: lower case, run on the
lower-cased reply, each with a plain-words label for the scorecard; no word gates (a
practice reply is judged once, speed does not matter, and "I'm" has no word to gate on). (The acknowledgement
and the time of the next update come from the engine: coaching/acknowledgement.py's
verdict and coaching/promises.py.)
"""

from __future__ import annotations

from coaching.cues import CuePattern, cue, find

_I = r"(?:i'?ll|i will|i'?m going to|i am going to|i'?m|i am|i'?ve|i have|let me|i can|we'?ll|we will|we'?ve|we have|we'?re going to|we are going to)"
_ACTIONS = (
    r"(?:issu\w*|refund\w*|revers\w*|credit\w*|reship\w*|re-?send\w*|send\w*|sent|book\w*|"
    r"reschedul\w*|arrang\w*|escalat\w*|rais\w*|reset\w*|replac\w*|cancel\w*|call\w*|ring\w*|"
    r"contact\w*|chas\w*|flag\w*|upgrad\w*|waiv\w*|restor\w*|unlock\w*|reactivat\w*|fix\w*|"
    r"process\w*|transfer\w*|ship\w*|dispatch\w*|expedit\w*|priorit\w*|assign\w*|add\w*|"
    r"apply\w*|applied|push\w* through|open\w* (?:a|an) (?:ticket|case|claim|investigation)|"
    r"lodg\w*|file[ds]? (?:a|an)|log\w* (?:a|an|it)|speak\w* to|talk\w* to|get (?:a|an|the|you)|"
    r"hold\w*|reserv\w*|match\w*|cover\w*|pay\w*|paid|compensat\w*|extend\w*|put\w*|giv\w*|offer\w*|confirm\w*|releas\w*)"
)

OWNERSHIP: tuple[CuePattern, ...] = (
    cue(
        "takes_it_on",
        "took it on yourself",
        rf"\b{_I}\s+(?:\w+\s+){{0,3}}?(?:personally|myself|take|taking|look|looking|check|checking|chase|chasing|sort|sorting|fix|fixing|handle|handling|follow|following|stay|staying|own|owning|see (?:this|it|that) through|make sure|make this right|get (?:this|it|that) (?:sorted|fixed|resolved|done)|message|email|text|update|get back|come back|follow up|keep you|let you know|be in touch)\b",
        rf"\b{_I}\s+(?:\w+\s+){{0,3}}?{_ACTIONS}\b",
        r"\bleave it with me\b|\b(?:i'?m|i am) on it\b|\b(?:i'?ll|i will) (?:own|take care of|take responsibility)\b|\bi take (?:full )?(?:responsibility|ownership)\b",
        r"\b(?:that'?s|this is|it'?s) on (?:us|me)\b|\b(?:our|my) (?:mistake|fault|error)\b|\bwe (?:got|messed) (?:this|it|that) (?:wrong|up)\b|\bwe let you down\b",
    ),
)

DEFLECTION: tuple[CuePattern, ...] = (
    cue(
        "hands_it_back",
        "handed the problem back to the customer",
        r"\byou(?:'ll| will)? (?:need|have|must|should|may want|might want) (?:to )?(?:contact|call|email|ask|reach out to|speak to|talk to|check with|go (?:to|through)|raise|submit|fill|wait|try again|read)\b",
        r"\bnot (?:our|my) (?:fault|problem|responsibility|department|issue|job)\b|\b(?:that'?s|it'?s|this is) (?:the (?:courier|carrier|bank|manufacturer|airline|supplier)'?s?|their|your) (?:fault|problem|responsibility|issue|job)\b",
        r"\bnothing (?:i|we) can do\b|\bout of (?:my|our) hands\b|\b(?:i|we) can'?t do anything\b|\bthere'?s nothing (?:more )?(?:i|we) can\b|\b(?:i|we) (?:can'?t|cannot) help (?:you )?with (?:that|this)\b",
    ),
)

DISMISSAL: tuple[CuePattern, ...] = (
    cue(
        "dismisses",
        "brushed the customer's feelings aside",
        r"\bcalm down\b|\brelax\b|\bno need to (?:shout|be rude|get upset|be upset|panic)\b|\bthere'?s no need to\b",
        r"\b(?:these|such) things happen\b|(?:^|[.!?,;]\s*)(?:well,?\s+)?it happens\b|\b(?:it'?s|that'?s) not a big deal\b|\bnot a big deal\b|\b(?:it'?s|that'?s) (?:just|only) (?:a|one|an)\b|(?:^|[.!?,;]\s*)(?:just\s+|you'?ll (?:just )?have to\s+)?deal with it\b",
        r"\b(?:our|the|company) polic(?:y|ies) (?:is|are|says|say|states|doesn'?t|does not|won'?t)\b|\b(?:that'?s|it'?s) (?:our|the|company) policy\b|\bper (?:our |the )?policy\b|\bpolicy is policy\b",
        r"\bas (?:i|we) (?:said|mentioned|explained|already said|told you)\b|\bplease be patient\b|\byou should(?:'ve| have) (?:read|checked|called|contacted|told|known|ordered|updated|kept|followed|asked)\b|\bif you had (?:read|checked|called|contacted|told)\b|\b(?:read|check) (?:the|our) (?:faq|terms|docs|documentation|website)\b",
    ),
)

NEXT_STEP: tuple[CuePattern, ...] = (
    cue(
        "concrete_step",
        "gave a concrete next step",
        rf"\b{_I}\s+(?:\w+\s+){{0,4}}?{_ACTIONS}\b",
        rf"\b(?:i'?m|i am|we'?re|we are) (?:now |already )?{_ACTIONS}\b",
        r"\bhere'?s what (?:i'?ll|i will|i'?m going to|i am going to|happens|we'?ll|we will|i can)\b|\bthe next step is\b|\bwhat i can do (?:right now|today|is)\b|\bi'?ve (?:just|now|already)\b",
    ),
)


def labels(patterns: tuple[CuePattern, ...], text: str) -> tuple[str, ...]:
    """The labels of the patterns that match ``text``."""
    hits = find(patterns, text)
    return tuple(p.label for p in patterns if p.name in hits)


def takes_ownership(text: str) -> bool:
    return bool(find(OWNERSHIP, text)) and not find(DEFLECTION, text)


def has_next_step(text: str) -> bool:
    return bool(find(NEXT_STEP, text))


def dismissals(text: str) -> tuple[str, ...]:
    """Why a reply dismisses the customer, if it does (deflection included)."""
    return labels(DISMISSAL, text) + labels(DEFLECTION, text)
