"""Slack's guards, each with a test that fails when the guard is removed: de-duplication
seen without a cooldown to hide a duplicate, Slack Connect members as customers, user
groups (robust refresh, stale membership expiring), feedback only from the tip's agent,
signing (no secret, no HTTP mode; a bad timestamp is 401), logs without payloads.
Harness: tests/test_slack.py (the whole bot in HTTP mode against the Slack fake)."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.base import AdapterFailed, Roles
from adapters.slack.app import MEMBERSHIP_MAX_AGE, GroupDirectory, SlackAdapter, SlackOptions
from bot.app import Bot
from config import load
from tests.fakes.slack import FakeSlack, action_body, message_event, serving
from tests.test_slack import (
    AGENT,
    CUSTOMER,
    ROOT_TS,
    SECRET,
    SUPERVISOR,
    Running,
    start_thread,
    ts,
    write_config,
)

NO_COOLDOWN = "[coaching]\ncooldown_minutes = 0"
ANGRY = "WHERE IS MY REFUND??? This is unacceptable!"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with serving() as started:
        yield started


@contextlib.asynccontextmanager
async def bot_on(
    tmp_path: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Running]:
    """The whole bot in HTTP mode with no cooldown: a duplicate nudge would be seen, not
    held back."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    bot = await Bot.build(load(write_config(tmp_path, fake, extra=NO_COOLDOWN)))
    await bot.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield Running(bot, session)
    finally:
        await bot.stop()


@pytest.fixture
async def running(
    tmp_path: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Running]:
    async with bot_on(tmp_path, fake, monkeypatch) as r:
        yield r


def ephemerals_to(fake: FakeSlack, user: str) -> list[Any]:
    return [c for c in fake.of("chat.postEphemeral") if c.args["user"] == user]


# --- de-duplication ------------------------------------------------------------------------


async def test_a_message_delivered_again_under_any_event_id_makes_one_nudge(
    running: Running, fake: FakeSlack
) -> None:
    await start_thread(running)
    angry = message_event("Ev3", CUSTOMER, ANGRY, ts(60), ROOT_TS)
    await running.event(angry)
    await (
        running.bot.runtime.drain()
    )  # processed and gone from the inbox: only the claim stops the rest
    await running.event(angry, headers={"X-Slack-Retry-Num": "1"})  # Slack's retry
    await running.bot.runtime.drain()
    again = {**angry, "event_id": "Ev3-redelivered"}  # the same message, a new envelope
    await running.event(again)
    await fake.wait_for("chat.postEphemeral")
    await running.bot.runtime.drain()
    assert len(fake.of("chat.postEphemeral")) == 1
    assert running.bot.runtime.metrics.duplicates._value.get() == 2


async def test_without_a_cooldown_a_second_angry_message_does_nudge_again(
    running: Running, fake: FakeSlack
) -> None:
    """The control for the test above: with no cooldown, a new message is a new nudge, so
    the single nudge there is the de-duplication's doing."""
    await start_thread(running)
    await running.event(message_event("Ev3", CUSTOMER, ANGRY, ts(60), ROOT_TS))
    await running.event(message_event("Ev4", CUSTOMER, ANGRY + "!!", ts(61), ROOT_TS))
    await fake.wait_for("chat.postEphemeral", 2)


# --- who is who ------------------------------------------------------------------------------


async def test_a_slack_connect_member_is_a_customer_even_with_a_configured_agent_id(
    tmp_path: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COACH_ROLES__AGENTS", json.dumps([AGENT, "UPARTNER"]))
    async with bot_on(tmp_path, fake, monkeypatch) as r:
        await start_thread(r)
        external = message_event("Ev3", "UPARTNER", ANGRY, ts(60), ROOT_TS, user_team="T-OTHER")
        await r.event(external)
        [tip] = await fake.wait_for("chat.postEphemeral")
        assert tip.args["user"] == AGENT and "frustrated" in tip.args["text"]


async def test_members_of_an_agent_group_are_agents_and_get_the_nudges(
    tmp_path: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.groups["SHELPERS"] = ["UHELPER"]
    monkeypatch.setenv("COACH_ROLES__AGENT_GROUPS", '["SHELPERS"]')
    async with bot_on(tmp_path, fake, monkeypatch) as r:
        await r.event(message_event("Ev1", CUSTOMER, "Hi, my export fails.", ROOT_TS))
        await r.event(message_event("Ev2", "UHELPER", "Looking into it.", ts(30), ROOT_TS))
        await r.event(message_event("Ev3", CUSTOMER, ANGRY, ts(60), ROOT_TS))
        [tip] = await fake.wait_for("chat.postEphemeral")
        assert tip.args["user"] == "UHELPER"


# --- user groups: refresh and expiry ---------------------------------------------------------


class Groups:
    """A stand-in for AsyncWebClient.usergroups_users_list: answers, errors, or raises."""

    def __init__(self) -> None:
        self.members: dict[str, list[str]] = {}
        self.fail_with: BaseException | str | None = None
        self.calls = 0

    async def usergroups_users_list(self, usergroup: str) -> dict[str, Any]:
        self.calls += 1
        if isinstance(self.fail_with, BaseException):
            raise self.fail_with
        if isinstance(self.fail_with, str):
            status = 500 if self.fail_with == "internal_error" else 200
            response = AsyncSlackResponse(
                client=None,  # type: ignore[arg-type]
                http_verb="POST",
                api_url="usergroups.users.list",
                req_args={},
                data={"ok": False, "error": self.fail_with},
                headers={},
                status_code=status,
            )
            raise SlackApiError("refused", response)
        return {"ok": True, "users": self.members.get(usergroup, [])}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_group_refresh_survives_network_errors_and_stale_membership_expires() -> None:
    client, clock = Groups(), Clock()
    client.members["SLEADS"] = ["ULEAD"]
    directory = GroupDirectory(client, frozenset({"SLEADS"}), max_age=900, clock=clock)  # type: ignore[arg-type]
    await directory.refresh()
    assert directory.of("ULEAD") == {"SLEADS"}

    client.fail_with = aiohttp.ClientConnectionError("network down")
    clock.now = 300
    await directory.refresh()  # does not raise
    client.fail_with = TimeoutError()
    clock.now = 600
    await directory.refresh()
    client.fail_with = "internal_error"
    await directory.refresh()
    assert directory.of("ULEAD") == {"SLEADS"}  # kept for a while, Slack being unreachable
    clock.now = 901
    assert directory.of("ULEAD") == frozenset()  # not confirmed for too long: no access

    client.fail_with = None
    clock.now = 1000
    await directory.refresh()
    assert directory.of("ULEAD") == {"SLEADS"}
    client.members["SLEADS"] = []  # removed from the group
    await directory.refresh()
    assert directory.of("ULEAD") == frozenset()


async def test_a_group_slack_says_is_gone_is_emptied_at_once() -> None:
    client = Groups()
    client.members["SLEADS"] = ["ULEAD"]
    directory = GroupDirectory(client, frozenset({"SLEADS"}))  # type: ignore[arg-type]
    await directory.refresh()
    client.fail_with = "no_such_subteam"
    await directory.refresh()
    assert directory.of("ULEAD") == frozenset()


async def test_start_up_does_not_fail_when_user_groups_cannot_be_read(
    tmp_path: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.server_error["usergroups.users.list"] = 100
    monkeypatch.setenv("COACH_ROLES__SUPERVISOR_GROUPS", '["SLEADS"]')
    async with bot_on(tmp_path, fake, monkeypatch) as r:
        assert r.adapter.health()["connected"] is True


async def test_a_supervisor_removed_from_the_group_loses_access_at_the_next_refresh(
    tmp_path: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.groups["SLEADS"] = ["ULEAD"]
    monkeypatch.setenv("COACH_ROLES__SUPERVISOR_GROUPS", '["SLEADS"]')
    async with bot_on(tmp_path, fake, monkeypatch) as r:
        assert "Coaching summary" in (await r.command("summary", "ULEAD", fake))["text"]
        fake.groups["SLEADS"] = []
        adapter = r.adapter
        await adapter.groups.refresh()
        assert (
            "only available to supervisors" in (await r.command("summary", "ULEAD", fake))["text"]
        )


async def test_membership_read_long_ago_still_tells_agents_from_customers() -> None:
    client, clock = Groups(), Clock()
    client.members = {"SHELPERS": ["UHELPER"], "SLEADS": ["ULEAD"]}
    directory = GroupDirectory(client, frozenset({"SHELPERS"}), max_age=900, clock=clock)  # type: ignore[arg-type]
    await directory.refresh()
    client.fail_with = "internal_error"
    clock.now = 10_000
    await directory.refresh()
    assert directory.of("UHELPER") == frozenset()  # no access on stale membership...
    assert directory.known("UHELPER") == {"SHELPERS"}  # ...but still an agent, not a customer
    assert directory.known("UCUSTOMER") == frozenset()

    never = GroupDirectory(client, frozenset({"SHELPERS", "SLEADS"}), clock=clock)  # type: ignore[arg-type]
    await never.refresh()  # neither group could ever be read
    assert not never.complete
    assert never.known("UHELPER") is None and never.known("UCUSTOMER") is None
    client.fail_with = "no_such_subteam"  # Slack says they are gone: known to be empty
    await never.refresh()
    assert never.complete and never.known("UHELPER") == frozenset()


async def test_an_agent_group_member_stays_an_agent_while_slack_cannot_say(
    tmp_path: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.groups["SHELPERS"] = ["UHELPER"]
    monkeypatch.setenv("COACH_ROLES__AGENT_GROUPS", '["SHELPERS"]')
    async with bot_on(tmp_path, fake, monkeypatch) as r:
        fake.server_error["usergroups.users.list"] = 100  # down, for longer than its expiry
        directory = r.adapter.groups
        directory.clock = lambda: time.monotonic() + 10 * MEMBERSHIP_MAX_AGE
        await directory.refresh()
        await r.event(message_event("Ev1", CUSTOMER, "Hi, my export fails.", ROOT_TS))
        await r.event(message_event("Ev2", "UHELPER", "Looking into it.", ts(30), ROOT_TS))
        await r.event(message_event("Ev3", CUSTOMER, ANGRY, ts(60), ROOT_TS))
        [tip] = await fake.wait_for("chat.postEphemeral")
        assert tip.args["user"] == "UHELPER"
        await r.bot.runtime.drain()
        events = (await r.bot.store.slice(0, 2e9)).events
        assert {(e.author, e.role) for e in events} == {
            (CUSTOMER, "customer"),
            ("UHELPER", "agent"),
        }


async def test_while_a_group_was_never_read_events_wait_and_are_taken_once_it_is(
    tmp_path: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nobody is taken for a customer on a guess: Slack redelivers what got 503."""
    fake.groups["SHELPERS"] = ["UHELPER"]
    fake.server_error["usergroups.users.list"] = 100  # down from the start
    monkeypatch.setenv("COACH_ROLES__AGENT_GROUPS", '["SHELPERS"]')
    async with bot_on(tmp_path, fake, monkeypatch) as r:
        thread = [
            message_event("Ev1", CUSTOMER, "Hi, my export fails.", ROOT_TS),
            message_event("Ev2", "UHELPER", "Looking into it.", ts(30), ROOT_TS),
            message_event("Ev3", CUSTOMER, ANGRY, ts(60), ROOT_TS),
        ]
        for event in thread:
            assert (await r.event(event)).status == 503
        await r.bot.runtime.drain()
        assert (await r.bot.store.slice(0, 2e9)).events == []
        fake.server_error["usergroups.users.list"] = 0
        await r.adapter.groups.refresh()
        for event in thread:  # Slack's retries
            assert (await r.event(event, headers={"X-Slack-Retry-Num": "1"})).status == 200
        [tip] = await fake.wait_for("chat.postEphemeral")
        assert tip.args["user"] == "UHELPER"


# --- feedback ------------------------------------------------------------------------------


async def test_only_the_tips_agent_can_rate_it(running: Running, fake: FakeSlack) -> None:
    await start_thread(running)
    await running.event(message_event("Ev3", CUSTOMER, ANGRY, ts(60), ROOT_TS))
    [call] = await fake.wait_for("chat.postEphemeral")
    actions = next(b for b in call.args["blocks"] if b["type"] == "actions")
    nudge_id = actions["elements"][0]["value"]
    for user in (SUPERVISOR, CUSTOMER, AGENT):
        body = action_body(user, "coach_helpful", nudge_id, fake.response_url(user))
        assert (await running.post(body, "application/x-www-form-urlencoded")).status == 200
    await fake.wait_until(lambda: len(fake.responses) == 3)
    feedback = (await running.bot.store.slice(0, 2e9)).feedback
    assert [(f.user, f.helpful) for f in feedback] == [(AGENT, True)]
    answers = [r["text"] for r in fake.responses]
    assert answers.count("This tip was for someone else.") == 2


# --- signing -------------------------------------------------------------------------------


async def test_a_timestamp_that_is_not_a_number_gets_401(
    running: Running, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    payload = json.dumps(message_event("Ev9", CUSTOMER, ANGRY, ts(60), ROOT_TS)).encode()
    for stamp in ("abc", "", "1e9", "١٧٠٠٠٠٠٠٠٠"):
        headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=00"}
        response = await running.post(payload, "application/json", headers=headers)
        assert response.status == 401, stamp
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_adapter_refuses_http_mode_without_a_signing_secret() -> None:
    options = SlackOptions(bot_token="xoxb-1", mode="http", signing_secret="")

    async def nothing(*_: Any) -> Any:
        return None

    with pytest.raises(AdapterFailed, match="SLACK_SIGNING_SECRET"):
        SlackAdapter(options, Roles(), nothing, nothing, nothing)  # type: ignore[arg-type]


def test_options_never_show_their_secrets() -> None:
    options = SlackOptions(
        bot_token="xoxb-111-secret", app_token="xapp-222-secret", signing_secret="s3cr3t-333"
    )
    shown = repr(options)
    assert "secret" not in shown.replace("signing_secret", "") and "333" not in shown


# --- logs ----------------------------------------------------------------------------------


async def test_a_failing_listener_is_logged_without_the_payload(
    running: Running, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="coach")

    class Exploding:
        async def submit(self, event: Any) -> bool:
            raise ValueError(f"boom {event.text} 4111 1111 1111 1111")

    running.adapter.sink = Exploding()
    await running.event(message_event("Ev1", CUSTOMER, "zanzibar customer words", ROOT_TS))
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == ["slack: a listener failed (ValueError)"]
    above_debug = [r for r in caplog.records if r.levelno > logging.DEBUG]
    assert "zanzibar" not in " ".join(r.getMessage() for r in above_debug)
