"""Settings -> the engine's policy (config/ knows nothing of the engine)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from coaching.policy import HistoryRule, Policy
from config.settings import Settings


def utc_offset(zone: str) -> Callable[[float], float]:
    """POSIX time -> seconds east of UTC in ``zone`` (the engine reads no time-zone data)."""
    tz = ZoneInfo(zone)

    def offset(at: float) -> float:
        delta = datetime.fromtimestamp(at, tz).utcoffset()
        return delta.total_seconds() if delta is not None else 0.0

    return offset


def policy_from(settings: Settings, nudge_key: bytes = b"") -> Policy:
    """``nudge_key``: the installation's secret (``Store.installation_key``); replays,
    which show no nudge ids, do without."""
    c = settings.coaching
    return Policy(
        frustration_threshold=c.frustration_threshold,
        acknowledgement_threshold=c.acknowledgement_threshold,
        waiting_after=c.waiting_minutes * 60,
        waiting_repeat=c.waiting_repeat_minutes * 60,
        waiting_max_reminders=c.waiting_max_reminders,
        cooldown=c.cooldown_minutes * 60,
        ack_grace=c.ack_grace_seconds,
        escalation_turns=c.escalation_turns,
        max_recipients=c.max_recipients,
        utc_offset=utc_offset(c.timezone),
        end_of_day_hour=c.end_of_day_hour,
        history=HistoryRule(
            repeat_conversations=c.at_risk_conversations,
            repeat_days=c.at_risk_days,
            if_frustrated=c.at_risk_if_frustrated,
            if_unresolved=c.at_risk_if_unresolved,
        ),
        nudge_key=nudge_key,
        auto_update_after=settings.updates.auto_after_minutes * 60,
        confusion_nudges=c.confusion_nudges,
    )
