"""The Slack adapter: slack-bolt's AsyncApp in Socket Mode or HTTP (Events API) mode.

Listeners only translate and hand over. An Events API event is acknowledged only once
the bot has stored it (``_take_event``, a Bolt middleware, so it decides the answer
itself: 200 once stored, 503 — in Socket Mode, no ack — when it could not be, and Slack
retries). A ``/coach`` command is answered privately within Slack's 3 s (a summary's
chart follows in the supervisor's DM), a helpful/not-helpful click is recorded, a survey
click is handed to the bot (outreach.py). Signature verification stays on in HTTP mode,
and comes before any parsing (http_guard.py); Bolt's log line that dumps the whole body
of a badly signed request is rewritten without the body.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.base import AdapterFailed, CommandHandler, EventSink, FeedbackHandler, Roles
from adapters.http import bound_port
from adapters.practice import PracticeHandler, practice_args
from adapters.slack import blocks, commands
from adapters.slack.delivery import SlackDelivery, error_of
from adapters.slack.guards import EVENTS_PATH, refuse_unusable_timestamps
from adapters.slack.http_guard import signed_object_guard
from adapters.slack.outreach import SURVEY_ACTION, SlackOutreach
from adapters.slack.practice import SlackPractice, is_direct_message
from adapters.slack.translate import translate
from adapters.slack.updates import MODAL, SlackUpdates
from adapters.updates import EDIT_ACTION, SEND_ACTION, UpdateDesk
from coaching.types import Role

log = logging.getLogger("coach.slack")

COMMAND_BUDGET = 2.0  # seconds to answer /coach inline; slower answers follow by response_url
GROUP_REFRESH = 300.0
GROUP_RETRY = 30.0  # while a group has never been read, events wait on it: try sooner
MEMBERSHIP_MAX_AGE = 3 * GROUP_REFRESH  # group membership not confirmed for longer is dropped


@dataclass(frozen=True)
class SlackOptions:
    bot_token: str = field(repr=False)  # secrets never show in a repr (or a log)
    mode: str = "socket"
    app_token: str = field(default="", repr=False)
    signing_secret: str = field(default="", repr=False)
    host: str = "0.0.0.0"
    port: int = 3000
    api_url: str = "https://slack.com/api/"
    channels: frozenset[str] = field(default_factory=frozenset)


class BoltLogFilter(logging.Filter):
    """Bolt logs the full body of a badly signed request at INFO: keep only the fact. It
    also warns that SLACK_BOT_TOKEN is unused when given a client (ours carries it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Invalid request signature detected"):
            record.msg, record.args = "Invalid request signature detected (body not logged)", None
        return not message.startswith("As you gave `client` as well")


class MembershipUnknown(Exception):
    """Who wrote an event cannot be told yet: a user group has never been read."""


class GroupDirectory:
    """Members of the configured Slack user groups, refreshed in the background.

    A refresh never raises: a network error or a rate limit keeps what was last read, an
    answer that the group is gone (deleted, disabled, not readable) empties it. For access
    (``of``), membership not confirmed for ``max_age`` seconds counts for nothing, so
    someone removed from a supervisor group loses access within that time even while
    Slack cannot be reached. For telling agents from customers (``known``) the last
    membership read stands however old: an agent taken for a customer would be scored as
    one and sent surveys.
    """

    def __init__(
        self,
        client: AsyncWebClient,
        groups: frozenset[str],
        max_age: float = MEMBERSHIP_MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client, self.groups = client, groups
        self.max_age, self.clock = max_age, clock
        self.members: dict[str, tuple[frozenset[str], float]] = {}  # group -> (users, read at)

    async def refresh(self) -> None:
        for group in sorted(self.groups):
            try:
                result = await self.client.usergroups_users_list(usergroup=group)
                self.members[group] = (frozenset(result.get("users") or ()), self.clock())
            except SlackApiError as exc:
                error, status = error_of(exc), exc.response.status_code
                if status == 429 or status >= 500 or error in ("ratelimited", "internal_error"):
                    log.warning(
                        "user group %s not refreshed (%s); trying again later", group, error
                    )
                else:
                    self.members[group] = (frozenset(), self.clock())
                    log.warning("user group %s not readable (%s): treated as empty", group, error)
            except Exception as exc:  # network, timeout, a malformed answer: never fatal
                log.warning(
                    "user group %s not refreshed (%s); trying again later",
                    group,
                    type(exc).__name__,
                )

    @property
    def complete(self) -> bool:
        """Every group has been read at least once."""
        return self.members.keys() >= self.groups

    def known(self, user: str) -> frozenset[str] | None:
        """The groups ``user`` was last read in, however long ago; None when that is none
        and a group has never been read (they may be in it)."""
        groups = frozenset(g for g, (members, _) in self.members.items() if user in members)
        return groups if groups or self.complete else None

    def of(self, user: str) -> frozenset[str]:
        now = self.clock()
        return frozenset(
            group
            for group, (members, read_at) in self.members.items()
            if user in members and now - read_at <= self.max_age
        )


class SlackAdapter:
    platform = "slack"

    def __init__(
        self,
        options: SlackOptions,
        roles: Roles,
        sink: EventSink,
        command_handler: CommandHandler,
        feedback: FeedbackHandler,
        practice: PracticeHandler | None = None,
    ) -> None:
        if options.mode == "http" and not options.signing_secret:
            # Without it Bolt would check signatures against a secret anyone can know.
            raise AdapterFailed(
                "Slack HTTP mode needs SLACK_SIGNING_SECRET (Basic Information → Signing "
                "Secret) in the environment: without it requests cannot be verified."
            )
        self.options, self.roles, self.sink = options, roles, sink
        self.command_handler, self.feedback = command_handler, feedback
        self.client = AsyncWebClient(token=options.bot_token, base_url=options.api_url)
        bolt_logger = logging.getLogger("coach.slack.bolt")
        if not any(isinstance(f, BoltLogFilter) for f in bolt_logger.filters):
            bolt_logger.addFilter(BoltLogFilter())
        self.app = AsyncApp(
            client=self.client,
            # Socket Mode verifies nothing (the socket is authenticated); Bolt still wants
            # a secret, so it gets one nobody knows.
            signing_secret=options.signing_secret or secrets.token_hex(32),
            logger=bolt_logger,
            request_verification_enabled=options.mode == "http",
        )
        self.delivery = SlackDelivery(self.client)
        self.outreach = SlackOutreach(self.client)
        self.update_clicks = SlackUpdates(self.client)
        self.groups = GroupDirectory(self.client, roles.agent_groups | roles.supervisor_groups)
        self.practice = (
            SlackPractice(self.client, practice, self.groups.of) if practice is not None else None
        )
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self._refresher: asyncio.Task[None] | None = None
        self.started_at: float | None = None
        self._register()

    @property
    def updates(self) -> UpdateDesk | None:
        return self.update_clicks.desk

    @updates.setter
    def updates(self, desk: UpdateDesk | None) -> None:
        """One-click updates on (the bot's desk) or off (None: no button, clicks refused)."""
        self.update_clicks.desk = desk
        self.delivery.one_click = desk is not None

    # --- listeners -----------------------------------------------------------------------

    def _role_of(self, user: str, external: bool) -> Role:
        if external:
            return Role.CUSTOMER
        if self.roles.is_agent(user):  # listed by ID: no group needed
            return Role.AGENT
        groups = self.groups.known(user)
        if groups is None:
            raise MembershipUnknown
        return Role.AGENT if self.roles.is_agent(user, groups) else Role.CUSTOMER

    def _register(self) -> None:
        self.app.middleware(self._take_event)  # Events API: message, reaction_added
        self.app.event("message")(self._on_direct_message)  # only DMs get this far
        self.app.command("/coach")(self._on_command)
        self.app.action(blocks.HELPFUL)(self._on_feedback)
        self.app.action(blocks.NOT_HELPFUL)(self._on_feedback)
        self.app.action(SURVEY_ACTION)(self.outreach.on_click)
        self.app.action(SEND_ACTION)(self.update_clicks.on_send)
        self.app.action(EDIT_ACTION)(self.update_clicks.on_edit)
        self.app.view(MODAL)(self.update_clicks.on_submit)
        self.app.error(self._on_error)

    async def _on_error(self, error: Exception) -> None:
        """Instead of Bolt's default, which logs the exception's message (it may quote a
        payload): its type only; the traceback at DEBUG."""
        log.error("slack: a listener failed (%s)", type(error).__name__)
        log.debug("listener traceback", exc_info=error)

    async def _take_event(
        self, body: dict[str, Any], resp: BoltResponse, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse:
        """Answer an Events API request: 200 once its event is stored (or when it is not
        one to coach on), 503 when it could not be stored, or its author could not be
        told from a customer yet (Slack retries it). The app's DMs (practice, never a
        support conversation) go on to their listener."""
        if body.get("type") != "event_callback" or is_direct_message(body):
            await next()
            return resp
        try:
            result = translate(body, self._role_of, self.options.channels)
        except MembershipUnknown:  # rather than scoring an agent as a customer
            log.warning(
                "slack event %s not taken: user groups not read yet, so whether its author "
                "is an agent is unknown; Slack retries it",
                body.get("event_id"),
            )
            return BoltResponse(status=503, body="user groups not read yet; retry later")
        if result.event is None:
            log.debug("slack event %s skipped: %s", body.get("event_id"), result.reason)
            return BoltResponse(status=200, body="")
        if await self.sink.submit(result.event):
            return BoltResponse(status=200, body="")
        return BoltResponse(status=503, body="not stored; retry later")

    async def _on_direct_message(self, body: dict[str, Any]) -> None:
        if self.practice is not None:
            await self.practice.on_message(body)

    async def _on_command(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        args = practice_args(str(body.get("text", "")))
        if args is not None and self.practice is not None:
            await self.practice.on_command(args, body, ack, respond)
            return
        user = str(body.get("user_id", ""))
        request = commands.parse(
            str(body.get("text", "")), str(body.get("team_id", "")), user, self.groups.of(user)
        )
        work = asyncio.ensure_future(self.command_handler(request))
        try:
            report = await asyncio.wait_for(asyncio.shield(work), COMMAND_BUDGET)
        except TimeoutError:
            await ack(response_type="ephemeral", text="Working on it…")
            report = await work
            await respond(
                response_type="ephemeral",
                replace_original=True,
                text=report.as_text()[:3000],
                blocks=blocks.report_blocks(report),
            )
        else:
            await ack(
                response_type="ephemeral",
                text=report.as_text()[:3000],
                blocks=blocks.report_blocks(report),
            )
        if report.chart_png:  # a picture of the trend, in the supervisor's DM with the bot
            await self.outreach.share_chart(user, report)

    async def _on_feedback(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        actions = body.get("actions") or [{}]
        action = actions[0] if isinstance(actions, list) and actions else {}
        nudge_id = str(action.get("value", ""))
        user = str((body.get("user") or {}).get("id", ""))
        helpful = action.get("action_id") == blocks.HELPFUL
        if not nudge_id or not user:
            log.info("feedback click without a nudge id or user ignored")
            return
        recorded = await self.feedback(nudge_id, user, helpful)  # only the tip's agent counts
        try:
            if recorded:
                await respond(
                    replace_original=True,
                    response_type="ephemeral",
                    text="Thanks, noted: " + ("helpful." if helpful else "not helpful."),
                )
            else:
                await respond(
                    replace_original=False,
                    response_type="ephemeral",
                    text="This tip was for someone else.",
                )
        except Exception as exc:  # the answer to a click is cosmetic
            log.info("could not answer the rating click: %s", type(exc).__name__)

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        # one keep-alive session for every Web API call (Bolt's and the nudges'), not a
        # new connection per call
        self.client.session = aiohttp.ClientSession()
        await self.groups.refresh()
        self._refresher = asyncio.create_task(self._refresh_groups())
        if self.options.mode == "socket":
            self._socket = AsyncSocketModeHandler(self.app, self.options.app_token)
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("slack: connected in Socket Mode")
        else:
            web_app = self.app.web_app(path=EVENTS_PATH, port=self.options.port)
            web_app.middlewares.append(refuse_unusable_timestamps)
            web_app.middlewares.append(
                signed_object_guard(EVENTS_PATH, self.options.signing_secret)
            )
            self._runner = web.AppRunner(web_app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, self.options.host, self.options.port)
            try:
                await site.start()
            except OSError as exc:
                await self.stop_intake()
                raise AdapterFailed(
                    f"Slack HTTP mode cannot listen on {self.options.host}:{self.options.port}"
                    f" ({exc.strerror}): set [slack] host and port to a free address."
                ) from None
            log.info(
                "slack: listening on %s:%s (/slack/events)", self.options.host, self.options.port
            )
        self.started_at = time.time()

    async def stop_intake(self) -> None:
        """Take no more events (close the socket / the HTTP server); the Web API client
        keeps working, so nudges made while the runtime drains are still delivered."""
        if self._refresher is not None:
            self._refresher.cancel()
            self._refresher = None
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def stop(self) -> None:
        await self.stop_intake()
        if self.client.session is not None:
            await self.client.session.close()

    async def _refresh_groups(self) -> None:
        while True:
            await asyncio.sleep(GROUP_REFRESH if self.groups.complete else GROUP_RETRY)
            await self.groups.refresh()

    def health(self) -> dict[str, Any]:
        connected = self.started_at is not None
        if self._socket is not None:
            connected = connected and bool(self._socket.client.is_connected())
        return {"mode": self.options.mode, "connected": connected}

    @property
    def bound_port(self) -> int | None:
        """The port actually listened on (useful when configured as 0)."""
        return bound_port(self._runner)
