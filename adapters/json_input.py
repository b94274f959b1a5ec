"""JSON from outside (transcripts, ``coach analyze`` rows, Slack requests), read so that
nothing in it can end in a traceback.

``json`` recurses once per level of nesting: a line of ten thousand ``[`` raises
``RecursionError``, which is no ``ValueError`` and escapes the handlers meant for bad
input, and a value nested a few hundred deep parses but later fails to be written out.
It also reads ``NaN`` and ``Infinity`` (not JSON) and turns ``1e400`` into infinity.
``loads`` refuses all of these with a ``ValueError`` saying what is wrong.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

MAX_DEPTH = 64  # levels of nesting; Slack's deepest payloads (rich text in blocks) use ~15


def loads(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value in ``text``; ``ValueError`` when it is not JSON, holds a number no
    float can carry (NaN, Infinity, 1e400, thousands of digits) or nests too deeply."""
    too_deep = f"nested deeper than {max_depth} levels"
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg})") from None
    except RecursionError:  # deeper than Python's recursion limit, so than ``max_depth``
        raise ValueError(too_deep) from None
    except ValueError:  # from the two checks below, or int() refusing thousands of digits
        raise ValueError("a number out of range (NaN, Infinity or too many digits)") from None
    if deeper_than(value, max_depth):
        raise ValueError(too_deep)
    return value


def deeper_than(value: Any, limit: int) -> bool:
    """Whether lists and objects in ``value`` nest deeper than ``limit`` levels (without
    recursing, so a value of any depth can be asked)."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        if level > limit:
            return True
        # only containers nest: strings and numbers (most of an event) are not stacked
        stack.extend((c, level + 1) for c in item if isinstance(c, dict | list))
    return False


def _no_constant(name: str) -> NoReturn:
    raise ValueError(name)


def _finite(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError(text)
    return number
