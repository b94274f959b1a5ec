"""Holding updates in the engine (coaching/updates.py): the draft a waiting reminder
carries, an update fed back as the agent's, and when the automatic one falls due."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import pytest

from coaching.engine import Engine, StepResult
from coaching.policy import Policy
from coaching.promises import LocalTime, find, grace
from coaching.state import ConversationState
from coaching.types import MessagePosted, NudgeKind, Role, Tick
from coaching.updates import AUTO, MIN_CHECK_IN, UpdateKind, check_in, draft
from tests.helpers import CONV, Script, ScriptedDetectors, steps

MIN = 60.0
ASKS = "Hi, my card was declined at checkout. Can you check?"
PROMISE = "I'll check with the card team and get back to you within 10 minutes."


def engine(auto_after: float = 0.0, repeat: float = 30 * MIN) -> Engine:
    policy = Policy(waiting_after=10 * MIN, waiting_repeat=repeat, auto_update_after=auto_after)
    return Engine(policy, ScriptedDetectors())


def update(text: str, at: float, kind: UpdateKind = UpdateKind.ONE_CLICK) -> MessagePosted:
    return MessagePosted(
        f"update:{at}", CONV, f"update:{at}", "sam", Role.AGENT, text, at, update=kind
    )


def reminded(e: Engine) -> StepResult:
    """The agent promised 10 minutes at 60 s and missed it: the reminder at 13 minutes."""
    s = Script()
    promised = [s.msg("customer", "dana", ASKS, 0), s.msg("agent", "sam", PROMISE, 60)]
    return steps(e, [*promised, Tick(CONV, 60 + 13 * MIN)])[-1]


def test_a_reminder_drafts_when_the_agent_will_next_check_in_and_quotes_no_one() -> None:
    [reminder] = reminded(engine()).nudges
    assert reminder.kind is NudgeKind.WAITING
    assert reminder.update == (
        "Sorry this is taking longer than I said — I'm still on it. "
        "I'll update you here again within 30 minutes."
    )
    s = Script()
    waited = steps(
        engine(repeat=45 * MIN),
        [
            s.msg("customer", "dana", ASKS, 0),
            s.msg("agent", "sam", "Hi!", 10),
            s.msg("customer", "dana", "Are you there?", 20),
            Tick(CONV, 20 + 11 * MIN),
        ],
    )
    [reminder] = waited[-1].nudges
    assert reminder.update == (
        "Thanks for your patience — I've seen your message and I'm on it. "
        "I'll update you here within 45 minutes."
    )
    for text in (draft("e#promise1", 30 * MIN), draft("e#wait1", 30 * MIN)):
        assert not re.search(r"\d:\d|\b\d+ ?[ap]\.?m\b", text)  # a span, never a clock time
        assert "card" not in text and "declined" not in text  # never the customer's words
    assert not re.search(r"\d", AUTO)  # the automatic update promises nothing at all


@pytest.mark.parametrize(
    ("repeat", "span"),
    [
        (30 * MIN, "30 minutes"),
        (MIN, "5 minutes"),  # never sooner than MIN_CHECK_IN
        (7.5 * MIN, "8 minutes"),  # rounded up, not down
        (60 * MIN, "an hour"),
        (120 * MIN, "2 hours"),
        (90 * MIN, "90 minutes"),
    ],
)
def test_the_span_is_the_reminders_repeat_and_reads_back_as_that_promise(
    repeat: float, span: str
) -> None:
    assert check_in(repeat) == span
    assert check_in(repeat) == check_in(max(repeat, MIN_CHECK_IN))
    words = LocalTime(lambda _: 0.0)
    for trigger in ("e#promise2", "e#wait1"):
        text = draft(trigger, repeat)
        assert text.endswith(f"within {span}.")
        promise = find(text, 1000.0, 10 * MIN, words, 17)
        assert promise is not None and promise.when == f"within {span}"
        assert promise.due == 1000.0 + max(MIN_CHECK_IN, math.ceil(repeat / MIN) * MIN)


def test_a_sent_draft_is_a_new_promise_due_its_span_plus_grace() -> None:
    e = engine(repeat=20 * MIN)
    result = reminded(e)
    state, [reminder] = result.state, result.nudges
    assert reminder.update is not None
    sent_at = 60 + 14 * MIN
    after = e.step(state, update(reminder.update, sent_at), sent_at)
    assert after.nudges == () and after.signals == ()  # not judged as a reply
    promised = after.state.promised
    assert promised is not None and (promised.agent, promised.when) == ("sam", "within 20 minutes")
    due = sent_at + 20 * MIN + grace(20 * MIN)  # 25 minutes on: the span and its grace
    assert e.next_deadline(after.state) == due
    assert e.step(after.state, Tick(CONV, due - 1), due - 1).nudges == ()
    [again] = e.step(after.state, Tick(CONV, due), due).nudges
    assert again.kind is NudgeKind.WAITING and "within 20 minutes" in again.text
    # The longest span the default policy drafts: the same, at 30 minutes.
    e = engine()
    result = reminded(e)
    text = result.nudges[0].update or ""
    after = e.step(result.state, update(text, sent_at), sent_at)
    assert e.next_deadline(after.state) == sent_at + 30 * MIN + 7.5 * MIN
    edited = e.step(result.state, update("Found it. I'll update you by 3pm.", sent_at), sent_at)
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
    a post the platform refuses is reported, and not tried again by a second click. The
    draft to edit names the engine's own check-in span."""
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
    policy = Policy(waiting_after=10 * MIN, waiting_repeat=20 * MIN)
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

        to_edit = await service.draft(UpdateRequest(reminder, "sam"))
        assert to_edit.text == draft(store.nudges[reminder].trigger_event, 20 * MIN)
        assert to_edit.text.endswith("again within 20 minutes.")

        forged = await service.send(UpdateRequest(heads_up, "sam"))
        assert forged.status is UpdateStatus.UNKNOWN and fake.of("chat.postMessage") == []

        fake.server_error["chat.postMessage"] = 1
        failed = await service.send(UpdateRequest(reminder, "sam"))
        assert failed.status is UpdateStatus.FAILED and "write to the customer" in failed.reply
        again = await service.send(UpdateRequest(reminder, "sam"))
        assert again.status is UpdateStatus.ALREADY_SENT
        assert len(fake.of("chat.postMessage")) == 1  # the refused attempt only


@pytest.mark.parametrize("writer", ["sam", "kim"])
async def test_a_reminder_answered_since_posts_no_update_however_late_the_click(
    writer: str,
) -> None:
    """The agent (or a colleague) answered the customer after the reminder: its "still on
    it" update is no longer owed, and a late click on Send or Edit posts nothing."""
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
    policy = Policy(waiting_after=10 * MIN, waiting_repeat=20 * MIN)
    clock, store = VirtualClock(1000.0), MemoryStore()
    runtime = Runtime(Engine(policy, ScriptedDetectors()), store, {}, clock)
    async with serving() as fake:
        outreach = SlackOutreach(AsyncWebClient(token="xoxb-test", base_url=fake.api_url))
        service = UpdateService(runtime, {"slack": outreach}, clock, Metrics(), one_click=True)
        s = Script(ref)
        await runtime.process(s.msg("customer", "dana", ASKS, 1000))
        await runtime.process(s.msg("agent", "sam", PROMISE, 1010))
        clock.advance_to(1010 + 13 * MIN)
        await runtime.fire_timers()
        [reminder] = [n.nudge_id for n in store.nudges.values() if n.kind == "waiting"]
        assert (await service.draft(UpdateRequest(reminder, "sam"))).status is UpdateStatus.READY

        answer = "Found it: your bank's fraud check blocked the card. It's cleared now."
        await runtime.process(s.msg("agent", writer, answer, 1010 + 14 * MIN))
        clock.advance_to(1010 + 15 * MIN)
        late = await service.send(UpdateRequest(reminder, "sam"))
        assert late.status is UpdateStatus.STALE and "nothing was sent" in late.reply
        assert (await service.draft(UpdateRequest(reminder, "sam"))).status is UpdateStatus.STALE
        edited = await service.send(UpdateRequest(reminder, "sam", "Still on it!"))
        assert edited.status is UpdateStatus.STALE
        assert fake.of("chat.postMessage") == []


def test_only_an_agents_message_after_the_reminder_makes_its_update_stale() -> None:
    from coaching.updates import one_click_id, written_since

    e = engine()
    result = reminded(e)
    [reminder] = result.nudges
    at = 60 + 13 * MIN  # when the reminder was made
    state = result.state
    assert not written_since(state, reminder.nudge_id, at)  # the promise came before it
    s = Script()
    customer = e.step(state, s.msg("customer", "dana", "Any news?", at + 30), at + 30).state
    assert not written_since(customer, reminder.nudge_id, at)
    own = MessagePosted(
        one_click_id(reminder.nudge_id),
        CONV,
        one_click_id(reminder.nudge_id),
        "sam",
        Role.AGENT,
        reminder.update or "",
        at + 40,
        update=UpdateKind.ONE_CLICK,
    )
    sent = e.step(customer, own, at + 40).state
    assert not written_since(sent, reminder.nudge_id, at)  # its own update: "already sent"
    replied = e.step(sent, s.msg("agent", "sam", "Here's the answer.", at + 50), at + 50).state
    assert written_since(replied, reminder.nudge_id, at)


def test_an_update_event_keeps_its_kind_through_the_inbox_codec() -> None:
    from bot.service import event_codec

    event = update(draft("e#promise1", 30 * MIN), 1234.5, UpdateKind.AUTO)
    assert event_codec.loads(event_codec.dumps(event)) == event
    plain = Script().msg("agent", "sam", "Hi!", 1)
    assert event_codec.loads(event_codec.dumps(plain)) == plain


def test_an_update_id_says_which_kind_it_is_and_no_other_event_id_does() -> None:
    from coaching.updates import auto_id, kind_of, one_click_id

    assert kind_of(one_click_id("n1")) is UpdateKind.ONE_CLICK
    assert kind_of(auto_id("u1")) is UpdateKind.AUTO
    for other in ("slack:T1:C1:1.0#4", "e#promise1", "Ev123", "updates:n1", ""):
        assert kind_of(other) is None
