"""Logging: one line per record, secrets masked, JSON on request.

Message text is never logged above DEBUG (the code logs ids, kinds and counts); the
secret filter is the second line of defence for tokens that might appear in a library's
error message.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterable

from bot.redact import redact


class SecretFilter(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        for secret in self._secrets:
            cleaned = cleaned.replace(secret, "***")
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(SecretFilter(secrets))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries that log request bodies at INFO/DEBUG (Slack's bad-signature dump prints the
    # whole body) stay at WARNING unless the operator asks for DEBUG.
    quiet = logging.DEBUG if level == "DEBUG" else logging.WARNING
    for name in (
        "slack_bolt",
        "slack_sdk",
        "discord",
        "aiohttp.access",
        "sqlalchemy",
        "asyncio",
        "alembic",
    ):
        logging.getLogger(name).setLevel(quiet)


def describe(exc: BaseException) -> str:
    """An exception for logs above DEBUG: its type and where it was raised, never its
    message (which may quote message text). The full traceback goes to DEBUG."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f" at {tb.tb_frame.f_code.co_filename.rsplit('/', 2)[-1]}:{tb.tb_lineno}" if tb else ""
    return f"{type(exc).__name__}{where}"
