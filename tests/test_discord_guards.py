"""Discord's guards, each with a test that fails when the guard is removed: the staff
channel must be private and not the conversation's own, servers that are not configured
are not read, /coach is hidden from members by default, a rating counts only from the
tip's agent, and an archived thread closes its conversation.
Harness: tests/test_discord.py (the whole bot against the Discord fake)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.discord.commands import DEFAULT_PERMISSIONS, NOT_HERE
from tests.fakes.discord import (
    BOT_ID,
    GUILD,
    FakeDiscord,
    button_click,
    channel_payload,
    coach_command,
    guild_payload,
    hidden_from_everyone,
    message_payload,
    thread_payload,
)
from tests.test_discord import (
    AGENT,
    ANGRY,
    CUSTOMER,
    STAFF,
    SUPPORT,
    THREAD,
    Running,
    embed,
    guild,
    open_thread,
    started,
)

PUBLIC = "600000000000000009"  # "off-topic": every member can read it
OTHER_GUILD, OTHER_CHANNEL = "100000000000000077", "600000000000000077"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    guild(fake)
    stranger = guild_payload(OTHER_GUILD)  # a server someone else added the bot to
    stranger["channels"] = [{**channel_payload(OTHER_CHANNEL, "general"), "guild_id": OTHER_GUILD}]
    fake.guilds.append(stranger)
    await fake.start()
    yield fake
    await fake.stop()


async def tip_kept_for_the_inbox(r: Running, fake: FakeDiscord) -> None:
    """DMs closed: the heads-up can go neither by DM nor to the staff channel."""
    fake.closed_dms.add(AGENT)
    await open_thread(r)
    angry = await r.say(CUSTOMER, ANGRY, 60)
    await r.settled(angry["id"])
    answer = await r.command("inbox", AGENT)
    assert "frustrated" in embed(answer)["description"]


async def test_a_staff_channel_everyone_can_see_is_never_used(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with started(tmp_path, fake, monkeypatch, f'staff_channel = "{PUBLIC}"') as r:
        await tip_kept_for_the_inbox(r, fake)
        assert fake.sent_to(PUBLIC, status=None) == []


async def test_a_private_staff_channel_is_used(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control for the test above: the same set-up with STAFF (hidden from @everyone)
    posts the tip there."""
    async with started(tmp_path, fake, monkeypatch, f'staff_channel = "{STAFF}"') as r:
        fake.closed_dms.add(AGENT)
        await open_thread(r)
        await r.say(CUSTOMER, ANGRY, 60)
        await fake.wait_until(lambda: len(fake.sent_to(STAFF)) == 1)


STAFF_THREAD = "700000000000000031"  # a thread used as the staff channel


@pytest.mark.parametrize(
    ("kind", "parent", "private"),
    [
        (12, PUBLIC, True),  # a private thread of staff: only they see it, whatever the parent
        (11, PUBLIC, False),  # a public thread: whoever sees its channel sees it
        (11, STAFF, True),  # a public thread of a channel hidden from @everyone
    ],
)
async def test_a_thread_as_staff_channel_is_as_private_as_who_can_see_it(
    tmp_path: Path,
    fake: FakeDiscord,
    monkeypatch: pytest.MonkeyPatch,
    kind: int,
    parent: str,
    private: bool,
) -> None:
    fake.guilds[0]["threads"].append(thread_payload(STAFF_THREAD, parent, AGENT, "tips", kind))
    fake.thread_members[STAFF_THREAD] = [AGENT, BOT_ID]  # a private thread's: staff only
    async with started(tmp_path, fake, monkeypatch, f'staff_channel = "{STAFF_THREAD}"') as r:
        if private:
            fake.closed_dms.add(AGENT)
            await open_thread(r)
            await r.say(CUSTOMER, ANGRY, 60)
            await fake.wait_until(lambda: len(fake.sent_to(STAFF_THREAD)) == 1)
        else:
            await tip_kept_for_the_inbox(r, fake)
            assert fake.sent_to(STAFF_THREAD, status=None) == []


async def test_a_staff_channel_is_not_used_while_the_servers_roles_are_unknown(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the @everyone role nothing shows the channel private: assume it is not."""
    fake.guilds[0]["roles"] = []
    async with started(tmp_path, fake, monkeypatch, f'staff_channel = "{STAFF}"') as r:
        await tip_kept_for_the_inbox(r, fake)
        assert fake.sent_to(STAFF, status=None) == []


async def test_the_conversations_own_channel_is_never_the_staff_channel(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Even a private support channel: the customer reads it.
    fake.guilds[0]["channels"] = [
        hidden_from_everyone(c) if c["id"] == SUPPORT else c for c in fake.guilds[0]["channels"]
    ]
    async with started(tmp_path, fake, monkeypatch, f'staff_channel = "{SUPPORT}"') as r:
        await tip_kept_for_the_inbox(r, fake)
        assert fake.sent_to(SUPPORT, status=None) == []


async def test_events_from_servers_that_are_not_configured_are_dropped(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with started(tmp_path, fake, monkeypatch) as r:
        # The agent helps a customer in a server that is not ours: nothing is read there.
        for author, text, at in ((CUSTOMER, "Hi, my invoice?", 0), (AGENT, "Let me see.", 30)):
            payload = message_payload(OTHER_CHANNEL, author, text, at=at, guild=OTHER_GUILD)
            await fake.dispatch("MESSAGE_CREATE", payload)
        stray = message_payload(OTHER_CHANNEL, CUSTOMER, ANGRY, guild=OTHER_GUILD)
        await fake.dispatch("MESSAGE_CREATE", stray)
        await fake.dispatch("MESSAGE_DELETE", {"id": stray["id"], "channel_id": OTHER_CHANNEL,
                                               "guild_id": OTHER_GUILD})  # fmt: skip
        ours = await r.say(CUSTOMER, "Hello?", 40)
        await r.settled(ours["id"])
        assert {e.conversation.workspace for e in r.sink.events} == {GUILD}
        assert fake.dms_to(AGENT) == []


async def test_commands_from_servers_that_are_not_configured_are_not_served(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with started(tmp_path, fake, monkeypatch):
        payload = coach_command("me", AGENT, channel=OTHER_CHANNEL)
        payload["guild_id"] = payload["data"]["guild_id"] = OTHER_GUILD
        payload["channel"]["guild_id"] = OTHER_GUILD
        await fake.dispatch("INTERACTION_CREATE", payload)
        await fake.wait_until(lambda: fake.callbacks())
        answer = fake.callbacks()[-1].body
        assert answer["data"]["embeds"][0]["title"] == NOT_HERE.title
        assert answer["data"]["flags"] == 64  # ephemeral


async def test_coach_is_hidden_from_members_until_an_admin_allows_roles(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with started(tmp_path, fake, monkeypatch):
        await fake.wait_until(lambda: fake.of("PUT", "/applications/"))
        [coach] = fake.of("PUT", "/applications/")[0].body
        assert str(coach["default_member_permissions"]) == "0" == str(DEFAULT_PERMISSIONS.value)


async def test_a_rating_counts_only_from_the_tips_agent_whatever_the_button_says(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with started(tmp_path, fake, monkeypatch) as r:
        await open_thread(r)
        await r.say(CUSTOMER, ANGRY, 60)
        [dm] = await fake.wait_dms(AGENT)
        helpful = dm.body["components"][0]["components"][0]["custom_id"]
        sent = message_payload(fake.dm_channel(AGENT) or "", "100000000000000001", "", bot=True)
        sent["embeds"], sent["components"] = dm.body["embeds"], dm.body["components"]
        forged = f"{helpful}:{CUSTOMER}"  # the old format, naming the clicker as the agent
        click = button_click(CUSTOMER, forged, sent, fake.dm_channel(AGENT) or "")
        await fake.dispatch("INTERACTION_CREATE", click)
        await fake.wait_until(lambda: len(fake.callbacks()) == 1)
        assert fake.callbacks()[0].body["data"]["content"] == "This tip was for someone else."
        assert (await r.bot.store.slice(0, 2e9)).feedback == []


async def test_an_archived_thread_closes_the_conversation_in_the_store(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with started(tmp_path, fake, monkeypatch) as r:
        await open_thread(r)
        await r.say(CUSTOMER, "Still waiting for an answer.", 60)
        archived = thread_payload(THREAD, SUPPORT, CUSTOMER, "My invoice")
        archived["thread_metadata"] |= {"archived": True}
        await fake.dispatch("THREAD_UPDATE", archived)
        await r.sink.wait(
            lambda: any(type(e).__name__ == "ConversationClosed" for e in r.sink.events)
        )
        await r.bot.runtime.drain()
        assert [s.conversation.thread for s in await r.bot.store.open_states()] == []
        assert await r.bot.store.due(1e12) == []  # no waiting reminder for a closed thread


async def test_each_route_is_recorded_with_the_nudge(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DM, staff channel, inbox: what reached the agent, and how, is what the store says."""

    async def routes(r: Running) -> list[tuple[str, str]]:
        return [(n.status, n.route) for n in (await r.bot.store.slice(0, 2e9)).nudges]

    async with started(tmp_path, fake, monkeypatch, f'staff_channel = "{STAFF}"') as r:
        await open_thread(r)
        angry = await r.say(CUSTOMER, ANGRY, 60)
        await fake.wait_dms(AGENT)
        await r.settled(angry["id"])
        assert await routes(r) == [("sent", "dm")]
        fake.closed_dms.add(AGENT)
        reply = await r.say(AGENT, "Please send your order number.", 90)
        await fake.wait_until(lambda: len(fake.sent_to(STAFF)) == 1)
        await r.settled(reply["id"])
        assert await routes(r) == [("sent", "dm"), ("sent", "staff_channel")]


async def test_a_staff_channel_in_another_server_is_never_used(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    stranger = fake.guilds[1]
    stranger["channels"] = [hidden_from_everyone(c) for c in stranger["channels"]]  # even private
    async with started(tmp_path, fake, monkeypatch, f'staff_channel = "{OTHER_CHANNEL}"') as r:
        await tip_kept_for_the_inbox(r, fake)
        assert fake.sent_to(OTHER_CHANNEL, status=None) == []
        [nudge] = (await r.bot.store.slice(0, 2e9)).nudges
        assert (nudge.status, nudge.route) == ("kept", "inbox")


def test_an_edit_by_a_bot_or_a_webhook_is_not_a_persons_edit() -> None:
    from adapters.discord.translate import edit_from_payload

    base = {"id": "11", "content": "now angry", "edited_timestamp": "2030-01-01T00:00:00+00:00",
            "author": {"id": "22"}, "member": {"roles": ["33", 44]}, "type": 19}  # fmt: skip
    post = edit_from_payload(base)
    assert post is not None and post.written_by_a_person
    assert (post.author, post.role_ids, post.kind, post.text) == (
        "22",
        {"33", "44"},
        19,
        "now angry",
    )
    for change in ({"author": {"id": "22", "bot": True}}, {"webhook_id": "55"}, {"type": 7}):
        edited = edit_from_payload({**base, **change})
        assert edited is not None and not edited.written_by_a_person, change
    for missing in ("content", "edited_timestamp", "id"):
        assert edit_from_payload({k: v for k, v in base.items() if k != missing}) is None
    assert edit_from_payload({**base, "author": {"name": "no id"}}) is None
