"""One practice reply, judged: which of its needs it met, its points, and how the
simulated customer reacts.

A reply needs what its step lists, except acknowledgement: that is the live coach's
decision (coaching/acknowledgement.py's ``Verdict``), needed exactly when the coach owed
it — the customer's message was judged frustrated — and missed exactly when the coach
followed the reply up, whatever the step lists. One judge: the scorecard never
contradicts what the agent was told during the session.

Points are the share of the reply's needs met, weighted (acknowledgement counts double:
it is what the live coach nudges for), less a penalty for dismissive wording. The
customer
- escalates at a dismissive reply, or one that meets less than ``ESCALATE_BELOW``;
- half-calms (``partial``) when acknowledgement was needed and missing, or the reply
  scored under ``CALM_FROM``;
- calms otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coaching.acknowledgement import Verdict
from coaching.practice import criteria
from coaching.practice.scenario import Need, Reaction, Step
from coaching.state import Promised

WEIGHTS = {Need.ACKNOWLEDGE: 40, Need.OWNERSHIP: 20, Need.NEXT_STEP: 20, Need.UPDATE_TIME: 20}
DISMISSAL_PENALTY = 40
ESCALATE_BELOW = 40
CALM_FROM = 75
MAX_REPLY = 4000  # characters judged; a longer reply is judged on its beginning


@dataclass(frozen=True, slots=True)
class Judgement:
    step: str  # the step whose customer message the reply answered
    needs: tuple[Need, ...]  # the step's, acknowledgement as the live coach owed it
    met: tuple[Need, ...]  # of everything judged, needed or not
    points: int  # 0-100
    reaction: Reaction
    promised: str = ""  # the promised update time as the engine read it ("within an hour")
    dismissive: tuple[str, ...] = ()  # why the reply dismissed the customer
    cues: tuple[str, ...] = ()  # what the customer's message showed (cue names)

    def missed(self) -> tuple[Need, ...]:
        return tuple(n for n in self.needs if n not in self.met)

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "needs": [n.value for n in self.needs],
            "met": [n.value for n in self.met],
            "points": self.points,
            "reaction": self.reaction.value,
            "promised": self.promised,
            "dismissive": list(self.dismissive),
            "cues": list(self.cues),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Judgement:
        return cls(
            step=str(data["step"]),
            needs=tuple(Need(n) for n in data["needs"]),
            met=tuple(Need(n) for n in data["met"]),
            points=int(data["points"]),
            reaction=Reaction(data["reaction"]),
            promised=str(data.get("promised", "")),
            dismissive=tuple(data.get("dismissive", ())),
            cues=tuple(data.get("cues", ())),
        )


def honest(promise: Promised | None, window: tuple[float, float]) -> bool:
    """A promise with a time, neither sooner nor later than the scenario's window
    (minutes): "I'll update you within the hour", not "in a minute" for a bank's week."""
    if promise is None or not promise.when:
        return False
    minutes = (promise.due - promise.at) / 60
    return window[0] <= minutes <= window[1]


def judge(
    step: Step,
    text: str,
    verdict: Verdict,
    promise: Promised | None,
    window: tuple[float, float],
    cues: tuple[str, ...] = (),
) -> Judgement:
    """``verdict`` and ``promise`` are the live engine's reading of the reply."""
    text = text[:MAX_REPLY]
    needs = needed(step, verdict)
    found = {
        Need.ACKNOWLEDGE: verdict.acknowledged,
        Need.OWNERSHIP: criteria.takes_ownership(text),
        Need.NEXT_STEP: criteria.has_next_step(text),
        Need.UPDATE_TIME: honest(promise, window),
    }
    met = tuple(n for n in Need if found[n])
    dismissive = criteria.dismissals(text)
    weight = sum(WEIGHTS[n] for n in needs)
    # A calm message at a step that listed only acknowledgement: nothing was asked.
    points = round(100 * sum(WEIGHTS[n] for n in needs if found[n]) / weight) if weight else 100
    if dismissive:
        points = max(0, points - DISMISSAL_PENALTY)
    return Judgement(
        step.name,
        needs,
        met,
        points,
        react(needs, found, points, bool(dismissive)),
        promise.when if promise is not None else "",
        dismissive,
        cues,
    )


def needed(step: Step, verdict: Verdict) -> tuple[Need, ...]:
    """The reply's needs: the step's others, and acknowledgement when the coach owed it."""
    others = tuple(n for n in step.needs if n is not Need.ACKNOWLEDGE)
    return (Need.ACKNOWLEDGE, *others) if verdict.owed else others


def react(
    needs: tuple[Need, ...], found: Mapping[Need, bool], points: int, dismissive: bool
) -> Reaction:
    if dismissive or points < ESCALATE_BELOW:
        return Reaction.ESCALATE
    if Need.ACKNOWLEDGE in needs and not found[Need.ACKNOWLEDGE]:
        return Reaction.PARTIAL
    return Reaction.CALM if points >= CALM_FROM else Reaction.PARTIAL
