"""Replay a transcript through the real runtime path with a virtual clock.

Before each turn the clock stops at every timer that falls due on the way (a customer left
waiting, a promised update) so its reminder fires at the moment a live bot would send it;
then the turn is processed exactly as a live Slack or Discord message would be: the same
runtime, store transaction, engine and nudge delivery. The same ``author`` across the
file's conversations is the same customer: their earlier conversations in the file are
their history (bot/reports/history.py). After the last turn the clock
runs on by the waiting limit, so a customer left unanswered at the end is noticed too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from adapters.console.adapter import ConsoleDelivery, score_of, to_event
from adapters.console.transcript import Turn
from bot.ops.clock import VirtualClock
from bot.reports.history import HistoryLookup
from bot.service.runtime import Runtime
from bot.service.scoring import DEFAULT_MODEL, build_engine
from bot.store.memory import MemoryStore
from coaching.engine import Engine
from coaching.policy import Policy
from coaching.types import Nudge

MessageView = Callable[[Turn, tuple[str, float, bool] | None], None]
NudgeView = Callable[[Nudge], None]


@dataclass
class ReplayStats:
    messages: int = 0
    nudges: dict[str, int] = field(default_factory=dict)


@dataclass
class Replayer:
    policy: Policy
    show_message: MessageView
    show_nudge: NudgeView
    store: MemoryStore = field(default_factory=MemoryStore)
    clock: VirtualClock = field(default_factory=VirtualClock)
    history_days: float = 30.0  # customer memory: the same author across conversations
    model: str = DEFAULT_MODEL  # [coaching] model: what judges the messages
    engine: Engine | None = None  # an engine built elsewhere (benchmarks: a fold's model)
    _held: list[Nudge] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Nudges are held until the message that caused them has been shown.
        delivery = ConsoleDelivery(self._held.append)
        history = HistoryLookup(self.store, self.clock, self.history_days)
        self.runtime = Runtime(
            self.engine or build_engine(self.policy, self.model),
            self.store,
            {"console": delivery},
            self.clock,
            history=history,
        )
        self.stats = ReplayStats()

    async def run(
        self, turns: list[Turn], source: str = "", on_turn: Callable[[], None] | None = None
    ) -> ReplayStats:
        for index, turn in enumerate(turns):
            await self._run_clock_to(turn.ts)
            outcome = await self.runtime.process(to_event(turn, index, source))
            self.stats.messages += 1
            self.show_message(turn, score_of(outcome.signals))
            self._flush()
            if on_turn is not None:
                on_turn()
        if turns:
            await self._run_clock_to(turns[-1].ts + self.policy.waiting_after)
        return self.stats

    async def _run_clock_to(self, until: float) -> None:
        """Fire every timer due before ``until`` at its own time, then stop at ``until``."""
        fired_at = float("-inf")
        while True:
            due = min(self.store.deadlines.values(), default=None)
            if due is None or due > until or due <= fired_at:
                break  # (a deadline that does not move on after firing waits for ``until``)
            fired_at = due
            self.clock.advance_to(max(due, self.clock.now()))
            await self.runtime.fire_timers()
            self._flush()
        self.clock.advance_to(until)
        await self.runtime.fire_timers()
        self._flush()

    def _flush(self) -> None:
        for nudge in self._held:
            self.stats.nudges[nudge.kind.value] = self.stats.nudges.get(nudge.kind.value, 0) + 1
            self.show_nudge(nudge)
        self._held.clear()
