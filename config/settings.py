"""The settings schema: every key, its type, default and limits.

A TOML file (``coach ... --config PATH``) sets them; ``COACH_<SECTION>__<KEY>``
environment variables override single keys (lists as JSON: ``'["U1","U2"]'``). Secrets
are not settings: they come only from the environment (config/secrets.py). Unknown keys
are errors, so a typo cannot silently fall back to a default.
"""

from __future__ import annotations

import re
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from config.secrets import parsed_url


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CoachingSettings(_Section):
    model: Literal["contextual", "lexicon"] = Field(
        "contextual",
        description="what judges messages: the contextual model (default) or the lexicon",
    )
    frustration_threshold: float | None = Field(
        None, ge=0, le=1, description="score at which a customer counts as frustrated"
    )
    acknowledgement_threshold: float | None = Field(None, ge=0, le=1)
    waiting_minutes: float = Field(10, gt=0, description="first 'update owed' reminder")
    waiting_repeat_minutes: float = Field(30, gt=0)
    waiting_max_reminders: int = Field(3, ge=0)
    cooldown_minutes: float = Field(10, ge=0, description="same nudge kind to the same agent")
    ack_grace_seconds: float = Field(0, ge=0, le=600)
    escalation_turns: int = Field(3, ge=2, le=10)
    max_recipients: int = Field(3, ge=1, le=20)
    timezone: str = Field("UTC", description="IANA zone: when 'by end of day' promises fall due")
    end_of_day_hour: int = Field(17, ge=0, le=23, description="local hour 'end of day' means")
    history_days: float = Field(
        30, ge=0, description="customer memory: days of earlier conversations; 0 = off"
    )
    at_risk_conversations: int = Field(
        2, ge=0, description="at risk: this many earlier conversations (0 = off) ..."
    )
    at_risk_days: float = Field(7, gt=0, description="... within this many days")
    at_risk_if_frustrated: bool = Field(True, description="at risk: frustrated last time")
    at_risk_if_unresolved: bool = Field(True, description="at risk: last one ended unresolved")
    confusion_nudges: bool = Field(
        True, description="tell the agent when a customer seems lost in their instructions"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as 'Europe/London' or 'UTC'") from None
        return value


class RolesSettings(_Section):
    agents: list[str] = Field(default_factory=list, description="platform user IDs")
    supervisors: list[str] = Field(default_factory=list, description="platform user IDs")
    agent_groups: list[str] = Field(default_factory=list, description="Slack user-group IDs")
    supervisor_groups: list[str] = Field(default_factory=list)
    agent_roles: list[str] = Field(default_factory=list, description="Discord role IDs")
    supervisor_roles: list[str] = Field(default_factory=list)


class SlackSettings(_Section):
    enabled: bool | None = Field(
        None, description="default: on when the settings have a [slack] section"
    )
    mode: Literal["socket", "http"] = "socket"
    host: str = "0.0.0.0"
    port: int = Field(3000, ge=0, le=65535, description="0 = any free port (logged)")
    api_url: str = "https://slack.com/api/"
    channels: list[str] = Field(default_factory=list, description="watched; empty = all")

    @field_validator("api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"


class DiscordSettings(_Section):
    enabled: bool | None = Field(
        None, description="default: on when the settings have a [discord] section"
    )
    api_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg/"
    guilds: list[str] = Field(default_factory=list, description="guild IDs to sync commands to")
    channels: list[str] = Field(default_factory=list, description="channel/category IDs")
    staff_channel: str = Field("", description="private fallback when an agent's DMs are closed")
    conversation_minutes: float = Field(
        30,
        gt=0,
        description="plain channels: a customer's messages this close form one conversation",
    )


class StorageSettings(_Section):
    url: str = Field(
        "",
        description="SQLAlchemy URL; empty = coach.db next to the config",
        repr=False,  # a URL from the environment may hold a password
    )
    store_text: bool = False
    retention_days: int = Field(90, ge=1)

    @field_validator("url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value:
            return value
        parsed = parsed_url(value)  # as the store will read it
        if parsed is None:
            raise ValueError(
                "cannot be read as a database URL (an @ in the user name or password must "
                "be written %40)"
            )
        if parsed.get_backend_name() not in ("sqlite", "postgresql", "postgres", "memory"):
            raise ValueError(
                "must be a SQLite or PostgreSQL URL: sqlite:////path/to/coach.db or "
                "postgresql://user:password@host:5432/database"
            )
        return value


class SurveySettings(_Section):
    """The one thing the bot ever shows a customer, and only when a team turns it on."""

    enabled: bool = Field(
        False, description="ask the customer one question when a conversation closes"
    )
    csat: bool = Field(False, description="also ask how satisfied they are (CSAT, 1-5)")
    delay_seconds: float = Field(
        60,
        ge=0,
        le=3600,
        description="after the closing; a customer who writes again is not asked yet",
    )


class UpdatesSettings(_Section):
    """Holding updates to the customer: written to customers, so off unless a team turns
    them on (bot/service/updates.py)."""

    one_click: bool = Field(
        False, description="waiting reminders offer a drafted update the agent can send"
    )
    auto_after_minutes: float = Field(
        0,
        ge=0,
        le=24 * 60,
        description="post a holding update by itself this long after a reminder; 0 = off",
    )


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class DigestSettings(_Section):
    """A weekly digest for a team channel: figures and highlights, no customer words, of
    one workspace's conversations (config/load.py requires or defaults ``workspace``)."""

    channel: str = Field(
        "", description="team channel ID (Slack C.../G..., Discord digits); empty = off"
    )
    weekday: Weekday = "monday"
    hour: int = Field(9, ge=0, le=23, description="local hour in [coaching] timezone")
    name_agents: bool = Field(False, description="mention the agents in highlights")
    quote_replies: bool = Field(
        False, description="quote acknowledging replies (also needs [storage] store_text)"
    )
    workspace: str = Field(
        "",
        description="the Slack team ID (T...) or Discord server ID whose conversations it "
        "counts; needed when several are served",
    )

    @property
    def platform(self) -> str:
        """Discord channel IDs are digits; Slack's start with a letter."""
        return "discord" if self.channel.isdigit() else "slack"

    @field_validator("channel")
    @classmethod
    def _channel_id(cls, value: str) -> str:
        if value and not re.fullmatch(r"\d{15,22}|[CG][A-Z0-9]{6,}", value):
            raise ValueError(
                "must be a channel ID: a Slack one (C0123ABCD) or a Discord one (digits)"
            )
        return value

    @field_validator("workspace")
    @classmethod
    def _workspace_id(cls, value: str) -> str:
        if value and not re.fullmatch(r"\d{15,22}|[TE][A-Z0-9]+", value):
            raise ValueError("must be a Slack team ID (T0123ABCD) or a Discord server ID (digits)")
        return value


class RuntimeSettings(_Section):
    queue_size: int = Field(
        10_000, ge=10, description="Discord events held in memory on their way to the inbox"
    )
    max_backlog: int = Field(
        100_000, ge=1, description="events waiting in the inbox; beyond it new ones are refused"
    )
    lease_seconds: float = Field(
        30, gt=0, le=3600, description="work a stopped replica held is taken over after this"
    )
    workers: int = Field(4, ge=1, le=256, description="batches processed at once")
    tick_seconds: float = Field(5, gt=0, le=300)
    shutdown_seconds: float = Field(10, gt=0, le=300)


class HttpSettings(_Section):
    """The operations endpoint (/healthz, /metrics) when Slack's HTTP mode does not serve it."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)


class PracticeSettings(_Section):
    """Practice mode: agents rehearse de-escalation with a simulated customer."""

    enabled: bool = True
    scenarios_dir: str = Field(
        "", description="a folder of your team's scenario files (*.toml), relative to this file"
    )
    share_with_supervisors: bool = Field(
        False, description="supervisors may see aggregates: sessions, mean score per scenario"
    )


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="COACH_", env_nested_delimiter="__", extra="forbid", case_sensitive=False
    )

    coaching: CoachingSettings = Field(default_factory=CoachingSettings)
    roles: RolesSettings = Field(default_factory=RolesSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    runtime: RuntimeSettings = Field(default_factory=RuntimeSettings)
    survey: SurveySettings = Field(default_factory=SurveySettings)
    updates: UpdatesSettings = Field(default_factory=UpdatesSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    practice: PracticeSettings = Field(default_factory=PracticeSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's values arrive as init arguments; the environment overrides them.
        return env_settings, init_settings
