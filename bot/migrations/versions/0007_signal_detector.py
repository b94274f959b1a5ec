"""Signals record which detector scored them, so scores of two detectors are never compared.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signals") as batch:
        batch.add_column(sa.Column("detector", sa.String, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("signals") as batch:
        batch.drop_column("detector")
