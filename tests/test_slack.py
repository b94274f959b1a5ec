"""The real slack-bolt / slack_sdk code, end to end, against a loopback Slack fake.

`coach`'s whole running program (Bot.build: runtime, store, commands, Slack adapter) is
started in HTTP mode on a free port; signed Events API requests go in, and the fake Web
API records what comes out.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.slack.app import SlackAdapter
from bot.app import Bot
from config import load
from tests.fakes.slack import FakeSlack, action_body, command_body, message_event, serving, sign

SECRET = "test-signing-secret"
AGENT, SUPERVISOR, CUSTOMER = "UAGENT", "USUPER", "UCUST"
BASE = time.time() - 120  # messages from the last minutes: "now" for the live runtime
ROOT_TS = f"{BASE:.6f}"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with serving() as started:
        yield started


def write_config(tmp_path: Path, fake: FakeSlack, mode: str = "http", extra: str = "") -> Path:
    path = tmp_path / "coach.toml"
    path.write_text(
        f"""
[slack]
enabled = true
mode = "{mode}"
host = "127.0.0.1"
port = 0
api_url = "{fake.api_url}"
[roles]
agents = ["{AGENT}"]
supervisors = ["{SUPERVISOR}"]
[storage]
url = "memory://"
[http]
enabled = false
[runtime]
tick_seconds = 0.05
{extra}
"""
    )
    return path


class Running:
    def __init__(self, bot: Bot, session: aiohttp.ClientSession) -> None:
        self.bot, self.session = bot, session
        adapter = bot.adapters[0]
        assert isinstance(adapter, SlackAdapter)
        self.adapter = adapter
        self.url = f"http://127.0.0.1:{adapter.bound_port}"

    async def post(
        self,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        secret: str = SECRET,
        timestamp: int | None = None,
    ) -> aiohttp.ClientResponse:
        all_headers = {
            "Content-Type": content_type,
            **sign(secret, body, timestamp),
            **(headers or {}),
        }
        async with self.session.post(
            self.url + "/slack/events", data=body, headers=all_headers
        ) as r:
            await r.read()
            return r

    async def event(self, payload: dict[str, Any], **kw: Any) -> aiohttp.ClientResponse:
        return await self.post(json.dumps(payload).encode(), "application/json", **kw)

    async def command(self, text: str, user: str, fake: FakeSlack) -> dict[str, Any]:
        body = command_body(text, user, fake.response_url())
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
        async with self.session.post(self.url + "/slack/events", data=body, headers=headers) as r:
            assert r.status == 200
            return dict(await r.json())


@pytest.fixture
async def running(
    tmp_path: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Running]:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    bot = await Bot.build(load(write_config(tmp_path, fake)))
    await bot.start()
    async with aiohttp.ClientSession() as session:
        yield Running(bot, session)
    await bot.stop()


def ts(seconds: float) -> str:
    return f"{BASE + seconds:.6f}"


async def start_thread(r: Running) -> None:
    await r.event(message_event("Ev1", CUSTOMER, "Hi, my invoice shows the wrong amount.", ROOT_TS))
    await r.event(message_event("Ev2", AGENT, "Hi! Let me check that for you.", ts(30), ROOT_TS))


async def test_frustrated_message_gives_the_agent_one_private_nudge(
    running: Running, fake: FakeSlack
) -> None:
    await start_thread(running)
    angry = message_event(
        "Ev3",
        CUSTOMER,
        "This is the THIRD time I'm asking and I've been waiting for 3 hours!!",
        ts(60),
        ROOT_TS,
    )
    response = await running.event(angry)
    assert response.status == 200
    [call] = await fake.wait_for("chat.postEphemeral")
    assert (
        call.args["user"] == AGENT
        and call.args["channel"] == "C1"
        and call.args["thread_ts"] == ROOT_TS
    )
    assert "frustrated" in call.args["text"] and "Why:" in call.args["text"]
    actions = [b for b in call.args["blocks"] if b["type"] == "actions"]
    assert {e["action_id"] for e in actions[0]["elements"]} == {
        "coach_helpful",
        "coach_not_helpful",
    }

    # The agent's reply does not acknowledge: one follow-up.
    await running.event(
        message_event("Ev4", AGENT, "Please send the invoice number.", ts(90), ROOT_TS)
    )
    calls = await fake.wait_for("chat.postEphemeral", 2)
    assert calls[1].args["user"] == AGENT and "didn't acknowledge" in calls[1].args["text"]

    # Another frustrated message (its heads-up is held back by the cooldown), then a reply
    # that acknowledges: no follow-up.
    await running.event(
        message_event(
            "Ev5",
            CUSTOMER,
            "Seriously? I already sent it twice. This is ridiculous.",
            ts(100),
            ROOT_TS,
        )
    )
    await running.event(
        message_event(
            "Ev6",
            AGENT,
            "I'm so sorry you've had to send it again, that's really frustrating. I've fixed the invoice now.",
            ts(110),
            ROOT_TS,
        )
    )
    await running.bot.runtime.drain()
    assert len(fake.of("chat.postEphemeral")) == 2
    # Nothing was ever posted where the customer could see it.
    assert fake.of("chat.postMessage") == []
    assert all(c.args["user"] == AGENT for c in fake.of("chat.postEphemeral"))


async def test_retried_event_never_makes_a_second_nudge(running: Running, fake: FakeSlack) -> None:
    await start_thread(running)
    angry = message_event(
        "Ev3", CUSTOMER, "WHERE IS MY REFUND??? This is unacceptable!", ts(60), ROOT_TS
    )
    await running.event(angry)
    for attempt in (1, 2, 3):
        response = await running.event(
            angry,
            headers={"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"},
        )
        assert response.status == 200
    await fake.wait_for("chat.postEphemeral")
    await running.bot.runtime.drain()
    assert len(fake.of("chat.postEphemeral")) == 1


async def test_bad_or_stale_signatures_are_refused_and_not_processed(
    running: Running, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await start_thread(running)
    secret_text = "WHERE IS MY REFUND??? unacceptable"
    angry = message_event("Ev3", CUSTOMER, secret_text, ts(60), ROOT_TS)
    assert (await running.event(angry, secret="wrong-secret")).status == 401
    assert (await running.event(angry, timestamp=int(time.time()) - 600)).status == 401
    await running.bot.runtime.drain()
    assert fake.of("chat.postEphemeral") == []
    assert "Invalid request signature detected (body not logged)" in caplog.text
    assert secret_text not in caplog.text  # Bolt's body dump is kept out of the logs


async def test_rate_limited_ephemeral_is_retried_after_retry_after(
    running: Running, fake: FakeSlack
) -> None:
    fake.rate_limit["chat.postEphemeral"] = 1
    fake.retry_after = 1
    await start_thread(running)
    await running.event(
        message_event(
            "Ev3", CUSTOMER, "This is ridiculous, nobody has answered for 3 days!!", ts(60), ROOT_TS
        )
    )
    calls = await fake.wait_for("chat.postEphemeral", 2, within=10)
    assert calls[1].at - calls[0].at >= 0.9  # Retry-After honoured
    assert calls[0].args["text"] == calls[1].args["text"]


async def test_agent_no_longer_in_the_channel_gets_nothing_not_even_a_dm(
    running: Running, fake: FakeSlack
) -> None:
    fake.not_in_channel.add(AGENT)
    await start_thread(running)
    await running.event(
        message_event(
            "Ev3", CUSTOMER, "I've been waiting 2 weeks, this is unacceptable!!", ts(60), ROOT_TS
        )
    )
    await fake.wait_for("chat.postEphemeral")
    await running.bot.runtime.drain()
    assert fake.of("chat.postMessage") == [] and fake.of("conversations.open") == []
    [nudge] = (await running.bot.store.slice(0, 2e9)).nudges
    assert (nudge.status, nudge.error) == ("failed", "user_not_in_channel")


async def test_archived_channel_sends_the_nudge_by_dm(running: Running, fake: FakeSlack) -> None:
    fake.ephemeral_errors[AGENT] = "is_archived"
    await start_thread(running)
    await running.event(
        message_event(
            "Ev3", CUSTOMER, "I've been waiting 2 weeks, this is unacceptable!!", ts(60), ROOT_TS
        )
    )
    [dm] = await fake.wait_for("chat.postMessage")
    assert dm.args["channel"] == "DAGENT" and dm.args["blocks"] and dm.args["text"]
    assert fake.of("conversations.open")[0].args["users"] == AGENT
    await running.bot.runtime.drain()
    [nudge] = (await running.bot.store.slice(0, 2e9)).nudges
    assert (nudge.status, nudge.route) == ("sent", "dm")


async def test_supervisor_summary_has_real_figures_and_others_are_refused(
    running: Running, fake: FakeSlack
) -> None:
    await start_thread(running)
    await running.event(
        message_event(
            "Ev3", CUSTOMER, "This is the third time I'm asking!! Unacceptable.", ts(60), ROOT_TS
        )
    )
    await running.event(
        message_event("Ev4", AGENT, "Please send the invoice number.", ts(90), ROOT_TS)
    )
    await fake.wait_for("chat.postEphemeral", 2)
    await running.bot.runtime.drain()

    answer = await running.command("summary 7d", SUPERVISOR, fake)
    assert answer["response_type"] == "ephemeral"
    fields = {
        f["text"].split("\n")[0].strip("*"): f["text"].split("\n")[1]
        for b in answer["blocks"]
        if b["type"] == "section" and "fields" in b
        for f in b["fields"]
    }
    assert fields["Conversations"] == "1"
    assert fields["Frustration episodes"] == "1"
    assert fields["Acknowledged in the next reply"] == "too few to tell (0/1)"
    assert fields["Nudges sent"].startswith("2")

    refused = await running.command("summary", AGENT, fake)
    assert "only available to supervisors" in refused["text"]
    assert "Conversations" not in json.dumps(refused)
    own = await running.command("me", AGENT, fake)
    assert "agent <@UAGENT>" in own["text"]
    status = await running.command("status", SUPERVISOR, fake)
    assert "at risk" in status["text"]


async def test_helpful_click_is_recorded(running: Running, fake: FakeSlack) -> None:
    await start_thread(running)
    await running.event(
        message_event(
            "Ev3",
            CUSTOMER,
            "Nobody has answered me in 3 days, this is ridiculous!!",
            ts(60),
            ROOT_TS,
        )
    )
    [call] = await fake.wait_for("chat.postEphemeral")
    nudge_id = next(b for b in call.args["blocks"] if b["type"] == "actions")["elements"][0][
        "value"
    ]
    body = action_body(AGENT, "coach_helpful", nudge_id, fake.response_url("click"))
    response = await running.post(body, "application/x-www-form-urlencoded")
    assert response.status == 200
    await fake.wait_until(lambda: fake.responses)
    store = running.bot.store
    feedback = await store.slice(0, 2e9)
    assert [(f.nudge_id, f.user, f.helpful) for f in feedback.feedback] == [(nudge_id, AGENT, True)]


async def test_bots_and_external_users(running: Running, fake: FakeSlack) -> None:
    # A bot's angry-looking message is ignored; a Slack Connect member of another
    # workspace is a customer even if their ID is configured as an agent.
    await start_thread(running)
    await running.event(
        message_event("Ev3", "UOTHERBOT", "ALERT!!! FAILURE!!!", ts(60), ROOT_TS, bot_id="B2")
    )
    await running.event(
        message_event(
            "Ev4",
            AGENT,
            "I'm furious, this is the third time!!!",
            ts(70),
            ROOT_TS,
            user_team="T-OTHER",
        )
    )
    await running.bot.runtime.drain()
    assert fake.of("chat.postEphemeral") == []


async def test_health_and_metrics_are_not_on_the_public_slack_port(running: Running) -> None:
    for path in ("/healthz", "/metrics"):
        async with running.session.get(running.url + path) as r:
            assert r.status == 404


async def test_socket_mode(
    tmp_path: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-test-token")
    bot = await Bot.build(load(write_config(tmp_path, fake, mode="socket")))
    await bot.start()
    try:
        # one after the other, as people write them (envelopes are handled concurrently)
        await fake.send_socket(
            "events_api", message_event("Ev1", CUSTOMER, "Hi, my export fails.", ROOT_TS), "env1"
        )
        await fake.wait_until(lambda: any(a.get("envelope_id") == "env1" for a in fake.socket_acks))
        await fake.send_socket(
            "events_api", message_event("Ev2", AGENT, "Looking into it.", ts(30), ROOT_TS), "env2"
        )
        await fake.wait_until(lambda: any(a.get("envelope_id") == "env2" for a in fake.socket_acks))
        await fake.send_socket(
            "events_api",
            message_event(
                "Ev3", CUSTOMER, "Still broken after 3 days, this is useless!!", ts(60), ROOT_TS
            ),
            "env3",
        )
        [call] = await fake.wait_for("chat.postEphemeral")
        assert call.args["user"] == AGENT
        await fake.wait_until(
            lambda: {a.get("envelope_id") for a in fake.socket_acks} >= {"env1", "env2", "env3"}
        )
        await fake.send_socket(
            "slash_commands",
            {
                "command": "/coach",
                "text": "summary",
                "user_id": SUPERVISOR,
                "team_id": "T1",
                "channel_id": "C1",
                "response_url": fake.response_url(),
            },
            "env4",
        )
        await fake.wait_until(lambda: any(a.get("envelope_id") == "env4" for a in fake.socket_acks))
        ack = next(a for a in fake.socket_acks if a.get("envelope_id") == "env4")
        assert "Coaching summary" in json.dumps(ack["payload"])
    finally:
        await bot.stop()
