"""Could the in-memory store be SQLite in memory? Replays the same conversations through
the real runtime on ``MemoryStore`` and on ``SqlStore`` over SQLite (a fresh file in
``/dev/shm``, memory-backed, where there is one: the store's thread runner cannot share a
``:memory:`` database between its connections), interleaved (memory, sqlite, memory, sqlite ...) so that a noisy
machine slows both alike, and prints the median time per message and the ratio.

    python -m benchmarks.store_choice [--conversations 200] [--rounds 5] [--model lexicon]

The replay path is what a user waits for (``coach replay``, ``coach demo``, ``analyze``)
and what most of the test suite runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time

from adapters.console.adapter import ConsoleDelivery
from bot.ops.clock import VirtualClock
from bot.service.runtime import Runtime
from bot.service.scoring import build_engine
from bot.store.base import Store
from bot.store.memory import MemoryStore
from bot.store.sql import SqlStore
from coaching.policy import Policy
from coaching.types import ConversationRef, MessagePosted, Role

SHM = "/dev/shm" if os.path.isdir("/dev/shm") else None
TURNS = (
    ("customer", "Hi, my invoice shows the wrong amount."),
    ("agent", "Hi! Let me check that for you."),
    ("customer", "This is the third time I'm asking. Still nothing."),
    ("agent", "Please send your order number."),
    ("customer", "It's 48213, as I said yesterday."),
    ("agent", "I'm sorry for the trouble, I've corrected the invoice now."),
)


def messages(conversations: int) -> list[MessagePosted]:
    made = []
    for n in range(conversations):
        ref = ConversationRef("console", "w", "c", f"t{n}")
        for i, (role, text) in enumerate(TURNS):
            author = "cust" if role == "customer" else "sam"
            at = 1000.0 * n + 30 * i
            made.append(MessagePosted(f"{n}-{i}", ref, f"m{n}-{i}", author, Role(role), text, at))
    return made


async def replay(store: Store, batch: list[MessagePosted], model: str) -> float:
    delivery = ConsoleDelivery(lambda nudge: None)
    runtime = Runtime(build_engine(Policy(), model), store, {"console": delivery}, VirtualClock(0))
    started = time.perf_counter()
    for event in batch:
        await runtime.process(event)
    elapsed = time.perf_counter() - started
    await store.close()
    return elapsed / len(batch)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--model", default="lexicon")
    args = parser.parse_args()
    batch = messages(args.conversations)
    memory: list[float] = []
    sqlite: list[float] = []
    for _ in range(args.rounds):
        memory.append(await replay(MemoryStore(), batch, args.model))
        with tempfile.TemporaryDirectory(dir=SHM) as folder:
            url = f"sqlite+aiosqlite:///{folder}/replay.db"
            sqlite.append(await replay(await SqlStore.open(url), batch, args.model))
    m, s = statistics.median(memory), statistics.median(sqlite)
    print(f"messages per round: {len(batch)}, rounds: {args.rounds}, model: {args.model}")
    print(f"MemoryStore        median {m * 1e3:.3f} ms/message")
    print(f"SQLite in memory   median {s * 1e3:.3f} ms/message")
    print(f"ratio sqlite/memory: {s / m:.2f}x")


if __name__ == "__main__":
    asyncio.run(main())
