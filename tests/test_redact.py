"""Redaction (bot/redact/): what is hidden, what is left alone, and properties that hold
for any text (hypothesis). Speed on adversarial input is measured in
``benchmarks/redaction.py``, not here."""

from __future__ import annotations

import base64
import json
import string
from datetime import date, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.redact import MAX_STORED_CHARS, iban_valid, redact, stored_text
from bot.redact.numbers import luhn_valid

SEPARATORS = [" ", "\u00a0", "\u202f", "\u2009", ".", "-", "/", "\u200b", " - ", ""]
SEPARATORS += [",", ", ", "\n", "\r\n", " \n"]  # commas and line breaks separate groups too


def luhn_complete(body: str) -> str:
    """``body`` plus the check digit that makes it pass the Luhn check."""
    for check in "0123456789":
        if luhn_valid(body + check):
            return body + check
    raise AssertionError("unreachable")


def iban_of(country: str, bban: str) -> str:
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def grouped(number: str, sep: str, size: int = 4) -> str:
    return sep.join(number[i : i + size] for i in range(0, len(number), size))


# --- examples ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111 1111 1111 1111 thanks", "card [card] thanks"),
        ("card 4111\u00a01111\u00a01111\u00a01111", "card [card]"),
        ("card 4111.1111.1111.1111", "card [card]"),
        ("4111-1111-1111-1111", "[card]"),
        ("4111111111111111", "[card]"),
        ("amex 3782 822463 10005", "amex [card]"),
        ("card 6011 0000 0000 0000 001", "card [card]"),  # 19 digits, the longest cards
        ("card 4222000000006", "card [card]"),  # 13 digits, the shortest
        ("card 4111 1111 1111 1111 12", "card [card] 12"),  # the card, not what follows
        ("IBAN GB82 WEST 1234 5698 7654 32 please", "IBAN [iban] please"),
        ("GB82WEST12345698765432", "[iban]"),
        ("de89370400440532013000", "[iban]"),
        ("ab12 GB82 WEST 1234 5698 7654 32", "ab12 [iban]"),
        ("call 07700 900123", "call [phone]"),
        ("or 5551234567", "or [phone]"),
        ("(555) 123-4567", "[phone]"),
        ("+44 7700 900123", "[phone]"),
        ("555-123-4567 or 555.123.4567", "[phone] or [phone]"),
        ("at 555-1234", "at [phone]"),
        ("0044 7700 900123", "[phone]"),
        ("+49 151 12345108", "[phone]"),  # 13 digits that pass Luhn: still a phone number
        ("mail jo.smith+x@mail.example.co.uk", "mail [email]"),
        ("xoxb-1234567890-abcdefghij", "[token]"),
        ("xapp-1-A0000000000-abcdef", "[token]"),
        ("https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX", "[token]"),
        ("AKIAIOSFODNN7EXAMPLE", "[token]"),
        ("ghp_" + "a1" * 18, "[token]"),
        ("github_pat_" + "A" * 30, "[token]"),
        ("sk_live_abcdefghijklmnop", "[token]"),
        ("NzkyNzE1NDU0MTk2MDg4ODQy.X-hvzA.Ovy4MCQywSkoMRRclStW4xAYK7I", "[token]"),
        ("Authorization: Bearer abcdefghijklmnopqrstu", "Authorization: [token]"),
        ("my password=hunter2!", "my [token]"),
        ('"api_key": "abc123def"', '"[token]"'),
        # hiding wins: no character before a number makes it an identifier, ...
        ("card:4111111111111111", "card:[card]"),
        ("(4111 1111 1111 1111)", "([card])"),
        ("order #1234567890", "order #[phone]"),  # ten digits: more than an order number
        ("4111111111111111: declined", "[card]: declined"),
        ("id 11000000000000007", "id [card]"),  # passes Luhn; a snowflake only in its shapes
        ("4111 1111 1111 1112 fails the Luhn check", "[number] fails the Luhn check"),
        ("GB00 WEST 1234 5698 7654 32 fails mod 97", "GB00 WEST [id] fails mod 97"),
        # ... commas and line breaks separate a card's groups; national IDs
        ("4111,1111,1111,1111", "[card]"),
        ("4111 1111\n1111 1111", "[card]"),
        ("ssn 123-45-6789", "ssn [id]"),
        ("NI AB 12 34 56 C", "NI [id]"),
        ("dni 12345678Z", "dni [id]"),
    ],
)
def test_hidden(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_a_jwt_is_hidden() -> None:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    jwt = f"{part({'alg': 'HS256'})}.{part({'sub': '1234567890'})}.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9"
    assert redact(f"token {jwt} expired") == "token [token] expired"


@pytest.mark.parametrize(
    "text",
    [
        "we were customers 2019-2020",
        "between 1999 - 2004",
        "server 192.168.1.10 and 10.0.0.255",
        "since 2024-01-15 or 15.01.2024 or 01/15/2024",
        "Slack ts 1700000000.123456",
        "version 1.2.3, build 20240115",
        "discord:123456789012345678:42",
        "<@123456789012345678> and <#123456789012345678>",
        "agent 123456789012345678 cannot be sent DMs",
        "order #12345678 and ORD-2024-118",
        "paid $1,234.56 for 1,000 units on 05/03/2024 12:30",
        "Windows 10.0.19045, Chrome 124.0.6367.207",
        "https://discord.com/channels/123456789012345678/123456789012345678",
        "<t:1700000000:R> and <@!123456789012345678>",
        "3 people at 10:30 for 2 nights, in 2023 and 2024",
    ],
)
def test_left_alone(text: str) -> None:
    assert redact(text) == text


def test_stored_text_is_cut_after_redaction() -> None:
    card = "4111 1111 1111 1111"
    text = "x" * (MAX_STORED_CHARS - 5) + " " + card + " " + "y" * 40_000
    stored = stored_text(text)
    assert len(stored) == MAX_STORED_CHARS + 1 and stored.endswith("…")
    assert "4111" not in stored and "[car" in stored


def test_where_only_part_of_a_long_message_is_redacted_no_part_number_is_stored() -> None:
    # 8,000 characters of cards redact to far fewer than 4,000, so the first cut (at
    # 8,000 characters) is in what is stored: it falls in a card ("a 4111 1111"),
    # then in an address ("m jo.smith@exa").
    cards = stored_text("yy " + "a 4111 1111 1111 1111 " * 400)
    assert "4111" not in cards and cards.endswith("…")
    mails = stored_text("yyyy " + "m jo.smith@example.com " * 400)
    assert "jo.smith" not in mails and mails.endswith("…")


# --- properties -------------------------------------------------------------------------

words = st.text(alphabet=string.ascii_letters + " ", max_size=30)


@given(
    body=st.from_regex(r"[2-6][0-9]{11,14}", fullmatch=True),
    sep=st.sampled_from(SEPARATORS),
    before=words,
    after=words,
)
def test_any_luhn_valid_card_is_hidden_whatever_separates_its_groups(
    body: str, sep: str, before: str, after: str
) -> None:
    card = luhn_complete(body)
    shown = grouped(card, sep)
    out = redact(f"{before} {shown} {after}")
    assert "[card]" in out
    assert shown not in out and card[-8:] not in "".join(c for c in out if c.isdigit())


@given(
    country=st.from_regex(r"[A-Z]{2}", fullmatch=True),
    bban=st.from_regex(r"[A-Z0-9]{11,30}", fullmatch=True),
    spaced=st.booleans(),
    before=words,
)
def test_any_valid_iban_is_hidden(country: str, bban: str, spaced: bool, before: str) -> None:
    iban = iban_of(country, bban)
    assert iban_valid(iban)
    shown = grouped(iban, " ") if spaced else iban
    out = redact(f"{before} {shown} end")
    assert "[iban]" in out and shown not in out


@given(
    local=st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,20}", fullmatch=True),
    domain=st.from_regex(r"[a-z0-9-]{1,15}(\.[a-z0-9-]{1,10}){1,3}", fullmatch=True),
    before=words,
)
def test_any_email_address_is_hidden(local: str, domain: str, before: str) -> None:
    address = f"{local}@{domain}"
    out = redact(f"{before} {address} .")
    assert "[email]" in out and "@" not in out


@given(
    token=st.one_of(
        st.from_regex(r"xox[bpa]-[0-9]{10,12}-[A-Za-z0-9]{10,30}", fullmatch=True),
        st.from_regex(r"gh[pousr]_[A-Za-z0-9]{36}", fullmatch=True),
        st.from_regex(r"AKIA[A-Z0-9]{16}", fullmatch=True),
        st.from_regex(
            r"https://hooks\.slack\.com/services/T[A-Z0-9]{8}/B[A-Z0-9]{8}/[a-zA-Z0-9]{24}",
            fullmatch=True,
        ),
    ),
    before=words,
)
def test_any_token_is_hidden(token: str, before: str) -> None:
    out = redact(f"{before} {token} ok")
    assert "[token]" in out and token not in out


@given(
    first=st.integers(1900, 2099),
    second=st.integers(1900, 2099),
    sep=st.sampled_from(["-", " - ", "/"]),
)
def test_year_ranges_are_never_redacted(first: int, second: int, sep: str) -> None:
    text = f"from {first}{sep}{second} on"
    assert redact(text) == text


@given(st.tuples(*[st.integers(0, 255)] * 4))
def test_ipv4_addresses_are_never_redacted(parts: tuple[int, int, int, int]) -> None:
    text = "host " + ".".join(map(str, parts))
    assert redact(text) == text


@given(
    number=st.one_of(
        st.from_regex(r"07[0-9]{3} [0-9]{6}", fullmatch=True),
        st.from_regex(r"[2-9][0-9]{9}", fullmatch=True),
        st.from_regex(r"\([2-9][0-9]{2}\) [0-9]{3}-[0-9]{4}", fullmatch=True),
        st.from_regex(r"\+[1-9][0-9]{1,2} [0-9]{3,4} [0-9]{3,4} [0-9]{3,4}", fullmatch=True),
    ),
    before=words,
)
def test_phone_numbers_are_hidden(number: str, before: str) -> None:
    out = redact(f"{before} {number} thanks")
    assert "[phone]" in out and number not in out


@given(
    number=st.one_of(
        st.from_regex(r"[0-9]{3}-[0-9]{2}-[0-9]{4}", fullmatch=True),  # SSN
        st.from_regex(r"[0-9]{3} [0-9]{3} [0-9]{3}", fullmatch=True),  # SIN
        st.from_regex(r"[0-9]{9}", fullmatch=True),  # SSN, BSN, SIN: any nine digits
        st.from_regex(r"[2-9][0-9]{3} [0-9]{4} [0-9]{4}", fullmatch=True),  # Aadhaar
        st.from_regex(
            r"[12] [0-9]{2} [0-9]{2} [0-9]{2} [0-9]{3} [0-9]{3} [0-9]{2}", fullmatch=True
        ),
        st.from_regex(r"[A-Z]{2}[0-9]{6}[A-D]", fullmatch=True),  # UK NI
        st.from_regex(r"[0-9]{8}[A-Z]", fullmatch=True).filter(lambda s: s[-1] not in "IOU"),
    ),
    before=st.sampled_from([" ", ":", "#", "/", "(", "\n", " no. "]),
    after=st.sampled_from(["", " ", ":", ")", ".", ",", "\n"]),
)
@example(number="2000 2000 2000", before=" ", after="")  # an Aadhaar number made of "years"
def test_national_id_numbers_are_hidden_whatever_is_around_them(
    number: str, before: str, after: str
) -> None:
    out = redact(f"my id is{before}{number}{after} thanks")
    # an INSEE number's 13 or 14 digits may read as a card: its first or last digits stay
    assert number not in out and sum(c.isdigit() for c in out) <= 2


def thousands(n: int) -> str:
    return f"{n:,}"


days = st.dates(date(1900, 1, 1), date(2099, 12, 31))


@given(
    text=st.one_of(
        days.map(lambda d: d.isoformat()),
        days.map(lambda d: d.strftime("%d/%m/%Y")),
        days.map(lambda d: d.strftime("%m/%d/%y")),
        st.datetimes(datetime(1900, 1, 1), datetime(2099, 12, 31)).map(
            lambda d: d.strftime("%Y-%m-%d %H:%M:%S or %d.%m.%Y %H:%M")
        ),
        st.integers(0, 10**9).map(lambda n: f"${thousands(n)}.{n % 100:02d}"),
        st.integers(1000, 10**12).map(lambda n: f"{thousands(n)} units"),
        st.tuples(st.integers(0, 30), st.integers(0, 20), st.integers(0, 99999)).map(
            lambda v: "version {}.{}.{}".format(*v)
        ),
        st.from_regex(r"order #[0-9]{1,8}", fullmatch=True),
        st.from_regex(r"<@!?[0-9]{17,20}>", fullmatch=True),
        st.from_regex(r"discord:[0-9]{17,20}:[0-9]{17,20}:[0-9]{17,20}", fullmatch=True),
    )
)
def test_dates_amounts_versions_order_numbers_and_mentions_stay(text: str) -> None:
    assert redact(f"on {text} ok") == f"on {text} ok"


@given(st.text(max_size=300))
def test_redaction_is_idempotent_and_never_raises(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


@given(st.text(max_size=12_000))
def test_stored_text_is_capped(text: str) -> None:
    assert len(stored_text(text)) <= MAX_STORED_CHARS + 1


def test_numbers_made_of_year_like_groups_are_hidden_unless_a_list_of_years() -> None:
    # Three groups of four is an Aadhaar number's shape, however year-like its groups
    assert "2019" not in redact("my id is 2019 2020 2021 thanks")
    # A card whose groups read as years but not in order (it passes the Luhn check)
    assert "2024" not in redact("card 2024 2024 2024 2000 thanks")
    # Four or more years in order are a list of years
    assert redact("in 2017 2018 2019 2020 we grew") == "in 2017 2018 2019 2020 we grew"
