"""Highlights and the weekly digest: what qualifies, what may be shown where, when the
digest is due, and that replicas post it once (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.base import DeliveryResult, DeliveryStatus, Report, Scope
from bot.cli.main import main
from bot.ops.clock import VirtualClock
from bot.reports.digest import DigestService, digest_report, scheduled
from bot.reports.highlights import find, highlights_report, quote
from bot.reports.summary import compute
from bot.store.base import Slice, Store
from bot.store.memory import MemoryStore
from bot.store.outreach import outreach_of
from bot.store.records import EventRecord, SignalRecord
from bot.store.survey_records import SurveyRecord, SurveyStatus
from config import ConfigError, load
from config.settings import DigestSettings
from tests.test_survey import replicas as two_handles

replicas = two_handles  # the fixture: two handles on one database
C1, C2, C3 = "slack:T1:C1:1.0", "slack:T1:C2:2.0", "slack:T1:C3:3.0"
MONDAY_9 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC).timestamp()  # a Monday
ACK_REPLY = "So sorry Dana, that's frustrating! I've mailed dana@example.com the fix."


def message(
    conv: str, n: int, role: str, who: str, at: float, fired: bool, text: str = ""
) -> tuple[EventRecord, SignalRecord]:
    kind = "frustration" if role == "customer" else "acknowledgement"
    event = EventRecord(f"{conv}#{n}", conv, "posted", f"m{n}", who, role, at, text or None)
    return event, SignalRecord(
        event.event_id, conv, kind, who, 0.9 if fired else 0.1, fired, (), at
    )


def week(store_text: bool = True) -> Slice:
    """C1: acknowledged, calmed. C2: not acknowledged, rated 5. C3: acknowledged, stayed
    frustrated, rated 2. All in the week before MONDAY_9."""
    at = MONDAY_9 - 86_400
    script = [
        (C1, "customer", "UC0DANA", 0, True, "I'm Dana and this is the THIRD time!!"),
        (C1, "agent", "sam", 60, True, ACK_REPLY),
        (C1, "customer", "UC0DANA", 120, False, "ok thanks"),
        (C2, "customer", "UC0ELI", 0, True, "still broken!!"),
        (C2, "agent", "ana", 60, False, "Please send the order number."),
        (C2, "customer", "UC0ELI", 120, False, "done, thanks"),
        (C3, "customer", "UC0FLO", 0, True, "useless!!"),
        (C3, "agent", "lee", 60, True, "I'm sorry, that's annoying."),
        (C3, "customer", "UC0FLO", 120, True, "still useless!!"),
    ]
    events, signals = [], []
    for n, (conv, role, who, offset, fired, text) in enumerate(script):
        e, s = message(conv, n, role, who, at + offset, fired, text if store_text else "")
        events.append(e)
        signals.append(s)
    surveys = [
        SurveyRecord(C2, "UC0ELI", at + 200, SurveyStatus.SENT, understood=5),
        SurveyRecord(C3, "UC0FLO", at + 200, SurveyStatus.SENT, understood=2),
    ]
    return Slice(events=events, signals=signals, surveys=surveys)


def test_highlights_are_acknowledged_and_calmed_or_rated_five() -> None:
    data = week()
    found = find(compute(data, MONDAY_9), data)
    assert [(h.conversation, h.agent, h.calmed, h.rated) for h in found] == [
        (C2, "ana", False, 5),  # the latest first
        (C1, "sam", True, None),
    ]
    assert found[1].reply == ACK_REPLY and found[0].reply is None
    private = highlights_report(found, Scope(), "last 7d", True, "slack").as_text()
    assert "<@sam> acknowledged a frustrated customer, who calmed down (<#C1>," in private
    assert "<@ana> helped a customer who felt understood (5/5)" in private
    assert "[email]" in private and "dana@example.com" not in private
    assert "THIRD time" not in private and "UC0" not in private  # no customer, no words
    unquoted = highlights_report(found, Scope(), "last 7d", False, "slack").as_text()
    assert "[email]" not in unquoted and "Dana" not in unquoted
    assert "only where [storage] store_text is on" in unquoted


def test_quotes_are_redacted_on_one_line_and_short() -> None:
    assert (
        quote("call me on +44 20 7946 0958\n\nor mail a@b.co", "console")
        == "call me on [phone] or mail [email]"
    )
    assert len(quote("word " * 200, "console")) == 280


@pytest.mark.parametrize("name_agents", [False, True])
@pytest.mark.parametrize("quote_replies", [False, True])
@pytest.mark.parametrize("store_text", [False, True])
def test_the_digest_never_shows_customers(
    name_agents: bool, quote_replies: bool, store_text: bool
) -> None:
    data = week(store_text)
    settings = DigestSettings(
        channel="C0DIGEST0", name_agents=name_agents, quote_replies=quote_replies
    )
    report = digest_report(compute(data, MONDAY_9), data, settings, store_text, "week")
    shown = report.as_text()
    assert "Highlights: 2" in shown and "Survey responses" in shown
    for private in ("dana@example.com", "UC0", "THIRD", "still", "<#C", "C1", "C2"):
        assert private not in shown, private
    assert ("<@sam>" in shown) is name_agents and ("<@ana>" in shown) is name_agents
    quoted = quote_replies and store_text
    assert ("[email]" in shown) is quoted  # the agent's reply, redacted
    assert ("Dana" in shown) is quoted  # the documented risk of quote_replies
    assert "lee" not in shown  # C3 is no highlight
    if not (name_agents or quoted):  # anonymous: alike highlights are counted, not repeated
        assert "• An agent acknowledged a frustrated customer, who calmed down." in shown
        assert "• An agent helped a customer who felt understood (5/5)." in shown


def test_the_digest_is_scheduled_in_the_teams_time_zone() -> None:
    tuesday_10 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC).timestamp()
    assert scheduled(tuesday_10, "monday", 9, "UTC").timestamp() == MONDAY_9
    assert scheduled(MONDAY_9 - 1, "monday", 9, "UTC").timestamp() == MONDAY_9 - 7 * 86_400
    # 9:00 in New York (UTC-4 after the March switch to daylight time) is 13:00 UTC.
    due = scheduled(tuesday_10 + 86_400 * 6 + 4 * 3600, "monday", 9, "America/New_York")
    assert due.timestamp() == datetime(2026, 3, 16, 13, 0, tzinfo=UTC).timestamp()
    assert f"{due:%G-W%V}" == "2026-W12"
    assert DigestSettings(channel="C0DIGEST0").platform == "slack"
    assert DigestSettings(channel="123456789012345678").platform == "discord"


class Poster:
    def __init__(self, *results: DeliveryResult) -> None:
        self.posted: list[tuple[str, Report]] = []
        self.results = list(results)

    async def post(self, channel: str, report: Report) -> DeliveryResult:
        self.posted.append((channel, report))
        await asyncio.sleep(0)  # let another replica run meanwhile
        return self.results.pop(0) if self.results else DeliveryResult(DeliveryStatus.SENT)

    async def workspace(self) -> str | None:
        return "T1"  # as Slack's auth.test answers for the bot token


async def test_replicas_post_the_digest_once_a_week(replicas: list[Store]) -> None:
    clock = VirtualClock(MONDAY_9 + 30)
    settings = DigestSettings(channel="C0DIGEST0")
    poster = Poster(DeliveryResult(DeliveryStatus.RETRY, error="ratelimited", retry_after=60))
    replicas = [
        DigestService(s, outreach_of(s), {"slack": poster}, clock, settings) for s in replicas
    ]
    results = await asyncio.gather(*(r.run_once() for r in replicas))
    assert results == [False, False] and len(poster.posted) == 1  # rate limited
    assert await replicas[1].run_once() is False and len(poster.posted) == 1  # not yet
    clock.advance_to(MONDAY_9 + 100)
    assert sorted(await asyncio.gather(*(r.run_once() for r in replicas))) == [False, True]
    assert len(poster.posted) == 2
    clock.advance_to(MONDAY_9 + 3 * 86_400)
    assert [await r.run_once() for r in replicas] == [False, False]  # posted this week
    clock.advance_to(MONDAY_9 + 7 * 86_400 + 5)
    assert [await r.run_once() for r in replicas] == [True, False]  # next week's
    assert [c for c, _ in poster.posted] == ["C0DIGEST0"] * 3
    assert poster.posted[-1][1].title == "Weekly empathy digest: week to Mon 16 Mar 2026"


async def test_a_digest_more_than_a_day_late_or_without_its_platform_is_not_posted() -> None:
    store = MemoryStore()
    late = VirtualClock(MONDAY_9 + 86_400 + 60)
    poster = Poster()
    settings = DigestSettings(channel="C0DIGEST0")
    assert not await DigestService(
        store, outreach_of(store), {"slack": poster}, late, settings
    ).run_once()
    on_time = VirtualClock(MONDAY_9 + 60)
    discord = DigestService(
        store,
        outreach_of(store),
        {"slack": poster},
        on_time,
        DigestSettings(channel="123456789012345678"),
    )
    assert not await discord.run_once()  # Discord is not running: recorded as failed
    assert poster.posted == []
    [digest] = store.digests.values()
    assert digest["error"] == "no_adapter"


def test_survey_is_off_and_the_digest_channel_is_checked(tmp_path: Path) -> None:
    defaults = load(None).settings
    assert defaults.survey.enabled is False and defaults.digest.channel == ""
    path = tmp_path / "coach.toml"
    path.write_text('[digest]\nchannel = "#team"\n')
    with pytest.raises(ConfigError) as refused:
        load(path)
    assert refused.value.problems[0].startswith("[digest] channel: must be a channel ID")
    path.write_text('[digest]\nchannel = "123456789012345678"\n[slack]\nenabled = true\n')
    [warning] = [w for w in load(path).warnings if w.startswith("[digest]")]
    assert "is a Discord channel, but [discord] is not enabled" in warning


# --- one workspace, and quotes that ping no one (end to end: test_digest_workspace.py) --------

MARKUP = (
    "So sorry <@UC0DANA> & <@U0DANA|Dana Smith>! <!channel> @here @everyone <@&123456789012345678> "
    "<@!123456789012345678> see <https://evil.example|the fix> in <#C1|vip-support>"
)


def test_quotes_name_no_one_ping_no_one_and_link_nowhere() -> None:
    slack = quote(MARKUP, "slack")
    assert "&lt;!channel&gt;" in slack and "&lt;https://evil.example|the fix&gt;" in slack
    assert "@\u200bhere" in slack and "@\u200beveryone" in slack and "&amp;" in slack
    discord = quote(MARKUP, "discord")
    assert "@\u200beveryone" in discord and "@\u200bhere" in discord
    assert "<" not in slack and ">" not in slack  # no Slack markup can form
    for shown in (slack, discord):
        assert "DANA" not in shown and "Dana" not in shown and "vip-support" not in shown
        assert "123456789012345678" not in shown and shown.count("@someone") == 4
        assert "#channel" in shown
    assert "<@" not in discord and "<#" not in discord


async def test_a_digest_whose_workspace_is_unknown_is_not_posted() -> None:
    class Unsure(Poster):
        async def workspace(self) -> str | None:
            return None  # never every workspace's figures instead

    store, poster = MemoryStore(), Unsure()
    service = DigestService(
        store,
        outreach_of(store),
        {"slack": poster},
        VirtualClock(MONDAY_9),
        DigestSettings(channel="C0DIGEST0"),
    )
    assert not await service.run_once() and poster.posted == []
    [digest] = store.digests.values()
    assert digest["error"] == "no_workspace"


def settings_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "coach.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("served", "why"),
    [
        (
            "[slack]\n[discord]\nguilds = ['123456789012345678']\n",
            "Slack and Discord are both enabled",
        ),
        ("[discord]\nguilds = ['123456789012345678', '223456789012345678']\n", "guilds lists 2"),
        ("[discord]\n", "guilds is empty"),
    ],
)
def test_a_digest_needs_its_workspace_when_several_are_served(
    tmp_path: Path, served: str, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    channel = "C0DIGEST0" if served.startswith("[slack]") else "123456789012345678"
    digest = f"[digest]\nchannel = '{channel}'\n"
    path = settings_file(tmp_path, digest + served)
    with pytest.raises(ConfigError) as refused:
        load(path)
    [problem] = refused.value.problems
    assert (
        problem.startswith("[digest] workspace: the coach serves several workspaces")
        and why in problem
    )
    assert main(["check-config", "--config", str(path)]) == 2  # and so does `coach run`
    assert "[digest] workspace: the coach serves" in " ".join(capsys.readouterr().err.split())
    workspace = "T0TEAMA1" if channel.startswith("C") else "223456789012345678"
    bound = load(settings_file(tmp_path, f"{digest}workspace = '{workspace}'\n{served}"))
    assert bound.settings.digest.workspace == workspace


def test_a_digest_defaults_to_the_one_workspace_served(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one_server = (
        "[digest]\nchannel = '123456789012345678'\n[discord]\nguilds = ['223456789012345678']\n"
    )
    assert (
        load(settings_file(tmp_path, one_server)).settings.digest.workspace == "223456789012345678"
    )
    slack = settings_file(tmp_path, "[digest]\nchannel = 'C0DIGEST0'\n[slack]\n")
    assert load(slack).settings.digest.workspace == ""  # the bot token's team, at run time
    assert main(["check-config", "--config", str(slack)]) == 0
    assert "counting only SLACK_BOT_TOKEN's workspace" in " ".join(capsys.readouterr().out.split())
    mismatched = settings_file(
        tmp_path, "[digest]\nchannel = 'C0DIGEST0'\nworkspace = '223456789012345678'\n"
    )
    with pytest.raises(ConfigError) as refused:
        load(mismatched)
    assert refused.value.problems == [
        "[digest] workspace: the channel is a Slack one; use a Slack team ID"
    ]
    with pytest.raises(ConfigError) as refused:
        load(settings_file(tmp_path, "[digest]\nworkspace = '#team-a'\n"))
    assert refused.value.problems[0].startswith("[digest] workspace: must be a Slack team ID")
