"""Owed updates with the shipped detectors: what settles a conversation, what a promise
owes, and whole conversations in which nobody should be nagged."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from coaching.detectors import Detectors
from coaching.engine import Engine, StepResult
from coaching.owed import Settles, settles
from coaching.policy import Policy
from coaching.types import Event, NudgeKind, SignalKind, Tick
from tests.helpers import CONV, Script, kinds, steps

D = Detectors()
MIN = 60.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("That's all, have a nice day", Settles.CLOSING),
        ("bye", Settles.CLOSING),
        ("That worked, thank you!", Settles.CLOSING),
        ("Nope, that's everything, have a good one!", Settles.CLOSING),
        ("All good now, bye!", Settles.CLOSING),
        ("Okay, have a nice evening.", Settles.CLOSING),
        ("No thanks, I'm all set.", Settles.CLOSING),
        ("No, not right now.", Settles.DECLINE),
        ("Nope.", Settles.DECLINE),
        ("ok, thanks", Settles.THANKS),
        ("Great, thanks!", Settles.THANKS),
        ("Book it for 3 people.", None),
        ("Can you check my order status?", None),
        ("Thanks, but can you also change the address?", None),
        ("I was billed for a plan I cancelled last month.", None),
        ("Bye. Worst service ever, I'm never coming back!!", None),
    ],
)
def test_what_settles_a_conversation(text: str, expected: Settles | None) -> None:
    result = D.frustration(text)
    assert settles(result, text, result.fired) is expected


def replay(events: Sequence[Event], policy: Policy | None = None) -> list[StepResult]:
    return steps(Engine(policy or Policy()), events)


def ticks(start: float, stop: float, every: float = MIN) -> list[Tick]:
    count = int((stop - start) // every)
    return [Tick(CONV, start + every * (i + 1)) for i in range(count)]


def nudges_of(results: list[StepResult]) -> list[str]:
    return [k for r in results for k in kinds(r.nudges)]


def test_a_promise_answered_with_thanks_is_still_owed_and_the_reminder_quotes_it() -> None:
    s = Script()
    results = replay(
        [
            s.msg("customer", "cust", "Hi, my card was declined at checkout. Can you check?", 0),
            s.msg(
                "agent",
                "sam",
                "I'll check with the card team and get back to you within 10 minutes.",
                MIN,
            ),
            s.msg("customer", "cust", "Great, thanks!", 2 * MIN),
            *ticks(2 * MIN, 13 * MIN),
        ]
    )
    reminders = [n for r in results for n in r.nudges]
    assert [n.kind for n in reminders] == [NudgeKind.WAITING]
    assert reminders[0].agent == "sam"
    assert reminders[0].created_at == 11 * MIN
    assert reminders[0].headline == "You said you'd get back within 10 minutes; it's been 10 min."


def test_the_agents_next_message_pays_the_promise() -> None:
    s = Script()
    results = replay(
        [
            s.msg("customer", "cust", "Can you check why my refund hasn't arrived?", 0),
            s.msg("agent", "sam", "Let me check and get back to you.", MIN),
            s.msg("customer", "cust", "ok thanks", 2 * MIN),
            s.msg("agent", "sam", "Found it: the refund went out this morning.", 5 * MIN),
            *ticks(5 * MIN, 60 * MIN),
        ]
    )
    assert nudges_of(results) == []


def test_a_promise_without_a_time_is_owed_after_waiting_minutes() -> None:
    s = Script()
    results = replay(
        [
            s.msg("customer", "cust", "Where is my parcel?", 0),
            s.msg("agent", "sam", "Let me look into this for you.", MIN),
            *ticks(MIN, 12 * MIN),
        ]
    )
    due = [n for r in results for n in r.nudges]
    assert [n.created_at for n in due] == [11 * MIN]
    assert due[0].headline.startswith("You said you'd get back to the customer")


def test_a_later_commitment_owes_nothing_before_its_time() -> None:
    s = Script()
    results = replay(
        [
            s.msg("customer", "cust", "Can you send me the corrected invoice?", 0),
            s.msg("agent", "sam", "Sure, I'll email it to you within 2 hours.", MIN),
            s.msg("customer", "cust", "Thanks!", 2 * MIN),
            *ticks(2 * MIN, 2 * 3600, every=5 * MIN),
        ]
    )
    assert nudges_of(results) == []
    later = replay(
        [
            s.msg("customer", "cust", "Can you send me the corrected invoice?", 0),
            s.msg("agent", "sam", "Sure, I'll email it to you within 2 hours.", MIN),
            Tick(CONV, MIN + 2 * 3600 + 1),
        ]
    )
    assert nudges_of(later) == ["waiting"]


@pytest.mark.parametrize(
    "closing",
    [
        "No thanks, I'm all set.",
        "Nope, that's everything, have a good one!",
        "All good now, bye!",
        "Okay, have a nice evening.",
        "That worked, thank you!",
    ],
)
def test_closings_get_no_heads_up_and_no_reminder_and_resolve_the_conversation(
    closing: str,
) -> None:
    s = Script()
    results = replay(
        [
            s.msg("customer", "cust", "Can you add a second user to my account?", 0),
            s.msg("agent", "sam", "Done! Anything else I can help with?", MIN),
            s.msg("customer", "cust", closing, 2 * MIN),
            *ticks(2 * MIN, 5 * 3600, every=10 * MIN),
        ]
    )
    assert nudges_of(results) == []
    resolved = [s for r in results for s in r.signals if s.kind is SignalKind.RESOLVED]
    assert len(resolved) == 1 and resolved[0].at == 2 * MIN


@pytest.mark.parametrize(
    "report",
    [
        "I was billed for a plan I cancelled last month.",
        "My printer stopped printing after yesterday's update.",
    ],
)
def test_a_calm_problem_report_is_owed_an_answer_not_an_acknowledgement(report: str) -> None:
    s = Script()
    results = replay(
        [
            s.msg("agent", "sam", "Hi! How can I help today?", 0),
            s.msg("customer", "cust", report, MIN),
            s.msg("agent", "sam", "Let me fix that: can you confirm the account email?", 2 * MIN),
            s.msg("customer", "cust", "It's jane@example.com", 3 * MIN),
            *ticks(3 * MIN, 14 * MIN),
        ]
    )
    customer_signals = [
        sig for r in results for sig in r.signals if sig.kind is SignalKind.FRUSTRATION
    ]
    assert not any(sig.fired for sig in customer_signals)
    # No heads-up, no follow-up: only the unanswered e-mail address is owed a reply.
    assert nudges_of(results) == ["waiting"]


def test_a_frustrated_customer_still_gets_the_agent_a_heads_up_with_plain_reasons() -> None:
    s = Script()
    results = replay(
        [
            s.msg("customer", "cust", "Hi, where's my order?", 0),
            s.msg("agent", "sam", "Let me check.", MIN),
            s.msg(
                "customer",
                "cust",
                "This is the third time I'm asking and I've been waiting 3 hours!!",
                2 * MIN,
            ),
        ]
    )
    heads_up = results[-1].nudges
    assert kinds(heads_up) == ["frustration"]
    reasons = heads_up[0].reasons
    assert 1 <= len(reasons) <= 3 and len(set(reasons)) == len(reasons)
    assert "has had to ask more than once" in reasons
    assert not any("third" in r or "3 hours" in r for r in reasons)
