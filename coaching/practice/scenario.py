"""A practice scenario: who the simulated customer is, what they say, and where the
conversation goes after each of the agent's replies.

A scenario is a small graph of named steps, played from a weekday and time in the team's
zone (``starts``, so "by 3pm" and "by Friday" mean what the story says). Each step is one customer message; a step
that is not an ending names what the agent's reply needs (``needs``), a reply that
meets them (``example``, shown on the scorecard), and the step that follows when the
reply calms the customer (``calm``), half lands (``partial``, default: ``escalate``) or
dismisses them (``escalate``). An ending step says the customer's last words and the
``outcome``. The graph must be acyclic, so every session ends.

This module only checks a scenario that has already been parsed (from TOML, by the
caller): every problem is reported in words a scenario author can act on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    CALMED = "calmed"
    ESCALATED = "escalated"
    UNRESOLVED = "unresolved"


class Need(StrEnum):
    # Acknowledges how the customer feels: needed and judged as the live coach decides
    # (practice/judgement.py), whether or not a step lists it.
    ACKNOWLEDGE = "acknowledge"
    OWNERSHIP = "ownership"  # "I'll", "leave it with me", "that's on us": takes it on
    NEXT_STEP = "next_step"  # a concrete action: a refund, a replacement, an escalation
    UPDATE_TIME = "update_time"  # an honest time for the next update ("within the hour")


class Reaction(StrEnum):
    CALM = "calm"
    PARTIAL = "partial"
    ESCALATE = "escalate"


DEFAULT_NEEDS = (Need.ACKNOWLEDGE, Need.OWNERSHIP, Need.NEXT_STEP)
DEFAULT_WINDOW = (5.0, 1440.0)  # minutes: an update promised sooner or later is not honest
MAX_STEPS = 40
MAX_TEXT = 2000
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,47}$")
_STEP = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_TOP_KEYS = {
    "id",
    "title",
    "situation",
    "customer",
    "start",
    "starts",
    "update_window",
    "tags",
    "steps",
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_STARTS = re.compile(r"^(?P<day>[a-z]+) (?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)$")
_STEP_KEYS = {"says", "needs", "example", "calm", "partial", "escalate", "outcome"}


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    says: str
    needs: tuple[Need, ...] = DEFAULT_NEEDS
    example: str = ""
    calm: str = ""
    partial: str = ""
    escalate: str = ""
    outcome: Outcome | None = None  # set: an ending

    @property
    def ending(self) -> bool:
        return self.outcome is not None

    def after(self, reaction: Reaction) -> str:
        if reaction is Reaction.CALM:
            return self.calm
        if reaction is Reaction.PARTIAL and self.partial:
            return self.partial
        return self.escalate


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    title: str
    situation: str  # what the agent knows before the customer writes
    customer: str  # the simulated customer's name
    steps: Mapping[str, Step]
    start: str = "open"
    update_window: tuple[float, float] = DEFAULT_WINDOW  # minutes
    tags: tuple[str, ...] = ()
    starts: tuple[int, float] = (0, 10 * 3600.0)  # weekday (Monday 0), seconds into the day

    @property
    def week_offset(self) -> float:
        """When the customer first writes, in seconds after Monday 00:00 (local time)."""
        return self.starts[0] * 86_400.0 + self.starts[1]

    def step(self, name: str) -> Step:
        return self.steps[name]


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``problems`` says why, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def from_dict(data: Mapping[str, Any], source: str = "scenario") -> Scenario:
    """A checked ``Scenario`` from parsed TOML, or ``ScenarioError`` naming every problem."""
    problems: list[str] = []

    def text(where: Mapping[str, Any], key: str, label: str, required: bool = True) -> str:
        value = where.get(key, "")
        where_ = f"{label} {key}".strip()
        if not isinstance(value, str) or (required and not value.strip()):
            problems.append(f"{where_}: {'required, ' if required else ''}must be text")
            return ""
        if len(value) > MAX_TEXT:
            problems.append(f"{where_}: longer than {MAX_TEXT} characters")
        return unwrap(value)

    for key in sorted(set(data) - _TOP_KEYS):
        problems.append(f"{key}: unknown key (known: {', '.join(sorted(_TOP_KEYS))})")
    scenario_id = text(data, "id", "")
    if scenario_id and not _ID.match(scenario_id):
        problems.append("id: lower-case letters, digits and dashes, 2-48 characters")
    title = text(data, "title", "")
    situation = text(data, "situation", "")
    customer = text(data, "customer", "", required=False) or "Customer"
    start = text(data, "start", "", required=False) or "open"
    window = _window(data.get("update_window", list(DEFAULT_WINDOW)), problems)
    starts = _starts(data.get("starts", "monday 10:00"), problems)
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        problems.append("tags: must be a list of text")
        tags = []
    raw_steps = data.get("steps")
    steps: dict[str, Step] = {}
    if not isinstance(raw_steps, Mapping) or not raw_steps:
        problems.append("steps: required, a table of [steps.NAME] tables")
    else:
        if len(raw_steps) > MAX_STEPS:
            problems.append(f"steps: at most {MAX_STEPS}")
        for name, raw in raw_steps.items():
            step = _step(str(name), raw, text, problems)
            if step is not None:
                steps[step.name] = step
    if steps:
        problems += _graph_problems(steps, start)
    if problems:
        raise ScenarioError([f"{source}: {p}" for p in problems])
    return Scenario(
        scenario_id, title, situation, customer, steps, start, window, tuple(tags), starts
    )


def unwrap(text: str) -> str:
    """Text as written in a TOML file, its line breaks undone (a blank line still
    separates paragraphs)."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def _starts(value: Any, problems: list[str]) -> tuple[int, float]:
    match = _STARTS.match(value.strip().lower()) if isinstance(value, str) else None
    if match is None or match["day"] not in WEEKDAYS:
        problems.append('starts: a weekday and a time, such as "thursday 14:30"')
        return (0, 10 * 3600.0)
    seconds = int(match["hour"]) * 3600.0 + int(match["minute"]) * 60.0
    return WEEKDAYS.index(match["day"]), seconds


def _window(value: Any, problems: list[str]) -> tuple[float, float]:
    ok = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    )
    if not ok or not 0 <= value[0] < value[1]:
        problems.append("update_window: [earliest, latest] minutes, 0 <= earliest < latest")
        return DEFAULT_WINDOW
    return float(value[0]), float(value[1])


def _step(name: str, raw: Any, text: Any, problems: list[str]) -> Step | None:
    label = f"[steps.{name}]"
    if not _STEP.match(name):
        problems.append(f"{label}: step names are letters, digits, '-' and '_'")
    if not isinstance(raw, Mapping):
        problems.append(f"{label}: must be a table")
        return None
    for key in sorted(set(raw) - _STEP_KEYS):
        problems.append(f"{label} {key}: unknown key (known: {', '.join(sorted(_STEP_KEYS))})")
    says = text(raw, "says", label)
    outcome_name = raw.get("outcome")
    if outcome_name is not None:
        if outcome_name not in {o.value for o in Outcome}:
            problems.append(f"{label} outcome: one of calmed, escalated, unresolved")
            return None
        for key in ("calm", "partial", "escalate", "example", "needs"):
            if key in raw:
                problems.append(f"{label} {key}: an ending (with outcome) has no {key}")
        return Step(name, says, (), outcome=Outcome(outcome_name))
    needs = _needs(raw.get("needs", [n.value for n in DEFAULT_NEEDS]), label, problems)
    return Step(
        name,
        says,
        needs,
        example=text(raw, "example", label),
        calm=text(raw, "calm", label),
        partial=text(raw, "partial", label, required=False),
        escalate=text(raw, "escalate", label),
    )


def _needs(value: Any, label: str, problems: list[str]) -> tuple[Need, ...]:
    known = {n.value for n in Need}
    if not isinstance(value, list) or not value or not all(v in known for v in value):
        problems.append(f"{label} needs: a non-empty list of {', '.join(sorted(known))}")
        return DEFAULT_NEEDS
    return tuple(dict.fromkeys(Need(v) for v in value))


def _graph_problems(steps: Mapping[str, Step], start: str) -> list[str]:
    problems = []
    if start not in steps:
        return [f"start: no step named {start!r}"]
    for step in steps.values():
        for key in ("calm", "partial", "escalate"):
            target = getattr(step, key)
            if target and target not in steps:
                problems.append(f"[steps.{step.name}] {key}: no step named {target!r}")
    if problems:
        return problems
    # Depth-first from the start: every step reachable, no way back to a step on the path.
    seen: set[str] = set()
    cycle: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            cycle.append(" -> ".join((*path[path.index(name) :], name)))
            return
        if name in seen:
            return
        seen.add(name)
        step = steps[name]
        for target in dict.fromkeys((step.calm, step.partial, step.escalate)):
            if target:
                visit(target, (*path, name))

    visit(start, ())
    if cycle:
        problems.append(f"steps: a loop ({cycle[0]}); every path must reach an ending")
    unreachable = sorted(set(steps) - seen)
    if unreachable:
        problems.append(f"steps: not reachable from {start!r}: {', '.join(unreachable)}")
    return problems


def calm_path(scenario: Scenario) -> list[Step]:
    """The steps met when every reply calms the customer, ending included."""
    path = [scenario.step(scenario.start)]
    while not path[-1].ending:
        path.append(scenario.step(path[-1].calm))
    return path
