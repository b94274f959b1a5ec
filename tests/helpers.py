"""Small builders for engine tests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from coaching.engine import Engine, StepResult
from coaching.model import Assessment
from coaching.state import ConversationState
from coaching.types import ConversationRef, Cue, Event, MessagePosted, Role, Tick

CONV = ConversationRef("test", "W1", "C1", "T1")


@dataclass
class ScriptedDetectors:
    """Detectors that return fixed scores by exact text: for testing the nudge policy alone
    (the real models are tested in test_detectors.py)."""

    frustration_scores: dict[str, float] = field(default_factory=dict)
    ack_scores: dict[str, float] = field(default_factory=dict)
    matched: dict[str, frozenset[str]] = field(default_factory=dict)
    threshold: float = 0.5
    confusion_scores: dict[str, float] = field(default_factory=dict)

    def frustration(self, text: str, context: str = "", confusion: bool = True) -> Assessment:
        score = self.frustration_scores.get(text, 0.0)
        cues = (Cue("complaint", "uses complaint words", 1.0),) if score >= self.threshold else ()
        lost = self.confusion_scores.get(text, 0.0)
        return Assessment(
            score,
            score >= self.threshold,
            cues,
            self.matched.get(text, frozenset()),
            confusion=lost,
            confused=lost >= self.threshold,
            confusion_cues=(Cue("seems_lost", "seems lost in the steps", 0.0),)
            if lost >= self.threshold
            else (),
        )

    def acknowledgement(self, text: str, context: str = "") -> Assessment:
        score = self.ack_scores.get(text, 0.0)
        return Assessment(score, score >= self.threshold, ())


class Script:
    """Builds MessagePosted events with increasing ids and given times."""

    def __init__(self, conversation: ConversationRef = CONV) -> None:
        self.conversation = conversation
        self.count = 0

    def msg(self, role: str, author: str, text: str, at: float) -> MessagePosted:
        self.count += 1
        return MessagePosted(
            event_id=f"ev{self.count}",
            conversation=self.conversation,
            message_id=f"m{self.count}",
            author=author,
            role=Role(role),
            text=text,
            sent_at=at,
        )


def kinds(nudges: Iterable[object]) -> list[str]:
    return [n.kind.value for n in nudges]  # type: ignore[attr-defined]


def steps(engine: Engine, events: Iterable[Event]) -> list[StepResult]:
    """Each event through ``engine`` in turn, at its own time (a tick at its ``now``)."""
    state: ConversationState | None = None
    results = []
    for event in events:
        now = event.now if isinstance(event, Tick) else getattr(event, "sent_at", 0.0)
        result = engine.step(state, event, now)
        state = result.state
        results.append(result)
    return results
