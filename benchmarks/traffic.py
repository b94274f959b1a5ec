"""Load-test traffic: real transcripts turned into Slack Events API bodies, and the nudges
the engine is expected to produce for them (computed offline, by the same engine).

Each transcript conversation becomes a Slack thread in one of a few channels; agents and
customers get stable Slack-like user IDs (agents are what `coach run` is configured
with). Timestamps are set when a message is actually sent, so the live bot and the
offline expectation see the same times.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.console.transcript import Turn, load
from adapters.slack.translate import translate
from bot.policy import policy_from
from coaching.engine import Engine
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
    pool: list[list[Turn]], count: int, people: People, start: int = 0
) -> list[Conversation]:
    out = []
    cycle = itertools.cycle(pool)
    for n in range(start, start + count):
        conv = Conversation(thread=f"{n}", channel=CHANNELS[n % len(CHANNELS)], turns=next(cycle))
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
        "text": turn.text,
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
    convs: list[Conversation], agents: set[str], nudge_key: bytes = b""
) -> dict[str, str]:
    """nudge id -> the event id that triggered it, replaying each thread offline
    (``nudge_key``: the live bot's installation key, which its nudge ids are made with)."""
    engine = Engine(policy_from(Settings(), nudge_key))
    expected: dict[str, str] = {}

    def role_of(user: str, external: bool) -> Role:
        return Role.AGENT if user in agents and not external else Role.CUSTOMER

    for conv in convs:
        state: ConversationState | None = None
        for sent_body, _ in conv.sent:
            event = translate(sent_body, role_of).event
            if event is None:
                continue
            result = engine.step(state, event, float(sent_body["event"]["ts"]))
            state = result.state
            for nudge in result.nudges:
                expected[nudge.nudge_id] = nudge.trigger_event
    return expected


def sent_times(convs: list[Conversation]) -> Iterator[tuple[str, float]]:
    for conv in convs:
        for sent_body, at in conv.sent:
            e = sent_body["event"]
            yield f"slack:{TEAM}:{e['channel']}:{e['ts']}", at
