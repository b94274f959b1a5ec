"""How agents acknowledge a customer's feelings, and the near misses that do not.

Patterns for coaching/cues.py's matcher: "that must have been so disappointing" and
"totally fair to be annoyed" acknowledge; "sorry, we can't offer refunds" and "sorry,
could you repeat the order number?" only soften a refusal or ask for something, and their
learned weights count against acknowledgement.
"""

from __future__ import annotations

from coaching.cues import FEELING, CuePattern, cue

# How people in a hard spot feel, and what a listener calls the spot they are in.
_HURT = (
    r"(?:sad|hurt(?:ing)?|lonely|alone|scared|afraid|terrified|overwhelmed|hopeless|helpless|"
    r"heartbroken|devastated|depressed|exhausted|miserable|drained|worn out|let down|fed up)"
)
_SPOT = (
    r"(?:awful|terrible|horrible|rough|tough|unfair|upsetting|heartbreaking|devastating|"
    r"disheartening|discouraging|scary|frightening|painful|stressful|exhausting|overwhelming|"
    r"(?:so|really|incredibly|very|super) (?:hard|difficult)|a lot to (?:deal with|handle|take))"
)

ACKNOWLEDGEMENT_CUES: tuple[CuePattern, ...] = (
    cue(
        "apology_for_experience",
        "apologises for what the customer went through",
        r"\b(?:sorry|apologi[sz]e|apologies)\b[^.!?]{0,30}\b(?:to hear|to see|to read|to learn|about (?:that|this|the|your|all|what)|for (?:the|this|that|your|all|any|our|such|these|keeping|what|everything)|that (?:you|this|it|we|the|your)|(?<!could )(?<!can )(?<!would )(?<!will )(?<!did )(?<!do )(?<!may )you(?:'ve| have|'re| are)?\b(?!'ll| (?:can|cannot|can't|will|need|must|should|may|might|could|would)\b)|it(?:'s| has)? been|if (?:this|that|we|you)|this (?:happened|is happening))",
        r"\b(?:so|really|truly|very|terribly|deeply|sincerely|incredibly|genuinely|super|awfully)\s+sorry\b",
        r"\bsorry (?:again|about that|for that)\b|\b(?:oh no|ugh)\b",
        r"\bmy apologies\b|\bour apologies\b|\bwe apologi[sz]e\b|\bi apologi[sz]e\b",
        words="sorr apol oh ugh",
    ),
    cue(
        "apology",
        "apologises",
        r"\b(?:sorry|apologi[sz]e\w*|apologies)\b",
        words="sorr apol",
    ),
    cue(
        "validation",
        "validates the customer",
        r"\b(?:totally|completely|absolutely|perfectly|entirely|very|is|that'?s|it'?s)\s+(?:totally\s+|completely\s+)?(?:fair|understandable|valid|reasonable|legitimate|justified|normal|natural)\b",
        r"\byou'?re (?:absolutely |completely |totally |100% )?right\b|\byou have every (?:right|reason)\b|\byou'?re not wrong\b",
        r"\b(?:i|we)(?: would|'d) (?:be|feel) (?:\w+ )?(?:frustrated|upset|annoyed|angry|mad|disappointed|furious|the same|worried|stressed) too\b|\banyone would (?:be|feel)\b|\bno wonder you\b",
        r"\b(?:shouldn'?t|should not|should never|should've never) (?:have )?(?:happen\w*|be the case|had to|have to)\b",
        r"\bnot (?:the|an|a great|a good) (?:experience|service|standard) (?:we|you|i)\b",
        r"\b(?:that'?s|this is) on (?:us|me)\b|\b(?:our|my) (?:mistake|fault|bad|error)\b|\b(?:we|i) (?:dropped the ball|messed up|let you down|got this wrong)\b",
        r"\bmakes? (?:total |complete |perfect )?sense (?:that|why) you\b|\bit makes sense to (?:feel|be)\b",
        r"\b(?:not|isn'?t) (?:ok|okay|acceptable|good enough)(?:,| at all| and)\b",
        r"\b(?:ok|okay|normal|natural|fine|understandable|human) to (?:feel|be)\b|\byour feelings are\b|\b(?:it'?s|it is|that'?s) not your fault\b",
        words="fair unde vali reas legi just norm natu righ wron too anyo wond shou expe serv stan on mist faul bad erro drop mess let sens ok okay acce good fine huma feel",
    ),
    cue(
        "names_feeling",
        "names how the customer feels",
        rf"\b(?:i|we) (?:can |completely |totally |fully |really |do |truly |definitely |can only |can'?t )?(?:understand|imagine|hear|see|know|get|appreciate|sense|feel)\b[^.!?]{{0,40}}\b(?:{FEELING}|{_HURT}|{_SPOT}|hard|difficult|how (?:you|much|important|hard|difficult|tough|scary|upsetting|painful)|why you(?:'re| are| feel| would)|you(?:'re| are) feeling|what you(?:'re| are) going through)",
        rf"\b(?:must|must've|must have) (?:be|have been|feel|get)\s+(?:so |really |very |incredibly |super |extremely |pretty |quite |such )?(?:{FEELING}|{_HURT}|{_SPOT}|hard|difficult|worrying|inconvenient|a pain|a nightmare|a headache|a shock|a worry)",
        rf"\b(?:would|can|could) (?:be|have been|feel|get)\s+(?:so |really |very |incredibly |super |extremely |pretty |quite |such )?(?:{FEELING})",
        rf"\b(?:sounds|seems)\s+(?:so |really |very |incredibly |super |like a |like |such a |quite |pretty )?(?:{FEELING}|{_HURT}|{_SPOT}|hard|difficult|nightmare|pain|headache)",
        r"\bwhat a (?:pain|hassle|nightmare|headache|mess|bummer|shame)\b|\b(?:that|this) (?:sucks|stinks|is (?:awful|terrible|rough|the worst|so hard|really hard|a lot))\b",
        rf"\b(?:that'?s|that is|it'?s|it is|this is|that was|it was|this was)\s+(?:so |really |very |incredibly |such a |a |pretty )?(?:{_SPOT}|{FEELING})",
        rf"\b(?:your|the|this) {FEELING}\b",
        rf"\b(?:fair|right|natural|normal|understandable|reasonable|okay|ok|valid|human) to (?:be|feel|get) (?:so |really |very |a bit |a little |pretty |quite )?(?:{FEELING}|{_HURT})",
        rf"\b(?:you'?re|you are|you'?ve been|you have been|you feel|you felt|you seem|you sound|you must be|you must feel|you'?d be|you were|you may be|you might be)\s+(?:so |really |very |feeling |pretty |quite |a bit |a little |understandably |rightly |completely |totally )?(?:{FEELING}|{_HURT})",
    ),
    cue(
        "thanks_for_patience",
        "thanks the customer for their patience",
        r"\b(?:thanks?|thank you|appreciate|grateful)\b[^.!?]{0,30}\b(?:patience|patient|bearing with|hanging in|understanding|hang(?:ing)? tight|waiting|sticking with)\b",
        words="than appr grat",
    ),
    cue(
        "warmth",
        "shows warmth",
        r"\b(?:i feel (?:you|for you|your)|(?:i'?m|i am|we'?re|we are) (?:always |still )?here for you(?! and)|hang in there|you'?re not alone|not the only one|i hear you|i know (?:how|what) (?:it|you|that)|(?:i'?ve|i have) been there|(?:i|we) (?:really |truly )?care about you|hugs|sending (?:love|hugs|you|good|positive|strength)|stay strong|keep your (?:head|chin) up|be kind to yourself)\b",
        r"\b(?:feel|get|getting) better soon\b|\bproud of you\b|\byou deserve (?:better|to|a|so)\b|\byou(?:'ve| have)? got this\b|\byou can do (?:it|this)\b|\bi believe in you\b|\b(?:it|things) (?:will|do|does|can) get better\b|\bit gets better\b",
        words="feel here hang alon only hear know been care hugs send stro head chin kind bett prou dese got can beli",
    ),
    cue(
        "well_wishes",
        "wishes the customer well",
        r"\b(?:hope|hoping|wish)(?: that)? (?:you(?:'re| are)? (?:feel|feeling|get|getting|doing|are doing) (?:better|ok|okay|alright|all right|well)|you(?:'re| are) (?:ok|okay|alright|all right|safe|well|feeling better|doing ok)|things (?:get|go|work|turn|improve|look|are looking) (?:better|up|out|well)|it all works out|everything (?:works out|turns out|goes well|is ok)|your (?:recovery|day gets|week gets)|you get (?:it|this|things) sorted)",
        r"\btake care\b(?! of)|\b(?:good|best of) luck\b|\bwish(?:ing)? you (?:well|the best|luck|all the best)\b",
        words="hope hopi wish care luck",
    ),
    # These count against acknowledgement: learned weights are negative.
    cue(
        "refusal_apology",
        "apology that only softens a refusal",
        r"\b(?:sorry|unfortunately|apologies)\b,?\s*(?:but\s+)?(?:we|i|that|this|it)\s*(?:'re|are|am|is|'m)?\s*(?:can'?t|cannot|won'?t|don'?t|do not|unable|not able|not allowed|not possible|no longer|only)\b",
        r"\b(?:sorry|unfortunately|apologies)\b,?\s*(?:but\s+)?(?:there (?:is|are|was|were|'s) (?:no|nothing)|there'?s (?:no|nothing)|(?:we|i) (?:could|can)(?:n'?t| not) (?:find|see|locate)|nothing (?:is |was )?(?:available|found|matches)|no (?:\w+ )?(?:available|matches|results|slots|availability|longer))\b",
        r"\b(?:sorry|unfortunately|apologies)\b(?:(?!\byou)[^.!?]){0,40}\b(?:unsuccessful|unavailable|not available|(?:not|isn'?t|wasn'?t) possible|(?:was|were|am|is|are)n'?t able|(?:was|were|am|is|are) not able|unable|(?:couldn'?t|could not) (?:book|find|make|reserve|get|locate|process|complete)|(?:does|do|did)(?:n'?t| not) (?:have|offer|provide|support|allow|include|accept|cover))\b",
        r"\b(?:not|n'?t|no|unavailable|unsuccessful|only)\b[^.!?]{0,40}, sorry\b",
        words="sorr unfo apol",
    ),
    cue(
        "clarifying_apology",
        "apology that only asks for something",
        r"\bsorry\b,?\s*(?:\w+\s*,\s*)?(?:could|can|would|will|did|do|what|which|who|where|when|how|mind)\b",
        r"\bsorry\s*\?|\bsorry (?:to bother|to ask|for the delay in (?:my|our) reply)\b",
        words="sorr",
    ),
    cue(
        "understand_request",
        "says 'I understand' without naming a feeling",
        r"\b(?:i|we) (?:understand|see|get|note|have noted)(?:,|\.|!)|\b(?:i|we) (?:understand|see|got|received|noted) (?:your|the) (?:request|question|query|point|message|ticket|issue)\b|\bnoted\b",
        words="unde see get note have got rece",
    ),
)
