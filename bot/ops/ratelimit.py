"""How often one person may ask the bot to read the store, and how many such reads run
at once: no one's commands may stall coaching for everyone else. ``/coach`` commands and
``/coach practice`` share one budget per person; a person's direct messages to the bot
(practice replies) have one of their own."""

from __future__ import annotations

import asyncio
from collections import deque

from bot.ops.clock import Clock

PER_USER = 5  # commands that read the store, per person ...
WINDOW = 60.0  # ... in this many seconds
AT_ONCE = 2  # such commands running at the same time, everyone together
MESSAGES_PER_USER = 10  # direct messages to the bot answered per person and WINDOW


def person(platform: str, workspace: str, user: str) -> str:
    """Whose budget a command counts against."""
    return f"{platform}:{workspace}:{user}"


class CommandLimiter:
    def __init__(
        self, clock: Clock, per_user: int = PER_USER, window: float = WINDOW, at_once: int = AT_ONCE
    ) -> None:
        self.clock, self.per_user, self.window = clock, per_user, window
        self.running = asyncio.Semaphore(at_once)  # held while a command reads the store
        self._recent: dict[str, deque[float]] = {}

    def wait_for(self, who: str) -> float:
        """0 when ``who`` may run a command now (and it is counted); otherwise how many
        seconds until they may."""
        now = self.clock.now()
        recent = self._recent.setdefault(who, deque())
        while recent and now - recent[0] >= self.window:
            recent.popleft()
        if len(recent) >= self.per_user:
            return self.window - (now - recent[0])
        recent.append(now)
        if len(self._recent) > 10_000:  # forget people who have not asked lately
            self._recent = {
                k: v for k, v in self._recent.items() if v and now - v[-1] < self.window
            }
        return 0.0
