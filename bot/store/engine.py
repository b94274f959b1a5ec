"""The SQLAlchemy engine behind ``SqlStore``: SQLite or PostgreSQL, set up for the store.

SQLite: WAL mode (readers never wait for the writer) and SQLAlchemy, not the driver,
issues BEGIN, so that a write transaction can start with ``BEGIN IMMEDIATE`` (taking the
write lock at once, which keeps two writers from deadlocking on a lock upgrade) while a
read starts with a plain BEGIN. PostgreSQL: pooled connections checked before use.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

log = logging.getLogger("coach.store")

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
    if _journal_mode(dbapi_connection) == "wal":  # persistent: set by the first connection
        return
    try:
        _journal_mode(dbapi_connection, "WAL")
    except sqlite3.OperationalError:
        # Another connection switching at the same moment holds the lock (no busy wait
        # for this PRAGMA); fine if it succeeded, and WAL is an optimisation anyway.
        if _journal_mode(dbapi_connection) != "wal":
            log.warning("SQLite database not in WAL mode: readers may wait for writers")


def _journal_mode(dbapi_connection: Any, mode: str = "") -> str:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA journal_mode={mode}" if mode else "PRAGMA journal_mode")
        return str(cursor.fetchone()[0]).lower()
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    writing = conn.get_execution_options().get(WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")
