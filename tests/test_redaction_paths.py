"""Every path customer text takes out of memory is redacted the new way (issue 19,
finding 2): stored text (the real slack-bolt and discord.py code against the loopback
fakes, on SQLite and PostgreSQL), the quotes of ``/coach highlights`` (the digest's
quotes are the same function's), ``coach practice --import`` drafts, and the logs.

The numbers are the review's: after ``card:``, in parentheses, after ``#`` and ``/``,
before ``:``, groups split by commas and line breaks, national ID numbers."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.app import Bot
from bot.ops import logs
from bot.store import schema
from bot.store.sql import SqlStore
from config import load
from tests import test_discord as discord_e2e
from tests.fakes.discord import GUILD
from tests.fakes.slack import FakeSlack, message_event, serving
from tests.pg import fresh_schema
from tests.test_practice_cli import coach
from tests.test_slack import AGENT, CUSTOMER, SUPERVISOR, write_config
from tests.test_slack_survey import acknowledged_thread, started

HIDDEN = [  # (what the customer wrote, the number in it that must not be stored)
    ("card:4111111111111111 was charged twice", "4111111111111111"),
    ("the other card (5500 0000 0000 0004) too", "5500 0000 0000 0004"),
    ("statement says #4012888888881881", "4012888888881881"),
    ("link /pay/6011111111111117 failed", "6011111111111117"),
    ("5555555555554444: that's the old one", "5555555555554444"),
    ("card 4546,1234,5678,9018", "4546,1234,5678,9018"),
    ("card\n5222 3333\n4444 5552\nthanks", "5222 3333\n4444 5552"),
    ("my SSN is 123-45-6789, NI AB 12 34 56 C", "123-45-6789"),
    ("and my SIN (046 454 286) if needed", "046 454 286"),
]
KEPT = "order #12345 of 2024-03-05 cost $1,234.56 at 12:30"
REPLY = (
    "I'm so sorry you've had to ask three times, that's really frustrating. "
    "I've refunded card:4111111111111111 (and 5500-0000-0000-0004) now."
)


def leaked(text: str, numbers: list[str]) -> set[str]:
    """Digit groups of four or more digits from ``numbers`` still in ``text``. Digits inside
    a word do not count: a random hex key in the dump ("c5678a") is not a leak."""
    shown = set(re.findall(r"(?<![0-9A-Za-z])\d+(?![0-9A-Za-z])", text))
    return {g for n in numbers for g in re.findall(r"\d{4,}", n)} & shown


async def dump(store: SqlStore) -> str:
    def everything(conn: Connection) -> str:
        return repr([conn.execute(sa.select(t)).all() for t in schema.metadata.sorted_tables])

    return await store.read(everything)


async def stored_texts(store: SqlStore) -> list[str]:
    def texts(conn: Connection) -> list[str]:
        events = schema.events
        rows = conn.execute(
            sa.select(events.c.text).where(events.c.text.is_not(None)).order_by(events.c.at)
        )
        return [r[0] for r in rows]

    return await store.read(texts)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The ``[storage]`` lines of a store that keeps text, on SQLite or PostgreSQL."""
    if request.param == "sqlite":
        yield f'url = "sqlite+aiosqlite:///{tmp_path}/coach.db"\nstore_text = true'
    else:
        async with fresh_schema() as target:
            yield f'url = "{target.url}?search_path={target.schema}"\nstore_text = true'


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with serving() as fake:
        yield fake


async def test_slack_text_is_stored_and_quoted_redacted(
    tmp_path: Path, slack: FakeSlack, storage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path, slack)
    path.write_text(path.read_text().replace('url = "memory://"', storage))
    async with started(path, monkeypatch) as r:
        at = time.time() - 900
        root = f"{at:.6f}"
        await acknowledged_thread(r, root, at, 1, REPLY)
        other = f"{at - 300:.6f}"  # another conversation: the first one stays a highlight
        for n, (text, _) in enumerate([(KEPT, ""), *HIDDEN]):
            await r.event(message_event(f"EvX{n}", CUSTOMER, text, f"{at - 300 + n:.6f}", other))
        await r.bot.runtime.drain()
        assert isinstance(r.bot.store, SqlStore)
        texts = await stored_texts(r.bot.store)
        everything = await dump(r.bot.store)
        quoted = (await r.command("highlights 7d", SUPERVISOR, slack))["text"]
    assert not leaked(everything, [number for _, number in HIDDEN]), everything
    assert "[card]" in quoted and "[id]" in "".join(texts) and "card:[card]" in "".join(texts)
    assert KEPT in texts and not leaked(quoted, ["4111111111111111", "5500-0000-0000-0004"])
    assert f"<@{AGENT}>" in quoted


async def test_discord_text_keeps_mentions_and_links_and_hides_the_numbers(
    tmp_path: Path, storage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "test-token.discord.fake")
    agent, thread = discord_e2e.AGENT, discord_e2e.THREAD
    link = f"https://discord.com/channels/{GUILD}/{thread}/700000000000000001"
    async with discord_e2e.serving() as fake:
        path = discord_e2e.write_config(tmp_path, fake)
        path.write_text(path.read_text().replace('url = "memory://"', storage))
        bot = await Bot.build(load(path))
        await bot.start()
        try:
            r = discord_e2e.Running(bot, fake)
            await discord_e2e.open_thread(r)
            text = f"<@{agent}> card:4111111111111111, SIN 046-454-286: {link}"
            said = await r.say(discord_e2e.CUSTOMER, text, 60)
            await r.settled(said["id"])
            assert isinstance(bot.store, SqlStore)
            texts = await stored_texts(bot.store)
        finally:
            await bot.stop()
    assert texts[-1] == f"<@{agent}> card:[card], SIN [id]: {link}"


def test_practice_import_drafts_hide_numbers_split_across_messages(tmp_path: Path) -> None:
    rows = [
        ("agent", "Hi, how can I help?"),
        ("customer", "I've been waiting two weeks for this refund!! My card is 4111 1111"),
        ("customer", "1111 1111, and the other card:5500000000000004 (ssn 123-45-6789)"),
        ("agent", "I'm so sorry, that must be really frustrating. Let me fix it today."),
        ("customer", "This is the third time I'm asking. Order #12345 from 2024-03-05."),
    ]
    source = tmp_path / "split.jsonl"
    source.write_text(
        "".join(
            json.dumps({"conversation": "c-7", "role": role, "author": role, "text": text,
                        "ts": 100 + 60 * n}) + "\n"
            for n, (role, text) in enumerate(rows)
        )
    )  # fmt: skip
    result = coach("practice", "--import", str(source))
    assert result.returncode == 0, result.stderr
    assert not leaked(result.stdout, ["4111 1111 1111 1111", "5500000000000004", "6789"])
    assert "[card]" in result.stdout and "[id]" in result.stdout
    assert "Order #12345 from 2024-03-05" in result.stdout


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_log_lines_hide_the_numbers(restore_logging: None, fmt: str) -> None:
    stream = io.StringIO()
    logs.configure("INFO", fmt, [])
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    for text, _ in HIDDEN:
        logging.getLogger("slack_bolt.test").error("could not parse %r", text)
    logging.getLogger("coach.test").info("event discord:123456789012345678 processed")
    logging.getLogger("slack_bolt.test").error("sizes %r", "36\n38\n40\n42\n44")  # a list
    out = stream.getvalue()
    assert not leaked(out, [number for _, number in HIDDEN]), out
    assert "discord:123456789012345678" in out
    assert re.findall(r"\d+", out.splitlines()[-1])[-5:] == ["36", "38", "40", "42", "44"]
