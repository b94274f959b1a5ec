"""Read, merge and validate the configuration; explain every problem in words a person
can act on ("[slack] mode: must be 'socket' or 'http'"). A problem names the section and
key, never the value it found: a token pasted into the wrong key must not be printed."""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from config.secrets import SECRET_NAMES, Secrets, url_has_secret
from config.settings import Settings

DEFAULT_DB_NAME = "coach.db"


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` says why, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class LoadedConfig:
    settings: Settings
    secrets: Secrets
    path: Path | None
    warnings: list[str] = field(default_factory=list)

    @property
    def storage_url(self) -> str:
        if self.settings.storage.url:
            return self.settings.storage.url
        folder = self.path.parent if self.path else Path.cwd()
        return f"sqlite+aiosqlite:///{(folder / DEFAULT_DB_NAME).resolve()}"


def load(path: Path | None) -> LoadedConfig:
    """The file at ``path`` (or the defaults), overridden by ``COACH_*`` variables."""
    data = _read_toml(path) if path else {}
    _reject_secrets_in_file(data)
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise ConfigError([_describe(err) for err in exc.errors()]) from None
    for name in ("slack", "discord"):
        section = getattr(settings, name)
        if section.enabled is None:
            # A platform is on when it is configured at all (a [slack] table in the file,
            # or COACH_SLACK__... in the environment), unless `enabled = false` says not.
            prefix = f"COACH_{name.upper()}__"
            section.enabled = name in data or any(k.upper().startswith(prefix) for k in os.environ)
    problems = _bind_digest(settings)
    if problems:
        raise ConfigError(problems)
    secrets = Secrets.from_environ(os.environ)
    return LoadedConfig(settings, secrets, path, _warnings(settings, secrets))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such file"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read: {exc.strerror}"]) from None


def _reject_secrets_in_file(data: dict[str, Any]) -> None:
    problems = []
    for section, values in data.items():
        if not isinstance(values, dict):
            continue
        for key in values:
            if any(word in key.lower() for word in ("token", "secret", "password")):
                names = ", ".join(SECRET_NAMES)
                problems.append(
                    f"[{section}] {key}: secrets are never read from the file; "
                    f"set them in the environment ({names})"
                )
    storage = data.get("storage")
    url = storage.get("url") if isinstance(storage, dict) else None
    if isinstance(url, str) and url_has_secret(url):
        problems.append(
            "[storage] url: holds a password, and secrets are never read from the file; "
            "leave it out and set PGPASSWORD, or put the whole URL in COACH_STORAGE__URL, "
            "in the environment"
        )
    if problems:
        raise ConfigError(problems)


def _bind_digest(settings: Settings) -> list[str]:
    """The digest counts one workspace's conversations. ``[digest] workspace`` is needed
    when the coach may serve several: Slack and Discord both enabled, or Discord with
    ``guilds`` not naming exactly one server (empty: every server the bot is added to).
    One Slack bot token is one workspace: a Slack-only digest defaults to the token's team
    (read at run time); a Discord-only one to the one server in ``guilds``."""
    digest = settings.digest
    if not digest.channel:
        return []
    if digest.workspace:
        if digest.workspace.isdigit() != digest.channel.isdigit():
            wanted = "a Discord server ID" if digest.channel.isdigit() else "a Slack team ID"
            return [
                f"[digest] workspace: the channel is a {digest.platform.title()} one; use {wanted}"
            ]
        return []
    several = []
    if settings.slack.enabled and settings.discord.enabled:
        several.append("Slack and Discord are both enabled")
    guilds = settings.discord.guilds
    if settings.discord.enabled and len(guilds) != 1:
        several.append(
            f"[discord] guilds lists {len(guilds)} servers"
            if guilds
            else "[discord] guilds is empty: every server the bot is added to"
        )
    if several:
        return [
            f"[digest] workspace: the coach serves several workspaces ({'; '.join(several)}); "
            "set the Slack team ID or Discord server ID whose conversations the digest counts"
        ]
    if digest.platform == "discord" and guilds:
        digest.workspace = guilds[0]
    return []


def _describe(err: Any) -> str:
    loc = [str(p) for p in err["loc"]]
    where = f"[{loc[0]}] {'.'.join(loc[1:])}" if len(loc) > 1 else f"[{loc[0]}]" if loc else ""
    kind = err["type"]
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        hint = difflib.get_close_matches(loc[-1], known, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        return f"{where}: unknown setting{suggestion}"
    message = err["msg"].replace("Input should be", "must be").replace("Value error, ", "")
    return f"{where}: {message}"


def _known_keys(loc: list[str]) -> list[str]:
    model: Any = Settings
    for part in loc:
        field_info = model.model_fields.get(part)
        if field_info is None:
            return []
        model = field_info.annotation
    return list(getattr(model, "model_fields", {}))


def _warnings(settings: Settings, secrets: Secrets) -> list[str]:
    notes = []
    if settings.slack.enabled:
        if not secrets.slack_bot_token:
            notes.append("[slack] enabled but SLACK_BOT_TOKEN is not set")
        if settings.slack.mode == "socket" and not secrets.slack_app_token:
            notes.append("[slack] mode = 'socket' needs SLACK_APP_TOKEN (an xapp- token)")
        if settings.slack.mode == "http" and not secrets.slack_signing_secret:
            notes.append("[slack] mode = 'http' needs SLACK_SIGNING_SECRET")
    if settings.discord.enabled and not secrets.discord_token:
        notes.append("[discord] enabled but DISCORD_TOKEN is not set")
    if settings.http.enabled and settings.http.host not in ("127.0.0.1", "localhost", "::1"):
        notes.append(
            "[http] host: /healthz and /metrics are served beyond this machine "
            "(not on loopback); keep that port off the public network"
        )
    if settings.discord.enabled and not settings.discord.guilds:
        notes.append(
            "[discord] guilds is empty: the coach reads every server it is added to; "
            "list your server IDs"
        )
    if (settings.slack.enabled or settings.discord.enabled) and not (
        settings.roles.agents or settings.roles.agent_groups or settings.roles.agent_roles
    ):
        notes.append("[roles] no agents configured: every human will count as a customer")
    digest = settings.digest
    if digest.channel and not getattr(settings, digest.platform).enabled:
        notes.append(
            f"[digest] channel {digest.channel} is a {digest.platform.title()} channel, "
            f"but [{digest.platform}] is not enabled: no digest will be posted"
        )
    return notes


def missing_for_run(config: LoadedConfig) -> list[str]:
    """Problems that stop ``coach run`` (a platform enabled without its secrets)."""
    return [w for w in config.warnings if "not set" in w or "needs" in w]
