"""Settings and secrets -> platform adapters (imported only for enabled platforms)."""

from __future__ import annotations

from typing import Any

from adapters.base import Roles
from adapters.practice import PracticeHandler
from bot.service.commands import CommandService
from bot.service.runtime import Runtime
from config import LoadedConfig


def slack_adapter(
    config: LoadedConfig,
    roles: Roles,
    runtime: Runtime,
    commands: CommandService,
    practice: PracticeHandler | None = None,
) -> Any:
    from adapters.slack.app import SlackAdapter, SlackOptions

    s, secrets = config.settings.slack, config.secrets
    options = SlackOptions(
        bot_token=secrets.slack_bot_token.reveal() if secrets.slack_bot_token else "",
        mode=s.mode,
        app_token=secrets.slack_app_token.reveal() if secrets.slack_app_token else "",
        signing_secret=secrets.slack_signing_secret.reveal()
        if secrets.slack_signing_secret
        else "",
        host=s.host,
        port=s.port,
        api_url=s.api_url,
        channels=frozenset(s.channels),
    )
    return SlackAdapter(options, roles, runtime, commands.handle, runtime.record_feedback, practice)


def discord_adapter(
    config: LoadedConfig,
    roles: Roles,
    runtime: Runtime,
    commands: CommandService,
    practice: PracticeHandler | None = None,
) -> Any:
    from adapters.discord.app import DiscordAdapter, DiscordOptions

    d, token = config.settings.discord, config.secrets.discord_token
    options = DiscordOptions(
        token=token.reveal() if token else "",
        api_url=d.api_url,
        gateway_url=d.gateway_url,
        guilds=frozenset(d.guilds),
        channels=frozenset(d.channels),
        staff_channel=d.staff_channel,
        conversation_minutes=d.conversation_minutes,
        queue_size=config.settings.runtime.queue_size,
    )
    return DiscordAdapter(
        options,
        roles,
        runtime,
        commands.handle,
        runtime.record_feedback,
        practice,
        recorded=runtime.store.message_conversations,  # edits/deletions after a restart
    )
