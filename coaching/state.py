"""What the engine remembers about one conversation between events.

Immutable: the engine returns a new state for every event. Every collection is bounded
so a long-lived channel cannot grow memory without limit, and the whole state turns
into plain JSON (``to_dict``/``from_dict``) so the runtime can persist it as it changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from coaching.types import ConversationRef, Role

MAX_PEOPLE = 50
MAX_RECENT_SCORES = 5
MAX_UNANSWERED = 20
MAX_MESSAGES = 50


@dataclass(frozen=True, slots=True)
class Pending:
    """A customer message no agent has answered yet."""

    message_id: str
    event_id: str
    customer: str
    at: float


@dataclass(frozen=True, slots=True)
class Frustration:
    """The latest frustrated customer message, until an agent's next reply is judged."""

    message_id: str
    event_id: str
    customer: str
    at: float
    cues: tuple[str, ...]  # cue names, strongest first (drive the suggestion)
    reasons: tuple[str, ...]  # the same cues as an agent reads them


@dataclass(frozen=True, slots=True)
class Confusion:
    """A customer lost in an agent's steps, until an agent's next reply (one nudge each)."""

    message_id: str
    event_id: str
    customer: str
    at: float
    instruction_words: int  # how long the instructions that lost them were


@dataclass(frozen=True, slots=True)
class AckDue:
    """An agent replied to a frustrated customer without acknowledgement; the follow-up
    fires at ``due`` unless the same agent acknowledges first (split replies)."""

    agent: str
    event_id: str
    due: float
    frustration: Frustration
    message_id: str = ""  # the reply: editing it to acknowledge cancels the follow-up


@dataclass(frozen=True, slots=True)
class Promised:
    """An agent said they would be back with an update; it is owed at ``due``."""

    agent: str
    event_id: str
    at: float  # when the promise was made
    due: float
    when: str  # as the reminder repeats it: "within 10 minutes", "" when no time was given


@dataclass(frozen=True, slots=True)
class Returning:
    """A returning customer at risk: what their earlier conversations say (never text).
    Kept from their first message on, for the brief and the reasons (coaching/history.py)."""

    earlier: int  # earlier conversations looked back on
    recent: int  # of which started within the rule's days
    since_last: float  # seconds from the last one's start to this conversation's
    frustrated_last: bool
    unresolved_last: bool  # ended frustrated, or escalated
    cues: tuple[str, ...]  # the last one's main cue names
    escalated_last: bool = False


@dataclass(frozen=True, slots=True)
class MessageSeen:
    message_id: str
    author: str
    role: Role
    at: float


@dataclass(frozen=True, slots=True)
class ConversationState:
    conversation: ConversationRef
    agents: tuple[str, ...] = ()  # most recent replier last
    customers: tuple[str, ...] = ()  # everyone who wrote as a customer: the owner and others
    # The customer who opened the conversation (the first to write in it as a customer):
    # only their closing resolves it. Others who write as customers are participants:
    # coached for, never the one who wraps it up (coaching/owed.py).
    owner: str = ""
    frustrated: tuple[str, ...] = ()  # customers judged frustrated in this conversation
    scores: Mapping[str, tuple[float, ...]] = field(default_factory=dict)  # per customer
    unanswered: tuple[Pending, ...] = ()
    waiting_reminders: int = 0
    reminded_at: float | None = None  # when the last waiting reminder went out
    last_agent_at: float | None = None  # the latest agent reply's own time
    frustration: Frustration | None = None
    ack_due: AckDue | None = None
    promised: Promised | None = None
    escalated_at: float | None = None
    last_nudged: Mapping[str, float] = field(default_factory=dict)  # "agent|kind" -> time
    messages: tuple[MessageSeen, ...] = ()
    last_activity: float = 0.0
    closed: bool = False
    returning: Mapping[str, Returning] = field(default_factory=dict)  # customers at risk
    briefed: bool = False  # the history brief went out (once per conversation)
    # The latest agent message signed off ("anything else? have a great day"): a customer's
    # thanks, goodbye or compliment after it owes nothing (coaching/owed.py).
    signed_off: bool = False
    detector: str = ""  # the scorer behind ``scores``
    # The current wait's first reminder, and whether its automatic holding update went
    # (coaching/updates.py); an agent's own message starts afresh.
    first_reminded_at: float | None = None
    auto_updated: bool = False
    # Words in the latest agent message when it gave instructions (0: it did not), and a
    # customer lost in them not yet answered (coaching/confusion.py).
    instructions: int = 0
    confusion: Confusion | None = None

    @classmethod
    def new(cls, conversation: ConversationRef) -> ConversationState:
        return cls(conversation=conversation)

    @property
    def waiting_since(self) -> float | None:
        return self.unanswered[0].at if self.unanswered else None

    def trend(self, customer: str) -> float:
        """Latest score minus the mean of the customer's earlier recent scores."""
        recent = self.scores.get(customer, ())
        if len(recent) < 2:
            return 0.0
        earlier = recent[:-1]
        return recent[-1] - sum(earlier) / len(earlier)

    def find_message(self, message_id: str) -> MessageSeen | None:
        for seen in reversed(self.messages):
            if seen.message_id == message_id:
                return seen
        return None

    # --- transitions used by the engine -------------------------------------------------

    def with_agent(self, agent: str) -> ConversationState:
        agents = (*tuple(a for a in self.agents if a != agent), agent)
        return replace(self, agents=agents[-MAX_PEOPLE:])

    def with_customer(self, customer: str) -> ConversationState:
        if customer in self.customers:
            return self
        # The oldest go first, never the owner: ``customers`` names everyone a forget
        # must find, and the owner is one of them.
        owner = self.owner or customer
        others = [c for c in (*self.customers, customer) if c != owner][1 - MAX_PEOPLE :]
        return replace(self, customers=(owner, *others), owner=owner)

    def scored_by(self, detector: str) -> ConversationState:
        """Scores from another detector are not comparable ("growing more frustrated"):
        a change of detector starts the conversation's scores afresh."""
        if not detector or detector == self.detector:
            return self
        return replace(self, scores={}, detector=detector)

    def with_score(self, customer: str, score: float) -> ConversationState:
        scores = dict(self.scores)
        scores[customer] = (*scores.get(customer, ()), round(score, 4))[-MAX_RECENT_SCORES:]
        if len(scores) > MAX_PEOPLE:
            scores.pop(next(iter(scores)))
        return replace(self, scores=scores)

    def with_message(self, seen: MessageSeen) -> ConversationState:
        return replace(self, messages=(*self.messages, seen)[-MAX_MESSAGES:])

    def nudged(self, agent: str, kind: str, at: float) -> ConversationState:
        last = dict(self.last_nudged)
        last[f"{agent}|{kind}"] = at
        if len(last) > MAX_PEOPLE * 4:
            last.pop(next(iter(last)))
        return replace(self, last_nudged=last)

    def last_nudge(self, agent: str, kind: str) -> float | None:
        return self.last_nudged.get(f"{agent}|{kind}")

    # --- persistence ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": 1,
            "conversation": self.conversation.key,
            "agents": list(self.agents),
            "customers": list(self.customers),
            "owner": self.owner,
            "frustrated": list(self.frustrated),
            "scores": {k: list(v) for k, v in self.scores.items()},
            "unanswered": [_pending_dict(p) for p in self.unanswered],
            "waiting_reminders": self.waiting_reminders,
            "reminded_at": self.reminded_at,
            "last_agent_at": self.last_agent_at,
            "frustration": _frustration_dict(self.frustration),
            "ack_due": None
            if self.ack_due is None
            else {
                "agent": self.ack_due.agent,
                "event_id": self.ack_due.event_id,
                "due": self.ack_due.due,
                "message_id": self.ack_due.message_id,
                "frustration": _frustration_dict(self.ack_due.frustration),
            },
            "promised": None
            if self.promised is None
            else {
                "agent": self.promised.agent,
                "event_id": self.promised.event_id,
                "at": self.promised.at,
                "due": self.promised.due,
                "when": self.promised.when,
            },
            "escalated_at": self.escalated_at,
            "last_nudged": dict(self.last_nudged),
            "messages": [[m.message_id, m.author, m.role.value, m.at] for m in self.messages],
            "last_activity": self.last_activity,
            "closed": self.closed,
            "returning": {k: _returning_dict(r) for k, r in self.returning.items()},
            "briefed": self.briefed,
            "signed_off": self.signed_off,
            "detector": self.detector,
            "first_reminded_at": self.first_reminded_at,
            "auto_updated": self.auto_updated,
            "instructions": self.instructions,
            "confusion": None
            if self.confusion is None
            else {
                "message_id": self.confusion.message_id,
                "event_id": self.confusion.event_id,
                "customer": self.confusion.customer,
                "at": self.confusion.at,
                "instruction_words": self.confusion.instruction_words,
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConversationState:
        ack = data.get("ack_due")
        frustration = _frustration_from(data.get("frustration"))
        customers = tuple(data.get("customers", ()))
        return cls(
            conversation=ConversationRef.from_key(data["conversation"]),
            agents=tuple(data.get("agents", ())),
            customers=customers,
            # Stored before owners were kept: the first customer is the one who opened it.
            owner=str(data.get("owner") or (customers[0] if customers else "")),
            frustrated=tuple(data.get("frustrated", ())),
            scores={k: tuple(v) for k, v in data.get("scores", {}).items()},
            unanswered=tuple(Pending(**p) for p in data.get("unanswered", ())),
            waiting_reminders=int(data.get("waiting_reminders", 0)),
            reminded_at=data.get("reminded_at"),
            last_agent_at=data.get("last_agent_at"),
            frustration=frustration,
            ack_due=None
            if not ack
            else AckDue(
                agent=ack["agent"],
                event_id=ack["event_id"],
                due=float(ack["due"]),
                message_id=str(ack.get("message_id", "")),
                frustration=_require(_frustration_from(ack["frustration"])),
            ),
            promised=Promised(**data["promised"]) if data.get("promised") else None,
            escalated_at=data.get("escalated_at"),
            last_nudged=dict(data.get("last_nudged", {})),
            messages=tuple(
                MessageSeen(m[0], m[1], Role(m[2]), float(m[3])) for m in data.get("messages", ())
            ),
            last_activity=float(data.get("last_activity", 0.0)),
            closed=bool(data.get("closed", False)),
            returning={k: _returning_from(r) for k, r in data.get("returning", {}).items()},
            briefed=bool(data.get("briefed", False)),
            signed_off=bool(data.get("signed_off", False)),
            detector=str(data.get("detector", "")),
            first_reminded_at=data.get("first_reminded_at"),
            auto_updated=bool(data.get("auto_updated", False)),
            instructions=int(data.get("instructions", 0)),
            confusion=Confusion(**data["confusion"]) if data.get("confusion") else None,
        )


def _pending_dict(p: Pending) -> dict[str, Any]:
    return {"message_id": p.message_id, "event_id": p.event_id, "customer": p.customer, "at": p.at}


def _frustration_dict(f: Frustration | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {
        "message_id": f.message_id,
        "event_id": f.event_id,
        "customer": f.customer,
        "at": f.at,
        "cues": list(f.cues),
        "reasons": list(f.reasons),
    }


def _frustration_from(data: Mapping[str, Any] | None) -> Frustration | None:
    if not data:
        return None
    return Frustration(
        message_id=data["message_id"],
        event_id=data["event_id"],
        customer=data["customer"],
        at=float(data["at"]),
        cues=tuple(data["cues"]),
        reasons=tuple(data["reasons"]),
    )


def _returning_dict(r: Returning) -> dict[str, Any]:
    return {
        "earlier": r.earlier,
        "recent": r.recent,
        "since_last": r.since_last,
        "frustrated_last": r.frustrated_last,
        "unresolved_last": r.unresolved_last,
        "cues": list(r.cues),
        "escalated_last": r.escalated_last,
    }


def _returning_from(data: Mapping[str, Any]) -> Returning:
    return Returning(
        earlier=int(data["earlier"]),
        recent=int(data["recent"]),
        since_last=float(data["since_last"]),
        frustrated_last=bool(data["frustrated_last"]),
        unresolved_last=bool(data["unresolved_last"]),
        cues=tuple(data["cues"]),
        escalated_last=bool(data.get("escalated_last", False)),
    )


def _require(f: Frustration | None) -> Frustration:
    if f is None:
        raise ValueError("ack_due without its frustration")
    return f
