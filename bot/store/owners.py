"""Who owns a conversation, from the stored events: the customer who opened it, the first
to write in it as a customer — as the engine decides it (``ConversationState.owner``).

Others who wrote there as customers are participants: a customer's history is made of
the conversations they opened (bot/reports/history.py), a summary's contacts are conversations
counted for their owners (bot/reports/returning.py), and the survey asks only the owner
(``Closing.owner``). The SQL stores ask with a subquery (``customers_sql.owner_sql``);
the memory store keeps this index (without importing SQLAlchemy).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.store.records import EventRecord


def opened(
    events: Iterable[EventRecord], found: dict[str, tuple[float, str]] | None = None
) -> dict[str, tuple[float, str]]:
    """Conversation -> when and by whom it was opened (its first customer message), from
    ``events`` (added to ``found``, when given)."""
    found = {} if found is None else found
    for e in events:
        if e.kind == "posted" and e.role == "customer":
            known = found.get(e.conversation)
            if known is None or e.at < known[0]:
                found[e.conversation] = (e.at, e.author)
    return found


class Owners:
    """The owners of a memory store's conversations. Events are only appended between a
    forget or a purge, which replace the list: a new list is indexed afresh."""

    def __init__(self) -> None:
        self._indexed: Sequence[EventRecord] | None = None
        self._count = 0
        self._first: dict[str, tuple[float, str]] = {}

    def of(self, events: Sequence[EventRecord], conversation: str) -> str | None:
        if self._indexed is not events:
            self._indexed, self._count, self._first = events, 0, {}
        opened(events[self._count :], self._first)
        self._count = len(events)
        found = self._first.get(conversation)
        return found[1] if found else None
