"""Customer history in the engine (coaching/history.py): the at-risk rule, the brief's
wording, once per conversation, never to a customer, never message text, and history in
heads-ups and escalation warnings. Scripted scores; the store side is in
test_history_store.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from coaching import history
from coaching.detectors import Detectors
from coaching.engine import Engine, StepResult
from coaching.model import Assessment
from coaching.policy import HistoryRule, Policy
from coaching.state import ConversationState, Returning
from coaching.types import (
    Cue,
    CustomerHistory,
    Event,
    MessagePosted,
    Nudge,
    NudgeKind,
    PastConversation,
)
from tests.helpers import Script, ScriptedDetectors, kinds, steps


class FixedDetectors:
    """Every customer message reads the same; no reply acknowledges."""

    def __init__(self, frustration: Assessment) -> None:
        self.fixed = frustration

    def frustration(self, text: str, context: str = "", confusion: bool = True) -> Assessment:
        return self.fixed

    def acknowledgement(self, text: str, context: str = "") -> Assessment:
        return Assessment(0.0, False, ())


DAY = 86_400.0
T0 = 100 * DAY  # "now": the new conversation opens here
ANGRY, ANGRIER, CALM, PLAIN, ACK = "angry", "angrier", "calm", "plain", "ack"
RULE = HistoryRule()


def past(
    days_ago: float, frustrated: bool = False, unresolved: bool = False, cues: Sequence[str] = ()
) -> PastConversation:
    return PastConversation(T0 - days_ago * DAY, frustrated, unresolved, tuple(cues))


def hist(*conversations: PastConversation) -> CustomerHistory:
    return CustomerHistory(tuple(conversations))


def returning(
    recent: int = 0,
    frustrated: bool = False,
    unresolved: bool = False,
    cues: Sequence[str] = (),
    earlier: int | None = None,
    since_last: float = 2 * DAY,
) -> Returning:
    earlier = recent if earlier is None else earlier
    return Returning(earlier, recent, since_last, frustrated, unresolved, tuple(cues))


# --- the rule, as a pure function of the history summary ---------------------------------


@pytest.mark.parametrize(
    ("summary", "rule", "expected"),
    [
        (returning(recent=1), RULE, False),  # a second conversation in a week is normal
        (returning(recent=2), RULE, True),  # a third is a pattern
        (returning(recent=5), RULE, True),
        (returning(recent=0, earlier=6), RULE, False),  # often, but not lately
        (returning(recent=1, frustrated=True), RULE, True),
        (returning(recent=0, earlier=1, unresolved=True), RULE, True),
        (returning(recent=2), HistoryRule(repeat_conversations=3), False),
        (returning(recent=3), HistoryRule(repeat_conversations=3), True),
        (returning(recent=9), HistoryRule(repeat_conversations=0), False),  # off
        (returning(frustrated=True), HistoryRule(if_frustrated=False), False),
        (returning(unresolved=True), HistoryRule(if_unresolved=False), False),
        (
            returning(frustrated=True, unresolved=True),
            HistoryRule(if_frustrated=False, if_unresolved=False),
            False,
        ),
    ],
)
def test_at_risk_rule(summary: Returning, rule: HistoryRule, expected: bool) -> None:
    assert history.at_risk(summary, rule) is expected


@pytest.mark.parametrize(
    ("conversations", "recent", "earlier", "frustrated", "unresolved"),
    [
        ((past(1), past(3)), 2, 2, False, False),
        ((past(1), past(8)), 1, 2, False, False),  # 8 days ago is outside the 7
        ((past(20, frustrated=True), past(2)), 1, 2, False, False),  # "last time" = latest
        ((past(2), past(20, frustrated=True)), 1, 2, False, False),  # whatever the order
        ((past(2, frustrated=True, unresolved=True),), 1, 1, True, True),
        ((past(7),), 1, 1, False, False),  # exactly 7 days ago still counts
    ],
)
def test_summary_of_a_history(
    conversations: tuple[PastConversation, ...],
    recent: int,
    earlier: int,
    frustrated: bool,
    unresolved: bool,
) -> None:
    summary = history.summarise(hist(*conversations), T0, RULE)
    assert summary is not None
    assert (summary.recent, summary.earlier) == (recent, earlier)
    assert (summary.frustrated_last, summary.unresolved_last) == (frustrated, unresolved)


def test_no_earlier_conversation_is_no_history() -> None:
    assert history.summarise(hist(), T0, RULE) is None
    assert history.summarise(hist(past(-1)), T0, RULE) is None  # one that started later


@pytest.mark.parametrize(
    ("summary", "lines"),
    [
        (
            returning(
                recent=2, frustrated=True, unresolved=True, cues=("repeat_contact", "refund")
            ),
            (
                "3rd conversation in 7 days",
                "frustrated last time (repeat contact, refund)",
                "the last one ended unresolved",
            ),
        ),
        (
            returning(recent=1, frustrated=True),
            ("2nd conversation in 7 days", "frustrated last time"),
        ),
        (
            returning(recent=0, earlier=1, unresolved=True, since_last=12 * DAY),
            ("back after 12 days", "the last one ended unresolved"),
        ),
        (returning(recent=10), ("11th conversation in 7 days",)),
        (
            replace(returning(recent=1, frustrated=True, unresolved=True), escalated_last=True),
            ("2nd conversation in 7 days", "frustrated last time", "the last one escalated"),
        ),
        (returning(recent=21), ("22nd conversation in 7 days",)),
    ],
)
def test_brief_wording(summary: Returning, lines: tuple[str, ...]) -> None:
    assert history.brief_lines(summary, RULE) == lines


@pytest.mark.parametrize(
    ("summary", "reason"),
    [
        (returning(recent=2), "3rd conversation in 7 days"),
        (returning(recent=1, frustrated=True), "they were frustrated last time"),
        (returning(frustrated=True, unresolved=True), "their last conversation ended unresolved"),
        (
            replace(returning(frustrated=True, unresolved=True), escalated_last=True),
            "their last conversation escalated",
        ),
        (None, None),
    ],
)
def test_the_history_as_one_reason(summary: Returning | None, reason: str | None) -> None:
    assert history.reason(summary, RULE) == reason


@pytest.mark.parametrize(
    ("summary", "turns", "expected"),
    [
        (None, 3, 3),
        (returning(recent=3), 3, 3),  # back often, but never upset: no sooner
        (returning(frustrated=True), 3, 2),
        (returning(unresolved=True), 4, 3),
        (returning(frustrated=True), 2, 2),  # never fewer than two messages
    ],
)
def test_escalation_comes_sooner_after_a_bad_last_time(
    summary: Returning | None, turns: int, expected: int
) -> None:
    assert history.escalation_turns(summary, turns) == expected


# --- the engine ---------------------------------------------------------------------------


def detectors() -> ScriptedDetectors:
    return ScriptedDetectors(
        frustration_scores={ANGRY: 0.8, ANGRIER: 0.9, CALM: 0.1, "uneasy": 0.3, "uneasier": 0.45},
        ack_scores={ACK: 0.9, PLAIN: 0.1},
    )


def run(events: Sequence[Event], policy: Policy | None = None) -> list[StepResult]:
    return steps(Engine(policy or Policy(), detectors()), events)


def nudges(results: Sequence[StepResult]) -> list[Nudge]:
    return [n for r in results for n in r.nudges]


AT_RISK = hist(
    past(1, frustrated=True, unresolved=True, cues=("repeat_contact", "refund")), past(3), past(40)
)
CALM_PAST = hist(past(20))  # came once before, calmly: not at risk


def opening(s: Script, customer_history: CustomerHistory | None, text: str = CALM) -> MessagePosted:
    return replace(s.msg("customer", "cust", text, T0), history=customer_history)


def test_the_first_agent_to_post_gets_one_brief_and_only_once() -> None:
    s = Script()
    results = run(
        [
            opening(s, AT_RISK),
            s.msg("agent", "sam", PLAIN, T0 + 60),
            s.msg("customer", "cust", CALM, T0 + 120),
            s.msg("agent", "sam", PLAIN, T0 + 180),
            s.msg("agent", "ana", PLAIN, T0 + 240),  # a second agent joins: no second brief
            s.msg("agent", "sam", PLAIN, T0 + 10 * DAY),  # long after any cooldown
        ]
    )
    assert [kinds(r.nudges) for r in results] == [[], ["history"], [], [], [], []]
    [brief] = results[1].nudges
    assert brief.agent == "sam" and brief.customer == "cust"
    assert brief.reasons == (
        "3rd conversation in 7 days",
        "frustrated last time (repeat contact, refund)",
        "the last one ended unresolved",
    )
    assert "Returning customer" in brief.text and brief.suggestion
    assert results[-1].state.briefed


def test_brief_survives_the_state_round_trip() -> None:
    s = Script()
    engine = Engine(Policy(), detectors())
    first = engine.step(None, opening(s, AT_RISK), T0)
    restored = ConversationState.from_dict(first.state.to_dict())
    assert restored == first.state and restored.returning["cust"].unresolved_last
    reply = engine.step(restored, s.msg("agent", "sam", PLAIN, T0 + 60), T0 + 60)
    assert kinds(reply.nudges) == ["history"]
    again = ConversationState.from_dict(reply.state.to_dict())
    assert kinds(engine.step(again, s.msg("agent", "sam", PLAIN, T0 + 90), T0 + 90).nudges) == []


def test_an_agent_who_greeted_first_gets_the_brief_with_their_next_message() -> None:
    s = Script()
    results = run(
        [
            s.msg("agent", "sam", "hello, how can I help?", T0 - 60),
            opening(s, AT_RISK),
            s.msg("agent", "sam", PLAIN, T0 + 60),
        ]
    )
    assert [kinds(r.nudges) for r in results] == [[], [], ["history"]]


@pytest.mark.parametrize(
    "customer_history",
    [None, hist(), CALM_PAST, hist(past(2)), hist(past(1), past(12))],
    ids=["none", "empty", "once-calm", "one-recent", "two-but-one-old"],
)
def test_never_a_brief_without_such_history(customer_history: CustomerHistory | None) -> None:
    s = Script()
    results = run([opening(s, customer_history), s.msg("agent", "sam", PLAIN, T0 + 60)])
    assert nudges(results) == [] and results[-1].state.returning == {}


def test_only_the_first_message_of_a_customer_carries_their_history() -> None:
    # A history handed over on a later message (a runtime that lost track of it) is
    # ignored: the customer was already known here without one.
    s = Script()
    results = run(
        [
            opening(s, None),
            replace(s.msg("customer", "cust", CALM, T0 + 30), history=AT_RISK),
            s.msg("agent", "sam", PLAIN, T0 + 60),
        ]
    )
    assert nudges(results) == []


def test_never_a_brief_to_someone_who_wrote_as_a_customer() -> None:
    # Two customers, one at risk; the other then posts as an agent (a misconfigured role,
    # or a community member helping out): the brief is not theirs to see.
    s = Script()
    results = run(
        [
            opening(s, AT_RISK),
            s.msg("customer", "pat", CALM, T0 + 10),
            s.msg("agent", "pat", PLAIN, T0 + 20),
            s.msg("agent", "sam", PLAIN, T0 + 30),
        ]
    )
    assert [kinds(r.nudges) for r in results] == [[], [], [], ["history"]]
    assert [n.agent for n in nudges(results)] == ["sam"]


def test_the_brief_never_carries_message_text() -> None:
    # Real detectors and distinctive words: none of them may reach the brief.
    texts = [
        "ZEBRACORN order 4471 STILL not here, third time asking, I want a refund!!",
        "quokkablaster: hello, it's me again about the same thing",
    ]
    s = Script()
    results = steps(
        Engine(Policy(), Detectors()),
        [
            replace(s.msg("customer", "cust", texts[1], T0), history=AT_RISK),
            s.msg("agent", "sam", "Hi again, let me look.", T0 + 60),
            s.msg("customer", "cust", texts[0], T0 + 120),
            s.msg("agent", "sam", "Send me the order number.", T0 + 180),
        ],
    )
    found = nudges(results)
    assert kinds(found)[0] == "history" and len(found) > 1  # the brief, then more
    for nudge in found:
        shown = " ".join([nudge.headline, nudge.text, *nudge.reasons]).lower()
        assert not {"zebracorn", "quokkablaster", "4471"} & set(shown.replace(":", " ").split())
        assert "zebracorn" not in shown and "quokka" not in shown and "4471" not in shown


@pytest.mark.parametrize(
    ("customer_history", "reasons"),
    [
        (AT_RISK, ("uses complaint words", "their last conversation ended unresolved")),
        (CALM_PAST, ("uses complaint words",)),  # not at risk: the plain heads-up
    ],
    ids=["at-risk", "not-at-risk"],
)
def test_heads_up_names_the_history_last(
    customer_history: CustomerHistory, reasons: tuple[str, ...]
) -> None:
    s = Script()
    results = run(
        [
            opening(s, customer_history),
            s.msg("agent", "sam", PLAIN, T0 + 60),
            s.msg("customer", "cust", ANGRY, T0 + 120),
        ]
    )
    [heads_up] = results[-1].nudges
    assert heads_up.kind is NudgeKind.FRUSTRATION and heads_up.reasons == reasons


def test_history_stays_last_when_the_message_gives_three_reasons_of_its_own() -> None:
    cues = tuple(Cue(n, f"cue {n}", 1.0) for n in ("waiting", "refund", "shouting"))
    fixed = Assessment(0.9, True, cues, frozenset())
    s = Script()
    engine = Engine(Policy(), FixedDetectors(fixed))
    state = engine.step(None, opening(s, AT_RISK, ANGRY), T0).state
    state = engine.step(state, s.msg("agent", "sam", PLAIN, T0 + 60), T0 + 60).state
    [heads_up] = engine.step(state, s.msg("customer", "cust", ANGRY, T0 + 999), T0 + 999).nudges
    assert heads_up.reasons == (
        "cue waiting",
        "cue refund",
        "their last conversation ended unresolved",
    )


def test_a_customer_frustrated_last_time_escalates_a_message_sooner() -> None:
    # Rising over two messages is enough for them; a first-timer needs three.
    def script(customer_history: CustomerHistory | None) -> list[Event]:
        s = Script()
        return [
            opening(s, customer_history, "uneasy"),
            s.msg("agent", "sam", PLAIN, T0 + 60),
            s.msg("customer", "cust", ANGRY, T0 + 120),
        ]

    bad_last_time = hist(past(3, frustrated=True, cues=("waiting",)))
    assert kinds(run(script(None))[-1].nudges) == ["frustration"]
    [warning] = run(script(bad_last_time))[-1].nudges
    assert warning.kind is NudgeKind.ESCALATION
    assert warning.reasons[0] == "more frustrated over 2 messages in a row"
    assert warning.reasons[-1] == "they were frustrated last time"
    assert len(warning.reasons) <= 3 and len(set(warning.reasons)) == len(warning.reasons)


@pytest.mark.parametrize(
    ("groups", "last", "expected"),
    [
        ((["a", "b"], ["b", "c"]), None, ("a", "b", "c")),
        ((["a", "b", "c", "d"],), "h", ("a", "b", "h")),
        ((["a", "h"], ["b"]), "h", ("a", "b", "h")),  # never twice, still last
        (([],), "h", ("h",)),
    ],
)
def test_reasons_merge_keeps_the_history_last(
    groups: tuple[list[str], ...], last: str | None, expected: tuple[str, ...]
) -> None:
    from coaching.frustration import merge

    assert merge(*groups, last=last) == expected
