"""The engine's nudge policy, with scripted scores (the models are tested elsewhere)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from coaching.engine import Engine, StepResult
from coaching.policy import Policy
from coaching.state import ConversationState
from coaching.types import (
    ConversationClosed,
    Event,
    MessageDeleted,
    MessageEdited,
    NudgeKind,
    Role,
    SignalKind,
    Tick,
)
from tests.helpers import CONV, Script, ScriptedDetectors, kinds, steps

ANGRY = "angry message"
ANGRIER = "angrier message"
ANGRIEST = "angriest message"
CALM = "calm message"
ACK = "acknowledging reply"
PLAIN = "plain reply"
MANAGER = "manager please"
ANGRY_MANAGER = "get me your manager now"


def detectors() -> ScriptedDetectors:
    return ScriptedDetectors(
        frustration_scores={
            ANGRY: 0.8,
            ANGRIER: 0.85,
            ANGRIEST: 0.95,
            CALM: 0.1,
            MANAGER: 0.3,
            ANGRY_MANAGER: 0.9,
            "uneasy": 0.3,
            "uneasier": 0.45,
        },
        ack_scores={ACK: 0.9, PLAIN: 0.1},
        matched={MANAGER: frozenset({"escalation"}), ANGRY_MANAGER: frozenset({"escalation"})},
    )


def run(events: Sequence[Event], policy: Policy | None = None) -> list[StepResult]:
    return steps(Engine(policy or Policy(), detectors()), events)


def test_frustrated_customer_gives_the_agent_a_heads_up_before_the_reply() -> None:
    s = Script()
    results = run(
        [
            s.msg("customer", "cust", CALM, 0),
            s.msg("agent", "sam", PLAIN, 60),
            s.msg("customer", "cust", ANGRY, 120),
        ]
    )
    nudges = results[-1].nudges
    assert kinds(nudges) == ["frustration"]
    assert nudges[0].agent == "sam"
    assert nudges[0].customer == "cust"
    assert nudges[0].reasons and nudges[0].suggestion


def test_no_agent_yet_means_nobody_to_nudge_and_never_the_customer() -> None:
    s = Script()
    results = run([s.msg("customer", "cust", ANGRY, 0)])
    assert results[0].nudges == ()
    assert results[0].signals[0].kind is SignalKind.FRUSTRATION and results[0].signals[0].fired


def test_reply_without_acknowledgement_gets_a_follow_up_and_an_acknowledging_one_does_not() -> None:
    s = Script()
    results = run(
        [
            s.msg("agent", "sam", PLAIN, 0),
            s.msg("customer", "cust", ANGRY, 60),
            s.msg("agent", "sam", PLAIN, 120),
        ]
    )
    assert kinds(results[-1].nudges) == ["acknowledge"]
    assert results[-1].nudges[0].agent == "sam"

    s = Script()
    results = run(
        [
            s.msg("agent", "sam", PLAIN, 0),
            s.msg("customer", "cust", ANGRY, 60),
            s.msg("agent", "sam", ACK, 120),
        ]
    )
    assert results[-1].nudges == ()
    assert (
        results[-1].signals[0].kind is SignalKind.ACKNOWLEDGEMENT and results[-1].signals[0].fired
    )


def test_only_the_next_reply_is_judged() -> None:
    s = Script()
    results = run(
        [
            s.msg("agent", "sam", PLAIN, 0),
            s.msg("customer", "cust", ANGRY, 60),
            s.msg("agent", "sam", ACK, 120),
            s.msg("agent", "sam", PLAIN, 180),
        ]
    )
    assert results[-1].nudges == ()


def test_every_agent_reply_carries_the_decision_its_follow_up_comes_from() -> None:
    """The verdict (owed? acknowledged?) is what practice's scorecard reads: a follow-up
    exactly when acknowledgement was owed and missing."""
    s = Script()
    results = run(
        [
            s.msg("agent", "sam", PLAIN, 0),  # nothing to answer yet
            s.msg("customer", "cust", CALM, 60),
            s.msg("agent", "sam", PLAIN, 120),  # a calm message: nothing owed
            s.msg("customer", "cust", ANGRY, 180),
            s.msg("agent", "sam", PLAIN, 240),  # owed, missed: the follow-up
            s.msg("customer", "cust", ANGRIER, 300),
            s.msg("agent", "sam", ACK, 360),  # owed, given
            s.msg("agent", "sam", PLAIN, 420),  # only the next reply is judged
        ]
    )
    replies = [r for r in results if r.verdict is not None]
    assert [(v.owed, v.acknowledged) for v in (r.verdict for r in replies) if v] == [
        (False, False),
        (False, False),
        (True, False),
        (True, True),
        (False, False),
    ]
    for reply in replies:
        assert reply.verdict is not None
        followed_up = NudgeKind.ACKNOWLEDGE.value in kinds(reply.nudges)
        assert followed_up is reply.verdict.follow_up
    assert all(r.verdict is None for r in results if r not in replies)  # customers' messages


def test_acknowledgement_is_computed_for_every_agent_reply() -> None:
    s = Script()
    results = run([s.msg("agent", "sam", ACK, 0), s.msg("agent", "sam", PLAIN, 1)])
    assert [r.signals[0].fired for r in results] == [True, False]


def test_split_reply_within_grace_can_still_acknowledge() -> None:
    policy = Policy(ack_grace=60)
    s = Script()
    results = run(
        [
            s.msg("agent", "sam", PLAIN, 0),
            s.msg("customer", "cust", ANGRY, 60),
            s.msg("agent", "sam", PLAIN, 100),  # "Hi Dana," ...
            s.msg("agent", "sam", ACK, 110),  # ... "I'm so sorry about this"
            Tick(CONV, 200),
        ],
        policy,
    )
    assert all(r.nudges == () for r in results[2:])

    s = Script()
    results = run(
        [
            s.msg("agent", "sam", PLAIN, 0),
            s.msg("customer", "cust", ANGRY, 60),
            s.msg("agent", "sam", PLAIN, 100),
            Tick(CONV, 159),
            Tick(CONV, 161),
        ],
        policy,
    )
    assert results[2].nudges == () and results[3].nudges == ()
    assert kinds(results[4].nudges) == ["acknowledge"]


def test_waiting_customer_reminds_agents_once_per_limit_then_stops() -> None:
    policy = Policy(waiting_after=600, waiting_repeat=1200, waiting_max_reminders=2)
    s = Script()
    results = run(
        [
            s.msg("agent", "sam", PLAIN, 0),
            s.msg("customer", "cust", CALM, 100),
            Tick(CONV, 650),  # 550 s: not yet
            Tick(CONV, 701),  # 601 s: first reminder
            Tick(CONV, 1000),  # nothing new
            Tick(CONV, 1901),  # 1200 after the first reminder: second reminder
            Tick(CONV, 9999),  # max reached
        ],
        policy,
    )
    assert [kinds(r.nudges) for r in results[2:]] == [[], ["waiting"], [], ["waiting"], []]
    first, second = results[3].nudges[0], results[5].nudges[0]
    assert first.nudge_id != second.nudge_id
    assert "10 min" in first.headline


def test_reminders_after_downtime_are_spaced_not_back_to_back() -> None:
    policy = Policy(waiting_after=600, waiting_repeat=1200, waiting_max_reminders=3)
    s = Script()
    results = run(
        [
            s.msg("agent", "sam", PLAIN, 0),
            s.msg("customer", "cust", CALM, 100),
            Tick(CONV, 50_000),
            Tick(CONV, 50_005),
            Tick(CONV, 51_201),
        ],
        policy,
    )
    assert [kinds(r.nudges) for r in results[2:]] == [["waiting"], [], ["waiting"]]


def test_agent_reply_stops_the_waiting_clock() -> None:
    policy = Policy(waiting_after=600)
    s = Script()
    results = run(
        [
            s.msg("agent", "sam", PLAIN, 0),
            s.msg("customer", "cust", CALM, 100),
            s.msg("agent", "sam", PLAIN, 200),
            Tick(CONV, 2000),
        ],
        policy,
    )
    assert results[-1].nudges == ()
    engine = Engine(policy, detectors())
    assert engine.next_deadline(results[-1].state) is None


def test_thanks_that_fixed_it_is_not_a_wait() -> None:
    engine = Engine(Policy(waiting_after=60))
    s = Script()
    state = engine.step(None, s.msg("agent", "sam", "Try restarting the router.", 0), 0).state
    state = engine.step(
        state, s.msg("customer", "cust", "That fixed it, thanks so much!", 10), 10
    ).state
    assert state.unanswered == ()
    assert engine.next_deadline(state) is None


def test_cooldown_limits_repeated_heads_ups() -> None:
    policy = Policy(cooldown=600)
    s = Script()
    results = run(
        [
            s.msg("agent", "sam", PLAIN, 0),
            s.msg("customer", "cust", ANGRY, 10),
            s.msg("customer", "cust", ANGRY, 20),
            s.msg("customer", "cust", ANGRY, 700),
        ],
        policy,
    )
    assert [kinds(r.nudges) for r in results[1:]] == [["frustration"], [], ["frustration"]]


def test_frustrated_talk_of_escalating_warns_of_escalation_instead_of_a_heads_up() -> None:
    s = Script()
    results = run([s.msg("agent", "sam", PLAIN, 0), s.msg("customer", "cust", ANGRY_MANAGER, 10)])
    assert kinds(results[-1].nudges) == ["escalation"]
    assert any(sig.kind is SignalKind.ESCALATION for sig in results[-1].signals)


def test_calm_talk_of_a_manager_or_cancelling_is_a_request_not_a_threat() -> None:
    s = Script()
    results = run([s.msg("agent", "sam", PLAIN, 0), s.msg("customer", "cust", MANAGER, 10)])
    assert results[-1].nudges == ()
    assert not any(sig.kind is SignalKind.ESCALATION for sig in results[-1].signals)


def test_rising_frustration_over_consecutive_turns_is_escalation_risk() -> None:
    s = Script()
    results = run(
        [
            s.msg("agent", "sam", PLAIN, 0),
            s.msg("customer", "cust", "uneasy", 10),
            s.msg("customer", "cust", "uneasier", 20),
            s.msg("customer", "cust", ANGRY, 30),
        ]
    )
    assert kinds(results[-1].nudges) == ["escalation"]
    assert "more frustrated" in results[-1].nudges[0].reasons[0]


def test_one_outburst_after_calm_messages_is_not_a_rising_trend() -> None:
    s = Script()
    results = run(
        [
            s.msg("agent", "sam", PLAIN, 0),
            s.msg("customer", "cust", CALM, 10),
            s.msg("customer", "cust", "uneasy", 20),
            s.msg("customer", "cust", ANGRY, 30),
        ]
    )
    assert kinds(results[-1].nudges) == ["frustration"]


def test_several_agents_each_get_the_heads_up_most_recent_first() -> None:
    s = Script()
    results = run(
        [
            s.msg("agent", "sam", PLAIN, 0),
            s.msg("agent", "priya", PLAIN, 5),
            s.msg("customer", "cust", ANGRY, 10),
        ]
    )
    assert [n.agent for n in results[-1].nudges] == ["priya", "sam"]
    assert len({n.nudge_id for n in results[-1].nudges}) == 2


def test_max_recipients_bounds_a_crowded_thread() -> None:
    s = Script()
    events = [s.msg("agent", f"a{i}", PLAIN, i) for i in range(6)]
    events.append(s.msg("customer", "cust", ANGRY, 10))
    results = run(events, Policy(max_recipients=2))
    assert [n.agent for n in results[-1].nudges] == ["a5", "a4"]


def test_someone_who_wrote_as_a_customer_never_receives_a_nudge() -> None:
    s = Script()
    results = run(
        [
            s.msg("customer", "pat", CALM, 0),
            s.msg("agent", "pat", PLAIN, 5),  # misconfigured roles: pat is both
            s.msg("agent", "sam", PLAIN, 6),
            s.msg("customer", "cust", ANGRY, 10),
        ]
    )
    recipients = {n.agent for r in results for n in r.nudges}
    assert recipients == {"sam"}


def test_bot_messages_are_ignored() -> None:
    s = Script()
    result = run([s.msg("bot", "coachbot", ANGRY, 0)])[0]
    assert result.nudges == () and result.signals == () and result.note


def test_same_events_give_the_same_nudges_and_ids() -> None:
    def events() -> list[Event]:
        s = Script()
        return [
            s.msg("agent", "sam", PLAIN, 0),
            s.msg("customer", "cust", ANGRY, 60),
            s.msg("agent", "sam", PLAIN, 120),
            Tick(CONV, 5000),
        ]

    first = [n for r in run(events()) for n in r.nudges]
    second = [n for r in run(events()) for n in r.nudges]
    assert first == second and first


def test_edit_that_turns_an_unanswered_message_angry_warns_the_agent() -> None:
    s = Script()
    posted = s.msg("customer", "cust", CALM, 10)
    edited = MessageEdited("ev-edit", CONV, posted.message_id, "cust", Role.CUSTOMER, ANGRY, 20)
    results = run([s.msg("agent", "sam", PLAIN, 0), posted, edited])
    assert kinds(results[-1].nudges) == ["frustration"]


def test_editing_the_reply_to_acknowledge_within_grace_cancels_the_follow_up() -> None:
    s = Script()
    reply = s.msg("agent", "sam", PLAIN, 100)
    edit = MessageEdited("platform-edit-id", CONV, reply.message_id, "sam", Role.AGENT, ACK, 110)
    results = run(
        [
            s.msg("agent", "sam", PLAIN, 0),
            s.msg("customer", "cust", ANGRY, 60),
            reply,
            edit,
            Tick(CONV, 500),
        ],
        Policy(ack_grace=60),
    )
    assert all(r.nudges == () for r in results[2:])


def test_edit_or_delete_of_an_unknown_message_changes_nothing_and_says_so() -> None:
    s = Script()
    results = run(
        [
            s.msg("agent", "sam", PLAIN, 0),
            MessageEdited("e1", CONV, "nope", "cust", Role.CUSTOMER, ANGRY, 5),
            MessageDeleted("e2", CONV, "nope", 6),
        ]
    )
    assert results[1].nudges == () and "not seen" in (results[1].note or "")
    assert results[2].state == results[1].state and results[2].note


def test_deleting_the_unanswered_message_stops_the_waiting_clock() -> None:
    s = Script()
    posted = s.msg("customer", "cust", CALM, 10)
    results = run(
        [
            s.msg("agent", "sam", PLAIN, 0),
            posted,
            MessageDeleted("d", CONV, posted.message_id, 20),
            Tick(CONV, 99_999),
        ]
    )
    assert results[-1].nudges == ()


def test_closed_conversation_stops_timers_and_reopens_on_a_new_message() -> None:
    s = Script()
    results = run(
        [
            s.msg("agent", "sam", PLAIN, 0),
            s.msg("customer", "cust", CALM, 10),
            ConversationClosed("c", CONV, 20),
            Tick(CONV, 99_999),
            s.msg("customer", "cust", ANGRY, 100_000),
        ]
    )
    assert results[3].nudges == ()
    assert kinds(results[4].nudges) == ["frustration"]
    assert not results[4].state.closed


def test_state_survives_a_round_trip_through_json() -> None:
    import json

    s = Script()
    results = run(
        [
            s.msg("agent", "sam", PLAIN, 0),
            s.msg("customer", "cust", ANGRY, 60),
            s.msg("agent", "sam", PLAIN, 100),
            s.msg("customer", "cust", CALM, 200),
        ],
        Policy(ack_grace=300),
    )
    state = results[-1].state
    restored = ConversationState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state


def test_state_stays_bounded_in_a_very_long_conversation() -> None:
    s = Script()
    events: list[Event] = []
    for i in range(400):
        events.append(s.msg("customer", f"c{i % 70}", CALM, i * 2))
        events.append(s.msg("agent", f"a{i % 60}", PLAIN, i * 2 + 1))
    state = run(events)[-1].state
    assert len(state.messages) <= 50 and len(state.customers) <= 50 and len(state.agents) <= 50
    assert len(state.scores) <= 50


def test_nudge_text_names_reasons_and_wording() -> None:
    s = Script()
    nudge = run([s.msg("agent", "sam", PLAIN, 0), s.msg("customer", "cust", ANGRY, 10)])[-1].nudges[
        0
    ]
    assert nudge.kind is NudgeKind.FRUSTRATION
    assert "Why:" in nudge.text and "Try:" in nudge.text


def test_out_of_order_delivery_is_judged_by_the_messages_own_times() -> None:
    s = Script()
    early_angry = s.msg("customer", "cust", ANGRY, 50)
    reply = s.msg("agent", "sam", PLAIN, 60)
    results = run([s.msg("agent", "sam", PLAIN, 0), reply, early_angry, Tick(CONV, 10_000)])
    # The customer's message was written before the reply but delivered after it: it is
    # scored, but it is not "unanswered" and earns no heads-up or waiting reminder.
    assert results[2].signals[0].fired and results[2].nudges == () and results[2].note
    assert results[3].nudges == ()

    s = Script()
    angry = s.msg("customer", "cust", ANGRY, 100)
    stale_reply = s.msg("agent", "sam", PLAIN, 90)  # written before the angry message
    results = run(
        [s.msg("agent", "sam", PLAIN, 0), angry, stale_reply, s.msg("agent", "sam", ACK, 120)]
    )
    assert kinds(results[2].nudges) == []  # a reply older than the message cannot answer it
    assert kinds(results[3].nudges) == []  # the real next reply acknowledges


def test_an_agents_sign_off_survives_persistence_between_events() -> None:
    # The runtime stores the state between events: the sign-off must come back with it,
    # or the customer's "you too!" would be owed a reply after a restart.
    engine = Engine(Policy(waiting_after=600))
    s = Script()
    state = engine.step(None, s.msg("customer", "cust", "Can you resend my invoice?", 0), 0).state
    state = engine.step(state, s.msg("agent", "sam", "Sent! Have a lovely evening.", 60), 60).state
    assert state.signed_off
    state = ConversationState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert state.signed_off
    state = engine.step(state, s.msg("customer", "cust", "you too!", 120), 120).state
    assert state.unanswered == ()
    assert engine.next_deadline(state) is None


def test_a_new_request_after_a_sign_off_reopens_the_conversation() -> None:
    engine = Engine(Policy(waiting_after=600))
    s = Script()
    state = engine.step(None, s.msg("agent", "sam", "All done, take care!", 0), 0).state
    state = engine.step(
        state, s.msg("customer", "cust", "Oh, also my phone number changed", 60), 60
    ).state
    assert not state.signed_off and len(state.unanswered) == 1
    # ... so a pleasantry now does not settle the new request.
    state = engine.step(state, s.msg("customer", "cust", "you've been great", 90), 90).state
    assert engine.next_deadline(state) == 60 + 600
