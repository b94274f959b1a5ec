"""Turn raw chat text into what the detectors read.

Platform markup (Slack ``<@U1>`` / ``<url|label>``, Discord ``<@123>`` / ``<:name:id>``),
leading @handles, URLs, zero-width and control characters are removed; Slack emoji
shortcodes become the emoji they stand for. Very long messages keep their head and
tail: the first and last sentences say how a customer feels, the pasted log between
them does not.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_ANALYSED_CHARS = 2000

# Bidi embeddings, overrides and isolates, and the marks: they reorder what a terminal or
# an editor shows ("Trojan Source"), so they are never passed on as they are.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_INVISIBLE = dict.fromkeys(
    [8203, 8204, 8205, 8288, 8289, 8290, 8291, 65279, 173, *map(ord, BIDI_CONTROLS)]
)
# ANSI/VT escape sequences: CSI (colour, cursor moves, erasing), OSC (window titles, links)
# ended by BEL or ST, 8-bit CSI, and two-character escapes.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -~]"
)
_SLACK_LINK = re.compile(r"<(?:https?|mailto):[^|>]*\|([^>]*)>")
_PLATFORM_TOKEN = re.compile(
    r"<[@#!][^>]*>|<a?:[\w~]+:\d+>|<(?:https?|mailto):[^>]*>|<t:\d+(?::\w)?>"
)
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+")
_LEADING_HANDLES = re.compile(r"^(?:\s*@\w+)+")
_HANDLE = re.compile(r"(?<!\w)@\w+")
_CODE_BLOCK = re.compile(r"```.*?```", re.S)
_WHITESPACE = re.compile(r"\s+")
_HTML_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'"}
_ENTITY = re.compile("|".join(map(re.escape, _HTML_ENTITIES)))

# Slack/Discord shortcodes people type for feelings; only these matter to the cues.
_SHORTCODES = {
    ":rage:": "😡",
    ":angry:": "😠",
    ":face_with_symbols_on_mouth:": "🤬",
    ":triumph:": "😤",
    ":unamused:": "😒",
    ":face_with_rolling_eyes:": "🙄",
    ":roll_eyes:": "🙄",
    ":-1:": "👎",
    ":thumbsdown:": "👎",
    ":disappointed:": "😞",
    ":weary:": "😩",
    ":tired_face:": "😫",
    ":expressionless:": "😑",
    ":pensive:": "😔",
    ":cry:": "😢",
    ":sob:": "😭",
    ":skull:": "💀",
    ":facepalm:": "🤦",
    ":face_palm:": "🤦",
    ":smile:": "😄",
    ":slightly_smiling_face:": "🙂",
    ":smiley:": "😃",
    ":grinning:": "😀",
    ":pray:": "🙏",
    ":heart:": "❤️",
    ":+1:": "👍",
    ":thumbsup:": "👍",
    ":tada:": "🎉",
    ":joy:": "😂",
}
_SHORTCODE = re.compile(r":[a-z+\-][a-z0-9_+\-]*:")


@dataclass(frozen=True, slots=True)
class CleanText:
    text: str  # what the detectors read
    letters: int  # count of alphabetic characters (0 means nothing to judge)
    truncated: bool


def _control_free(text: str) -> str:
    text = text.translate(_INVISIBLE)
    if text.isascii() and text.isprintable():
        return text
    return "".join(ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " " for ch in text)


def is_control(ch: str) -> bool:
    """A character that acts on a terminal or reorders text: a C0 or C1 control (newline
    and tab aside), DEL, or a bidi control."""
    return ch in BIDI_CONTROLS or (ch not in "\n\t" and unicodedata.category(ch) == "Cc")


def without_controls(text: str) -> str:
    """``text`` with escape sequences, control characters (newline and tab aside) and bidi
    controls removed: safe to write to a file someone will print or open."""
    if text.isprintable():  # the common case: nothing to remove
        return text
    return "".join(ch for ch in _ESCAPE_SEQUENCE.sub("", text) if not is_control(ch))


def clean(raw: str) -> CleanText:
    text = _control_free(raw)
    truncated = len(text) > MAX_ANALYSED_CHARS
    if truncated:
        half = MAX_ANALYSED_CHARS // 2
        text = f"{text[:half]} … {text[-half:]}"
    text = _CODE_BLOCK.sub(" ", text)
    text = _SLACK_LINK.sub(r"\1", text)
    text = _PLATFORM_TOKEN.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _ENTITY.sub(lambda m: _HTML_ENTITIES[m.group()], text)
    text = _LEADING_HANDLES.sub("", text)
    text = _HANDLE.sub(" ", text)
    if ":" in text:
        text = _SHORTCODE.sub(lambda m: _SHORTCODES.get(m.group(), " "), text)
    text = _WHITESPACE.sub(" ", text).strip()
    letters = sum(map(str.isalpha, text))
    return CleanText(text=text, letters=letters, truncated=truncated)
