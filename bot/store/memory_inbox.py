"""The in-process store's write-ahead inbox (``MemoryStore``): for tests and trials, not
kept. Same contract as ``bot/store/inbox_sql.py``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from bot.store.base import DeadLetter, Pending


class MemoryInbox:
    seen: set[str]  # the events processed (claimed): MemoryStore's, as the events table

    def __init__(self) -> None:
        self.waiting: list[Pending] = []  # the inbox, in arrival order
        self.inbox_leases: dict[str, tuple[str, float]] = {}  # conversation -> owner, until
        self.dead_letters: dict[str, DeadLetter] = {}  # by event id
        self._seq = 0

    async def inbox_put(self, rows: list[dict[str, Any]]) -> None:
        known = {p.event_id for p in self.waiting}
        for row in rows:
            if row["event_id"] not in known:
                known.add(row["event_id"])
                self._seq += 1
                self.waiting.append(Pending(self._seq, **row))

    async def inbox_backlog(self) -> int:
        return len(self.waiting)

    async def inbox_lease(
        self, owner: str, now: float, lease: float, conversations: int, events: int
    ) -> list[Pending]:
        won: list[str] = []
        for pending in self.waiting:
            key = pending.conversation
            holder, until = self.inbox_leases.get(key, ("", 0.0))
            if key in won or (until > now and holder != owner):
                continue
            won.append(key)
            self.inbox_leases[key] = (owner, now + lease)
            if len(won) >= conversations:
                break
        chosen = set(won)
        leased = [p for p in self.waiting if p.conversation in chosen][:events]
        return [replace(p, processed=p.event_id in self.seen) for p in leased]

    async def inbox_release(self, owner: str, conversations: list[str]) -> None:
        for key in conversations:
            if self.inbox_leases.get(key, ("", 0.0))[0] == owner:
                self.inbox_leases.pop(key)

    async def dead_letter(self, letters: Sequence[DeadLetter]) -> None:
        for letter in letters:
            self.dead_letters.setdefault(letter.event_id, replace(letter, seq=None))
        gone = {d.seq for d in letters}
        self.waiting = [p for p in self.waiting if p.seq not in gone]
