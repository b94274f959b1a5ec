"""Confusion: the nudge an agent gets when a customer seems lost in their instructions.

A lost customer ("sorry, where is that setting?", "I don't follow — which button?")
needs a slower reply, not an apology for their feelings: one step at a time, a check of
where they are now, a screenshot or a call. Decided like frustration: the contextual
model's confusion score at its threshold (coaching/scoring.py); the confusion cues
(coaching/steps.py) only explain it, and with none the reason is "seems lost in the
steps". The lexicon scorer has no confusion output: with it, no confusion nudge.

Only after instructions: the latest agent message before the customer's must have given
instructions or asked them to do something (``steps.gives_instructions``), so never on a
customer's first message before any agent message, nor after "let me check". One nudge
per episode: the episode stays open until an agent replies, and that reply is judged
for clarification (``steps.clarifies``), which summaries count. The cooldown applies as
for every kind.
"""

from __future__ import annotations

from dataclasses import replace

from coaching import suggestions
from coaching.model import Assessment
from coaching.nudging import Draft, issue
from coaching.policy import Policy
from coaching.state import Confusion, ConversationState
from coaching.steps import clarifies, gives_instructions, words
from coaching.text import clean
from coaching.types import MessagePosted, Nudge, NudgeKind, Signal, SignalKind


def can_follow(state: ConversationState | None) -> bool:
    """Whether the conversation's next customer message can earn a confusion nudge: its
    latest agent message gave instructions. Where not, a scorer need not read confusion
    (for the contextual model, a second run)."""
    return state is not None and state.instructions > 0


def lost(state: ConversationState, result: Assessment) -> bool:
    """The model reads the customer as lost, after an agent's instructions, and no
    episode is open already (one nudge per episode)."""
    return result.confused and can_follow(state) and state.confusion is None


def on_customer(
    state: ConversationState, event: MessagePosted, result: Assessment, policy: Policy, now: float
) -> tuple[ConversationState, list[Signal], list[Nudge]]:
    """A customer message not judged frustrated (the engine decides which nudge wins)."""
    if not policy.confusion_nudges or not lost(state, result):
        return state, [], []
    episode = Confusion(
        event.message_id, event.event_id, event.author, event.sent_at, state.instructions
    )
    state = replace(state, confusion=episode)
    signal = Signal(
        SignalKind.CONFUSION,
        event.conversation,
        event.author,
        result.confusion or 0.0,
        True,
        result.confusion_cues,
        event.event_id,
        event.sent_at,
        result.detector,
    )
    cues = tuple(c.name for c in result.confusion_cues)
    draft = Draft(
        NudgeKind.CONFUSION,
        event.event_id,
        tuple(c.label for c in result.confusion_cues),
        suggestions.suggestion(NudgeKind.CONFUSION, cues),
        event.author,
    )
    state, nudges = issue(state, draft, policy, now)
    return state, [signal], nudges


def on_agent(
    state: ConversationState, event: MessagePosted
) -> tuple[ConversationState, list[Signal]]:
    """An agent's message: it answers an open episode (clarified or not), and whether it
    gives instructions decides whether the customer's next message can be lost in them."""
    signals: list[Signal] = []
    text = clean(event.text).text
    episode = state.confusion
    if episode is not None and episode.at <= event.sent_at:
        clarified = clarifies(text, episode.instruction_words)
        signals.append(
            Signal(
                SignalKind.CLARIFICATION,
                event.conversation,
                event.author,
                1.0 if clarified else 0.0,
                clarified,
                (),
                event.event_id,
                event.sent_at,
            )
        )
        state = replace(state, confusion=None)
    instructions = words(text) if gives_instructions(text) else 0
    return replace(state, instructions=instructions), signals
