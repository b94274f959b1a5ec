"""Storage: every table and the records kept in them (records.py, survey_records.py).
The contract (base.py), in memory (memory.py) and SQL (sql.py, SQLite or PostgreSQL),
surveys and digests (outreach.py), and the migrations (migrate.py runs bot/migrations).

May import: nothing else in ``bot`` (everything else reads the store; it reads none of them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing the store is kept light: the CLI imports this at start
    from bot.store.base import Store


class StoreUnavailable(Exception):
    """The configured store could not be opened; the message says which and why."""


async def open_store(url: str, *, store_text: bool = False) -> Store:
    """``memory://`` keeps everything in this process (tests, trials); a SQLite or
    PostgreSQL URL (``sqlite:///path``, ``postgresql://user@host/db``, with or without a
    driver) persists and migrates. Raises ``StoreUnavailable`` when it cannot be opened."""
    if url.startswith("memory:"):
        from bot.store.memory import MemoryStore

        return MemoryStore()
    from bot.store.sql import SqlStore

    try:
        return await SqlStore.open(url, store_text=store_text)
    except Exception as exc:  # unreachable, refused, not a database: say so, plainly
        raise StoreUnavailable(
            f"the store at {safe_url(url)} could not be opened: {_why(exc)}"
        ) from exc


def safe_url(url: str) -> str:
    """A storage URL without its password (``user:***@``, ``?password=***``), read as the
    store reads it."""
    from config.secrets import masked_url

    return masked_url(url)


def _why(exc: BaseException) -> str:
    """The error's own words (a database's errors quote no chat text), short."""
    cause = exc.orig if hasattr(exc, "orig") and exc.orig is not None else exc
    detail = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    return f"{type(cause).__name__}: {detail[:200]}" if detail else type(cause).__name__
