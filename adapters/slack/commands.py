"""``/coach ...`` text -> a ``CommandRequest``.

``/coach summary [@agent | #channel | thread link] [24h|7d|30d]``, ``/coach status``,
``/coach highlights [period]``, ``/coach me [period]``, ``/coach inbox``, ``/coach help``,
``/coach customer @customer`` and ``/coach forget @customer`` (a mention or a bare user
ID). The manifest asks Slack to escape mentions, so ``@agent`` arrives as
``<@U123|name>`` and ``#channel`` as ``<#C123|name>``; a thread link is
``https://x.slack.com/archives/C123/p1700000000123456``
(with ``?thread_ts=...`` when it points at a reply).
"""

from __future__ import annotations

import re

from adapters.base import CommandRequest, Period, Scope, ScopeKind

_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_USER_ID = re.compile(r"^([UW][A-Z0-9]{2,})$")
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_LINK = re.compile(
    r"^<?https://[\w.-]+\.slack\.com/archives/([CG][A-Z0-9]+)/p(\d{10})(\d{6})(?:\?[^|>]*?thread_ts=(\d+\.\d+))?[^|>]*(?:\|[^>]*)?>?$"
)
_PERIODS = {
    "24h": Period.DAY,
    "day": Period.DAY,
    "1d": Period.DAY,
    "7d": Period.WEEK,
    "week": Period.WEEK,
    "30d": Period.MONTH,
    "month": Period.MONTH,
}
NAMES = ("summary", "status", "me", "inbox", "help", "customer", "forget", "highlights")
_ONE_CUSTOMER = ("customer", "forget")


def parse(text: str, team: str, user: str, groups: frozenset[str]) -> CommandRequest:
    words = text.split()
    name = words[0].lower() if words else "help"
    base = CommandRequest("slack", team, user, groups, name)
    if name not in NAMES:
        return _problem(base, f"I don't know `{name[:30]}`.")
    scope, period = Scope(), Period.WEEK
    for word in words[1:]:
        if word.lower() in _PERIODS and name in ("summary", "me", "highlights"):
            period = _PERIODS[word.lower()]
        elif name == "summary" and (m := _USER.match(word)):
            scope = Scope(ScopeKind.AGENT, m.group(1))
        elif name == "summary" and (m := _CHANNEL.match(word)):
            scope = Scope(ScopeKind.CHANNEL, m.group(1))
        elif name == "summary" and (m := _LINK.match(word)):
            channel, seconds, micros, thread = m.groups()
            thread = thread or f"{seconds}.{micros}"
            scope = Scope(ScopeKind.CONVERSATION, f"slack:{team}:{channel}:{thread}")
        elif (
            name in _ONE_CUSTOMER
            and scope.kind is not ScopeKind.CUSTOMER
            and (m := _USER.match(word) or _USER_ID.match(word))
        ):
            scope = Scope(ScopeKind.CUSTOMER, m.group(1))
        elif word.startswith("@"):
            return _problem(base, f"Mention the agent so Slack links it (I got `{word[:40]}`).")
        else:
            return _problem(base, f"I didn't understand `{word[:40]}`.")
    if name in _ONE_CUSTOMER and scope.kind is not ScopeKind.CUSTOMER:
        return _problem(base, f"Say which customer: `/coach {name} @customer`.")
    return CommandRequest("slack", team, user, groups, name, scope, period)


def _problem(base: CommandRequest, problem: str) -> CommandRequest:
    return CommandRequest(
        base.platform, base.workspace, base.user, base.user_groups, "help", problem=problem
    )
