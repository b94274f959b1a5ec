"""What a platform's retries cost: a burst processed, then every event of it delivered
again (Slack retries what it did not see acknowledged in 3 s, most when the bot is
slowest), on a real store with the configured model.

Each retry is a duplicate; a lease says which waiting events were processed before, and
those are not scored by the model again. The figure is the retry pass's time as a share
of the first pass's, in the same run, and the model runs each pass cost (counted).

    python -m benchmarks.retries [--conversations 300] [--model contextual|lexicon]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Sequence

from adapters.base import DeliveryResult, DeliveryStatus
from bot.ops.clock import VirtualClock
from bot.service.runtime import Runtime
from bot.service.scoring import DEFAULT_MODEL, build_engine
from bot.store.sql import SqlStore
from coaching.engine import Engine
from coaching.policy import Policy
from coaching.types import ConversationRef, Event, MessagePosted, Nudge, Role

MODELS = ("contextual", "lexicon")


def burst(conversations: int) -> list[Event]:
    """Conversations of an agent's greeting and a frustrated customer (one heads-up each)."""
    made: list[Event] = []
    for n in range(conversations):
        ref = ConversationRef("bench", "T1", "C1", f"t{n}")
        text = f"Still nothing. This is the third time I ask ({n})."
        made += [
            MessagePosted(f"g{n}", ref, f"mg{n}", "sam", Role.AGENT, "Hi! How can I help?", 1),
            MessagePosted(f"c{n}", ref, f"mc{n}", "cust", Role.CUSTOMER, text, 2),
        ]
    return made


class Delivered:
    """Every nudge shown at once (delivery is not what is measured)."""

    async def deliver(self, nudge: Nudge) -> DeliveryResult:
        return DeliveryResult(DeliveryStatus.SENT, route="bench")


class Counted:
    """The engine's scorer, counting the customer messages it reads."""

    def __init__(self, engine: Engine) -> None:
        self.runs = 0
        inner = engine.detectors.frustration

        def frustration(*args: object, **kwargs: object) -> object:
            self.runs += 1
            return inner(*args, **kwargs)  # type: ignore[arg-type]

        engine.detectors.frustration = frustration  # type: ignore[method-assign]


async def passes(url: str, events: Sequence[Event], model: str) -> list[tuple[float, int]]:
    """(seconds, customer messages scored) of the first pass and of the retry pass."""
    engine = build_engine(Policy(), model)
    counted = Counted(engine)
    store = await SqlStore.open(url)
    runtime = Runtime(engine, store, {"bench": Delivered()}, VirtualClock(100), workers=2)
    await runtime.start()
    out = []
    try:
        for _ in ("first", "retries"):
            before, started = counted.runs, time.perf_counter()
            await asyncio.gather(*[runtime.submit(e) for e in events])
            await runtime.drain()
            out.append((time.perf_counter() - started, counted.runs - before))
    finally:
        await runtime.stop()
        await store.close()
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--model", choices=MODELS, default=DEFAULT_MODEL)
    args = parser.parse_args()
    events = burst(args.conversations)
    with tempfile.TemporaryDirectory() as folder:
        await passes(f"sqlite+aiosqlite:///{folder}/warm.db", burst(20), args.model)  # loads
        (first, scored), (again, rescored) = await passes(
            f"sqlite+aiosqlite:///{folder}/run.db", events, args.model
        )
    print(f"{len(events)} events, model {args.model}, SQLite")
    print(f"first pass    {first:6.2f} s  customer messages scored {scored}")
    print(f"retry pass    {again:6.2f} s  customer messages scored {rescored}")
    print(f"retry / first {again / first:6.2f}")


if __name__ == "__main__":
    asyncio.run(main())
