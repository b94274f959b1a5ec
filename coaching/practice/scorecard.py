"""The scorecard at the end of a practice: a score 0-100, the outcome, what went well,
what to try, and example wordings.

The score is mostly the replies (the mean of their points, 80%), partly where the
customer ended up (calmed 20, unresolved 10, escalated 0). What it says about
acknowledgement is what the live coach decided during the session (judgement.py): a
reply it followed up is a miss here, and only those. "What to try" speaks the live
coach's language: the customer's cues in the words a heads-up uses, and the opener the
live coach would have suggested (coaching/suggestions.py) beside the scenario's own
example reply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from coaching import frustration, suggestions
from coaching.model import label
from coaching.practice.judgement import Judgement
from coaching.practice.scenario import Need, Outcome, Scenario
from coaching.types import Cue

REPLIES_SHARE = 0.8
OUTCOME_POINTS = {Outcome.CALMED: 20, Outcome.UNRESOLVED: 10, Outcome.ESCALATED: 0}
MAX_EXAMPLES = 3


@dataclass(frozen=True, slots=True)
class Scorecard:
    scenario: str
    score: int
    outcome: Outcome
    strengths: tuple[str, ...]
    try_: tuple[str, ...]
    examples: tuple[str, ...]
    replies: int

    def sections(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The scorecard's lists as every surface titles them (empty ones left out)."""
        found = (
            ("What went well", self.strengths),
            ("What to try", self.try_),
            ("Example wordings", tuple(f"“{e}”" for e in self.examples)),
        )
        return tuple((title, items) for title, items in found if items)

    def to_json(self) -> dict[str, Any]:
        """The stable ``coach practice ID --json`` form."""
        return {
            "scenario": self.scenario,
            "score": self.score,
            "outcome": self.outcome.value,
            "strengths": list(self.strengths),
            "try": list(self.try_),
            "examples": list(self.examples),
        }


def score(judgements: Sequence[Judgement], outcome: Outcome) -> int:
    if not judgements:
        return 0
    mean = sum(j.points for j in judgements) / len(judgements)
    return max(0, min(100, round(REPLIES_SHARE * mean + OUTCOME_POINTS[outcome])))


def build(
    scenario: Scenario,
    judgements: Sequence[Judgement],
    outcome: Outcome,
    frustration_scores: Sequence[float] = (),
) -> Scorecard:
    return Scorecard(
        scenario.id,
        score(judgements, outcome),
        outcome,
        _strengths(scenario, judgements, outcome, frustration_scores),
        _to_try(scenario, judgements),
        _examples(scenario, judgements),
        len(judgements),
    )


def _tally(judgements: Sequence[Judgement], need: Need) -> tuple[int, int]:
    """Replies that met ``need``, of those that needed it. A dismissive reply that met it
    is left out of both: "that's our policy, sorry" earns no praise, yet it is no miss
    either (the live coach heard the apology and sent no follow-up), so the misses
    counted here are exactly the replies that missed it."""
    asked = [j for j in judgements if need in j.needs and not (j.dismissive and need in j.met)]
    return sum(1 for j in asked if need in j.met), len(asked)


def _times(met: int, asked: int) -> str:
    return "in every reply that needed it" if met == asked else f"in {met} of {asked} replies"


def _strengths(
    scenario: Scenario, judgements: Sequence[Judgement], outcome: Outcome, scores: Sequence[float]
) -> tuple[str, ...]:
    who = scenario.customer
    found = []
    phrases = {
        Need.ACKNOWLEDGE: f"You acknowledged how {who} felt",
        Need.OWNERSHIP: "You took it on yourself",
        Need.NEXT_STEP: "You gave a concrete next step",
    }
    for need, phrase in phrases.items():
        met, asked = _tally(judgements, need)
        if met:
            found.append(f"{phrase} {_times(met, asked)}.")
    promised = [j.promised for j in judgements if Need.UPDATE_TIME in j.met]
    if promised:
        found.append(f"You promised the next update at an honest time ({promised[-1]}).")
    if found and not any(j.dismissive for j in judgements):
        found.append("No dismissive wording.")  # worth saying beside something done well
    if outcome is Outcome.CALMED:
        change = f": frustration {scores[0]:.2f} → {scores[-1]:.2f}" if len(scores) > 1 else ""
        found.append(f"{who} calmed down{change}.")
    return tuple(found)


def _to_try(scenario: Scenario, judgements: Sequence[Judgement]) -> tuple[str, ...]:
    who = scenario.customer
    missed = {need for j in judgements for need in j.missed()}
    tips = []
    if Need.ACKNOWLEDGE in missed:
        names = dict.fromkeys(
            name for j in judgements if Need.ACKNOWLEDGE in j.missed() for name in j.cues
        )
        heard = frustration.reasons(Cue(name, label(name), 1.0) for name in names)
        why = f" ({who} {'; '.join(heard)})" if heard else ""
        tips.append(f"Acknowledge how {who} feels before the fix{why}.")
    if Need.OWNERSHIP in missed:
        tips.append(
            "Take it on yourself: say what you will do (“I'll chase this myself”), "
            "not what the customer must do."
        )
    if Need.NEXT_STEP in missed:
        tips.append(
            "Give one concrete next step (a refund issued, a replacement sent, a call "
            "booked), not only “I'll look into it”."
        )
    if Need.UPDATE_TIME in missed:
        low, high = (_minutes(m) for m in scenario.update_window)
        tips.append(
            f"Say when you'll be back, honestly: a time between {low} and {high} from now "
            "(“I'll update you within the hour”)."
        )
    dismissive = list(dict.fromkeys(d for j in judgements for d in j.dismissive))
    if dismissive:
        tips.append(f"Leave out wording that {' or '.join(dismissive)}.")
    return tuple(tips)


def _examples(scenario: Scenario, judgements: Sequence[Judgement]) -> tuple[str, ...]:
    """For each reply that missed something: the live coach's opener for what the
    customer showed (when the reply did not acknowledge it), and the scenario's example."""
    found: list[str] = []
    for j in judgements:
        if not j.missed() and not j.dismissive:
            continue
        if Need.ACKNOWLEDGE in j.missed() and j.cues:
            found.append(suggestions.opener(j.cues))
        example = scenario.step(j.step).example
        if example:
            found.append(example)
    return tuple(dict.fromkeys(found))[:MAX_EXAMPLES]


def _minutes(minutes: float) -> str:
    if minutes < 60:
        return f"{minutes:g} minutes"
    if minutes < 48 * 60:
        return f"{minutes / 60:g} hours" if minutes != 60 else "1 hour"
    return f"{minutes / 1440:g} days"
