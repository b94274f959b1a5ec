"""Holding updates in the engine (coaching/updates.py): the draft a waiting reminder
carries, an update fed back as the agent's, and when the automatic one falls due."""

from __future__ import annotations

import re
from dataclasses import replace

from coaching.engine import Engine, StepResult
from coaching.policy import Policy
from coaching.state import ConversationState
from coaching.types import MessagePosted, NudgeKind, Role, Tick
from coaching.updates import AUTO, PROMISED, WAITING, UpdateKind
from tests.helpers import CONV, Script, ScriptedDetectors, steps

MIN = 60.0
ASKS = "Hi, my card was declined at checkout. Can you check?"
PROMISE = "I'll check with the card team and get back to you within 10 minutes."


def engine(auto_after: float = 0.0) -> Engine:
    policy = Policy(waiting_after=10 * MIN, auto_update_after=auto_after)
    return Engine(policy, ScriptedDetectors())


def update(text: str, at: float, kind: UpdateKind = UpdateKind.ONE_CLICK) -> MessagePosted:
    return MessagePosted(
        f"update:{at}", CONV, f"update:{at}", "sam", Role.AGENT, text, at, update=kind
    )


def test_a_reminder_carries_a_draft_that_names_no_time_and_quotes_no_one() -> None:
    s = Script()
    promised = steps(
        engine(),
        [
            s.msg("customer", "dana", ASKS, 0),
            s.msg("agent", "sam", PROMISE, 60),
            Tick(CONV, 60 + 13 * MIN),
        ],
    )
    [reminder] = promised[-1].nudges
    assert reminder.kind is NudgeKind.WAITING and reminder.update == PROMISED
    s = Script()
    waited = steps(
        engine(),
        [
            s.msg("customer", "dana", ASKS, 0),
            s.msg("agent", "sam", "Hi!", 10),
            s.msg("customer", "dana", "Are you there?", 20),
            Tick(CONV, 20 + 11 * MIN),
        ],
    )
    [reminder] = waited[-1].nudges
    assert reminder.update == WAITING
    for text in (PROMISED, WAITING, AUTO):
        assert not re.search(r"\d", text)  # no time, no number of any kind
        assert "card" not in text and "declined" not in text  # never the customer's words


def test_an_update_stops_the_reminder_and_its_own_promise_starts_the_next_timer() -> None:
    e, s = engine(), Script()
    results = steps(
        e,
        [
            s.msg("customer", "dana", ASKS, 0),
            s.msg("agent", "sam", PROMISE, 60),
            Tick(CONV, 60 + 13 * MIN),
        ],
    )
    state = results[-1].state
    sent_at = 60 + 14 * MIN
    after = e.step(state, update(PROMISED, sent_at), sent_at)
    assert after.nudges == () and after.signals == ()  # not judged as a reply
    promised = after.state.promised
    assert promised is not None and (promised.agent, promised.when) == ("sam", "")
    assert e.next_deadline(after.state) == sent_at + 10 * MIN  # "as soon as I have news"
    assert e.step(after.state, Tick(CONV, sent_at + 5 * MIN), sent_at + 5 * MIN).nudges == ()
    edited = e.step(state, update("Found it. I'll update you by 3pm.", sent_at), sent_at)
    assert edited.state.promised is not None and edited.state.promised.when == "by 15:00"


def test_the_automatic_update_never_comes_when_off() -> None:
    e, s = engine(0.0), Script()
    events = [s.msg("customer", "dana", ASKS, 0), s.msg("agent", "sam", PROMISE, 60)]
    events += [Tick(CONV, 60 + m * MIN) for m in range(13, 600, 7)]
    results = steps(e, events)
    assert all(r.holding == () for r in results)


def test_the_automatic_update_comes_once_after_the_first_reminder_with_no_agent_message() -> None:
    e, s = engine(5 * MIN), Script()
    results = steps(
        e,
        [
            s.msg("customer", "dana", ASKS, 0),
            s.msg("agent", "sam", PROMISE, 60),
            Tick(CONV, 60 + 13 * MIN),
        ],
    )
    state = results[-1].state
    first = state.first_reminded_at
    assert first == 60 + 13 * MIN and results[-1].holding == ()
    assert e.next_deadline(state) == first + 5 * MIN
    assert e.step(state, Tick(CONV, first + 4 * MIN), first + 4 * MIN).holding == ()
    due = e.step(state, Tick(CONV, first + 5 * MIN), first + 5 * MIN)
    [held] = due.holding
    assert (held.agent, held.text, held.conversation_key) == ("sam", AUTO, CONV.key)
    assert (
        e.step(state, Tick(CONV, first + 5 * MIN), first + 5 * MIN).holding == due.holding
    )  # same id
    # Once per wait: fed back, the reminders start afresh, but no second automatic update
    # however long the customer waits, until an agent writes.
    state = e.step(due.state, update(AUTO, first + 6 * MIN, UpdateKind.AUTO), first + 6 * MIN).state
    later = steps_from(e, state, [first + m * MIN for m in range(7, 300, 11)])
    assert sum(len(r.holding) for r in later) == 0
    assert any(r.nudges for r in later)  # the agent is still reminded
    # An agent who writes (a promise) starts a new wait: it may get its own.
    written = e.step(
        later[-1].state, s.msg("agent", "sam", PROMISE, first + 300 * MIN), first + 300 * MIN
    ).state
    again = steps_from(e, written, [first + m * MIN for m in range(301, 400, 3)])
    assert sum(len(r.holding) for r in again) == 1


def test_an_agent_message_after_the_reminder_cancels_the_automatic_update() -> None:
    e, s = engine(5 * MIN), Script()
    results = steps(
        e,
        [
            s.msg("customer", "dana", ASKS, 0),
            s.msg("agent", "sam", PROMISE, 60),
            Tick(CONV, 60 + 13 * MIN),
            s.msg("agent", "sam", "It was a fraud hold; it's lifted now.", 60 + 14 * MIN),
        ],
    )
    later = steps_from(e, results[-1].state, [60 + m * MIN for m in range(15, 200, 5)])
    assert all(r.holding == () for r in later)


def test_the_state_keeps_the_automatic_updates_bookkeeping_across_a_restart() -> None:
    e, s = engine(5 * MIN), Script()
    results = steps(
        e,
        [
            s.msg("customer", "dana", ASKS, 0),
            s.msg("agent", "sam", PROMISE, 60),
            Tick(CONV, 60 + 13 * MIN),
        ],
    )
    state = replace(results[-1].state, auto_updated=True)
    back = ConversationState.from_dict(state.to_dict())
    assert (back.first_reminded_at, back.auto_updated) == (state.first_reminded_at, True)


def steps_from(e: Engine, state: ConversationState, times: list[float]) -> list[StepResult]:
    """Ticks at ``times``, in turn, from ``state``."""
    results = []
    for at in times:
        result = e.step(state, Tick(CONV, at), at)
        state = result.state
        results.append(result)
    return results


# --- the service, with the real Slack client against the loopback fake ------------------


async def test_the_service_sends_only_a_reminders_update_and_never_retries_a_failed_post() -> None:
    """Only a waiting reminder's update (a forged click on another tip's id sends nothing);
    a post the platform refuses is reported, and not tried again by a second click."""
    from slack_sdk.web.async_client import AsyncWebClient

    from adapters.slack.outreach import SlackOutreach
    from adapters.updates import UpdateRequest, UpdateStatus
    from bot.ops.clock import VirtualClock
    from bot.ops.metrics import Metrics
    from bot.service.runtime import Runtime
    from bot.service.updates import UpdateService
    from bot.store.memory import MemoryStore
    from coaching.types import ConversationRef
    from tests.fakes.slack import serving

    ref = ConversationRef("slack", "T1", "C1", "1700000000.000100")
    policy = Policy(waiting_after=10 * MIN)
    clock, store = VirtualClock(1000.0), MemoryStore()
    scripted = ScriptedDetectors({"This is ridiculous!!": 0.9})
    runtime = Runtime(Engine(policy, scripted), store, {}, clock)
    async with serving() as fake:
        outreach = SlackOutreach(AsyncWebClient(token="xoxb-test", base_url=fake.api_url))
        service = UpdateService(runtime, {"slack": outreach}, clock, Metrics(), one_click=True)
        s = Script(ref)
        for event in (
            s.msg("customer", "dana", ASKS, 1000),
            s.msg("agent", "sam", PROMISE, 1010),
            s.msg("customer", "dana", "This is ridiculous!!", 1020),
        ):
            await runtime.process(event)
        clock.advance_to(1010 + 13 * MIN)
        await runtime.fire_timers()
        kinds = {n.kind: n.nudge_id for n in store.nudges.values()}
        heads_up, reminder = kinds["frustration"], kinds["waiting"]

        forged = await service.send(UpdateRequest(heads_up, "sam"))
        assert forged.status is UpdateStatus.UNKNOWN and fake.of("chat.postMessage") == []

        fake.server_error["chat.postMessage"] = 1
        failed = await service.send(UpdateRequest(reminder, "sam"))
        assert failed.status is UpdateStatus.FAILED and "write to the customer" in failed.reply
        again = await service.send(UpdateRequest(reminder, "sam"))
        assert again.status is UpdateStatus.ALREADY_SENT
        assert len(fake.of("chat.postMessage")) == 1  # the refused attempt only


def test_an_update_event_keeps_its_kind_through_the_inbox_codec() -> None:
    from bot.service import event_codec

    event = update(PROMISED, 1234.5, UpdateKind.AUTO)
    assert event_codec.loads(event_codec.dumps(event)) == event
    plain = Script().msg("agent", "sam", "Hi!", 1)
    assert event_codec.loads(event_codec.dumps(plain)) == plain
