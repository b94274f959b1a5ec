"""The practice service behind ``/coach practice`` and its direct messages, on every
platform: who may practise, what supervisors may see, one answer per message, and what
is (not) kept or logged."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
import sqlalchemy as sa

from adapters.base import Roles
from adapters.practice import PracticeAnswer, PracticeCommand, PracticeMessage, practice_args
from bot.ops.clock import VirtualClock
from bot.practice import library, reports
from bot.practice.service import BUSY, NO_SESSION, OVER, PracticeOptions, PracticeService
from bot.practice.store import MemoryPracticeStore, PracticeStore, for_store
from bot.store import schema
from bot.store.memory import MemoryStore
from bot.store.sql import SqlStore
from coaching.practice.roleplay import Briefing, CoachTip, CustomerSays, Note
from coaching.practice.scorecard import Scorecard

AGENT, OTHER_AGENT, LEAD, CUSTOMER = "UAGENT", "UOTHER", "ULEAD", "UCUST"
ROLES = Roles(agents=frozenset({AGENT, OTHER_AGENT}), supervisors=frozenset({LEAD}))
SCENARIOS = library.load()
LATE = SCENARIOS.scenarios["late-delivery"]
GOOD = [LATE.step("open").example, LATE.step("birthday").example]


def service(
    store: PracticeStore | None = None,
    *,
    share: bool = False,
    enabled: bool = True,
    audit: MemoryStore | None = None,
) -> PracticeService:
    return PracticeService(
        SCENARIOS,
        store or MemoryPracticeStore(),
        ROLES,
        VirtualClock(1_700_000_000.0),
        options=PracticeOptions(enabled, share),
        audit=audit.add_command if audit else None,
    )


def command(user: str, args: str = "", platform: str = "slack") -> PracticeCommand:
    return PracticeCommand(platform, "T1", user, frozenset(), args)


def dm(user: str, message_id: str, text: str) -> PracticeMessage:
    return PracticeMessage("slack", user, message_id, text)


def customer_lines(answer: PracticeAnswer) -> list[str]:
    return [line.text for line in answer.lines if isinstance(line, CustomerSays)]


async def test_an_agent_practises_a_whole_scenario_in_direct_messages() -> None:
    practice = service()
    started = await practice.command(command(AGENT, "late-delivery"))
    assert started.report is not None and started.report.title.startswith("Practice: ")
    kinds = [type(line) for line in started.lines]
    assert kinds == [Briefing, CustomerSays, CoachTip]
    assert customer_lines(started) == [LATE.step("open").says]
    first = await practice.message(dm(AGENT, "m1", GOOD[0]))
    assert customer_lines(first) == [LATE.step("birthday").says]
    last = await practice.message(dm(AGENT, "m2", GOOD[1]))
    assert customer_lines(last) == [LATE.step("relieved").says]
    card = last.lines[-1]
    assert isinstance(card, Scorecard) and (card.score, card.outcome.value) == (100, "calmed")
    [result] = await practice.store.results("slack", AGENT)
    assert (result.scenario, result.score, result.outcome, result.workspace) == (
        "late-delivery",
        100,
        "calmed",
        "T1",
    )
    after = await practice.message(dm(AGENT, "m3", "hello?"))
    assert [line.text for line in after.lines if isinstance(line, Note)] == [OVER]


async def test_a_redelivered_message_is_answered_once() -> None:
    practice = service()
    await practice.command(command(AGENT, "late-delivery"))
    first = await practice.message(dm(AGENT, "m1", GOOD[0]))
    again = await practice.message(dm(AGENT, "m1", GOOD[0]))
    assert customer_lines(first) and again == PracticeAnswer()
    stored = await practice.store.current("slack", AGENT)
    assert stored is not None and stored.session.turn == 1


async def test_two_replicas_given_the_same_message_answer_it_once(tmp_path: Path) -> None:
    sql = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}")
    try:
        one, two = service(for_store(sql)), service(for_store(sql))
        await one.command(command(AGENT, "late-delivery"))
        answers = await asyncio.gather(
            one.message(dm(AGENT, "m1", GOOD[0])), two.message(dm(AGENT, "m1", GOOD[0]))
        )
        assert sorted(bool(customer_lines(a)) for a in answers) == [False, True]
        stored = await one.store.current("slack", AGENT)
        assert stored is not None and stored.session.turn == 1
    finally:
        await sql.close()


async def test_a_reply_judged_on_an_old_session_is_not_saved() -> None:
    """Another replica advanced the session while this one judged: 'send it again'."""
    store = MemoryPracticeStore()
    practice = service(store)
    await practice.command(command(AGENT, "late-delivery"))
    stored = await store.current("slack", AGENT)
    assert stored is not None
    real_current = store.current

    async def stale(platform: str, agent: str):  # type: ignore[no-untyped-def]
        found = await real_current(platform, agent)
        await store.advance(platform, agent, stored.version, stored.session, "elsewhere", 0.0)
        return found

    store.current = stale  # type: ignore[method-assign]
    answer = await practice.message(dm(AGENT, "m1", GOOD[0]))
    assert [line.text for line in answer.lines] == [BUSY]


async def test_stop_ends_the_practice_unresolved_with_a_scorecard() -> None:
    practice = service()
    await practice.command(command(AGENT, "late-delivery"))
    await practice.message(dm(AGENT, "m1", GOOD[0]))
    stopped = await practice.message(dm(AGENT, "m2", "stop"))
    [card] = stopped.lines
    assert isinstance(card, Scorecard) and card.outcome.value == "unresolved"
    [result] = await practice.store.results("slack", AGENT)
    assert result.outcome == "unresolved"
    # /coach practice stop with nothing running
    answer = await practice.command(command(AGENT, "stop"))
    assert answer.report is not None and answer.report.title == NO_SESSION
    await practice.command(command(AGENT, "late-delivery"))
    answer = await practice.command(command(AGENT, "stop"))
    assert answer.report is not None and "stopped" in answer.report.title
    assert isinstance(answer.lines[-1], Scorecard)


async def test_only_agents_practise_and_every_command_is_audited() -> None:
    audit = MemoryStore()
    practice = service(audit=audit)
    answer = await practice.command(command(CUSTOMER, "late-delivery"))
    assert answer == PracticeAnswer(reports.ONLY_AGENTS)
    assert await practice.store.current("slack", CUSTOMER) is None
    nothing = await practice.message(dm(CUSTOMER, "m1", "hi"))
    assert [line.text for line in nothing.lines] == [NO_SESSION]
    await practice.command(command(AGENT, "list"))
    assert [(c[2], c[3], c[4]) for c in audit.commands] == [
        (CUSTOMER, "practice", False),
        (AGENT, "practice", True),
    ]


async def test_supervisors_see_team_aggregates_only_when_the_team_shares_them() -> None:
    store = MemoryPracticeStore()
    for practice in (service(store), service(store, share=True)):
        assert (await practice.command(command(AGENT, "team"))).report == reports.ONLY_SUPERVISORS
    private = await service(store).command(command(LEAD, "team"))
    assert private.report == reports.NOT_SHARED
    shared = service(store, share=True)
    for agent in (AGENT, OTHER_AGENT):
        await shared.command(command(agent, "late-delivery"))
        for number, reply in enumerate(GOOD):
            await shared.message(dm(agent, f"{agent}-{number}", reply))
    report = (await shared.command(command(LEAD, "team 7d"))).report
    assert report is not None
    assert dict(report.fields) == {"Sessions": "2", "Mean score": "100"}
    assert report.lines == ("`late-delivery` — 2 session(s), mean score 100",)
    assert AGENT not in report.as_text() and OTHER_AGENT not in report.as_text()
    other_workspace = await shared.command(
        PracticeCommand("slack", "T2", LEAD, frozenset(), "team")
    )
    assert other_workspace.report is not None and "no sessions" in other_workspace.report.title


async def test_an_agents_results_are_theirs_to_see_and_forget() -> None:
    practice = service()
    await practice.command(command(AGENT, "late-delivery"))
    for number, reply in enumerate(GOOD):
        await practice.message(dm(AGENT, f"m{number}", reply))
    mine = (await practice.command(command(AGENT, "results"))).report
    assert mine is not None and mine.lines[0].endswith("`late-delivery` — 100/100, calmed")
    theirs = (await practice.command(command(OTHER_AGENT, "results"))).report
    assert theirs is not None and theirs.title == "No practice results yet"
    forgot = (await practice.command(command(AGENT, "forget"))).report
    assert forgot is not None and "2 records" in forgot.title
    assert await practice.store.results("slack", AGENT) == []


async def test_without_a_scenario_the_least_practised_one_starts() -> None:
    practice = service()
    first = await practice.command(command(AGENT))
    assert isinstance(first.lines[0], Briefing)
    assert first.lines[0].scenario == next(iter(SCENARIOS)).id  # none practised: the first
    await practice.message(dm(AGENT, "m1", "stop"))
    second = await practice.command(command(AGENT))
    assert isinstance(second.lines[0], Briefing)
    assert second.lines[0].scenario == list(SCENARIOS)[1].id


async def test_unknown_words_get_help_and_practice_can_be_turned_off() -> None:
    practice = service()
    unknown = (await practice.command(command(AGENT, "late-deliveryy"))).report
    assert unknown is not None and unknown.title == "I don't know the scenario `late-deliveryy`."
    listing = (await practice.command(command(AGENT, "list"))).report
    assert listing is not None and len(listing.lines) == len(SCENARIOS)
    off = service(enabled=False)
    assert (await off.command(command(AGENT, "late-delivery"))).report == reports.TURNED_OFF
    assert await off.message(dm(AGENT, "m1", "hi")) == PracticeAnswer()
    assert practice_args("practice late-delivery") == "late-delivery"
    assert practice_args("  Practice ") == "" and practice_args("summary") is None


async def test_replies_are_logged_only_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    practice = service()
    await practice.command(command(AGENT, "late-delivery"))
    secret = "I'm so sorry — my colleague Zebediah will refund card 4111 today."
    with caplog.at_level(logging.DEBUG, logger="coach"):
        await practice.message(dm(AGENT, "m1", secret))
    assert any(secret in r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG)
    assert not [
        r for r in caplog.records if r.levelno > logging.DEBUG and "Zebediah" in r.getMessage()
    ]
    assert any(r.levelno == logging.INFO for r in caplog.records)


async def test_no_message_text_is_stored(tmp_path: Path) -> None:
    sql = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}", store_text=True)
    try:
        practice = service(for_store(sql), audit=None)
        await practice.command(command(AGENT, "late-delivery"))
        replies = [
            "We're on it, Zebediah here. Courier says Friday.",
            "Quokka: nothing more to add.",
        ]
        for number, reply in enumerate(replies):
            await practice.message(dm(AGENT, f"m{number}", reply))
        stored = await sql.read(
            lambda conn: [
                str(row)
                for table in schema.metadata.sorted_tables
                for row in conn.execute(sa.select(table))
            ]
        )
        everything = "\n".join(stored)
        assert "practice_results" in {t.name for t in schema.metadata.sorted_tables}
        assert "late-delivery" in everything  # the result is there ...
        for words in ("Zebediah", "Quokka", "tracking hasn't moved", "birthday"):
            assert words not in everything  # ... but nobody's words
    finally:
        await sql.close()
