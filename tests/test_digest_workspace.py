"""The weekly digest is bound to one workspace, end to end: the real slack-bolt and
discord.py clients against the loopback fakes, on SQLite and PostgreSQL. Two teams'
conversations sit in one store; the digest posted to team A's channel counts, names and
quotes only team A's, and a quoted reply's markup arrives escaped (it pings no one and
shows no one)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import Bot
from config import load
from tests.fakes import discord as dfake
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack, message_event
from tests.pg import storage_url  # noqa: F401  (a fixture)
from tests.test_discord import AGENT as D_AGENT
from tests.test_discord import CUSTOMER as D_CUSTOMER
from tests.test_discord import STAFF, THREAD, write_config
from tests.test_discord import Running as DRunning
from tests.test_discord import serving as discord_serving
from tests.test_slack import AGENT, CUSTOMER
from tests.test_slack_survey import config, started

ANGRY = "This is the third time I'm asking and I've been waiting for 3 days!!"
CALM = "Thanks, that fixed it. That's all, bye!"
SORRY = "I'm so sorry you've had to ask three times, that's really frustrating."
OTHER_AGENT, OTHER_CUSTOMER = "UAGENTB", "UCUSTB"
OTHER_WORDS = "Team B's own fix, never to be shown to team A"


def due_now() -> tuple[str, int, float]:
    """A digest due this hour (posted at start), and a moment in the week it covers."""
    now = datetime.now(UTC)
    return now.strftime("%A").lower(), now.hour, now.replace(minute=0, second=0).timestamp() - 7200


def digest_section(weekday: str, hour: int, channel: str, workspace: str = "") -> str:
    section = f"[digest]\nchannel = '{channel}'\nweekday = '{weekday}'\nhour = {hour}\n"
    section += "name_agents = true\nquote_replies = true\n"
    return section + (f"workspace = '{workspace}'\n" if workspace else "")


# --- Slack: one bot token, one workspace (the digest defaults to the token's team) ----------


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()


def in_team(team: str, payload: dict[str, Any]) -> dict[str, Any]:
    """An Events API payload as Slack delivers it for another workspace."""
    payload["team_id"] = payload["event"]["team"] = payload["event"]["user_team"] = team
    payload["authorizations"][0]["team_id"] = team
    return payload


async def slack_thread(
    r: Any, team: str, n: int, at: float, who: tuple[str, str], reply: str
) -> None:
    customer, agent = who
    root = f"{at:.6f}"
    for k, (user, text, offset) in enumerate(
        ((customer, ANGRY, 0), (agent, reply, 60), (customer, CALM, 120))
    ):
        ts = f"{at + offset:.6f}"
        event = message_event(f"Ev{team}{n}{k}", user, text, ts, None if k == 0 else root)
        assert (await r.event(in_team(team, event))).status == 200


async def test_a_slack_digest_counts_names_and_quotes_only_its_own_workspace(
    tmp_path: Path,
    slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    storage_url: str,  # noqa: F811
) -> None:
    fake, (weekday, hour, at) = slack, due_now()

    def settings(extra: str) -> Path:
        path = config(tmp_path, fake, extra)
        text = path.read_text().replace(
            'url = "memory://"', f'url = "{storage_url}"\nstore_text = true'
        )
        path.write_text(
            text.replace(f'agents = ["{AGENT}"]', f'agents = ["{AGENT}", "{OTHER_AGENT}"]')
        )
        return path

    quoted = f"{SORRY} <!channel> @here <@{CUSTOMER}> see <https://evil.example|the fix>"
    async with started(settings(""), monkeypatch) as r:
        await slack_thread(r, "T1", 1, at, (CUSTOMER, AGENT), quoted)
        await slack_thread(
            r, "T2", 1, at + 5, (OTHER_CUSTOMER, OTHER_AGENT), f"{SORRY} {OTHER_WORDS}"
        )
        await slack_thread(
            r, "T2", 2, at + 10, (OTHER_CUSTOMER, OTHER_AGENT), f"{SORRY} {OTHER_WORDS}"
        )
        await r.bot.runtime.drain()
        week = await r.bot.store.slice(at - 1, at + 1000)
        assert {e.conversation.split(":")[1] for e in week.events} == {"T1", "T2"}

    async with started(settings(digest_section(weekday, hour, "C0DIGEST0")), monkeypatch):
        [posted] = await fake.wait_for("chat.postMessage", within=20)
    fields = [f["text"] for b in posted.args["blocks"] for f in b.get("fields", ())]
    assert "*Conversations*\n1" in fields and "*Frustration episodes*\n1" in fields
    shown = posted.args["text"] + json.dumps(posted.args["blocks"], ensure_ascii=False)
    assert "Highlights: 1" in shown and f"<@{AGENT}>" in shown  # team A's agent, named
    for other in (OTHER_AGENT, OTHER_CUSTOMER, "Team B", "T2"):
        assert other not in shown, other
    # The quote: Slack's markup shown as text, a plain @here broken, no one named.
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in shown
    assert "@\u200bhere" in shown and "@here" not in shown
    assert "&lt;https://evil.example|the fix&gt;" in shown and "<https://" not in shown
    assert CUSTOMER not in shown and "@someone" in shown


# --- Discord: two servers served, the digest bound to the one configured --------------------

OTHER_GUILD, OTHER_PARENT, OTHER_THREAD = (
    "100000000000000077",
    "600000000000000077",
    "800000000000000077",
)
D_OTHER_AGENT, D_OTHER_CUSTOMER, ROLE = (
    "200000000000000077",
    "300000000000000077",
    "500000000000000077",
)


@pytest.fixture
async def two_servers() -> AsyncIterator[FakeDiscord]:
    """The fake's support server, and another one the bot is in."""
    async with discord_serving() as fake:
        other = dfake.guild_payload(OTHER_GUILD)
        parent = dfake.channel_payload(OTHER_PARENT, "support-b")
        thread = dfake.thread_payload(OTHER_THREAD, OTHER_PARENT, D_OTHER_CUSTOMER, "question")
        other["channels"] = [{**parent, "guild_id": OTHER_GUILD}]
        other["threads"] = [{**thread, "guild_id": OTHER_GUILD}]
        fake.guilds.append(other)
        yield fake


@contextlib.asynccontextmanager
async def discord_bot(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch, url: str, extra: str
) -> AsyncIterator[DRunning]:
    path = write_config(tmp_path, fake, extra)
    text = path.read_text().replace(
        f'guilds = ["{dfake.GUILD}"]', f'guilds = ["{dfake.GUILD}", "{OTHER_GUILD}"]'
    )
    text = text.replace(f'agents = ["{D_AGENT}"]', f'agents = ["{D_AGENT}", "{D_OTHER_AGENT}"]')
    path.write_text(text.replace('url = "memory://"', f'url = "{url}"\nstore_text = true'))
    monkeypatch.setenv("DISCORD_TOKEN", "test-token.discord.fake")
    bot = await Bot.build(load(path))
    await bot.start()
    try:
        yield DRunning(bot, fake)
    finally:
        await bot.stop()


async def discord_thread(
    r: DRunning, where: tuple[str, str], who: tuple[str, str], reply: str, at: float
) -> None:
    guild, thread = where
    customer, agent = who
    for author, text, offset in ((customer, ANGRY, 0), (agent, reply, 60), (customer, CALM, 120)):
        payload = dfake.message_payload(thread, author, text, at=at + offset, guild=guild)
        await r.fake.dispatch("MESSAGE_CREATE", payload)
    await r.settled(payload["id"])


async def test_a_discord_digest_counts_names_and_quotes_only_its_own_server(
    tmp_path: Path,
    two_servers: FakeDiscord,
    monkeypatch: pytest.MonkeyPatch,
    storage_url: str,  # noqa: F811
) -> None:
    fake = two_servers
    weekday, hour, at = due_now()
    quoted = f"{SORRY} @everyone <@{D_CUSTOMER}> <@&{ROLE}> @here"
    async with discord_bot(tmp_path, fake, monkeypatch, storage_url, "") as r:
        await discord_thread(r, (dfake.GUILD, THREAD), (D_CUSTOMER, D_AGENT), quoted, at)
        other = (D_OTHER_CUSTOMER, D_OTHER_AGENT)
        for n in range(2):
            reply = f"{SORRY} {OTHER_WORDS}"
            await discord_thread(r, (OTHER_GUILD, OTHER_THREAD), other, reply, at + 300 * (n + 1))
        week = await r.bot.store.slice(at - 1, at + 1000)
        assert {e.conversation.split(":")[1] for e in week.events} == {dfake.GUILD, OTHER_GUILD}

    digest = digest_section(weekday, hour, STAFF, workspace=dfake.GUILD)
    async with discord_bot(tmp_path, fake, monkeypatch, storage_url, "\n" + digest):
        await fake.wait_until(lambda: fake.sent_to(STAFF), within=20)
    [posted] = fake.sent_to(STAFF)
    assert posted.body["allowed_mentions"]["parse"] == []  # it pings no one, whatever it says
    [digest_embed] = posted.body["embeds"]
    fields = {f["name"]: f["value"] for f in digest_embed["fields"]}
    assert fields["Conversations"] == "1" and fields["Frustration episodes"] == "1"
    shown = json.dumps(posted.body, ensure_ascii=False)
    assert "Highlights: 1" in shown and f"<@{D_AGENT}>" in shown  # this server's agent
    for private in (D_OTHER_AGENT, D_OTHER_CUSTOMER, "Team B", OTHER_GUILD, D_CUSTOMER, ROLE):
        assert private not in shown, private
    assert "@\u200beveryone" in shown and "@\u200bhere" in shown and "@someone" in shown
    assert "@everyone" not in shown and "@here" not in shown
