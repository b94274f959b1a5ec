"""benchmarks.followups counts a heads-up right when the customer message that set it off is
labelled frustrated (the team's IBM labels, training/labels/), and says how sure it is."""

from __future__ import annotations

import json

import pytest

from adapters.console.adapter import to_event
from adapters.console.transcript import Turn, in_order, load
from benchmarks import followups
from coaching.types import ConversationRef, Nudge, NudgeKind
from training import datasets

IBM = datasets.DEFAULT_EVAL / "transcripts" / "ibm_customer_care"
pytestmark = pytest.mark.skipif(
    not IBM.is_dir(), reason=f"{IBM} is absent: the IBM transcripts are not in this checkout"
)


def _turns() -> list[Turn]:
    turns: list[Turn] = []
    for name in ("dev.json", "test.json"):
        turns += in_order(load(IBM / name).turns)[0]
    return turns


def _heads_up(turns: list[Turn], index: int) -> Nudge:
    turn = turns[index]
    return Nudge(
        f"n{index}",
        ConversationRef("ibm", "ibm", turn.conversation, turn.conversation),
        "agent",
        NudgeKind.FRUSTRATION,
        "Heads-up",
        (),
        "",
        turn.author,
        to_event(turn, index, "ibm").event_id,
        turn.ts,
    )


def test_a_heads_up_is_right_on_a_message_labelled_frustrated() -> None:
    turns = _turns()
    labels = {
        json.loads(line)["id"]: json.loads(line)["label"]
        for line in (followups.LABELS / "ibm_frustration.jsonl").read_text().splitlines()
    }
    ids = {(r, t): i for i, (r, t) in datasets._ibm_turns(datasets.DEFAULT_EVAL).items()}
    labelled = {
        labels[tid]: i
        for i, t in enumerate(turns)
        if t.role == "customer" and (tid := ids.get(("customer", t.text))) in labels
    }
    nudges = [_heads_up(turns, labelled[1]), _heads_up(turns, labelled[0])]
    found = followups.precision(turns, nudges, datasets.DEFAULT_EVAL)
    assert (found.heads_ups, found.heads_ups_labelled, found.heads_ups_right) == (2, 2, 1)
    assert found.follow_ups == 0
    assert "precision 50.0% (95% CI 9.5%-90.5%)" in found.line("x")
