"""The initial schema: conversations, events, signals, nudges, feedback, commands.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("key", sa.String, primary_key=True),
        sa.Column("platform", sa.String, nullable=False),
        sa.Column("workspace", sa.String, nullable=False),
        sa.Column("channel", sa.String, nullable=False),
        sa.Column("thread", sa.String, nullable=False),
        sa.Column("state", sa.Text, nullable=True),
        sa.Column("next_deadline", sa.Double, nullable=True),
        sa.Column("last_activity", sa.Double, nullable=False),
        sa.Column("closed", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.Double, nullable=False),
    )
    op.create_index("ix_conversations_next_deadline", "conversations", ["next_deadline"])

    op.create_table(
        "events",
        sa.Column("event_id", sa.String, primary_key=True),
        sa.Column("conversation", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("message_id", sa.String, nullable=False),
        sa.Column("author", sa.String, nullable=False),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("at", sa.Double, nullable=True),
        sa.Column("text", sa.Text, nullable=True),
    )
    op.create_index("ix_events_conversation", "events", ["conversation"])
    op.create_index("ix_events_at", "events", ["at"])

    op.create_table(
        "signals",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String, nullable=False),
        sa.Column("conversation", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("subject", sa.String, nullable=False),
        sa.Column("score", sa.Double, nullable=False),
        sa.Column("fired", sa.Boolean, nullable=False),
        sa.Column("cues", sa.Text, nullable=False),
        sa.Column("at", sa.Double, nullable=False),
    )
    op.create_index("ix_signals_conversation", "signals", ["conversation"])
    op.create_index("ix_signals_at", "signals", ["at"])

    op.create_table(
        "nudges",
        sa.Column("nudge_id", sa.String, primary_key=True),
        sa.Column("conversation", sa.String, nullable=False),
        sa.Column("agent", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("trigger_event", sa.String, nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("route", sa.String, nullable=False),
        sa.Column("delivered_at", sa.Double, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.String, nullable=False),
        sa.Column("lease_until", sa.Double, nullable=False),
        sa.Column("payload", sa.Text, nullable=True),
    )
    op.create_index("ix_nudges_conversation", "nudges", ["conversation"])
    op.create_index("ix_nudges_created_at", "nudges", ["created_at"])
    op.create_index("ix_nudges_status_lease", "nudges", ["status", "lease_until"])
    op.create_index("ix_nudges_agent_status", "nudges", ["agent", "status"])

    op.create_table(
        "feedback",
        sa.Column("nudge_id", sa.String, primary_key=True),
        sa.Column("user", sa.String, primary_key=True),
        sa.Column("helpful", sa.Boolean, nullable=False),
        sa.Column("at", sa.Double, nullable=False),
    )
    op.create_index("ix_feedback_at", "feedback", ["at"])

    op.create_table(
        "commands",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Double, nullable=False),
        sa.Column("platform", sa.String, nullable=False),
        sa.Column("user", sa.String, nullable=False),
        sa.Column("command", sa.String, nullable=False),
        sa.Column("allowed", sa.Boolean, nullable=False),
    )
    op.create_index("ix_commands_at", "commands", ["at"])


def downgrade() -> None:
    for table in ("commands", "feedback", "nudges", "signals", "events", "conversations"):
        op.drop_table(table)
