"""What the contextual model reads: a customer's message and, as context, the last words
of the agent message before it.

Training (training/contextual.py) and serving (coaching/contextual.py) both call
``model_input``, so the model reads at run time exactly what it learned from. Context is
the tail of the agent's message (what was asked or said last), cut to ``CONTEXT_WORDS``
words: enough to tell an answer ("no, it's the 12th") from a complaint, small enough to
keep in memory per conversation.
"""

from __future__ import annotations

from coaching.text import clean

CONTEXT_WORDS = 40


def context_window(agent_text: str) -> str:
    """The last ``CONTEXT_WORDS`` words of a cleaned agent message ("" for none)."""
    words = clean(agent_text).text.split()
    return " ".join(words[-CONTEXT_WORDS:])


def model_input(text: str, context: str = "") -> tuple[str, str]:
    """(message, context) as the model reads them: both cleaned, the context cut."""
    return clean(text).text, context_window(context) if context else ""
