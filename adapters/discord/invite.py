"""The URL that adds the bot to a server, with the least permissions it needs.

Scopes ``bot`` and ``applications.commands`` (for ``/coach``). Permissions: View Channels
(see the support channels), Send Messages, Send Messages in Threads and Embed Links —
only for the private staff channel/thread that receives the tips of agents whose DMs
are closed; the bot never writes in support channels. DMs need no permission. The
MESSAGE CONTENT intent is not a permission: it is switched on in the Developer Portal.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import quote, urlencode

PERMISSIONS = {
    "View Channels": 1 << 10,
    "Send Messages": 1 << 11,
    "Embed Links": 1 << 14,
    "Send Messages in Threads": 1 << 38,
}
SCOPES = ("bot", "applications.commands")
AUTHORIZE = "https://discord.com/oauth2/authorize"


def permissions_value() -> int:
    value = 0
    for bit in PERMISSIONS.values():
        value |= bit
    return value


def invite_url(client_id: str, guild: str | None = None) -> str:
    query = {"client_id": client_id, "scope": " ".join(SCOPES), "permissions": permissions_value()}
    if guild:
        query |= {"guild_id": guild, "disable_guild_select": "true"}
    return f"{AUTHORIZE}?{urlencode(query, quote_via=quote)}"


def client_id_from_token(token: str) -> str | None:
    """A bot token starts with the bot's user ID in base64 — the application ID for every
    application created since 2019 (older ones: pass ``--client-id``)."""
    head = token.strip().split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=False).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded if decoded.isdigit() else None


def describe(client_id: str | None, guild: str | None) -> tuple[int, str]:
    """(exit code, what to print) for ``coach discord-invite``."""
    if not client_id:
        return 2, (
            "error: no application ID: pass --client-id (Developer Portal → your application → "
            "General Information → Application ID) or set DISCORD_TOKEN"
        )
    if not client_id.isdigit():
        return 2, "error: --client-id must be the numeric Application ID"
    permissions = ", ".join(PERMISSIONS)
    return 0, "\n".join(
        [
            invite_url(client_id, guild),
            "",
            f"Scopes: {', '.join(SCOPES)}. Permissions: {permissions}.",
            "Also switch on Bot → Privileged Gateway Intents → MESSAGE CONTENT INTENT.",
        ]
    )
