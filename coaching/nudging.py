"""Turning a decision into nudges: who receives them, cooldowns, ids and wording.

A ``Draft`` is what the engine decided to say; ``issue`` addresses it to agents (never
to anyone who wrote as a customer), applies the cooldown and stamps a deterministic id,
so the same event always yields the same nudge and a redelivery cannot make a second.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from coaching.policy import Policy
from coaching.state import ConversationState
from coaching.types import Nudge, NudgeKind

HEADLINES = {
    NudgeKind.FRUSTRATION: "Heads-up: the customer sounds frustrated.",
    NudgeKind.ACKNOWLEDGE: "Your reply didn't acknowledge how the customer feels.",
    NudgeKind.ESCALATION: "Escalation risk: this customer may escalate.",
    NudgeKind.WAITING: "The customer is waiting for an update.",
    NudgeKind.HISTORY: "Returning customer: how it went before.",
    NudgeKind.CONFUSION: "The customer seems lost in your steps.",
}


@dataclass(frozen=True, slots=True)
class Draft:
    kind: NudgeKind
    trigger: str  # the event (or timer) that caused it: part of the nudge id
    reasons: tuple[str, ...]
    suggestion: str
    customer: str | None
    headline: str = ""
    cooldown: bool = True
    update: str = ""  # a drafted update to the customer (waiting reminders)


def recipients(state: ConversationState, policy: Policy) -> list[str]:
    """The conversation's most recent agents, newest first; never a customer."""
    customers = set(state.customers)
    agents = [a for a in reversed(state.agents) if a not in customers]
    return agents[: policy.max_recipients]


def issue(
    state: ConversationState,
    draft: Draft,
    policy: Policy,
    now: float,
    agents: Sequence[str] | None = None,
) -> tuple[ConversationState, list[Nudge]]:
    nudges: list[Nudge] = []
    for agent in recipients(state, policy) if agents is None else agents:
        if agent in state.customers:
            continue  # never a nudge to anyone who wrote as a customer
        last = state.last_nudge(agent, draft.kind.value)
        if draft.cooldown and last is not None and now - last < policy.cooldown:
            continue
        nudges.append(
            Nudge(
                nudge_id=nudge_id(
                    policy.nudge_key, state.conversation.key, draft.kind, draft.trigger, agent
                ),
                conversation=state.conversation,
                agent=agent,
                kind=draft.kind,
                headline=draft.headline or HEADLINES[draft.kind],
                reasons=draft.reasons,
                suggestion=draft.suggestion,
                customer=draft.customer,
                trigger_event=draft.trigger,
                created_at=now,
                update=draft.update,
            )
        )
        state = state.nudged(agent, draft.kind.value, now)
    return state, nudges


def nudge_id(key: bytes, conversation_key: str, kind: NudgeKind, trigger: str, agent: str) -> str:
    """Deterministic (a redelivery makes the same id) and, keyed with the installation's
    secret, not something an outsider can work out from public ids."""
    raw = f"{conversation_key}|{kind.value}|{trigger}|{agent}".encode()
    return hmac.new(key, raw, hashlib.sha256).hexdigest()[:24]


def format_duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"
