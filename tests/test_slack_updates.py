# ruff: noqa: F811  (storage_url is a fixture from tests/pg.py)
"""One-click and automatic updates to the customer through the real slack-bolt /
slack_sdk code against the loopback Slack fake (harness: test_slack.py), on SQLite and
PostgreSQL.

An agent promises an update and misses it: the reminder (an ephemeral) carries the drafted
update and its buttons; a click by the agent posts it in the thread once — a second click,
a retried interaction, someone else's click and a click after a restart post nothing more
— and the reminder stops. "Edit first" opens a modal whose text is sent instead. With the
option off, no button and nothing posted; the automatic update is posted by itself, once,
only when turned on. Every check is made on the fake's record of Web API calls."""

from __future__ import annotations

import contextlib
import json
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.updates import EDIT_ACTION, SEND_ACTION
from bot.app import Bot
from coaching.updates import AUTO, PROMISED
from config import load
from tests import test_slack as slack_
from tests.fakes.slack import TEAM, Call, FakeSlack, action_body, message_event, serving
from tests.pg import storage_url  # noqa: F401 (a fixture)
from tests.test_bystander_e2e import HOUR, Later, on_store

ASKS = "Hi, my card was declined at checkout. Can you check?"
PROMISE = "I'll check with the card team and get back to you within 10 minutes."
ROOT, AGENT, CUSTOMER, OTHER = slack_.ROOT_TS, slack_.AGENT, slack_.CUSTOMER, "UOTHERAGENT"
ONE_CLICK = "[updates]\none_click = true\n"
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


@pytest.fixture
def storage(storage_url: str) -> str:
    return storage_url


@contextlib.asynccontextmanager
async def running(
    tmp_path: Path, fake: FakeSlack, storage: str, clock: Later, extra: str
) -> AsyncIterator[slack_.Running]:
    path = on_store(slack_.write_config(tmp_path, fake, extra=extra), storage)
    text = path.read_text().replace(f'agents = ["{AGENT}"]', f'agents = ["{AGENT}", "{OTHER}"]')
    path.write_text(text)
    bot = await Bot.build(load(path), clock=clock)
    await bot.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield slack_.Running(bot, session)
    finally:
        await bot.stop()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", slack_.SECRET)


async def reminded(r: slack_.Running, fake: FakeSlack, clock: Later) -> Call:
    """The customer asks, the agent promises 10 minutes, an hour passes: the reminder."""
    await r.event(message_event("Ev1", CUSTOMER, ASKS, ROOT))
    await r.event(message_event("Ev2", AGENT, PROMISE, slack_.ts(30), ROOT))
    await r.bot.runtime.drain()
    clock.offset = HOUR
    await r.bot.runtime.fire_timers()
    await r.bot.runtime.drain()
    [reminder] = [c for c in fake.of("chat.postEphemeral") if c.args["user"] == AGENT]
    assert "get back within 10 minutes" in reminder.args["text"]
    return reminder


def update_buttons(call: Call) -> dict[str, str]:
    """action_id -> value of the reminder's update buttons (none: {})."""
    return {
        e["action_id"]: e["value"]
        for b in call.args.get("blocks", [])
        if b["type"] == "actions" and b["block_id"] == "coach_update"
        for e in b["elements"]
    }


def posted(fake: FakeSlack) -> list[Call]:
    """What the bot posted where everyone in the channel reads it."""
    return fake.of("chat.postMessage")


async def click(
    r: slack_.Running, fake: FakeSlack, user: str, action: str, nudge_id: str, n: str, **kw: Any
) -> dict[str, Any]:
    body = action_body(user, action, nudge_id, fake.response_url(n))
    before = len(fake.responses)
    assert (await r.post(body, "application/x-www-form-urlencoded", **kw)).status == 200
    await fake.wait_until(lambda: len(fake.responses) > before)
    return fake.responses[-1]


def submission(user: str, nudge_id: str, text: str) -> bytes:
    """The edit modal submitted, as Slack sends a ``view_submission``."""
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": user},
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": "t3",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": "coach_update_modal",
            "private_metadata": nudge_id,
            "state": {"values": {"update": {"text": {"type": "plain_text_input", "value": text}}}},
        },
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()


async def submit(r: slack_.Running, user: str, nudge_id: str, text: str) -> dict[str, Any]:
    body = submission(user, nudge_id, text)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        **slack_.sign(slack_.SECRET, body),
    }
    async with r.session.post(r.url + "/slack/events", data=body, headers=headers) as answer:
        assert answer.status == 200
        raw = await answer.text()
        return json.loads(raw) if raw else {}


async def promise_of(r: slack_.Running) -> Any:
    async with r.bot.store.transaction(f"slack:T1:C1:{ROOT}") as tx:
        return tx.state.promised if tx.state is not None else None


async def test_the_agent_sends_the_drafted_update_once_and_the_reminder_stops(
    tmp_path: Path, storage: str, env: None
) -> None:
    clock = Later()
    async with serving() as fake:
        async with running(tmp_path, fake, storage, clock, ONE_CLICK) as r:
            reminder = await reminded(r, fake, clock)
            buttons = update_buttons(reminder)
            nudge_id = buttons[SEND_ACTION]
            assert buttons == {SEND_ACTION: nudge_id, EDIT_ACTION: nudge_id}
            assert PROMISED in json.dumps(reminder.args["blocks"], ensure_ascii=False)

            # Someone else (another agent, the customer) clicks: refused, nothing posted.
            for n, user in enumerate((OTHER, CUSTOMER)):
                refused = await click(r, fake, user, SEND_ACTION, nudge_id, f"x{n}")
                assert f"Only <@{AGENT}> can send this update" in refused["text"]
                assert refused["replace_original"] is False
            assert posted(fake) == []

            sent = await click(r, fake, AGENT, SEND_ACTION, nudge_id, "r1")
            assert sent["replace_original"] is True and "Sent to the customer" in sent["text"]
            [update] = posted(fake)
            assert (update.args["channel"], update.args["thread_ts"]) == ("C1", ROOT)
            assert update.args["text"] == f"Update from <@{AGENT}>: {PROMISED}"

            # A double click and a retried interaction: nothing more.
            again = await click(r, fake, AGENT, SEND_ACTION, nudge_id, "r2")
            await click(r, fake, AGENT, SEND_ACTION, nudge_id, "r3", headers=RETRY)
            assert "sent already" in again["text"]
            assert len(posted(fake)) == 1

            # It counts as the agent's update: the missed promise is replaced by the
            # update's own (no time: owed `waiting_minutes` on), so no reminder now.
            promise = await promise_of(r)
            assert (promise.agent, promise.when) == (AGENT, "")
            assert promise.due == pytest.approx(clock.now() + 600, abs=30)
            before = len(fake.of("chat.postEphemeral"))
            await r.bot.runtime.fire_timers()
            await r.bot.runtime.drain()
            assert len(fake.of("chat.postEphemeral")) == before

        # After a restart on the same store: still nothing more.
        async with running(tmp_path, fake, storage, clock, ONE_CLICK) as r:
            again = await click(r, fake, AGENT, SEND_ACTION, nudge_id, "r4")
            assert "sent already" in again["text"] and len(posted(fake)) == 1
            updates = [
                e
                for e in (await r.bot.store.slice(0, 2e10)).events
                if e.event_id.startswith("update:")
            ]
            assert [(e.author, e.role) for e in updates] == [(AGENT, "agent")]


async def test_editing_sends_the_edited_text_and_its_time_starts_the_new_promise(
    tmp_path: Path, storage: str, env: None
) -> None:
    clock = Later()
    async with serving() as fake, running(tmp_path, fake, storage, clock, ONE_CLICK) as r:
        nudge_id = update_buttons(await reminded(r, fake, clock))[EDIT_ACTION]

        refused = await click(r, fake, OTHER, EDIT_ACTION, nudge_id, "x1")
        assert f"Only <@{AGENT}>" in refused["text"] and fake.of("views.open") == []
        await click_without_answer(r, fake, AGENT, EDIT_ACTION, nudge_id)
        [opened] = await fake.wait_for("views.open")
        view = (
            json.loads(opened.args["view"])
            if isinstance(opened.args["view"], str)
            else opened.args["view"]
        )
        assert view["private_metadata"] == nudge_id
        assert view["blocks"][0]["element"]["initial_value"] == PROMISED

        # Someone else submitting (a forged view) is refused inside the modal.
        edited = (
            "The card team found it: a fraud hold. I'll update you within 30 minutes, <!channel>."
        )
        answer = await submit(r, OTHER, nudge_id, edited)
        assert answer["response_action"] == "errors" and posted(fake) == []
        assert await submit(r, AGENT, nudge_id, "   ") != {}  # empty: refused, modal stays
        assert await submit(r, AGENT, nudge_id, edited) == {}  # sent: the modal closes
        [update] = posted(fake)
        assert update.args["text"].startswith(f"Update from <@{AGENT}>: The card team found it")
        assert "<!channel>" not in update.args["text"]  # the agent's text cannot ping anyone
        assert (await promise_of(r)).when == "within 30 minutes"
        answer = await submit(r, AGENT, nudge_id, edited)
        assert answer["response_action"] == "errors" and len(posted(fake)) == 1


async def click_without_answer(
    r: slack_.Running, fake: FakeSlack, user: str, action: str, nudge_id: str
) -> None:
    body = action_body(user, action, nudge_id, fake.response_url("edit"))
    assert (await r.post(body, "application/x-www-form-urlencoded")).status == 200


async def test_with_one_click_off_there_is_no_button_and_nothing_is_posted(
    tmp_path: Path, storage: str, env: None
) -> None:
    clock = Later()
    async with serving() as fake, running(tmp_path, fake, storage, clock, "") as r:
        reminder = await reminded(r, fake, clock)
        assert update_buttons(reminder) == {} and PROMISED not in json.dumps(reminder.args)
        [nudge] = [n for n in (await r.bot.store.slice(0, 2e10)).nudges if n.kind == "waiting"]
        forged = await click(r, fake, AGENT, SEND_ACTION, nudge.nudge_id, "r1")
        assert "can no longer be sent" in forged["text"]
        clock.offset = 3 * HOUR  # no automatic update either
        await r.bot.runtime.fire_timers()
        await r.bot.runtime.drain()
        assert posted(fake) == []


async def test_the_automatic_update_is_posted_once_when_the_team_turned_it_on(
    tmp_path: Path, storage: str, env: None
) -> None:
    clock = Later()
    extra = "[updates]\nauto_after_minutes = 5\n"
    async with serving() as fake, running(tmp_path, fake, storage, clock, extra) as r:
        reminder = await reminded(r, fake, clock)
        assert update_buttons(reminder) == {}  # one_click is off: no button, no click taken
        [nudge] = [n for n in (await r.bot.store.slice(0, 2e10)).nudges if n.kind == "waiting"]
        forged = await click(r, fake, AGENT, SEND_ACTION, nudge.nudge_id, "r1")
        assert "can no longer be sent" in forged["text"]
        await r.bot.runtime.fire_timers()
        assert posted(fake) == []  # not yet: 5 minutes after the reminder
        clock.offset = HOUR + 6 * 60
        for _ in range(3):
            await r.bot.runtime.fire_timers()
            await r.bot.runtime.drain()
        [update] = posted(fake)
        assert update.args["text"] == f"Update from the support team: {AUTO}"
        assert (update.args["channel"], update.args["thread_ts"]) == ("C1", ROOT)
        assert not any(ch.isdigit() for ch in AUTO)  # never a time

        # It counts as the update: the reminders start afresh; still no second one until
        # the agent writes, however long the customer then waits.
        for offset in (4 * HOUR, 4 * HOUR + 600, 5 * HOUR):  # its reminder, and past it
            clock.offset = offset
            await r.bot.runtime.fire_timers()
            await r.bot.runtime.drain()
        assert len(posted(fake)) == 1
        reminders = [c for c in fake.of("chat.postEphemeral") if c.args["user"] == AGENT]
        assert len(reminders) == 3  # the automatic update's own promise, reminded twice
