"""``coach analyze``: JSONL in, one JSONL row out per row in, same order.

In:  ``{"id"?, "conversation"?, "role": "customer"|"agent", "text", "context"?, "ts"?}``
Out: ``{"id", "role", "frustration", "frustrated", "acknowledgement", "acknowledges",
"cues", "coach"}``.

The rows run through the engine the live coach runs (``bot.service.scoring.build_engine``), in
order, one engine state per conversation:

- rows with the same ``conversation`` (a string or a number) are one conversation; a row
  without one is a conversation of its own, read on its own (as a set of labelled
  messages wants);
- a customer row is scored with the conversation's previous agent row as context, kept
  as the runtime keeps it (``AgentContext``: redacted, its last words), or with the row's
  own ``context`` (the agent message before it) when given, for that row only. Agent
  rows are scored without context, as live;
- the clock is the row's ``ts`` (ISO-8601 with a time zone, or epoch seconds), or a
  minute after the conversation's previous row (the first at 0) without one. A ``ts``
  earlier than the conversation's previous row takes that row's time (as ``coach replay``
  does). Timers that fall due between two rows of a conversation fire at their own
  time, as live; nothing is assumed after a conversation's last row.

``frustration``/``frustrated`` are the message read as the scorer reads it (``frustrated``:
the score crosses the threshold, the assessment's ``fired``); customer rows carry
frustration, agent rows acknowledgement (for every agent row, whether or not the customer
was frustrated). ``coach`` is what the live coach makes of the row in its conversation::

    "coach": {"judged_frustrated": true, "nudges": ["frustration"], "timers": []}

- ``judged_frustrated``: the engine judged this customer message frustrated (the
  frustration signal fired; ``false`` for agent rows). With the lexicon model it also
  wants a feeling cue, or a customer already frustrated in the conversation;
- ``nudges``: the kinds of nudge this row makes the coach send (``frustration``,
  ``escalation``, ``acknowledge``, ``history``, ``waiting``, ``confusion``), after cooldowns,
  in order.
  Nudges go only to agents who have posted in the conversation: a customer message
  before any agent row nudges nobody;
- ``timers``: the kinds of nudge sent on a timer since the conversation's previous row
  (a customer left waiting, a promised update, an acknowledgement follow-up after
  ``ack_grace_seconds``).

A row that cannot be analysed still gets its output row, with ``"error"`` saying why and
``"coach": null``, so output lines up with input; it does not enter its conversation:
broken JSON, JSON nested deeper than 64 levels, NaN or Infinity, a ``ts`` outside
1970-2100, a line longer than ``MAX_LINE_CHARS`` (only its head is read). At most
``MAX_ROWS`` lines are read (conversations' states are kept until the end): past them
the output stops, and the problem says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from adapters.console.adapter import conversation_ref, to_event
from adapters.console.transcript import MAX_ROWS, SYNTHETIC_GAP, Turn, parse_ts
from adapters.json_input import loads
from bot.service.context_cache import AgentContext
from coaching import confusion
from coaching.detectors import Detectors
from coaching.engine import Engine, MessageDetectors
from coaching.model import Assessment
from coaching.policy import Policy
from coaching.scoring import LexiconScorer
from coaching.state import ConversationState
from coaching.types import ConversationRef, Nudge, SignalKind, Tick

START = 0.0  # the time of a conversation's first row without a ``ts``
MAX_LINE_CHARS = 1_000_000  # a row's text and context, with room for JSON's escapes
_OWN = "row"  # conversations of one row live apart from named ones (their own key space)


@dataclass
class AnalyzeStats:
    rows: int = 0
    analysed: int = 0
    problems: int = 0
    stopped: bool = False  # at ``MAX_ROWS``: the rest of the input was not read


@dataclass(frozen=True, slots=True)
class _Row:
    id: Any
    conversation: str | None
    role: str
    text: str
    context: str | None
    ts: float | None


@dataclass
class _Conversation:
    name: str
    source: str
    ref: ConversationRef
    state: ConversationState | None = None
    last: float | None = None  # the time of its previous row


class Analyzer:
    """Rows in, output rows out, each conversation stepped through ``engine`` in order."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.scorer = engine.detectors
        self.context = AgentContext()  # each conversation's previous agent row, as live
        self._given = AgentContext(1)  # a row's own context, kept as agent text is kept
        self._conversations: dict[str, _Conversation] = {}
        self._index = 0

    def row(self, raw: Any, line: int) -> tuple[dict[str, Any], str | None]:
        """One output row, and the problem (if any) to report for this line."""
        parsed = _parse(raw, line)
        if isinstance(parsed, tuple):
            row_id, problem = parsed
            return _error(line, row_id, problem)
        conv = self._conversation(parsed, line)
        at = _time(conv.last, parsed.ts)
        timers = self._run_timers(conv, at)
        conv.last = at
        customer = parsed.role == "customer"
        if customer:
            # Reading confusion can cost the model a second run: only where a confusion
            # nudge can follow, as the runtime does (``BatchScorer``). The same nudges.
            lost = confusion.can_follow(conv.state)
            assessment = self.scorer.frustration(parsed.text, self._context(parsed), lost)
        else:
            assessment = self.scorer.acknowledgement(parsed.text)
            if parsed.conversation is not None:  # a row of its own has no next row to read it
                self.context.note(parsed.conversation, parsed.text)
        turn = Turn(conv.name, parsed.role, f"{parsed.role}-{conv.name}", parsed.text, at, line)
        event = to_event(turn, self._index, conv.source)
        self._index += 1
        result = self.engine.step(conv.state, event, at, assessment)
        conv.state = result.state
        judged = any(s.kind is SignalKind.FRUSTRATION and s.fired for s in result.signals)
        out = _fields(parsed.id, parsed.role, assessment)
        out["coach"] = {
            "judged_frustrated": judged,
            "nudges": _kinds(result.nudges),
            "timers": _kinds(timers),
        }
        return out, None

    def _conversation(self, row: _Row, line: int) -> _Conversation:
        if row.conversation is None:  # a conversation of its own, never seen again
            name = str(line)
            return _Conversation(name, _OWN, conversation_ref(name, _OWN))
        found = self._conversations.get(row.conversation)
        if found is None:
            ref = conversation_ref(row.conversation)
            found = _Conversation(row.conversation, "", ref)
            self._conversations[row.conversation] = found
        return found

    def _context(self, row: _Row) -> str:
        if row.context is None:
            return "" if row.conversation is None else self.context.get(row.conversation)
        self._given.note(_OWN, row.context)
        return self._given.get(_OWN)

    def _run_timers(self, conv: _Conversation, until: float) -> list[Nudge]:
        """Fire the conversation's timers due up to ``until``, each at its own time (as
        ``coach replay`` does); the nudges they send."""
        if conv.state is None or conv.last is None:
            return []
        nudges: list[Nudge] = []
        fired_at = float("-inf")
        while True:
            due = self.engine.next_deadline(conv.state)
            if due is None or due > until or due <= fired_at:
                break  # (a deadline that does not move on after firing waits for ``until``)
            fired_at = due
            nudges += self._tick(conv, max(due, conv.last))
        due = self.engine.next_deadline(conv.state)
        if due is not None and due <= until:
            nudges += self._tick(conv, until)
        return nudges

    def _tick(self, conv: _Conversation, now: float) -> tuple[Nudge, ...]:
        result = self.engine.step(conv.state, Tick(conv.ref, now), now)
        conv.state = result.state
        return result.nudges


def _time(last: float | None, ts: float | None) -> float:
    if ts is None:
        return START if last is None else last + SYNTHETIC_GAP
    return ts if last is None else max(ts, last)


def _kinds(nudges: Iterable[Nudge]) -> list[str]:
    return [n.kind.value for n in nudges]


def _parse(raw: Any, line: int) -> _Row | tuple[Any, str]:
    """The row, or (its id, the problem with it)."""
    if not isinstance(raw, dict):
        return None, "not a JSON object"
    row_id = raw.get("id", line)
    role = raw.get("role")
    text = raw.get("text")
    if role not in ("customer", "agent"):
        return row_id, f"unknown role {role!r} (expected customer or agent)"
    if not isinstance(text, str):
        return row_id, "'text' missing or not a string"
    conversation = raw.get("conversation")
    if isinstance(conversation, bool) or not isinstance(conversation, str | int | float | None):
        return row_id, "'conversation' not a string or a number"
    context = raw.get("context")
    if not isinstance(context, str | None):
        return row_id, "'context' not a string"
    ts: float | None = None
    if raw.get("ts") is not None:
        try:
            ts = parse_ts(raw["ts"])
        except (ValueError, OverflowError) as exc:
            return row_id, f"bad 'ts' ({exc})"
    name = None if conversation is None or conversation == "" else str(conversation)
    return _Row(row_id, name, role, text, context, ts)


def _fields(row_id: Any, role: str, result: Assessment) -> dict[str, Any]:
    """The row as the scorer reads it (field names relied on by acceptance runs)."""
    if role == "customer":
        return {
            "id": row_id,
            "role": role,
            "frustration": round(result.score, 4),
            "frustrated": result.fired,
            "acknowledgement": None,
            "acknowledges": None,
            "cues": [c.name for c in result.cues],
        }
    return {
        "id": row_id,
        "role": role,
        "frustration": 0.0,
        "frustrated": False,
        "acknowledgement": round(result.score, 4),
        "acknowledges": result.fired,
        "cues": [c.name for c in result.cues],
    }


def _error(line: int, row_id: Any, problem: str) -> tuple[dict[str, Any], str]:
    row: dict[str, Any] = {
        "id": line if row_id is None else row_id,
        "role": None,
        "frustration": None,
        "frustrated": None,
        "acknowledgement": None,
        "acknowledges": None,
        "cues": [],
        "error": problem,
        "coach": None,
    }
    return row, f"line {line}: {problem}"


def analyze_row(
    detectors: MessageDetectors | Detectors, row: Any, line: int
) -> tuple[dict[str, Any], str | None]:
    """One row read on its own, in a conversation of its own (benchmarks.speed times it,
    with the bare lexicon ``Detectors``)."""
    scorer = LexiconScorer(detectors) if isinstance(detectors, Detectors) else detectors
    return Analyzer(Engine(Policy(), scorer)).row(row, line)


def analyze_lines(
    lines: Iterable[str], engine: Engine, stats: AnalyzeStats, report: Callable[[str], None]
) -> Iterator[str]:
    analyzer = Analyzer(engine)
    for line_number, line in enumerate(lines, start=1):
        if line_number > MAX_ROWS:
            stats.stopped = True
            report(f"line {line_number:,} on: over the {MAX_ROWS:,} lines read at once; not read")
            break
        if not line.strip():
            continue
        stats.rows += 1
        row: Any
        problem: str | None
        try:
            if len(line.rstrip("\n")) > MAX_LINE_CHARS:
                raise ValueError(f"longer than {MAX_LINE_CHARS:,} characters")
            row = loads(line)
        except ValueError as exc:
            out, problem = _error(line_number, None, str(exc))
        else:
            out, problem = analyzer.row(row, line_number)
        if problem:
            stats.problems += 1
            report(problem)
        else:
            stats.analysed += 1
        yield json.dumps(out, ensure_ascii=False)


def read_lines(source: TextIO, limit: int = MAX_LINE_CHARS) -> Iterator[str]:
    """``source``'s lines, none read further than ``limit`` characters: a longer line
    yields its head (which ``analyze_lines`` refuses by its length); the rest is skipped."""
    while line := source.readline(limit + 1):
        if len(line) > limit and not line.endswith("\n"):
            while (rest := source.readline(limit)) and not rest.endswith("\n"):
                pass
        yield line
