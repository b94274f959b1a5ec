"""Redaction of personal data and secrets before anything is stored or logged.

What is replaced: secrets and tokens (Slack, Discord, Stripe, GitHub, AWS access keys,
JWTs, Slack webhook URLs, bearer tokens, ``password=...``-style pairs) by ``[token]``;
e-mail addresses by ``[email]``; IBANs that pass the mod-97 check by ``[iban]``; card
numbers of 13-19 digits that pass the Luhn check, whatever separates their groups
(spaces, no-break spaces, dots, dashes, slashes, zero-width characters), by ``[card]``
(17-19 digits written as one run are taken for an ID, such as a Discord snowflake);
phone numbers (``+44 7700 900123``, ``07700 900123``, ``(555) 123-4567``,
``5551234567``, ``555-1234``) by ``[phone]``.

What is left alone: year ranges (``2019-2020``), dates, IPv4 addresses, decimals such as
Slack timestamps, and numbers that are identifiers: right after ``:``, ``#``, ``/``,
``@`` or ``<`` or right before ``:`` or ``>`` (``discord:1234...``, ``<@1234...>``).

Linear time whatever the input: every pattern can only start where its own characters
begin (a look-behind refuses starts in the middle of a run) and every repeat is bounded,
so no start costs more than a bounded scan. Numbers are found by one such pattern and
judged in Python (Luhn, shapes), not by backtracking.
"""

from __future__ import annotations

import itertools
import re

MAX_STORED_CHARS = 4000  # stored message text is cut here, after redaction

TOKEN, EMAIL, CARD, PHONE, IBAN = "[token]", "[email]", "[card]", "[phone]", "[iban]"

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

# Between the digit groups of a number: spaces of every kind, dots, dashes, slashes,
# underscores and zero-width characters (up to three in a row: "4111 - 1111").
_SEP_CHARS = " \t.\\-/_\u00a0\u2007\u2009\u202f\u200b\u200c\u200d\u2060\ufeff"
_SEP = f"[{_SEP_CHARS}]"
_NUMBER = re.compile(
    r"(?<![\w+(])"  # not inside a word or another number
    r"(?:\+[ \u00a0]?)?"  # +44 ...
    rf"(?:\(\d{{1,4}}\){_SEP}{{0,3}})?"  # (555) ...
    rf"\d(?:{_SEP}{{0,3}}\d){{5,24}}"  # 6 to 25 digits in groups
    r"(?!\d)"
)
_DIGIT_RUN = re.compile(r"\d+")
_ID_BEFORE = frozenset(":#/@<")
_ID_AFTER = frozenset(":>")


def redact(text: str) -> str:
    """``text`` with secrets, e-mail addresses, IBANs, card and phone numbers replaced."""
    text = _SECRETS.sub(TOKEN, text)
    text = _EMAIL.sub(EMAIL, text)
    text = _IBAN.sub(_iban, text)
    return _NUMBER.sub(_number, text)


def stored_text(text: str) -> str:
    """Message text as it may be stored: at most ``MAX_STORED_CHARS``. Only twice that
    much is redacted (a 40,000-character message costs no more than an 8,000-character
    one), and the cut comes after redaction, so it never splits a number and leaves part
    of it readable."""
    cleaned = redact(text[: 2 * MAX_STORED_CHARS])
    return cleaned if len(cleaned) <= MAX_STORED_CHARS else cleaned[:MAX_STORED_CHARS] + "…"


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


# --- cards and phone numbers ---------------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _number(match: re.Match[str]) -> str:
    text, start, end = match.group(), match.start(), match.end()
    whole = match.string
    if (start > 0 and whole[start - 1] in _ID_BEFORE) or (
        end < len(whole) and whole[end] in _ID_AFTER
    ):
        return text  # an identifier (discord:123..., <@123...>), not a number to hide
    runs = list(_DIGIT_RUN.finditer(text))
    card = None if text[0] in "+(" else _card_span(text, runs)  # +44 ..., (555) ...: phones
    if card is not None:
        first, last = card
        return text[:first] + CARD + _number_rest(text[last:])
    return PHONE if _is_phone(text, runs) else text


def _number_rest(rest: str) -> str:
    """What follows a card inside the same run of digits (rarely anything)."""
    return _NUMBER.sub(_number, rest) if rest.strip(_SEP_CHARS) else rest


def _card_span(text: str, runs: list[re.Match[str]]) -> tuple[int, int] | None:
    """The first (longest) consecutive digit groups holding 13-19 digits that pass the
    Luhn check, as (start, end) in ``text``; None when there is no card."""
    ends = [0]  # digits before each group, for the windows' lengths
    for run in runs:
        ends.append(ends[-1] + len(run.group()))
    for i in range(len(runs)):
        for j in range(len(runs) - 1, i - 1, -1):
            length = ends[j + 1] - ends[i]
            if length < 13:
                break
            if length > 19:
                continue
            if j == i + 1 and "." in text[runs[i].end() : runs[j].start()]:
                continue  # 1700000000.123456: a decimal (a Slack timestamp), not a card
            if j == i and length >= 17:
                continue  # 17-19 digits in one run: a snowflake ID (Discord), not a card
            if luhn_valid("".join(r.group() for r in runs[i : j + 1])):
                return runs[i].start(), runs[j].end()
    return None


def _is_phone(text: str, runs: list[re.Match[str]]) -> bool:
    groups = [r.group() for r in runs]
    digits = "".join(groups)
    seps = [text[a.end() : b.start()] for a, b in itertools.pairwise(runs)]
    if _not_a_phone(groups, seps):
        return False
    n = len(digits)
    if text.startswith("+"):
        return 8 <= n <= 15
    if text.startswith("(") or digits.startswith("00"):
        return 10 <= n <= 15
    if 10 <= n <= 11:
        return True
    # a local number: 555-1234
    return n == 7 and len(groups) == 2 and len(groups[0]) == 3 and seps[0].strip() in ("-", ".", "")


def _not_a_phone(groups: list[str], seps: list[str]) -> bool:
    """Shapes that look numeric but are not phone numbers."""
    if len(groups) == 2 and "." in seps[0]:
        return True  # a decimal number
    if len(groups) == 4 and all(s == "." for s in seps):
        return all(len(g) <= 3 and int(g) <= 255 for g in groups)  # an IPv4 address
    years = [g for g in groups if len(g) == 4 and 1900 <= int(g) <= 2099]
    if len(groups) == 2 and len(years) == 2:
        return True  # a range of years: 2019-2020
    return (
        len(groups) == 3 and len(years) == 1 and all(len(g) <= 2 for g in groups if g not in years)
    )
