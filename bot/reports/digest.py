"""The weekly digest: last week's figures and highlights, posted to a team channel.

Posted once a week, on ``[digest] weekday`` at ``hour`` (in ``[coaching] timezone``), to
``[digest] channel`` (a Slack channel ID, or a Discord one: digits). One post per week
and channel however many replicas run (the store keeps one row per week and channel;
only the replica that took it posts), retried after a temporary failure; a bot that
was down at that hour posts it when it is back, up to a day late, else skips that week.

It counts one workspace's conversations (``[digest] workspace``, or the one the
configuration allows: config/load.py), never another team's figures, agents or words.

A team channel is no place for customers' words or names. The digest says only:
counts and shares, survey means, and highlights in the bot's own words ("an agent
acknowledged a frustrated customer, who calmed down"). Never a customer ID, a
customer's words, a channel name or a link to a conversation. Agents are mentioned only
with ``name_agents``; an acknowledging reply (an agent's words, which can still name
the customer) is quoted only with both ``quote_replies`` and ``[storage] store_text``,
redacted and escaped for the platform (a quoted ``<!channel>`` or ``@everyone`` pings no
one, a quoted ``<@U…>`` shows no one).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from adapters.base import DeliveryResult, DeliveryStatus, Report
from adapters.outreach import ChannelPoster
from bot.ops.clock import Clock
from bot.ops.logs import describe
from bot.reports.highlights import MAX_SHOWN, find, highlight_lines, what_happened
from bot.reports.shares import Share
from bot.reports.summary import Figures, compute
from bot.reports.survey_view import score
from bot.store.base import Slice, SliceFilter, Store
from bot.store.outreach import OutreachStore
from bot.surveys.satisfaction import period_slice
from config.settings import DigestSettings

log = logging.getLogger("coach.digest")

WEEK = 7 * 86_400.0
CATCH_UP = 86_400.0  # a digest more than this late is skipped
LEASE = 60.0
TIMEOUT = 30.0
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def scheduled(now: float, weekday: str, hour: int, zone: str) -> datetime:
    """The latest scheduled moment at or before ``now``, in the team's time zone."""
    local = datetime.fromtimestamp(now, ZoneInfo(zone))
    back = (local.weekday() - WEEKDAYS.index(weekday)) % 7
    due = (local - timedelta(days=back)).replace(hour=hour, minute=0, second=0, microsecond=0)
    if due > local:
        due -= timedelta(days=7)
    return due


def digest_report(
    figures: Figures, data: Slice, settings: DigestSettings, store_text: bool, week: str
) -> Report:
    """What is posted to the team channel (see the module: nothing about customers)."""
    f, survey = figures, figures.survey
    fields = [
        ("Conversations", str(f.conversations)),
        ("Frustration episodes", str(f.episodes)),
        ("Acknowledged in the next reply", f.acknowledged_share.text()),
        ("Calmed down / stayed frustrated", f"{f.calmed} / {f.stayed}"),
    ]
    if survey.asked:
        fields += [
            ("Survey responses", Share(survey.responses, survey.asked).text()),
            ("Felt understood (1-5)", score(survey.understood)),
        ]
    highlights = find(f, data)
    quotes = settings.quote_replies and store_text
    lines = [f"Highlights: {len(highlights)}" if highlights else "No highlights this week."]
    if settings.name_agents or quotes:  # each one, with who and (redacted) what they said
        for h in highlights[:MAX_SHOWN]:
            lines += highlight_lines(
                h,
                agent=settings.name_agents,
                where=False,
                quotes=quotes,
                platform=settings.platform,
            )
    else:  # anonymous: alike highlights would read the same, so count them
        for what, n in Counter(what_happened(h) for h in highlights).most_common():
            lines.append(f"• {'An agent' if n == 1 else f'{n} times, an agent'} {what}.")
    return Report(
        title=f"Weekly empathy digest: {week}",
        fields=tuple(fields),
        lines=tuple(lines),
        footer="Acknowledged and calmed down, or rated 5 for feeling understood. "
        "Figures: coach docs/surveys-and-summaries.md, section Summaries.",
    )


class DigestService:
    def __init__(
        self,
        store: Store,
        outreach: OutreachStore,
        posters: dict[str, ChannelPoster],
        clock: Clock,
        settings: DigestSettings,
        *,
        zone: str = "UTC",
        store_text: bool = False,
    ) -> None:
        self.store, self.outreach, self.posters = store, outreach, posters
        self.clock, self.settings, self.zone = clock, settings, zone
        self.store_text = store_text
        self.platform = settings.platform
        self.workspace = settings.workspace  # "": the poster's own (Slack: the token's team)

    async def run_once(self) -> bool:
        """Post this week's digest if it is due and no one has; True when posted."""
        now = self.clock.now()
        due = scheduled(now, self.settings.weekday, self.settings.hour, self.zone)
        if now - due.timestamp() > CATCH_UP:
            return False
        key = f"{due:%G-W%V}:{self.platform}:{self.settings.channel}"
        if not await self.outreach.claim_digest(key, now, LEASE):
            return False
        result = await self._post(due.timestamp(), f"week to {due:%a %d %b %Y}")
        retry_at = None
        status = "sent" if result.status is DeliveryStatus.SENT else "failed"
        if result.status is DeliveryStatus.RETRY:
            status, retry_at = "pending", self.clock.now() + (result.retry_after or 60.0)
        await self.outreach.finish_digest(key, status, result.error, self.clock.now(), retry_at)
        log.info("weekly digest %s: %s %s", key, status, result.error)
        return status == "sent"

    async def report(self, until: float, week: str, workspace: str) -> Report:
        """The digest of the week before ``until``, of one workspace's conversations."""
        where = SliceFilter(self.platform, workspace)
        data = await period_slice(self.store, until - WEEK, until, where)
        figures = compute(data, until)
        return digest_report(figures, data, self.settings, self.store_text, week)

    async def _post(self, until: float, week: str) -> DeliveryResult:
        poster = self.posters.get(self.platform)
        if poster is None:
            return DeliveryResult(DeliveryStatus.FAILED, error="no_adapter")
        try:
            if not self.workspace:
                own = await asyncio.wait_for(poster.workspace(), TIMEOUT)
                if not own:  # never every workspace's figures: none, until one is known
                    return DeliveryResult(DeliveryStatus.FAILED, error="no_workspace")
                self.workspace = own
            report = await self.report(until, week, self.workspace)
            return await asyncio.wait_for(poster.post(self.settings.channel, report), TIMEOUT)
        except TimeoutError:
            return DeliveryResult(DeliveryStatus.RETRY, error="timeout")
        except Exception as exc:
            log.error("posting the digest raised %s", describe(exc))
            return DeliveryResult(DeliveryStatus.RETRY, error=type(exc).__name__)
