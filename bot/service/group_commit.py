"""Group commit: items handed in while a write is under way are written together by the
next one, so a burst costs a few writes, not one per item (the inbox's events, the
outbox's delivery outcomes)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class GroupCommit(Generic[T]):
    def __init__(self, write: Callable[[list[T]], Awaitable[None]], most: int = 1000) -> None:
        self.write, self.most = write, most
        self._pending: list[tuple[T, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    def add(self, item: T) -> asyncio.Future[None]:
        """Queue ``item`` (at the call: items keep their order); the future is done once
        it is written, or carries the write's exception."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        return future

    @property
    def waiting(self) -> int:
        return len(self._pending)

    async def _write_all(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[: self.most], self._pending[self.most :]
            try:
                await self.write([item for item, _ in batch])
            except Exception as exc:
                for _, future in batch:
                    if not future.done():  # its caller may have been cancelled meanwhile
                        future.set_exception(exc)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)

    async def close(self) -> None:
        """Wait for the write under way (and those queued)."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)
