"""Logs (bot/ops/logs.py): above DEBUG an exception is its type and location only, in
text lines and in the JSON ``exc`` field; configured secrets and what redaction catches
are masked in every line; asyncio's unhandled-task report carries no exception message."""

from __future__ import annotations

import asyncio
import gc
import io
import json
import logging
import re

import pytest

from bot.ops import logs

CUSTOMER_WORDS = "zanzibar-unique-customer-words"
CARD = "4111 1111 1111 1111"
SIGNING = "9f8e7d6c5b4a-signing-secret-value"  # nothing redaction would recognise


@pytest.fixture
def captured(restore_logging: None) -> io.StringIO:
    """Logging configured as `coach run` does it writes here (restored afterwards)."""
    return io.StringIO()


def configure(stream: io.StringIO, fmt: str, level: str = "INFO") -> None:
    logs.configure(level, fmt, [SIGNING])
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)


def failing() -> None:
    raise ValueError(f"{CUSTOMER_WORDS} card {CARD} token xoxb-1234567890-abcdefghij")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_exceptions_above_debug_are_their_type_and_location_only(
    captured: io.StringIO, fmt: str
) -> None:
    configure(captured, fmt)
    log = logging.getLogger("coach.test")
    try:
        failing()
    except ValueError:
        log.exception("delivery failed")
        log.warning("still failing", exc_info=True)
    out = captured.getvalue()
    assert out.count("ValueError at test_logging.py:") == 2
    assert CUSTOMER_WORDS not in out and "4111" not in out and "xoxb" not in out
    assert "Traceback" not in out
    if fmt == "json":
        entries = [json.loads(line) for line in out.splitlines()]
        assert [e["exc"].split(" at ")[0] for e in entries] == ["ValueError", "ValueError"]


def test_at_debug_the_traceback_is_kept_but_masked(captured: io.StringIO) -> None:
    configure(captured, "text", level="DEBUG")
    try:
        failing()
    except ValueError:
        logging.getLogger("coach.test").debug("details", exc_info=True)
    out = captured.getvalue()
    assert "Traceback" in out and CUSTOMER_WORDS in out  # DEBUG is for developers ...
    assert "4111" not in out and "xoxb-" not in out  # ... but never shows a card or token


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_configured_secrets_are_masked_wherever_they_appear(
    captured: io.StringIO, fmt: str
) -> None:
    configure(captured, fmt)
    logging.getLogger("slack_bolt.test").warning("verifying with %s failed", SIGNING)
    logging.getLogger("coach.test").error("card %s, mail jo@example.com", CARD)
    out = captured.getvalue()
    assert SIGNING not in out and "***" in out
    assert "4111" not in out and "jo@example.com" not in out
    assert "[card]" in out and "[email]" in out


def test_an_unretrieved_task_exception_is_logged_without_its_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)

    async def scenario() -> None:
        asyncio.get_running_loop().set_exception_handler(logs.loop_exception_handler)

        async def boom() -> None:
            failing()

        task = asyncio.create_task(boom())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        del task
        gc.collect()  # the task's exception was never retrieved: asyncio reports it now

    asyncio.run(scenario())
    [record] = [r for r in caplog.records if r.levelno > logging.DEBUG]
    message = record.getMessage()
    assert message.startswith("Task exception was never retrieved (ValueError at test_logging.py:")
    assert CUSTOMER_WORDS not in message and record.exc_info is None


def test_the_longest_secret_is_masked_first_and_six_characters_are_enough(
    captured: io.StringIO,
) -> None:
    # the shorter secret sorts after the longer one that holds it: length decides, not order
    logs.configure("INFO", "text", ["zz9911", "abc-zz9911-longer-secret", "short"])
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(captured)
    logging.getLogger("coach.test").warning("a abc-zz9911-longer-secret b zz9911 c short")
    line = captured.getvalue().rstrip("\n")
    assert line.endswith("WARNING coach.test: a *** b *** c short")  # 5 characters: not a secret


def test_a_line_keeps_its_message_and_adds_the_exception_type_after_it(
    captured: io.StringIO,
) -> None:
    configure(captured, "text")
    log = logging.getLogger("coach.test")
    log.info("nothing went wrong")
    try:
        failing()
    except ValueError:
        log.error("delivery failed", exc_info=True)
    first, second = captured.getvalue().splitlines()
    assert first.endswith("INFO coach.test: nothing went wrong")
    assert re.search(
        r"ERROR coach\.test: delivery failed \[ValueError at test_logging\.py:\d+\]$", second
    )
    configure(captured, "json")
    log.info("plain")
    entry = json.loads(captured.getvalue().splitlines()[-1])
    assert set(entry) == {"ts", "level", "logger", "message"} and entry["message"] == "plain"


@pytest.mark.parametrize("level", ["INFO", "WARNING"])
def test_libraries_that_log_bodies_at_info_are_quiet_above_debug(
    captured: io.StringIO, level: str
) -> None:
    configure(captured, "text", level)
    for name in logs.QUIET_LIBRARIES:
        logging.getLogger(name).info("request body: %s", CUSTOMER_WORDS)
    logging.getLogger("coach.test").warning("still here")
    assert CUSTOMER_WORDS not in captured.getvalue()
    assert "still here" in captured.getvalue()


def test_at_debug_the_libraries_speak_too(captured: io.StringIO) -> None:
    configure(captured, "text", "DEBUG")
    logging.getLogger(logs.QUIET_LIBRARIES[0]).debug("library detail")
    assert "library detail" in captured.getvalue()
