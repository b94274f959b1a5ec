"""Slack payloads -> engine events (adapters/slack/translate.py), exactly: edits,
deletions, ✅ closes, watched channels, Slack Connect members and per-message event ids.
Each test fails when the rule it names is removed."""

from __future__ import annotations

from typing import Any

from adapters.slack.translate import translate
from coaching.types import (
    ConversationClosed,
    ConversationRef,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    Role,
)
from tests.fakes.slack import TEAM, message_event

ROOT, REPLY = "1700000000.000100", "1700000060.000200"
THREAD = ConversationRef("slack", TEAM, "C1", ROOT)


def role_of(user: str, external: bool) -> Role:
    return Role.AGENT if user.startswith("UA") and not external else Role.CUSTOMER


def body(event: dict[str, Any], event_id: str = "Ev1") -> dict[str, Any]:
    return {"team_id": TEAM, "event_id": event_id, "event": event}


def test_a_message_is_named_by_the_message_not_the_delivery() -> None:
    first = translate(message_event("Ev1", "UCUST", "hi", REPLY, ROOT), role_of).event
    again = translate(message_event("Ev9", "UCUST", "hi", REPLY, ROOT), role_of).event
    assert isinstance(first, MessagePosted) and first == again
    assert first.event_id == f"slack:{TEAM}:C1:{REPLY}" and first.conversation == THREAD


def test_a_member_of_another_workspace_is_a_customer_whatever_their_id() -> None:
    internal = translate(message_event("Ev1", "UAGENT", "hi", REPLY, ROOT), role_of).event
    external = translate(
        message_event("Ev2", "UAGENT", "hi", REPLY, ROOT, user_team="T-OTHER"), role_of
    ).event
    assert isinstance(internal, MessagePosted) and internal.role is Role.AGENT
    assert isinstance(external, MessagePosted) and external.role is Role.CUSTOMER
    via_source = translate(
        message_event("Ev3", "UAGENT", "hi", REPLY, ROOT, source_team="T-OTHER"), role_of
    ).event
    assert isinstance(via_source, MessagePosted) and via_source.role is Role.CUSTOMER


def test_only_watched_channels_are_read() -> None:
    event = message_event("Ev1", "UCUST", "hi", REPLY, ROOT, channel="C2")
    assert translate(event, role_of, frozenset({"C1"})).event is None
    assert translate(event, role_of, frozenset({"C2"})).event is not None
    assert translate(event, role_of).event is not None  # nothing configured: every channel


def test_an_edit_becomes_message_edited_with_the_new_text() -> None:
    edit = {
        "type": "message",
        "subtype": "message_changed",
        "channel": "C1",
        "event_ts": "1700000100.000300",
        "message": {"user": "UCUST", "text": "now angry", "ts": REPLY, "thread_ts": ROOT},
        "previous_message": {"user": "UCUST", "text": "calm", "ts": REPLY, "thread_ts": ROOT},
    }
    event = translate(body(edit, "EvE"), role_of).event
    assert event == MessageEdited(
        event_id="slack:EvE",
        conversation=THREAD,
        message_id=REPLY,
        author="UCUST",
        role=Role.CUSTOMER,
        text="now angry",
        edited_at=1700000100.0003,
    )
    unchanged = {**edit, "message": {**edit["message"], "text": "calm"}}
    assert translate(body(unchanged), role_of).event is None  # e.g. a reply count changed


def test_a_deletion_becomes_message_deleted_in_its_thread() -> None:
    deletion = {
        "type": "message",
        "subtype": "message_deleted",
        "channel": "C1",
        "deleted_ts": REPLY,
        "event_ts": "1700000200.000400",
        "previous_message": {"user": "UCUST", "text": "x", "ts": REPLY, "thread_ts": ROOT},
    }
    event = translate(body(deletion, "EvD"), role_of).event
    assert event == MessageDeleted("slack:EvD", THREAD, REPLY, 1700000200.0004)


def test_a_check_mark_by_an_agent_closes_the_thread_and_nobody_else_can() -> None:
    def reaction(user: str, name: str = "white_check_mark") -> dict[str, Any]:
        return body(
            {
                "type": "reaction_added",
                "user": user,
                "reaction": name,
                "item": {"type": "message", "channel": "C1", "ts": ROOT},
                "event_ts": "1700000300.000500",
            },
            "EvR",
        )

    closed = translate(reaction("UAGENT"), role_of).event
    assert closed == ConversationClosed("slack:EvR", THREAD, 1700000300.0005)
    assert translate(reaction("UCUST"), role_of).event is None
    assert translate(reaction("UAGENT", "thumbsup"), role_of).event is None


def test_edits_by_bots_are_ignored_and_a_slack_connect_editor_stays_a_customer() -> None:
    edit = {
        "type": "message",
        "subtype": "message_changed",
        "channel": "C1",
        "event_ts": "1700000100.000300",
        "message": {"user": "UAGENT", "text": "now angry", "ts": REPLY, "thread_ts": ROOT},
        "previous_message": {"text": "calm"},
    }
    internal = translate(body(edit), role_of).event
    assert isinstance(internal, MessageEdited) and internal.role is Role.AGENT
    external = {**edit, "message": {**edit["message"], "user_team": "T-OTHER"}}
    edited = translate(body(external), role_of).event
    assert isinstance(edited, MessageEdited) and edited.role is Role.CUSTOMER
    by_bot = {**edit, "message": {**edit["message"], "bot_id": "B1"}}
    assert translate(body(by_bot), role_of).event is None
