"""Owed updates with the shipped detectors: what settles a conversation, what a promise
owes, and whole conversations in which nobody should be nagged."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from coaching.detectors import Detectors
from coaching.engine import Engine, StepResult
from coaching.owed import Settles, pleasantry, settles, signs_off
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
            *ticks(2 * MIN, 15 * MIN),
        ]
    )
    reminders = [n for r in results for n in r.nudges]
    assert [n.kind for n in reminders] == [NudgeKind.WAITING]
    assert reminders[0].agent == "sam"
    # Due at 11 min, reminded after a grace of a quarter of the 10 minutes: the first
    # tick from 13.5 min on.
    assert reminders[0].created_at == 14 * MIN
    assert reminders[0].headline == "You said you'd get back within 10 minutes; it's been 13 min."


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
            Tick(CONV, MIN + 2 * 3600 + 15 * MIN - 1),  # within the grace (capped: 15 min)
            Tick(CONV, MIN + 2 * 3600 + 15 * MIN),
        ]
    )
    assert [kinds(r.nudges) for r in later[2:]] == [[], ["waiting"]]


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


# --- after the agent signs off ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("All done on our side. Is there anything else I can help with? Enjoy your evening!", True),
        ("Happy I could sort that out for you. Goodbye!", True),
        ("You're most welcome, take care!", True),
        ("Your new card is on its way. Have a lovely weekend!", True),
        ("Anything else I can do for you today?", True),
        ("Glad that helped!", True),
        ("We have a week to process the return.", False),  # "have a week": no wish
        ("Could you confirm the postcode? Have a good one.", False),  # still asks something
        ("I've changed the delivery date to Friday.", False),
        ("Thanks for reaching out! Let me pull up your account.", False),
        ("Do you have time for a quick call?", False),
    ],
)
def test_what_signs_off(text: str, expected: bool) -> None:
    assert signs_off(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("you too!", True),
        ("Same to you :)", True),
        ("Likewise, cheers", True),
        ("You've been really helpful", True),
        ("you guys are the best", True),
        ("haha will do", True),
        ("Brilliant service, much appreciated", True),
        ("Oh wait, one more thing: my card on file expired", False),
        ("You were a big help, but I still need the receipt", False),
        ("Please also cancel the spare SIM", False),
        ("It's order 58213", False),
        ("you too! could you send the invoice as well?", False),
    ],
)
def test_what_a_customer_says_back_to_a_sign_off(text: str, expected: bool) -> None:
    assert pleasantry(text) is expected


@pytest.mark.parametrize(
    ("sign_off", "reply"),
    [
        ("Anything else I can help with? Have a great day!", "You too!"),
        (
            "Anything else I can help with? Have a great day!",
            "same to you, you've been super helpful",
        ),
        ("Glad I could help, bye!", "bye! great service"),
        ("Glad I could help, bye!", "Thanks so much"),
        ("You're welcome! Take care.", "you guys are the best"),
        ("You're welcome! Take care.", "ok"),
        ("All sorted. Enjoy the rest of your week!", "haha will do, likewise"),
        ("All sorted. Enjoy the rest of your week!", "You're a star"),
    ],
)
def test_a_pleasantry_after_the_agents_sign_off_owes_nothing(sign_off: str, reply: str) -> None:
    s = Script()
    results = replay(
        [
            s.msg("customer", "cust", "Can you move my delivery to Friday?", 0),
            s.msg("agent", "sam", "Done, it's now booked for Friday.", MIN),
            s.msg("customer", "cust", "Thank you!", 2 * MIN),
            s.msg("agent", "sam", sign_off, 3 * MIN),
            s.msg("customer", "cust", reply, 4 * MIN),
            *ticks(4 * MIN, 3 * 3600, every=5 * MIN),
        ]
    )
    assert nudges_of(results) == []
    assert results[-1].state.unanswered == ()


@pytest.mark.parametrize(
    "question",
    [
        "Actually, one more thing: can I add a second delivery address?",
        "You too! Oh, and could you email me the receipt?",
        "Also, my card on file expired last week",
        "Wait, I still need the invoice for March",
        "please cancel the paper statements too",
    ],
)
def test_a_new_question_after_the_agents_sign_off_is_still_owed(question: str) -> None:
    s = Script()
    results = replay(
        [
            s.msg("customer", "cust", "Can you move my delivery to Friday?", 0),
            s.msg("agent", "sam", "Done! Anything else? Have a great day!", MIN),
            s.msg("customer", "cust", question, 2 * MIN),
            *ticks(2 * MIN, 13 * MIN),
        ]
    )
    due = [n for r in results for n in r.nudges]
    assert [n.kind for n in due] == [NudgeKind.WAITING]
    assert due[0].created_at == 12 * MIN  # waiting_after (10 min) from the question


def test_a_pleasantry_owes_nothing_only_after_a_sign_off() -> None:
    s = Script()
    results = replay(
        [
            s.msg("customer", "cust", "Can you move my delivery to Friday?", 0),
            s.msg("agent", "sam", "Done! Anything else? Have a great day!", MIN),
            s.msg("customer", "cust", "Actually, can I also change the time slot?", 2 * MIN),
            # The answer does not sign off: what the customer says next may be new business.
            s.msg("agent", "sam", "Sure, which slot would suit you?", 3 * MIN),
            s.msg("customer", "cust", "the evening one, you've been really helpful", 4 * MIN),
            *ticks(4 * MIN, 15 * MIN),
        ]
    )
    assert nudges_of(results) == ["waiting"]


# --- the grace after a promised time -------------------------------------------------------


@pytest.mark.parametrize(
    ("promise", "due", "reminded"),
    [
        # promised at 1 min; due; the reminder, a grace later (a quarter, 1-15 min)
        ("Give me a minute to check that.", 2 * MIN, 3 * MIN),
        ("Bear with me two minutes while I look.", 3 * MIN, 4 * MIN),
        ("I'll come back to you within 20 minutes.", 21 * MIN, 26 * MIN),
        ("I'll update you within the hour.", 61 * MIN, 76 * MIN),
        ("We'll email you in 3 hours.", 181 * MIN, 196 * MIN),
    ],
)
def test_a_timed_promise_is_reminded_a_grace_after_its_time(
    promise: str, due: float, reminded: float
) -> None:
    s = Script()
    results = replay(
        [
            s.msg("customer", "cust", "Has my refund gone through?", 0),
            s.msg("agent", "sam", promise, MIN),
            Tick(CONV, due),  # the promised time itself: not yet
            Tick(CONV, reminded - 1),
            Tick(CONV, reminded),
        ]
    )
    assert [kinds(r.nudges) for r in results[2:]] == [[], [], ["waiting"]]
    assert Engine().next_deadline(results[1].state) == reminded


def test_a_promise_without_a_time_gets_no_grace() -> None:
    s = Script()
    results = replay(
        [
            s.msg("customer", "cust", "Has my refund gone through?", 0),
            s.msg("agent", "sam", "Let me look into it.", MIN),
            Tick(CONV, 11 * MIN - 1),
            Tick(CONV, 11 * MIN),
        ]
    )
    assert [kinds(r.nudges) for r in results[2:]] == [[], ["waiting"]]
