"""The shipped models on the cases DESIGN.md says plain sentiment gets wrong."""

from __future__ import annotations

import pytest

from coaching.detectors import Detectors

# Lexicon only, on purpose: the lexicon detectors themselves; the default model is
# the contextual one (tests/test_contextual.py, tests/test_generalisation_tables.py).
pytestmark = pytest.mark.lexicon

D = Detectors()

FRUSTRATED = [
    "This is the third time I'm contacting you",
    "I've been waiting for 3 hours",
    "WHERE IS MY ORDER???",
    "Great, just great.",
    "I love waiting on hold for 2 hours",
    "This is ridiculous, nobody has replied in 5 days",
    "I want to speak to a manager. Now.",
    "your support is useless 😡",
    "not helpful at all, thanks for nothing",
]
CALM = [
    # Task talk, declines and closings: most of what customers write.
    "Book it for 3 people.",
    "That works for me.",
    "Moderate price range please.",
    "No, I'm all set.",
    "No thanks, I'm all set.",
    "Nope, that's everything, have a good one!",
    "All good now, bye!",
    "Okay, have a nice evening.",
    "No worries, take your time",
    "No problem",
    "my card was declined",
    "Hi, can you check the status of order 4821?",
    "That fixed it, thank you so much!",
    "The app crashes when I open settings on Android 14.",
    "Thanks! Have a great weekend",
]
ACKNOWLEDGES = [
    "That must have been so disappointing, I'm sorry.",
    "Totally fair to be annoyed. Let me fix this now.",
    "I'm so sorry you've had to wait this long for an answer.",
    "Thanks for your patience, and sorry for the hassle with the double charge.",
    "I can hear how frustrating this has been. I've escalated it to our billing lead.",
]
DOES_NOT = [
    "Sorry, we can't offer refunds.",
    "Sorry, could you repeat the order number?",
    "I understand your request.",
    "Please send your account ID.",
    "Have you tried restarting the app?",
]


@pytest.mark.parametrize("text", FRUSTRATED)
def test_frustrated(text: str) -> None:
    result = D.frustration(text)
    assert result.fired, (text, result.score)
    assert result.cues, "a frustrated message must say why"


@pytest.mark.parametrize("text", CALM)
def test_calm(text: str) -> None:
    result = D.frustration(text)
    assert not result.fired, (text, result.score)


@pytest.mark.parametrize("text", ACKNOWLEDGES)
def test_acknowledges(text: str) -> None:
    assert D.acknowledgement(text).fired, text


@pytest.mark.parametrize("text", DOES_NOT)
def test_does_not_acknowledge(text: str) -> None:
    assert not D.acknowledgement(text).fired, text


@pytest.mark.parametrize(
    "text",
    [
        "¡Esto es ridículo! Llevo tres semanas esperando mi pedido y nadie responde.",
        "C'est inadmissible, j'attends depuis trois semaines !",
        "这太荒谬了，我等了三个星期",
    ],
)
def test_non_english_is_not_judged(text: str) -> None:
    result = D.frustration(text)
    assert result.score == 0.0 and not result.fired
    assert [c.name for c in result.cues] == ["unsupported_language"]


@pytest.mark.parametrize(
    "text", ["", "   ", "😡😡😡", "\u200b\u200b", "👍", "a" * 40_000, "WHERE" * 8000, "?!" * 5000]
)
def test_odd_input_never_crashes_and_stays_in_range(text: str) -> None:
    for result in (D.frustration(text), D.acknowledgement(text)):
        assert 0.0 <= result.score <= 1.0


def test_scores_are_deterministic() -> None:
    text = "This is the third time I'm asking!!"
    assert D.frustration(text) == D.frustration(text)


def test_threshold_override_moves_the_decision_only() -> None:
    text = "I've been waiting for 3 hours"
    strict = Detectors(frustration_threshold=0.999).frustration(text)
    assert strict.score == D.frustration(text).score
    assert not strict.fired


def test_explanations_are_plain_words_that_never_quote_the_message() -> None:
    result = D.frustration("This is the THIRD time I've asked, I've been waiting 3 hours!!")
    assert {"repeat_contact", "waiting"} <= {c.name for c in result.cues}
    for cue in result.cues:
        assert ":" not in cue.name
        assert not {"“", '"', "THIRD", "third", "3 hours"} & set(cue.label.split()) | (
            {"“"} & set(cue.label)
        ), cue.label
