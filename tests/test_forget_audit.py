"""Forgetting a customer (``/coach forget`` and ``coach forget --customer``) leaves no
trace of their ID, the command audit included: a customer who tried ``/coach`` is named
there. The forget itself stays audited (who erased someone, and when), never whom.
Memory, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.base import CommandRequest, Roles, Scope, ScopeKind
from bot.cli.main import main
from bot.ops.clock import VirtualClock
from bot.ops.metrics import Metrics
from bot.service.commands import CommandService
from bot.store import open_store, schema
from bot.store.base import Store
from bot.store.memory import MemoryStore
from bot.store.sql import SqlStore
from coaching.types import ConversationRef
from tests.pg import storage_url  # noqa: F401  (a fixture)
from tests.test_store_contract import store  # noqa: F401  (a fixture)
from tests.test_store_privacy import every_stored_value
from tests.test_survey import Conversation

NOW = 1_700_000_000.0
Audit = list[tuple[str, str, bool]]


def command(name: str, user: str) -> CommandRequest:
    return CommandRequest("slack", "T1", user, frozenset(), name, Scope(ScopeKind.CUSTOMER, "UKIM"))


async def with_customer(db: Store) -> CommandService:
    """UKIM wrote in a T1 conversation and tried /coach twice (help, then a refused one)."""
    talk = Conversation(db, VirtualClock(NOW), ConversationRef("slack", "T1", "C1", "1.0"))
    await talk.say("customer", "UKIM", "Where is my order??", NOW - 120)
    await talk.say("agent", "USAM", "Let me check.", NOW - 60)
    roles = Roles(supervisors=frozenset({"UBOSS"}))
    service = CommandService(db, roles, VirtualClock(NOW), Metrics(), 600)
    await service.handle(command("help", "UKIM"))
    await service.handle(command("customer", "UKIM"))  # refused: not a supervisor
    return service


async def audit_of(db: Store) -> Audit:
    """(user, command, allowed) of every command audited, in order."""
    if isinstance(db, MemoryStore):
        return [(c[2], c[3], c[4]) for c in db.commands]
    assert isinstance(db, SqlStore)

    def rows(conn: Connection) -> Audit:
        c = schema.commands.c
        query = sa.select(c.user, c.command, c.allowed).order_by(c.id)
        return [(u, n, bool(a)) for u, n, a in conn.execute(query)]

    return await db.read(rows)


async def test_coach_forget_leaves_no_trace_of_the_customer_in_the_command_audit(
    store: Store,  # noqa: F811
) -> None:
    service = await with_customer(store)
    await store.add_command(NOW, "discord", "UKIM", "help", True)  # another platform's user
    assert ("UKIM", "help", True) in await audit_of(store)
    done = await service.handle(command("forget", "UBOSS"))
    assert done.title.startswith("Forgot customer <@UKIM>")
    # Only the Discord row is left (/coach forget stays on its platform and workspace),
    # and the forget itself, audited without whom.
    assert await audit_of(store) == [("UKIM", "help", True), ("UBOSS", "forget", True)]
    assert (await every_stored_value(store)).count("UKIM") == 1


async def test_the_command_line_forget_leaves_no_trace_of_the_customer_either(
    tmp_path: Path,
    storage_url: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "coach.toml"
    config.write_text(f'[storage]\nurl = "{storage_url}"\n')
    db = await open_store(storage_url)
    try:
        await with_customer(db)
        await db.add_command(NOW, "discord", "UKIM", "help", True)  # another platform's
    finally:
        await db.close()
    args = ["forget", "--customer", "UKIM", "--config", str(config)]
    assert await asyncio.to_thread(main, args) == 0
    assert "forgot customer UKIM" in capsys.readouterr().out
    db = await open_store(storage_url)
    try:
        assert await audit_of(db) == []  # everywhere: the command line names no workspace
        assert "UKIM" not in await every_stored_value(db)
    finally:
        await db.close()
