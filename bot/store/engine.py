"""The SQLAlchemy engine behind ``SqlStore``: SQLite or PostgreSQL, set up for the store.

SQLite: WAL mode (readers never wait for the writer) and SQLAlchemy, not the driver,
issues BEGIN, so that a write transaction can start with ``BEGIN IMMEDIATE`` (taking the
write lock at once, which keeps two writers from deadlocking on a lock upgrade) while a
read starts with a plain BEGIN. PostgreSQL: pooled connections checked before use.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

WRITE = "coach_write"  # execution option: this connection writes (SQLite: BEGIN IMMEDIATE)


def create_engine(url: str, connect_args: Mapping[str, Any] | None = None) -> AsyncEngine:
    """An engine for the store: SQLite in WAL mode with SQLAlchemy issuing BEGIN (so a
    write transaction can start with BEGIN IMMEDIATE); PostgreSQL with a checked pool."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    args = dict(connect_args or {})
    if backend == "postgresql":
        return create_async_engine(parsed, connect_args=args, pool_pre_ping=True)
    if backend != "sqlite":
        raise ValueError(
            f"unsupported database {backend!r}: use sqlite+aiosqlite or postgresql+asyncpg"
        )
    if parsed.database in (None, "", ":memory:"):
        raise ValueError("an in-memory SQLite database is not supported: use MemoryStore")
    if not parsed.database.startswith("file:"):
        _ensure_folder(parsed.database)
    args.setdefault("timeout", 30.0)  # seconds another process may hold the write lock
    engine = create_async_engine(parsed, connect_args=args)
    sa.event.listen(engine.sync_engine, "connect", _sqlite_connect)
    sa.event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def _ensure_folder(database: str) -> None:
    Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver must not BEGIN by itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    writing = conn.get_execution_options().get(WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")
