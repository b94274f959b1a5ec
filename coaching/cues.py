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
    label: str  # reason shown to an agent, e.g. "mentions waiting"
    pattern: re.Pattern[str]
    # A gate that lets most messages skip the regex (empty: always searched). The
    # pattern can only match a message that has one of ``words`` (a four-letter entry
    # also stands for every longer word it begins: "frus" for "frustrating"), contains
    # one of ``marks``, or, with ``non_ascii``, has a character beyond ASCII (emoji).
    # training/train.py checks on every text it trains on that no gate hides a match.
    words: frozenset[str] = frozenset()
    marks: tuple[str, ...] = ()
    non_ascii: bool = False

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


def _cue(
    name: str,
    label: str,
    *alternatives: str,
    words: str = "",
    marks: tuple[str, ...] = (),
    non_ascii: bool = False,
) -> CuePattern:
    # Patterns are written in lower case and run on the lower-cased text: much faster
    # than re.IGNORECASE.
    return CuePattern(
        name, label, re.compile("|".join(alternatives)), frozenset(words.split()), marks, non_ascii
    )


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

FRUSTRATION_CUES: tuple[CuePattern, ...] = (
    _cue(
        "waiting",
        "mentions waiting",
        r"\b(?:been|still|keep|kept|am|i'?m|are|we'?re|sat|sitting|stuck)\s+(?:\w+\s+)?(?:waiting|on hold)\b",
        r"\bwaited\b",
        r"\bon hold\b",
        rf"\b(?:for|over|after|almost|nearly|than|past)\s+{_AMOUNT}\s+(?:more\s+|whole\s+|full\s+)?{_TIME_UNIT}\b",
        rf"\b\d+\s*{_TIME_UNIT}\s+(?:later|now|and (?:still|counting|nothing))\b",
        r"\bhow (?:much )?longer\b",
        r"\b(?:for|taking|takes|took|waiting|wait) (?:ages|forever)\b|\bdays on end\b",
        r"\b(?:still|yet to|never) (?:arrived|received|got|gotten|came|come|shipped|delivered|heard)\b(?! of)",
        r"\bsince (?:yesterday|last (?:week|month)|monday|tuesday|wednesday|thursday|friday|saturday|sunday|this morning|early)\b",
        words="wait hold min mins minu hour hr hrs day days week wk wks mont longer ages forever still yet never since",
    ),
    _cue(
        "no_response",
        "says nobody has answered",
        r"\b(?:no|zero|not a single|without (?:a|any)|never (?:got|received|had) (?:a|any))\s+(?:reply|replies|response|responses|answer|answers|word|feedback|call ?back|follow[- ]?up|update)\b",
        r"\bhaven'?t (?:heard|received|gotten|got) (?:back|anything|a (?:reply|response))\b",
        r"\b(?:no ?one|nobody|no-one)\s+(?:has\s+|ever\s+|even\s+)?(?:replied|responded|answered|got back|gets back|called|helps?|helped|cares?|listens?|reads?|bothered|knows)\b",
        r"\b(?:ignored|ignoring (?:me|us|my)|ghosted|left on read|radio silence)\b",
        r"\b(?:never|didn'?t|did not|don'?t|doesn'?t) (?:get|got|call|called|write|wrote|email|emailed|reply|replied|respond|responded|answer|answered) (?:me )?back\b",
        r"\b(?:hello+|hi+|helloo+)\s*\?\?|\b(?:is )?(?:any ?one|any ?body|some ?one|some ?body) (?:there|here|around|home)\s*\?|\bare you (?:still )?(?:there|here)\s*\?",
        words="repl resp answ word feed call foll upda have one noon nobo igno ghos left sile back hell hi hii hiii anyo anyb any body some there here arou home",
    ),
    _cue(
        "still",
        "says it is still not sorted",
        r"\bstill\s+(?:no|nothing|not|hasn'?t|haven'?t|isn'?t|can'?t|doesn'?t|don'?t|won'?t|broken|waiting|down|missing|charged|unresolved|the same)\b",
        r"\b(?:yet again|still\?|and still)\b",
        words="still yet",
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
        r"\b(?:start|starting) (?:over|again|from scratch|from the beginning)\b|\brepeat (?:myself|the same)\b",
        words="time alre keep kept once over same again said ment expl stat wrote star repe",
    ),
    _cue(
        "runaround",
        "is being passed around",
        r"\b(?:transferr?ed|bounced|passed|pushed|shuffled|sent) (?:around|back and forth|from (?:one|person|department|agent|team)|between|again|to (?:another|yet another|a different)|(?:\d+|two|three|four|five|multiple|several|many) times)\b",
        r"\b(?:\d+|two|three|four|five|several|multiple|many|different) (?:different )?(?:agents|people|reps|departments|representatives|times transferred)\b",
        r"\b(?:speak|talk|chat) (?:to|with) (?:a|an) (?:real|actual|live)? ?(?:human|person|someone who)\b|\b(?:real|actual) (?:human|person)\b",
        r"\b(?:canned|scripted|copy[- ]?pasted?|automated|generic) (?:response|answer|reply|message|responses|answers|replies)\b|\bstop (?:sending|giving) me (?:links|the same|scripts)\b",
        r"\b(?:doesn'?t|didn'?t|does not|did not|not|never|still haven'?t) answer(?:ed|ing)? my question\b|\bnot what i (?:asked|said|meant)\b|\bread my (?:message|messages|question|email)\b",
        words="tran boun pass push shuf sent agen peop reps depa repr diff huma pers some cann scri copy auto gene stop answ aske said mean read",
    ),
    _cue(
        "again",
        "says it happened again",
        r"(?<!try )(?<!working )(?<!back )(?<!fine )\bagain\b",
        words="again",
    ),
    _cue(
        "broken_promise",
        "was promised something that did not happen",
        r"\b(?:you|they|he|she|your (?:agent|colleague|team|rep|website|site|app)) (?:said|told me|promised|assured)\b",
        r"\b(?:was|were|i was|we were|been) (?:promised|told|assured)\b",
        r"\b(?:was|were|is|are) supposed to\b",
        r"\b(?:didn'?t|did not|weren'?t|wasn'?t) (?:you|it|they) (?:say|said|promise|supposed)\b",
        words="said told prom assu supp say",
    ),
    _cue(
        "escalation",
        "talks about escalating",
        r"\b(?:manager|supervisor|someone in charge|higher up|escalat\w*|complaints? department|formal complaint|head office)\b",
        r"\b(?:lawyer|attorney|legal action|sue|suing|small claims|court|ombudsman|bbb|better business bureau|trading standards|consumer (?:protection|rights)|fcc|ftc)\b",
        r"\b(?:charge ?back|dispute (?:the|this) charge|report(?:ing)? (?:you|this|it) to|my bank involved)\b",
        r"\b(?:review|trustpilot|yelp|tweet(?:ing)? about|post(?:ing)? (?:this|about)|go(?:ing)? public|tell everyone|zero stars?|one star|1[- ]star|0 stars)\b",
        r"\b(?:switch(?:ing)? to|mov(?:e|ing) to|go(?:ing)? (?:with|to)) (?:another|a different|a competitor|your competitor|someone else)\b",
        r"\b(?:never (?:again|using|buying|ordering|flying|recommend)|done with (?:you|this|your)|last time i)\b",
        r"\b(?:cancel(?:l?ing)?|close|closing|terminate|terminating) (?:my|our|the) (?:account|subscription|membership|contract|service|plan)\b",
        words="mana supe char high esca comp head lawy atto lega sue suin smal cour ombu bbb busi trad cons fcc ftc disp repo bank revi trus yelp twee post publ tell star anot diff else never done last canc clos term",
    ),
    _cue(
        "refund",
        "asks for money back",
        r"\b(?:refund\w*|money back|reimburs\w*|compensat\w*)\b",
        words="refu mone reim comp",
    ),
    _cue(
        "negated_positive",
        "negates something positive",
        r"\b(?:not|isn'?t|wasn'?t|aren'?t|weren'?t|no longer|never|hardly|barely)\s+(?:very\s+|at all\s+|really\s+|even\s+|that\s+|so\s+|remotely\s+)?"
        r"(?:happy|helpful|ok|okay|good|acceptable|satisfied|impressed|fixed|resolved|fair|useful|professional|reasonable|pleased|amused|funny|good enough)\b",
        r"\b(?:no|zero|little|any)\s+help\b",
        r"\b(?:doesn'?t|didn'?t|don'?t|won'?t|never)\s+(?:even\s+)?(?:care|listen|read|bother)\b",
        r"\b(?:do|does|did) (?:you|they|anyone|anybody) (?:even|actually|really|ever) (?:care|read|listen|know|check|test|bother)\b",
        words="happ help ok okay good acce sati impr fixe reso fair usef prof reas plea amus funn care list read both know chec test",
    ),
    _cue(
        "not_working",
        "reports something broken",
        r"\b(?:doesn'?t|didn'?t|does not|did not|won'?t|isn'?t|not|never|stopped|can'?t|cannot|unable to)\s+(?:\w+\s+)?(?:work\w*|load\w*|connect\w*|log ?in|sign ?in|open\w*|arriv\w*|receiv\w*|deliver\w*)\b",
        r"\b(?:broken|crash\w*|error|outage|down again|not working)\b",
        words="work load conn log logi sign open arri rece deli brok cras erro outa down",
    ),
    _cue(
        "complaint",
        "uses complaint words",
        r"\b(?:unacceptable|ridiculous|absurd|outrageous|pathetic|disgrac\w+|appalling|atrocious|terrible|horrible|awful|worst|useless|incompeten\w+|scam\w*|rip[- ]?off|ripped off|shameful|insane|unbelievable|joke|clown\w*|nonsense|garbage|trash|rubbish|incompetent|unprofessional|inexcusable|shocking|dreadful|a nightmare|a mess|laughable|beyond a joke|do better|lost a customer)\b",
        r"\byou (?:have|got|gotta) to be (?:joking|kidding)\b|\bare you (?:kidding|serious|joking)\b",
        r"\bused to be (?:good|great|better|reliable|decent|fast|easy)\b|\bwhat happened to (?:you|your|the|this)\b",
        words="unac ridi absu outr path disg appa atro terr horr awfu wors usel inco scam rip ripo ripp sham insa unbe joke clow nons garb tras rubb unpr inex shoc drea nigh mess laug bett cust joki kidd seri used happ",
    ),
    _cue(
        "feeling",
        "names a negative feeling",
        rf"\b(?:i'?m|i am|we'?re|we are|so|very|really|getting|get|feel|feeling|extremely|beyond|is|it'?s|this is|that'?s|how|incredibly|super|absolutely|totally)\s+(?:so\s+|very\s+|really\s+|extremely\s+|beyond\s+|absolutely\s+|incredibly\s+|super\s+)?{_FEELING}",
        r"\b(?:fed up|sick (?:and tired )?of|tired of|had enough|enough is enough|at my wits'? end|losing my (?:mind|patience)|lost my patience|pissed|furious|livid|mad at|hate|fuming|seething|let down|last straw|cannot believe|can'?t believe)\b",
        words="frus anno upse disa stre worr anxi angr inco madd infu exha conf aggr irri fed sick tire enou wits losi lost piss furi livi mad hate fumi seet let stra beli",
    ),
    _cue(
        "giving_up",
        "sounds ready to give up",
        r"\b(?:i give up|giving up|forget it|don'?t (?:even )?care anymore|what'?s the point|no point|waste of (?:time|money)|wasted? (?:my |so much |all )?(?:time|money|hours|day|evening|weekend))\b",
        r"^\s*(?:whatever\b|fine[.!])",
        words="give givi forg anym poin wast what fine",
    ),
    _cue(
        "rhetorical_question",
        "asks a rhetorical question",
        r"\bwhy (?:is|are|does|do|did|can'?t|won'?t|isn'?t|aren'?t|doesn'?t|would|should|the hell|on earth|is it so|am i|must|has|have)\b[^?]*\?",
        r"\bhow (?:is|are|come|hard|difficult|is it (?:possible|so hard)|do you (?:expect|not)|many)\b[^?]*\?",
        r"\bwhat (?:is going on|the (?:hell|heck|f\W*)|is wrong with|kind of|am i (?:paying|supposed)|else (?:do|could|can|would) you)\b",
        r"\b(?:seriously|are you (?:kidding|serious|joking)|is this a joke|you'?re joking|really)\s*\?",
        r"\b(?:is (?:this|that) (?:how|what)|so (?:when|what) exactly)\b[^?]*\?",
        words="what",
        marks=("?",),
    ),
    _cue(
        "sarcasm",
        "sounds sarcastic",
        r"\b(?:thanks|thank you|thx|cheers) (?:a lot |so much |very much )?for nothing\b",
        rf"\b{_POSITIVE}[,.!]*\s+(?:just|really|simply|truly|absolutely)\s+{_POSITIVE}\b",
        r"\b(?:i|just|gotta|got to|really)\s+(?:love|adore|enjoy)\s+(?:being|waiting|getting|having|spending|paying|when|how|that|it when)\b",
        rf"\b(?:oh|yeah|wow|ah)[,!.]*\s+(?:{_POSITIVE}|thanks|right|sure|perfect|fun|good|joy|goody)\b",
        r"\b(?:yeah|ya|yea) (?:right|sure)\b|\bwhat a (?:joke|surprise|shock)\b|\bclassic\b|\bshocker\b|\bgo figure\b",
        r"\b(?:thanks|thank you) for (?:the|your) (?:\w+ )?(?:help|assistance|support)\s*(?:\.{3}|…|🙄|not)",
        r"\b(?:love|loving) (?:that|this) for (?:me|us)\b|\bjust wow\b|\breal reassuring\b|\bhow convenient\b",
        words="noth grea perf wond fant bril awes love nice exce amaz supe outs stel incr impr ador enjo than righ sure fun good joy clas shoc figu help assi supp lovi wow reas conv surp joke",
    ),
    _cue(
        "profanity",
        "uses profanity",
        r"\b(?:f+u+c+k+\w*|fck\w*|fk|sh[i1]t+\w*|bullsh\w*|crap\w*|damn\w*|dammit|wtf|ffs|omfg|stfu|bs|piss\w*|assholes?|arse|bastard\w*|bloody|goddam\w*|screw(?:ed|ing)?|sucks?|sucked|sucky|hell)\b",
        r"\b[fs][\*#@$%!]{2,}\w*|\b\w+\*{2,}\w*",
        words="fk shit bull crap damn damm wtf ffs omfg stfu bs piss assh arse bast bloo godd scre suck hell",
        marks=("uc", "fck", "sh1t", "*", "#", "@", "$", "%", "!"),
    ),
    _cue(
        "negative_emoji",
        "uses an angry or fed-up emoji",
        r"[😡🤬😠😤🙄😒👎😑😩😫💩😞😔😣😖😾🤦🖕😭😢☹🙁😕😟💢🤯😐🙃]",
        r"(?<!\S)(?:>?:-?\(+|:-?/|-_-|smh)(?!\S)",
        marks=(":", "-_-", "smh"),
        non_ascii=True,
    ),
    # The following count against frustration: learned weights are negative.
    _cue(
        "reassurance",
        "is relaxed about it",
        r"\b(?:no (?:worries|problem|prob|probs|rush|hurry|stress|biggie)|not a (?:problem|big deal|complaint)|take your time|all good|no big deal|not urgent|whenever you (?:can|get a chance)|(?:it'?s|that'?s) (?:ok|okay|fine|alright|all right))\b",
        words="worr prob rush hurr stre bigg deal comp time good urge when ok okay fine alri righ",
    ),
    _cue(
        "gratitude",
        "thanks you",
        r"\b(?:thanks|thank you|thx|ty|cheers|appreciate\w*|grateful|much obliged)\b",
        words="than thx ty chee appr grat obli",
    ),
    _cue(
        "resolved",
        "says it is resolved",
        r"\b(?:(?:that|it|this) (?:worked|works now|fixed it|did it|did the trick)|(?:all|problem|issue|it'?s|that'?s) (?:sorted|solved|resolved|fixed)|working (?:again|now)|you'?re (?:a |the )?(?:star|lifesaver|life saver|best|awesome|amazing|legend))\b",
        words="work fixe did sort solv reso star life best awes amaz lege",
    ),
    _cue(
        "positive_emoji",
        "uses a friendly emoji",
        r"[🙂😊😀😃😄😁👍🙏❤💙💚💜🎉😍🥰☺😉🤗✨🙌]",
        r"(?<!\S)(?::-?\)+|:d|;-?\)|<3)(?!\S)",
        marks=(":", ";", "<3"),
        non_ascii=True,
    ),
)

ACKNOWLEDGEMENT_CUES: tuple[CuePattern, ...] = (
    _cue(
        "apology_for_experience",
        "apologises for what the customer went through",
        r"\b(?:sorry|apologi[sz]e|apologies)\b[^.!?]{0,30}\b(?:to hear|to see|to read|to learn|about (?:that|this|the|your|all|what)|for (?:the|this|that|your|all|any|our|such|these|keeping|what|everything)|that (?:you|this|it|we|the|your)|(?<!could )(?<!can )(?<!would )(?<!will )(?<!did )(?<!do )(?<!may )you(?:'ve| have|'re| are)?\b(?!'ll| (?:can|cannot|can't|will|need|must|should|may|might|could|would)\b)|it(?:'s| has)? been|if (?:this|that|we|you)|this (?:happened|is happening))",
        r"\b(?:so|really|truly|very|terribly|deeply|sincerely|incredibly|genuinely|super|awfully)\s+sorry\b",
        r"\bsorry (?:again|about that|for that)\b|\b(?:oh no|ugh)\b",
        r"\bmy apologies\b|\bour apologies\b|\bwe apologi[sz]e\b|\bi apologi[sz]e\b",
        words="sorr apol oh ugh",
    ),
    _cue(
        "apology",
        "apologises",
        r"\b(?:sorry|apologi[sz]e\w*|apologies)\b",
        words="sorr apol",
    ),
    _cue(
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
    _cue(
        "names_feeling",
        "names how the customer feels",
        rf"\b(?:i|we) (?:can |completely |totally |fully |really |do |truly |definitely |can only |can'?t )?(?:understand|imagine|hear|see|know|get|appreciate|sense|feel)\b[^.!?]{{0,40}}\b(?:{_FEELING}|{_HURT}|{_SPOT}|hard|difficult|how (?:you|much|important|hard|difficult|tough|scary|upsetting|painful)|why you(?:'re| are| feel| would)|you(?:'re| are) feeling|what you(?:'re| are) going through)",
        rf"\b(?:must|must've|must have) (?:be|have been|feel|get)\s+(?:so |really |very |incredibly |super |extremely |pretty |quite |such )?(?:{_FEELING}|{_HURT}|{_SPOT}|hard|difficult|worrying|inconvenient|a pain|a nightmare|a headache|a shock|a worry)",
        rf"\b(?:would|can|could) (?:be|have been|feel|get)\s+(?:so |really |very |incredibly |super |extremely |pretty |quite |such )?(?:{_FEELING})",
        rf"\b(?:sounds|seems)\s+(?:so |really |very |incredibly |super |like a |like |such a |quite |pretty )?(?:{_FEELING}|{_HURT}|{_SPOT}|hard|difficult|nightmare|pain|headache)",
        r"\bwhat a (?:pain|hassle|nightmare|headache|mess|bummer|shame)\b|\b(?:that|this) (?:sucks|stinks|is (?:awful|terrible|rough|the worst|so hard|really hard|a lot))\b",
        rf"\b(?:that'?s|that is|it'?s|it is|this is|that was|it was|this was)\s+(?:so |really |very |incredibly |such a |a |pretty )?(?:{_SPOT}|{_FEELING})",
        rf"\b(?:your|the|this) {_FEELING}\b",
        rf"\b(?:fair|right|natural|normal|understandable|reasonable|okay|ok|valid|human) to (?:be|feel|get) (?:so |really |very |a bit |a little |pretty |quite )?(?:{_FEELING}|{_HURT})",
        rf"\b(?:you'?re|you are|you'?ve been|you have been|you feel|you felt|you seem|you sound|you must be|you must feel|you'?d be|you were|you may be|you might be)\s+(?:so |really |very |feeling |pretty |quite |a bit |a little |understandably |rightly |completely |totally )?(?:{_FEELING}|{_HURT})",
    ),
    _cue(
        "thanks_for_patience",
        "thanks the customer for their patience",
        r"\b(?:thanks?|thank you|appreciate|grateful)\b[^.!?]{0,30}\b(?:patience|patient|bearing with|hanging in|understanding|hang(?:ing)? tight|waiting|sticking with)\b",
        words="than appr grat",
    ),
    _cue(
        "warmth",
        "shows warmth",
        r"\b(?:i feel (?:you|for you|your)|(?:i'?m|i am|we'?re|we are) (?:always |still )?here for you(?! and)|hang in there|you'?re not alone|not the only one|i hear you|i know (?:how|what) (?:it|you|that)|(?:i'?ve|i have) been there|(?:i|we) (?:really |truly )?care about you|hugs|sending (?:love|hugs|you|good|positive|strength)|stay strong|keep your (?:head|chin) up|be kind to yourself)\b",
        r"\b(?:feel|get|getting) better soon\b|\bproud of you\b|\byou deserve (?:better|to|a|so)\b|\byou(?:'ve| have)? got this\b|\byou can do (?:it|this)\b|\bi believe in you\b|\b(?:it|things) (?:will|do|does|can) get better\b|\bit gets better\b",
        words="feel here hang alon only hear know been care hugs send stro head chin kind bett prou dese got can beli",
    ),
    _cue(
        "well_wishes",
        "wishes the customer well",
        r"\b(?:hope|hoping|wish)(?: that)? (?:you(?:'re| are)? (?:feel|feeling|get|getting|doing|are doing) (?:better|ok|okay|alright|all right|well)|you(?:'re| are) (?:ok|okay|alright|all right|safe|well|feeling better|doing ok)|things (?:get|go|work|turn|improve|look|are looking) (?:better|up|out|well)|it all works out|everything (?:works out|turns out|goes well|is ok)|your (?:recovery|day gets|week gets)|you get (?:it|this|things) sorted)",
        r"\btake care\b(?! of)|\b(?:good|best of) luck\b|\bwish(?:ing)? you (?:well|the best|luck|all the best)\b",
        words="hope hopi wish care luck",
    ),
    # These count against acknowledgement: learned weights are negative.
    _cue(
        "refusal_apology",
        "apology that only softens a refusal",
        r"\b(?:sorry|unfortunately|apologies)\b,?\s*(?:but\s+)?(?:we|i|that|this|it)\s*(?:'re|are|am|is|'m)?\s*(?:can'?t|cannot|won'?t|don'?t|do not|unable|not able|not allowed|not possible|no longer|only)\b",
        r"\b(?:sorry|unfortunately|apologies)\b,?\s*(?:but\s+)?(?:there (?:is|are|was|were|'s) (?:no|nothing)|there'?s (?:no|nothing)|(?:we|i) (?:could|can)(?:n'?t| not) (?:find|see|locate)|nothing (?:is |was )?(?:available|found|matches)|no (?:\w+ )?(?:available|matches|results|slots|availability|longer))\b",
        r"\b(?:sorry|unfortunately|apologies)\b(?:(?!\byou)[^.!?]){0,40}\b(?:unsuccessful|unavailable|not available|(?:not|isn'?t|wasn'?t) possible|(?:was|were|am|is|are)n'?t able|(?:was|were|am|is|are) not able|unable|(?:couldn'?t|could not) (?:book|find|make|reserve|get|locate|process|complete)|(?:does|do|did)(?:n'?t| not) (?:have|offer|provide|support|allow|include|accept|cover))\b",
        r"\b(?:not|n'?t|no|unavailable|unsuccessful|only)\b[^.!?]{0,40}, sorry\b",
        words="sorr unfo apol",
    ),
    _cue(
        "clarifying_apology",
        "apology that only asks for something",
        r"\bsorry\b,?\s*(?:\w+\s*,\s*)?(?:could|can|would|will|did|do|what|which|who|where|when|how|mind)\b",
        r"\bsorry\s*\?|\bsorry (?:to bother|to ask|for the delay in (?:my|our) reply)\b",
        words="sorr",
    ),
    _cue(
        "understand_request",
        "says 'I understand' without naming a feeling",
        r"\b(?:i|we) (?:understand|see|get|note|have noted)(?:,|\.|!)|\b(?:i|we) (?:understand|see|got|received|noted) (?:your|the) (?:request|question|query|point|message|ticket|issue)\b|\bnoted\b",
        words="unde see get note have got rece",
    ),
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
    keys = gate_keys(lower)
    hits: dict[str, str] = {}
    for cue in patterns:
        if not cue.may_match(lower, keys):
            continue
        match = cue.pattern.search(lower)
        if match:
            hits[cue.name] = quote[match.start() : match.end()].strip()[:40]
    return hits


LABELS: dict[str, str] = {c.name: c.label for c in FRUSTRATION_CUES + ACKNOWLEDGEMENT_CUES}
