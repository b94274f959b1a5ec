"""``/coach practice`` and the direct messages that continue it, for every chat platform.

Who: agents and supervisors (by the configured IDs and groups); the command is audited
like every ``/coach`` command and counts against the same per-person limit
(bot/ops/ratelimit.py). A session starts from the command (where the platform tells us the
user's groups) and continues in a direct message: only someone with a session running
gets an answer there, a person's direct messages beyond their own limit get none, and a
message is never logged above DEBUG.

One reply at a time per agent: replies are judged in turn within a process, and saved
only over the session version they were judged on (coaching/practice and
bot/practice/store.py), so a redelivered message or a second replica never advances a
session twice. Results belong to the agent; supervisors see aggregates only, and only
where ``[practice] share_with_supervisors = true``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from adapters.base import Period, Report, Roles
from adapters.practice import PracticeAnswer, PracticeCommand, PracticeMessage
from bot.ops.clock import Clock
from bot.ops.ratelimit import MESSAGES_PER_USER, CommandLimiter, person
from bot.practice import library, reports
from bot.practice.library import Library
from bot.practice.store import PracticeStore, Result, for_store
from bot.reports import views as command_reports
from bot.store.base import Store
from coaching.engine import MessageDetectors
from coaching.policy import Policy
from coaching.practice.roleplay import Note, Roleplay, Session, is_stop
from coaching.practice.scenario import Scenario
from config import LoadedConfig

log = logging.getLogger("coach.practice")

Audit = Callable[[float, str, str, str, bool], Awaitable[None]]  # at, platform, user, name, ok
NO_SESSION = "No practice is running. Start one with /coach practice (in a channel)."
OVER = "This practice is over. Start another with /coach practice."
BUSY = "I was still answering your previous message; send this one again if you meant it."
_PERIODS = {"24h": Period.DAY, "7d": Period.WEEK, "30d": Period.MONTH}


@dataclass(frozen=True)
class PracticeOptions:
    enabled: bool = True
    share_with_supervisors: bool = False


class PracticeService:
    def __init__(
        self,
        library: Library,
        store: PracticeStore,
        roles: Roles,
        clock: Clock,
        policy: Policy | None = None,
        options: PracticeOptions | None = None,
        audit: Audit | None = None,
        detectors: MessageDetectors | None = None,
        limiter: CommandLimiter | None = None,
    ) -> None:
        self.library, self.store, self.roles, self.clock = library, store, roles, clock
        self.options = options or PracticeOptions()
        self.limiter = limiter or CommandLimiter(clock)  # shared with /coach's commands
        self.messages = CommandLimiter(clock, per_user=MESSAGES_PER_USER)
        self.roleplay = Roleplay(policy, detectors)
        self.audit = audit
        self._locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}

    # --- /coach practice ... ---------------------------------------------------------------

    async def command(self, request: PracticeCommand) -> PracticeAnswer:
        words = request.args.split()
        sub = words[0].lower() if words else ""
        allowed = self.options.enabled and self.roles.is_agent(request.user, request.user_groups)
        wait = 0.0
        if allowed:
            wait = self.limiter.wait_for(person(request.platform, request.workspace, request.user))
        if self.audit is not None:
            ok = allowed and not wait
            await self.audit(self.clock.now(), request.platform, request.user, "practice", ok)
        if not self.options.enabled:
            return PracticeAnswer(reports.TURNED_OFF)
        if not allowed:
            return PracticeAnswer(reports.ONLY_AGENTS)
        if wait:
            return PracticeAnswer(command_reports.slow_down(math.ceil(wait)))
        if sub == "help" or len(words) > 2 or (len(words) == 2 and sub != "team"):
            problem = "" if sub == "help" else f"I didn't understand `{request.args[:40]}`."
            return PracticeAnswer(reports.help_report(problem))
        if sub == "list":
            return PracticeAnswer(reports.list_report(list(self.library)))
        if sub == "results":
            return PracticeAnswer(
                reports.results_report(await self.store.results(request.platform, request.user))
            )
        if sub == "forget":
            count = await self.store.forget(request.platform, request.user)
            return PracticeAnswer(Report(title=f"Deleted your practice ({count} records)."))
        if sub == "team":
            return PracticeAnswer(await self._team(request, words[1:]))
        if sub == "stop":
            return await self._stop(request)
        scenario = self.library.get(sub) if sub else await self._least_practised(request)
        if scenario is None:
            return PracticeAnswer(reports.help_report(f"I don't know the scenario `{sub[:40]}`."))
        return await self._start(request, scenario)

    async def _start(self, request: PracticeCommand, scenario: Scenario) -> PracticeAnswer:
        async with self._turn(request.platform, request.user):
            before = await self.store.current(request.platform, request.user)
            session, lines = self.roleplay.start(scenario, request.user)
            await self.store.begin(
                request.platform, request.workspace, request.user, session, self.clock.now()
            )
        set_aside = before.session.scenario if before and not before.session.finished else None
        log.info("practice %s started by %s", scenario.id, request.user)
        return PracticeAnswer(reports.started(scenario, set_aside), lines)

    async def _stop(self, request: PracticeCommand) -> PracticeAnswer:
        answer = await self._answer(request.platform, request.user, "", "stop")
        if not answer.lines or isinstance(answer.lines[0], Note):
            return PracticeAnswer(Report(title=NO_SESSION))
        return PracticeAnswer(
            Report(title="Practice stopped: your scorecard is in your direct messages."),
            answer.lines,
        )

    async def _least_practised(self, request: PracticeCommand) -> Scenario | None:
        done = await self.store.practised(request.platform, request.user)
        scenarios = list(self.library)
        return min(scenarios, key=lambda s: done.get(s.id, 0)) if scenarios else None

    async def _team(self, request: PracticeCommand, words: list[str]) -> Report:
        if not self.roles.is_supervisor(request.user, request.user_groups):
            return reports.ONLY_SUPERVISORS
        if not self.options.share_with_supervisors:
            return reports.NOT_SHARED
        period = _PERIODS.get(words[0].lower() if words else "30d")
        if period is None:
            return reports.help_report(f"I didn't understand `{words[0][:20]}`.")
        since = self.clock.now() - period.seconds
        figures = await self.store.team(request.platform, request.workspace, since)
        return reports.team_report(figures, period.value)

    # --- the direct message ------------------------------------------------------------------

    async def message(self, message: PracticeMessage) -> PracticeAnswer:
        if not self.options.enabled:
            return PracticeAnswer()
        if self.messages.wait_for(f"{message.platform}:{message.user}"):
            log.info("practice: a direct message from %s not answered (too many)", message.user)
            return PracticeAnswer()
        log.debug("practice reply from %s: %r", message.user, message.text)
        return await self._answer(message.platform, message.user, message.message_id, message.text)

    async def _answer(
        self, platform: str, agent: str, message_id: str, text: str
    ) -> PracticeAnswer:
        async with self._turn(platform, agent):
            stored = await self.store.current(platform, agent)
            if stored is None:
                return PracticeAnswer(lines=(Note(NO_SESSION),))
            if message_id and message_id == stored.last_message:
                log.info("practice: message %s from %s answered already", message_id, agent)
                return PracticeAnswer()
            scenario = self.library.get(stored.session.scenario)
            if stored.session.finished or scenario is None:
                return PracticeAnswer(lines=(Note(OVER),))
            text = text.strip()
            if not text:
                return PracticeAnswer(
                    lines=(Note("Reply with text: that's what the customer reads."),)
                )
            if is_stop(text):
                session, lines = self.roleplay.stop(scenario, stored.session)
            else:
                session, lines = self.roleplay.reply(scenario, stored.session, text)
            now = self.clock.now()
            result = self._result(session, scenario, platform, stored.workspace, now)
            saved = await self.store.advance(
                platform, agent, stored.version, session, message_id, now, result
            )
        if not saved:
            log.info("practice: %s's session changed meanwhile; reply not saved", agent)
            return PracticeAnswer(lines=(Note(BUSY),))
        log.info(
            "practice %s: reply %d from %s judged%s",
            scenario.id,
            session.turn,
            agent,
            f"; finished, score {result.score} ({result.outcome})" if result else "",
        )
        return PracticeAnswer(lines=tuple(lines))

    @contextlib.asynccontextmanager
    async def _turn(self, platform: str, agent: str) -> AsyncIterator[None]:
        """One message at a time per agent in this process. A lock lives only while
        someone holds or waits for it, so idle agents cost nothing."""
        key = (platform, agent)
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def _result(
        self, session: Session, scenario: Scenario, platform: str, workspace: str, now: float
    ) -> Result | None:
        if not session.finished:
            return None
        card = self.roleplay.scorecard(scenario, session)
        return Result(
            platform, workspace, session.agent, scenario.id, card.score, card.outcome.value, now
        )


def practice_service(
    config: LoadedConfig,
    store: Store,
    roles: Roles,
    clock: Clock,
    policy: Policy,
    detectors: MessageDetectors | None = None,
    limiter: CommandLimiter | None = None,
) -> PracticeService:
    """The service ``coach run`` offers its chat adapters, from the settings (``limiter``:
    the one ``/coach``'s commands count against)."""
    settings = config.settings.practice
    scenarios = library.load(library.scenarios_dir(config))
    for problem in scenarios.problems:
        log.warning("practice scenarios: %s", problem)
    options = PracticeOptions(settings.enabled, settings.share_with_supervisors)
    return PracticeService(
        scenarios,
        for_store(store),
        roles,
        clock,
        policy,
        options,
        store.add_command,
        detectors,
        limiter,
    )
