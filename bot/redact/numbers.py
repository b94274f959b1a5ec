"""Card, phone and national ID numbers in text, told apart from the numbers that stay.

Where a number could be either, hiding wins. A *number* is a run of digit groups: up to
three separators between two groups (spaces of every kind, dots, dashes, slashes,
underscores, zero-width characters, commas, line breaks), a group possibly written in
parentheses (``(555)``), the whole possibly led by ``+``. The character before a number
does not make it an identifier (``card:4111...``, ``#123456789``, ``(4111...)`` are
hidden); only an identifier's own shape does: a Discord mention, emoji or timestamp
(``<@123...>``, ``<t:1700000000:R>``), a snowflake after ``discord:``, a Discord message
link. Each number is read in three steps:

1. What stays, and splits the number around it: dates (``2024-03-05``, ``05/03/2024``),
   decimals (``49.99``, a Slack timestamp), US ZIP+4 codes, IPv4 addresses, versions
   (``10.0.19045``, ``124.0.6367.207``), and digits glued to a word (``v2.3.14``,
   ``INC0012345``: codes).
2. Cards: every run of consecutive groups of 13-19 digits that passes the Luhn check is
   hidden, and all of them where such runs overlap. Only a card may span a comma or a
   line break, and then in groups of four digits or more: it carries a check digit,
   where a list of numbers does not.
3. What is left between those, commas and line breaks is judged whole, by its digits:
   after ``+`` 8 or more, after ``(555)`` or ``00`` 10 or more, ``555-1234``, and 10-11
   are phone numbers; 9 and 12-15 are national IDs (SSN 123-45-6789, SIN 123-456-789,
   BSN, Aadhaar 1234 5678 9012, INSEE 1 84 12 76 451 089 46...); 16 or more in several
   groups are hidden as numbers; 8 or fewer, and one unbroken run of 16 or more (how
   systems write IDs: snowflakes, tracking numbers) stay.

National IDs written with letters (UK National Insurance, Spanish DNI/NIE, Italian codice
fiscale, a Corsican INSEE number) have a pattern of their own.

Linear time: each pattern starts only where its own characters begin and never
backtracks more than a bounded step; a number is read in Python in a single pass
whose windows hold at most 19 digits.
"""

from __future__ import annotations

import itertools
import re

CARD, PHONE, NATIONAL_ID, NUMBER = "[card]", "[phone]", "[id]", "[number]"

# Between groups: "tight" separators, and "loose" ones (commas, line breaks) that only
# a card's groups may span.
_TIGHT = " \t.\\-/_\u00a0\u2007\u2009\u202f\u200b\u200c\u200d\u2060\ufeff"
_LOOSE = ",\n\r"
_GROUP = rf"(?:\(\d{{1,4}}\)[{re.escape(_TIGHT)}]{{0,3}})?\d+"  # (555) 123, or 123
_IDENTIFIER = "|".join(
    (
        r"<(?:[@#]|@[!&]|a?:\w{1,32}:|/[\w -]{1,32}:|t:)\d{1,20}(?::[tTdDfFR])?>",
        r"(?<![\w.-])discord:\d{1,20}(?::\d{1,20}){0,3}",  # conversation keys, event IDs
        r"discord(?:app)?\.com/channels/(?:\d{1,20}|@me)(?:/\d{1,20}){1,2}",
    )
)
_SEP = rf"(?:\\[nrt]|[{re.escape(_TIGHT + _LOOSE)}]){{1,3}}"  # "\n" in a log line: loose
_NUMBER = re.compile(
    rf"(?P<id>{_IDENTIFIER})|(?<![\d+])(?:\+[ \u00a0]?)?{_GROUP}(?:{_SEP}{_GROUP})*"
)
_LETTERED_ID = re.compile(
    "|".join(
        (
            # UK National Insurance number: AB123456C, ab 12 34 56 c, AB 12 34 56
            r"(?<![A-Za-z0-9])(?:(?i:[a-z]{2} ?\d\d ?\d\d ?\d\d ?[a-d])|[A-Z]{2} \d\d \d\d \d\d)"
            r"(?![A-Za-z0-9])",
            # Spanish DNI 12345678Z, 12.345.678-Z, and NIE X1234567L
            r"(?<!\w)(?i:(?:\d{8}|\d\d\.\d{3}\.\d{3}|[xyz]-?\d{7})-?[trwagmyfpdxbnjzsqvhlcke])"
            r"(?![A-Za-z0-9])",
            # Italian codice fiscale: RSSMRA85T10A562S
            r"(?<![A-Za-z0-9])(?i:[a-z]{6}\d\d[abcdehlmprst]\d\d[a-z]\d{3}[a-z])(?![A-Za-z0-9])",
            # French INSEE number of someone born in Corsica (2A, 2B)
            r"(?<!\w)[12] ?\d\d ?\d\d ?2[ABab] ?\d{3} ?\d{3}(?: ?\d\d)?(?!\w)",
        )
    )
)
_DIGIT_RUN = re.compile(r"\d+")
_IN_NUMBERS = frozenset(_TIGHT + _LOOSE + "+()")
_JOINTS = frozenset(".-/")  # one of these alone between groups joins them into a chain
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # a digit's worth where Luhn doubles it


def hide_numbers(text: str) -> str:
    """``text`` with card, phone and national ID numbers replaced."""
    return _NUMBER.sub(_number, _LETTERED_ID.sub(NATIONAL_ID, text))


def without_split_end(text: str, limit: int) -> str:
    """``text``, cut short, without the word and the number it ends with (which the cut
    may have split), dropping at most ``limit`` characters."""
    floor, end = max(0, len(text) - limit), len(text)
    while end > floor and not text[end - 1].isspace():
        end -= 1
    while end > floor and (text[end - 1].isdigit() or text[end - 1] in _IN_NUMBERS):
        end -= 1
    return text[:end]


def luhn_valid(digits: str) -> bool:
    _, sums = _luhn_prefix([digits])
    return sums[len(digits) % 2][len(digits)] % 10 == 0


def _number(match: re.Match[str]) -> str:
    text = match.group()
    if match.group("id") is not None:
        return text  # an identifier: <@123...>, discord:123...
    runs = [(m.start(), m.end()) for m in _DIGIT_RUN.finditer(text)]
    groups = [text[a:b] for a, b in runs]
    seps = [text[b:a] for (_, b), (a, _) in itertools.pairwise(runs)]
    # a comma, a line break, or one written \n (as a log line writes a repr or JSON)
    loose = [any(c in _LOOSE for c in sep) or "\\" in sep for sep in seps]

    def enclosed(k: int) -> bool:  # the group is written (555)
        start, end = runs[k]
        return start > 0 and text[start - 1] == "(" and text[end : end + 1] == ")"

    kept = _kept(groups, seps, glued=_glued(match))
    starts_phone = [enclosed(k) for k in range(len(groups))]  # (555) or +44: a phone
    starts_phone[0] = starts_phone[0] or text[0] == "+"
    hidden = [(i, j, CARD) for i, j in _cards(groups, loose, kept, starts_phone)]
    blocked = kept[:]
    for i, j, _ in hidden:
        blocked[i : j + 1] = [True] * (j + 1 - i)
    for i, j in _rest(blocked, loose):
        kind = _kind(
            groups[i : j + 1], seps[i:j], plus=i == 0 and text[0] == "+", paren=enclosed(i)
        )
        if kind is not None:
            hidden.append((i, j, kind))
    out, done = [], 0
    for i, j, label in sorted(hidden):
        start = 0 if i == 0 and text[0] == "+" else runs[i][0] - enclosed(i)
        out += [text[done:start], label]
        done = runs[j][1] + enclosed(j)
    return "".join(out) + text[done:]


def _glued(match: re.Match[str]) -> bool:
    r"""The number starts inside a word (``v2.3.14``, ``INC0012345``), not after ``\n``."""
    before = match.string[max(0, match.start() - 2) : match.start()]
    letter = before[-1:].isalpha() or before[-1:] == "_"
    return letter and match.group()[0].isdigit() and before not in ("\\n", "\\r", "\\t")


def _kept(groups: list[str], seps: list[str], glued: bool) -> list[bool]:
    """Which groups stay whatever is around them (step 1)."""
    kept = [False] * len(groups)
    i = 0
    while i < len(groups):
        joint = seps[i] if i < len(seps) and seps[i] in _JOINTS else ""
        j = i
        while joint and j < len(seps) and seps[j] == joint:
            j += 1
        if (glued and i == 0) or _stays(groups[i : j + 1], joint):
            kept[i : j + 1] = [True] * (j + 1 - i)
        i = j + 1
    return kept


def _stays(chain: list[str], joint: str) -> bool:
    """A chain of groups joined by one ``joint`` each that is a date, a decimal, etc."""
    sizes = [len(g) for g in chain]
    if len(chain) == 2:  # a decimal (49.99, a Slack timestamp), a US ZIP+4 code (many homes)
        return joint == "." or (joint == "-" and sizes == [5, 4])
    if len(chain) == 3 and _date(chain):
        return True
    if joint != "." or len(chain) > 4:
        return False
    if len(chain) == 4 and all(s <= 3 and int(g) <= 255 for g, s in zip(chain, sizes, strict=True)):
        return True  # an IPv4 address
    return sizes[0] <= 3 and sizes[1] <= 2 and sizes != [3, 2, 4]  # a version, not an SSN


def _year(group: str) -> bool:
    return len(group) == 4 and 1900 <= int(group) <= 2099


def _years(groups: list[str]) -> bool:
    """A list of years ("2019 2020 2021 2022"), not an ID: at least four, in order. Three
    groups of four digits is an Aadhaar number's shape, and "2000 2000 2000" is one."""
    return len(groups) >= 4 and all(map(_year, groups)) and groups == sorted(set(groups))


def _date(chain: list[str]) -> bool:
    first, second, third = (int(g) for g in chain)
    small = len(chain[1]) <= 2 and (len(chain[0]) <= 2 or _year(chain[0]))
    if not small:
        return False
    if _year(chain[0]):  # 2024-03-05
        return len(chain[2]) <= 2 and 1 <= second <= 12 and 1 <= third <= 31
    year = len(chain[2]) == 2 or _year(chain[2])  # 05/03/2024, 03/05/24
    return year and 1 <= min(first, second) <= 12 and max(first, second) <= 31


def _cards(
    groups: list[str], loose: list[bool], kept: list[bool], starts_phone: list[bool]
) -> list[tuple[int, int]]:
    """(first, last) group of each card (step 2), overlapping readings merged. A group
    in parentheses or after ``+`` starts a phone number, not a card."""
    sizes = [len(g) for g in groups]
    ends, sums = _luhn_prefix(groups)
    found: list[list[int]] = []
    for i in range(len(groups)):
        if starts_phone[i]:
            continue
        count, crossed, short = 0, False, False
        for j in range(i, len(groups)):
            if kept[j]:
                break
            if j > i:
                crossed = crossed or loose[j - 1]
                short = short or sizes[j - 1] < 4
                if crossed and short:
                    break  # "2, 4, 6": a list, not a card's groups
            count += sizes[j]
            if count > 19:
                break
            if count < 13:
                continue
            end = ends[j]
            prefix = sums[end % 2]  # the last digit is never doubled
            if (prefix[end] - prefix[end - count]) % 10 or _years(groups[i : j + 1]):
                continue  # fails the Luhn check, or 2019 2020 2021 2022: years
            if found and i <= found[-1][1]:
                found[-1][1] = max(found[-1][1], j)
            else:
                found.append([i, j])
    return [(i, j) for i, j in found]


def _luhn_prefix(groups: list[str]) -> tuple[list[int], tuple[list[int], list[int]]]:
    """Where each group ends among all the digits, and prefix sums of the digits' Luhn
    worth for either parity of the last digit, so a window's Luhn sum is one subtraction:
    ``sums[e % 2][e] - sums[e % 2][s]`` for digits ``s`` to ``e``, ``e`` excluded."""
    ends: list[int] = []
    odd_last, even_last = [0], [0]  # the window's last digit at an odd / an even index
    for group in groups:
        for char in group:
            value, index = int(char), len(odd_last) - 1
            odd_last.append(odd_last[-1] + (_DOUBLED[value] if index % 2 == 0 else value))
            even_last.append(even_last[-1] + (value if index % 2 == 0 else _DOUBLED[value]))
        ends.append(len(odd_last) - 1)
    return ends, (odd_last, even_last)


def _rest(blocked: list[bool], loose: list[bool]) -> list[tuple[int, int]]:
    """(first, last) group of each run of groups left (step 3): between kept groups,
    cards, commas and line breaks."""
    found: list[tuple[int, int]] = []
    start = None
    for k, is_blocked in enumerate(blocked):
        if start is not None and (is_blocked or loose[k - 1]):
            found.append((start, k - 1))
            start = None
        if start is None and not is_blocked:
            start = k
    if start is not None:
        found.append((start, len(blocked) - 1))
    return found


def _kind(groups: list[str], seps: list[str], plus: bool, paren: bool) -> str | None:
    """What a run of groups left is, judged by its digits (step 3); None: it stays."""
    digits = "".join(groups)
    n = len(digits)
    if _years(groups):
        return None
    if (plus and n >= 8) or ((paren or digits.startswith("00")) and n >= 10):
        return PHONE
    if n == 7:  # a local number: 555-1234
        local = len(groups) == 2 and len(groups[0]) == 3 and seps[0].strip() in ("-", "")
        return PHONE if local else None
    if n < 9:
        return None  # order numbers, amounts, short numbers
    if n in (10, 11):
        return PHONE
    if n <= 15:
        return NATIONAL_ID  # and an SSN, BSN or SIN is 9 digits
    return NUMBER if len(groups) > 1 else None
