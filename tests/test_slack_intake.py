# ruff: noqa: F811  (pytest fixtures imported from tests/test_slack.py)
"""Slack events are acknowledged only once stored: HTTP answers 503 and Socket Mode
leaves the envelope unacked when the bot cannot keep an event, so Slack retries it, and
the retry is processed once. Signed bodies that are not a JSON object get 400 (deeply
nested ones too); a request not signed gets 401 whatever its body, which is not parsed."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.base import AdapterFailed
from adapters.json_input import MAX_DEPTH
from bot.app import Bot
from config import load
from tests.fakes.slack import FakeSlack, message_event
from tests.test_slack import (  # noqa: F401  (fake and running are fixtures)
    AGENT,
    CUSTOMER,
    ROOT_TS,
    Running,
    fake,
    running,
    start_thread,
    ts,
    write_config,
)

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}


def angry(event_id: str = "Ev3") -> dict[str, Any]:
    return message_event(
        event_id, CUSTOMER, "WHERE IS MY REFUND??? This is unacceptable!", ts(60), ROOT_TS
    )


def store_down_once(bot: Bot) -> None:
    """The store fails the next inbox write (unavailable, disk full...)."""
    store: Any = bot.store
    real = store.inbox_put

    async def failing(rows: list[dict[str, Any]]) -> None:
        store.inbox_put = real
        raise OSError("disk full")

    store.inbox_put = failing


async def until(check: Callable[[], bool], within: float = 5.0) -> None:
    """Poll in-process state that no fake can signal (here: a refusal, i.e. no ack)."""
    await asyncio.wait_for(_poll(check), within)


async def _poll(check: Callable[[], bool]) -> None:
    while not check():  # noqa: ASYNC110  (a metric has no event to wait on)
        await asyncio.sleep(0.01)


def refused(bot: Bot, reason: str) -> float:
    return float(bot.runtime.metrics.refused.labels(reason)._value.get())


async def test_an_event_the_store_cannot_take_gets_503_and_its_retry_is_processed_once(
    running: Running,
    fake: FakeSlack,
) -> None:
    await start_thread(running)
    store_down_once(running.bot)
    assert (await running.event(angry())).status == 503
    assert refused(running.bot, "store") == 1
    await running.bot.runtime.drain()
    assert fake.of("chat.postEphemeral") == []  # nothing was kept, nothing processed
    assert (await running.event(angry(), headers=RETRY)).status == 200
    await fake.wait_for("chat.postEphemeral")
    assert (await running.event(angry(), headers=RETRY)).status == 200  # and once more
    await running.bot.runtime.drain()
    assert len(fake.of("chat.postEphemeral")) == 1
    exposed = running.bot.runtime.metrics.render().decode()  # what /metrics serves
    assert 'coach_events_refused_total{reason="store"} 1.0' in exposed


async def test_a_backlog_at_its_bound_gets_503(running: Running, fake: FakeSlack) -> None:
    running.bot.runtime.inbox.limit = 0
    assert (await running.event(angry())).status == 503
    assert refused(running.bot, "backlog") == 1


@pytest.mark.parametrize("body", [b"null", b"[]", b'"text"', b"42", b'{"type": "event_callback"'])
async def test_signed_json_that_is_not_an_object_gets_400(running: Running, body: bytes) -> None:
    assert (await running.post(body, "application/json")).status == 400
    assert (await running.post(body, "application/json", secret="wrong")).status == 401
    assert (await running.event(message_event("Ev9", CUSTOMER, "hi", ROOT_TS))).status == 200


def nested(levels: int) -> bytes:
    """An event_callback holding JSON ``levels`` deep in all (an event Slack sends and the
    coach does not use, with lists in lists in it)."""
    lists = "[" * (levels - 2) + "]" * (levels - 2)
    return (
        '{"type": "event_callback", "event": {"type": "pin_added", "x": ' + lists + "}}"
    ).encode()


DEEP = nested(100_000)  # parsing it raised RecursionError: 500, before any signature check
HOSTILE_BODIES = [
    DEEP,
    b"[" * 200_000,
    b"payload=" + b"%5B" * 100_000,  # a form body: its payload is JSON too
    b"\xff\xfe{not utf-8",
    json.dumps(angry()).encode(),
]


@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=["deep", "list", "form", "bytes", "event"])
async def test_a_request_not_signed_gets_401_whatever_its_body(
    running: Running, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for content_type in ("application/json", "application/x-www-form-urlencoded"):
        assert (await running.post(body, content_type, secret="wrong")).status == 401
        unsigned = {"Content-Type": content_type}
        async with running.session.post(
            running.url + "/slack/events", data=body, headers=unsigned
        ) as answer:
            assert answer.status == 401
    assert "Invalid request signature detected (body not logged)" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_signed_deeply_nested_body_gets_400_and_a_deep_enough_one_is_taken(
    running: Running, fake: FakeSlack
) -> None:
    assert (await running.post(DEEP, "application/json")).status == 400
    assert (await running.post(nested(MAX_DEPTH + 1), "application/json")).status == 400
    form = b"payload=" + b"%5B" * 100_000
    assert (await running.post(form, "application/x-www-form-urlencoded")).status == 400
    assert (await running.post(b"\xff\xfe{", "application/json")).status == 401  # not UTF-8
    assert (await running.post(nested(MAX_DEPTH), "application/json")).status == 200
    await start_thread(running)  # and the door still lets Slack's own requests through
    assert (await running.event(angry())).status == 200
    [tip] = await fake.wait_for("chat.postEphemeral")
    assert tip.args["user"] == AGENT
    answer = await running.command("help", AGENT, fake)
    assert answer["text"]


async def test_socket_mode_leaves_an_event_it_could_not_keep_unacked(
    tmp_path: Path,
    fake: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-test-token")
    bot = await Bot.build(load(write_config(tmp_path, fake, mode="socket")))
    await bot.start()

    def acked() -> set[str]:
        return {str(a.get("envelope_id")) for a in fake.socket_acks}

    try:
        hello = message_event("Ev1", AGENT, "Hi, how can I help?", ROOT_TS)
        await fake.send_socket("events_api", hello, "env1")
        await fake.wait_until(lambda: "env1" in acked())
        store_down_once(bot)
        await fake.send_socket("events_api", angry(), "env2")
        await until(lambda: refused(bot, "store") == 1)
        await bot.runtime.drain()
        assert "env2" not in acked() and fake.of("chat.postEphemeral") == []
        await fake.send_socket("events_api", angry(), "env3")  # Slack's retry
        await fake.wait_until(lambda: "env3" in acked())
        [call] = await fake.wait_for("chat.postEphemeral")
        assert call.args["user"] == AGENT
        await bot.runtime.drain()
        assert "env2" not in acked()
        assert json.dumps(fake.socket_acks).count("env3") == 1
    finally:
        await bot.stop()


async def test_a_port_in_use_is_a_clear_error_not_a_traceback(
    tmp_path: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "test-signing-secret")
        monkeypatch.setenv("COACH_SLACK__PORT", str(taken.getsockname()[1]))
        bot = await Bot.build(load(write_config(tmp_path, fake)))
        try:
            with pytest.raises(AdapterFailed, match=r"cannot listen on .*\[slack\] host and port"):
                await bot.start()
        finally:
            await bot.stop()
