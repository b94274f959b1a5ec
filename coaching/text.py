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

_INVISIBLE = dict.fromkeys(
    [
        8203,
        8204,
        8205,
        8206,
        8207,
        8288,
        8289,
        8290,
        8291,
        65279,
        173,
        *list(range(8234, 8239)),
        *list(range(8294, 8298)),
    ]
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
    letters = sum(1 for ch in text if ch.isalpha())
    return CleanText(text=text, letters=letters, truncated=truncated)
