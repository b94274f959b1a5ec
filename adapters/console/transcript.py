"""Transcript files -> turns, whatever the format, with a clear problem list.

Formats (detected from the content, not the file name):
- JSONL, one turn a line: ``{"conversation", "role": "customer"|"agent", "author",
  "text", "ts"}`` with ``ts`` ISO-8601 or epoch seconds; and survey answers
  ``{"conversation", "role": "survey", "author", "score": 1-5, "ts"}`` (the author is
  the customer; ``"score": null`` for a survey left unanswered, ``"csat": 1-5`` optional);
- IBM customer-care JSON (a list of ``{"dialogHeader", "dialogContent", "agentURL"}``);
- USS tab-separated dialogues (``USER``/``SYSTEM`` lines, a blank line between dialogues;
  no timestamps, so turns are spaced a minute apart);
- ABCD JSON (a list of ``{"convo_id", "original": [[speaker, text], ...]}``).
A bad line never stops the rest: it becomes a problem naming the line (broken JSON, JSON
nested deeper than 64 levels, NaN or Infinity, a time before 1970 or from 2100 on). The
work is bounded by bytes (``MAX_FILE_BYTES``) and by rows: lines past ``MAX_ROWS`` are
not read, nor dialogues of the JSON formats starting past ``MAX_ROWS`` turns; said so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from adapters.json_input import loads

SYNTHETIC_GAP = 60.0  # seconds between turns of formats without timestamps
MAX_FILE_BYTES = 64 * 1024 * 1024  # a transcript larger than this is refused, not read
MAX_TURN_CHARS = 40_000  # Slack's own limit for a message; longer turns are cut
MAX_ROWS = 200_000  # ~64 MiB of chat; replaying more would take hours, not minutes
# Epoch seconds from 1970 (small numbers serve as relative times) to 2100: no real chat
# is later, and timers and dates computed from them stay finite and printable.
EARLIEST_TS, LATEST_TS = 0.0, 4_102_444_800.0
_ROLES = {"customer": "customer", "agent": "agent"}


@dataclass(frozen=True, slots=True)
class Turn:
    conversation: str
    role: str  # "customer" or "agent"
    author: str
    text: str = field(repr=False)
    ts: float
    line: int  # where it came from (line number, or item number for JSON lists)


@dataclass(frozen=True, slots=True)
class SurveyRow:
    """A customer's survey answer: "Did you feel understood?" ``score`` (None: asked, not
    answered) and, when asked, CSAT."""

    conversation: str
    author: str
    score: int | None
    csat: int | None
    ts: float
    line: int


@dataclass
class Transcript:
    turns: list[Turn] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    format: str = ""
    surveys: list[SurveyRow] = field(default_factory=list)


class TranscriptError(Exception):
    """The file cannot be read at all (missing, empty, not a transcript)."""


def parse_ts(value: Any) -> float:
    """Epoch seconds from a number or an ISO-8601 string (``ValueError`` if it is none, or
    NaN, Infinity, or outside 1970-2100)."""
    return in_range(_seconds(value))


def in_range(ts: float) -> float:
    if not EARLIEST_TS <= ts < LATEST_TS:  # NaN fails every comparison
        raise ValueError("not a time from 1970 to 2100")
    return ts


def _seconds(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("not a timestamp")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            pass
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            raise ValueError(f"ISO-8601 time without a time zone: {text!r}")
        return parsed.timestamp()
    raise ValueError("missing or not a timestamp")


def load(path: Path) -> Transcript:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise TranscriptError(
                f"{path}: {size / 2**20:.0f} MiB, over the {MAX_FILE_BYTES // 2**20} MiB a "
                "transcript may have; split it into smaller files"
            )
        raw = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise TranscriptError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise TranscriptError(f"{path}: is a directory, not a transcript file") from None
    except OSError as exc:
        raise TranscriptError(f"{path}: cannot be read: {exc.strerror}") from None
    return parse(raw, name=path.stem)


def parse(raw: str, name: str = "transcript") -> Transcript:
    return _capped(_parse(raw, name))


def _capped(transcript: Transcript) -> Transcript:
    """Turns longer than ``MAX_TURN_CHARS`` are cut there (and said so)."""
    for index, turn in enumerate(transcript.turns):
        if len(turn.text) > MAX_TURN_CHARS:
            transcript.problems.append(
                f"line {turn.line}: text longer than {MAX_TURN_CHARS:,} characters; cut"
            )
            transcript.turns[index] = Turn(
                turn.conversation,
                turn.role,
                turn.author,
                turn.text[:MAX_TURN_CHARS],
                turn.ts,
                turn.line,
            )
    return transcript


def _parse(raw: str, name: str) -> Transcript:
    stripped = raw.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise TranscriptError("the transcript is empty")
    if stripped.startswith("["):
        try:
            data = loads(stripped)
        except ValueError:  # read line by line instead: each bad line is named
            data = None
        if isinstance(data, list):
            if data and isinstance(data[0], dict) and "dialogContent" in data[0]:
                return _ibm(data)
            if data and isinstance(data[0], dict) and "original" in data[0]:
                return _abcd(data)
            raise TranscriptError("a JSON list, but neither IBM customer-care nor ABCD turns")
    first = stripped.splitlines()[0]
    if first.split("\t", 1)[0] in ("USER", "SYSTEM"):
        return _uss(raw, name)
    return _jsonl(raw)


def _jsonl(raw: str) -> Transcript:
    out = Transcript(format="jsonl")
    for number, line in enumerate(raw.splitlines(), start=1):
        if _over_limit(number, out):
            break
        if not line.strip():
            continue
        try:
            row = loads(line)
        except ValueError as exc:
            out.problems.append(f"line {number}: {exc}; skipped")
            continue
        if not isinstance(row, dict):
            out.problems.append(f"line {number}: not a JSON object; skipped")
            continue
        if str(row.get("role", "")).strip().lower() == "survey":
            _survey_row(row, number, out)
            continue
        role = _ROLES.get(str(row.get("role", "")).strip().lower())
        if role is None:
            out.problems.append(
                f"line {number}: unknown role {row.get('role')!r} (expected customer, agent or survey); skipped"
            )
            continue
        text = row.get("text")
        if not isinstance(text, str):
            out.problems.append(f"line {number}: 'text' missing or not a string; skipped")
            continue
        try:
            ts = parse_ts(row.get("ts"))
        except (ValueError, OverflowError) as exc:
            out.problems.append(f"line {number}: bad 'ts' ({exc}); skipped")
            continue
        conversation = str(row.get("conversation") or "default")
        author = str(row.get("author") or f"{role}-{conversation}")
        out.turns.append(Turn(conversation, role, author, text, ts, number))
    return out


def _survey_row(row: dict[str, Any], number: int, out: Transcript) -> None:
    """A survey answer row, or a problem naming what is wrong with it."""
    author = row.get("author")
    if not isinstance(author, str) or not author.strip():
        out.problems.append(f"line {number}: survey without 'author' (the customer); skipped")
        return
    try:
        score, csat = _score(row.get("score"), "score"), _score(row.get("csat"), "csat")
    except ValueError as exc:
        out.problems.append(f"line {number}: survey {exc}; skipped")
        return
    try:
        ts = parse_ts(row.get("ts"))
    except (ValueError, OverflowError) as exc:
        out.problems.append(f"line {number}: bad 'ts' ({exc}); skipped")
        return
    conversation = str(row.get("conversation") or "default")
    out.surveys.append(SurveyRow(conversation, author.strip(), score, csat, ts, number))


def _score(value: Any, name: str) -> int | None:
    """1-5, or None when absent (a survey asked but not answered; CSAT not asked)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value not in range(1, 6):
        raise ValueError(f"'{name}' must be a whole number from 1 to 5 (got {value!r})")
    return int(value)


def _ibm(data: list[Any]) -> Transcript:
    out = Transcript(format="ibm")
    seen: set[str] = set()
    for number, conv in enumerate(data, start=1):
        if _over_limit(len(out.turns) + 1, out, "turn"):
            break
        try:
            header = conv["dialogHeader"]
            conversation = str(header["sessionID"])
            if conversation in seen:
                out.problems.append(f"item {number}: conversation {conversation} repeated; skipped")
                continue
            seen.add(conversation)
            turns = list(_ibm_turns(conv, conversation, number))
        except (KeyError, TypeError, ValueError) as exc:
            out.problems.append(
                f"item {number}: not an IBM customer-care dialogue ({exc}); skipped"
            )
            continue
        out.turns.extend(turns)
    return out


def _ibm_turns(conv: dict[str, Any], conversation: str, number: int) -> Iterator[Turn]:
    last = 0.0
    for turn in conv["dialogContent"]:
        role = "agent" if "agent" in turn else "customer"
        author = str(turn.get("agent") or turn.get("client") or turn.get("client1") or role)
        last = parse_ts(turn["datetime"])
        yield Turn(conversation, role, author, str(turn["message"]), last, number)
    final = conv.get("agentURL") or {}
    if final.get("url_utterance"):
        header = conv["dialogHeader"]
        length = _duration(str(header.get("duration", "")))
        if length is None:
            end = last + SYNTHETIC_GAP
        else:
            end = in_range(max(parse_ts(header["conversationDateTime"]) + length, last))
        author = str(header.get("company") or "agent")
        yield Turn(conversation, "agent", author, str(final["url_utterance"]), end, number)


_DURATION = re.compile(r"^(?:(\d+)-)?(\d+):(\d+):(\d+(?:\.\d*)?)$")


def _duration(text: str) -> float | None:
    """IBM's "[days-]HH:MM:SS[.f]". Negative or unreadable durations are unknown (None):
    the final reply is then placed a minute after the last turn."""
    match = _DURATION.match(text.strip())
    if not match:
        return None
    days, hours, minutes, seconds = match.groups()
    return int(days or 0) * 86_400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _uss(raw: str, name: str) -> Transcript:
    out = Transcript(format="uss")
    dialogue, turn_index, base = 0, 0, 1_600_000_000.0
    started = False
    for number, line in enumerate(raw.splitlines(), start=1):
        if _over_limit(number, out):
            break
        if not line.strip():
            if started:
                dialogue += 1
                turn_index = 0
                started = False
            continue
        parts = line.split("\t")
        speaker = parts[0].strip()
        if len(parts) < 2 or speaker not in ("USER", "SYSTEM"):
            out.problems.append(
                f"line {number}: expected 'USER' or 'SYSTEM', a tab, then text; skipped"
            )
            continue
        if parts[1].strip() == "OVERALL":
            continue  # the dialogue-level rating row, not a turn
        started = True
        conversation = f"{name}-{dialogue + 1}"
        role = "customer" if speaker == "USER" else "agent"
        ts = base + dialogue * 86_400 + turn_index * SYNTHETIC_GAP
        turn_index += 1
        out.turns.append(Turn(conversation, role, f"{role}-{conversation}", parts[1], ts, number))
    return out


def _abcd(data: list[Any]) -> Transcript:
    out = Transcript(format="abcd")
    base = 1_600_000_000.0
    for number, conv in enumerate(data, start=1):
        if _over_limit(len(out.turns) + 1, out, "turn"):
            break
        try:
            conversation = f"abcd-{conv['convo_id']}"
            for index, (speaker, text) in enumerate(conv["original"]):
                if speaker not in ("agent", "customer"):
                    continue  # "action" rows are system notes, not messages
                ts = base + number * 86_400 + index * SYNTHETIC_GAP
                out.turns.append(
                    Turn(conversation, speaker, f"{speaker}-{conversation}", str(text), ts, number)
                )
        except (KeyError, TypeError, ValueError) as exc:
            out.problems.append(f"item {number}: not an ABCD dialogue ({exc}); skipped")
    return out


def _over_limit(row: int, out: Transcript, unit: str = "line") -> bool:
    """Past ``MAX_ROWS``: the rest is not read (and the problem says so)."""
    if row <= MAX_ROWS:
        return False
    out.problems.append(
        f"{unit} {row:,} on: over the {MAX_ROWS:,} {unit}s a transcript may have; not read "
        "(split the file)"
    )
    return True


def in_order(turns: list[Turn]) -> tuple[list[Turn], list[str]]:
    """Turns sorted by time across conversations; a turn earlier than the one before it in
    the same conversation keeps its place in the file and takes the previous time."""
    problems = []
    last: dict[str, float] = {}
    fixed = []
    for turn in turns:
        previous = last.get(turn.conversation)
        if previous is not None and turn.ts < previous:
            problems.append(
                f"line {turn.line}: timestamp earlier than the previous message of conversation "
                f"{turn.conversation!r}; kept in file order"
            )
            turn = Turn(turn.conversation, turn.role, turn.author, turn.text, previous, turn.line)
        last[turn.conversation] = turn.ts
        fixed.append(turn)
    fixed.sort(key=lambda t: t.ts)  # stable: file order breaks ties
    return fixed, problems
