"""Poison messages (SQLite and PostgreSQL): hostile text is cleaned before it is stored;
an event that still fails alone while the store answers is set aside (dead-lettered,
without its text) and holds up no other; an outage sets nothing aside and loses nothing."""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import replace
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url

from bot.ops import listener
from bot.ops.clock import VirtualClock
from bot.service import inbox as inbox_module
from bot.service import runtime as runtime_module
from bot.service.runtime import Runtime
from bot.service.storable import storable, storable_event
from bot.store.base import DeadLetter, Store
from bot.store.schema import dead_letters, events, inbox_events
from bot.store.sql import SqlStore
from coaching.engine import Engine
from coaching.policy import Policy
from coaching.types import ConversationRef, Event, MessagePosted, Role
from tests.helpers import ScriptedDetectors
from tests.pg import fresh_schema
from tests.test_store_sql import (  # noqa: F401  (database is a fixture)
    ANGRY,
    PLAIN,
    Opener,
    RecordingDelivery,
    database,
    make_runtime,
)

NUL = "refund\x00 please"
SURROGATE = "where is my order \ud83d ?"  # half of an emoji: no encoder takes it
BOOM = "the text that trips a bug"


def ref(n: int) -> ConversationRef:
    return ConversationRef("test", "T1", "C1", f"t{n}")


def message(event_id: str, conversation: int, text: str, at: float = 1.0) -> MessagePosted:
    return MessagePosted(
        event_id, ref(conversation), f"m-{event_id}", "cust", Role.CUSTOMER, text, at
    )


def conversations_of(count: int, *, start: int = 0) -> list[MessagePosted]:
    """``count`` ordinary conversations: an agent's greeting, then a frustrated customer."""
    made = []
    for n in range(start, start + count):
        greeting = replace(message(f"g{n}", n, PLAIN), author="sam", role=Role.AGENT)
        made += [greeting, message(f"a{n}", n, ANGRY, 2.0)]
    return made


async def run_all(runtime: Runtime, batch: list[MessagePosted]) -> list[bool]:
    await runtime.start()
    try:
        accepted = [await runtime.submit(e) for e in batch]
        await asyncio.wait_for(runtime.drain(), 30)
    finally:
        await runtime.stop()
    return accepted


async def rows(store: Store, table: sa.Table) -> list[Any]:
    assert isinstance(store, SqlStore)

    def read(conn: Connection) -> list[Any]:
        return list(conn.execute(sa.select(table)).all())

    return await store.read(read)


# --- the rule for hostile text ---------------------------------------------------------------


def test_text_is_made_storable_and_nothing_else_changes() -> None:
    assert storable(NUL) == "refund please"
    assert storable(SURROGATE) == "where is my order \ufffd ?"
    assert storable("ça va 😀 \t\n") == "ça va 😀 \t\n"
    event = replace(
        message("e\x00", 1, SURROGATE), conversation=ConversationRef("s", "T", "C\x00", "t")
    )
    cleaned = storable_event(event)
    assert (cleaned.event_id, cleaned.conversation.channel, cleaned.text) == (
        "e",
        "C",
        "where is my order \ufffd ?",
    )
    plain = message("e1", 1, "hello")
    assert storable_event(plain) is plain


async def test_poison_messages_are_cleaned_and_hold_up_nothing(database: Opener) -> None:  # noqa: F811
    """As many poison messages as workers, then twenty conversations: all processed."""
    store = await database(store_text=True)
    delivery, clock = RecordingDelivery(), VirtualClock(100)
    runtime = make_runtime(store, delivery, clock, workers=2, store_text=True)
    poison = [message("p1", 90, NUL), message("p2", 91, SURROGATE)]
    accepted = await run_all(runtime, poison + conversations_of(10))
    assert all(accepted)
    recorded = {r.event_id for r in await rows(store, events)}
    assert recorded == {e.event_id for e in poison + conversations_of(10)}
    assert len(delivery.sent) == 10  # every conversation's heads-up
    texts = {r.text for r in await rows(store, events)}
    assert {"refund please", "where is my order \ufffd ?"} <= texts
    assert await rows(store, dead_letters) == []
    assert await rows(store, inbox_events) == []


# --- what still fails alone is set aside --------------------------------------------------------


class BuggyEngine(Engine):
    """An engine with a bug one message trips, every time (a poison in processing)."""

    def step(self, state: Any, event: Event, now: float, assessment: Any = None) -> Any:
        if isinstance(event, MessagePosted) and event.text == BOOM:
            raise KeyError("a bug")
        return super().step(state, event, now, assessment)


async def test_an_event_failing_alone_is_set_aside_and_holds_up_nothing(
    database: Opener,  # noqa: F811
) -> None:
    store = await database(store_text=True)
    delivery, clock = RecordingDelivery(), VirtualClock(100)
    engine = BuggyEngine(Policy(waiting_after=600), ScriptedDetectors({ANGRY: 0.9}))
    runtime = Runtime(engine, store, {"test": delivery}, clock, workers=2, store_text=True)
    poison = [message("boom1", 1, BOOM), message("boom2", 2, BOOM)]
    batch = conversations_of(3) + poison + conversations_of(3, start=3)
    batch.append(message("after", 1, ANGRY, 3.0))  # the poisoned conversation carries on
    assert all(await run_all(runtime, batch))
    recorded = {r.event_id for r in await rows(store, events)}
    assert recorded == {e.event_id for e in batch} - {"boom1", "boom2"}
    letters = await rows(store, dead_letters)
    assert sorted(d.event_id for d in letters) == ["boom1", "boom2"]
    assert all("KeyError" in d.reason and BOOM not in d.reason for d in letters)
    assert await rows(store, inbox_events) == []  # its text is gone with it
    assert runtime.metrics.dead_lettered.labels("processing")._value.get() == 2
    assert len(delivery.sent) == 6


@pytest.fixture
def uncleaned(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hostile text reaches the store as it came (what the cleaning guards against)."""
    monkeypatch.setattr(inbox_module, "storable_event", lambda e: e)
    monkeypatch.setattr(runtime_module, "storable_event", lambda e: e)


@pytest.mark.usefixtures("uncleaned")
async def test_a_row_no_store_takes_is_set_aside_and_its_batch_mates_are_stored(
    database: Opener,  # noqa: F811
) -> None:
    store = await database(store_text=True)
    delivery, clock = RecordingDelivery(), VirtualClock(100)
    runtime = make_runtime(store, delivery, clock, store_text=True)
    await runtime.start()
    try:
        batch = [message("bad", 1, SURROGATE), *conversations_of(3, start=2)]
        accepted = await asyncio.gather(*[runtime.submit(e) for e in batch])  # one write
        await asyncio.wait_for(runtime.drain(), 30)
    finally:
        await runtime.stop()
    assert all(accepted)  # acknowledged: set aside, never offered again
    assert [d.event_id for d in await rows(store, dead_letters)] == ["bad"]
    assert {r.event_id for r in await rows(store, events)} == {e.event_id for e in batch[1:]}
    assert runtime.metrics.dead_lettered.labels("intake")._value.get() == 1


@pytest.mark.postgres
@pytest.mark.usefixtures("uncleaned")
async def test_postgres_refusing_a_stored_text_sets_aside_that_event_only() -> None:
    async with fresh_schema() as target:
        store = await target.open(store_text=True)
        try:
            delivery, clock = RecordingDelivery(), VirtualClock(100)
            runtime = make_runtime(store, delivery, clock, workers=2, store_text=True)
            poison = [message("nul1", 1, NUL), message("nul2", 2, NUL)]
            assert all(await run_all(runtime, poison + conversations_of(10, start=3)))
            assert sorted(d.event_id for d in await rows(store, dead_letters)) == ["nul1", "nul2"]
            assert len(delivery.sent) == 10
        finally:
            await store.close()


async def test_healthz_shows_what_was_set_aside() -> None:
    from bot.ops.metrics import Metrics

    metrics = Metrics()
    metrics.dead_lettered.labels("intake").inc()
    metrics.dead_lettered.labels("processing").inc(2)
    server = listener.OpsServer("127.0.0.1", 0, listener.routes(metrics, dict, lambda: 0))
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{server.bound_port}/healthz"
            async with http.get(url) as response:
                body = json.loads(await response.text())
    finally:
        await server.stop()
    assert body["dead_lettered"] == 3


# --- an outage is not a poison --------------------------------------------------------------------


class Outage:
    """A TCP proxy in front of PostgreSQL that can be stopped: open connections are cut and
    new ones refused, as when the server stops, until it starts again on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._open):
            writer.transport.abort()
        await self._server.wait_closed()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._open |= {writer, up_writer}

        async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.transport.abort()
                self._open.discard(dst)

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))


class StopsTheServer(ScriptedDetectors):
    """Scoring one message stops the server, in the middle of that message's batch."""

    def __init__(self, proxy: Outage, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__({ANGRY: 0.9}, {PLAIN: 0.1})
        self.proxy, self.loop, self.stopped = proxy, loop, threading.Event()

    def frustration(self, text: str, context: str = "", confusion: bool = True) -> Any:
        if text == OUTAGE and not self.stopped.is_set():
            self.stopped.set()
            asyncio.run_coroutine_threadsafe(self.proxy.stop(), self.loop).result(5)
        return super().frustration(text, context)


OUTAGE = "the message being processed when the server stops"


@pytest.mark.postgres
async def test_an_outage_sets_nothing_aside_and_loses_nothing() -> None:
    """PostgreSQL stops in the middle of a batch for three seconds: nothing is set
    aside, every acknowledged event is processed once, and all heads-ups arrive."""
    async with fresh_schema() as target:
        real = make_url(target.url)
        proxy = Outage((real.host or "127.0.0.1", real.port or 5432))
        await proxy.start()
        url = real.set(port=proxy.port).render_as_string(hide_password=False)
        store = await SqlStore.open(url, store_text=True, connect_args=target.connect_args)
        try:
            delivery, clock = RecordingDelivery(), VirtualClock(100)
            detectors = StopsTheServer(proxy, asyncio.get_running_loop())
            runtime = make_runtime(store, delivery, clock, detectors, workers=2)
            burst = conversations_of(20)
            burst.insert(10, message("o1", 10, OUTAGE))
            assert all(await asyncio.gather(*[runtime.submit(e) for e in burst]))
            await runtime.start()
            await asyncio.to_thread(detectors.stopped.wait, 10)
            await asyncio.sleep(3.0)
            await proxy.start()  # the server is back
            await asyncio.wait_for(runtime.drain(), 60)
            await runtime.stop()
            recorded = {r.event_id for r in await rows(store, events)}
            assert recorded == {e.event_id for e in burst}
            assert await rows(store, dead_letters) == []
            assert len(delivery.sent) == 20
            assert runtime.metrics.dead_lettered.labels("processing")._value.get() == 0
        finally:
            await store.close()
            await proxy.stop()


async def test_purge_empties_the_inbox_and_the_dead_letters_of_old_events(
    database: Opener,  # noqa: F811
) -> None:
    store = await database(store_text=True)
    old = message("old", 1, "text waiting since long ago")
    row = {
        "event_id": "old",
        "conversation": old.conversation.key,
        "payload": "{}",
        "received_at": 10.0,
    }
    await store.inbox_put([row, {**row, "event_id": "new", "received_at": 1000.0}])
    await store.dead_letter([DeadLetter("gone", old.conversation.key, "KeyError", 5.0, 10.0)])
    assert await store.purge(500.0) >= 2
    assert [r.event_id for r in await rows(store, inbox_events)] == ["new"]
    assert await rows(store, dead_letters) == []
