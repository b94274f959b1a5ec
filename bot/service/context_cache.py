"""The agent message each conversation's next customer message is read with.

The contextual model reads a customer's message with the agent message before it. That
text stays in this process's memory only: redacted, cut to its last few words
(coaching/model_input.py), at most ``MAX_CONVERSATIONS`` conversations (the least recently
used go first), and never written to the store. After a restart, or on another replica, a
conversation's next customer message is read without it.
"""

from __future__ import annotations

from collections import OrderedDict

from bot.redact import redact
from coaching.model_input import context_window

MAX_CONVERSATIONS = 10_000


class AgentContext:
    def __init__(self, max_conversations: int = MAX_CONVERSATIONS) -> None:
        self.max_conversations = max_conversations
        self._last: OrderedDict[str, str] = OrderedDict()

    def note(self, conversation: str, agent_text: str) -> None:
        """An agent wrote ``agent_text`` in ``conversation``: keep its redacted tail."""
        window = context_window(redact(agent_text))
        self._last[conversation] = window
        self._last.move_to_end(conversation)
        while len(self._last) > self.max_conversations:
            self._last.popitem(last=False)

    def get(self, conversation: str) -> str:
        return self._last.get(conversation, "")

    def forget(self, conversation: str) -> None:
        self._last.pop(conversation, None)

    def __len__(self) -> int:
        return len(self._last)
