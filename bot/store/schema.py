"""The SQL schema of the store and how records turn into rows and back.

The tables are created by the Alembic migrations in ``bot/migrations`` (never by
``metadata.create_all``); ``metadata`` here describes the head revision and is what the
queries in ``bot/store/sql.py`` are written against. JSON is kept as plain text so one
code path serves SQLite and PostgreSQL.

No column holds message text except ``events.text`` (only when configured, redacted, and
only a message's latest version: an edit clears the earlier ones, a deletion all),
``nudges.payload`` (the nudge as it is shown, kept only while it may still be delivered
or sits in an agent's inbox) and ``inbox_events.payload`` (an event accepted but not yet
processed; the row is deleted in the transaction that processes it).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from bot.store.records import EventRecord, FeedbackRecord, NudgeRecord, SignalRecord
from coaching.state import ConversationState
from coaching.types import ConversationRef, Nudge, NudgeKind

# An integer primary key that autoincrements on both databases (SQLite needs INTEGER).
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

metadata = sa.MetaData()

conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("platform", sa.String, nullable=False),
    sa.Column("workspace", sa.String, nullable=False),
    sa.Column("channel", sa.String, nullable=False),
    sa.Column("thread", sa.String, nullable=False),
    sa.Column("state", sa.Text, nullable=True),  # ConversationState.to_dict() as JSON
    sa.Column("next_deadline", sa.Double, nullable=True, index=True),
    sa.Column("last_activity", sa.Double, nullable=False),
    sa.Column("closed", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.Double, nullable=False),  # wall clock of the last write
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("event_id", sa.String, primary_key=True),  # inserting it claims the event
    sa.Column("conversation", sa.String, nullable=False, index=True),
    sa.Column("kind", sa.String, nullable=False),  # "" while claimed but not yet saved
    sa.Column("message_id", sa.String, nullable=False),
    sa.Column("author", sa.String, nullable=False),
    sa.Column("role", sa.String, nullable=False),
    sa.Column("at", sa.Double, nullable=True, index=True),
    sa.Column("text", sa.Text, nullable=True),
    sa.Index("ix_events_author_at", "author", "at"),  # one agent's conversations
    sa.Index("ix_events_message_id", "message_id"),  # a message's earlier versions
)

signals = sa.Table(
    "signals",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String, nullable=False),
    sa.Column("conversation", sa.String, nullable=False, index=True),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("subject", sa.String, nullable=False),
    sa.Column("score", sa.Double, nullable=False),
    sa.Column("fired", sa.Boolean, nullable=False),
    sa.Column("cues", sa.Text, nullable=False),  # JSON list of cue names
    sa.Column("at", sa.Double, nullable=False, index=True),
    sa.Column("detector", sa.String, nullable=False, server_default=""),
    sa.Index("ix_signals_subject_at", "subject", "at"),  # a customer's history
)

nudges = sa.Table(
    "nudges",
    metadata,
    sa.Column("nudge_id", sa.String, primary_key=True),
    sa.Column("conversation", sa.String, nullable=False, index=True),
    sa.Column("agent", sa.String, nullable=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("trigger_event", sa.String, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False, index=True),
    sa.Column("status", sa.String, nullable=False),  # pending, sent, kept, failed
    sa.Column("route", sa.String, nullable=False),
    sa.Column("delivered_at", sa.Double, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("error", sa.String, nullable=False),
    sa.Column("lease_until", sa.Double, nullable=False),
    sa.Column("payload", sa.Text, nullable=True),  # the Nudge as JSON, while needed
    sa.Index("ix_nudges_status_lease", "status", "lease_until"),
    sa.Index("ix_nudges_agent_status", "agent", "status"),
)

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("nudge_id", sa.String, primary_key=True),
    sa.Column("user", sa.String, primary_key=True),
    sa.Column("helpful", sa.Boolean, nullable=False),
    sa.Column("at", sa.Double, nullable=False, index=True),
)

installation = sa.Table(  # per-installation values all replicas share
    "installation",
    metadata,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# The write-ahead inbox: an event is stored here before it is acknowledged, and deleted in
# the transaction that processes it. ``seq`` orders each conversation's events.
inbox_events = sa.Table(
    "inbox_events",
    metadata,
    sa.Column("seq", BigId, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String, nullable=False, unique=True),
    sa.Column("conversation", sa.String, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),  # the engine event as JSON
    sa.Column("received_at", sa.Double, nullable=False),  # wall clock when stored
    sa.Index("ix_inbox_events_conversation_seq", "conversation", "seq"),
)

# Which process works on a conversation's inbox events, until when (then anyone may).
inbox_leases = sa.Table(
    "inbox_leases",
    metadata,
    sa.Column("conversation", sa.String, primary_key=True),
    sa.Column("owner", sa.String, nullable=False),
    sa.Column("until", sa.Double, nullable=False),
)

# Events set aside because they failed alone (a poison), without their text (the runtime).
dead_letters = sa.Table(
    "dead_letters",
    metadata,
    sa.Column("event_id", sa.String, primary_key=True),
    sa.Column("conversation", sa.String, nullable=False),
    sa.Column("reason", sa.String, nullable=False),
    sa.Column("received_at", sa.Double, nullable=False),
    sa.Column("at", sa.Double, nullable=False),
)

commands = sa.Table(
    "commands",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Double, nullable=False, index=True),
    sa.Column("platform", sa.String, nullable=False),
    sa.Column("user", sa.String, nullable=False),
    sa.Column("command", sa.String, nullable=False),
    sa.Column("allowed", sa.Boolean, nullable=False),
)

# Practice (bot/practice/store.py): an agent's session in progress (step names, scores and
# cue names: no message text) and the results of finished ones.
practice_sessions = sa.Table(
    "practice_sessions",
    metadata,
    sa.Column("platform", sa.String, primary_key=True),
    sa.Column("agent", sa.String, primary_key=True),
    sa.Column("workspace", sa.String, nullable=False),
    sa.Column("session", sa.Text, nullable=False),  # roleplay.Session.to_dict() as JSON
    sa.Column("version", sa.Integer, nullable=False),  # bumped by every write
    sa.Column("last_message", sa.String, nullable=False),  # the reply last answered
    sa.Column("updated_at", sa.Double, nullable=False, index=True),
)

practice_results = sa.Table(
    "practice_results",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String, nullable=False),
    sa.Column("workspace", sa.String, nullable=False),
    sa.Column("agent", sa.String, nullable=False),
    sa.Column("scenario", sa.String, nullable=False),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("outcome", sa.String, nullable=False),
    sa.Column("finished_at", sa.Double, nullable=False, index=True),
    sa.Index("ix_practice_results_agent", "platform", "agent"),
    sa.Index("ix_practice_results_workspace", "platform", "workspace"),
)


# What the bot shows beyond nudges (bot/surveys/service.py, bot/reports/digest.py). One survey per
# conversation (the key is the guard against asking twice) with its answers; one digest
# per week and channel. Leased like nudges, so several replicas deliver each once.
surveys = sa.Table(
    "surveys",
    metadata,
    sa.Column("conversation", sa.String, primary_key=True),
    sa.Column("customer", sa.String, nullable=False),
    sa.Column("closed_at", sa.Double, nullable=False, index=True),
    sa.Column("status", sa.String, nullable=False),  # bot/store/survey_records.py SurveyStatus
    sa.Column("csat_asked", sa.Boolean, nullable=False),
    sa.Column("understood", sa.Integer, nullable=True),  # 1-5
    sa.Column("csat", sa.Integer, nullable=True),  # 1-5
    sa.Column("answered_at", sa.Double, nullable=True),
    sa.Column("route", sa.String, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("error", sa.String, nullable=False),
    sa.Column("lease_until", sa.Double, nullable=False),
    sa.Index("ix_surveys_status_lease", "status", "lease_until"),
)

digests = sa.Table(
    "digests",
    metadata,
    sa.Column("key", sa.String, primary_key=True),  # ISO week, platform and channel
    sa.Column("created_at", sa.Double, nullable=False, index=True),
    sa.Column("status", sa.String, nullable=False),  # pending, sent, failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("error", sa.String, nullable=False),
    sa.Column("lease_until", sa.Double, nullable=False),
)


# --- rows <-> records --------------------------------------------------------------------


def dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def conversation_placeholder(key: str, now: float) -> dict[str, Any]:
    """The row inserted (if missing) to lock a conversation before its state exists."""
    try:
        ref = ConversationRef.from_key(key)
        parts = (ref.platform, ref.workspace, ref.channel, ref.thread)
    except ValueError:  # not a platform:workspace:channel:thread key; keep it whole
        parts = ("", "", "", key)
    platform, workspace, channel, thread = parts
    return {
        "key": key,
        "platform": platform,
        "workspace": workspace,
        "channel": channel,
        "thread": thread,
        "state": None,
        "next_deadline": None,
        "last_activity": 0.0,
        "closed": False,
        "updated_at": now,
    }


def state_values(state: ConversationState, deadline: float | None, now: float) -> dict[str, Any]:
    return {
        "state": dumps(state.to_dict()),
        "next_deadline": deadline,
        "last_activity": state.last_activity,
        "closed": state.closed,
        "updated_at": now,
    }


def state_from(text: str | None) -> ConversationState | None:
    return None if text is None else ConversationState.from_dict(json.loads(text))


def event_values(event: EventRecord, store_text: bool) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "conversation": event.conversation,
        "kind": event.kind,
        "message_id": event.message_id,
        "author": event.author,
        "role": event.role,
        "at": event.at,
        "text": event.text if store_text else None,
    }


def event_from(row: sa.Row[Any]) -> EventRecord:
    return EventRecord(
        row.event_id,
        row.conversation,
        row.kind,
        row.message_id,
        row.author,
        row.role,
        row.at,
        row.text,
    )


def signal_values(signal: SignalRecord) -> dict[str, Any]:
    return {
        "event_id": signal.event_id,
        "conversation": signal.conversation,
        "kind": signal.kind,
        "subject": signal.subject,
        "score": signal.score,
        "fired": signal.fired,
        "cues": dumps(list(signal.cues)),
        "at": signal.at,
        "detector": signal.detector,
    }


def signal_from(row: sa.Row[Any]) -> SignalRecord:
    return SignalRecord(
        row.event_id,
        row.conversation,
        row.kind,
        row.subject,
        row.score,
        bool(row.fired),
        tuple(json.loads(row.cues)),
        row.at,
        row.detector,
    )


def nudge_values(nudge: Nudge, lease_until: float) -> dict[str, Any]:
    return {
        "nudge_id": nudge.nudge_id,
        "conversation": nudge.conversation.key,
        "agent": nudge.agent,
        "kind": nudge.kind.value,
        "trigger_event": nudge.trigger_event,
        "created_at": nudge.created_at,
        "status": "pending",
        "route": "",
        "delivered_at": None,
        "attempts": 0,
        "error": "",
        "lease_until": lease_until,
        "payload": dumps(nudge_payload(nudge)),
    }


def nudge_record_from(row: sa.Row[Any]) -> NudgeRecord:
    return NudgeRecord(
        nudge_id=row.nudge_id,
        conversation=row.conversation,
        agent=row.agent,
        kind=row.kind,
        trigger_event=row.trigger_event,
        created_at=row.created_at,
        status=row.status,
        route=row.route,
        delivered_at=row.delivered_at,
        attempts=row.attempts,
        error=row.error,
    )


def nudge_payload(nudge: Nudge) -> dict[str, Any]:
    return {
        "v": 1,
        "nudge_id": nudge.nudge_id,
        "conversation": nudge.conversation.key,
        "agent": nudge.agent,
        "kind": nudge.kind.value,
        "headline": nudge.headline,
        "reasons": list(nudge.reasons),
        "suggestion": nudge.suggestion,
        "customer": nudge.customer,
        "trigger_event": nudge.trigger_event,
        "created_at": nudge.created_at,
        "update": nudge.update,
    }


def nudge_from(text: str) -> Nudge:
    data = json.loads(text)
    return Nudge(
        nudge_id=data["nudge_id"],
        conversation=ConversationRef.from_key(data["conversation"]),
        agent=data["agent"],
        kind=NudgeKind(data["kind"]),
        headline=data["headline"],
        reasons=tuple(data["reasons"]),
        suggestion=data["suggestion"],
        customer=data["customer"],
        trigger_event=data["trigger_event"],
        created_at=float(data["created_at"]),
        update=str(data.get("update", "")),
    )


def feedback_from(row: sa.Row[Any]) -> FeedbackRecord:
    return FeedbackRecord(row.nudge_id, row.user, bool(row.helpful), row.at)
