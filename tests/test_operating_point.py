"""How training/loso.py chooses the shipped thresholds, on rows written here: from in-fold
rows only, and confusion's from the calm turns it can fire on (after instructions)."""

from __future__ import annotations

from coaching.contextual import Scores
from coaching.scoring import CONFUSION_READS_CONTEXT
from training import loso
from training.contextual_data import Example

STEPS = "Go to Settings, then tap Privacy."
NO_STEPS = "Thanks, I've found your booking."


def calm(source: str, i: int, context: str) -> Example:
    return Example(source, f"{source}-{i}", f"calm turn {i}", context, 0, 0, calm=True)


def test_confusion_is_chosen_on_unused_calm_turns_after_instructions_only() -> None:
    pool = {
        "mwoz": [calm("mwoz", i, STEPS if i % 2 else NO_STEPS) for i in range(10)],
        "taskmaster": [calm("taskmaster", i, NO_STEPS) for i in range(4)],
        "ibm": [Example("ibm", "ibm-1", "why??", STEPS, 1, 0)],  # not a calm chat source
    }
    trained = [pool["mwoz"][1]]  # a row the run trained on never chooses
    chosen = loso.after_instructions(pool, trained, seed=14)
    assert set(chosen) == {"mwoz"}  # taskmaster has no turn after instructions here
    assert sorted(r.id for r in chosen["mwoz"]) == ["mwoz-3", "mwoz-5", "mwoz-7", "mwoz-9"]
    assert all(r.context == STEPS for r in chosen["mwoz"])


def test_each_threshold_comes_from_its_own_rows() -> None:
    fold = {
        "left_out": None,
        "trained_rows": 1,
        "ids_sha256": "x",
        # (frustration, confusion) of all in-fold calm turns: confusion low everywhere
        "in_fold_calm": {"mwoz": [[0.1, 0.1]] * 99 + [[0.9, 0.2]] * 2},
        # confusion of the calm turns after instructions: some read as lost
        loso.AFTER_INSTRUCTIONS: {"mwoz": [0.1] * 97 + [0.8] * 4},
    }
    thresholds = loso.evaluate(fold)["thresholds"]
    assert thresholds["frustration"] > 0.5  # 2 of 101 above 0.5: raised to flag <= 1%
    assert thresholds["confusion"] > 0.7  # chosen on the turns after instructions


def test_the_floor_holds_when_calm_chat_is_quiet() -> None:
    assert loso.pick_threshold({"mwoz": [0.01] * 200, "taskmaster": [0.2] * 50}) == 0.5
    assert loso.pick_threshold({"mwoz": [0.01] * 98 + [0.9] * 2}) > 0.5


class _ReadsContextAsLost:
    """A model that finds any message read with an agent's steps lost, and none alone."""

    def score(self, text: str, context: str = "") -> Scores:
        return Scores(0.1, 0.9 if context else 0.1)


def test_confusion_is_chosen_on_scores_read_as_the_coach_reads_them() -> None:
    """The agent message picks the turns; the scores are read as the coach reads confusion
    (the message alone), or the threshold is chosen on scores it never acts on."""
    pool = {"mwoz": [calm("mwoz", i, STEPS) for i in range(200)]}
    scored = loso._confusion_scores(_ReadsContextAsLost(), pool, [], seed=14)  # type: ignore[arg-type]
    assert len(scored["mwoz"]) > 100  # those that kept their agent message (some lose it)
    expected = 0.9 if CONFUSION_READS_CONTEXT else 0.1
    assert set(scored["mwoz"]) == {expected}
