"""Redaction of personal data and secrets before anything is stored, shown or logged.

What is replaced: secrets and tokens (Slack, Discord, Stripe, GitHub, AWS access keys,
JWTs, Slack webhook URLs, bearer tokens, ``password=...``-style pairs) by ``[token]``;
e-mail addresses by ``[email]``; IBANs that pass the mod-97 check by ``[iban]``; then
card numbers by ``[card]``, phone numbers by ``[phone]``, national ID numbers by
``[id]`` and long grouped numbers by ``[number]`` (``bot.redact.numbers`` says which:
where a number could be one of them, it is hidden).

What is left alone: dates, times, amounts, decimals (Slack timestamps), versions, IPv4
addresses, numbers of up to 8 digits (order and ticket numbers), and identifiers by
their shape: Discord mentions and snowflakes after ``discord:``.

Linear time whatever the input: every pattern can only start where its own characters
begin (a look-behind refuses starts in the middle of a run) and every repeat is bounded
or cannot backtrack, so no start costs more than a bounded scan. Numbers are found by
one such pattern and judged in Python (Luhn, shapes), not by backtracking.

May import: nothing else in ``bot/`` (everything that stores, shows or logs text uses it).
"""

from __future__ import annotations

import re

from bot.redact.numbers import hide_numbers, without_split_end

MAX_STORED_CHARS = 4000  # stored message text is cut here, after redaction
CUT_MARGIN = 1000  # longer than any address, token or number a cut may split

TOKEN, EMAIL, IBAN = "[token]", "[email]", "[iban]"

_SECRETS = re.compile(
    "|".join(
        (
            r"(?<![\w-])(?:xox[abposre]|xapp)-[A-Za-z0-9-]{10,250}",  # Slack
            r"https?://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]{8,250}",
            r"(?<![\w.-])[MNO][A-Za-z\d_-]{23,27}\.[\w-]{6}\.[\w-]{27,40}",  # Discord bot
            r"(?<!\w)(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,250}",  # Stripe
            r"(?<!\w)gh[pousr]_[A-Za-z0-9]{36,255}",  # GitHub
            r"(?<!\w)github_pat_[A-Za-z0-9_]{22,255}",
            r"(?<![A-Za-z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?![A-Za-z0-9])",
            r"(?<![\w-])eyJ[A-Za-z0-9_-]{5,2000}\.eyJ[A-Za-z0-9_-]{5,4000}\.[A-Za-z0-9_-]{0,2000}",
            r"(?i:(?<!\w)bearer\s{1,5}[A-Za-z0-9._~+/-]{16,2000}=*)",
            # password=..., api_key: ..., "secret": "..." (the value, whatever it is)
            r"(?i:(?<![\w-])(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?key|token|aws_secret_access_key)"
            r"[\"']?\s{0,3}[:=]\s{0,3}[\"']?[^\s\"'&,;]{1,500})",
        )
    )
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
# Two letters, two check digits, then 11-30 letters/digits, optionally in groups of four.
_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?:[ \u00a0]?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])"
)
_IBAN_HEAD = re.compile(r"[A-Za-z]{2}[0-9]{2}")


def redact(text: str) -> str:
    """``text`` with secrets, e-mail addresses, IBANs, card, phone and national ID
    numbers replaced."""
    text = _SECRETS.sub(TOKEN, text)
    text = _EMAIL.sub(EMAIL, text)
    text = _IBAN.sub(_iban, text)
    return hide_numbers(text)


def stored_text(text: str) -> str:
    """Message text as it may be stored: at most ``MAX_STORED_CHARS``. Only twice that
    much is redacted (a 40,000-character message costs no more than an 8,000-character
    one), and the cut comes after redaction, so it never splits a number and leaves part
    of it readable. Redaction may shrink those 8,000 characters below the limit, so what
    that first cut split (a number, an address) would be stored in part: it is dropped."""
    head = text[: 2 * MAX_STORED_CHARS]
    cut = len(head) < len(text)
    cleaned = redact(without_split_end(head, CUT_MARGIN) if cut else head)
    if not cut and len(cleaned) <= MAX_STORED_CHARS:
        return cleaned
    return cleaned[:MAX_STORED_CHARS] + "…"


# --- IBAN ----------------------------------------------------------------------------------


def _iban(match: re.Match[str]) -> str:
    """The candidate may hold an IBAN after words that looked like one ("ab12 GB82
    WEST ..."): every word start that could begin one is tried, longest first."""
    text = match.group()
    spaces = [i for i, c in enumerate(text) if c in " \u00a0"]
    starts = [s for s in [0, *(i + 1 for i in spaces)] if _IBAN_HEAD.match(text, s)]
    ends = [len(text), *reversed(spaces)]
    for start in starts:
        for end in ends:
            if end > start and iban_valid(text[start:end]):
                rest = text[end:]
                return text[:start] + IBAN + (_IBAN.sub(_iban, rest) if rest else "")
    return text


def iban_valid(candidate: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters to numbers
    (A=10 ... Z=35): the number mod 97 is 1."""
    compact = "".join(candidate.split()).upper()
    if not (15 <= len(compact) <= 34 and compact.isascii() and compact.isalnum()):
        return False
    if not _IBAN_HEAD.match(compact):
        return False
    remainder = 0
    for char in compact[4:] + compact[:4]:
        value = int(char, 36)
        remainder = (remainder * (100 if value > 9 else 10) + value) % 97
    return remainder == 1
