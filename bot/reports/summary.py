"""Supervisor summaries, computed from stored rows alone (no engine, no platform).

Definitions (docs/surveys-and-summaries.md repeats them for supervisors):
- episode: a frustrated customer message while no episode is open in that conversation;
  it stays open until an agent replies. That first reply is "the agent's next reply".
- acknowledged in the next reply: that reply acknowledges the customer's feelings.
- time to acknowledgement: from the episode's first message to the first acknowledging
  agent reply (if any), median over acknowledged episodes.
- calmed down / stayed frustrated: the customer's last message after the episode's
  first agent reply is not / is frustrated (no later message: not counted either way).
- first response: from a conversation's first customer message to the first agent reply.
- resolution: from the first customer message to the conversation being resolved: closed
  (a ✅, an archived thread), or its owner — the customer who opened it — wrapping up or
  declining anything more ("that's all, thanks", "no thanks, I'm all set") with nothing
  asked by them after it; failing those, to the last agent reply when the conversation
  has then been quiet for a day.
- confused customers: customers the coach judged lost in an agent's instructions
  (coaching/confusion.py), counted once per conversation; clarified in the next reply:
  the agent's next reply to them checked where they were, offered a screenshot, a video
  or a call, or gave one step in fewer words than the instructions (coaching/steps.py).
- nudges per 100 conversations, and per nudge kind how agents rated it (👍/👎).
- repeat-contact rate and returning-customer frustration: bot/reports/returning.py.
- survey answers next to these: bot/surveys/satisfaction.py.
- how a share is shown (counts, "too few to tell" below 20, a Wilson interval): bot/reports/shares.py.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.reports.returning import ReturningFigures
from bot.reports.returning import compute as returning_figures
from bot.reports.shares import Share
from bot.reports.shares import share as _share
from bot.store.base import Slice
from bot.store.records import EventRecord, SignalRecord
from bot.surveys.satisfaction import SurveyFigures, survey_figures
from coaching import updates
from coaching.updates import UpdateKind

QUIET_FOR_RESOLVED = 86_400.0


@dataclass(frozen=True, slots=True)
class Judged:
    """A frustration episode and the agent's next reply to it."""

    conversation: str
    customer: str
    started: float  # the episode's first message
    reply: EventRecord
    acknowledged: bool  # the reply acknowledged the customer's feelings
    calmed: bool | None  # the customer's last later message was calm (None: none later)


@dataclass
class Figures:
    conversations: int = 0
    customer_messages: int = 0
    agent_replies: int = 0
    episodes: int = 0
    acknowledged_next: int = 0
    ack_seconds: list[float] = field(default_factory=list)
    calmed: int = 0
    stayed: int = 0
    calmed_after_ack: int = 0
    followed_after_ack: int = 0
    calmed_after_no_ack: int = 0
    followed_after_no_ack: int = 0
    first_response: list[float] = field(default_factory=list)
    resolution: list[float] = field(default_factory=list)
    escalations: int = 0
    confused: set[tuple[str, str]] = field(default_factory=set)  # (conversation, customer)
    clarified: int = 0  # confusion episodes whose next agent reply clarified ...
    answered_confusion: int = 0  # ... of those answered
    nudges: Counter[str] = field(default_factory=Counter)
    # Holding updates posted to customers (coaching/updates.py), by kind: "one_click" or
    # "auto". Not agent replies: neither a response time nor the reply an episode is judged on.
    updates: Counter[str] = field(default_factory=Counter)
    rated: int = 0
    helpful: int = 0
    rated_by_kind: Counter[str] = field(default_factory=Counter)
    helpful_by_kind: Counter[str] = field(default_factory=Counter)
    cues: Counter[str] = field(default_factory=Counter)
    episodes_by_day: Counter[str] = field(default_factory=Counter)
    returning: ReturningFigures = field(default_factory=ReturningFigures)
    judged: list[Judged] = field(default_factory=list, repr=False)
    resolution_by_conversation: dict[str, float] = field(default_factory=dict, repr=False)
    survey: SurveyFigures = field(default_factory=SurveyFigures)
    # The frustration detectors behind the period's scores, first used first: more than
    # one means the detector changed inside the period and its figures mix the two.
    detectors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """Numbers for export (``coach summary --json``): comparable week to week."""
        return {
            "conversations": self.conversations,
            "customer_messages": self.customer_messages,
            "agent_replies": self.agent_replies,
            "frustration_episodes": self.episodes,
            "acknowledged_in_next_reply": self.acknowledged_next,
            "acknowledged_in_next_reply_share": _share(self.acknowledged_next, self.episodes),
            "acknowledged_in_next_reply_counts": self.acknowledged_share.as_json(),
            "median_seconds_to_acknowledgement": median(self.ack_seconds),
            "median_first_response_seconds": median(self.first_response),
            "median_resolution_seconds": median(self.resolution),
            "resolved_conversations": len(self.resolution),
            "calmed_down": self.calmed,
            "stayed_frustrated": self.stayed,
            "calmed_after_acknowledging_reply_share": _share(
                self.calmed_after_ack, self.followed_after_ack
            ),
            "calmed_after_other_reply_share": _share(
                self.calmed_after_no_ack, self.followed_after_no_ack
            ),
            "calmed_after_acknowledging_reply_counts": self.calmed_after_ack_share.as_json(),
            "calmed_after_other_reply_counts": self.calmed_after_other_share.as_json(),
            "escalation_signals": self.escalations,
            "confused_customers": len(self.confused),
            "clarified_in_next_reply_counts": self.clarified_share.as_json(),
            "nudges": dict(sorted(self.nudges.items())),
            "holding_updates": {kind.value: self.updates[kind.value] for kind in UpdateKind},
            "nudges_per_100_conversations": self.per_100(),
            "nudges_rated": self.rated,
            "rated_helpful_share": _share(self.helpful, self.rated),
            "rated_helpful_counts": Share(self.helpful, self.rated).as_json(),
            "rated_by_kind": {
                kind: {
                    "rated": n,
                    "helpful": self.helpful_by_kind[kind],
                    "helpful_share": _share(self.helpful_by_kind[kind], n),
                    "helpful_counts": Share(self.helpful_by_kind[kind], n).as_json(),
                }
                for kind, n in sorted(self.rated_by_kind.items())
            },
            "top_cues": dict(self.cues.most_common(10)),
            "episodes_by_day": dict(sorted(self.episodes_by_day.items())),
            **self.returning.as_dict(),
            "survey": {
                **self.survey.as_dict(),
                "response_counts": Share(self.survey.responses, self.survey.asked).as_json(),
            },
            "detectors": list(self.detectors),
        }

    @property
    def acknowledged_share(self) -> Share:
        return Share(self.acknowledged_next, self.episodes)

    @property
    def clarified_share(self) -> Share:
        return Share(self.clarified, self.answered_confusion)

    @property
    def calmed_after_ack_share(self) -> Share:
        return Share(self.calmed_after_ack, self.followed_after_ack)

    @property
    def calmed_after_other_share(self) -> Share:
        return Share(self.calmed_after_no_ack, self.followed_after_no_ack)

    def per_100(self) -> dict[str, float]:
        """Nudges per 100 conversations, in all and by kind."""
        if not self.conversations:
            return {}
        scale = 100 / self.conversations
        per_kind = {k: round(n * scale, 1) for k, n in sorted(self.nudges.items())}
        return {"all": round(sum(self.nudges.values()) * scale, 1), **per_kind}


@dataclass
class _Message:
    event: EventRecord
    frustrated: bool = False
    acknowledges: bool = False


def compute(data: Slice, now: float) -> Figures:
    figures = Figures()
    by_conversation = _messages(data.events, data.signals)
    figures.conversations = len(by_conversation)
    figures.returning = returning_figures(data)
    resolved = _resolutions(data)
    for conversation, messages in by_conversation.items():
        figures.judged += _conversation(messages, figures)
        seconds = _resolution(messages, resolved.get(conversation), now)
        if seconds is not None:
            figures.resolution.append(seconds)
            figures.resolution_by_conversation[conversation] = seconds
    for signal in data.signals:
        if signal.kind == "escalation" and signal.fired:
            figures.escalations += 1
        if signal.kind == "confusion" and signal.fired:
            figures.confused.add((signal.conversation, signal.subject))
        if signal.kind == "clarification":
            figures.answered_confusion += 1
            figures.clarified += int(signal.fired)
        if signal.kind == "frustration" and signal.fired:
            figures.cues.update(c for c in signal.cues if c != "wording")
        if signal.kind == "frustration" and signal.detector not in ("", *figures.detectors):
            figures.detectors.append(signal.detector)
    kinds = {}
    for nudge in data.nudges:
        figures.nudges[nudge.kind] += 1
        kinds[nudge.nudge_id] = nudge.kind
    for feedback in data.feedback:
        figures.rated += 1
        figures.helpful += int(feedback.helpful)
        kind = kinds.get(feedback.nudge_id, "unknown")
        figures.rated_by_kind[kind] += 1
        figures.helpful_by_kind[kind] += int(feedback.helpful)
    acknowledged = acknowledged_by_conversation(figures.judged)
    figures.survey = survey_figures(data.surveys, acknowledged, figures.resolution_by_conversation)
    return figures


def acknowledged_by_conversation(judged: Iterable[Judged]) -> dict[str, bool]:
    """Conversation -> every answered episode in it was acknowledged in the next reply."""
    found: dict[str, bool] = {}
    for j in judged:
        found[j.conversation] = found.get(j.conversation, True) and j.acknowledged
    return found


def _resolution(messages: list[_Message], at: float | None, now: float) -> float | None:
    """Seconds from the first customer message to resolution (``at``: the conversation's
    last closing), or None when it is not resolved. Only its owner (who wrote that first
    message) reopens it by writing again, as for the survey (bot/surveys/service.py)."""
    owner = next((m.event for m in messages if m.event.role == "customer"), None)
    if owner is None:
        return None
    first = owner.at
    asked_after = at is not None and any(
        m.event.role == "customer" and m.event.author == owner.author and m.event.at > at
        for m in messages
    )
    if at is not None and at >= first and not asked_after:
        return at - first
    last = messages[-1].event
    # A holding update last ("still on it") leaves the customer waiting: not resolved.
    held = updates.kind_of(last.event_id) is not None
    if last.role == "agent" and not held and now - last.at >= QUIET_FOR_RESOLVED:
        return last.at - first
    return None


def _resolutions(data: Slice) -> dict[str, float]:
    """Conversation -> when it was last resolved: closed, or wrapped up by the customer."""
    found: dict[str, float] = {}
    markers = [(e.conversation, e.at) for e in data.events if e.kind == "closed"]
    markers += [(s.conversation, s.at) for s in data.signals if s.kind == "resolved"]
    for conversation, at in markers:
        found[conversation] = max(at, found.get(conversation, at))
    return found


def _messages(
    events: Iterable[EventRecord], signals: Iterable[SignalRecord]
) -> dict[str, list[_Message]]:
    verdicts: dict[str, bool] = {}
    for s in signals:
        if s.kind in ("frustration", "acknowledgement"):
            verdicts[s.event_id] = s.fired  # an edit's signal replaces the message's
    deleted = {(e.conversation, e.message_id) for e in events if e.kind == "deleted"}
    grouped: dict[str, list[_Message]] = defaultdict(list)
    for e in sorted(events, key=lambda e: e.at):
        if e.kind != "posted" or (e.conversation, e.message_id) in deleted:
            continue
        fired = verdicts.get(e.event_id, False)
        grouped[e.conversation].append(
            _Message(
                e,
                frustrated=fired and e.role == "customer",
                acknowledges=fired and e.role == "agent",
            )
        )
    return grouped


def _first_customer(messages: list[_Message]) -> float | None:
    return next((m.event.at for m in messages if m.event.role == "customer"), None)


def _conversation(messages: list[_Message], figures: Figures) -> list[Judged]:
    first_customer = _first_customer(messages)
    responded = False
    open_at: float | None = None  # the open episode's first message
    open_customer = ""
    judged: list[tuple[str, float, int, bool]] = []  # (customer, start, reply's index, ack)
    acknowledged_open: list[float] = []  # episodes waiting for any acknowledgement
    for index, m in enumerate(messages):
        e = m.event
        update = updates.kind_of(e.event_id)
        if update is not None:  # the engine does not take it for a reply: nor do the figures
            figures.updates[update.value] += 1
            continue
        if e.role == "customer":
            figures.customer_messages += 1
            if m.frustrated and open_at is None:
                open_at, open_customer = e.at, e.author
                figures.episodes += 1
                acknowledged_open.append(e.at)
                figures.episodes_by_day[_day(e.at)] += 1
        elif e.role == "agent":
            figures.agent_replies += 1
            if first_customer is not None and not responded and e.at >= first_customer:
                figures.first_response.append(e.at - first_customer)
                responded = True
            if m.acknowledges and acknowledged_open:
                figures.ack_seconds.extend(e.at - start for start in acknowledged_open)
                acknowledged_open = []
            if open_at is not None:
                figures.acknowledged_next += int(m.acknowledges)
                judged.append((open_customer, open_at, index, m.acknowledges))
                open_at = None
    episodes = []
    for customer, start, index, acknowledged in judged:
        later = [
            m
            for m in messages[index + 1 :]
            if m.event.role == "customer" and m.event.author == customer
        ]
        reply = messages[index].event
        calm = not later[-1].frustrated if later else None
        episodes.append(Judged(reply.conversation, customer, start, reply, acknowledged, calm))
        if calm is None:
            continue
        figures.calmed += int(calm)
        figures.stayed += int(not calm)
        if acknowledged:
            figures.followed_after_ack += 1
            figures.calmed_after_ack += int(calm)
        else:
            figures.followed_after_no_ack += 1
            figures.calmed_after_no_ack += int(calm)
    return episodes


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} days"
