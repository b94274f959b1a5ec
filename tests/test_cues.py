"""Table tests: each support cue fires on what it is named for, and not on look-alikes."""

from __future__ import annotations

import re

import pytest

from coaching import cues
from coaching.agent_cues import ACKNOWLEDGEMENT_CUES
from coaching.customer_cues import FRUSTRATION_CUES
from coaching.features import frustration_features
from coaching.text import clean

FRUSTRATION = [
    ("waiting", "I've been waiting for 3 hours", True),
    ("waiting", "I've been on hold since lunch", True),
    ("waiting", "Can you wait a second while I check?", False),
    ("waiting", "over 2 hours and still nothing", True),
    ("waiting", "this is taking way too long", True),
    ("waiting", "A room for 2 days, please", False),
    ("waiting", "I'd like to stay for one week", False),
    ("runaround", "I've spoken to 4 different agents", True),
    ("runaround", "Book it for 3 people", False),
    ("again", "my card got declined again!", True),
    ("again", "Can you try again please?", False),
    ("again", "Thanks again, bye!", False),
    ("broken_promise", "I was told it would arrive Monday", True),
    ("broken_promise", "I was told about a great place to eat", False),
    ("broken_promise", "The show is supposed to be good", False),
    ("rhetorical_question", "How many people are in the group?", False),
    ("rhetorical_question", "How is this acceptable?", True),
    ("no_response", "Nobody has replied to my ticket", True),
    ("no_response", "No reply to my email since Monday", True),
    ("still", "still nothing from your team", True),
    ("repeat_contact", "This is the third time I'm contacting you", True),
    ("repeat_contact", "I already explained this to your colleague", True),
    ("repeat_contact", "How many times do I have to ask?", True),
    ("repeat_contact", "This is my first time ordering", False),
    ("escalation", "I want to speak to a manager", True),
    ("escalation", "I'm filing a chargeback with my bank", True),
    ("churn", "cancel my subscription now", True),
    ("churn", "I'm switching to another provider", True),
    ("escalation", "A hotel with a rating of 1 star, please", False),
    ("escalation", "Could you review my application?", False),
    ("escalation", "I'll be leaving a review about this", True),
    ("escalation", "Can you check my order status?", False),
    ("sarcasm", "Great, just great.", True),
    ("sarcasm", "I love waiting on hold for 2 hours", True),
    ("sarcasm", "thanks for nothing", True),
    ("sarcasm", "Thanks, that was great help", False),
    ("negated_positive", "this is not ok", True),
    ("negated_positive", "your support was not helpful at all", True),
    ("negated_positive", "not a problem", False),
    ("negated_positive", "you don't even care", True),
    ("negated_positive", "I don't care which one", False),
    ("profanity", "wtf is going on", True),
    ("profanity", "this is f***ing ridiculous", True),
    ("profanity", "the shipping was fast", False),
    ("negative_emoji", "my order is late 😡", True),
    ("negative_emoji", "sure thing 🙄", True),
    ("negative_emoji", "thanks 😊", False),
    ("giving_up", "forget it, I give up", True),
    ("reassurance", "No worries, take your time", True),
    ("gratitude", "thank you so much", True),
    ("resolved", "that fixed it", True),
    ("closing", "No thanks, that's all. Have a great day!", True),
    ("closing", "bye!", True),
    ("closing", "Is that all you can do?", False),
    ("decline", "No, not right now.", True),
    ("decline", "Nope.", True),
    ("decline", "No, the other account", False),
    ("acknowledges", "ok thanks", True),
    ("acknowledges", "ok but when?", False),
    ("no_preference", "Doesn't matter to me.", True),
    ("no_preference", "I don't care about the price", True),
    # How long a problem has lasted is not how long the customer has been kept waiting.
    ("waiting", "My dishwasher has been leaking since Saturday", False),
    ("waiting", "the wifi has been patchy for two weeks now", False),
    ("waiting", "Our card reader has been offline for over an hour", False),
    ("waiting", "The app hasn't synced since last Monday", False),
    ("waiting", "We've been without heating for five days now", False),
    ("waiting", "The router is dead since this morning", False),
    ("no_response", "My dishwasher has been leaking since Saturday", False),
    ("no_response", "the wifi has been patchy for two weeks now", False),
    ("waiting", "I've been stuck on hold for 40 minutes", True),
    ("waiting", "still no answer since Friday", True),
    ("waiting", "my return has been pending for 10 days now", True),
    ("waiting", "I've been trying to get through since yesterday", True),
    ("waiting", "It's been 4 days since I sent the form", True),
    ("waiting", "it's been dead for 3 days and still nothing from you", True),
    ("waiting", "the router died on Friday and I've sat in your queue for 40 minutes", True),
    ("no_response", "Nobody has replied to me for a week", True),
    # Counted times are repeat contact only when they count getting in touch.
    ("repeat_contact", "I've watched the tutorial several times", False),
    ("repeat_contact", "I rebooted the router many times", False),
    ("repeat_contact", "We tried the code multiple times", False),
    ("repeat_contact", "I've cleaned the filter a few times", False),
    ("repeat_contact", "this is the second time the lid has cracked", False),
    ("repeat_contact", "I have phoned you several times about this", True),
    ("repeat_contact", "This is the fourth time I'm writing in", True),
    ("repeat_contact", "I've messaged your team many times", True),
    ("repeat_contact", "I've explained this twice already", True),
    ("repeat_contact", "Asking for the 3rd time.", True),
    ("again", "this is the second time the lid has cracked", True),
    # An opinion about a thing is not a complaint about the service.
    ("complaint", "The food at this cafe is dreadful", False),
    ("complaint", "the traffic on the way home was terrible", False),
    ("complaint", "That film was the worst", False),
    ("complaint", "my commute this morning was awful", False),
    ("complaint", "can you tell me a joke", False),
    ("complaint", "is there a trash folder I can restore it from?", False),
    ("complaint", "your helpdesk is useless", True),
    ("complaint", "The service at your branch was appalling", True),
    ("complaint", "you people are hopeless and awful", True),
    ("complaint", "This whole process is a nightmare", True),
    ("complaint", "honestly this is ridiculous", True),
    ("complaint", "Dreadful customer support, start to finish", True),
    # Praise followed by good news is meant; praise followed by a problem is sarcasm.
    ("sarcasm", "Oh lovely, that sorted it!", False),
    ("sarcasm", "wow, it's working again, thanks!", False),
    ("sarcasm", "Fantastic, really fantastic, thank you so much", False),
    ("sarcasm", "ah right, that makes sense", False),
    ("sarcasm", "I love how quickly you fixed it", False),
    ("sarcasm", "Fantastic, just fantastic.", True),
    ("sarcasm", "oh wonderful, the app crashed again", True),
    ("sarcasm", "I just love being passed around departments", True),
    ("sarcasm", "Oh great, my flight's delayed once more", True),
    ("sarcasm", "oh great, thanks for nothing", True),
]

ACKNOWLEDGEMENT = [
    ("apology_for_experience", "I'm so sorry you've had to wait this long", True),
    ("apology_for_experience", "Sorry for the trouble with your order", True),
    ("validation", "That's completely fair, this shouldn't have happened", True),
    ("validation", "You're right, we dropped the ball", True),
    ("names_feeling", "That must have been so disappointing", True),
    ("names_feeling", "I can imagine how frustrating this is", True),
    ("thanks_for_patience", "Thanks so much for your patience", True),
    ("refusal_apology", "Sorry, we can't offer refunds", True),
    ("clarifying_apology", "Sorry, could you repeat the order number?", True),
    ("understand_request", "I understand your request", True),
    ("names_feeling", "I understand your request", False),
    ("validation", "Please send your account ID", False),
]


@pytest.mark.parametrize(("cue", "text", "fires"), FRUSTRATION)
def test_frustration_cue(cue: str, text: str, fires: bool) -> None:
    assert (cue in cues.find(FRUSTRATION_CUES, text)) is fires


@pytest.mark.parametrize(("cue", "text", "fires"), ACKNOWLEDGEMENT)
def test_acknowledgement_cue(cue: str, text: str, fires: bool) -> None:
    assert (cue in cues.find(ACKNOWLEDGEMENT_CUES, text)) is fires


@pytest.mark.parametrize(
    ("text", "feature", "fires"),
    [
        ("WHERE IS MY ORDER", "cue:shouting", True),
        ("I need the API docs and a PDF invoice", "cue:shouting", False),
        ("WHERE IS MY ORDER???", "cue:repeated_punctuation", True),
        ("Where is my order?", "cue:repeated_punctuation", False),
        ("Wonderful service, still waiting 5 days for a reply", "cue:praise_with_complaint", True),
        ("Oh great, my flight's delayed once more", "cue:praise_with_complaint", True),
        ("Brilliant, the error message is gone now", "cue:praise_with_complaint", False),
        ("Awesome, it's not freezing or crashing anymore", "cue:praise_with_complaint", False),
        ("Excellent, that fixed the login error", "cue:praise_with_complaint", False),
        ("Lovely, it finally works now", "cue:praise_with_complaint", False),
        ("Oh lovely, that sorted it!", "cue:sarcasm", False),
        ("Perfect, thank you so much", "cue:sarcasm", False),
    ],
)
def test_computed_cues(text: str, feature: str, fires: bool) -> None:
    assert (feature in frustration_features(clean(text)).values) is fires


def test_cue_evidence_quotes_the_words_that_fired() -> None:
    found = cues.find(FRUSTRATION_CUES, "This is the third time I'm writing")
    assert found["repeat_contact"].lower() == "third time"


def test_no_cue_matches_everything() -> None:
    # An empty alternative in a pattern ("a|b|") would fire on every message.
    for cue in FRUSTRATION_CUES + ACKNOWLEDGEMENT_CUES:
        assert not cue.pattern.search(""), cue.name
        assert not cue.pattern.search("zzz qqq 123"), cue.name


def test_a_match_inside_an_unless_phrase_does_not_count_but_one_elsewhere_does() -> None:
    # "since Friday" here dates the problem, not a wait; the queue is the wait.
    found = cues.find(
        FRUSTRATION_CUES, "The router has been dead since Friday and I'm sat in your queue"
    )
    assert found["waiting"] == "sat in your queue"
    assert "waiting" not in cues.find(FRUSTRATION_CUES, "The router has been dead since Friday")


def test_no_gate_hides_a_match_in_the_tables() -> None:
    # As training/train.py checks on every training text: a gate must let every match in.
    texts = [text for _, text, _ in FRUSTRATION + ACKNOWLEDGEMENT]
    for text in texts:
        lower = text.lower().translate(cues.APOSTROPHES)
        keys = cues.gate_keys(lower)
        for cue in FRUSTRATION_CUES + ACKNOWLEDGEMENT_CUES:
            assert cue.may_match(lower, keys) or not cue.pattern.search(lower), (cue.name, text)


def test_the_gate_index_lets_through_what_each_cue_s_gate_would() -> None:
    texts = [text for _, text, _ in FRUSTRATION + ACKNOWLEDGEMENT] + [
        "Why?? This is a joke #fail 😡",
        "ok thanks",
        "",
    ]
    for patterns in (FRUSTRATION_CUES, ACKNOWLEDGEMENT_CUES):
        for text in texts:
            lower = text.lower().translate(cues.APOSTROPHES)
            keys = cues.gate_keys(lower)
            expected = [cue for cue in patterns if cue.may_match(lower, keys)]
            assert cues._gates(patterns).passed(lower, keys) == expected, text


@pytest.mark.parametrize(
    ("alternatives", "text"),
    [
        ((r"\bbad", r"\bbad service"), "what bad service"),  # the first alternative wins
        ((r"\bservice", r"^what", r"\bwhat bad"), "what bad service"),  # order kept
        ((r"\bno\b", r"#\w+", r"\bfail"), "a #fail, no"),  # leftmost wins
        ((r"[(]\b|x", r"\b(?:a|b)\b"), "(a b"),  # a class and a group are one alternative
    ],
)
def test_one_boundary_test_matches_as_the_alternatives_did(
    alternatives: tuple[str, ...], text: str
) -> None:
    plain = re.compile("|".join(alternatives)).search(text)
    shared = re.compile(cues._one_boundary("|".join(alternatives))).search(text)
    assert plain and shared and plain.span() == shared.span()
