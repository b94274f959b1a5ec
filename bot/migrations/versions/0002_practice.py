"""Practice: agents' sessions in progress and their results (no message text).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "practice_sessions",
        sa.Column("platform", sa.String, primary_key=True),
        sa.Column("agent", sa.String, primary_key=True),
        sa.Column("workspace", sa.String, nullable=False),
        sa.Column("session", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("last_message", sa.String, nullable=False),
        sa.Column("updated_at", sa.Double, nullable=False),
    )
    op.create_index("ix_practice_sessions_updated_at", "practice_sessions", ["updated_at"])
    op.create_table(
        "practice_results",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String, nullable=False),
        sa.Column("workspace", sa.String, nullable=False),
        sa.Column("agent", sa.String, nullable=False),
        sa.Column("scenario", sa.String, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String, nullable=False),
        sa.Column("finished_at", sa.Double, nullable=False),
    )
    op.create_index("ix_practice_results_finished_at", "practice_results", ["finished_at"])
    op.create_index("ix_practice_results_agent", "practice_results", ["platform", "agent"])
    op.create_index("ix_practice_results_workspace", "practice_results", ["platform", "workspace"])


def downgrade() -> None:
    op.drop_table("practice_results")
    op.drop_table("practice_sessions")
