"""Schema migrations, run by ``SqlStore.open`` (Alembic, scripts in ``bot/migrations``)."""

from __future__ import annotations

import zlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# Replicas starting together take turns migrating (PostgreSQL advisory lock, per database).
_PG_LOCK = zlib.crc32(b"empathy-coach schema migrations")


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Bring the schema to ``revision`` inside the connection's open transaction (a no-op
    when it is there already)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")
    command.upgrade(config(connection), revision)


def head() -> str | None:
    """The newest revision the shipped scripts know."""
    head: str | None = ScriptDirectory.from_config(config()).get_current_head()
    return head


def current(connection: Connection) -> str | None:
    """The revision the database is at (``None``: not migrated)."""
    revision: str | None = MigrationContext.configure(connection).get_current_revision()
    return revision
