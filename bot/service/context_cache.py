"""The agent message each conversation's next customer message is read with.

The contextual model reads a customer's message with the agent message before it. That
text stays in this process's memory only: redacted, cut to its last few words
(coaching/model_input.py), at most ``MAX_CONVERSATIONS`` conversations (the least recently
used go first), and never written to the store. After a restart, or on another replica, a
conversation's next customer message is read without it: where the store says an agent
wrote later than the message kept here (another replica took it), the runtime forgets the
kept one (``forget_older``).
"""

from __future__ import annotations

from collections import OrderedDict

from bot.redact import redact
from coaching.model_input import context_window

MAX_CONVERSATIONS = 10_000


class AgentContext:
    def __init__(self, max_conversations: int = MAX_CONVERSATIONS) -> None:
        self.max_conversations = max_conversations
        self._last: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def note(self, conversation: str, agent_text: str, at: float = 0.0) -> None:
        """An agent wrote ``agent_text`` in ``conversation`` (at ``at``): keep its redacted
        tail."""
        window = context_window(redact(agent_text))
        self._last[conversation] = (window, at)
        self._last.move_to_end(conversation)
        while len(self._last) > self.max_conversations:
            self._last.popitem(last=False)

    def get(self, conversation: str) -> str:
        return self._last.get(conversation, ("", 0.0))[0]

    def forget_older(self, conversation: str, last_agent_at: float) -> None:
        """Forget the kept message if an agent wrote later than it (elsewhere)."""
        kept = self._last.get(conversation)
        if kept is not None and kept[1] < last_agent_at:
            del self._last[conversation]

    def forget(self, conversation: str) -> None:
        self._last.pop(conversation, None)

    def __len__(self) -> int:
        return len(self._last)
