"""Holding updates to the customer: the draft a waiting reminder offers, and the automatic
one a team may opt into.

A reminder (coaching/owed.py) carries a drafted update the agent can send with one click.
The draft never promises what the agent did not: it never names a time. By the time a
reminder fires, any time the agent gave has passed, so repeating it would read as a new
promise the agent never made; the agent who can give a new time adds it with "Edit", and
that time then starts the new promise's timer like any message of theirs. It quotes no
one: the coach's own words only.

The automatic holding update (``Policy.auto_update_after``, off at 0) goes to the customer
by itself once per wait, that long after the wait's first reminder if no agent has written
since. It names the team, not the agent, since no agent wrote it, and it counts as an
update from the agent who owes it (it stops the reminders); a second one waits for an
agent's own message first. Pure: ``now`` is given.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from enum import StrEnum

from coaching.policy import Policy
from coaching.state import ConversationState


class UpdateKind(StrEnum):
    """How an update reached the customer (``MessagePosted.update``)."""

    ONE_CLICK = "one_click"  # the agent sent the drafted (or their edited) update
    AUTO = "auto"  # the automatic holding update


# The draft after a promise (with or without a time) and after a customer was left waiting.
PROMISED = (
    "Sorry this is taking longer than I said. I'm still on it, and I'll update you here "
    "as soon as I have news."
)
WAITING = (
    "Thanks for your patience, I've seen your message and I'm on it. I'll update you here "
    "as soon as I have news."
)
AUTO = (
    "We're still working on this, thank you for your patience. We'll update you here as soon "
    "as there is news."
)
TEAM = "the support team"  # who an automatic update names


def draft(trigger: str) -> str:
    """The update a reminder offers, from its trigger (``...#promiseN`` after a promise,
    ``...#waitN`` for a customer left waiting): the coach's words, no time, no quote."""
    return PROMISED if "#promise" in trigger else WAITING


def signed(author: str, text: str) -> str:
    """As the customer reads it: who it is from, then the text."""
    return f"Update from {author}: {text}"


@dataclass(frozen=True, slots=True)
class HoldingUpdate:
    """An automatic update the runtime is to post in the conversation (once: its id is
    deterministic, and the runtime claims it before posting)."""

    update_id: str
    conversation_key: str
    agent: str  # whose update it counts as: the one who owes it
    text: str
    created_at: float


def due(state: ConversationState, policy: Policy) -> float | None:
    """When the automatic holding update falls due, if one could."""
    if (
        policy.auto_update_after <= 0
        or state.closed
        or state.auto_updated
        or state.first_reminded_at is None
        or (state.promised is None and not state.unanswered)
    ):
        return None
    return state.first_reminded_at + policy.auto_update_after


def auto(
    state: ConversationState, policy: Policy, now: float
) -> tuple[ConversationState, list[HoldingUpdate]]:
    """The automatic holding update, if one is due at ``now`` (at most one per wait)."""
    at = due(state, policy)
    if at is None or now < at:
        return state, []
    owes = state.promised.agent if state.promised is not None else ""
    agent = owes or next((a for a in reversed(state.agents) if a not in state.customers), "")
    if not agent:
        return state, []  # nobody's update to give: nothing said on anyone's behalf
    raw = f"{state.conversation.key}|auto|{state.first_reminded_at!r}".encode()
    update_id = hmac.new(policy.nudge_key, raw, hashlib.sha256).hexdigest()[:24]
    update = HoldingUpdate(update_id, state.conversation.key, agent, AUTO, now)
    return replace(state, auto_updated=True), [update]
