"""Secrets come only from the environment and never print themselves."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

SECRET_NAMES = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_TOKEN")
_SECRET_PARAM = re.compile(r"pass|pwd|secret|token", re.IGNORECASE)


class Secret(str):
    """A string whose repr and str never show the value (``reveal()`` does)."""

    __slots__ = ()

    def reveal(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __format__(self, spec: str) -> str:
        return "***"


@dataclass(frozen=True)
class Secrets:
    slack_bot_token: Secret | None = None
    slack_app_token: Secret | None = None
    slack_signing_secret: Secret | None = None
    discord_token: Secret | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Secrets:
        def get(name: str) -> Secret | None:
            value = environ.get(name, "").strip()
            return Secret(value) if value else None

        return cls(
            slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_app_token=get("SLACK_APP_TOKEN"),
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            discord_token=get("DISCORD_TOKEN"),
        )

    def all_values(self) -> list[str]:
        """Every secret set, for the log filter that masks them."""
        return [
            s.reveal()
            for s in (
                self.slack_bot_token,
                self.slack_app_token,
                self.slack_signing_secret,
                self.discord_token,
            )
            if s
        ]


def parsed_url(url: str) -> URL | None:
    """``url`` read by the parser that opens the store (SQLAlchemy's ``make_url``), so a
    password holding ``#``, ``?`` or ``/`` is read as the password it is; None when it
    cannot be read whole: an ``@`` left unencoded in a password makes the rest of it
    look like the host (or the port), where it would be shown."""
    from sqlalchemy.engine import make_url  # here: the CLI starts without SQLAlchemy
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is no number
        return None
    return None if "@" in (parsed.host or "") else parsed


def url_has_secret(url: str) -> bool:
    """A database URL that carries a password (``user:pw@host`` or ``?password=``)."""
    parsed = parsed_url(url)
    if parsed is None:  # unreadable: assume the worst
        return "@" in url or bool(_SECRET_PARAM.search(url))
    return bool(parsed.password) or any(_SECRET_PARAM.search(k) for k in parsed.query)


def masked_url(url: str) -> str:
    """``url`` with its password and any password-like query parameter shown as ``***``."""
    parsed = parsed_url(url)
    if parsed is None:
        return "(a URL that cannot be read)"
    if not url_has_secret(url):
        return url
    shown = parsed.set(query={}).render_as_string(hide_password=True)
    query = "&".join(f"{k}={'***' if _SECRET_PARAM.search(k) else v}" for k, v in _query(parsed))
    return shown + (f"?{query}" if query else "")


def _query(parsed: URL) -> list[tuple[str, str]]:
    """The query's parameters in order (a repeated one holds a tuple of values)."""
    return [
        (k, v)
        for k, values in parsed.query.items()
        for v in ((values,) if isinstance(values, str) else values)
    ]
