"""The write-ahead inbox: events stored before they are acknowledged, and per-conversation
leases so that any replica may process them, one conversation at a time.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inbox_events",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String, nullable=False, unique=True),
        sa.Column("conversation", sa.String, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("received_at", sa.Double, nullable=False),
    )
    op.create_index("ix_inbox_events_conversation_seq", "inbox_events", ["conversation", "seq"])
    op.create_table(
        "inbox_leases",
        sa.Column("conversation", sa.String, primary_key=True),
        sa.Column("owner", sa.String, nullable=False),
        sa.Column("until", sa.Double, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("inbox_leases")
    op.drop_table("inbox_events")
