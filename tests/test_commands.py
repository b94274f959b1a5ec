"""Commands (bot/service/commands.py): the store does the filtering (a `/coach me` reads one
agent's conversations of one workspace, not everyone's), each person is rate limited,
and only a few reads run at once, so no one's commands can stall coaching."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from adapters.base import CommandRequest, Period, Roles, Scope, ScopeKind
from bot.ops.clock import VirtualClock
from bot.ops.metrics import Metrics
from bot.ops.ratelimit import CommandLimiter
from bot.service.commands import CommandService
from bot.store.base import Slice, SliceFilter
from bot.store.memory import MemoryStore
from coaching.state import ConversationState, Pending
from coaching.types import ConversationRef

ROLES = Roles(agents=frozenset({"UAGENT"}), supervisors=frozenset({"ULEAD"}))


class Watched(MemoryStore):
    """Records what each slice asked for; can hold reads until released."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[SliceFilter | None] = []
        self.gate: asyncio.Event | None = None
        self.reading = self.most_at_once = 0

    async def slice(self, since: float, until: float, where: SliceFilter | None = None) -> Slice:
        self.asked.append(where)
        self.reading += 1
        self.most_at_once = max(self.most_at_once, self.reading)
        try:
            if self.gate is not None:
                await self.gate.wait()
            return await super().slice(since, until, where)
        finally:
            self.reading -= 1


def service(store: Watched, clock: VirtualClock, **limits: Any) -> CommandService:
    limiter = CommandLimiter(clock, **limits)
    return CommandService(store, ROLES, clock, Metrics(), 600, limiter=limiter)


def request(name: str, user: str = "UAGENT", scope: Scope | None = None) -> CommandRequest:
    return CommandRequest("slack", "T1", user, frozenset(), name, scope or Scope(), Period.MONTH)


async def test_me_summaries_and_highlights_are_filtered_by_the_store() -> None:
    store, clock = Watched(), VirtualClock(1e6)
    commands = service(store, clock)
    await commands.handle(request("me"))
    await commands.handle(request("summary", "ULEAD"))
    await commands.handle(request("summary", "ULEAD", Scope(ScopeKind.CHANNEL, "C1")))
    await commands.handle(request("summary", "ULEAD", Scope(ScopeKind.AGENT, "UAGENT")))
    await commands.handle(request("highlights", "ULEAD"))
    await commands.handle(request("highlights", "ULEAD", Scope(ScopeKind.CHANNEL, "C1")))
    assert store.asked == [
        SliceFilter("slack", "T1", agent="UAGENT"),
        SliceFilter("slack", "T1"),
        SliceFilter("slack", "T1", channel="C1"),
        SliceFilter("slack", "T1", agent="UAGENT"),
        SliceFilter("slack", "T1"),
        SliceFilter("slack", "T1", channel="C1"),
    ]


async def test_each_person_is_rate_limited_and_others_are_not() -> None:
    store, clock = Watched(), VirtualClock(1e6)
    commands = service(store, clock, per_user=3, window=60)
    for _ in range(3):
        assert "Coaching summary" in (await commands.handle(request("me"))).title
    slowed = await commands.handle(request("me"))
    assert slowed.title == "You're asking a lot at once: try again in 60 s."
    assert len(store.asked) == 3  # the fourth never reached the store
    assert "Coaching summary" in (await commands.handle(request("me", "UOTHER"))).title
    assert "coach" in (await commands.handle(request("help"))).title  # help reads nothing
    clock.advance_to(1e6 + 60)
    assert "Coaching summary" in (await commands.handle(request("me"))).title
    audit = [(user, name, allowed) for _, _, user, name, allowed in store.commands]
    assert ("UAGENT", "me", False) in audit  # the limited request is audited as refused


async def test_only_a_few_reads_run_at_once() -> None:
    store, clock = Watched(), VirtualClock(1e6)
    store.gate = asyncio.Event()
    commands = service(store, clock, at_once=2)
    users = [f"U{n}" for n in range(6)]
    waiting = [asyncio.create_task(commands.handle(request("me", user))) for user in users]
    for _ in range(50):  # every chance for all six to start reading (only two may)
        await asyncio.sleep(0)
    assert store.reading == 2
    store.gate.set()
    await asyncio.gather(*waiting)
    assert store.most_at_once == 2 and len(store.asked) == 6


async def test_status_lists_only_the_asking_workspace() -> None:
    store, clock = Watched(), VirtualClock(1e6)
    for platform, workspace in (("slack", "T1"), ("slack", "T2"), ("discord", "T1")):
        ref = ConversationRef(platform, workspace, "C1", "1.0")
        waiting = (Pending("m1", "e1", "cust", 1e6 - 3600),)
        async with store.transaction(ref.key) as tx:
            tx.save(replace(ConversationState.new(ref), unanswered=waiting), None, [], [], 0)
    report = await service(store, clock).handle(request("status", "ULEAD"))
    assert report.title == "Conversations at risk right now: 1"
    assert report.lines[0].startswith("<#C1> thread 1.0: waiting 1 h")


async def test_a_conversation_scope_stays_within_the_workspace() -> None:
    store, clock = Watched(), VirtualClock(1e6)
    other = Scope(ScopeKind.CONVERSATION, "slack:T2:C1:1.0")
    await service(store, clock).handle(request("summary", "ULEAD", other))
    assert store.asked == [SliceFilter("slack", "T1", conversation="slack:T2:C1:1.0")]
