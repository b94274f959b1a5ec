"""Table tests: which agent messages promise an update, and when it falls due; a promise
held to 30 days however far off it says (in the engine, and in every store)."""

from __future__ import annotations

import pytest

from bot.ops.clock import VirtualClock
from coaching.detectors import Detectors
from coaching.engine import Engine
from coaching.policy import Policy
from coaching.promises import DAY, GRACE_MAX, MAX_PROMISE, LocalTime, find, grace
from coaching.types import Tick
from tests.helpers import CONV, Script, steps
from tests.test_history_store import CALM, T0, A, Delivered, Opener, make_runtime, play, reopen

__all__ = ["reopen"]  # the fixture: every store (memory, SQLite, PostgreSQL)

UTC = LocalTime(lambda _: 0.0)
# Tuesday 14 November 2023, 10:00:00 UTC
TUESDAY_10AM = 1_699_956_000.0
WAIT = 600.0
HOUR = 3600.0


@pytest.mark.parametrize(
    ("text", "due_after", "when"),
    [
        (
            "I'll check with the card team and get back to you within 10 minutes",
            10 * 60,
            "within 10 minutes",
        ),
        ("I'll update you within 10 minutes.", 10 * 60, "within 10 minutes"),
        ("Let me check and get back to you", WAIT, ""),
        ("Let me look into this.", WAIT, ""),
        ("I'll get back to you in an hour", HOUR, "within an hour"),
        (
            "We'll have an update for you in 2 hours, I'll message you then",
            2 * HOUR,
            "within 2 hours",
        ),
        ("Give me 5 minutes to check", 5 * 60, "within 5 minutes"),
        ("Bear with me a moment while I check", 60, "in a moment"),
        (
            "I've escalated it and you'll hear from us within 24-48 hours",
            48 * HOUR,
            "within 24-48 hours",
        ),
        ("I'll email you by 3pm", 5 * HOUR, "by 15:00"),
        ("We'll update you by end of day", 7 * HOUR, "by end of day"),
        ("We'll update you by end of day tomorrow", DAY + 7 * HOUR, "by end of day tomorrow"),
        ("I'll call you back first thing tomorrow", DAY, "by tomorrow morning"),
        ("I'll follow up by Friday", 3 * DAY + 7 * HOUR, "by Friday"),
        ("I'll update you within the hour", HOUR, "within an hour"),
        ("We'll update you in the next hour", HOUR, "within an hour"),
        # Several times: the soonest after the commitment is when the customer hears back.
        (
            "I'm sending a replacement so it arrives tomorrow, and I'll message you by 3pm",
            5 * HOUR,
            "by 15:00",
        ),
        (
            "It went down about 20 minutes ago; I'll update you by end of day",
            7 * HOUR,
            "by end of day",
        ),
        ("Within 10 minutes I'll get back to you", 10 * 60, "within 10 minutes"),
    ],
)
def test_a_promise_is_due_when_it_says(text: str, due_after: float, when: str) -> None:
    promise = find(text, TUESDAY_10AM, WAIT, UTC, 17)
    assert promise is not None
    assert promise.due == TUESDAY_10AM + due_after
    assert promise.when == when


@pytest.mark.parametrize(
    "text",
    [
        "Let me know if you need anything else!",
        "Is there anything else I can help with?",
        "Shall I check that for you?",
        "I can check that for you if you like",
        "I'll be happy to help with that.",
        "Thanks, have a great day!",
        "Your order shipped this morning.",
        "I understand your request.",
    ],
)
def test_not_a_promise(text: str) -> None:
    assert find(text, TUESDAY_10AM, WAIT, UTC, 17) is None


def test_end_of_day_is_the_teams_evening_not_utcs() -> None:
    one_hour_east = LocalTime(lambda _: 3600.0)
    promise = find("I'll get back to you by end of day", TUESDAY_10AM, WAIT, one_hour_east, 17)
    assert promise is not None
    assert promise.due == TUESDAY_10AM + 6 * HOUR  # 17:00 at UTC+1 is 16:00 UTC


def test_end_of_day_promised_after_hours_means_the_next_evening() -> None:
    evening = TUESDAY_10AM + 9 * HOUR  # 19:00
    promise = find("I'll update you by end of day", evening, WAIT, UTC, 17)
    assert promise is not None
    assert promise.due == TUESDAY_10AM + DAY + 7 * HOUR


def test_a_bare_hour_is_too_vague_to_hold_an_agent_to() -> None:
    promise = find("I'll get back to you by 3", TUESDAY_10AM, WAIT, UTC, 17)
    assert promise is not None and promise.when == ""


@pytest.mark.parametrize(
    ("promised", "expected"),
    [
        (60, 60),  # "give me a minute": a minute more, not on the dot
        (3 * 60, 60),
        (4 * 60, 60),  # a quarter is exactly a minute
        (8 * 60, 2 * 60),
        (30 * 60, 7.5 * 60),
        (HOUR, 15 * 60),  # a quarter of an hour: the cap
        (5 * HOUR, 15 * 60),
        (DAY + 7 * HOUR, 15 * 60),  # "by end of day tomorrow"
    ],
)
def test_the_grace_after_a_promise_is_a_quarter_of_it_within_1_to_15_minutes(
    promised: float, expected: float
) -> None:
    assert grace(promised) == expected


NINES = "9" * 400


@pytest.mark.parametrize(
    "text",
    [
        "I'll get back to you within 99999999 days",
        f"I'll get back to you within {NINES} days",  # float() of it is infinite
        f"I'll update you within {NINES}.5 minutes",
        f"Give me {NINES} moments, I'll check",  # raised (int of NaN) before the cap
        f"You'll hear from us within 2-{NINES} hours, I'll check",
    ],
)
def test_a_promise_is_held_to_30_days_however_many_nines(text: str) -> None:
    promise = find(text, TUESDAY_10AM, WAIT, UTC, 17)
    assert promise is not None
    assert promise.due == TUESDAY_10AM + MAX_PROMISE == TUESDAY_10AM + 30 * DAY
    assert promise.when == "within 30 days"


def test_a_run_of_400_nines_does_not_raise_in_the_engine() -> None:
    s = Script()
    engine = Engine(Policy(), Detectors())
    results = steps(
        engine,
        [
            s.msg("customer", "cust", "Hi, my card was declined. Can you check?", 0),
            s.msg("agent", "sam", f"Give me {NINES} moments and I'll get back to you.", 60),
            Tick(CONV, 60 + MAX_PROMISE + GRACE_MAX),
        ],
    )
    [reminder] = results[-1].nudges
    assert "within 30 days" in reminder.headline


async def test_a_huge_promise_falls_due_within_30_days_and_is_purged_after_retention(
    reopen: Opener,
) -> None:
    store = await reopen()
    clock = VirtualClock(T0)
    s = Script(A)
    promise = s.msg("agent", "sam", "I'll get back to you within 99999999 days.", T0 + 60)
    runtime = make_runtime(store, Delivered(), clock)
    await play(runtime, clock, [s.msg("customer", "cust", CALM, T0), promise])
    assert await store.due(T0 + 60 + MAX_PROMISE + GRACE_MAX) == [A.key]
    await store.purge(T0 + 90 * DAY)  # the default retention, the bot down all along
    assert await store.open_states() == []
