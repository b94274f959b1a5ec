"""``coach analyze``: JSONL in, one JSONL row out per row in, same order.

In:  ``{"id"?, "conversation"?, "role": "customer"|"agent", "text", "context"?}``
Out: ``{"id", "role", "frustration", "frustrated", "acknowledgement", "acknowledges",
"cues"}`` — customer rows carry frustration, agent rows acknowledgement (for every agent
row, whether or not the customer was frustrated). A row that cannot be analysed still
gets its output row, with ``"error"`` saying why, so output lines up with input.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from coaching.scoring import Scorer


@dataclass
class AnalyzeStats:
    rows: int = 0
    analysed: int = 0
    problems: int = 0


def analyze_row(detectors: Scorer, row: Any, line: int) -> tuple[dict[str, Any], str | None]:
    """One output row, and the problem (if any) to report for this line."""
    if not isinstance(row, dict):
        return _error(line, None, "not a JSON object")
    row_id = row.get("id", line)
    role = row.get("role")
    text = row.get("text")
    if role not in ("customer", "agent"):
        return _error(line, row_id, f"unknown role {role!r} (expected customer or agent)")
    if not isinstance(text, str):
        return _error(line, row_id, "'text' missing or not a string")
    if role == "customer":
        result = detectors.frustration(text)
        return {
            "id": row_id,
            "role": role,
            "frustration": round(result.score, 4),
            "frustrated": result.fired,
            "acknowledgement": None,
            "acknowledges": None,
            "cues": [c.name for c in result.cues],
        }, None
    result = detectors.acknowledgement(text)
    return {
        "id": row_id,
        "role": role,
        "frustration": 0.0,
        "frustrated": False,
        "acknowledgement": round(result.score, 4),
        "acknowledges": result.fired,
        "cues": [c.name for c in result.cues],
    }, None


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
    }
    return row, f"line {line}: {problem}"


def analyze_lines(
    lines: Iterable[str], detectors: Scorer, stats: AnalyzeStats, report: Callable[[str], None]
) -> Iterator[str]:
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        stats.rows += 1
        row: Any
        problem: str | None
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            out, problem = _error(line_number, None, f"not valid JSON ({exc.msg})")
        else:
            out, problem = analyze_row(detectors, row, line_number)
        if problem:
            stats.problems += 1
            report(problem)
        else:
            stats.analysed += 1
        yield json.dumps(out, ensure_ascii=False)
