"""Surveys (one per conversation, with its answers) and weekly digests (one per week and
channel), each leased like nudges so that replicas deliver them once.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("conversation", sa.String, primary_key=True),
        sa.Column("customer", sa.String, nullable=False),
        sa.Column("closed_at", sa.Double, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("csat_asked", sa.Boolean, nullable=False),
        sa.Column("understood", sa.Integer, nullable=True),
        sa.Column("csat", sa.Integer, nullable=True),
        sa.Column("answered_at", sa.Double, nullable=True),
        sa.Column("route", sa.String, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.String, nullable=False),
        sa.Column("lease_until", sa.Double, nullable=False),
    )
    op.create_index("ix_surveys_closed_at", "surveys", ["closed_at"])
    op.create_index("ix_surveys_status_lease", "surveys", ["status", "lease_until"])

    op.create_table(
        "digests",
        sa.Column("key", sa.String, primary_key=True),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.String, nullable=False),
        sa.Column("lease_until", sa.Double, nullable=False),
    )
    op.create_index("ix_digests_created_at", "digests", ["created_at"])


def downgrade() -> None:
    op.drop_table("digests")
    op.drop_table("surveys")
