"""Secrets come only from the environment and never print themselves."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

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


def url_has_secret(url: str) -> bool:
    """A database URL that carries a password (``user:pw@host`` or ``?password=``)."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # unparseable: assume the worst
        return "@" in url or bool(_SECRET_PARAM.search(url))
    return bool(password) or any(_SECRET_PARAM.search(k) for k, _ in parse_qsl(parts.query))


def masked_url(url: str) -> str:
    """``url`` with its password and any password-like query parameter shown as ``***``."""
    if not url_has_secret(url):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparseable URL)"
    password = parts.password
    netloc = parts.netloc
    if password:
        userinfo, _, host = netloc.rpartition("@")
        netloc = f"{userinfo.split(':', 1)[0]}:***@{host}"
    query = "&".join(
        f"{k}={'***' if _SECRET_PARAM.search(k) else v}"
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    )
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")
