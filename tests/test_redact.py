"""Redaction (bot/redact.py): what is hidden, what is left alone, and properties that hold
for any text (hypothesis). Speed on adversarial input is measured in
``benchmarks/redaction.py``, not here."""

from __future__ import annotations

import base64
import json
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.redact import MAX_STORED_CHARS, iban_valid, luhn_valid, redact, stored_text

SEPARATORS = [" ", "\u00a0", "\u202f", "\u2009", ".", "-", "/", "\u200b", " - ", ""]


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
        "id 11000000000000007",  # 17 digits in one run that pass Luhn: an ID, not a card
        "order #1234567890",
        "4111 1111 1111 1112 fails the Luhn check",
        "GB00 WEST 1234 5698 7654 32 fails mod 97",
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


@given(st.text(max_size=300))
def test_redaction_is_idempotent_and_never_raises(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


@given(st.text(max_size=12_000))
def test_stored_text_is_capped(text: str) -> None:
    assert len(stored_text(text)) <= MAX_STORED_CHARS + 1
