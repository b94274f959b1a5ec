"""The survey, the summary's chart, highlights and the weekly digest through the real
slack-bolt / slack_sdk code against the loopback Slack fake (harness: test_slack.py).

Every check of who saw what is made on the fake's record of Web API calls: a survey is
an ephemeral whose buttons answer it (``coach:sv:...``)."""

from __future__ import annotations

import contextlib
import json
import struct
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.outreach import Question, answer_id
from bot.app import Bot
from bot.store.outreach import outreach_of
from config import load
from tests.fakes.slack import (
    Call,
    FakeSlack,
    action_body,
    message_event,
    reaction_event,
)
from tests.test_slack import (
    AGENT,
    CUSTOMER,
    ROOT_TS,
    SUPERVISOR,
    Running,
    start_thread,
    ts,
    write_config,
)

SURVEY_ON = "[survey]\nenabled = true\ndelay_seconds = 0\n"
KEY = f"slack:T1:C1:{ROOT_TS}"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()


def config(tmp_path: Path, fake: FakeSlack, extra: str = "", store_text: bool = False) -> Path:
    path = write_config(tmp_path, fake, extra=extra)
    text = path.read_text()
    if store_text:
        text = text.replace('url = "memory://"', 'url = "memory://"\nstore_text = true')
    path.write_text(text)
    return path


@contextlib.asynccontextmanager
async def started(path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Running]:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "test-signing-secret")
    bot = await Bot.build(load(path))
    await bot.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield Running(bot, session)
    finally:
        await bot.stop()


def running_with(extra: str) -> Any:
    @pytest.fixture
    async def running(
        tmp_path: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
    ) -> AsyncIterator[Running]:
        async with started(config(tmp_path, fake, extra), monkeypatch) as r:
            yield r

    return running


running = running_with(SURVEY_ON)
with_csat = running_with(SURVEY_ON + "csat = true\n")
survey_off = running_with("")


def surveys(fake: FakeSlack) -> list[Call]:
    """The survey ephemerals the fake was asked to show."""
    return [
        c
        for c in fake.of("chat.postEphemeral")
        if any(
            e["action_id"].startswith("coach:sv:")
            for b in c.args.get("blocks", [])
            if b["type"] == "actions"
            for e in b["elements"]
        )
    ]


def buttons(call: Call) -> list[list[str]]:
    return [
        [e["action_id"] for e in b["elements"]]
        for b in call.args["blocks"]
        if b["type"] == "actions"
    ]


async def click(
    r: Running,
    fake: FakeSlack,
    user: str,
    question: Question,
    score: int,
    n: str,
    key: str = KEY,
) -> None:
    body = action_body(user, answer_id(question, score, key), str(score), fake.response_url(n))
    before = len(fake.responses)
    assert (await r.post(body, "application/x-www-form-urlencoded")).status == 200
    await fake.wait_until(lambda: len(fake.responses) > before)


async def stored(r: Running) -> list[Any]:
    return await outreach_of(r.bot.store).surveys(0, 2e10)


def nothing_but_nudges_reached_the_agent(fake: FakeSlack) -> None:
    """Agents got tips only; nothing was ever posted for everyone to see."""
    survey_ids = {id(c) for c in surveys(fake)}
    to_agents = [c for c in fake.of("chat.postEphemeral") if c.args["user"] == AGENT]
    assert all(id(c) not in survey_ids for c in to_agents)
    assert fake.of("chat.postMessage") == []


# --- the survey ---------------------------------------------------------------------------


async def test_a_closed_thread_asks_its_customer_once_and_records_the_answer(
    running: Running, fake: FakeSlack
) -> None:
    await start_thread(running)
    await running.event(reaction_event("EvClose", AGENT, ROOT_TS))  # the agent's ✅
    await fake.wait_until(lambda: surveys(fake))
    [survey] = surveys(fake)
    assert survey.args["user"] == CUSTOMER
    assert (survey.args["channel"], survey.args["thread_ts"]) == ("C1", ROOT_TS)
    assert buttons(survey) == [[answer_id(Question.UNDERSTOOD, n, KEY) for n in range(1, 6)]]
    assert "Did you feel understood?" in survey.args["text"]

    # The ✅ retried by Slack, another ✅, the customer writing again and a third ✅:
    # never a second survey.
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    await running.event(reaction_event("EvClose", AGENT, ROOT_TS), headers=retry)
    await running.event(reaction_event("EvClose2", AGENT, ROOT_TS, "heavy_check_mark"))
    now = time.time()  # after the first ✅ (its time is when Slack sent it)
    await running.event(
        message_event("Ev7", CUSTOMER, "Oh, and one more thing.", f"{now:.6f}", ROOT_TS)
    )
    await running.event(
        message_event("Ev8", AGENT, "Sure, go ahead.", f"{now + 1e-3:.6f}", ROOT_TS)
    )
    await running.bot.runtime.drain()
    await running.event(reaction_event("EvClose3", AGENT, ROOT_TS))
    await running.bot.runtime.drain()
    closings = await outreach_of(running.bot.store).closings(0, 2e10)
    assert [c.at > now for c in closings] == [True]  # closed again, after the customer
    await running.bot.outreach.run_once()
    assert len(surveys(fake)) == 1

    await click(running, fake, CUSTOMER, Question.UNDERSTOOD, 4, "r1")
    thanks = fake.responses[-1]
    assert thanks["replace_original"] is True and "Thank you" in thanks["text"]
    [record] = await stored(running)
    assert (record.conversation, record.customer, record.understood) == (KEY, CUSTOMER, 4)

    # Someone else's click (forged: they never saw the ephemeral) is not recorded.
    await click(running, fake, AGENT, Question.UNDERSTOOD, 1, "r2")
    assert "for the customer" in fake.responses[-1]["text"]
    assert fake.responses[-1]["replace_original"] is False
    assert [r.understood for r in await stored(running)] == [4]
    nothing_but_nudges_reached_the_agent(fake)


async def test_a_customer_wrapping_up_is_asked_with_csat_and_both_answers_stored(
    with_csat: Running, fake: FakeSlack
) -> None:
    await start_thread(with_csat)
    await with_csat.event(
        message_event("Ev3", CUSTOMER, "Thanks, that fixed it. That's all, bye!", ts(60), ROOT_TS)
    )
    await fake.wait_until(lambda: surveys(fake))
    [survey] = surveys(fake)
    assert survey.args["user"] == CUSTOMER
    understood, csat = buttons(survey)
    assert understood[4] == answer_id(Question.UNDERSTOOD, 5, KEY)
    assert csat[0] == answer_id(Question.CSAT, 1, KEY)

    await click(with_csat, fake, CUSTOMER, Question.UNDERSTOOD, 5, "r1")
    left = fake.responses[-1]["blocks"]
    assert [b["block_id"] for b in left if b["type"] == "actions"] == ["coach_survey_csat"]
    await click(with_csat, fake, CUSTOMER, Question.CSAT, 4, "r2")
    [record] = await stored(with_csat)
    assert (record.understood, record.csat, record.csat_asked) == (5, 4, True)
    nothing_but_nudges_reached_the_agent(fake)


async def test_no_survey_unless_the_team_turned_it_on(survey_off: Running, fake: FakeSlack) -> None:
    await start_thread(survey_off)
    await survey_off.event(reaction_event("EvClose", AGENT, ROOT_TS))
    await survey_off.event(
        message_event("Ev3", CUSTOMER, "Thanks, that fixed it. That's all, bye!", ts(60), ROOT_TS)
    )
    await survey_off.bot.runtime.drain()
    closed = await survey_off.bot.store.slice(0, 2e10)
    assert [e.kind for e in closed.events].count("closed") == 1  # the closing was seen
    await survey_off.bot.outreach.run_once()
    assert surveys(fake) == [] and fake.of("chat.postEphemeral") == []


async def test_a_person_who_wrote_as_an_agent_is_never_surveyed(
    tmp_path: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A helper in the support user group answers; later they leave the group and write
    # "that's all, thanks" in the thread as a customer would: not theirs to close. When
    # the agent closes it, the customer who asked is surveyed, the helper is not.
    fake.groups["S1"] = ["UHELPER"]
    path = config(tmp_path, fake, SURVEY_ON)
    path.write_text(path.read_text().replace("[roles]\n", "[roles]\nagent_groups = ['S1']\n"))
    async with started(path, monkeypatch) as r:
        await r.event(message_event("Ev1", CUSTOMER, "Hi, my export fails.", ROOT_TS))
        await r.event(message_event("Ev2", "UHELPER", "Try the CSV option.", ts(30), ROOT_TS))
        await r.bot.runtime.drain()
        fake.groups["S1"] = []
        await r.adapter.groups.refresh()
        await r.event(message_event("Ev3", "UHELPER", "That's all, thanks.", ts(60), ROOT_TS))
        await r.bot.runtime.drain()
        await r.bot.outreach.run_once()
        assert surveys(fake) == []
        await r.event(reaction_event("EvClose", AGENT, ROOT_TS))  # the agent's ✅
        await fake.wait_until(lambda: surveys(fake))
        await r.bot.runtime.drain()
        await r.bot.outreach.run_once()
        assert [c.args["user"] for c in surveys(fake)] == [CUSTOMER]


# --- the summary's chart, highlights, the digest ----------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def acknowledged_thread(r: Running, root: str, at: float, n: int, reply: str = "") -> None:
    """A frustrated customer, an acknowledging reply, and the customer calming down."""
    reply = (
        reply
        or "I'm so sorry you've had to ask three times, that's really frustrating. I've fixed it now."
    )
    await r.event(
        message_event(
            f"Ev{n}a",
            CUSTOMER,
            "This is the third time I'm asking and I've been waiting for 3 days!!",
            root,
        )
    )
    await r.event(message_event(f"Ev{n}b", AGENT, reply, f"{at + 60:.6f}", root))
    await r.event(
        message_event(
            f"Ev{n}c", CUSTOMER, "Thanks, that fixed it. That's all, bye!", f"{at + 120:.6f}", root
        )
    )


async def test_the_summary_chart_goes_to_the_supervisors_dm_as_a_png(
    running: Running, fake: FakeSlack
) -> None:
    yesterday = time.time() - 86_400 - 600
    await acknowledged_thread(running, f"{yesterday:.6f}", yesterday, 1)
    await start_thread(running)
    await running.event(
        message_event(
            "Ev3", CUSTOMER, "This is ridiculous, nobody has answered in 3 days!!", ts(60), ROOT_TS
        )
    )
    await running.event(
        message_event("Ev4", AGENT, "Please send the invoice number.", ts(90), ROOT_TS)
    )
    await running.bot.runtime.drain()

    answer = await running.command("summary 7d", SUPERVISOR, fake)
    if answer["text"] == "Working on it…":  # drawing took longer than the inline budget
        await fake.wait_until(lambda: fake.responses)
        answer = fake.responses[-1]
    assert answer["response_type"] == "ephemeral" and "Coaching summary" in answer["text"]
    [done] = await fake.wait_for("files.completeUploadExternal", within=20)
    [asked] = fake.of("files.getUploadURLExternal")
    assert asked.args["filename"] == "coach-trend.png"
    data = fake.uploads[json.loads(done.args["files"])[0]["id"]]
    assert int(asked.args["length"]) == len(data)
    assert png_size(data) == (900, 600)
    # Into the supervisor's DM with the bot, never the channel the command came from.
    assert fake.of("conversations.open")[-1].args["users"] == SUPERVISOR
    assert done.args["channel_id"] == "DSUPER"


async def test_highlights_name_the_agent_and_quote_only_stored_redacted_replies(
    tmp_path: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    reply = (
        "I'm so sorry you've had to ask three times, that's really frustrating. "
        "I've sent the refund confirmation to dana@example.com."
    )
    for store_text in (True, False):
        async with started(config(tmp_path, fake, store_text=store_text), monkeypatch) as r:
            at = time.time() - 900
            await acknowledged_thread(r, f"{at:.6f}", at, 1, reply)
            await r.bot.runtime.drain()
            answer = await r.command("highlights 7d", SUPERVISOR, fake)
            text = answer["text"]
            assert "Highlights" in text and f"<@{AGENT}>" in text
            assert "acknowledged a frustrated customer, who calmed down" in text
            assert ("[email]" in text) is store_text
            assert "dana@example.com" not in text and CUSTOMER not in text
            assert "third time" not in text  # never the customer's words
            refused = await r.command("highlights", AGENT, fake)
            assert "only available to supervisors" in refused["text"]


async def test_the_weekly_digest_is_posted_once_and_says_nothing_about_customers(
    tmp_path: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    weekday, hour = now.strftime("%A").lower(), now.hour
    at = now.replace(minute=0, second=0, microsecond=0).timestamp() - 7200  # last week
    reply = (
        "I'm so sorry Dana, that's really frustrating. "
        "I've sent the refund confirmation to dana@example.com."
    )
    database = f'url = "sqlite+aiosqlite:///{tmp_path}/coach.db"\nstore_text = true'

    def settings(extra: str) -> Path:
        path = config(tmp_path, fake, extra)
        path.write_text(path.read_text().replace('url = "memory://"', database))
        return path

    # Last week: an acknowledged, calmed customer who rated the conversation 5.
    async with started(settings(SURVEY_ON), monkeypatch) as r:
        await acknowledged_thread(r, f"{at:.6f}", at, 1, reply)
        await fake.wait_until(lambda: surveys(fake))
        await click(r, fake, CUSTOMER, Question.UNDERSTOOD, 5, "r1", f"slack:T1:C1:{at:.6f}")
    assert fake.of("chat.postMessage") == []

    for channel, name_agents in (("C0DIGEST0", False), ("C0DIGEST1", True)):
        flag = str(name_agents).lower()
        digest = f"[digest]\nchannel = '{channel}'\nweekday = '{weekday}'\nhour = {hour}\n"
        digest += f"name_agents = {flag}\nquote_replies = {flag}\n"
        async with started(settings(digest), monkeypatch) as r:  # due: posted at start
            [posted] = await fake.wait_for("chat.postMessage", within=20)
            await r.bot.outreach.run_once()
        async with started(settings(digest), monkeypatch) as r:  # a restart, or a replica
            await r.bot.outreach.run_once()
            assert fake.of("chat.postMessage") == [posted]  # once a week
        fake.calls.clear()
        assert posted.args["channel"] == channel
        shown = json.dumps(posted.args)
        assert "Weekly empathy digest" in shown and "Highlights: 1" in shown
        assert "who calmed down and felt understood (5/5)" in shown
        assert (f"<@{AGENT}>" in shown) is name_agents
        assert ("[email]" in shown) is name_agents  # the agent's reply, quoted, redacted
        for private in (CUSTOMER, "dana@example.com", "<#C1>", "third time", "waiting"):
            assert private not in shown, private
        if not name_agents:
            assert "Dana" not in shown and AGENT not in shown
