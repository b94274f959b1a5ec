"""The ``[discord] guilds`` allowlist and the rate limits beyond ``/coach``'s own commands
(security review, finding 8): ``/coach practice`` is served only in the configured
servers and counts against the same per-person limit as every ``/coach`` command; a DM is
answered only for members of a configured server, and only so many per person; with
``guilds`` set, a global ``/coach`` left by an earlier run is removed at start. The real
discord.py client against the fake (harness: tests/test_discord.py), whose second server
(OTHER_GUILD, from tests/test_discord_guards.py) is one someone else added the bot to."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.commands import NOT_HERE
from bot.ops.ratelimit import MESSAGES_PER_USER, PER_USER
from bot.store.memory import MemoryStore
from tests.fakes.discord import (
    APP_ID,
    GUILD,
    FakeDiscord,
    coach_command,
    message_payload,
    snowflake,
)
from tests.test_discord import AGENT, SUPERVISOR, started
from tests.test_discord_guards import OTHER_CHANNEL, OTHER_GUILD, fake  # noqa: F401 (fixture)

STRANGER = "400000000000000099"  # in OTHER_GUILD, not in ours
SLOW_DOWN = "You're asking a lot at once"


def title(answer: dict[str, Any]) -> str:
    return str(answer["data"]["embeds"][0]["title"])


def practice(value: str) -> dict[str, Any]:
    return {"options": [{"name": "scenario", "type": 3, "value": value}]}


async def dm(server: FakeDiscord, author: str, channel: str) -> None:
    """A DM to the bot (a message without a guild)."""
    await server.dispatch("MESSAGE_CREATE", message_payload(channel, author, "hello?"))


async def test_with_guilds_a_global_coach_left_by_an_earlier_run_is_removed(
    tmp_path: Path,
    fake: FakeDiscord,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def command(name: str) -> dict[str, Any]:
        return {"id": snowflake(), "application_id": APP_ID, "version": snowflake(),
                "name": name, "description": name, "type": 1, "options": []}  # fmt: skip

    fake.global_commands = [command("coach"), command("other")]  # "other": not the coach's
    async with started(tmp_path, fake, monkeypatch):
        await fake.wait_until(lambda: fake.of("DELETE", f"/applications/{APP_ID}/commands/"))
        assert [c["name"] for c in fake.global_commands] == ["other"]
        assert fake.of("PUT", f"/applications/{APP_ID}/guilds/{GUILD}/commands")
        assert fake.of("PUT", f"/applications/{APP_ID}/commands") == []


async def test_without_guilds_coach_is_registered_globally_and_kept(
    tmp_path: Path,
    fake: FakeDiscord,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COACH_DISCORD__GUILDS", "[]")
    async with started(tmp_path, fake, monkeypatch):
        await fake.wait_until(lambda: fake.global_commands)
        assert [c["name"] for c in fake.global_commands] == ["coach"]
        assert fake.of("GET", f"/applications/{APP_ID}/commands") == []  # nothing looked for


async def test_practice_is_not_served_in_a_server_that_is_not_configured(
    tmp_path: Path,
    fake: FakeDiscord,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with started(tmp_path, fake, monkeypatch, "[practice]\n"):
        payload = coach_command("practice", AGENT, channel=OTHER_CHANNEL, **practice("list"))
        payload["guild_id"] = payload["data"]["guild_id"] = OTHER_GUILD
        await fake.dispatch("INTERACTION_CREATE", payload)
        await fake.wait_until(lambda: fake.callbacks())
        answer = fake.callbacks()[-1].body
        assert title(answer) == NOT_HERE.title and answer["data"]["flags"] == 64
        assert fake.of("POST", "/users/@me/channels") == []  # no practice DM opened


async def test_dms_are_answered_only_for_members_of_a_configured_server(
    tmp_path: Path,
    fake: FakeDiscord,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake.guild_members[GUILD] = {AGENT, SUPERVISOR}  # STRANGER is only in OTHER_GUILD
    caplog.set_level(logging.INFO)
    strangers_dm, agents_dm = snowflake(), snowflake()
    async with started(tmp_path, fake, monkeypatch, "[practice]\n"):
        await dm(fake, STRANGER, strangers_dm)
        looked_up = f"/guilds/{GUILD}/members/{STRANGER}"
        await fake.wait_until(lambda: fake.of("GET", looked_up, status=404))
        await dm(fake, STRANGER, strangers_dm)  # again: the answer is remembered
        await dm(fake, AGENT, agents_dm)
        await fake.wait_until(lambda: fake.sent_to(agents_dm))
        assert "No practice is running" in fake.sent_to(agents_dm)[0].body["content"]
        assert fake.sent_to(strangers_dm, status=None) == []
        assert len(fake.of("GET", looked_up)) == 1
        assert fake.of("GET", f"/guilds/{OTHER_GUILD}/members/") == []  # not a coached server
    assert f"DM from {STRANGER}, no member of a coached server, ignored" in caplog.text
    assert "hello?" not in caplog.text


async def test_dms_are_rate_limited_per_person(
    tmp_path: Path,
    fake: FakeDiscord,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    agents_dm, supervisors_dm = snowflake(), snowflake()
    async with started(tmp_path, fake, monkeypatch, "[practice]\n"):
        for _ in range(MESSAGES_PER_USER + 3):
            await dm(fake, AGENT, agents_dm)
        await fake.wait_until(lambda: len(fake.sent_to(agents_dm)) == MESSAGES_PER_USER)
        # Someone else is still answered; by then the agent's extra DMs were turned away.
        await dm(fake, SUPERVISOR, supervisors_dm)
        await fake.wait_until(lambda: fake.sent_to(supervisors_dm))
        assert len(fake.sent_to(agents_dm, status=None)) == MESSAGES_PER_USER


async def test_practice_commands_count_against_the_coach_limit(
    tmp_path: Path,
    fake: FakeDiscord,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with started(tmp_path, fake, monkeypatch, "[practice]\n") as r:
        for _ in range(PER_USER - 1):
            assert SLOW_DOWN not in title(await r.command("me", AGENT))
        assert SLOW_DOWN not in title(await r.command("practice", AGENT, **practice("list")))
        assert SLOW_DOWN in title(await r.command("practice", AGENT, **practice("list")))
        assert SLOW_DOWN in title(await r.command("me", AGENT))
        answer = await r.command("practice", SUPERVISOR, **practice("list"))  # one's own limit
        assert SLOW_DOWN not in title(answer)
        store = r.bot.store
        assert isinstance(store, MemoryStore)
        audited = [(user, name, allowed) for _, _, user, name, allowed in store.commands]
        assert audited[-3:] == [(AGENT, "practice", False), (AGENT, "me", False),
                                (SUPERVISOR, "practice", True)]  # fmt: skip
