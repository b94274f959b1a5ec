"""The scenario format (every problem named for its author) and the shipped library: every
scenario is a fair exercise for the live engine — empathetic replies calm the customer
and score at least 30 points above dismissive ones, every branch can be reached, and the
customer's words read to the engine as the scenario means them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from bot.practice import check, library
from coaching.detectors import Detectors
from coaching.practice.roleplay import Roleplay, Session
from coaching.practice.scenario import Outcome, Reaction, Scenario, ScenarioError, from_dict

SHIPPED = library.load()
IDS = [s.id for s in SHIPPED]
ROLEPLAY = Roleplay()

# Written here, not taken from the scenarios: one empathetic reply for any situation
# (acknowledges, owns it, a concrete step, an honest time) and dismissive ones.
ANY_EMPATHETIC = (
    "I'm so sorry — that's really frustrating, and you shouldn't have had to deal with it. "
    "That's on us: I'm escalating this myself right now, and I'll update you within the hour."
)
ANY_DISMISSIVE = (
    "Please hold on, we are looking at it.",
    "Unfortunately there's nothing we can do about that.",
    "Our policy is clear on this, sorry.",
)
ACKNOWLEDGES_ONLY = "I'm so sorry, that sounds really frustrating."


def test_at_least_twelve_scenarios_ship_with_the_package() -> None:
    assert SHIPPED.problems == []
    assert len(SHIPPED) >= 12
    files = library.shipped()
    assert len(files) == len(SHIPPED)  # one scenario a file, ids unique


@pytest.mark.parametrize("scenario_id", IDS)
def test_examples_calm_dismissive_replies_escalate_and_the_gap_is_30_or_more(
    scenario_id: str,
) -> None:
    [row] = check.check([SHIPPED.scenarios[scenario_id]])
    assert row.empathetic.outcome is Outcome.CALMED
    assert row.dismissive.outcome is Outcome.ESCALATED
    assert row.empathetic.score - row.dismissive.score >= check.MIN_GAP
    assert row.problems == ()  # every step's example calms the customer at that step
    assert row.ok


@pytest.mark.parametrize("scenario_id", IDS)
def test_replies_written_without_the_scenario_score_30_apart(scenario_id: str) -> None:
    scenario = SHIPPED.scenarios[scenario_id]
    kind = check.scorecard_of(ROLEPLAY, scenario, lambda _step, _turn: ANY_EMPATHETIC)
    rude = check.scorecard_of(
        ROLEPLAY, scenario, lambda _step, turn: ANY_DISMISSIVE[turn % len(ANY_DISMISSIVE)]
    )
    assert kind.outcome is Outcome.CALMED and rude.outcome is Outcome.ESCALATED
    assert kind.score - rude.score >= 30


def _explore(scenario: Scenario, session: Session, seen: set[str]) -> None:
    """Every branch: answer each customer message with a calming, a half-landing and a
    dismissive reply, and follow each."""
    seen.add(session.step)
    if session.finished:
        return
    step = scenario.step(session.step)
    for reply in (step.example, ACKNOWLEDGES_ONLY, ANY_DISMISSIVE[0]):
        after, _ = ROLEPLAY.reply(scenario, session, reply)
        _explore(scenario, after, seen)


@pytest.mark.parametrize("scenario_id", IDS)
def test_every_step_of_every_scenario_is_reached_by_some_replies(scenario_id: str) -> None:
    scenario = SHIPPED.scenarios[scenario_id]
    seen: set[str] = set()
    _explore(scenario, ROLEPLAY.start(scenario, "U1")[0], seen)
    assert seen == set(scenario.steps)
    endings = {s.outcome for s in scenario.steps.values() if s.ending}
    assert {Outcome.CALMED, Outcome.ESCALATED} <= endings


@pytest.mark.parametrize("scenario_id", IDS)
def test_the_engine_reads_the_customer_as_the_scenario_means(scenario_id: str) -> None:
    """The opening and every escalated ending read frustrated to the live detector (the
    agent gets a real heads-up); calmed endings do not."""
    scenario, detectors = SHIPPED.scenarios[scenario_id], Detectors()
    assert detectors.frustration(scenario.step(scenario.start).says).fired
    for step in scenario.steps.values():
        if step.outcome is Outcome.ESCALATED:
            assert detectors.frustration(step.says).fired, step.name
        if step.outcome is Outcome.CALMED:
            assert not detectors.frustration(step.says).fired, step.name


def test_a_partial_branch_is_taken_by_a_reply_that_only_acknowledges() -> None:
    scenario = SHIPPED.scenarios["late-delivery"]
    session, _ = ROLEPLAY.start(scenario, "U1")
    session, _ = ROLEPLAY.reply(scenario, session, ACKNOWLEDGES_ONLY)
    assert session.judgements[-1].reaction is Reaction.PARTIAL
    assert session.step == "what-now"


# --- the format --------------------------------------------------------------------------


def minimal_scenario(**changes: Any) -> dict[str, Any]:
    """The smallest usable scenario (as parsed TOML), with ``changes``."""
    data: dict[str, Any] = {
        "id": "ok",
        "title": "T",
        "situation": "S",
        "steps": {
            "open": {
                "says": "Where is it??",
                "example": "Sorry!",
                "calm": "end",
                "escalate": "end",
            },
            "end": {"says": "Thanks.", "outcome": "calmed"},
        },
    }
    data.update(changes)
    return data


def _problems(data: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as raised:
        from_dict(data, "team.toml")
    assert all(p.startswith("team.toml: ") for p in raised.value.problems)
    return "\n".join(raised.value.problems)


def test_a_minimal_scenario_loads_with_defaults() -> None:
    scenario = from_dict(minimal_scenario())
    assert scenario.customer == "Customer" and scenario.start == "open"
    assert scenario.update_window == (5.0, 1440.0)
    assert scenario.step("open").needs[0].value == "acknowledge"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"id": "Has Spaces"}, "id: lower-case letters"),
        ({"title": ""}, "team.toml: title: required"),
        ({"colour": "red"}, "colour: unknown key"),
        ({"update_window": [60, 10]}, "update_window: [earliest, latest]"),
        ({"starts": "someday 25:00"}, 'starts: a weekday and a time, such as "thursday 14:30"'),
        ({"start": "nowhere"}, "start: no step named 'nowhere'"),
        ({"steps": {}}, "steps: required"),
        (
            {"steps": {"open": {"says": "Hi", "example": "x", "calm": "gone", "escalate": "gone"}}},
            "[steps.open] calm: no step named 'gone'",
        ),
        (
            {
                "steps": {
                    "open": {"says": "Hi", "calm": "end", "escalate": "end"},
                    "end": {"says": "x", "outcome": "calmed"},
                }
            },
            "[steps.open] example: required",
        ),
        (
            {
                "steps": {
                    "open": {
                        "says": "Hi",
                        "example": "x",
                        "calm": "end",
                        "escalate": "end",
                        "needs": ["empathy"],
                    },
                    "end": {"says": "x", "outcome": "calmed"},
                }
            },
            "[steps.open] needs: a non-empty list of",
        ),
        (
            {
                "steps": {
                    "open": {"says": "Hi", "example": "x", "calm": "end", "escalate": "end"},
                    "end": {"says": "x", "outcome": "happy"},
                }
            },
            "[steps.end] outcome: one of calmed, escalated, unresolved",
        ),
        (
            {
                "steps": {
                    "open": {"says": "Hi", "example": "x", "calm": "end", "escalate": "end"},
                    "end": {"says": "x", "outcome": "calmed", "calm": "open"},
                }
            },
            "[steps.end] calm: an ending (with outcome) has no calm",
        ),
        (
            {
                "steps": {
                    "open": {"says": "Hi", "example": "x", "calm": "b", "escalate": "end"},
                    "b": {"says": "x", "example": "y", "calm": "open", "escalate": "end"},
                    "end": {"says": "x", "outcome": "calmed"},
                }
            },
            "steps: a loop (open -> b -> open)",
        ),
        (
            {
                "steps": {
                    "open": {"says": "Hi", "example": "x", "calm": "end", "escalate": "end"},
                    "end": {"says": "x", "outcome": "calmed"},
                    "orphan": {"says": "x", "outcome": "escalated"},
                }
            },
            "not reachable from 'open': orphan",
        ),
    ],
)
def test_every_problem_in_a_scenario_is_named(changes: dict[str, Any], problem: str) -> None:
    assert problem in _problems(minimal_scenario(**changes))


def test_a_teams_scenarios_dir_adds_replaces_and_reports(tmp_path: Path) -> None:
    ours = (
        'id = "late-delivery"\ntitle = "Our own late parcel"\nsituation = "S"\n'
        '[steps.open]\nsays = "Where is it??"\nexample = "Sorry!"\ncalm = "end"\nescalate = "end"\n'
        '[steps.end]\nsays = "Thanks."\noutcome = "calmed"\n'
    )
    (tmp_path / "ours.toml").write_text(ours)
    (tmp_path / "broken.toml").write_text('id = "x"\ntitle = ')
    (tmp_path / "notes.txt").write_text("not a scenario")
    loaded = library.load(tmp_path)
    assert loaded.scenarios["late-delivery"].title == "Our own late parcel"  # replaced
    assert len(loaded) == len(SHIPPED)
    assert [p.split(":")[0] for p in loaded.problems] == ["broken.toml"]
    assert "not valid TOML" in loaded.problems[0]
    missing = library.load(tmp_path / "nope")
    assert missing.problems == [f"[practice] scenarios_dir: {tmp_path / 'nope'} is not a folder"]
    assert len(missing) == len(SHIPPED)


def test_only_regular_scenario_files_are_read_and_only_so_much(tmp_path: Path) -> None:
    """A symlink to /dev/zero would be read until memory runs out, a FIFO would wait for
    a writer forever: both are skipped unread, as is a file over the size cap."""
    good = 'id = "late-delivery"\ntitle = "Ours"\nsituation = "S"\n[steps.open]\nsays = "Hi?"\n'
    (tmp_path / "ours.toml").write_text(good + 'outcome = "calmed"\n')
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.toml")
    (tmp_path / "folder.toml").mkdir()
    padding = "#" * library.MAX_FILE_BYTES + "\n"
    (tmp_path / "huge.toml").write_text(padding + good.replace("late-delivery", "huge"))
    loaded = library.load(tmp_path)
    assert loaded.scenarios["late-delivery"].title == "Ours"
    assert "huge" not in loaded.scenarios
    unread = "not a regular file (a device, a FIFO or a folder); skipped"
    assert sorted(loaded.problems) == [
        f"folder.toml: {unread}",
        "huge.toml: larger than 256 KB; skipped",
        f"pipe.toml: {unread}",
        f"zero.toml: {unread}",
    ]
