"""Honest figures: no percentage over fewer than 20 cases, a Wilson interval over more."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from adapters.base import CommandRequest, Period, Roles, Scope
from bot.cli.main import main
from bot.ops.clock import VirtualClock
from bot.ops.metrics import Metrics
from bot.reports.digest import digest_report
from bot.reports.shares import Share, compare
from bot.reports.summary import Figures
from bot.reports.views import summary_report
from bot.service.commands import CommandService
from bot.store.base import Slice
from bot.store.memory import MemoryStore
from bot.surveys.satisfaction import ACKNOWLEDGED, NOT_ACKNOWLEDGED, SurveyFigures
from config.settings import DigestSettings
from tests.conftest import require_eval
from tests.test_summary import conversation

# "62% (95% CI 48–74%, 31/50)": the only way a percentage may be shown
FIGURE = re.compile(r"(\d+)% \(95% CI (\d+)–(\d+)%, (\d+)/(\d+)\)")


def test_wilson_against_known_values() -> None:
    low, high = Share(8, 10).wilson()
    assert (round(low, 3), round(high, 3)) == (0.490, 0.943)
    low, high = Share(0, 4).wilson()
    assert (low, round(high, 3)) == (0.0, 0.490)
    low, high = Share(31, 50).wilson()
    assert (round(low, 3), round(high, 3)) == (0.482, 0.741)
    assert Share(20, 20).wilson()[1] == 1.0 and Share(0, 20).wilson()[0] == 0.0


def test_twenty_cases_is_the_boundary() -> None:
    assert Share(5, 19).text() == "too few to tell (5/19)"
    assert not Share(5, 19).enough and Share(5, 20).enough
    assert Share(5, 20).text() == "25% (95% CI 11–47%, 5/20)"
    assert Share(0, 4).text() == "too few to tell (0/4)"
    assert Share(0, 0).text() == "–"


def test_json_carries_counts_always_and_the_interval_only_with_enough() -> None:
    assert Share(3, 4).as_json() == {"hits": 3, "total": 4, "share": None, "ci95": None}
    assert Share(8, 20).as_json() == {
        "hits": 8,
        "total": 20,
        "share": 0.4,
        "ci95": [0.2188, 0.6134],
    }


def test_a_comparison_is_too_few_to_tell_when_either_side_is() -> None:
    says = "calmed after {a} vs {b}."
    assert compare(Share(0, 4), Share(80, 100), says) == (
        "Too few to tell (20 needed on each side): calmed after 0/4 vs 80/100."
    )
    assert compare(Share(80, 100), Share(3, 19), says).startswith("Too few to tell")
    assert compare(Share(10, 20), Share(80, 100), says) == (
        "Calmed after 50% (95% CI 30–70%, 10/20) vs 80% (95% CI 71–87%, 80/100)."
    )


def figures(ack: tuple[int, int], other: tuple[int, int]) -> Figures:
    """The issue's case, or one with enough on both sides."""
    return Figures(
        conversations=30,
        episodes=ack[1] + other[1],
        acknowledged_next=ack[1],
        calmed_after_ack=ack[0],
        followed_after_ack=ack[1],
        calmed_after_no_ack=other[0],
        followed_after_no_ack=other[1],
    )


def test_the_issues_summary_says_too_few_to_tell() -> None:
    shown = summary_report(figures((0, 4), (8, 10)), Scope(), Period.ALL).as_text()
    assert (
        "Did acknowledging help? Too few to tell (20 needed on each side): customers calmed "
        "down after 0/4 of acknowledging replies vs 8/10 of the others." in shown
    )
    assert "0%" not in shown and "80%" not in shown
    exported = figures((0, 4), (8, 10)).as_dict()
    assert exported["calmed_after_acknowledging_reply_share"] == 0.0  # kept as it was
    assert exported["calmed_after_acknowledging_reply_counts"] == {
        "hits": 0,
        "total": 4,
        "share": None,
        "ci95": None,
    }


def test_a_summary_with_enough_shows_intervals() -> None:
    f = figures((15, 25), (10, 40))
    shown = summary_report(f, Scope(), Period.ALL).as_text()
    assert "Acknowledged in the next reply" in shown and "38% (95% CI 28–51%, 25/65)" in shown
    assert (
        "Customers calmed down after 60% (95% CI 41–77%, 15/25) of acknowledging replies "
        "vs 25% (95% CI 14–40%, 10/40) of the others." in shown
    )
    exported = json.loads(json.dumps(f.as_dict()))
    assert exported["acknowledged_in_next_reply_counts"]["ci95"] == [0.2759, 0.5062]
    assert exported["calmed_after_other_reply_counts"]["total"] == 40
    for key in ("repeat_contact_counts", "first_contact_frustrated_counts"):
        assert set(exported[key]) == {"hits", "total", "share", "ci95"}
    assert exported["survey"]["response_counts"]["total"] == 0


def test_the_survey_split_and_the_digest_follow_the_rule() -> None:
    survey = SurveyFigures(asked=12, understood=[5, 4, 4, 3, 2])
    survey.groups[ACKNOWLEDGED].understood = [5, 4, 4]
    survey.groups[NOT_ACKNOWLEDGED].understood = [3, 2]
    f = Figures(conversations=12, episodes=5, acknowledged_next=3, survey=survey)
    shown = summary_report(f, Scope(), Period.ALL).as_text()
    assert (
        "Too few to tell (20 needed on each side): felt understood when frustration was "
        "acknowledged in the next reply vs when it was not (3 vs 2 responses)." in shown
    )
    assert "too few to tell (5/12)" in shown  # the response rate
    digest = digest_report(f, Slice(), DigestSettings(channel="C0DIGEST0"), False, "week")
    assert "too few to tell (3/5)" in digest.as_text() and "60%" not in digest.as_text()
    assert "Felt understood (1-5): 3.6 (n=5)" in digest.as_text()


def test_the_ibm_replay_summary_shows_no_percentage_over_fewer_than_20(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = require_eval("transcripts", "ibm_customer_care", "test.json")
    monkeypatch.setenv("COLUMNS", "400")  # one figure per line, not wrapped
    assert main(["replay", str(path), "--summary"]) == 0
    shown = capsys.readouterr().out
    intervals = FIGURE.findall(shown)
    assert intervals and all(int(total) >= 20 for *_, total in intervals)
    assert "%" not in FIGURE.sub("", shown), "a percentage without its interval and counts"
    assert "Too few to tell" in shown
    assert main(["replay", str(path), "--summary", "--json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    counted = exported["acknowledged_in_next_reply_counts"]
    assert counted["total"] >= 20 and len(counted["ci95"]) == 2
    assert exported["calmed_after_acknowledging_reply_counts"]["share"] is None
    assert set(exported["survey"]["response_counts"]) == {"hits", "total", "share", "ci95"}


def test_an_empty_slice_has_no_figures() -> None:
    exported = Figures().as_dict()
    assert exported["acknowledged_in_next_reply_share"] is None
    assert exported["acknowledged_in_next_reply_counts"] == {
        "hits": 0,
        "total": 0,
        "share": None,
        "ci95": None,
    }


def test_coach_me_shows_counts_and_intervals() -> None:
    """``/coach me``: an agent's own record follows the same rule (25 episodes, 5 followed)."""
    store = MemoryStore()
    for n in range(25):
        conv = f"slack:T1:C1:{n}.0"
        script = [("customer", True, 100.0 + n), ("agent", n < 10, 200.0 + n)]
        if n < 5:
            script.append(("customer", False, 300.0 + n))
        events, signals = conversation(conv, script)
        store.events += events
        store.signals += signals
    service = CommandService(store, Roles(), VirtualClock(1000), Metrics(), 600)
    request = CommandRequest("slack", "T1", "sam", frozenset(), "me", period=Period.DAY)
    shown = asyncio.run(service.handle(request)).as_text()
    assert "Acknowledged in the next reply: 40% (95% CI 23–59%, 10/25)" in shown
    assert "Too few to tell (20 needed on each side): customers calmed down after 5/5" in shown
