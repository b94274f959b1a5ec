"""Replay a transcript through the real runtime path with a virtual clock.

Each turn moves the clock to its timestamp, due timers fire (customers left waiting), and
the turn is processed exactly as a live Slack or Discord message would be: the same
runtime, store transaction, engine and nudge delivery. After the last turn the clock
runs on by the waiting limit, so a customer left unanswered at the end is noticed too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from adapters.console.adapter import ConsoleDelivery, score_of, to_event
from adapters.console.transcript import Turn
from bot.clock import VirtualClock
from bot.runtime import Runtime
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
    _held: list[Nudge] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Nudges are held until the message that caused them has been shown.
        delivery = ConsoleDelivery(self._held.append)
        self.runtime = Runtime(Engine(self.policy), self.store, {"console": delivery}, self.clock)
        self.stats = ReplayStats()

    async def run(
        self, turns: list[Turn], source: str = "", on_turn: Callable[[], None] | None = None
    ) -> ReplayStats:
        for index, turn in enumerate(turns):
            self.clock.advance_to(turn.ts)
            await self.runtime.fire_timers()
            self._flush()
            outcome = await self.runtime.process(to_event(turn, index, source))
            self.stats.messages += 1
            self.show_message(turn, score_of(outcome.signals))
            self._flush()
            if on_turn is not None:
                on_turn()
        if turns:
            self.clock.advance_to(turns[-1].ts + self.policy.waiting_after)
            await self.runtime.fire_timers()
            self._flush()
        return self.stats

    def _flush(self) -> None:
        for nudge in self._held:
            self.stats.nudges[nudge.kind.value] = self.stats.nudges.get(nudge.kind.value, 0) + 1
            self.show_nudge(nudge)
        self._held.clear()
