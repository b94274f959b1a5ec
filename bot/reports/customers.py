"""``/coach customer ID`` and ``/coach forget ID``: one customer's history, and erasing it.

Supervisors only (bot/service/commands.py decides). Both stay inside the platform workspace the
command came from: a supervisor sees and erases their own team's customers, nobody else's.
Forgetting deletes every conversation the customer wrote in (its messages, scores, nudges,
feedback and state), like ``coach forget`` does for one conversation, and the command
audit's rows of their own ``/coach`` commands. The audit keeps that a supervisor forgot a
customer, and when, never whom (that would keep the ID the forget erased); the log says
how many records went, never whose.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from adapters.base import CommandRequest, Report
from bot.reports.history import HistoryLookup, team
from coaching import history
from coaching.policy import HistoryRule, Policy
from coaching.types import ConversationRef, CustomerHistory, PastConversation

log = logging.getLogger("coach.customers")
MAX_LINES = 15
FOOTER = "Only you can see this. A history holds scores and cue names, never message text."


class CustomerDesk:
    def __init__(self, lookup: HistoryLookup, policy: Policy) -> None:
        self.lookup = lookup
        self.policy = policy

    async def answer(self, request: CommandRequest, now: float) -> Report:
        customer = request.scope.id
        prefix = team(ConversationRef(request.platform, request.workspace, "", ""))
        if request.name == "forget":
            removed = await self.lookup.store.forget_customer(customer, prefix)
            log.info("a customer was forgotten: %d records deleted", removed)
            return forgotten_report(customer, removed)
        found = await self.lookup.lookup(customer, prefix, now)
        return customer_report(customer, found, self.policy.history, now, self.lookup.days)


def customer_report(
    customer: str,
    found: Sequence[tuple[str, PastConversation]],
    rule: HistoryRule,
    now: float,
    days: float,
) -> Report:
    pasts = [past for _, past in found]
    title = f"Customer <@{customer}>: {_count(len(pasts))} in the last {days:g} days"
    if not pasts:
        return Report(title=title, lines=("Nothing stored about this customer.",), footer=FOOTER)
    returning = history.summarise(CustomerHistory(tuple(pasts)), now, rule)
    risky = returning is not None and history.at_risk(returning, rule)
    at_risk = "no"
    if returning is not None and risky:  # the brief an agent would get
        at_risk = "yes: " + "; ".join(history.brief_lines(returning, rule))
    fields = (
        ("At risk if they come back now", at_risk),
        ("Frustrated in", f"{sum(p.frustrated for p in pasts)} of {len(pasts)}"),
        ("Ended unresolved or escalated", f"{sum(p.unresolved for p in pasts)} of {len(pasts)}"),
    )
    lines = tuple(_line(key, past) for key, past in reversed(found[-MAX_LINES:]))
    return Report(title=title, fields=fields, lines=lines, footer=FOOTER)


def forgotten_report(customer: str, removed: int) -> Report:
    if not removed:
        return Report(title=f"Nothing stored about <@{customer}>.", footer="Only you can see this.")
    return Report(
        title=f"Forgot customer <@{customer}>: {removed} records deleted.",
        lines=("Every conversation they wrote in is gone: messages, scores, nudges, feedback.",),
        footer="Only you can see this.",
    )


def _line(key: str, past: PastConversation) -> str:
    when = datetime.fromtimestamp(past.started_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    felt = "calm"
    if past.frustrated:
        cues = ", ".join(c.replace("_", " ") for c in past.cues)
        felt = f"frustrated ({cues})" if cues else "frustrated"
    ended = ""
    if past.unresolved:
        ended = "; escalated" if past.escalated else "; ended unresolved"
    return f"{when} in <#{ConversationRef.from_key(key).channel}>: {felt}{ended}"


def _count(n: int) -> str:
    return "1 conversation" if n == 1 else f"{n} conversations"
