"""When a signal becomes a nudge: thresholds, timers and cooldowns, as plain values.

config/ builds one of these from the settings file (bot/service/policy.py); the engine only reads
it. The team's time zone arrives as a function (POSIX time -> UTC offset), so the engine
can tell when "end of day" is without reading a clock or a time-zone database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coaching.promises import UtcOffset


def _utc(_: float) -> float:
    return 0.0


@dataclass(frozen=True, slots=True)
class HistoryRule:
    """When a returning customer is at risk (coaching/history.py): any of these."""

    repeat_conversations: int = 2  # at least this many earlier conversations (0 = off) ...
    repeat_days: float = 7  # ... within this many days
    if_frustrated: bool = True  # frustrated last time
    if_unresolved: bool = True  # the last one ended unresolved


@dataclass(frozen=True, slots=True)
class Policy:
    frustration_threshold: float | None = None  # None: the threshold shipped with the model
    acknowledgement_threshold: float | None = None
    waiting_after: float = 10 * 60  # seconds before the first "update owed" reminder
    waiting_repeat: float = 30 * 60  # then again every this many seconds ...
    waiting_max_reminders: int = 3  # ... at most this many times per wait
    cooldown: float = 10 * 60  # the same kind of nudge to the same agent, at most this often
    ack_grace: float = 0.0  # seconds an agent has to acknowledge across split replies
    escalation_turns: int = 3  # rising frustration over this many customer turns
    max_recipients: int = 3  # the most recent agents of a conversation that get nudges
    utc_offset: UtcOffset = _utc  # the team's time zone: "by end of day" means its evening
    end_of_day_hour: int = 17  # when "end of day" falls, local time
    history: HistoryRule = HistoryRule()  # when a returning customer is at risk
    auto_update_after: float = 0.0  # seconds past a wait's first reminder; 0 = never
    confusion_nudges: bool = True  # a team that only wants the frustration coach turns it off
    nudge_key: bytes = field(default=b"", repr=False)  # the installation's secret: nudge ids
