"""Logging: one line per record, secrets masked, JSON on request.

Message text is never logged above DEBUG (the code logs ids, kinds and counts). Two more
lines of defence, for what libraries log: an exception attached to a record above DEBUG
is shown as its type and where it was raised, never its message or traceback (in text
lines and in the JSON ``exc`` field alike), and every line is masked (the configured
secrets, then ``bot.redact``) as it is written.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from bot.redact import redact

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries that log request bodies at INFO/DEBUG (Slack's bad-signature dump prints the
# whole body) stay at WARNING unless the operator asks for DEBUG.
QUIET_LIBRARIES = ("slack_bolt", "slack_sdk", "discord", "aiohttp.access", "sqlalchemy",
                   "asyncio", "alembic")  # fmt: skip

log = logging.getLogger("coach")


def masker(secrets: Iterable[str]) -> Callable[[str], str]:
    """Replaces each secret (six characters or more) by ``***``, then redacts."""
    known = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def mask(text: str) -> str:
        for secret in known:
            text = text.replace(secret, "***")
        return redact(text)

    return mask


def exception_text(record: logging.LogRecord, formatter: logging.Formatter) -> str:
    """Above DEBUG: the exception's type and location; at DEBUG: the traceback."""
    if not record.exc_info or record.exc_info[1] is None:
        return ""
    if record.levelno > logging.DEBUG:
        return describe(record.exc_info[1])
    return formatter.formatException(record.exc_info)


class SafeFormatter(logging.Formatter):
    """A text line; an exception as ``exception_text`` says; the whole line masked."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__(TEXT_FORMAT)
        self.mask = masker(secrets)

    def format(self, record: logging.LogRecord) -> str:
        exc_info, stack_info = record.exc_info, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            line = super().format(record)
        finally:
            record.exc_info, record.stack_info = exc_info, stack_info
        record.exc_text = None
        exc = exception_text(record, self)
        if exc:
            line += f" [{exc}]" if record.levelno > logging.DEBUG else "\n" + exc
        return self.mask(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per record; ``exc`` as ``exception_text`` says; values masked."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.mask = masker(secrets)

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
            "level": record.levelname,
            "logger": record.name,
            "message": self.mask(record.getMessage()),
        }
        exc = exception_text(record, self)
        if exc:
            entry["exc"] = self.mask(exc)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(secrets) if fmt == "json" else SafeFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet = logging.DEBUG if level == "DEBUG" else logging.WARNING
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(quiet)


def loop_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """asyncio's default handler logs the failed task's repr, which holds the exception's
    message ("Task exception was never retrieved ... exception=ValueError('...')"): log
    what happened and the exception's type and location instead."""
    exc = context.get("exception")
    what = str(context.get("message") or "unhandled error in the event loop").splitlines()[0]
    log.error("%s (%s)", what, describe(exc) if isinstance(exc, BaseException) else "no exception")
    if isinstance(exc, BaseException):
        log.debug("event loop traceback", exc_info=exc)


def describe(exc: BaseException) -> str:
    """An exception for logs above DEBUG: its type and where it was raised, never its
    message (which may quote message text). The full traceback goes to DEBUG."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f" at {tb.tb_frame.f_code.co_filename.rsplit('/', 2)[-1]}:{tb.tb_lineno}" if tb else ""
    return f"{type(exc).__name__}{where}"
