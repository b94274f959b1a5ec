"""PostgreSQL for tests: a fresh schema per test on the server at ``POSTGRES_URL``.

Tests that need it skip, saying why, when no server answers (set
``COACH_TEST_POSTGRES_REQUIRED=1`` to make that a failure instead, e.g. in CI). Each test
gets its own schema (``search_path`` set on every connection), dropped afterwards, so
repeated and parallel runs never see each other's tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.store.sql import SqlStore

# Read at import: the autouse fixture in conftest.py clears COACH_* variables for each test.
POSTGRES_URL = os.environ.get(
    "COACH_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REQUIRED = os.environ.get("COACH_TEST_POSTGRES_REQUIRED", "") not in ("", "0")
CONNECT_TIMEOUT = 5.0

_unreachable: list[str] = []  # the first failure, so later tests skip at once


@dataclass(frozen=True)
class PgSchema:
    """One test's schema: open stores on it with ``open()``."""

    url: str
    schema: str

    @property
    def connect_args(self) -> dict[str, Any]:
        return {"server_settings": {"search_path": self.schema}}

    async def open(self, *, store_text: bool = False) -> SqlStore:
        return await SqlStore.open(self.url, store_text=store_text, connect_args=self.connect_args)


def _skip_or_fail(reason: str) -> NoReturn:
    if REQUIRED:
        pytest.fail(reason)
    pytest.skip(reason)


@asynccontextmanager
async def fresh_schema(url: str = POSTGRES_URL) -> AsyncIterator[PgSchema]:
    """A new, empty schema on the test server; skips the test when none is reachable."""
    shown = make_url(url).render_as_string(hide_password=True)
    if _unreachable:
        _skip_or_fail(_unreachable[0])
    engine = create_async_engine(url, poolclass=NullPool, connect_args={"timeout": CONNECT_TIMEOUT})
    schema = f"coach_test_{uuid.uuid4().hex[:12]}"
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # any reason the server cannot be used is a reason to skip
        await engine.dispose()
        _unreachable.append(f"no PostgreSQL reachable at {shown}: {type(exc).__name__}: {exc}")
        _skip_or_fail(_unreachable[0])
    try:
        yield PgSchema(url, schema)
    finally:
        try:
            async with engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            await engine.dispose()


@pytest.fixture
async def pg() -> AsyncIterator[PgSchema]:
    """A fresh PostgreSQL schema (the test is skipped when no server is reachable)."""
    async with fresh_schema() as target:
        yield target


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def storage_url(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[str]:
    """A ``[storage] url`` for a settings file: a SQLite file, or a fresh PostgreSQL schema
    (the same database for every store opened on it, as across restarts or replicas)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/coach.db"
        return
    async with fresh_schema() as target:
        yield f"{target.url}?search_path={target.schema}"
