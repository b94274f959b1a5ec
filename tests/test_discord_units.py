"""The Discord adapter's pure parts: the plain-channel conversation rule, event IDs,
rendering limits and the invite URL."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

from adapters.base import Report
from adapters.discord import invite, render
from adapters.discord.conversations import PlainChannelConversations, Recent
from adapters.discord.translate import Place, Post, edit_from_payload, posted, trigger_message
from coaching.types import Role

WINDOW = 30 * 60.0


def test_customers_in_one_channel_get_their_own_conversations() -> None:
    c = PlainChannelConversations(WINDOW)
    assert c.assign("C", "m1", "alice", True, 0) == "m1"
    assert c.assign("C", "m2", "bob", True, 5) == "m2"
    assert c.assign("C", "m3", "alice", True, 60) == "m1"  # a burst: same conversation
    # A helper's reply joins the conversation of the message replied to.
    assert c.assign("C", "m4", "helper", False, 70, reply_to="m2", reply_to_author="bob") == "m2"
    # A customer replying to the helper stays in that chain.
    assert c.assign("C", "m5", "bob", True, 80, reply_to="m4", reply_to_author="helper") == "m2"
    # Another channel is another place.
    assert c.assign("D", "m6", "alice", True, 90) == "m6"


def test_a_helper_without_a_reply_answers_the_mentioned_or_the_latest() -> None:
    c = PlainChannelConversations(WINDOW)
    c.assign("C", "m1", "alice", True, 0)
    c.assign("C", "m2", "bob", True, 10)
    assert c.assign("C", "m3", "helper", False, 20, mentions=("alice",)) == "m1"
    assert c.assign("C", "m4", "bob", True, 30) == "m2"
    assert c.assign("C", "m5", "helper", False, 40) == "m2"  # whoever spoke last
    # A reply to a message from before a restart: that message names the conversation.
    assert (
        c.assign("C", "m6", "helper", False, 50, reply_to="old", reply_to_author="carol") == "old"
    )


def test_windows_close_and_a_helper_alone_is_no_conversation() -> None:
    c = PlainChannelConversations(WINDOW)
    assert c.assign("C", "m0", "helper", False, 0) is None
    c.assign("C", "m1", "alice", True, 10)
    assert c.assign("C", "m2", "alice", True, 10 + WINDOW + 1) == "m2"  # a new conversation
    assert c.assign("C", "m3", "helper", False, 10 + 3 * WINDOW) is None
    # A replayed message keeps the conversation it got the first time.
    assert c.assign("C", "m1", "alice", True, 10 + 4 * WINDOW) == "m1"
    assert c.lookup("m2") == "m2" and c.lookup("unknown") is None


def test_memory_is_bounded() -> None:
    recent: Recent[str, int] = Recent(3)
    for i in range(10):
        recent.set(str(i), i)
    assert len(recent) == 3 and recent.get("0") is None and recent.get("9") == 9


def test_event_ids_and_conversations() -> None:
    place = Place("G", "C", "T", "CAT")
    post = Post("123", "U", False, frozenset(), "hello", 1_700_000_000.0)
    event = posted(place.conversation("T"), post, Role.CUSTOMER)
    assert event.event_id == "discord:123" and event.conversation.key == "discord:G:C:T"
    assert "hello" not in repr(event) and "hello" not in repr(post)
    assert place.watched(frozenset()) and place.watched(frozenset({"CAT"}))
    assert not place.watched(frozenset({"other"}))
    assert trigger_message("discord:123#wait2") == "123" and trigger_message("slack:1.2") is None


def test_edits_without_new_text_are_not_edits() -> None:
    base = {"id": "1", "author": {"id": "2"}, "content": "x", "type": 0}
    assert edit_from_payload({**base, "edited_timestamp": None}) is None  # an embed unfurled
    assert edit_from_payload({"id": "1", "embeds": []}) is None  # a partial update
    edit = edit_from_payload({**base, "edited_timestamp": "2024-05-01T10:00:00+00:00"})
    assert edit is not None and edit.at == 1_714_557_600.0 and edit.message_id == "1"


def test_reports_fit_discord_embed_limits() -> None:
    report = Report(
        title="t" * 300,
        fields=tuple((f"f{i}", "v" * 2000) for i in range(30)),
        lines=("l" * 5000,),
        chart=(("2024-05-01", 1.0), ("2024-05-02", 3.0)),
        chart_title="Per day",
        footer="Only you can see this.",
    )
    embed = render.report_embed(report).to_dict()
    assert len(embed["title"]) <= 256 and len(embed["fields"]) == 25
    assert all(len(f["value"]) <= 1024 for f in embed["fields"])
    assert len(embed["description"]) <= 4096


def test_feedback_ids_round_trip() -> None:
    custom_id = render.feedback_id(False, "abc123")
    assert len(custom_id) <= 100 and render.parse_feedback_id(custom_id) == (False, "abc123")
    assert "42" not in custom_id  # the agent is not in the button: the store knows it
    assert render.parse_feedback_id("coach:fb:1:abc123:42") == (True, "abc123")  # older tips
    assert render.parse_feedback_id("something:else") is None
    assert render.parse_feedback_id("coach:fb:2:abc123") is None


def test_invite_url_has_the_minimal_permissions() -> None:
    url = invite.invite_url("123", guild="456")
    query = parse_qs(urlsplit(url).query)
    assert query["scope"] == ["bot applications.commands"]
    assert int(query["permissions"][0]) == 1024 | 2048 | 16384 | (1 << 38)
    assert query["guild_id"] == ["456"]
    token = base64.b64encode(b"987654321098765432").decode().rstrip("=") + ".x.y"
    assert invite.client_id_from_token(token) == "987654321098765432"
    assert invite.client_id_from_token("not a token") is None
    assert invite.describe(None, None)[0] == 2


def test_only_watched_channels_threads_or_categories_are_read() -> None:
    from adapters.discord.translate import Place

    thread = Place("G1", "C1", "T1", "CAT1")
    assert thread.watched(frozenset())  # nothing configured: everything
    for watched in ({"C1"}, {"T1"}, {"CAT1"}):
        assert thread.watched(frozenset(watched))
    assert not thread.watched(frozenset({"C2", "CAT2"}))
    assert not Place("G1", "C2").watched(frozenset({"C1"}))
