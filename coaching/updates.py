"""Holding updates to the customer: the draft a waiting reminder offers, and the automatic
one a team may opt into.

A reminder (coaching/owed.py) carries a drafted update the agent can send with one click.
It owns up to a missed promise, or thanks a customer left waiting, and says when the agent
will next check in: never the time they gave (it has passed when the reminder fires), but a
new span the agent promises by choosing to send it — the policy's ``waiting_repeat``, at
least ``MIN_CHECK_IN``. A span, not a clock time, so the text does not go stale between the
reminder and the click. Sent, it reads as any agent's promise (coaching/promises.py): the
next reminder falls due that span plus its grace later. It quotes no one: the coach's own
words only. The engine's reminder and the service's click both call ``draft``.

The automatic holding update (``Policy.auto_update_after``, off at 0) goes to the customer
by itself once per wait, that long after the wait's first reminder if no agent has written
since. It names the team, not the agent, since no agent wrote it, and it counts as an
update from the agent who owes it (it stops the reminders); a second one waits for an
agent's own message first. Pure: ``now`` is given.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass, replace
from enum import StrEnum

from coaching.policy import Policy
from coaching.state import ConversationState
from coaching.types import Role


class UpdateKind(StrEnum):
    """How an update reached the customer (``MessagePosted.update``)."""

    ONE_CLICK = "one_click"  # the agent sent the drafted (or their edited) update
    AUTO = "auto"  # the automatic holding update


# The draft after a promise (with or without a time) and after a customer was left waiting;
# ``{span}`` is when the agent will next check in ("30 minutes").
PROMISED = (
    "Sorry this is taking longer than I said — I'm still on it. I'll update you here again "
    "within {span}."
)
WAITING = (
    "Thanks for your patience — I've seen your message and I'm on it. I'll update you here "
    "within {span}."
)
MIN_CHECK_IN = 5 * 60.0  # seconds: a draft never promises a check-in sooner than this
AUTO = (
    "We're still working on this, thank you for your patience. We'll update you here as soon "
    "as there is news."
)
TEAM = "the support team"  # who an automatic update names


def check_in(repeat: float) -> str:
    """When the agent will next check in, in words the promise parser reads back: the
    reminders' ``repeat`` (seconds), at least ``MIN_CHECK_IN``, rounded up to a minute;
    whole hours as hours ("30 minutes", "an hour", "2 hours")."""
    minutes = math.ceil(round(max(MIN_CHECK_IN, repeat) / 60, 6))  # float noise: 7.0000001 is 7
    if minutes % 60:
        return f"{minutes} minutes"
    hours = minutes // 60
    return "an hour" if hours == 1 else f"{hours} hours"


def draft(trigger: str, repeat: float) -> str:
    """The update a reminder offers, from its trigger (``...#promiseN`` after a promise,
    ``...#waitN`` for a customer left waiting) and the reminders' ``repeat`` (seconds,
    ``Policy.waiting_repeat``): the coach's words, a new check-in span, no quote."""
    template = PROMISED if "#promise" in trigger else WAITING
    return template.format(span=check_in(repeat))


_PREFIX = "update:"
_AUTO_PREFIX = "update:auto:"


def one_click_id(reminder_id: str) -> str:
    """The event and message id of the update a reminder's button sends (once: the store
    claims it)."""
    return _PREFIX + reminder_id


def auto_id(update_id: str) -> str:
    """The event and message id of an automatic holding update."""
    return _AUTO_PREFIX + update_id


def kind_of(event_id: str) -> UpdateKind | None:
    """Which kind of update an event id names; None for every other event (summaries count
    updates apart from the agents' own replies)."""
    if event_id.startswith(_AUTO_PREFIX):
        return UpdateKind.AUTO
    if event_id.startswith(_PREFIX):
        return UpdateKind.ONE_CLICK
    return None


def written_since(state: ConversationState, reminder_id: str, reminded_at: float) -> bool:
    """Whether an agent wrote in the conversation after the reminder (a reply, or an update
    sent from elsewhere), its own one-click update aside: then the update it drafted is no
    longer owed, and a late click on it must not tell the customer "still on it" after
    they were answered."""
    own = one_click_id(reminder_id)
    return any(
        seen.role is Role.AGENT and seen.at > reminded_at and seen.message_id != own
        for seen in state.messages
    )


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
