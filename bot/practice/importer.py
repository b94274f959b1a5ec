"""``coach practice --import TRANSCRIPT``: a draft scenario from a real past conversation.

The conversation (any format ``coach replay`` reads; the one with the most frustrated
customer messages, or ``--conversation``) is replayed through the live engine. Its
customer messages, redacted as the store redacts (e-mail addresses, phone and card
numbers, tokens), become the steps in order: a message the engine judges frustrated
follows the previous one on the ``escalate`` branch, a calm one on the ``calm`` branch;
the other branch leads to a short written ending. The agent's reply becomes that step's
example unless the live coach would have followed it up (acknowledgement owed and
missing: the engine's own decision on the reply, as practice scores it); then the example
is the opener the live coach would have suggested, to be improved by hand. Terminal escape sequences, control
characters and bidi controls in the transcript are left out of the draft: it is text to
print and edit, and its words reach a terminal when played. The draft is checked like any
scenario before it is written, so it plays as it is.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from adapters.console.transcript import Turn
from bot.redact import redact
from bot.service.context_cache import AgentContext
from bot.service.scoring import DEFAULT_MODEL, build_engine
from coaching import suggestions
from coaching.confusion import can_follow
from coaching.policy import Policy
from coaching.practice.scenario import MAX_TEXT, from_dict
from coaching.text import without_controls
from coaching.types import ConversationRef, MessagePosted, Role, SignalKind

MAX_STEPS = 6  # customer messages kept: a practice is a few turns, not a whole day
CALMED_ENDING = "Okay, thank you. That's what I needed to hear."
ESCALATED_ENDING = "That's not good enough. I want to speak to a manager, and I'm leaving a review."


@dataclass
class Exchange:
    """A customer's message (consecutive lines joined) and the agent's answer to it."""

    customer: str
    frustrated: bool = False
    cues: tuple[str, ...] = ()
    reply: str = ""
    acknowledged: bool = False
    owed: bool = False  # the live coach owed the reply acknowledgement (its verdict)

    @property
    def followed_up(self) -> bool:
        """The live coach would have followed the reply up (no part acknowledged)."""
        return self.owed and not self.acknowledged


@dataclass
class Draft:
    toml: str
    conversation: str
    steps: int
    problems: list[str] = field(default_factory=list)


def conversations(turns: list[Turn]) -> dict[str, list[Turn]]:
    found: dict[str, list[Turn]] = {}
    for turn in turns:
        found.setdefault(turn.conversation, []).append(turn)
    return found


def most_frustrated(
    found: dict[str, list[Turn]], policy: Policy | None = None, model: str = DEFAULT_MODEL
) -> str | None:
    """The conversation with the most frustrated customer messages (the first of equals),
    among those with a customer message at all."""
    best, most = None, -1
    for conversation, turns in found.items():
        talk = exchanges(turns, policy, model)
        count = sum(1 for e in talk if e.frustrated)
        if talk and count > most:
            best, most = conversation, count
    return best


def exchanges(
    turns: list[Turn], policy: Policy | None = None, model: str = DEFAULT_MODEL
) -> list[Exchange]:
    """The conversation as exchanges, judged by the live engine."""
    engine = build_engine(policy, model)
    context = AgentContext()
    ref = ConversationRef("import", "file", "transcript", "draft")
    state = None
    found: list[Exchange] = []
    for number, turn in enumerate(turns):
        if not without_controls(turn.text).strip():  # nothing a draft would keep
            continue
        role = Role.CUSTOMER if turn.role == "customer" else Role.AGENT
        event = MessagePosted(
            f"import:{number}", ref, f"m{number}", turn.author, role, turn.text, turn.ts
        )
        scored = (
            engine.detectors.frustration(turn.text, context.get(ref.key), can_follow(state))
            if role is Role.CUSTOMER
            else engine.detectors.acknowledgement(turn.text)
        )
        if role is Role.AGENT:
            context.note(ref.key, turn.text)
        result = engine.step(state, event, turn.ts, scored)
        state = result.state
        judged = (SignalKind.FRUSTRATION, SignalKind.ACKNOWLEDGEMENT)
        signal = next(s for s in result.signals if s.kind in judged)
        if role is Role.CUSTOMER:
            if found and not found[-1].reply:  # the customer wrote again before an answer
                last = found[-1]
                last.customer += "\n" + turn.text
                last.frustrated |= signal.fired
                last.cues = last.cues or tuple(c.name for c in signal.cues)
            else:
                found.append(Exchange(turn.text, signal.fired, tuple(c.name for c in signal.cues)))
        elif found:  # an agent's greeting before the customer wrote is no answer
            last = found[-1]
            last.reply = f"{last.reply}\n{turn.text}".strip()
            last.acknowledged |= signal.fired
            last.owed |= result.verdict is not None and result.verdict.owed
    return found


def draft(
    turns: list[Turn], name: str, policy: Policy | None = None, model: str = DEFAULT_MODEL
) -> Draft:
    """The draft scenario (TOML text) for one conversation's turns."""
    talk = exchanges(turns, policy, model)[:MAX_STEPS]
    if not talk:
        raise ValueError("the conversation has no customer messages")
    conversation = _plain(turns[0].conversation)
    lines = [
        f"# Drafted by `coach practice --import` from conversation {_quoted(conversation)}.",
        "# Redacted as the store redacts. Describe the situation, improve the examples, then",
        "# check it: `coach practice --check --config F` with this file in [practice] scenarios_dir.",
        f"id = {_quoted(_slug(name))}",
        f"title = {_quoted('Imported: ' + conversation)}",
        'situation = "What the agent knows and can offer: the order, the account, the options."',
        'customer = "Customer"',
        'start = "turn1"',
    ]
    used: set[str] = set()
    for index, exchange in enumerate(talk):
        lines += ["", f"[steps.turn{index + 1}]", f"says = {_quoted(exchange.customer)}"]
        last = index == len(talk) - 1
        if last and index > 0:
            lines.append(f'outcome = "{"escalated" if exchange.frustrated else "calmed"}"')
            continue
        lines += _example(exchange)
        following = None if last else (f"turn{index + 2}", talk[index + 1].frustrated)
        calm = following[0] if following and not following[1] else "calmed"
        escalate = following[0] if following and following[1] else "escalated"
        used |= {calm, escalate}
        lines += [f"calm = {_quoted(calm)}", f"escalate = {_quoted(escalate)}"]
    for ending, says in (("calmed", CALMED_ENDING), ("escalated", ESCALATED_ENDING)):
        if ending in used:
            lines += ["", f"[steps.{ending}]", f"says = {_quoted(says)}", f'outcome = "{ending}"']
    text = "\n".join(lines) + "\n"
    from_dict(tomllib.loads(text), name)  # a draft that does not load is a bug here
    return Draft(text, conversation, len(talk))


def _example(exchange: Exchange) -> list[str]:
    """The step's example line, after a note when it needs work."""
    if exchange.followed_up or not exchange.reply:
        return [
            "# TODO: the original answer did not acknowledge the customer (the live coach",
            "# would have followed it up); write a reply that does, takes it on, and gives",
            "# a concrete next step.",
            f"example = {_quoted(suggestions.opener(exchange.cues))}",
        ]
    note = (
        []
        if exchange.acknowledged
        else [
            "# TODO: the original answer (a calm message: no acknowledgement owed); check it",
            "# takes it on and gives a concrete next step.",
        ]
    )
    return [*note, f"example = {_quoted(exchange.reply)}"]


def _plain(text: str) -> str:
    """Imported text as a draft keeps it: redacted, without control characters."""
    return redact(without_controls(text)).strip()


def _quoted(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's), plain and within limits."""
    clean = _plain(text)
    if len(clean) > MAX_TEXT:
        clean = clean[: MAX_TEXT - 1] + "…"
    return json.dumps(clean, ensure_ascii=False)


def _slug(name: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", redact(name).lower()).strip("-")
    return f"imported-{words}"[:48].rstrip("-") or "imported"


def write(path: Path, text: str) -> None:
    """Write the draft; never over an existing file."""
    with path.open("x", encoding="utf-8") as out:
        out.write(text)
