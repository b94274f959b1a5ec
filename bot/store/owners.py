"""Who owns a conversation, from the stored events: the customer who opened it, the first
to write in it as a customer — as the engine decides it (``ConversationState.owner``).

Others who wrote there as customers are participants: a customer's history is made of
the conversations they opened (bot/history.py), and the survey asks only the owner
(``Closing.owner``). The SQL stores ask with a subquery (``customers_sql.owner_sql``);
the memory store keeps this index (without importing SQLAlchemy).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.records import EventRecord


class Owners:
    """The owners of a memory store's conversations. Events are only appended between a
    forget or a purge, which replace the list: a new list is indexed afresh."""

    def __init__(self) -> None:
        self._indexed: Sequence[EventRecord] | None = None
        self._count = 0
        self._first: dict[str, tuple[float, str]] = {}  # conversation -> (at, author)

    def of(self, events: Sequence[EventRecord], conversation: str) -> str | None:
        if self._indexed is not events:
            self._indexed, self._count, self._first = events, 0, {}
        for e in events[self._count :]:
            known = self._first.get(e.conversation)
            if e.kind == "posted" and e.role == "customer" and (known is None or e.at < known[0]):
                self._first[e.conversation] = (e.at, e.author)
        self._count = len(events)
        found = self._first.get(conversation)
        return found[1] if found else None
