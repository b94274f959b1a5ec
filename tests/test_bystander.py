"""A conversation belongs to the customer who opened it (its owner): only their closing
resolves it and settles what is owed; anyone else who writes there as a customer is a
participant — coached for, never the one who wraps it up. Engine level, with the shipped
detectors (the phrases are the real ones)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from adapters.outreach import AnswerStatus, Question, SurveyAnswer
from bot.cli.main import main
from bot.ops.clock import VirtualClock
from bot.reports.history import HistoryLookup, team
from bot.reports.summary import compute
from bot.store.base import Slice, Store
from bot.store.outreach import outreach_of
from bot.store.records import SignalRecord
from coaching.detectors import Detectors
from coaching.engine import Engine, StepResult
from coaching.owed import Settles, settles
from coaching.policy import Policy
from coaching.state import MAX_PEOPLE, ConversationState
from coaching.types import Event, NudgeKind, SignalKind, Tick
from tests.helpers import CONV, Script, steps
from tests.test_history_store import (
    ANGRY,
    CALM,
    DAY,
    PLAIN,
    T0,
    A,
    B,
    C,
    Delivered,
    briefs,
    make_runtime,
    opens,
    play,
)
from tests.test_store_contract import store as every_store
from tests.test_summary import posted
from tests.test_survey import REF, WRAP_UP, Asker, Conversation, service

store = every_store  # the fixture: memory, SQLite and PostgreSQL
UNDERSTOOD = Question.UNDERSTOOD

MIN = 60.0
BYE = "That's all, thanks, bye!"
PROMISE = "I'll check with the card team and get back to you within 10 minutes."


def replay(events: Sequence[Event]) -> list[StepResult]:
    return steps(Engine(Policy()), events)


def ticks(start: float, stop: float, every: float = MIN) -> list[Tick]:
    return [Tick(CONV, start + every * (i + 1)) for i in range(int((stop - start) // every))]


def resolved(results: list[StepResult]) -> list[tuple[str, float]]:
    return [(s.subject, s.at) for r in results for s in r.signals if s.kind is SignalKind.RESOLVED]


@pytest.mark.parametrize("text", [BYE, "No thanks, I'm all set.", "No, not right now."])
def test_a_closing_or_decline_by_anyone_but_the_owner_is_only_a_thanks(text: str) -> None:
    result = Detectors().frustration(text)
    assert settles(result, text, result.fired) in (Settles.CLOSING, Settles.DECLINE)
    assert settles(result, text, result.fired, by_owner=False) is Settles.THANKS


def test_a_bystanders_goodbye_resolves_nothing_and_the_promise_is_still_reminded() -> None:
    s = Script()
    results = replay(
        [
            s.msg("customer", "cust", "Hi, my card was declined at checkout. Can you check?", 0),
            s.msg("agent", "sam", PROMISE, MIN),
            s.msg("customer", "bob", BYE, 2 * MIN),  # someone else in cust's thread
            *ticks(2 * MIN, 15 * MIN),
        ]
    )
    assert resolved(results) == []
    assert results[2].state.promised is not None and not results[2].state.closed
    [reminder] = [n for r in results for n in r.nudges]
    assert (reminder.kind, reminder.agent, reminder.created_at) == (NudgeKind.WAITING, "sam", 840)
    assert reminder.customer == "cust"  # owed to the customer it was promised to
    [waiting] = [s for r in results for s in r.signals if s.kind is SignalKind.WAITING]
    assert waiting.subject == "cust"


def test_a_bystanders_decline_leaves_the_owners_question_owed() -> None:
    s = Script()
    results = replay(
        [
            s.msg("customer", "cust", "Where is my parcel?", 0),
            s.msg("agent", "sam", "Hi! Give me the order number, please.", MIN),
            s.msg("customer", "cust", "It's 4417. When will it arrive?", 2 * MIN),
            s.msg("customer", "bob", "No thanks, I'm all set.", 3 * MIN),
            *ticks(3 * MIN, 13 * MIN),
        ]
    )
    assert resolved(results) == []
    [reminder] = [n for r in results for n in r.nudges]
    assert reminder.kind is NudgeKind.WAITING and reminder.customer == "cust"
    assert reminder.created_at == 12 * MIN  # waiting_after (10 min) from cust's question


def test_the_owners_goodbye_resolves_and_settles_a_multi_party_thread() -> None:
    s = Script()
    results = replay(
        [
            s.msg("customer", "cust", "Hi, my card was declined at checkout. Can you check?", 0),
            s.msg("customer", "bob", "Same here, mine was declined too.", 30),
            s.msg("agent", "sam", PROMISE, MIN),
            s.msg("customer", "bob", BYE, 2 * MIN),
            s.msg("customer", "cust", BYE, 3 * MIN),
            *ticks(3 * MIN, 60 * MIN),
        ]
    )
    assert resolved(results) == [("cust", 3 * MIN)]
    assert [n for r in results for n in r.nudges] == []
    state = results[-1].state
    assert (state.owner, state.customers) == ("cust", ("cust", "bob"))


def test_a_participants_frustration_still_nudges_the_agent_and_their_question_is_owed() -> None:
    """A second customer is coached for like the first: their frustration gives the agent
    a heads-up, and their question is owed a reply (it never replaces the owner's)."""
    s = Script()
    results = replay(
        [
            s.msg("customer", "cust", "How do I export my invoices?", 0),
            s.msg("agent", "sam", "Hi! Settings, then Billing, then Export.", MIN),
            s.msg(
                "customer",
                "bob",
                "This is the THIRD time I'm asking and I've been waiting for 3 hours!!",
                2 * MIN,
            ),
            *ticks(2 * MIN, 13 * MIN),
        ]
    )
    heads_up = results[2].nudges
    assert [(n.kind, n.agent, n.customer) for n in heads_up] == [
        (NudgeKind.FRUSTRATION, "sam", "bob")
    ]
    reminders = [n for r in results[3:] for n in r.nudges]
    assert [(n.kind, n.customer) for n in reminders] == [(NudgeKind.WAITING, "bob")]


def test_the_owner_is_kept_across_json_and_old_states_take_their_first_customer() -> None:
    s = Script()
    results = replay(
        [
            s.msg("agent", "sam", "Hi all, how can I help?", 0),  # an agent may open a thread
            s.msg("customer", "cust", "Where is my parcel?", 10),
            s.msg("customer", "bob", "Mine too.", 20),
        ]
    )
    state = results[-1].state
    assert state.owner == "cust"
    stored = json.loads(json.dumps(state.to_dict()))
    assert ConversationState.from_dict(stored) == state
    del stored["owner"]  # stored before owners were kept
    assert ConversationState.from_dict(stored).owner == "cust"
    assert ConversationState.from_dict({"conversation": CONV.key}).owner == ""


# --- the survey, on every store ------------------------------------------------------------


async def test_a_bystanders_wrap_up_surveys_nobody_and_the_owner_is_asked_after_theirs(
    store: Store,
) -> None:
    clock, asker = VirtualClock(0), Asker()
    talk = Conversation(store, clock)
    await talk.say("customer", "cust", "my invoice is wrong", 10)
    await talk.say("agent", "sam", "fixing it now", 20)
    await talk.say("customer", "bob", WRAP_UP, 30)  # in cust's thread: closes nothing
    surveys = service(store, asker, clock)
    clock.advance_to(1000)
    assert await surveys.sweep() == 0 and asker.asked == []
    assert await outreach_of(store).surveys(0, 2000) == []  # not even skipped: no closing

    await talk.say("customer", "cust", WRAP_UP, 1010)
    await talk.say("customer", "bob", "thanks from me too", 1020)  # after it: still closed
    clock.advance_to(1100)
    assert await surveys.sweep() == 1
    assert [(a.conversation, a.customer) for a in asker.asked] == [(REF, "cust")]

    outreach = outreach_of(store)
    refused = await outreach.answer_survey(SurveyAnswer(REF.key, "bob", UNDERSTOOD, 1), 1110)
    assert refused.status is AnswerStatus.NOT_YOURS
    taken = await outreach.answer_survey(SurveyAnswer(REF.key, "cust", UNDERSTOOD, 5), 1120)
    assert taken.status is AnswerStatus.RECORDED
    [record] = await outreach.surveys(0, 2000)
    assert (record.customer, record.understood, record.answered_at) == ("cust", 5, 1120)


async def test_a_closed_thread_asks_its_owner_though_others_wrote_before_and_after_the_close(
    store: Store,
) -> None:
    clock, asker = VirtualClock(0), Asker()
    talk = Conversation(store, clock)
    await talk.say("customer", "cust", "my invoice is wrong", 10)
    await talk.say("agent", "sam", "fixed", 20)
    await talk.say("customer", "bob", "mine is wrong too", 25)  # the last customer before it
    await talk.close(30)  # the agent's ✅
    await talk.say("customer", "ann", "oh nice, that fixed mine too", 40)
    clock.advance_to(200)
    assert await service(store, asker, clock).sweep() == 1
    assert [a.customer for a in asker.asked] == ["cust"]


# --- customer history, on every store ------------------------------------------------------


async def test_a_customers_history_counts_the_conversations_they_opened_not_those_they_joined(
    store: Store,
) -> None:
    clock, delivery = VirtualClock(T0), Delivered()
    runtime = make_runtime(store, delivery, clock)
    s = Script(A)
    joined = [  # bob, upset, in ann's conversation
        s.msg("customer", "ann", CALM, T0),
        s.msg("agent", "sam", PLAIN, T0 + 60),
        s.msg("customer", "bob", ANGRY, T0 + 120),
    ]
    await play(runtime, clock, joined)
    await play(runtime, clock, opens(B, T0 + DAY, customer="bob"))
    found = await store.customers_signals(["ann", "bob"], T0, T0 + 10 * DAY, team(A))
    assert [(s.subject, s.conversation) for s in found] == [("ann", A.key), ("bob", B.key)]
    lookup = HistoryLookup(store, clock)
    assert [key for key, _ in await lookup.lookup("bob", team(A), T0 + 2 * DAY)] == [B.key]
    # bob's 2nd conversation of his own, calm last time: not at risk, no brief (counting
    # ann's, it would be his 3rd in 7 days, frustrated in the one before)
    await play(runtime, clock, opens(C, T0 + 2 * DAY, customer="bob"))
    assert briefs(delivery) == []


# --- summaries ------------------------------------------------------------------------------


def test_a_summary_counts_a_multi_party_thread_once_for_its_owner() -> None:
    """Resolved when its owner wrapped up (another customer writing later does not reopen
    it); one contact, the owner's: joining it is not a contact of bob's."""
    theirs, his = "slack:T1:C1:1.0", "slack:T1:C2:2.0"
    events = [
        posted(theirs, 0, "customer", "ann", 0),
        posted(theirs, 1, "customer", "bob", 30),
        posted(theirs, 2, "agent", "sam", 60),
        posted(theirs, 3, "customer", "ann", 300),  # "that's all, thanks"
        posted(theirs, 4, "customer", "bob", 400),  # "thanks from me too"
        posted(his, 0, "customer", "bob", 1000),
        posted(his, 1, "agent", "sam", 1060),
    ]
    wrapped_up = SignalRecord(f"{theirs}#3", theirs, "resolved", "ann", 1.0, True, (), 300)
    figures = compute(Slice(events, [wrapped_up]), now=1100)
    assert figures.resolution == [300]
    assert (figures.returning.contacts, figures.returning.repeat) == (2, 0)


def test_a_replayed_survey_answer_by_anyone_but_the_owner_is_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        {"conversation": "c1", "role": "customer", "author": "ann", "text": "Help?", "ts": 10},
        {"conversation": "c1", "role": "customer", "author": "bob", "text": "Me too", "ts": 15},
        {"conversation": "c1", "role": "agent", "author": "sam", "text": "Done.", "ts": 20},
        {"conversation": "c1", "role": "survey", "author": "bob", "score": 1, "ts": 30},
        {"conversation": "c1", "role": "survey", "author": "ann", "score": 4, "ts": 31},
    ]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    assert main(["replay", str(path), "--summary", "--json"]) == 0
    out = capsys.readouterr()
    survey = json.loads(out.out)["survey"]
    assert (survey["responses"], survey["mean_understood"]) == (1, 4.0)
    assert "line 4: survey answer by 'bob', who did not open conversation 'c1'" in out.err


def test_a_crowded_thread_forgets_its_oldest_participants_never_its_owner() -> None:
    s = Script()
    events = [s.msg("customer", f"c{i}", "Me too.", i) for i in range(MAX_PEOPLE + 10)]
    state = replay(events)[-1].state
    assert state.owner == "c0" and len(state.customers) == MAX_PEOPLE
    assert state.customers[:2] == ("c0", "c11") and state.customers[-1] == f"c{MAX_PEOPLE + 9}"
