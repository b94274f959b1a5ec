"""Held-out confusion turns through the live path, with the shipped contextual model.

Each (agent instructions, customer line) of tests/fixtures/confusion.py (written for this
test, never trained on) is played as the runtime plays it: the agent's instructions, the
customer's line (read with them as context, as bot/service/scoring.py's ``BatchScorer``
does), a plain agent reply, then a tick every minute for 20 minutes (the harness of
tests/test_generalisation_tables.py, whose calm tables are played here too).

- Confused customers must get the confusion nudge on at least 80% of the turns (issue 21).
- No calm line may get one: our calm follow-ups to instructions ("done, what's next?"),
  and every calm table of tests/fixtures/generalisation.py.
Thresholds come from the model's sidecar (the model is being retrained): the tests hold
rates over tables, never a score. A last pair of tests checks by hash that no line here is
a training row.
"""

from __future__ import annotations

import pytest

from bot.service.scoring import build_engine
from coaching.engine import Engine
from coaching.policy import Policy
from coaching.types import NudgeKind
from tests.fixtures import confusion as table
from tests.fixtures import generalisation as lines
from tests.test_generalisation_tables import (
    CALM,
    Played,
    _clashes_with_repo_rows,
    _clashes_with_shared_sources,
    _digest,
    play,
)

MIN_CONFUSED_RECALL = 0.8
# What the shipped model (sha 835c7f74e42c, the confusion output read without context:
# coaching/scoring.py) does at its confusion threshold of 0.6125 (chosen on in-fold calm
# chat turns after instructions, read as the coach reads them, training/loso.py): 28 of 34
# confused turns get the confusion nudge (82%), 0 of the 96 generalisation calm lines, and 3
# of our 34 calm follow-ups to instructions (questions after a step, such as "Set it as
# default. Does that stick after a restart?"). The model before it (a3eddb692ecc, 0.5008):
# 30, 0 and 5. Floors, so a change of detection cannot do worse (one line of slack each
# way: int8 kernels differ by CPU, see tests/test_generalisation_tables.py); the target not
# met is a strict expected failure until a model meets it (then it passes and the mark must
# go).
MIN_CONFUSED_SHARE = 27 / 34
MAX_CALM_CONFUSED = 1
MAX_FOLLOW_UPS_CONFUSED = 4
NOT_YET = pytest.mark.xfail(strict=True, reason="issue 21 target not met by the shipped model")


@pytest.fixture(scope="module")
def engine() -> Engine:
    return build_engine(Policy(), "contextual")


def confused(engine: Engine) -> list[Played]:
    return [
        play(engine, i, line, agent_text=agent) for i, (agent, line) in enumerate(table.CONFUSED)
    ]


def lost_in(played: Played) -> bool:
    return NudgeKind.CONFUSION in played.on_customer


def test_the_model_does_no_worse_than_when_it_shipped(engine: Engine) -> None:
    played = confused(engine)
    caught = [p for p in played if lost_in(p)]
    assert len(caught) >= MIN_CONFUSED_SHARE * len(played), f"{len(caught)}/{len(played)}"
    # Only when the customer's line arrives, and only once: never on the reply or a tick.
    assert not [p for p in played if NudgeKind.CONFUSION in p.on_reply + p.on_ticks]


def test_confused_customers_get_the_confusion_nudge(engine: Engine) -> None:
    played = confused(engine)
    missed = [p for p in played if not lost_in(p)]
    caught = len(played) - len(missed)
    assert caught >= MIN_CONFUSED_RECALL * len(played), (
        f"confused: {caught}/{len(played)} caught, {MIN_CONFUSED_RECALL:.0%} needed; missed:\n"
        + "\n".join(p.describe() for p in missed)
    )


def calm_follow_ups(engine: Engine) -> list[Played]:
    return [
        play(engine, i, line, agent_text=agent)
        for i, (agent, line) in enumerate(table.CALM_FOLLOW_UPS)
    ]


def test_calm_follow_ups_no_worse_than_when_it_shipped(engine: Engine) -> None:
    fired = [p for p in calm_follow_ups(engine) if NudgeKind.CONFUSION in p.kinds]
    assert len(fired) <= MAX_FOLLOW_UPS_CONFUSED, "\n".join(p.describe() for p in fired)


@NOT_YET
def test_calm_follow_ups_to_instructions_get_no_confusion_nudge(engine: Engine) -> None:
    fired = [p for p in calm_follow_ups(engine) if NudgeKind.CONFUSION in p.kinds]
    assert not fired, "\n".join(p.describe() for p in fired)


def generalisation_calm(engine: Engine) -> list[Played]:
    return [play(engine, i, text) for name in sorted(CALM) for i, text in enumerate(CALM[name])]


def test_generalisation_calm_lines_no_worse_than_when_it_shipped(engine: Engine) -> None:
    fired = [p for p in generalisation_calm(engine) if NudgeKind.CONFUSION in p.kinds]
    assert len(fired) <= MAX_CALM_CONFUSED, "\n".join(p.describe() for p in fired)


def test_generalisation_calm_lines_get_no_confusion_nudge(engine: Engine) -> None:
    fired = [p for p in generalisation_calm(engine) if NudgeKind.CONFUSION in p.kinds]
    assert not fired, "\n".join(p.describe() for p in fired)


def test_the_same_lines_get_no_confusion_nudge_before_any_instructions(engine: Engine) -> None:
    """Confusion is only after an agent's instructions: the same lost lines after an agent
    message that gave none ("let me check that") get nothing."""
    played = [
        play(engine, i, line, agent_text=lines.PLAIN_REPLIES[i % len(lines.PLAIN_REPLIES)])
        for i, (_, line) in enumerate(table.CONFUSED)
    ]
    assert not [p for p in played if NudgeKind.CONFUSION in p.kinds]


def test_the_tables_are_large_enough_and_distinct() -> None:
    assert len({line for _, line in table.CONFUSED}) == len(table.CONFUSED) >= 30
    assert len({line for _, line in table.CALM_FOLLOW_UPS}) == len(table.CALM_FOLLOW_UPS) >= 30


# --- held out: no line is a training row ---------------------------------------------


def _ours() -> dict[str, str]:
    pairs = [*table.CONFUSED, *table.CALM_FOLLOW_UPS]
    texts = [t for pair in pairs for t in pair]
    texts += [*table.CLARIFYING_REPLIES, *table.UNCLEAR_REPLIES]
    return {_digest(t): t for t in texts}


def test_no_line_is_one_of_the_repos_training_rows() -> None:
    clashes = _clashes_with_repo_rows(_ours())
    assert not clashes, f"{len(clashes)} lines are rows of training/data: {clashes}"


@pytest.mark.evaldata
def test_no_line_is_a_training_row_of_the_shared_sources() -> None:
    clashes = _clashes_with_shared_sources(_ours())
    assert not clashes, f"{len(clashes)} lines are training rows: {clashes}"
