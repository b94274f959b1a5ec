"""A customer's history: the signals about them, by time (customer memory, issue 13).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_signals_subject_at", "signals", ["subject", "at"])


def downgrade() -> None:
    op.drop_index("ix_signals_subject_at", table_name="signals")
