"""The staff channel by effective permissions (security review, finding 5): a channel
hidden from @everyone but open to a role customers hold ("Members"), to Administrator
roles or to one customer, never receives tips naming customers; a private thread is
judged by its members (and by who may manage its channel's threads), and is not used
when Discord will not list them. The real discord.py client against the fake (harness:
tests/test_discord.py); when the staff channel is refused, the tip waits in the inbox."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.discord import BOT_ID, FakeDiscord, role_payload, thread_payload
from tests.test_discord import (
    AGENT,
    ANGRY,
    CUSTOMER,
    HELPER,
    HELPER_ROLE,
    LEAD_ROLE,
    STAFF,
    Running,
    guild,
    open_thread,
    started,
)
from tests.test_discord_guards import PUBLIC, tip_kept_for_the_inbox

MEMBERS, MODS = "500000000000000011", "500000000000000012"  # roles customers / moderators hold
VIEW, ADMINISTRATOR, MANAGE_THREADS = 1 << 10, 1 << 3, 1 << 34
PRIVATE_THREAD = "700000000000000041"

Json = dict[str, Any]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """The fake, not serving yet: each test sets up its server first."""
    fake = FakeDiscord()
    yield fake
    await fake.stop()


def allow(target: str, kind: int, bits: int = VIEW) -> Json:
    """A permission overwrite letting a role (kind 0) or a member (kind 1) in."""
    return {"id": target, "type": kind, "allow": str(bits), "deny": "0"}


async def set_up(
    fake: FakeDiscord, roles: list[Json], overwrites: list[Json], on: str = STAFF
) -> None:
    """The support server with extra roles, and extra overwrites on channel ``on`` (STAFF
    is hidden from @everyone); then the fake serves it."""
    guild(fake)
    fake.guilds[0]["roles"] += roles
    for channel in fake.guilds[0]["channels"]:
        if channel["id"] == on:
            channel["permission_overwrites"] = channel["permission_overwrites"] + overwrites
    await fake.start()


async def tip_posted_in(r: Running, fake: FakeDiscord, channel: str) -> None:
    fake.closed_dms.add(AGENT)
    await open_thread(r)
    await r.say(CUSTOMER, ANGRY, 60)
    await fake.wait_until(lambda: len(fake.sent_to(channel)) == 1)


MEMBERS_ROLE = role_payload(MEMBERS, "Members", str(VIEW | (1 << 11)))  # view & send everywhere


@pytest.mark.parametrize(
    ("roles", "overwrites", "private"),
    [
        # the finding: hidden from @everyone, but open to a role customers hold
        ([MEMBERS_ROLE], [allow(MEMBERS, 0)], False),
        ([role_payload(MODS, "Mods", str(ADMINISTRATOR))], [], False),  # sees every channel
        ([], [allow(CUSTOMER, 1)], False),  # one customer let in
        # controls: a role that may view elsewhere is kept out here by @everyone's deny;
        # the staff's roles and members may view
        ([MEMBERS_ROLE], [], True),
        ([role_payload(HELPER_ROLE, "Helpers")], [allow(HELPER_ROLE, 0)], True),
        ([role_payload(LEAD_ROLE, "Leads")], [allow(LEAD_ROLE, 0), allow(AGENT, 1)], True),
    ],
)
async def test_a_staff_channel_is_used_only_when_nobody_but_staff_can_view_it(
    tmp_path: Path,
    fake: FakeDiscord,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    roles: list[Json],
    overwrites: list[Json],
    private: bool,
) -> None:
    await set_up(fake, roles, overwrites)
    caplog.set_level(logging.INFO)
    async with started(tmp_path, fake, monkeypatch, f'staff_channel = "{STAFF}"') as r:
        if private:
            await tip_posted_in(r, fake, STAFF)
            return
        await tip_kept_for_the_inbox(r, fake)
        assert fake.sent_to(STAFF, status=None) == []
    assert f"staff channel {STAFF} is not private" in caplog.text
    assert ANGRY not in caplog.text


@pytest.mark.parametrize(
    ("members", "helper_roles", "count", "private"),
    [
        ([AGENT, HELPER, BOT_ID], [HELPER_ROLE], 0, True),  # staff by ID and by role
        ([AGENT, HELPER, BOT_ID], [], 0, False),  # HELPER without the role: not staff
        ([AGENT, CUSTOMER, BOT_ID], [], 0, False),  # a customer was added to the thread
        (None, [], 0, False),  # Discord would not list them (no SERVER MEMBERS INTENT)
        ([AGENT, BOT_ID], [], 5, False),  # the list is shorter than the thread's count
    ],
)
async def test_a_private_thread_is_judged_by_its_members(
    tmp_path: Path,
    fake: FakeDiscord,
    monkeypatch: pytest.MonkeyPatch,
    members: list[str] | None,
    helper_roles: list[str],
    count: int,
    private: bool,
) -> None:
    await set_up(fake, [], [])
    thread = thread_payload(PRIVATE_THREAD, PUBLIC, AGENT, "tips", kind=12)
    fake.guilds[0]["threads"].append({**thread, "member_count": count})
    if members is not None:
        fake.thread_members[PRIVATE_THREAD] = members
    fake.member_roles[HELPER] = helper_roles
    async with started(tmp_path, fake, monkeypatch, f'staff_channel = "{PRIVATE_THREAD}"') as r:
        if private:
            await tip_posted_in(r, fake, PRIVATE_THREAD)
        else:
            await tip_kept_for_the_inbox(r, fake)
            assert fake.sent_to(PRIVATE_THREAD, status=None) == []


async def test_a_private_thread_is_not_private_from_those_who_manage_threads(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whoever may manage threads in the channel sees its private threads, members or not."""
    await set_up(
        fake, [role_payload(MODS, "Mods")], [allow(MODS, 0, VIEW | MANAGE_THREADS)], PUBLIC
    )
    fake.guilds[0]["threads"].append(thread_payload(PRIVATE_THREAD, PUBLIC, AGENT, "tips", 12))
    fake.thread_members[PRIVATE_THREAD] = [AGENT, BOT_ID]
    async with started(tmp_path, fake, monkeypatch, f'staff_channel = "{PRIVATE_THREAD}"') as r:
        await tip_kept_for_the_inbox(r, fake)
        assert fake.sent_to(PRIVATE_THREAD, status=None) == []
