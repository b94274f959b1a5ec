"""Poison messages arriving with ordinary traffic: how many events are processed, how many
set aside, and how long the burst takes, on a real store with ``store_text = true``.

Three runs over the same burst (conversations of an agent's greeting and a customer
message; every ``--every``-th customer message holds U+0000 or a lone surrogate):

- ``cleaned``: as shipped (hostile text cleaned at the inbox's door);
- ``uncleaned``: the cleaning switched off, so the store itself refuses those messages
  and the poison isolation alone keeps the rest going;
- ``calm``: the same burst without hostile text (the baseline time).

    python -m benchmarks.poison [--url postgresql+asyncpg://postgres@127.0.0.1:5432/test]
                                [--conversations 500] [--every 25] [--workers 4]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from unittest import mock

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.ops.clock import VirtualClock
from bot.service import inbox as inbox_module
from bot.service.runtime import Runtime
from bot.service.scoring import build_engine
from bot.store.schema import dead_letters, events
from bot.store.sql import SqlStore
from coaching.policy import Policy
from coaching.types import ConversationRef, MessagePosted, Role

HOSTILE = ("my refund\x00 is missing", "where is my order \ud83d ?")


def burst(conversations: int, every: int, hostile: bool) -> list[MessagePosted]:
    made = []
    for n in range(conversations):
        ref = ConversationRef("bench", "T1", "C1", f"t{n}")
        text = "Still nothing. This is the third time I ask."
        if hostile and n % every == 0:
            text = HOSTILE[(n // every) % 2]
        greeting = MessagePosted(
            f"g{n}", ref, f"mg{n}", "sam", Role.AGENT, "Hi! How can I help?", 1
        )
        made += [
            greeting,
            replace(
                greeting,
                event_id=f"c{n}",
                message_id=f"mc{n}",
                author="cust",
                role=Role.CUSTOMER,
                text=text,
                sent_at=2,
            ),
        ]
    return made


@contextlib.contextmanager
def cleaning(on: bool) -> Iterator[None]:
    if on:
        yield
    else:
        with mock.patch.object(inbox_module, "storable_event", lambda e: e):
            yield


async def run(url: str, batch: list[MessagePosted], workers: int) -> tuple[int, int, float]:
    store = await SqlStore.open(url, store_text=True)
    try:
        runtime = Runtime(
            build_engine(Policy(), "lexicon"),
            store,
            {},
            VirtualClock(100),
            workers=workers,
            store_text=True,
        )
        await runtime.start()
        started = time.perf_counter()
        await asyncio.gather(*[runtime.submit(e) for e in batch])
        await runtime.drain()
        elapsed = time.perf_counter() - started
        await runtime.stop()

        def counts(conn: Connection) -> tuple[int, int]:
            done = conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()
            dead = conn.execute(sa.select(sa.func.count()).select_from(dead_letters)).scalar_one()
            return int(done), int(dead)

        processed, dead = await store.read(counts)
        return processed, dead, elapsed
    finally:
        await store.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--url",
        default=None,
        help="PostgreSQL URL (a fresh schema each run); default: SQLite files",
    )
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--every", type=int, default=25)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    print(
        f"{2 * args.conversations} events, {args.conversations // args.every} hostile, workers {args.workers}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for name, hostile, clean in (
            ("warm-up", False, True),  # loads the lexicon and warms the store's pools
            ("calm", False, True),
            ("cleaned", True, True),
            ("uncleaned", True, False),
        ):
            url = args.url or f"sqlite+aiosqlite:///{folder}/{name}.db"
            if args.url:
                url = await _fresh_schema(args.url, name)
            with cleaning(clean):
                processed, dead, elapsed = await run(
                    url, burst(args.conversations, args.every, hostile), args.workers
                )
            print(f"{name:10} processed {processed:5}  set aside {dead:3}  {elapsed:6.2f} s")


async def _fresh_schema(url: str, name: str) -> str:
    """A new schema on the server for one run (dropped first if a previous run left it)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    schema = f"coach_bench_poison_{name.replace('-', '_')}"
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    await engine.dispose()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}search_path={schema}"


if __name__ == "__main__":
    asyncio.run(main())
