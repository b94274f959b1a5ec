"""Table tests for the frustration signal: when the engine judges a customer frustrated,
and the reasons a heads-up gives."""

from __future__ import annotations

import pytest

from coaching.detectors import Detectors
from coaching.frustration import MAX_REASONS, explained, judge, merge, reasons
from coaching.model import LABELS, Assessment, label
from coaching.state import ConversationState
from coaching.types import Cue
from tests.helpers import CONV

# Lexicon only, on purpose: the lexicon model and the judgement it needs (a feeling cue); the default model is
# the contextual one (tests/test_contextual.py, tests/test_generalisation_tables.py).
pytestmark = pytest.mark.lexicon

D = Detectors()


def cue(name: str, weight: float = 1.0) -> Cue:
    return Cue(name, label(name), weight)


def scored(customer: str, *scores: float, frustrated: bool = False) -> ConversationState:
    state = ConversationState(CONV, frustrated=(customer,) if frustrated else ())
    for score in scores:
        state = state.with_score(customer, score)
    return state


@pytest.mark.parametrize(
    ("cues", "earlier_frustrated", "judged"),
    [
        ((cue("waiting"),), False, True),  # a feeling cue is enough
        ((cue("sarcasm"), cue("negative_tone")), False, True),
        ((cue("negative_tone"),), False, False),  # bad news or a correction, told calmly
        ((cue("not_working"), cue("negative_tone")), False, False),  # a calm problem report
        ((cue("negative_tone"),), True, True),  # ... from a customer already frustrated here
        ((cue("refund"),), True, True),
    ],
)
def test_when_a_fired_score_counts_as_frustration(
    cues: tuple[Cue, ...], earlier_frustrated: bool, judged: bool
) -> None:
    state = scored("cust", 0.1, 0.8, frustrated=earlier_frustrated)
    assert judge(state, "cust", Assessment(0.8, True, cues)) is judged


def test_a_score_below_the_threshold_is_never_frustration() -> None:
    state = scored("cust", 0.2, frustrated=True)
    assert not judge(state, "cust", Assessment(0.2, False, (cue("waiting"),)))


def test_reasons_are_plain_words_at_most_three_never_twice_never_a_bare_word() -> None:
    cues = (
        cue("repeated_punctuation"),
        Cue("wording", "wording like “want”", 2.0),  # an n-gram is never a reason
        cue("waiting"),
        cue("waiting"),
        cue("repeat_contact"),
        cue("escalation"),
    )
    found = reasons(cues)
    assert found == (
        label("repeated_punctuation"),
        label("waiting"),
        label("repeat_contact"),
    )
    assert len(found) == MAX_REASONS


def test_merge_keeps_order_and_drops_repeats() -> None:
    assert merge(("a", "b"), ("b", "c", "d")) == ("a", "b", "c")


@pytest.mark.parametrize(
    "text",
    [
        "This is the third time I'm asking and I've been waiting 3 hours!!",
        "Great, just great. Another delay. Thanks for nothing.",
        "I want to speak to a manager. Now.",
    ],
)
def test_real_messages_give_reasons_that_never_quote_them(text: str) -> None:
    result = D.frustration(text)
    assert result.fired
    found = reasons(result.cues)
    assert 1 <= len(found) <= MAX_REASONS
    # Every reason is one of the fixed cue labels: nothing of the message can leak into it.
    assert set(found) <= set(LABELS.values())


@pytest.mark.parametrize(
    ("cues", "matched", "expected"),
    [
        ((cue("negative_tone"),), frozenset(), True),
        ((cue("not_working"),), frozenset(), True),
        ((cue("negative_tone"),), frozenset({"decline"}), False),  # "No, I don't want it now"
        ((cue("negative_tone"),), frozenset({"closing"}), False),
        ((cue("complaint"), cue("negative_tone")), frozenset({"decline"}), True),
        ((), frozenset(), False),  # a score with nothing named behind it
    ],
)
def test_what_explains_a_score(
    cues: tuple[Cue, ...], matched: frozenset[str], expected: bool
) -> None:
    assert explained(Assessment(0.5, True, cues, matched)) is expected
