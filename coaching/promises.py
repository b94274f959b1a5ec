"""An agent's promise of an update, and when it falls due.

"Let me check and get back to you", "I'll update you within 10 minutes", "in an hour",
"by end of day tomorrow", "by 3pm": the customer is surely waiting for that update, so
the owed-update timer (coaching/owed.py) starts at the promised time. The reminder waits
a grace past it, proportional to the promise (``grace``): a quarter of the promised wait,
at least a minute and at most 15 minutes, so "give me a minute" is reminded after two
minutes, not on the dot, "within 10 minutes" after 12.5 and "by end of day tomorrow" 15
minutes after. A promise without a time is due after the policy's ``waiting_after``, with
no grace added. A promise further off than ``MAX_PROMISE`` is held to it: "within
99999999 days" would keep the conversation's state (its timer pending) from ever being
purged, and a longer run of nines is an infinite time. 30 days is past any real support
promise and within the 90 days records are kept by default, so a promised state still
falls due and is purged with the rest. Pure: the clock is the message's own time, and
"end of day" is read in the team's time zone, given as a function from a POSIX time to
that zone's UTC offset (``Policy.utc_offset``): no calendar or clock here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

DAY = 86_400.0
GRACE_SHARE = 0.25  # of the promised wait, after it ends, before the reminder
GRACE_MIN = 60.0
GRACE_MAX = 15 * 60.0
MAX_PROMISE = 30 * DAY  # a longer promise is held to this (see above)
UtcOffset = Callable[[float], float]  # POSIX time -> seconds east of UTC at that moment

# Someone committing to come back: "I'll get back to you", "let me check", "we will update you".
_COMMITMENT = re.compile(
    r"\b(?:i'?ll|i will|we'?ll|we will|i'?m going to|we'?re going to|i am going to|we are going to|"
    r"i shall|we shall|i can|let me|allow me to|someone will|the team will|they'?ll|they will)\s+"
    r"(?:\w+\s+){0,3}?"
    r"(?:get back|come back|circle back|update|follow up|follow-up|reach out|call you|ring you|"
    r"e-?mail|message you|text you|ping you|send|forward|mail|let you know|be in touch|"
    r"get in touch|write back|revert|"
    r"keep you (?:posted|updated|informed)|send you an update|check|look into|find out|investigate|"
    r"escalate|chase)\b"
    r"|\byou'?ll (?:hear|get an? (?:update|reply|response|answer|email|call)) (?:back )?from (?:us|me)\b"
    r"|\b(?:expect|there will be) an? (?:update|reply|response|answer|email|call)\b"
    r"|\b(?:give|bear with|allow) (?:me|us) (?:just )?(?:a|an|one|two|five|ten|\d+|a few|a couple(?: of)?)\s+"
    r"(?:moment|minute|min|sec|second|mins|minutes|hours?)s?\b"
)
# Not promises: "let me know", "I'll be happy to help", "I can check if you like?".
_NOT_A_PROMISE = re.compile(r"\blet me know\b|\bif you (?:like|want|prefer)\b|\bshall i\b|\?\s*$")

_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty-five": 45,
    "few": 3,
    "a few": 3,
    "couple": 2,
    "a couple": 2,
    "a couple of": 2,
    "half an": 0.5,
    "half a": 0.5,
}
_UNIT_SECONDS = {"min": 60, "minute": 60, "hour": 3600, "hr": 3600, "h": 3600, "day": 86_400}
_AMOUNT = r"(?:\d+(?:\.\d+)?|an?|one|two|three|four|five|six|ten|fifteen|twenty|thirty|forty-five|(?:a )?few|(?:a )?couple(?: of)?|half an?)"
_DURATION = re.compile(
    rf"\b(?:within|in|inside|under|less than|about|around|approximately|the next|next)\s+(?:the next\s+|about\s+|around\s+)?"
    rf"(?:(?P<low>\d+)\s*(?:-|to)\s*)?(?P<amount>{_AMOUNT})\s*"
    r"(?P<business>business |working )?(?P<unit>min(?:ute)?s?|hours?|hrs?|h|days?)\b"
)
_HOLD = re.compile(
    rf"\b(?:give|bear with|allow) (?:me|us) (?:just )?(?P<amount>{_AMOUNT})\s+"
    r"(?P<unit>moment|min(?:ute)?|sec(?:ond)?|hour)s?\b"
)
_CLOCK = re.compile(
    r"\bby\s+(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?"
)
# "within the hour", "in the next hour": an hour, as the duration pattern reads it.
_THE_HOUR = re.compile(r"\b(?:within|in) the (?:next )?hour\b")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_PART = re.compile(
    r"\b(?P<when>(?:by )?(?:the )?(?:end of (?:the )?(?:business )?day|eod|cob|close of business)"
    r"(?: (?P<eod_tomorrow>tomorrow))?"
    r"|(?:first thing )?tomorrow(?: morning| afternoon| evening)?|later today|this (?:afternoon|evening)|tonight"
    r"|(?:by|on|before) (?:" + "|".join(_WEEKDAYS) + r")|next week)\b"
)


@dataclass(frozen=True, slots=True)
class Promise:
    """When an agent said they would be back, as the reminder will repeat it."""

    due: float  # POSIX seconds
    when: str  # "within 10 minutes", "by end of day tomorrow", "" when no time was given


@dataclass(frozen=True, slots=True)
class LocalTime:
    """Wall-clock arithmetic in the team's zone, on POSIX seconds."""

    offset: UtcOffset

    def day_start(self, at: float) -> float:
        """Local midnight before ``at``, as a local wall time in seconds."""
        local = at + self.offset(at)
        return local - local % DAY

    def to_posix(self, local: float) -> float:
        return local - self.offset(local - self.offset(local))

    def weekday(self, at: float) -> int:
        """Monday 0 ... Sunday 6 (1 January 1970 was a Thursday)."""
        return int(((at + self.offset(at)) // DAY + 3) % 7)


def grace(promised: float) -> float:
    """Seconds past a promised time before its reminder is due, for a promise of
    ``promised`` seconds: a quarter of it, at least a minute, at most 15 minutes."""
    return min(GRACE_MAX, max(GRACE_MIN, GRACE_SHARE * promised))


def find(
    text: str, sent_at: float, default_wait: float, clock: LocalTime, end_of_day_hour: int
) -> Promise | None:
    """The promise an agent's message makes, if any. When the message names several
    times ("I'm sending a replacement so it arrives tomorrow, and I'll message you by
    3pm"), the customer hears back at the earliest one after the commitment (3pm)."""
    lower = _THE_HOUR.sub("within an hour", text.lower().replace("’", "'"))
    commitment = _COMMITMENT.search(lower)
    if commitment is None or _NOT_A_PROMISE.search(lower):
        return None
    found = _earliest(lower, commitment.start(), sent_at, clock, end_of_day_hour) or _earliest(
        lower, 0, sent_at, clock, end_of_day_hour
    )
    return found or Promise(sent_at + default_wait, "")


def _earliest(
    lower: str, start: int, sent_at: float, clock: LocalTime, end_of_day_hour: int
) -> Promise | None:
    """The soonest-due time phrase from ``start`` on (the first of each kind)."""
    candidates = [
        promise
        for promise in (
            _duration(lower, sent_at, start),
            _hold(lower, sent_at, start),
            _day_part(lower, sent_at, clock, end_of_day_hour, start),
            _clock(lower, sent_at, clock, start),
        )
        if promise is not None
    ]
    return min(candidates, key=lambda p: p.due) if candidates else None


def _seconds(amount: str, unit: str) -> float:
    value = float(amount) if amount[0].isdigit() else float(_NUMBER_WORDS.get(amount, 1))
    unit = unit.rstrip("s")
    if unit.startswith("sec"):
        return 60.0
    each = 60 if unit.startswith(("moment", "min")) else _UNIT_SECONDS.get(unit, 60)
    return min(MAX_PROMISE, value * each)  # a "moment" is a minute; float("9" * 400) is inf


def _duration(lower: str, sent_at: float, start: int = 0) -> Promise | None:
    match = _DURATION.search(lower, start)
    if match is None:
        return None
    amount, unit = match["amount"], match["unit"]
    seconds = _seconds(amount, unit)
    spoken = _spoken(amount, unit, seconds)
    if match["low"] and seconds < MAX_PROMISE:
        spoken = f"{match['low']}-{spoken}"
    return Promise(sent_at + seconds, f"within {spoken}")


def _hold(lower: str, sent_at: float, start: int = 0) -> Promise | None:
    match = _HOLD.search(lower, start)
    if match is None:
        return None
    seconds = max(60.0, _seconds(match["amount"], match["unit"]))
    spoken = _spoken(match["amount"], match["unit"], seconds)
    return Promise(sent_at + seconds, "in a moment" if spoken == "a moment" else f"within {spoken}")


def _spoken(amount: str, unit: str, seconds: float) -> str:
    if seconds >= MAX_PROMISE:  # held to the cap: say so, not the 400 nines
        return f"{MAX_PROMISE / DAY:.0f} days"
    if unit.rstrip("s").startswith(("moment", "sec")):
        return "a moment" if seconds <= 60 else f"{int(seconds // 60)} minutes"
    word = "minute" if unit.startswith("min") else "hour" if unit.startswith("h") else "day"
    value = amount if amount[0].isdigit() else str(_NUMBER_WORDS.get(amount, 1))
    if value in ("0.5",):
        return f"half an {word}"
    if value == "1":
        return f"{'an' if word == 'hour' else 'a'} {word}"
    return f"{value.removesuffix('.0')} {word}s"


def _day_part(
    lower: str, sent_at: float, clock: LocalTime, end_of_day_hour: int, start: int = 0
) -> Promise | None:
    match = _DAY_PART.search(lower, start)
    if match is None:
        return None
    phrase = match["when"]
    midnight = clock.day_start(sent_at)
    end_of_day = end_of_day_hour * 3600.0
    if "tomorrow" in phrase:
        morning = "morning" in phrase or "first thing" in phrase
        due = midnight + DAY + (10 * 3600.0 if morning else end_of_day)
        return Promise(
            clock.to_posix(due), "by tomorrow morning" if morning else "by end of day tomorrow"
        )
    if phrase == "next week":
        return Promise(sent_at + 7 * DAY, "next week")
    for index, day in enumerate(_WEEKDAYS):
        if day in phrase:
            ahead = (index - clock.weekday(sent_at)) % 7 or 7
            due = midnight + ahead * DAY + end_of_day
            return Promise(clock.to_posix(due), f"by {day.capitalize()}")
    evening = phrase in ("tonight", "this evening")
    due = clock.to_posix(midnight + (21 * 3600.0 if evening else end_of_day))
    if due <= sent_at:  # "by end of day" said after hours: the next day's end
        due += DAY
    spoken = (
        phrase
        if phrase in ("later today", "this afternoon", "tonight", "this evening")
        else "by end of day"
    )
    return Promise(due, spoken)


def _clock(lower: str, sent_at: float, clock: LocalTime, start: int = 0) -> Promise | None:
    match = _CLOCK.search(lower, start)
    if match is None:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    ampm = (match["ampm"] or "").replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or (not ampm and match["minute"] is None):
        return None  # "by 3" alone is too vague to hold an agent to
    due = clock.to_posix(clock.day_start(sent_at) + hour * 3600.0 + minute * 60.0)
    if due <= sent_at:
        due += DAY
    return Promise(due, f"by {hour:02d}:{minute:02d}")
