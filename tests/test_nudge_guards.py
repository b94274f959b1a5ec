"""The never-nudge-a-customer guards of coaching/nudging.py, each on its own (a test fails
when either filter is removed), with people who appear in both roles; and nudge ids
keyed with the installation's secret. (The engine's own rules: tests/test_engine.py.)"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from coaching.engine import Engine
from coaching.nudging import Draft, issue, nudge_id, recipients
from coaching.policy import Policy
from coaching.state import ConversationState
from coaching.types import MessagePosted, NudgeKind, Role, Tick
from tests.helpers import CONV, ScriptedDetectors

PEOPLE = ["pat", "sam", "ana", "lee"]
ANGRY, PLAIN, ACK, CALM = "angry", "plain", "ack", "calm"
DRAFT = Draft(NudgeKind.ACKNOWLEDGE, "ev1", ("why",), "say this", "pat")

people = st.lists(st.sampled_from(PEOPLE), max_size=6, unique=True)


def state_with(agents: list[str], customers: list[str]) -> ConversationState:
    return replace(ConversationState.new(CONV), agents=tuple(agents), customers=tuple(customers))


@given(agents=people, customers=people, limit=st.integers(1, 5))
def test_recipients_never_include_anyone_who_wrote_as_a_customer(
    agents: list[str], customers: list[str], limit: int
) -> None:
    chosen = recipients(state_with(agents, customers), Policy(max_recipients=limit))
    assert not set(chosen) & set(customers)
    assert chosen == [a for a in reversed(agents) if a not in customers][:limit]


@given(agents=people, customers=people, named=people)
def test_issue_never_nudges_a_customer_even_when_named_as_the_recipient(
    agents: list[str], customers: list[str], named: list[str]
) -> None:
    """The acknowledgement follow-up names its agent (``agents=``), so recipients() is
    not on that path: issue() itself must refuse customers."""
    state = state_with(agents, customers)
    _, nudges = issue(state, DRAFT, Policy(cooldown=0), 100.0, agents=named)
    assert [n.agent for n in nudges] == [a for a in named if a not in customers]


steps = st.lists(
    st.tuples(
        st.sampled_from(PEOPLE),
        st.sampled_from(["customer", "agent", "tick"]),
        st.sampled_from([ANGRY, PLAIN, ACK, CALM]),
        st.floats(1, 120),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(steps)
def test_the_engine_never_nudges_anyone_who_wrote_as_a_customer(
    script: list[tuple[str, str, str, float]],
) -> None:
    """Whole conversations where the same people post as customers and as agents, with a
    grace period (the follow-up's own path) and no cooldown to hide anything."""
    detectors = ScriptedDetectors({ANGRY: 0.9, CALM: 0.1}, {ACK: 0.9, PLAIN: 0.1})
    engine = Engine(Policy(cooldown=0, ack_grace=30, waiting_after=60), detectors)
    state, now, customers = None, 0.0, set()
    for n, (who, kind, text, dt) in enumerate(script):
        now += dt
        if kind == "tick":
            event: MessagePosted | Tick = Tick(CONV, now)
        else:
            event = MessagePosted(f"e{n}", CONV, f"m{n}", who, Role(kind), text, now)
            if kind == "customer":
                customers.add(who)
        result = engine.step(state, event, now)
        state = result.state
        for nudge in result.nudges:
            assert nudge.agent not in customers, (nudge.kind, nudge.agent)


def test_nudge_ids_are_keyed_with_the_installations_secret() -> None:
    args = ("slack:T1:C1:170.1", NudgeKind.FRUSTRATION, "slack:T1:C1:171.2", "UAGENT")
    mine, again, theirs = (
        nudge_id(b"k" * 32, *args),
        nudge_id(b"k" * 32, *args),
        nudge_id(b"x" * 32, *args),
    )
    assert mine == again != theirs  # deterministic, and different under another key
    public = "|".join([args[0], args[1].value, args[2], args[3]]).encode()
    assert mine != hashlib.sha256(public).hexdigest()[:24]  # not computable from public ids
    state = state_with(["UAGENT"], [])
    _, [nudge] = issue(state, DRAFT, Policy(nudge_key=b"k" * 32), 1.0)
    assert nudge.nudge_id == nudge_id(b"k" * 32, CONV.key, DRAFT.kind, DRAFT.trigger, "UAGENT")
    assert "k" * 32 not in repr(Policy(nudge_key=b"k" * 32))


async def test_the_running_bot_keys_nudge_ids_with_its_stores_secret(tmp_path: Path) -> None:
    from bot.app import Bot
    from config import load

    path = tmp_path / "coach.toml"
    path.write_text("[http]\nenabled = false\n")  # the default store: SQLite next to this file
    bot = await Bot.build(load(path))
    try:
        key = await bot.store.installation_key()
        assert len(key) == 32 and bot.runtime.engine.policy.nudge_key == key
    finally:
        await bot.stop()
