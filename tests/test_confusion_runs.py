"""Confusion's second model run (the message read alone) is made only where a confusion
nudge can follow: after an agent's instructions, as stored before the batch or written
earlier in it (bot/service/runtime.py, bot/service/scoring.py). It changes no decision:
the same conversations give the same nudges as when every message is read twice. The same
read of the stored states keeps a replica from reading a customer's message with an agent
message older than the latest (another replica processed that one)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.ops.clock import VirtualClock
from bot.service.runtime import Runtime
from bot.service.scoring import build_engine
from bot.store.memory import MemoryStore
from coaching.scoring import ContextualScorer
from coaching.types import ConversationRef, NudgeKind
from tests.helpers import Script

STEPS = "Go to Settings > Privacy and switch off Background Sync, then restart the app."
NO_STEPS = "Thanks, I have found your booking for Friday."
LOST = "I don't understand, what do you mean by that?"
CALM = "ok great, thanks"


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, list[str]]]:
    """The shipped model's runs, counted: each run's context ("" when read alone)."""
    engine = build_engine()
    scorer = engine.detectors
    assert isinstance(scorer, ContextualScorer)
    model = scorer.model
    seen: list[str] = []
    real: Callable[[str, str], Any] = model.score_prepared

    def counted(message: str, context: str) -> Any:
        seen.append(context)
        return real(message, context)

    monkeypatch.setattr(model, "score_prepared", counted)
    yield engine, seen


def _runtime(engine: Any) -> Runtime:
    return Runtime(engine, MemoryStore(), {}, VirtualClock(0))


async def test_no_second_run_where_no_instructions_were_given(runs: tuple[Any, list[str]]) -> None:
    engine, seen = runs
    runtime, s = _runtime(engine), Script()
    await runtime.process(s.msg("agent", "sam", NO_STEPS, 0))
    seen.clear()
    outcome = await runtime.process(s.msg("customer", "cust", LOST, 60))
    assert seen == [seen[0]] and seen[0]  # read once, with the agent's message
    assert not any(n.kind is NudgeKind.CONFUSION for n in outcome.nudges)


async def test_after_stored_instructions_the_message_is_read_alone_too(
    runs: tuple[Any, list[str]],
) -> None:
    engine, seen = runs
    runtime, s = _runtime(engine), Script()
    await runtime.process(s.msg("agent", "sam", STEPS, 0))  # its own batch: stored first
    seen.clear()
    outcome = await runtime.process(s.msg("customer", "cust", LOST, 60))
    # with context, then alone (and alone again to find the cues that explain it)
    assert len(seen) >= 2 and seen[0] and set(seen[1:]) == {""}
    assert [n.kind for n in outcome.nudges] == [NudgeKind.CONFUSION]


async def test_instructions_earlier_in_the_same_batch_count(runs: tuple[Any, list[str]]) -> None:
    engine, _ = runs
    runtime, s = _runtime(engine), Script()
    await runtime.process(s.msg("agent", "sam", NO_STEPS, 0))  # stored: no instructions
    batch = [s.msg("agent", "sam", STEPS, 30), s.msg("customer", "cust", LOST, 60)]
    assessed = await runtime.scoring.score(runtime.store, batch)
    customer = assessed[1]
    assert customer is not None and customer.confused  # read alone as well: lost


async def test_the_same_nudges_as_reading_every_message_twice(
    runs: tuple[Any, list[str]],
) -> None:
    engine, seen = runs
    lines = [
        ("agent", NO_STEPS),
        ("customer", "I'm lost, where is that?"),
        ("agent", STEPS),
        ("customer", CALM),
        ("agent", STEPS),
        ("customer", LOST),
        ("agent", "No problem. What do you see on your screen right now?"),
        ("customer", "which button do you mean? I don't understand"),
        ("agent", "Let me check that for you."),
        ("customer", "sorry, I don't follow"),
    ]

    async def play(every_message_twice: bool) -> tuple[list[tuple[str, str]], int]:
        runtime = _runtime(engine)
        if every_message_twice:  # where instructions were given unknown: judged everywhere
            runtime.scoring.needs_instructions = False
        made: list[tuple[str, str]] = []
        seen.clear()
        for c in range(3):
            s = Script(ConversationRef("test", "W", f"C{c}", "T"))
            for i, (role, text) in enumerate(lines):
                outcome = await runtime.process(s.msg(role, role, text, 60.0 * i))
                made += [(n.kind.value, n.agent) for n in outcome.nudges]
        return made, len(seen)

    lean, lean_runs = await play(every_message_twice=False)
    full, full_runs = await play(every_message_twice=True)
    assert lean == full
    assert any(kind == NudgeKind.CONFUSION.value for kind, _ in lean)
    assert lean_runs < full_runs  # the point: fewer model runs for the same decisions


async def test_a_replica_forgets_an_agent_message_another_replica_saw_a_later_one_after(
    runs: tuple[Any, list[str]],
) -> None:
    engine, seen = runs
    store = MemoryStore()
    first, second = (Runtime(engine, store, {}, VirtualClock(0)) for _ in range(2))
    s = Script()
    await first.process(s.msg("agent", "sam", NO_STEPS, 0))  # kept by the first replica
    await second.process(s.msg("agent", "ana", STEPS, 30))  # the latest, elsewhere
    seen.clear()
    await first.process(s.msg("customer", "cust", CALM, 60))
    assert seen[0] == ""  # read without context, not with the older agent message
    seen.clear()
    await second.process(s.msg("customer", "cust", CALM, 90))
    assert seen[0] and "Privacy" in seen[0]  # the replica that saw the latest reads it
