"""Who can read the staff channel. Tips name customers, so one is posted there only when
nobody but agents and supervisors (by the configured user and role IDs) and the coach
itself can view it.

A channel — or a public thread, which whoever sees its channel sees — is judged by
Discord's own permission computation, role by role: ``permissions_for(role)`` combines
the server's @everyone permissions, the role's, and the channel's overwrites for both.
A member's view comes from @everyone or from one of their roles (an allow on any role
wins), so when no role outside the staff can view and no member overwrite lets anyone
else in, only staff can. Roles with Administrator see every channel: they count too.

A private thread is judged by its members, listed with ``GET
/channels/{id}/thread-members`` (Discord answers it only when the application's SERVER
MEMBERS INTENT is on), and by the roles that can manage threads in its channel (they see
private threads too). What cannot be found out — the server's roles, a member list Discord
refuses or cuts short — counts as visible: a tip never goes where it cannot be shown to be
private.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import discord
from discord.http import Route

from adapters.base import Roles

log = logging.getLogger("coach.discord")

THREAD_MEMBERS_PAGE = 100  # the most Discord lists at once: a full page is not all of them
NO_MEMBER_LIST = (
    "its members cannot be listed (turn on SERVER MEMBERS INTENT in the Developer Portal "
    "→ your application → Bot)"
)


class Audience:
    def __init__(self, client: discord.Client, roles: Roles) -> None:
        self.client, self.roles = client, roles

    async def outsiders(self, channel: Any) -> str:
        """Who besides the staff can view ``channel``, in a few words ("" = nobody)."""
        guild = getattr(channel, "guild", None)
        if guild is None or guild.get_role(guild.id) is None:
            return "the server's roles are unknown"
        if isinstance(channel, discord.Thread):
            parent = channel.parent
            if parent is None:
                return "its channel is unknown"
            if channel.type is discord.ChannelType.private_thread:
                return self._viewers(parent, manage_threads=True) or await self._members(channel)
            channel = parent
        if not hasattr(channel, "permissions_for"):
            return "it is not a text channel"
        return self._viewers(channel)

    def _viewers(self, channel: Any, manage_threads: bool = False) -> str:
        """A role or member outside the staff who can view ``channel`` (and, for a private
        thread's channel, manage its threads)."""
        for role in channel.guild.roles:
            if self._staff_role(role):
                continue
            can = channel.permissions_for(role)
            if can.view_channel and (can.manage_threads or not manage_threads):
                return "@everyone" if role.is_default() else f"role {role.id}"
        for target, overwrite in channel.overwrites.items():
            if isinstance(target, discord.Role):
                continue  # judged above, with the server's permissions
            allowed = overwrite.manage_threads if manage_threads else overwrite.view_channel
            roles = frozenset(str(r.id) for r in getattr(target, "roles", ()))
            if allowed and not self._staff(str(target.id), roles):
                return f"member {target.id}"
        return ""

    async def _members(self, thread: discord.Thread) -> str:
        route = Route("GET", "/channels/{channel_id}/thread-members", channel_id=thread.id)
        params = {"with_member": "true", "limit": THREAD_MEMBERS_PAGE}
        try:
            listed: list[dict[str, Any]] = await self.client.http.request(route, params=params)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.info("thread %s: members not listed (%s)", thread.id, type(exc).__name__)
            return NO_MEMBER_LIST
        if len(listed) >= THREAD_MEMBERS_PAGE or len(listed) < (thread.member_count or 0):
            return "its members cannot all be listed"
        for entry in listed:
            user = str(entry.get("user_id"))
            member = entry.get("member") or {}
            if not self._staff(user, frozenset(str(r) for r in member.get("roles", ()))):
                return f"member {user}"
        return ""

    def _staff(self, user: str, role_ids: frozenset[str]) -> bool:
        me = self.client.user
        return (me is not None and user == str(me.id)) or self.roles.is_agent(user, role_ids)

    def _staff_role(self, role: discord.Role) -> bool:
        if str(role.id) in self.roles.agent_roles | self.roles.supervisor_roles:
            return True
        me = self.client.user  # the coach's own integration role
        return me is not None and role.tags is not None and role.tags.bot_id == me.id
