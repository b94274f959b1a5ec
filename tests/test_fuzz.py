"""Hostile and malformed input, fuzzed with hypothesis: through Slack's translation, the
detectors and the engine. No crash, no nudge to anyone who is not an agent, no message
text in the logs above DEBUG."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.slack.translate import translate
from bot.ops.clock import VirtualClock
from bot.service.runtime import Runtime
from bot.service.scoring import build_engine, build_scorer
from bot.store.memory import MemoryStore
from coaching.detectors import Detectors
from coaching.types import ConversationRef, MessagePosted, Role, Tick

ENGINE = build_engine()  # the shipped model, as the live coach runs it
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that breaks naive code: controls, zero-width, right-to-left, combining marks,
# emoji floods, surrogates-free astral characters, very long runs.
nasty_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from("\u200b\u200d\u202e\u2066\ufeff\x00\x07\r\n\t"), max_size=50),
    st.text(alphabet=st.sampled_from("😡🙄👍🏽‍♀️🇺🇸👩‍👩‍👧‍👦"), min_size=1, max_size=400),
    st.text(alphabet=st.sampled_from("שלום مرحبا abc ABC !?."), max_size=200),
    st.builds(
        lambda s, n: s * n,
        st.sampled_from(["WHERE ", "?!", "a", "<@U1>", ":rage:"]),
        st.integers(1, 9000),
    ),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | nasty_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


def role_of(user: str, external: bool) -> Role:
    return Role.AGENT if user.startswith("A") and not external else Role.CUSTOMER


@st.composite
def slack_bodies(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": draw(st.sampled_from(["message", "reaction_added", "app_mention", "weird", None])),
        "channel": draw(st.sampled_from(["C1", "", None, 5])),
        "user": draw(st.sampled_from(["A1", "C9", "", None, ["x"]])),
        "text": draw(st.one_of(nasty_text, json_values)),
        "ts": draw(st.sampled_from(["1700000000.000100", "", "abc", None, "-5", 1.5])),
        "subtype": draw(
            st.sampled_from(
                [
                    None,
                    "message_changed",
                    "message_deleted",
                    "bot_message",
                    "channel_join",
                    "file_share",
                    "?",
                ]
            )
        ),
        "blocks": draw(json_values),
    }
    if draw(st.booleans()):
        event["message"] = draw(
            st.one_of(
                json_values,
                st.fixed_dictionaries(
                    {"user": st.just("C2"), "ts": st.just("1.0"), "text": nasty_text}
                ),
            )
        )
    if draw(st.booleans()):
        event["thread_ts"] = draw(st.sampled_from(["1700000000.000100", None, 3, "x"]))
    body: dict[str, Any] = {
        "event": event,
        "team_id": draw(st.sampled_from(["T1", None, 7])),
        "event_id": draw(st.sampled_from(["Ev1", None, ""])),
    }
    for key in draw(st.lists(st.sampled_from(list(event)), max_size=3)):
        event.pop(key, None)  # truncated payloads
    return body


@FUZZ
@given(slack_bodies())
def test_slack_translation_never_raises(body: dict[str, Any]) -> None:
    result = translate(body, role_of)
    if result.event is not None:
        assert ":" not in result.event.conversation.channel


@FUZZ
@given(json_values)
def test_slack_translation_of_arbitrary_json(body: Any) -> None:
    translate(body if isinstance(body, dict) else {"event": body}, role_of)


@FUZZ
@given(nasty_text)
def test_detectors_never_raise_and_stay_in_range(text: str) -> None:
    d, model = Detectors(), build_scorer()
    for result in (
        d.frustration(text),
        d.acknowledgement(text),
        model.frustration(text, text),
        model.acknowledgement(text),
    ):
        assert 0.0 <= result.score <= 1.0


@st.composite
def conversations(draw: st.DrawFn) -> list[tuple[str, str, str, float]]:
    people = ["A1", "A2", "C1", "C2", "C3"]
    steps = draw(
        st.lists(st.tuples(st.sampled_from(people), nasty_text, st.floats(0, 5000)), max_size=25)
    )
    return [
        (who, "agent" if who.startswith("A") else "customer", text, at) for who, text, at in steps
    ]


@FUZZ
@given(conversations())
def test_engine_only_ever_nudges_agents_of_the_conversation(
    steps: list[tuple[str, str, str, float]],
) -> None:
    engine = ENGINE
    ref = ConversationRef("test", "W", "C", "T")
    state = None
    agents_so_far: set[str] = set()
    now = 0.0
    for n, (who, role, text, dt) in enumerate(steps):
        now += dt
        if role == "agent":
            agents_so_far.add(who)
        event = MessagePosted(f"e{n}", ref, f"m{n}", who, Role(role), text, now)
        for result in (
            engine.step(state, event, now),
            engine.step(None, Tick(ref, now + 1e5), now + 1e5),
        ):
            for nudge in result.nudges:
                assert nudge.agent in agents_so_far and not nudge.agent.startswith("C")
        state = engine.step(state, event, now).state


def test_message_text_and_tokens_never_reach_logs_above_debug(caplog: Any) -> None:
    caplog.set_level(logging.INFO)
    secret_words = "zanzibar-unique-customer-words"
    texts = [
        f"{secret_words} WHERE IS MY ORDER???",
        f"{secret_words} xoxb-1234567890-abcdefghijkl",
        "\u202e" + secret_words,
    ]

    async def scenario() -> None:
        class Failing:
            async def deliver(self, nudge: Any) -> Any:
                raise RuntimeError(f"boom {nudge.text} {texts}")

        runtime = Runtime(ENGINE, MemoryStore(), {"test": Failing()}, VirtualClock(10))
        ref = ConversationRef("test", "W", "C", "T")
        await runtime.process(MessagePosted("a", ref, "m0", "A1", Role.AGENT, "hello", 1))
        for n, text in enumerate(texts, start=1):
            event = MessagePosted(f"e{n}", ref, f"m{n}", "C1", Role.CUSTOMER, text, 2 + n)
            await runtime.process(event)
            await runtime.process(event)  # duplicate: logged by id only

    asyncio.run(scenario())
    assert caplog.records, "the scenario should have logged something"
    assert secret_words not in caplog.text
    assert "xoxb-1234567890" not in caplog.text
