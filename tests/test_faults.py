"""Faults, with `coach run` as a real child process (HTTP mode, SQLite) against the Slack
fake: SIGTERM with work in flight, SIGKILL and restart, 500s and timeouts from Slack."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.base import DeliveryStatus
from adapters.slack.delivery import SlackDelivery
from coaching.types import ConversationRef, Nudge, NudgeKind
from tests.fakes.process import CoachProcess
from tests.fakes.slack import FakeSlack, message_event, serving

AGENT, CUSTOMER = "UAGENT", "UCUST"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with serving() as started:
        yield started


def stored_events(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM events WHERE kind = 'posted'").fetchone()[0])


def nudge_values(fake: FakeSlack) -> list[str]:
    return [
        b["elements"][0]["value"]
        for c in fake.of("chat.postEphemeral")
        for b in c.args["blocks"]
        if b["type"] == "actions"
    ]


async def test_sigterm_drains_work_in_flight(tmp_path: Path, fake: FakeSlack) -> None:
    coach = CoachProcess(fake, tmp_path, [AGENT])
    coach.start()
    base = time.time()
    async with aiohttp.ClientSession() as session:
        await coach.ready(session)
        sends = []
        for n in range(300):
            thread = f"{base + n:.6f}"
            sends.append(
                coach.post_event(
                    session, message_event(f"Ev{n}a", AGENT, "Hi, how can I help?", thread)
                )
            )
            sends.append(
                coach.post_event(
                    session,
                    message_event(
                        f"Ev{n}b",
                        CUSTOMER,
                        "This is the THIRD time I'm asking!! Unacceptable.",
                        f"{base + n + 0.5:.6f}",
                        thread,
                    ),
                )
            )
        statuses = await asyncio.gather(*sends)
    assert statuses == [200] * 600
    started = time.monotonic()
    code, log = await coach.stop(signal.SIGTERM)
    assert code == 0, log
    assert time.monotonic() - started < 25
    assert stored_events(coach.database) == 600  # every acknowledged event was processed
    assert len(set(nudge_values(fake))) == 300  # and its nudge delivered while draining


async def test_sigkill_then_restart_continues_without_a_second_nudge(
    tmp_path: Path, fake: FakeSlack
) -> None:
    coach = CoachProcess(fake, tmp_path, [AGENT])
    thread = f"{time.time():.6f}"
    angry = message_event(
        "Ev2",
        CUSTOMER,
        "I've been waiting 3 days, this is ridiculous!!",
        f"{float(thread) + 2:.6f}",
        thread,
    )
    async with aiohttp.ClientSession() as session:
        coach.start()
        await coach.ready(session)
        await coach.post_event(
            session,
            message_event("Ev1", AGENT, "Hi, looking into it.", f"{float(thread) + 1:.6f}", thread),
        )
        await coach.post_event(session, angry)
        await fake.wait_for("chat.postEphemeral")
        await coach.stop(signal.SIGKILL)

        coach.start()
        await coach.ready(session)
        # Slack retries the event it never saw acknowledged... no second heads-up.
        assert await coach.post_event(session, angry, {"X-Slack-Retry-Num": "1"}) == 200
        # ... and the conversation continues: the reply is judged against that message.
        await coach.post_event(
            session,
            message_event(
                "Ev3", AGENT, "Please send your order number.", f"{float(thread) + 3:.6f}", thread
            ),
        )
        calls = await fake.wait_for("chat.postEphemeral", 2)
        code, log = await coach.stop()
        assert code == 0, log
    kinds = [
        "frustrated" in c.args["text"] or "didn't acknowledge" in c.args["text"] for c in calls
    ]
    assert kinds == [True, True]
    assert "didn't acknowledge" in calls[1].args["text"]
    assert len(fake.of("chat.postEphemeral")) == 2


def nudge() -> Nudge:
    return Nudge(
        "n1",
        ConversationRef("slack", "T1", "C1", "1.0"),
        AGENT,
        NudgeKind.FRUSTRATION,
        "Heads-up",
        ("waiting",),
        "Sorry!",
        CUSTOMER,
        "e1",
        1.0,
    )


async def test_slack_500_is_temporary_and_retried(fake: FakeSlack) -> None:
    fake.server_error["chat.postEphemeral"] = 1
    delivery = SlackDelivery(AsyncWebClient(token="xoxb-test", base_url=fake.api_url))
    first = await delivery.deliver(nudge())
    assert first.status is DeliveryStatus.RETRY
    assert (await delivery.deliver(nudge())).status is DeliveryStatus.SENT


async def test_slack_timeout_is_temporary(fake: FakeSlack) -> None:
    fake.delay["chat.postEphemeral"] = 2.0
    delivery = SlackDelivery(AsyncWebClient(token="xoxb-test", base_url=fake.api_url, timeout=0.3))
    result = await delivery.deliver(nudge())
    assert result.status is DeliveryStatus.RETRY and result.error
