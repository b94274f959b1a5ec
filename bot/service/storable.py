"""One rule for hostile text: what a database or an encoder refuses is cleaned before it
is stored.

PostgreSQL refuses U+0000 in text, and no UTF-8 encoder takes a lone UTF-16 surrogate
(Discord and Slack pass both through from a client's JSON). Left in, such a message
fails every write it is part of, and every event written with it. So every string of an
event is cleaned at the inbox's door: NUL is dropped, a surrogate becomes U+FFFD.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TypeVar

_SURROGATE = re.compile("[\ud800-\udfff]")

T = TypeVar("T")


def storable(text: str) -> str:
    """``text`` as every store and encoder takes it."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if text.isascii():  # the common case: nothing more to look for
        return text
    return _SURROGATE.sub("\ufffd", text)


def storable_event(event: T) -> T:
    """``event`` (a frozen dataclass, nested ones included) with every string storable;
    the same object when nothing needed cleaning."""
    if not dataclasses.is_dataclass(event) or isinstance(event, type):
        return event
    changes: dict[str, object] = {}
    for field in dataclasses.fields(event):
        value = getattr(event, field.name)
        if isinstance(value, str):
            cleaned: object = storable(value)
        elif dataclasses.is_dataclass(value):
            cleaned = storable_event(value)
        else:
            continue
        if cleaned is not value and cleaned != value:
            changes[field.name] = cleaned
    return dataclasses.replace(event, **changes) if changes else event
