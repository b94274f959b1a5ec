"""Support-specific cues: small, named patterns that plain sentiment misses.

Each cue is a weak feature for the learned models (coaching/model.py decides how much it
counts) and a human-readable reason when it fires. Patterns are deliberately broad; the
weights, learned from data, keep a calm "can I get a refund?" from counting like
"I want a refund NOW".
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CuePattern:
    name: str
    label: str  # reason shown to an agent, e.g. "mentions waiting"
    pattern: re.Pattern[str]


def _cue(name: str, label: str, *alternatives: str) -> CuePattern:
    return CuePattern(name, label, re.compile("|".join(alternatives), re.IGNORECASE))


_TIME_UNIT = r"(?:min(?:ute)?s?|hours?|hrs?|days?|weeks?|wks?|months?)"
_AMOUNT = r"(?:an?|\d+|one|two|three|four|five|six|seven|eight|ten|twelve|24|48|several|many|a few|few|multiple)"
_POSITIVE = (
    r"(?:great|perfect|wonderful|fantastic|brilliant|awesome|lovely|nice|excellent|amazing"
    r"|superb|outstanding|stellar|incredible|impressive)"
)
_FEELING = (
    r"(?:frustrat\w*|annoy\w*|upset\w*|disappoint\w*|stress\w*|worr\w*|anxi\w*|angr\w*|"
    r"inconvenien\w*|maddening|infuriating|exhausting|confus\w*|aggravat\w*|irritat\w*)"
)

FRUSTRATION_CUES: tuple[CuePattern, ...] = (
    _cue(
        "waiting",
        "mentions waiting",
        r"\b(?:been|still|keep|kept|am|i'?m|are|we'?re)\s+(?:\w+\s+)?(?:waiting|on hold)\b",
        r"\bwaited\b",
        r"\bon hold\b",
        rf"\b(?:for|over|after|almost|nearly|than|past|in)\s+{_AMOUNT}\s+(?:more\s+|whole\s+|full\s+)?{_TIME_UNIT}\b",
        rf"\b\d+\s*{_TIME_UNIT}\s+(?:later|now|and (?:still|counting|nothing))\b",
        r"\bhow (?:much )?longer\b",
        r"\b(?:for )?(?:ages|forever|days on end)\b",
    ),
    _cue(
        "no_response",
        "says nobody has answered",
        r"\b(?:no|zero|not a single|without (?:a|any))\s+(?:reply|replies|response|responses|answer|answers|word|feedback|call ?back)\b",
        r"\bhaven'?t (?:heard|received|gotten|got) (?:back|anything|a (?:reply|response))\b",
        r"\b(?:no ?one|nobody|no-one)\s+(?:has\s+|ever\s+|even\s+)?(?:replied|responded|answered|got back|gets back|called|helps?|helped|cares?|listens?|reads?|bothered)\b",
        r"\b(?:ignored|ignoring (?:me|us|my)|ghosted)\b",
    ),
    _cue(
        "still",
        "says it is still not sorted",
        r"\bstill\s+(?:no|nothing|not|hasn'?t|haven'?t|isn'?t|can'?t|doesn'?t|don'?t|won'?t|broken|waiting|down|missing|charged|unresolved|the same)\b",
        r"\b(?:yet again|still\?|and still)\b",
    ),
    _cue(
        "repeat_contact",
        "has contacted you repeatedly",
        r"\b(?:second|third|fourth|fifth|2nd|3rd|4th|5th|\d+(?:st|nd|rd|th)|multiple|several|many|countless|numerous|a (?:dozen|million|hundred))\s+times?\b",
        r"\balready\s+(?:\w+\s+)?(?:told|explained|sent|asked|gave|given|provided|called|contacted|tried|done|emailed|messaged|answered|reported|said)\b",
        r"\b(?:i|we)\s+(?:keep|kept)\s+(?:asking|telling|getting|calling|trying|emailing|being)\b",
        r"\bhow many (?:more )?times\b",
        r"\b(?:once again|over and over|every (?:single )?time|same (?:issue|problem|thing|answer|response|reply|error) (?:again|as before|every)|again and again)\b",
        r"\bas i (?:said|mentioned|explained|stated|wrote)\b",
    ),
    _cue("again", "says it happened again", r"\bagain\b"),
    _cue(
        "escalation",
        "talks about escalating",
        r"\b(?:manager|supervisor|someone in charge|higher up|escalat\w*)\b",
        r"\b(?:lawyer|attorney|legal action|sue|suing|small claims|court|ombudsman|bbb|better business bureau|trading standards|consumer (?:protection|rights)|fcc|ftc)\b",
        r"\b(?:charge ?back|dispute (?:the|this) charge|report(?:ing)? (?:you|this|it) to)\b",
        r"\b(?:review|trustpilot|yelp|tweet(?:ing)? about|post(?:ing)? (?:this|about)|go(?:ing)? public|tell everyone)\b",
        r"\b(?:switch(?:ing)? to|mov(?:e|ing) to|go(?:ing)? (?:with|to)) (?:another|a different|a competitor|your competitor|someone else)\b",
        r"\b(?:cancel(?:l?ing)?|close|closing|terminate|terminating) (?:my|our|the) (?:account|subscription|membership|contract|service|plan)\b",
        r"\b(?:never (?:again|using|buying|ordering|flying|recommend)|done with (?:you|this|your)|last time i)\b",
    ),
    _cue("refund", "asks for money back", r"\b(?:refund\w*|money back|reimburs\w*|compensat\w*)\b"),
    _cue(
        "negated_positive",
        "negates something positive",
        r"\b(?:not|isn'?t|wasn'?t|aren'?t|weren'?t|no longer|never|hardly|barely)\s+(?:very\s+|at all\s+|really\s+|even\s+|that\s+|so\s+|remotely\s+)?"
        r"(?:happy|helpful|ok|okay|good|acceptable|satisfied|impressed|fixed|resolved|fair|useful|professional|reasonable|pleased|amused|funny|good enough)\b",
        r"\b(?:no|zero|little|any)\s+help\b",
        r"\b(?:doesn'?t|didn'?t|don'?t|won'?t|never)\s+(?:even\s+)?(?:care|listen|read|bother)\b",
    ),
    _cue(
        "not_working",
        "reports something broken",
        r"\b(?:doesn'?t|didn'?t|does not|did not|won'?t|isn'?t|not|never|stopped|can'?t|cannot|unable to)\s+(?:\w+\s+)?(?:work\w*|load\w*|connect\w*|log ?in|sign ?in|open\w*|arriv\w*|receiv\w*|deliver\w*)\b",
        r"\b(?:broken|crash\w*|error|outage|down again|not working)\b",
    ),
    _cue(
        "complaint",
        "uses complaint words",
        r"\b(?:unacceptable|ridiculous|absurd|outrageous|pathetic|disgrac\w+|appalling|atrocious|terrible|horrible|awful|worst|useless|incompeten\w+|scam\w*|rip[- ]?off|ripped off|shameful|insane|unbelievable|joke|clown\w*|nonsense|garbage|trash|rubbish|incompetent|unprofessional|inexcusable|shocking|dreadful)\b",
    ),
    _cue(
        "feeling",
        "names a negative feeling",
        rf"\b(?:i'?m|i am|we'?re|so|very|really|getting|get|feel|feeling|extremely|beyond)\s+(?:so\s+|very\s+|really\s+|extremely\s+|beyond\s+)?{_FEELING}",
        r"\b(?:fed up|sick (?:and tired )?of|tired of|had enough|enough is enough|at my wits'? end|losing my (?:mind|patience)|lost my patience|pissed|furious|livid|mad at|hate)\b",
    ),
    _cue(
        "giving_up",
        "sounds ready to give up",
        r"\b(?:i give up|giving up|forget it|never ?mind|don'?t (?:even )?care anymore|what'?s the point|no point|waste of (?:time|money)|wasted? (?:my |so much |all )?(?:time|money|hours|day|evening|weekend))\b",
        r"^\s*whatever\b",
    ),
    _cue(
        "rhetorical_question",
        "asks a rhetorical question",
        r"\bwhy (?:is|are|does|do|did|can'?t|won'?t|isn'?t|aren'?t|doesn'?t|would|should|the hell|on earth|is it so)\b[^?]*\?",
        r"\bhow (?:is|are|come|hard|difficult|is it (?:possible|so hard)|do you (?:expect|not))\b[^?]*\?",
        r"\bwhat (?:is going on|the (?:hell|heck|f\W*)|is wrong with|kind of|am i (?:paying|supposed))\b",
        r"\b(?:seriously|are you (?:kidding|serious|joking)|is this a joke|you'?re joking|really)\s*\?",
    ),
    _cue(
        "sarcasm",
        "sounds sarcastic",
        r"\b(?:thanks|thank you|thx) (?:a lot |so much |very much )?for nothing\b",
        rf"\b{_POSITIVE}[,.!]*\s+(?:just|really|simply|truly|absolutely)\s+{_POSITIVE}\b",
        r"\b(?:i|just|gotta|got to|really)\s+(?:love|adore|enjoy)\s+(?:being|waiting|getting|having|spending|paying|when|how|that|it when)\b",
        rf"\b(?:oh|yeah|wow|ah)[,!.]*\s+(?:{_POSITIVE}|thanks|right|sure|perfect|fun)\b",
        r"\b(?:yeah|ya|yea) (?:right|sure)\b|\bwhat a (?:joke|surprise|shock)\b|\bclassic\b|\bshocker\b|\bgo figure\b",
        r"\b(?:thanks|thank you) for (?:the|your) (?:\w+ )?(?:help|assistance|support)\s*(?:\.{3}|…|🙄|not)",
    ),
    _cue(
        "profanity",
        "uses profanity",
        r"\b(?:f+u+c+k+\w*|fck\w*|fk|sh[i1]t+\w*|bullsh\w*|crap\w*|damn\w*|dammit|wtf|ffs|omfg|stfu|bs|piss\w*|assholes?|arse|bastard\w*|bloody|goddam\w*|screw(?:ed|ing)?|sucks?|sucked|sucky|hell)\b",
        r"\b[fs][\*#@$%!]{2,}\w*|\b\w+\*{2,}\w*",
    ),
    _cue(
        "negative_emoji",
        "uses an angry or fed-up emoji",
        r"[😡🤬😠😤🙄😒👎😑😩😫💩😞😔😣😖😾🤦🖕😭😢☹🙁😕😟💢🤯😐]",
        r"(?:^|\s)(?:>?:-?\(+|:-?/|-_-|smh)(?=\s|$)",
    ),
    # The following count against frustration: learned weights are negative.
    _cue(
        "reassurance",
        "is relaxed about it",
        r"\b(?:no (?:worries|problem|prob|rush|hurry|stress|biggie)|not a problem|take your time|all good|no big deal|(?:it'?s|that'?s) (?:ok|okay|fine|alright|all right))\b",
    ),
    _cue(
        "gratitude",
        "thanks you",
        r"\b(?:thanks|thank you|thx|ty|cheers|appreciate\w*|grateful|much obliged)\b",
    ),
    _cue(
        "resolved",
        "says it is resolved",
        r"\b(?:(?:that|it|this) (?:worked|works now|fixed it|did it|did the trick)|(?:all|problem|issue) (?:sorted|solved|resolved|fixed)|you'?re (?:a |the )?(?:star|lifesaver|life saver|best|awesome|amazing|legend))\b",
    ),
    _cue(
        "positive_emoji",
        "uses a friendly emoji",
        r"[🙂😊😀😃😄😁👍🙏❤💙💚💜🎉😍🥰☺😉🤗✨🙌]",
        r"(?:^|\s)(?::-?\)+|:D|;-?\)|<3)(?=\s|$)",
    ),
)

ACKNOWLEDGEMENT_CUES: tuple[CuePattern, ...] = (
    _cue(
        "apology_for_experience",
        "apologises for what the customer went through",
        r"\b(?:sorry|apologi[sz]e|apologies)\b[^.!?]{0,30}\b(?:to hear|to see|to read|to learn|about (?:that|this|the|your|all)|for (?:the|this|that|your|all|any|our|such|these|keeping)|that (?:you|this|it|we|the|your)|you(?:'ve| have|'re| are)?\b|it(?:'s| has)? been|if (?:this|that|we|you))",
        r"\b(?:so|really|truly|very|terribly|deeply|sincerely|incredibly|genuinely|super)\s+sorry\b",
        r"\bsorry (?:again|about that|for that)\b",
        r"\bmy apologies\b|\bour apologies\b|\bwe apologi[sz]e\b|\bi apologi[sz]e\b",
    ),
    _cue("apology", "apologises", r"\b(?:sorry|apologi[sz]e\w*|apologies)\b"),
    _cue(
        "validation",
        "validates the customer",
        r"\b(?:totally|completely|absolutely|perfectly|entirely|very|is|that'?s|it'?s)\s+(?:totally\s+|completely\s+)?(?:fair|understandable|valid|reasonable|legitimate|justified)\b",
        r"\byou'?re (?:absolutely |completely |totally |100% )?right\b|\byou have every right\b",
        r"\b(?:i|we)(?: would|'d) (?:be|feel) (?:\w+ )?(?:frustrated|upset|annoyed|angry|mad|disappointed|furious) too\b",
        r"\b(?:shouldn'?t|should not|should never|should've never) (?:have )?(?:happen\w*|be the case|had to)\b",
        r"\bnot (?:the|an|a great|a good) (?:experience|service|standard) (?:we|you|i)\b",
        r"\b(?:that'?s|this is) on (?:us|me)\b|\b(?:our|my) (?:mistake|fault|bad|error)\b|\b(?:we|i) (?:dropped the ball|messed up|let you down|got this wrong)\b",
        r"\bmakes? (?:total |complete |perfect )?sense (?:that|why) you\b",
        r"\b(?:not|isn'?t) (?:ok|okay|acceptable|good enough)(?:,| at all| and)\b",
    ),
    _cue(
        "names_feeling",
        "names how the customer feels",
        rf"\b(?:i|we) (?:can |completely |totally |fully |really |do |truly |definitely )?(?:understand|imagine|hear|see|know|get|appreciate|sense|feel)\b[^.!?]{{0,40}}\b(?:{_FEELING}|how (?:you|much|important|hard|difficult)|why you(?:'re| are| feel)|you(?:'re| are) feeling)",
        rf"\b(?:must|must've|must have|would|can) (?:be|have been|feel|get)\s+(?:so |really |very |incredibly |super |extremely |pretty )?(?:{_FEELING}|stressful|worrying|awful|terrible|hard|difficult|tough|painful|inconvenient|scary|rough|a pain|a nightmare|a headache)",
        rf"\b(?:sounds|seems|looks)\s+(?:so |really |very |incredibly |super |like a |like )?(?:{_FEELING}|awful|terrible|stressful|hard|difficult|tough|painful|rough|nightmare|pain|headache|horrible)",
        r"\bwhat a (?:pain|hassle|nightmare|headache|mess|bummer)\b|\b(?:that|this) (?:sucks|stinks|is (?:awful|terrible|rough|the worst))\b",
        rf"\b(?:your|the|this) {_FEELING}\b",
    ),
    _cue(
        "thanks_for_patience",
        "thanks the customer for their patience",
        r"\b(?:thanks?|thank you|appreciate|grateful)\b[^.!?]{0,30}\b(?:patience|patient|bearing with|hanging in|understanding|hang(?:ing)? tight|waiting)\b",
    ),
    _cue(
        "warmth",
        "shows warmth",
        r"\b(?:i feel (?:you|for you)|here for you|hang in there|you'?re not alone|i hear you|i know (?:how|what) (?:it|you|that)|been there|(?:i|we) care|hugs|i'?m (?:so )?glad|so glad)\b",
    ),
    # These count against acknowledgement: learned weights are negative.
    _cue(
        "refusal_apology",
        "apology that only softens a refusal",
        r"\b(?:sorry|unfortunately|apologies)\b,?\s*(?:but\s+)?(?:we|i|that|this|it)\s*(?:'re|are|am|is|'m)?\s*(?:can'?t|cannot|won'?t|don'?t|do not|unable|not able|not allowed|not possible|no longer|only)\b",
    ),
    _cue(
        "clarifying_apology",
        "apology that only asks for something",
        r"\bsorry\b,?\s*(?:\w+\s*,\s*)?(?:could|can|would|will|did|do|what|which|who|where|when|how|mind)\b",
        r"\bsorry\s*\?",
    ),
    _cue(
        "understand_request",
        "says 'I understand' without naming a feeling",
        r"\b(?:i|we) (?:understand|see|get|note|have noted)(?:,|\.|!)|\b(?:i|we) (?:understand|see|got|received|noted) (?:your|the) (?:request|question|query|point|message|ticket|issue)\b|\bnoted\b",
    ),
)


def find(patterns: tuple[CuePattern, ...], text: str) -> dict[str, str]:
    """Cue name -> the words that fired it (first match), for every cue that fires."""
    hits: dict[str, str] = {}
    for cue in patterns:
        match = cue.pattern.search(text)
        if match:
            hits[cue.name] = match.group().strip()[:40]
    return hits


LABELS: dict[str, str] = {c.name: c.label for c in FRUSTRATION_CUES + ACKNOWLEDGEMENT_CUES}
