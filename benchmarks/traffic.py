"""Load-test traffic: real transcripts turned into Slack Events API bodies, and the nudges
the engine is expected to produce for them (computed offline, by the same engine).

Each transcript conversation becomes a Slack thread in one of a few channels; agents and
customers get stable Slack-like user IDs (agents are what `coach run` is configured
with). Timestamps are set when a message is actually sent, so the live bot and the
offline expectation see the same times.

Every message text of a run is unique (``Texts``): transcripts are cycled through many
threads and share stock lines ("Have a great day."), and a repeated text would let a
score cache, anywhere, make the model look cheaper than it is. A text already used gets
a realistic variation: its order or account number (a run of four or more digits)
changed, or else a reference the way support chats carry them ("Order #482193.",
"(case 604417)"). The offline expectation replays the texts as sent.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.console.transcript import Turn, load
from adapters.slack.translate import translate
from bot.ops.metrics import Metrics
from bot.service.policy import policy_from
from bot.service.scoring import DEFAULT_MODEL, BatchScorer, build_engine
from coaching.state import ConversationState
from coaching.types import Role
from config.settings import Settings

TEAM = "T1"
CHANNELS = [f"CSUP{n}" for n in range(8)]


@dataclass
class Conversation:
    thread: str
    channel: str
    turns: list[Turn]
    texts: list[str] = field(default_factory=list)  # what is sent: unique in the run
    sent: list[tuple[dict[str, Any], float]] = field(default_factory=list)  # body, send time

    def person(self, turn: Turn) -> tuple[str, str]:
        """(role, name) of who wrote ``turn``. Transcripts are cycled through new threads,
        so a customer is new in every thread: one coming back would get a history brief
        whose timing depends on the load, which the offline expectation cannot know (the
        history lookup still runs, and costs, for every customer's first message)."""
        name = turn.author if turn.role == "agent" else f"{turn.author}@{self.thread}"
        return turn.role, name


@dataclass
class People:
    ids: dict[tuple[str, str], str] = field(default_factory=dict)

    def id_of(self, role: str, name: str) -> str:
        key = (role, name)
        if key not in self.ids:
            prefix = "UA" if role == "agent" else "UC"
            self.ids[key] = f"{prefix}{len(self.ids):07d}"
        return self.ids[key]

    @property
    def agents(self) -> list[str]:
        return [v for (role, _), v in self.ids.items() if role == "agent"]


_LONG_NUMBER = re.compile(r"\d{4,}")
# References as support messages carry them; {n} is a six-digit number.
_CUSTOMER_REFS = (
    "Order #{n}.",
    "My order number is {n}.",
    "Booking reference {n}.",
    "(ticket {n})",
    "Account {n}.",
    "Case number {n}.",
)
_AGENT_REFS = ("(case {n})", "Case #{n}.", "Ticket {n}.", "Ref: {n}.")


class Texts:
    """Makes every text of a run unique, the first use of a text left as it is."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self._next = itertools.count(1)

    def unique(self, text: str, role: str) -> str:
        candidate = text
        while candidate in self.seen:
            candidate = self._vary(text, role)
        self.seen.add(candidate)
        return candidate

    def _vary(self, text: str, role: str) -> str:
        k = next(self._next)
        number = 100_000 + (k * 7919) % 900_000  # six digits, none repeated for 900,000
        if _LONG_NUMBER.search(text):  # another order, account or flight number
            return _LONG_NUMBER.sub(lambda m: _renumber(m.group(), k), text, count=1)
        refs = _AGENT_REFS if role == "agent" else _CUSTOMER_REFS
        ref = refs[k % len(refs)].format(n=number)
        return f"{text.rstrip()} {ref}" if text.strip() else ref


def _renumber(digits: str, k: int) -> str:
    """A different number with as many digits (no leading zero)."""
    low, span = 10 ** (len(digits) - 1), 9 * 10 ** (len(digits) - 1)
    return str(low + (int(digits) - low + k * 7919) % span)


def transcripts(eval_dir: Path) -> list[list[Turn]]:
    """Conversations from the IBM customer-care files and the USS dialogues."""
    folder = eval_dir / "transcripts"
    found: list[list[Turn]] = []
    for path in [
        folder / "ibm_customer_care" / "dev.json",
        folder / "ibm_customer_care" / "test.json",
        folder / "uss_multiwoz_sgd" / "SGD.txt",
        folder / "uss_multiwoz_sgd" / "MWOZ.txt",
    ]:
        grouped: dict[str, list[Turn]] = {}
        for turn in load(path).turns:
            grouped.setdefault(turn.conversation, []).append(turn)
        found.extend(t for t in grouped.values() if len(t) >= 2)
    random.Random(7).shuffle(found)  # mix short tweet threads and long dialogues
    return found


def conversations(
    pool: list[list[Turn]],
    count: int,
    people: People,
    texts: Texts,
    start: int = 0,
    max_turns: int | None = None,
) -> list[Conversation]:
    """``count`` threads cycling through ``pool`` (at most ``max_turns`` turns each), their
    texts made unique by ``texts`` (shared by every phase of a run)."""
    out = []
    cycle = itertools.cycle(pool)
    for n in range(start, start + count):
        turns = next(cycle)[:max_turns]
        conv = Conversation(thread=f"{n}", channel=CHANNELS[n % len(CHANNELS)], turns=turns)
        conv.texts = [texts.unique(t.text, t.role) for t in turns]
        for t in conv.turns:
            people.id_of(*conv.person(t))
        out.append(conv)
    return out


def body(conv: Conversation, index: int, people: People, ts: float) -> dict[str, Any]:
    turn = conv.turns[index]
    stamp = f"{ts:.6f}"
    event = {
        "type": "message",
        "channel": conv.channel,
        "channel_type": "channel",
        "user": people.id_of(*conv.person(turn)),
        "text": conv.texts[index],
        "ts": stamp,
        "team": TEAM,
        "user_team": TEAM,
        "event_ts": stamp,
    }
    if index > 0:
        event["thread_ts"] = conv.sent[0][0]["event"]["ts"]
    return {
        "token": "load",
        "team_id": TEAM,
        "api_app_id": "A1",
        "type": "event_callback",
        "event": event,
        "event_id": f"Ev{conv.channel}{conv.thread}x{index}",
        "event_time": int(ts),
    }


def expected_nudges(
    convs: list[Conversation], agents: set[str], nudge_key: bytes = b"", model: str = DEFAULT_MODEL
) -> dict[str, str]:
    """nudge id -> the event id that triggered it, replaying each thread offline
    (``nudge_key``: the live bot's installation key, which its nudge ids are made with),
    each message scored as the runtime scores it: by the configured model, a customer's
    message with the agent message before it (bot/service/scoring.py, ``BatchScorer``)."""
    engine = build_engine(policy_from(Settings(), nudge_key), model)
    scorer = BatchScorer(engine, Metrics())
    expected: dict[str, str] = {}

    def role_of(user: str, external: bool) -> Role:
        return Role.AGENT if user in agents and not external else Role.CUSTOMER

    for conv in convs:
        state: ConversationState | None = None
        for sent_body, _ in conv.sent:
            event = translate(sent_body, role_of).event
            if event is None:
                continue
            (assessment,) = scorer.assess([event])
            result = engine.step(state, event, float(sent_body["event"]["ts"]), assessment)
            state = result.state
            for nudge in result.nudges:
                expected[nudge.nudge_id] = nudge.trigger_event
    return expected


def sent_times(convs: list[Conversation]) -> Iterator[tuple[str, float]]:
    for conv in convs:
        for sent_body, at in conv.sent:
            e = sent_body["event"]
            yield f"slack:{TEAM}:{e['channel']}:{e['ts']}", at
