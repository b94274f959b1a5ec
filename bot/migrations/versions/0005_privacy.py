"""Privacy hardening: the installation's secret key (keyed nudge ids), and indexes that
let /coach me read one agent's conversations and an edit or deletion find the earlier
text of its message without scanning the events table.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "installation",
        sa.Column("name", sa.String, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_index("ix_events_author_at", "events", ["author", "at"])
    op.create_index("ix_events_message_id", "events", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_events_message_id", "events")
    op.drop_index("ix_events_author_at", "events")
    op.drop_table("installation")
