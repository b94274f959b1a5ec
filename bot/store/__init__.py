"""Storage: the contract (base.py), in memory (memory.py) and SQL (sql.py)."""

from __future__ import annotations

from bot.store.base import Store


async def open_store(url: str, *, store_text: bool = False) -> Store:
    """``memory://`` keeps everything in this process (tests, trials); any SQLAlchemy URL
    (``sqlite+aiosqlite:///...``, ``postgresql+asyncpg://...``) persists and migrates."""
    if url.startswith("memory:"):
        from bot.store.memory import MemoryStore

        return MemoryStore()
    from bot.store.sql import SqlStore

    return await SqlStore.open(url, store_text=store_text)
