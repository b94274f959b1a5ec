"""Which conversation a message in a plain (non-thread) channel belongs to.

Helpers in a busy support channel answer with Discord's *Reply* (a reply chain) or by
mentioning the customer; customers keep writing in bursts. So, in one channel:

1. A reply joins the conversation of the message it replies to (reply chains win).
2. A customer's message joins that customer's open conversation — open while its last
   message is less than ``window`` seconds old (``[discord] conversation_minutes``) —
   or opens a new one, named by the ID of its first message.
3. A helper's message that neither replies nor is a reply to a known message joins the
   open conversation of the customer it mentions; failing that, the open conversation
   that was active most recently (an unaddressed answer answers whoever spoke last);
   with no open conversation it is not part of one (a helper chatting is not support).

Replayed messages (a gateway RESUME) get the conversation they got the first time.
Memory is bounded: the most recent ``capacity`` messages and conversations.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Recent(Generic[K, V]):
    """A dict that forgets its least recently set entries beyond ``capacity``."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def set(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(slots=True)
class _Conversation:
    channel: str
    conversation_id: str
    last: float  # the time of its most recent message


class PlainChannelConversations:
    def __init__(self, window: float, capacity: int = 50_000) -> None:
        self.window = window
        self._by_message: Recent[str, str] = Recent(capacity)  # message -> conversation id
        self._conversations: Recent[str, _Conversation] = Recent(capacity)
        self._by_customer: Recent[tuple[str, str], str] = Recent(capacity)  # (channel, customer)
        self._latest: Recent[str, str] = Recent(capacity)  # channel -> last active conversation

    def assign(
        self,
        channel: str,
        message_id: str,
        author: str,
        customer: bool,
        at: float,
        reply_to: str | None = None,
        reply_to_author: str | None = None,
        mentions: tuple[str, ...] = (),
    ) -> str | None:
        """The conversation ID for this message (None: not part of a conversation)."""
        known = self._by_message.get(message_id)
        if known is not None:
            return known
        found = self._choose(channel, author, customer, at, reply_to, reply_to_author, mentions)
        if found is None:
            found = message_id if customer else None
        if found is None:
            return None
        conversation = self._conversations.get(found) or _Conversation(channel, found, at)
        conversation.last = max(conversation.last, at)
        self._conversations.set(found, conversation)
        self._by_message.set(message_id, found)
        self._latest.set(channel, found)
        if customer:
            self._by_customer.set((channel, author), found)
        return found

    def lookup(self, message_id: str) -> str | None:
        """The conversation of a message seen before (edits and deletions)."""
        return self._by_message.get(message_id)

    def _choose(
        self,
        channel: str,
        author: str,
        customer: bool,
        at: float,
        reply_to: str | None,
        reply_to_author: str | None,
        mentions: tuple[str, ...],
    ) -> str | None:
        if reply_to is not None and (chained := self._by_message.get(reply_to)) is not None:
            return chained
        if customer:
            return self._open_for(channel, author, at)  # None: a new conversation
        # A helper: whom are they answering?
        addressed = [reply_to_author] if reply_to_author else []
        for person in (*addressed, *mentions):
            if person != author and (found := self._open_for(channel, person, at)):
                return found
        if reply_to is not None and reply_to_author not in (None, author):
            return reply_to  # a reply to a message from before this process started
        return self._latest_open(channel, at)

    def _open_for(self, channel: str, customer: str, at: float) -> str | None:
        found = self._by_customer.get((channel, customer))
        if found is None:
            return None
        conversation = self._conversations.get(found)
        if conversation is None or at - conversation.last > self.window:
            return None
        return found

    def _latest_open(self, channel: str, at: float) -> str | None:
        latest = self._latest.get(channel)
        conversation = self._conversations.get(latest) if latest is not None else None
        if conversation is None or at - conversation.last > self.window:
            return None
        return conversation.conversation_id
