"""The SQLAlchemy engines behind ``SqlStore``: SQLite or PostgreSQL, set up for the store.

SQLite: the configured ``sqlite+aiosqlite:///path`` (or ``sqlite:///path``) is opened with
the standard library's driver, synchronously: ``bot/store/runner.py`` runs the store's
work on one thread of its own. WAL mode (readers never wait for the writer) and
SQLAlchemy, not the driver, issues BEGIN, so that a write transaction starts with
``BEGIN IMMEDIATE`` (taking the write lock at once, which keeps two writers from
deadlocking on a lock upgrade) while a read starts with a plain BEGIN. ``secure_delete``
on every connection: what is deleted is overwritten, not left readable in the file.
PostgreSQL: asyncpg, pooled connections checked before use when they sat idle.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

log = logging.getLogger("coach.store")

WRITE = "coach_write"  # execution option: this connection writes (SQLite: BEGIN IMMEDIATE)
SQLITE_MIN = (3, 35, 0)  # RETURNING (claims, upserts, deletes that count what they drop)
IDLE_PING = 10.0  # PostgreSQL: seconds unused after which a pooled connection is checked
_IDLE_SINCE = "coach_idle_since"


def backend(url: str | URL) -> str:
    """``sqlite`` or ``postgresql``; anything else is refused."""
    name = make_url(url).get_backend_name()
    name = "postgresql" if name == "postgres" else name  # Heroku-style URLs
    if name not in ("sqlite", "postgresql"):
        raise ValueError(
            f"unsupported database {name!r}: use sqlite:///path or postgresql://user@host/db"
        )
    return name


# asyncpg.connect's own arguments; other URL query parameters are server settings
_ASYNCPG_ARGS = {
    "host", "port", "user", "password", "passfile", "database", "timeout", "ssl",
    "statement_cache_size", "max_cached_statement_lifetime", "max_cacheable_statement_size",
    "command_timeout", "direct_tls", "server_settings", "target_session_attrs",
    "krbsrvname", "gsslib", "prepared_statement_cache_size",
}  # fmt: skip


def postgres_url(url: str | URL) -> tuple[URL, dict[str, Any]]:
    """Any PostgreSQL URL as providers hand them out (``postgresql://``, ``postgres://``,
    ``postgresql+psycopg2://``...) -> the asyncpg URL the store uses, and connect
    arguments: libpq's ``sslmode`` becomes asyncpg's ``ssl``, and other query parameters
    (``?search_path=coach``) become server settings, as in asyncpg's own DSNs."""
    parsed = make_url(
        url.replace("postgres://", "postgresql://", 1) if isinstance(url, str) else url
    )
    query = dict(parsed.query)
    args: dict[str, Any] = {}
    if "sslmode" in query:
        query.setdefault("ssl", query.pop("sslmode"))
    settings = {k: str(v) for k, v in query.items() if k not in _ASYNCPG_ARGS}
    if settings:
        args["server_settings"] = settings
    kept = {k: v for k, v in query.items() if k in _ASYNCPG_ARGS}
    return parsed.set(drivername="postgresql+asyncpg", query=kept), args


def postgres_engine(url: str | URL, connect_args: Mapping[str, Any] | None = None) -> AsyncEngine:
    """asyncpg with a pool that pings a connection before use only if it sat unused for
    ``IDLE_PING`` seconds (a server restart or failover while it idled): a ping on every
    checkout (``pool_pre_ping``) would cost each event one more round trip. A connection
    lost while busy fails its statement, and SQLAlchemy then replaces the pool's
    connections, as it would with ``pool_pre_ping``."""
    parsed, args = postgres_url(url)
    given = dict(connect_args or {})
    settings = {**args.pop("server_settings", {}), **given.pop("server_settings", {})}
    if settings:
        args["server_settings"] = settings
    engine = create_async_engine(parsed, connect_args={**args, **given})
    dialect = engine.sync_engine.dialect

    def ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < IDLE_PING:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the pool retries with a new connection
            raise sa.exc.DisconnectionError(f"stale pooled connection: {exc}") from exc

    sa.event.listen(engine.sync_engine.pool, "checkin", _note_idle)
    sa.event.listen(engine.sync_engine.pool, "checkout", ping_if_idle)
    return engine


def _note_idle(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info[_IDLE_SINCE] = time.monotonic()


def sqlite_engine(url: str | URL, connect_args: Mapping[str, Any] | None = None) -> sa.Engine:
    """A synchronous engine on the standard library's driver, whatever driver the URL
    names (``sqlite+aiosqlite`` is what configurations say). No pool: the store keeps
    its two connections open on its own thread."""
    if sqlite3.sqlite_version_info < SQLITE_MIN:
        raise RuntimeError(
            f"SQLite {sqlite3.sqlite_version} is too old: the store needs 3.35 or newer"
        )
    parsed = make_url(url)
    if parsed.database in (None, "", ":memory:"):
        raise ValueError("an in-memory SQLite database is not supported: use MemoryStore")
    if not parsed.database.startswith("file:"):
        _ensure_private_file(parsed.database)
    args = dict(connect_args or {})
    args.setdefault("timeout", 30.0)  # seconds another process may hold the write lock
    engine = sa.create_engine(
        parsed.set(drivername="sqlite"), connect_args=args, poolclass=NullPool
    )
    sa.event.listen(engine, "connect", _sqlite_connect)
    sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def _ensure_private_file(database: str) -> None:
    """Create the database file readable by its owner only (0600) before SQLite does (it
    would follow the umask, usually world-readable); SQLite gives its -wal and -shm files
    the database file's permissions. An existing file is left as it is, with a warning
    when others can read it."""
    path = Path(database).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            log.warning("%s can be read by other users (mode %o): chmod 600 it", path.name, mode)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver must not BEGIN by itself
    # WAL + synchronous=NORMAL: a commit is written to the WAL but does not wait for
    # fsync. A killed or crashed process loses nothing (the OS has the data); a power
    # cut or OS crash may lose the last transactions, never corrupts. Several times faster.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows are overwritten with zeros, not left in free pages: a processed inbox
    # event's text, a forgotten conversation, purged records leave nothing in the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
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
