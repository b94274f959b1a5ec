"""Discord's gateway has no acknowledgement and does not redeliver: events the bot could
not store (store unavailable, backlog full) stay in the intake and are offered again, in
order, until stored."""

from __future__ import annotations

import asyncio
from typing import Any

from adapters.base import Roles
from adapters.discord.intake import Intake
from adapters.discord.places import Places
from coaching.types import Event


class NoChannels:
    def get_channel(self, channel_id: int) -> None:
        return None


class OutageSink:
    """Refuses everything for its first ``refusals`` offers, then stores."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.stored: list[Event] = []
        self.changed = asyncio.Event()

    def submit(self, event: Event) -> asyncio.Future[bool]:
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if self.refusals > 0:
            self.refusals -= 1
            answer.set_result(False)
        else:
            self.stored.append(event)
            self.changed.set()
            answer.set_result(True)
        return answer


async def test_events_refused_during_an_outage_are_offered_again_in_order() -> None:
    sink = OutageSink(refusals=3)
    client: Any = NoChannels()
    intake = Intake(sink, Roles(), Places(client), frozenset(), 1800.0)
    intake.start()
    try:
        for n in range(3):
            intake.archived(1, 100 + n, 50, f"2030-01-01T00:00:0{n}+00:00")
        await asyncio.wait_for(intake._queue.join(), 10)
    finally:
        await intake.stop()
    assert [e.conversation.thread for e in sink.stored] == ["100", "101", "102"]
    assert sink.refusals == 0 and intake.dropped == 0
