"""What customers say when they are frustrated, and what they say when they are not.

Patterns for coaching/cues.py's matcher: broad on purpose, each a weak feature whose
worth the learned model decides (coaching/model.py), and a plain-words reason when it
fires. The calm ones at the end (thanks, closings, declines) count against frustration
and tell coaching/owed.py that a message asks for nothing more.

A cue is a reason an agent reads ("says they have been kept waiting"), so it fires only
when the words are about what it names: how long a problem has lasted is not a wait
("the printer has been jammed since Tuesday"), counted times are repeat contact only when
they count getting in touch ("I restarted it several times" is not), "awful" is a
complaint about the service only when it judges the service ("the weather is awful" is
not), and praise followed by good news is meant ("oh great, that worked!").
"""

from __future__ import annotations

from coaching.cues import FEELING, CuePattern, cue

_TIME_UNIT = r"(?:min(?:ute)?s?|hours?|hrs?|days?|weeks?|wks?|months?)"
_AMOUNT = r"(?:an?|\d+|one|two|three|four|five|six|seven|eight|ten|twelve|24|48|several|many|a few|few|multiple)"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
# Words about waiting for, or trying to reach, the company: how long these went on is a wait.
_WAITING_ON_US = (
    r"(?:wait\w*|hold\w*|queue\w*|line|phone|call\w*|ring\w*|rang|e-?mail\w*|messag\w*|contact\w*"
    r"|writ\w*|wrote|chat\w*|ask\w*|chas\w*|tr(?:y|ying|ied)|reach\w*|hear\w*|heard|repl\w*"
    r"|respon\w*|answer\w*|pending|awaiting|expect\w*|process\w*|sit\w*|sat|ignor\w*|open|unresolved"
    r"|outstanding|ongoing|drag\w*|escalat\w*|review\w*|investigat\w*|progress)"
)
# How long a thing has been in some state ("the printer has been jammed since Tuesday",
# "my laptop has been slow for three days now", "it hasn't worked since Monday"): the
# age of a problem, not the customer kept waiting, unless the state is waiting on us
# ("I've been on hold for an hour", "my refund has been pending since Monday"), or it says
# nobody has acted on it ("broken for a week and still nothing").
_PROBLEM_AGE = (
    r"\b(?:been|is|are|was|were|am|'s|'re|'m|'ve|has|have|had|hasn'?t|haven'?t|hadn'?t|keeps?|kept)\s+"
    rf"(?:(?!(?:{_WAITING_ON_US}|\d+|{_TIME_UNIT})\b)[\w']+\s+){{1,4}}?"
    r"(?:for\s+(?:over\s+|almost\s+|nearly\s+|about\s+|around\s+|more than\s+|the (?:past|last)\s+)?"
    rf"(?:{_AMOUNT}\s+(?:more\s+|whole\s+|full\s+)?{_TIME_UNIT}|ages|forever|days|weeks|months|hours|a while)"
    rf"|since\s+(?:yesterday|today|last \w+|this \w+|early|{_WEEKDAY}|the weekend|\d\w*))"
    r"\b(?!\s+(?:\w+\s+)?(?:now\s+)?(?:with no|without|and (?:still|counting|nothing|no))\b)"
)
# Getting in touch with the company, or telling it something.
_CONTACTING = (
    r"(?:ask\w*|call\w*|phon\w*|rang|ring\w*|e-?mail\w*|messag\w*|contact\w*|writ\w*|wrote"
    r"|chat\w*|reach\w*|told|tell\w*|explain\w*|report\w*|complain\w*|request\w*|chas\w*"
    r"|spoke|speak\w*|talk\w*|said|say\w*|mention\w*|follow\w* up|in touch|on the phone|raised"
    r"|submitted|sent)"
)
_ORDINAL = r"(?:second|third|fourth|fifth|sixth|2nd|3rd|4th|5th|\d+(?:st|nd|rd|th))"
_TIMES = (
    rf"(?:(?:{_ORDINAL}|multiple|several|many|countless|numerous|a (?:dozen|million|hundred)|a few"
    r"|a couple of|\d+|two|three|four|five|six|seven|eight|nine|ten)\s+times?|twice)"
)
# Words that judge anything, the weather as much as the service.
_VERDICT = (
    r"(?:terrible|horrible|awful|the worst|worst|useless|lousy|wretched|dreadful|atrocious|appalling"
    r"|horrendous|disgusting|embarrassing|insane|unbelievable|shocking|nonsense|garbage|trash|rubbish"
    r"|an? (?:complete |total |absolute |bloody |utter )?(?:joke|nightmare|mess|disaster|shambles))"
)
_VERY = (
    r"(?:(?:so|just|really|absolutely|truly|utterly|completely|totally|beyond|simply|frankly|honestly"
    r"|genuinely|quite|pretty|very|extremely|incredibly|downright|getting|becoming|always|still"
    r"|total|complete|absolute|utter)\s+)*(?:[\w'-]+(?:,|,? and|,? &) ){0,2}"  # "slow, buggy and useless"
)
_IS = r"(?:is|are|was|were|has been|have been|'s|'re|seems?|looks?|keeps? being)"
# The company, its people and what it delivers.
_SERVICE = (
    r"(?:(?:service|support|care|help ?desk|help|assistance|team|staff|agent|rep|representative"
    r"|employee|company|business|firm|store|shop|airline|bank|provider|carrier|courier|delivery"
    r"|deliveries|shipping|app|website|site|system|platform|product|order|package|parcel|process"
    r"|policy|policies|communication|experience|response|reply|replies|answer|handling|treatment"
    r"|management|chat ?bot|bot|portal|checkout|billing|software|call cent(?:er|re)|hotline)s?)"
)
_POSITIVE = (
    r"(?:great|perfect|wonderful|fantastic|brilliant|awesome|lovely|nice|excellent|amazing"
    r"|superb|outstanding|stellar|incredible|impressive)"
)

# A problem told as over: "the error is gone now", "it's not crashing anymore", "no more
# outages", "that fixed the error". Good news, not a problem report.
_MALFUNCTION = r"(?:broken|crash\w*|error\w*|outages?|down)"
_PROBLEM_OVER = (
    rf"\b(?:no more|no longer)\s+(?:\w+\s+){{0,2}}?{_MALFUNCTION}\b"
    rf"|(?:\bnot|n't)\s+(?:\w+\s+){{0,2}}?{_MALFUNCTION}(?:\s+\w+){{0,2}}?\s+(?:anymore|any more)\b"
    rf"|\b{_MALFUNCTION}(?:\s+\w+)?\s+(?:is|are|was|were|has|have|'s|'re)\s+(?:now\s+|finally\s+|all\s+|been\s+)*"
    r"(?:gone|fixed|resolved|cleared|sorted|solved|disappeared|over)\b"
    rf"|\b(?:fixed|solved|resolved|cleared|sorted)\s+(?:the |that |this |my |all the )?(?:\w+\s+)?{_MALFUNCTION}"
)

# Good news, thanks or agreement later in the same sentence, with nothing going wrong in
# it: what follows praise says whether the praise is meant.
_GOOD_NEWS = (
    r"(?:\b(?:thanks|thank you|thx|ty|cheers|appreciate\w*|worked|works|working (?:now|again|fine|great)"
    r"|fixed|sorted|solved|resolved|did the trick|came through|went through|arrived|got it|i see"
    r"|makes sense|no (?:problem|worries)|sounds good|go ahead|all set|that helps|helped|love it"
    r"|you'?re (?:a star|the best|awesome|amazing))\b|[🙂😊😀😃😄😁👍🙏❤🎉😍🥰])"
)
_GOING_WRONG = (
    r"(?:\b(?:not|never|nothing|no longer|still|another|late|wrong|broke\w*|crash\w*|fail\w*|delay\w*"
    r"|error\w*|for nothing)\b|n't\b|(?<!working )(?<!works )\bagain\b|🙄|\.\.\.|…)"
)
_UNLESS_GOOD_NEWS = rf"(?!(?=[^.?]*{_GOOD_NEWS})(?![^.?]*{_GOING_WRONG}))"

FRUSTRATION_CUES: tuple[CuePattern, ...] = (
    cue(
        "waiting",
        "says they have been kept waiting",
        r"\b(?:been|still|keep|kept|am|i'?m|are|we'?re|sat|sitting|stuck)\s+(?:\w+\s+)?(?:waiting|on hold)\b",
        r"\bwaited\b",
        r"\bon hold\b",
        # A duration is a wait when something says so: "over 2 hours", "for 3 days now",
        # "been 2 weeks"; "a room for 2 days" is a booking.
        rf"\b(?:over|after|almost|nearly|more than|past|upwards of|pushing)\s+{_AMOUNT}\s+(?:more\s+|whole\s+|full\s+)?{_TIME_UNIT}\b",
        rf"\b(?:been|waited|waiting|wait|hold|took|taken|taking|spent|wasted)\s+(?:for\s+)?(?:over\s+|almost\s+|nearly\s+|about\s+|more than\s+)?{_AMOUNT}\s+(?:more\s+|whole\s+|full\s+)?{_TIME_UNIT}\b",
        rf"\bfor\s+{_AMOUNT}\s+(?:whole\s+|full\s+)?{_TIME_UNIT}\s+(?:now|already|straight|and (?:still|counting|nothing|no)|with no|without)\b",
        rf"\b(?:\d+|an?|one|two|three|four|five|six|several|many|a few)\s*{_TIME_UNIT}\s+(?:later|now|and (?:still|counting|nothing))\b|\b(?:and a half|\+) {_TIME_UNIT}\b",
        r"\b(?:too|so|this|that|such a|way too) long\b|\btaking (?:so|too|this|forever)\b",
        rf"\b(?:\d+|an?|one|two|three)[- ]{_TIME_UNIT}(?: long)? (?:queue|wait|hold|delay)\b|\b(?:stuck|waiting|sitting|sat) in (?:a |the |your )?(?:queue|line)\b",
        r"\bhow (?:much )?longer\b|\b(?:endless|never-?ending|eternal) (?:hold|wait|waiting|queue|loop)\b|\btrying (?:since|for (?:hours|days|weeks|ages|an hour|a week|a month))\b",
        r"\b(?:for|taking|takes|took|waiting|wait) (?:ages|forever)\b|\bdays on end\b",
        r"\b(?:still|yet to|never) (?:arrived|received|got|gotten|came|come|shipped|delivered|heard)\b(?! of)",
        r"\bsince (?:yesterday|last (?:week|month)|monday|tuesday|wednesday|thursday|friday|saturday|sunday|this morning|early)\b",
        words="wait hold min mins minu hour hr hrs day days week wk wks mont longer long taki ages forever still yet never since half endl neve eter tryi stuc sitt sat queu line",
        unless=_PROBLEM_AGE,
    ),
    cue(
        "no_response",
        "says nobody has answered",
        r"\b(?:no|zero|not a single|without (?:a|any)|never (?:got|received|had) (?:a|any))\s+(?:reply|replies|response|responses|answer|answers|word|feedback|call ?back|follow[- ]?up|update)\b",
        r"\bhaven'?t (?:heard|received|gotten|got) (?:back|anything|a (?:reply|response))\b",
        r"\b(?:no ?one|nobody|no-one)\s+(?:has\s+|ever\s+|even\s+)?(?:replied|responded|answered|got back|gets back|called|helps?|helped|cares?|listens?|reads?|bothered|knows)\b",
        r"\b(?:ignored|ignoring (?:me|us|my)|ghosted|left on read|radio silence)\b",
        r"\b(?:never|didn'?t|did not|don'?t|doesn'?t) (?:get|got|call|called|write|wrote|email|emailed|reply|replied|respond|responded|answer|answered) (?:me )?back\b",
        r"\b(?:hello+|hi+|helloo+)\s*\?\?|\b(?:is )?(?:any ?one|any ?body|some ?one|some ?body) (?:out )?(?:there|here|around|home)\s*\?|\bare you (?:still )?(?:there|here)\s*\?",
        r"\b(?:can'?t|cannot|couldn'?t|unable to) (?:even )?(?:get (?:through|hold of|anyone|a hold|a response|an answer)|reach (?:anyone|anybody|you|a human|a person|customer service|support)|get on the phone)\b",
        r"\b(?:forgotten|forgot) (?:about )?(?:me|us)\b|\b(?:hung up on|disconnected|cut off)\b",
        words="repl resp answ word feed call foll upda have one noon nobo igno ghos left sile back hell hi hii hiii anyo anyb any body some there here arou home get reac phon forg forgot hung disc cut",
    ),
    cue(
        "still",
        "says it is still not sorted",
        r"\bstill\s+(?:no|nothing|not|hasn'?t|haven'?t|isn'?t|can'?t|doesn'?t|don'?t|won'?t|broken|waiting|down|missing|charged|unresolved|the same)\b",
        r"\b(?:yet again|still\?|and still)\b",
        r"\bto no avail\b|\bno luck (?:so far|yet)\b|\b(?:still|never) (?:haven'?t |have not |has not |hasn'?t )?(?:got|gotten|received|had) (?:a|any|an|my) (?:email|call|reply|response|update|refund|answer|confirmation)\b",
        words="still yet avai luck never",
    ),
    cue(
        "repeat_contact",
        "has had to ask more than once",
        # Counted times are repeat contact when what was done that often is reaching us
        # ("I've asked several times", "called you 5 times", "this is the third time I'm
        # writing"), not "I restarted it several times" or "read it many times".
        rf"\b{_CONTACTING}\b(?:\s+[\w']+){{0,5}}?\s+(?:for\s+(?:the\s+)?)?{_TIMES}\b",
        rf"\b{_TIMES}\b(?=(?:\s+[\w']+){{0,4}}?\s+{_CONTACTING}\b)|\b{_ORDINAL}\s+times?\b(?=\s*(?:[.!,;]|$))",
        r"\balready\s+(?:\w+\s+)?(?:told|explained|sent|asked|gave|given|provided|called|contacted|tried|done|emailed|messaged|answered|reported|said)\b",
        r"\b(?:i|we)\s+(?:keep|kept)\s+(?:asking|telling|getting|calling|trying|emailing|being)\b",
        r"\bhow many (?:more )?times\b",
        r"\b(?:once again|over and over|every (?:single )?time|same (?:issue|problem|thing|answer|response|reply|error) (?:again|as before|every)|again and again)\b",
        r"\bas i (?:said|mentioned|explained|stated|wrote)\b|\b(?:been|went|gone|going) over (?:this|that|it)\b(?! (?:with|again))",
        r"\b(?:start|starting) (?:over|again|from scratch|from the beginning)\b|\brepeat (?:myself|the same)\b",
        words="time twic alre keep kept once over same again said ment expl stat wrote star repe",
    ),
    cue(
        "runaround",
        "feels passed around",
        r"\b(?:transferr?ed|bounced|passed|pushed|shuffled|sent) (?:around|back and forth|from (?:one|person|department|agent|team)|between|again|to (?:another|yet another|a different)|(?:\d+|two|three|four|five|multiple|several|many) times)\b",
        r"\b(?:spoke|spoken|talked|talking|been|dealt|chatted) (?:to|with|through) (?:\d+|two|three|four|five|six|several|multiple|many|different|so many) (?:different )?(?:agents|people|reps|departments|representatives|persons)\b",
        r"\b(?:\d+|two|three|four|five|several|multiple|many) different (?:agents|people|reps|departments|representatives)\b",
        r"\b(?:speak|talk|chat) (?:to|with) (?:a|an) (?:real|actual|live)? ?(?:human|person|someone who)\b|\b(?:real|actual) (?:human|person)\b",
        r"\b(?:canned|scripted|copy[- ]?pasted?|automated|generic) (?:response|answer|reply|message|responses|answers|replies)\b|\bstop (?:sending|giving) me (?:links|the same|scripts)\b",
        r"\b(?:doesn'?t|didn'?t|does not|did not|not|never|still haven'?t) answer(?:ed|ing)? my question\b|\bnot what i (?:asked|said|meant)\b|\bread my (?:message|messages|question|email)\b",
        words="tran boun pass push shuf sent spok talk been deal chat diff huma pers some cann scri copy auto gene stop answ aske said mean read",
    ),
    cue(
        "again",
        "says it happened again",
        r"\b(?:happen\w*|broke|broken|down|fail\w*|crash\w*|charg\w*|declin\w*|cancel+\w*|late|delayed|stuck|missing|wrong|locked|lost|overcharg\w*|not working|doesn'?t work|didn'?t work|stopped working|same thing|same problem|same issue|here we go|messed up|screwed up|failed)[\s,.!]+(?:\w+\s+)?again\b",
        r"\bagain\s*(?:\?!|!|\?\?)|\b(?:not|nope|seriously|really),? again\b",
        # "the third time this has happened", "the 2nd time my order was late", "second
        # time this week"; the third time someone got in touch is repeat_contact.
        rf"\b{_ORDINAL}\s+time\b(?=\s+(?:in a row|this (?:week|month|year|trip)|today)\b"
        rf"|\s+(?!(?:that\s+)?(?:i|we)\b(?:\s*[\w']+){{0,3}}\s+{_CONTACTING}\b)(?:[@\w'-]+\s+){{1,3}}?(?:has|have|had|is|was|were|got|gets|keeps?|being|getting|\w+ed)\b)",
        words="again time",
    ),
    cue(
        "broken_promise",
        "says a promise was not kept",
        r"\b(?:you|they|he|she|your (?:agent|colleague|team|rep|website|site|app)) (?:said|told me|promised|assured)\b",
        r"\b(?:was|were|been) (?:promised|assured|guaranteed)\b",
        r"\b(?:was|were|been) told (?:that|it|i|we|you|my|the|this|there|by|on|last|yesterday|\d)\b",
        r"\b(?:was|were) supposed to\b|\b(?:it|this|that|which|they|order|package|refund|parcel) (?:is|are|'s|'re) supposed to (?:be (?:here|there|delivered|fixed|working|ready|done|sorted|arriv\w*)|arrive|work|get|come|ship)\b",
        r"\b(?:didn'?t|did not|weren'?t|wasn'?t) (?:you|it|they) (?:say|said|promise|supposed)\b",
        words="said told prom assu guar supp say",
    ),
    cue(
        "escalation",
        "talks about escalating",
        r"\b(?:manager|supervisor|someone in charge|higher up|escalat\w*|complaints? department|formal complaint|head office)\b",
        r"\b(?:lawyer|attorney|legal action|sue|suing|small claims|court|ombudsman|bbb|better business bureau|trading standards|consumer (?:protection|rights)|fcc|ftc)\b",
        r"\b(?:charge ?back|dispute (?:the|this) charge|report(?:ing)? (?:you|this|it) to|my bank involved)\b",
        r"\b(?:bad|negative|terrible|honest|scathing|awful|poor|horrible|1[- ]star|one[- ]star|zero[- ]star) reviews?\b|\b(?:leave|leaving|write|writing|post|posting|give|giving) (?:you |them )?(?:a |an )?(?:\w+ )?review\b|\b(?:give|giving|rate|rating|leave|leaving) (?:you |it |this |them )?(?:a |an )?(?:one|1|zero|0)[- ]stars?\b",
        r"\b(?:trustpilot|yelp|tweet(?:ing)? about|post(?:ing)? (?:this|about)|go(?:ing)? public|tell everyone|tell all my|the media|news ?paper|social media)\b",
        words="mana supe char high esca comp head lawy atto lega sue suin smal cour ombu bbb busi trad cons fcc ftc disp repo bank revi trus yelp twee post publ tell star stars medi news soci",
    ),
    cue(
        "churn",
        "talks about leaving",
        r"\b(?:switch(?:ing)? to|mov(?:e|ing) to|go(?:ing)? (?:with|to)) (?:another|a different|a competitor|your competitor|someone else)\b",
        r"\b(?:never (?:again|using|buying|ordering|flying|recommend)|done with (?:you|this|your)|(?:this|that) (?:is|was|'s) the last time)\b",
        r"\b(?:cancel(?:l?ing)?|close|closing|terminate|terminating) (?:my|our|the) (?:account|subscription|membership|contract|service|plan)\b",
        r"\bnot (?:be )?(?:flying|using|buying|ordering|shopping|booking|dealing)(?: with| from)? (?:you|them|your \w+|this \w+) (?:again|ever again|anymore)\b|\blast (?:dollar|penny|cent|time) you (?:ever )?(?:get|see)\b",
        r"\b(?:take|taking|took) (?:my|our) (?:business|money|custom) elsewhere\b|\b(?:find|finding|look(?:ing)? for|time to find) (?:a )?(?:new|another|different|better) (?:airline|provider|company|bank|carrier|service|supplier|store|shop|host|isp|network)\b",
        words="swit movi move goin go anot diff comp else never done last canc clos term take taki took find look time not",
    ),
    cue(
        "refund",
        "asks for money back",
        r"\b(?:refund\w*|money back|reimburs\w*|compensat\w*)\b",
        words="refu mone reim comp",
    ),
    cue(
        "negated_positive",
        "says it is not good enough",
        r"\b(?:not|isn'?t|wasn'?t|aren'?t|weren'?t|no longer|never|hardly|barely)\s+(?:very\s+|at all\s+|really\s+|even\s+|that\s+|so\s+|remotely\s+)?"
        r"(?:happy|helpful|ok|okay|good|acceptable|satisfied|impressed|fixed|resolved|fair|useful|professional|reasonable|pleased|amused|funny|good enough)\b",
        r"\b(?:no|zero|little|any)\s+help\b",
        r"\b(?:you|they|nobody|no one|anyone|company|y'?all|guys|people|staff|he|she)\s+(?:\w+\s+)?(?:doesn'?t|didn'?t|don'?t|won'?t|never)\s+(?:even\s+)?(?:care|listen|read|bother)\b",
        r"\b(?:do|does|did) (?:you|they|anyone|anybody) (?:even|actually|really|ever) (?:care|read|listen|know|check|test|bother)\b",
        words="happ help ok okay good acce sati impr fixe reso fair usef prof reas plea amus funn care list read both know chec test",
    ),
    cue(
        "not_working",
        "reports a problem",
        r"\b(?:doesn'?t|didn'?t|does not|did not|won'?t|isn'?t|not|never|stopped|can'?t|cannot|unable to)\s+(?:\w+\s+)?(?:work\w*|load\w*|connect\w*|log ?in|sign ?in|open\w*|arriv\w*|receiv\w*|deliver\w*|show(?:ed|n)? up)\b",
        r"\b(?:broken|crash\w*|error|outage|down again|not working)\b",
        # What goes wrong in orders, bills and trips: a problem, not yet a feeling.
        r"\b(?:delayed|cancell?ed|lost|missing|damaged|stolen|stranded|overcharged|double[- ]charged|charged (?:twice|double|again)|wrong (?:item|order|size|address|amount|charge|bill|product|package))\b",
        words="work load conn log logi sign open arri rece deli show brok cras erro outa down dela canc lost miss dama stol stra over doub char wron",
        unless=_PROBLEM_OVER,
    ),
    cue(
        "complaint",
        "calls the service unacceptable",
        # Words that judge how the customer is treated count wherever they stand.
        r"\b(?:unacceptable|ridiculous|absurd|outrageous|pathetic|unhelpful|non[- ]?helpful|shambles|disgrac\w+|incompeten\w+|scam\w*|rip[- ]?off|ripped off|shameful|unprofessional|inexcusable|laughable|clowns? (?:show|company|outfit)|beyond a joke|do better|lost a customer)\b",
        # Words that judge anything ("awful", "terrible") count when they judge the
        # service: the company, its people or what it delivers, or "this" situation;
        # "the weather is awful", "this song is terrible" are opinions, not complaints.
        rf"\b(?:you|you guys|you people|y'?all)(?:'re| are| were|'ve been| have been)\s+{_VERY}{_VERDICT}\b",
        rf"\byour (?:[\w'-]+ ){{1,3}}?{_IS}\s+{_VERY}{_VERDICT}\b",
        rf"\b(?:(?:the|this|that|their|its|our|my)\s+)?(?:customer\s+)?{_SERVICE}(?:\s+\w+){{0,2}}?\s+{_IS}\s+{_VERY}{_VERDICT}\b",
        r"\b(?:is|was) (?:this|that|it) (?:an?|some) (?:\w+ )?(?:joke|nightmare|mess|scam)\b|\b(?:this|that|such|what) (?:complete |total |absolute |utter )?(?:nonsense|rubbish|garbage|shambles)\b",
        rf"\b{_VERDICT} for (?:an?|the|such an?) (?:\w+ )?{_SERVICE}\b|\b(?:joke|nightmare|mess|disgrace|shambles|excuse) of an? (?:\w+ )?{_SERVICE}\b",
        rf"\b(?:this|that|it)(?:'s| is| was| has been|'s been| seems| sounds| looks)\s+{_VERY}{_VERDICT}\b",
        rf"\b{_VERDICT}\s+(?:[\w-]+\s+)?{_SERVICE}\b|\bwhat (?:a )?(?:load of )?(?:nonsense|rubbish|garbage|trash|mess|nightmare|shambles|disaster)\b",
        rf"(?:^|[.!?]\s+)\W*{_VERY}{_VERDICT}\s*(?:[.!?]|$)",
        r"\byou (?:have|got|gotta) to be (?:joking|kidding)\b|\bare you (?:kidding|serious|joking)\b",
        r"\bused to be (?:good|great|better|reliable|decent|fast|easy)\b|\bwhat happened to (?:you|your|the|this)\b",
        r"#\w*(?:worst|fail|poor|bad|terrible|awful|sucks|shame|never)\w*",
        r"\b(?:you|they|you guys|your (?:team|agent|colleague|system|app|site|website)) (?:(?:have|'ve|really|totally|completely) )?(?:messed|screwed|mucked|cocked) (?:it |this |that |things |everything )?up\b|\byou (?:keep )?(?:getting|got) (?:it|this|my \w+) wrong\b",
        r"\bdropp(?:ed|ing) the ball\b|\bfell through the cracks\b|\b(?:bad|poor|terrible|awful|horrible|lousy|worst|appalling|shoddy) (?:customer )?(?:service|support|communication|experience)\b",
        marks=("#",),
        words="disa mess scre muck cock wron unhe nonh non wret lous sham disg horr emba drop fell poor lous shod serv supp comm expe unac ridi absu outr path disg appa atro terr horr awfu wors usel inco scam rip ripo ripp sham insa unbe joke clow nons garb tras rubb unpr inex shoc drea nigh mess laug bett cust joki kidd seri used happ",
    ),
    cue(
        "feeling",
        "says they are fed up or upset",
        rf"\b(?:i'?m|i am|we'?re|we are|so|very|really|getting|get|feel|feeling|extremely|beyond|is|it'?s|this is|that'?s|how|incredibly|super|absolutely|totally)\s+(?:so\s+|very\s+|really\s+|extremely\s+|beyond\s+|absolutely\s+|incredibly\s+|super\s+)?{FEELING}",
        r"\b(?:fed up|sick (?:and tired )?of|tired of|had enough|enough is enough|at my wits'? end|losing my (?:mind|patience)|lost my patience|pissed|furious|livid|mad at|hate|fuming|seething|let down|last straw|cannot believe|can'?t believe)\b",
        words="frus anno upse disa stre worr anxi angr inco madd infu exha conf aggr irri fed sick tire enou wits losi lost piss furi livi mad hate fumi seet let stra beli",
    ),
    cue(
        "giving_up",
        "sounds ready to give up",
        r"\b(?:i give up|giving up|forget it|don'?t (?:even )?care anymore|what'?s the point|no point|waste of (?:time|money)|wasted? (?:my |so much |all )?(?:time|money|hours|day|evening|weekend))\b",
        r"^\s*(?:whatever|fine)\s*(?:[.!]|$)|^\s*whatever,? (?:i|you|just|forget)\b",
        words="give givi forg anym poin wast what fine",
    ),
    cue(
        "rhetorical_question",
        "asks a rhetorical question",
        r"\bwhy (?:is|are|does|do|did|can'?t|won'?t|isn'?t|aren'?t|doesn'?t|would|should|the hell|on earth|is it so|am i|must|has|have)\b[^?]*\?",
        r"\bhow (?:come|hard|difficult|is it (?:possible|so hard|that)|do you (?:expect|not)|many more)\b[^?]*\?|\bhow (?:is|are) (?:this|that|it) (?:possible|acceptable|ok|okay|fair|legal|allowed|reasonable|still)\b",
        r"\bwhat (?:is going on|the (?:hell|heck|f\W*)|is wrong with|kind of (?:service|company|business|support|joke|operation|customer)|am i (?:paying|supposed)|else (?:do|could|can|would) you)\b",
        r"\b(?:seriously|are you (?:kidding|serious|joking)|is this a joke|you'?re joking|really)\s*\?",
        r"\b(?:is (?:this|that) (?:how|what)|so (?:when|what) exactly)\b[^?]*\?",
        words="what how",
        marks=("?",),
    ),
    cue(
        "sarcasm",
        "sounds sarcastic",
        r"\b(?:thanks|thank you|thx|cheers) (?:a lot |so much |very much )?for nothing\b",
        r"\b(?:thanks|thank you|thx|cheers)(?: (?:guys|all|folks|again))?(?: (?:a ton|a lot|a bunch|a million|so much|very much))? for (?:the|a|an|another|yet another|making|ruining|wasting)\s+(?:\w+\s+){0,2}?(?:delay|wait|hold|hassle|mess|runaround|cancell?ation|headache|nightmare|disappointment|inconvenience|great service|wonderful service|stellar service|amazing service|my (?:time|day|evening|weekend|money))\b",
        # Praise is sarcastic when nothing good follows it: "oh great, another delay",
        # not "oh great, that worked!" or "perfect, just perfect, thank you".
        rf"\b{_POSITIVE}[,.!]*\s+(?:just|really|simply|truly|absolutely)\s+{_POSITIVE}\b{_UNLESS_GOOD_NEWS}",
        rf"\b(?:i|just|gotta|got to|really)\s+(?:love|adore|enjoy)\s+(?:being|waiting|getting|having|spending|paying|when|how|that|it when)\b{_UNLESS_GOOD_NEWS}",
        rf"\b(?:oh|yeah|wow|ah)[,!.]*\s+(?:{_POSITIVE}|thanks|right|sure|perfect|fun|good|joy|goody)\b{_UNLESS_GOOD_NEWS}",
        rf"\b(?:yeah|ya|yea) (?:right|sure)\b{_UNLESS_GOOD_NEWS}|\bwhat a (?:joke|surprise|shock)\b|\bclassic\b|\bshocker\b|\bgo figure\b",
        r"\b(?:thanks|thank you) for (?:the|your) (?:\w+ )?(?:help|assistance|support)\s*(?:\.{3}|…|🙄|not)",
        r"\b(?:thanks|thank you|thx)(?: (?:guys|all))? for (?:the|your|that|this) (?:\w+ (?:and )?)?(?:non[- ]?helpful|unhelpful|useless|robotic|canned|automated|pointless|generic|copy[- ]?paste\w*)\b",
        r"\b(?:love|loving) (?:that|this) for (?:me|us)\b|\bjust wow\b|\breal reassuring\b|\bhow convenient\b",
        words="noth grea perf wond fant bril awes love nice exce amaz supe outs stel incr impr ador enjo than thx chee righ sure fun good joy clas shoc figu help assi supp lovi wow reas conv surp joke",
    ),
    cue(
        "profanity",
        "is swearing",
        r"\b(?:f+u+c+k+\w*|fck\w*|fk|sh[i1]t+\w*|bullsh\w*|crap\w*|damn\w*|dammit|wtf|ffs|omfg|stfu|bs|piss\w*|assholes?|arse|bastard\w*|bloody|goddam\w*|screw(?:ed|ing)?|sucks?|sucked|sucky|hell)\b",
        r"\b[fs][\*#@$%!]{2,}\w*|\b\w+\*{2,}\w*",
        words="fk shit bull crap damn damm wtf ffs omfg stfu bs piss assh arse bast bloo godd scre suck hell",
        marks=("uc", "fck", "sh1t", "*", "#", "@", "$", "%", "!"),
    ),
    cue(
        "negative_emoji",
        "uses an angry or fed-up emoji",
        r"[😡🤬😠😤🙄😒👎😑😩😫💩😞😔😣😖😾🤦🖕😭😢☹🙁😕😟💢🤯😐🙃]",
        r"(?<!\S)(?:>?:-?\(+|:-?/|-_-|smh)(?!\S)",
        marks=(":", "-_-", "smh"),
        non_ascii=True,
    ),
    # The following count against frustration: learned weights are negative.
    cue(
        "reassurance",
        "is relaxed about it",
        r"\b(?:no (?:worries|problem|prob|probs|rush|hurry|stress|biggie)|not a (?:problem|big deal|complaint)|take your time|all good|no big deal|not urgent|whenever you (?:can|get a chance)|(?:it'?s|that'?s) (?:ok|okay|fine|alright|all right))\b",
        words="worr prob rush hurr stre bigg deal comp time good urge when ok okay fine alri righ",
    ),
    cue(
        "gratitude",
        "thanks you",
        r"\b(?:thanks|thank you|thx|ty|cheers|appreciate\w*|grateful|much obliged)\b",
        words="than thx ty chee appr grat obli",
    ),
    cue(
        "resolved",
        "says it is resolved",
        r"\b(?:(?:that|it|this) (?:worked|works now|fixed it|did it|did the trick)|(?:all|problem|issue|it'?s|that'?s) (?:sorted|solved|resolved|fixed)|working (?:again|now)|you'?re (?:a |the )?(?:star|lifesaver|life saver|best|awesome|amazing|legend))\b",
        words="work fixe did sort solv reso star life best awes amaz lege",
    ),
    cue(
        "closing",
        "is wrapping up",
        r"\b(?:that'?s|that is|that will be|that'?ll be|that should be|that would be|that was|i think that'?s|it'?s|this is|that be)\s+(?:all|it|everything)(?! (?:you|they|we) (?:can|could|do|did|have|had|got))\b",
        r"\b(?:i|we) (?:don'?t|do not|won'?t|will not) need anything (?:else|more)\b|\b(?:i|we) (?:have|'ve got|got) (?:everything|all) (?:i|we) need\w*\b",
        r"\b(?:i'?m|i am|we'?re|we are|i think i'?m)\s+(?:all\s+)?(?:set|good to go)\b|\b(?:nothing|no) (?:more|else)\b(?! (?:works|worked|helps|helped|happen))",
        r"\b(?:good ?-?bye|bye+|farewell|see ya|cya|take care|ttyl)\b|\bhave an? (?:good|great|nice|lovely|wonderful|fantastic|awesome|pleasant|good one|blessed) ?(?:one|day|night|evening|weekend|afternoon|morning|week|trip|time|holiday|stay)?\b",
        words="that it all set good noth no more else need ever bye byee good farewell see cya take care ttyl have",
    ),
    cue(
        "decline",
        "declines politely",
        r"^\W*(?:no|nope|nah|not really|not (?:at the moment|right now|at this time|this time|today|now|for now|yet))\b\W*(?:thanks?|thank you|thx|ty|i'?m (?:good|fine|ok|okay|all set)|(?:that'?s|that is) (?:all|it|fine|ok)|that will be all|i'?m set|not (?:at the moment|right now|at this time|this time|today|now|for now|yet)\b|(?:i|we) (?:don'?t|do not|won'?t) (?:want|need|wish|require)\b|$)",
        r"^\W*nothing\b\W*(?:thanks?|thank you|thx|i appreciate|else|more|for now|$)",
        r"\b(?:that|it) (?:won'?t|will not|wouldn'?t|would not) be necessary\b|\bnot (?:needed|necessary)\b|\bno need\b(?! to (?:be|get))",
        r"\b(?:maybe|perhaps) (?:later|another time|next time)\b|\b(?:i'?ll|i will|we'?ll|we will) decide later\b|\bnot interested (?:(?:right )?now|at (?:the|this) (?:moment|time)|for now)\b",
        words="no nope nah not noth that it need mayb perh deci inte",
    ),
    cue(
        "no_preference",
        "has no preference",
        r"^\W*(?:i|we) (?:really )?(?:don'?t|do not) (?:really )?(?:care|mind)\W*$",
        r"\b(?:i|we) (?:really )?(?:don'?t|do not) (?:really )?(?:care|mind) (?:which|what kind|what type|where|when|as long|if (?:it|they|there)|either way|about (?:the )?(?:price|area|type|location|rating|stars?|time|cuisine|food|parking|wifi|internet))\b",
        r"\b(?:doesn'?t|does not|don'?t|do not) (?:really )?matter(?: (?:to me|much|either way))?\b|\bno (?:particular )?preference\b|\beither (?:one |of them )?(?:is|would be|will be|works)\b|\bany (?:\w+ )?(?:is|would be|will be|will do|works)\s+(?:fine|ok|okay|good|great)\b",
        words="care mind matt pref eith any",
    ),
    cue(
        "acknowledges",
        "acknowledges the reply",
        r"^\W*(?:ok(?:ay)?|k|kk|sure|great|perfect|cool|got it|gotcha|sounds good|sounds great|alright|all right|will do|noted|understood|fair enough|awesome|excellent|wonderful|brilliant|lovely|nice|good|yes|yep|yeah|right|i see|oh ok(?:ay)?|ah ok(?:ay)?|thanks|thank you|ty|thx|cheers)(?:[\s,.!]+(?:ok(?:ay)?|great|perfect|cool|got it|sounds good|thanks|thank you|so much|very much|a lot|much|ty|thx|cheers|will do|then|i see))*\W*$",
        words="ok okay k kk sure grea perf cool got gotc soun alri all will note unde fair awes exce wond bril love nice good yes yep yeah righ see oh ah than ty thx chee",
    ),
    cue(
        "positive_emoji",
        "uses a friendly emoji",
        r"[🙂😊😀😃😄😁👍🙏❤💙💚💜🎉😍🥰☺😉🤗✨🙌]",
        r"(?<!\S)(?::-?\)+|:d|;-?\)|<3)(?!\S)",
        marks=(":", ";", "<3"),
        non_ascii=True,
    ),
)
