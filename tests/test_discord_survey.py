"""The survey, the summary's chart, highlights and the weekly digest through the real
discord.py client against the loopback Discord fake (harness: test_discord.py).

A survey is the one message the bot ever posts where a customer can see it: in the
conversation, mentioning only the customer, with buttons whose IDs answer it."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.outreach import Question, answer_id
from bot.app import Bot
from bot.store.outreach import outreach_of
from config import load
from tests.fakes.discord import (
    GUILD,
    Call,
    FakeDiscord,
    interaction_payload,
    iso,
    message_payload,
    thread_payload,
)
from tests.test_discord import (
    AGENT,
    ANGRY,
    BASE,
    CUSTOMER,
    HELPER,
    HELPER_ROLE,
    NO_ACK,
    STAFF,
    SUPERVISOR,
    SUPPORT,
    THREAD,
    Running,
    embed,
    open_thread,
    serving,
    started,
    write_config,
)
from tests.test_slack_survey import png_size

SURVEY_ON = "\n[survey]\nenabled = true\ndelay_seconds = 0\n"
KEY = f"discord:{GUILD}:{SUPPORT}:{THREAD}"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with serving() as fake:
        yield fake


@pytest.fixture
async def running(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Running]:
    async with started(tmp_path, fake, monkeypatch, SURVEY_ON) as r:
        yield r


def surveys(fake: FakeDiscord) -> list[Call]:
    """Messages the bot posted with survey buttons."""
    return [
        c
        for c in fake.of("POST", "/channels/", status=200)
        if c.path.endswith("/messages")
        and any(
            b.get("custom_id", "").startswith("coach:sv:")
            for row in (c.body or {}).get("components", [])
            for b in row["components"]
        )
    ]


def only_surveys_and_agent_dms(fake: FakeDiscord) -> None:
    """Besides the surveys, the bot wrote only to agents, by DM; no DM to anyone else."""
    recipients = {str(c.body["recipient_id"]) for c in fake.of("POST", "/users/@me/channels")}
    assert recipients <= {AGENT, HELPER}
    agent_dms = {fake.dm_channel(a) for a in recipients}
    survey_ids = {id(c) for c in surveys(fake)}
    for call in fake.of("POST", "/channels/"):
        assert id(call) in survey_ids or call.path.split("/")[2] in agent_dms, call.path


async def archive(fake: FakeDiscord, at: float) -> None:
    archived = thread_payload(THREAD, SUPPORT, CUSTOMER, "My invoice")
    archived["thread_metadata"] |= {"archived": True, "archive_timestamp": iso(at)}
    await fake.dispatch("THREAD_UPDATE", archived)


async def click(r: Running, user: str, custom_id: str, roles: list[str] | None = None) -> Any:
    before = len(r.fake.callbacks())
    data = {"custom_id": custom_id, "component_type": 2}
    message = message_payload(THREAD, "100000000000000001", "", bot=True, guild=GUILD)
    payload = interaction_payload(3, user, data, roles=roles, channel=THREAD, message=message)
    await r.fake.dispatch("INTERACTION_CREATE", payload)
    await r.fake.wait_until(lambda: len(r.fake.callbacks()) > before)
    return r.fake.callbacks()[-1].body


async def test_an_archived_thread_asks_its_customer_once_and_records_only_their_answer(
    running: Running, fake: FakeDiscord
) -> None:
    await open_thread(running)
    await running.say(CUSTOMER, ANGRY, 60)
    await running.say(AGENT, NO_ACK, 90)
    await archive(fake, time.time() - 5)
    await fake.wait_until(lambda: surveys(fake))
    [survey] = surveys(fake)
    assert survey.path == f"/channels/{THREAD}/messages"  # in the conversation's thread
    body = survey.body
    assert (
        body["content"].startswith(f"<@{CUSTOMER}>")
        and "Did you feel understood?" in body["content"]
    )
    assert body["allowed_mentions"]["users"] == [int(CUSTOMER)]  # the only person it pings
    assert body["allowed_mentions"]["parse"] == []
    [row] = body["components"]
    assert [b["custom_id"] for b in row["components"]] == [
        answer_id(Question.UNDERSTOOD, n, KEY) for n in range(1, 6)
    ]

    # Archived again (a reopened thread, a replayed update): never a second survey.
    await archive(fake, time.time() - 2)
    await running.sink.wait(lambda: len(running.sink.events) >= 5)
    await running.bot.runtime.drain()
    await running.bot.outreach.run_once()
    assert len(surveys(fake)) == 1

    answered = await click(running, CUSTOMER, answer_id(Question.UNDERSTOOD, 2, KEY))
    assert answered["type"] == 4 and answered["data"]["flags"] == 64  # only they see it
    assert "Thank you" in answered["data"]["content"]
    refused = await click(running, AGENT, answer_id(Question.UNDERSTOOD, 5, KEY), [HELPER_ROLE])
    assert refused["data"]["flags"] == 64 and "for the customer" in refused["data"]["content"]
    [record] = await outreach_of(running.bot.store).surveys(0, 2e10)
    assert (record.conversation, record.customer, record.understood) == (KEY, CUSTOMER, 2)
    only_surveys_and_agent_dms(fake)


async def test_a_plain_channel_survey_answers_the_first_message_with_csat(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with started(tmp_path, fake, monkeypatch, SURVEY_ON + "csat = true\n") as r:
        first = await r.say(CUSTOMER, "Hi, my invoice shows the wrong amount.", 0, channel=SUPPORT)
        await r.say(
            AGENT,
            "Fixed, you'll get a new one today.",
            30,
            channel=SUPPORT,
            reply_to=first,
        )
        await r.say(CUSTOMER, "Thanks, that fixed it. That's all, bye!", 60, channel=SUPPORT)
        await fake.wait_until(lambda: surveys(fake))
        [survey] = surveys(fake)
        assert survey.path == f"/channels/{SUPPORT}/messages"
        assert survey.body["message_reference"]["message_id"] == int(first["id"])
        understood, csat = survey.body["components"]
        key = f"discord:{GUILD}:{SUPPORT}:{first['id']}"
        assert understood["components"][0]["custom_id"] == answer_id(Question.UNDERSTOOD, 1, key)
        assert csat["components"][4]["custom_id"] == answer_id(Question.CSAT, 5, key)
        await click(r, CUSTOMER, answer_id(Question.CSAT, 5, key))
        [record] = await outreach_of(r.bot.store).surveys(0, 2e10)
        assert (record.understood, record.csat) == (None, 5)
        only_surveys_and_agent_dms(fake)


async def test_a_helper_who_answered_as_an_agent_is_never_surveyed(
    running: Running, fake: FakeDiscord
) -> None:
    # A community helper answers with the helper role; later, without it, they write
    # "that's all, thanks" like a customer: not theirs to close. When the thread is
    # archived, the customer who asked is surveyed, the helper is not.
    await running.say(CUSTOMER, "Hi, my invoice shows the wrong amount.", 0)
    await running.say(
        HELPER, "Try downloading it again from the billing page.", 30, roles=[HELPER_ROLE]
    )
    wrap_up = await running.say(HELPER, "That's all, thanks.", 60)
    await running.settled(wrap_up["id"])
    await running.bot.outreach.run_once()
    assert surveys(fake) == []
    await archive(fake, time.time() - 5)
    await fake.wait_until(lambda: surveys(fake))
    await running.bot.outreach.run_once()
    [survey] = surveys(fake)
    assert survey.body["allowed_mentions"]["users"] == [int(CUSTOMER)]
    assert HELPER not in survey.body["content"]


async def test_no_survey_unless_the_team_turned_it_on(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with started(tmp_path, fake, monkeypatch) as r:
        await open_thread(r)
        wrap_up = await r.say(CUSTOMER, "Thanks, that fixed it. That's all, bye!", 60)
        await r.settled(wrap_up["id"])
        await r.bot.outreach.run_once()
        assert surveys(fake) == [] and fake.of("POST", f"/channels/{THREAD}") == []


async def test_the_summary_chart_is_attached_to_the_private_answer(
    running: Running, fake: FakeDiscord
) -> None:
    await running.say(CUSTOMER, ANGRY, -86_400, channel=SUPPORT)  # yesterday
    await running.say(AGENT, NO_ACK, -86_300, channel=SUPPORT)
    await open_thread(running)
    angry = await running.say(CUSTOMER, ANGRY, 60)
    await running.settled(angry["id"])
    await running.command("summary", SUPERVISOR)

    def with_files() -> list[Call]:  # the answer itself, or its follow-up when deferred
        return [c for c in fake.callbacks() + fake.of("POST", "/webhooks/") if c.files]

    await fake.wait_until(with_files, within=20)
    [call] = with_files()
    [(name, data)] = call.files
    assert name == "coach-trend.png" and png_size(data) == (900, 600)
    answer = call.body.get("data", call.body)
    assert answer["flags"] == 64  # ephemeral: only the supervisor sees it
    assert "Coaching summary" in embed(call)["title"]
    assert embed(call)["image"]["url"] == "attachment://coach-trend.png"
    assert [a["filename"] for a in answer["attachments"]] == ["coach-trend.png"]


@contextlib.asynccontextmanager
async def on_sqlite(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch, extra: str
) -> AsyncIterator[Running]:
    """The bot on a SQLite file kept across runs (a restart keeps what was recorded)."""
    path = write_config(tmp_path, fake, extra)
    database = f'url = "sqlite+aiosqlite:///{tmp_path}/coach.db"'
    path.write_text(path.read_text().replace('url = "memory://"', database))
    monkeypatch.setenv("DISCORD_TOKEN", "test-token.discord.fake")
    bot = await Bot.build(load(path))
    await bot.start()
    try:
        yield Running(bot, fake)
    finally:
        await bot.stop()


async def test_highlights_and_the_weekly_digest_post(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with on_sqlite(tmp_path, fake, monkeypatch, SURVEY_ON) as r:
        await r.say(CUSTOMER, ANGRY, -7200)
        await r.say(AGENT, "I'm so sorry, that's really frustrating. I've fixed it now.", -7140)
        calm = await r.say(CUSTOMER, "Thanks, that fixed it. That's all, bye!", -7080)
        await r.settled(calm["id"])
        answer = embed(await r.command("highlights", SUPERVISOR))
        assert f"<@{AGENT}>" in answer["description"]
        assert "who calmed down" in answer["description"]
        assert CUSTOMER not in json.dumps(answer)
        refused = await r.command("highlights", AGENT)
        assert "only available to supervisors" in embed(refused)["title"]

    now = datetime.now(UTC)
    due = now.replace(minute=0, second=0, microsecond=0).timestamp()
    assert due > BASE - 7080  # the conversation is in the week before the digest
    digest = f"\n[digest]\nchannel = '{STAFF}'\nweekday = '{now:%A}'\nhour = {now.hour}\n"
    async with on_sqlite(
        tmp_path, fake, monkeypatch, digest.lower().replace("[digest]", "[digest]")
    ):
        await fake.wait_until(lambda: fake.sent_to(STAFF))  # due now: posted at start
    [posted] = fake.sent_to(STAFF)
    assert posted.body["allowed_mentions"]["parse"] == []  # it pings no one
    shown = json.dumps(posted.body)
    assert "Weekly empathy digest" in shown and "Highlights: 1" in shown
    assert "An agent acknowledged a frustrated customer" in shown
    for private in (CUSTOMER, AGENT, THREAD, SUPPORT, "THIRD time"):
        assert private not in shown, private
