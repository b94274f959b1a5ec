"""The survey service and its storage, on every store (memory, SQLite, PostgreSQL): who is
asked, when, and only once. Closings are made by the real runtime and engine (scripted
detectors), so the survey sees what a live bot stores."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.base import DeliveryResult, DeliveryStatus
from adapters.outreach import AnswerStatus, Question, SurveyAnswer, SurveyRequest
from bot.ops.clock import VirtualClock
from bot.service.runtime import Runtime
from bot.store.base import Store
from bot.store.memory import MemoryStore
from bot.store.outreach import outreach_of
from bot.store.sql import SqlStore
from bot.store.survey_records import Closing, Poster, SurveyRecord, SurveyStatus
from bot.surveys.service import WINDOW, SurveyService, recipient
from coaching.engine import Engine
from coaching.types import ConversationClosed, ConversationRef, MessagePosted, Role
from tests.helpers import ScriptedDetectors
from tests.pg import fresh_schema
from tests.test_store_contract import store as every_store

store = every_store  # the fixture: memory, SQLite and PostgreSQL
REF = ConversationRef("slack", "T1", "C1", "100.0")
OTHER = ConversationRef("slack", "T1", "C1", "200.0")
WRAP_UP = "that's all, thanks"


class Asker:
    """A platform that records what it was asked to show, answering ``results`` in turn."""

    def __init__(self, *results: DeliveryResult) -> None:
        self.asked: list[SurveyRequest] = []
        self.results = list(results)

    async def ask(self, survey: SurveyRequest) -> DeliveryResult:
        self.asked.append(survey)
        return self.results.pop(0) if self.results else DeliveryResult(DeliveryStatus.SENT)


class Conversation:
    """Events through the real runtime (store transaction, engine, records)."""

    def __init__(self, store: Store, clock: VirtualClock, ref: ConversationRef = REF) -> None:
        detectors = ScriptedDetectors(matched={WRAP_UP: frozenset({"closing"})})
        self.runtime = Runtime(Engine(None, detectors), store, {}, clock)
        self.ref, self.n = ref, 0

    async def say(self, role: str, author: str, text: str, at: float) -> None:
        self.n += 1
        await self.runtime.process(
            MessagePosted(
                f"{self.ref.key}#{self.n}", self.ref, f"m{self.n}", author, Role(role), text, at
            )
        )

    async def close(self, at: float, event_id: str = "") -> None:
        await self.runtime.process(
            ConversationClosed(event_id or f"{self.ref.key}#closed{at}", self.ref, at)
        )


def service(store: Store, asker: Asker, clock: VirtualClock, **kw: object) -> SurveyService:
    return SurveyService(outreach_of(store), {"slack": asker}, clock, delay=60.0, **kw)  # type: ignore[arg-type]


# --- whom to ask ---------------------------------------------------------------------------


def test_the_owner_is_asked_never_another_customer_nor_anyone_who_wrote_as_an_agent() -> None:
    def closing(*posters: tuple[str, str, float], at: float = 100.0) -> Closing:
        return Closing("k", at, tuple(Poster(*p) for p in posters))

    assert recipient(closing(("cust", "customer", 1), ("sam", "agent", 2))) == "cust"
    two = closing(("ann", "customer", 1), ("bob", "customer", 2), ("sam", "agent", 3))
    assert recipient(two) == "ann"  # who opened it; bob only joined
    # Wrote as an agent here, and later as a customer (a role changed): never asked.
    both = closing(("cust", "customer", 1), ("sam", "agent", 2), ("sam", "customer", 3))
    assert recipient(both) == "cust"
    assert recipient(closing(("sam", "agent", 1), ("sam", "customer", 2))) is None
    assert recipient(closing(("sam", "agent", 1))) is None
    # The owner wrote as an agent too: nobody, not the next customer.
    owner_agent = closing(("pat", "customer", 1), ("pat", "agent", 2), ("bob", "customer", 3))
    assert recipient(owner_agent) is None
    # A message after the closing is not the closing's customer.
    late = closing(("ann", "customer", 1), ("bob", "customer", 200), at=100)
    assert recipient(late) == "ann"


# --- the service, on every store -------------------------------------------------------------


async def test_a_closing_is_surveyed_once_however_often_it_closes(store: Store) -> None:
    clock, asker = VirtualClock(0), Asker()
    talk = Conversation(store, clock)
    await talk.say("customer", "cust", "my invoice is wrong", 10)
    await talk.say("agent", "sam", "fixed it", 20)
    await talk.close(30)
    surveys = service(store, asker, clock)
    clock.advance_to(60)
    assert await surveys.sweep() == 0  # not yet: the customer may still be typing
    clock.advance_to(95)
    assert await surveys.sweep() == 1
    assert [(s.conversation, s.customer) for s in asker.asked] == [(REF, "cust")]
    assert asker.asked[0].questions == (Question.UNDERSTOOD,)

    await talk.close(30)  # the same ✅ redelivered: a duplicate event
    await talk.say("customer", "cust", "one more thing", 100)  # reopened ...
    await talk.say("agent", "sam", "sure", 110)
    await talk.close(120, "second-close")  # ... and closed again
    clock.advance_to(500)
    assert await surveys.sweep() == 0
    assert await service(store, asker, clock).sweep() == 0  # another replica: nothing
    assert len(asker.asked) == 1
    [record] = await outreach_of(store).surveys(0, 1000)
    assert (record.status, record.customer, record.attempts) == ("sent", "cust", 1)


async def test_a_customer_who_wraps_up_is_asked_unless_they_write_again(store: Store) -> None:
    clock, asker = VirtualClock(0), Asker()
    talk = Conversation(store, clock)
    await talk.say("customer", "cust", "where is my parcel", 10)
    await talk.say("agent", "sam", "on its way", 20)
    await talk.say("customer", "cust", WRAP_UP, 30)  # the engine's RESOLVED signal
    await talk.say("customer", "cust", "actually, can I change the address", 40)
    surveys = service(store, asker, clock)
    clock.advance_to(1000)
    assert await surveys.sweep() == 0  # they asked again: not a closing any more
    await talk.say("agent", "sam", "done", 1010)
    await talk.say("customer", "cust", WRAP_UP, 1020)
    clock.advance_to(1100)
    assert await surveys.sweep() == 1
    assert [s.customer for s in asker.asked] == ["cust"]


async def test_nobody_is_asked_when_every_customer_also_wrote_as_an_agent(store: Store) -> None:
    clock, asker = VirtualClock(0), Asker()
    talk = Conversation(store, clock)
    await talk.say("agent", "sam", "testing the channel", 10)
    await talk.say("customer", "sam", "test message as a customer", 20)
    await talk.close(30)
    clock.advance_to(200)
    assert await service(store, asker, clock).sweep() == 0
    assert asker.asked == []
    [record] = await outreach_of(store).surveys(0, 1000)
    assert (record.status, record.customer) == ("skipped", "")


async def test_old_closings_are_not_surveyed(store: Store) -> None:
    clock, asker = VirtualClock(0), Asker()
    talk = Conversation(store, clock)
    await talk.say("customer", "cust", "hi", 10)
    await talk.close(20)
    clock.advance_to(20 + WINDOW + 1)
    assert await service(store, asker, clock).sweep() == 0 and asker.asked == []


async def test_temporary_failures_are_retried_with_backoff_and_csat_is_asked(
    store: Store,
) -> None:
    clock = VirtualClock(0)
    asker = Asker(
        DeliveryResult(DeliveryStatus.RETRY, error="ratelimited", retry_after=30),
        DeliveryResult(DeliveryStatus.SENT, route="ephemeral"),
    )
    talk = Conversation(store, clock)
    await talk.say("customer", "cust", "hi", 10)
    await talk.close(20)
    surveys = service(store, asker, clock, csat=True)
    clock.advance_to(100)
    assert await surveys.sweep() == 0  # rate limited
    clock.advance_to(120)
    assert await surveys.sweep() == 0  # Retry-After not over yet
    clock.advance_to(131)
    assert await surveys.sweep() == 1
    assert [a.questions for a in asker.asked] == [(Question.UNDERSTOOD, Question.CSAT)] * 2
    [record] = await outreach_of(store).surveys(0, 1000)
    assert (record.status, record.route, record.attempts) == ("sent", "ephemeral", 2)


async def test_answers_are_stored_with_the_conversation_only_from_its_customer(
    store: Store,
) -> None:
    outreach = outreach_of(store)
    record = SurveyRecord(REF.key, "cust", 10.0, csat_asked=False)
    assert await outreach.open_survey(record, 0.0)
    assert not await outreach.open_survey(SurveyRecord(REF.key, "other", 11.0), 0.0)

    def answer(user: str, question: Question, score: int, key: str = REF.key) -> SurveyAnswer:
        return SurveyAnswer(key, user, question, score)

    refused = await outreach.answer_survey(answer("sam", Question.UNDERSTOOD, 1), 20)
    assert refused.status is AnswerStatus.NOT_YOURS
    no_csat = await outreach.answer_survey(answer("cust", Question.CSAT, 5), 20)
    assert no_csat.status is AnswerStatus.UNKNOWN  # CSAT was not asked
    unknown = await outreach.answer_survey(answer("cust", Question.UNDERSTOOD, 5, OTHER.key), 20)
    assert unknown.status is AnswerStatus.UNKNOWN
    first = await outreach.answer_survey(answer("cust", Question.UNDERSTOOD, 2), 21)
    assert (first.status, first.unanswered) == (AnswerStatus.RECORDED, ())
    await outreach.answer_survey(answer("cust", Question.UNDERSTOOD, 4), 22)  # changed mind
    [stored] = await outreach.surveys(0, 100)
    assert (stored.customer, stored.understood, stored.csat, stored.answered_at) == (
        "cust",
        4,
        None,
        22,
    )


async def test_forget_and_purge_remove_surveys_and_digests(store: Store) -> None:
    outreach = outreach_of(store)
    await outreach.open_survey(SurveyRecord(REF.key, "cust", 10.0), 0.0)
    await outreach.open_survey(SurveyRecord(OTHER.key, "cust", 5000.0), 0.0)
    assert await outreach.claim_digest("2026-W10:slack:C9", 10.0, 60.0)
    assert await store.forget(REF.key) >= 1
    assert [s.conversation for s in await outreach.surveys(0, 1e9)] == [OTHER.key]
    assert await store.purge(6000.0) >= 2
    assert await outreach.surveys(0, 1e9) == []
    assert await outreach.claim_digest("2026-W10:slack:C9", 7000.0, 60.0)  # forgotten too


async def test_a_digest_is_posted_by_one_caller_and_retried_after_its_lease(
    store: Store,
) -> None:
    outreach = outreach_of(store)
    key = "2026-W10:slack:C9"
    claims = await asyncio.gather(*(outreach.claim_digest(key, 100.0, 60.0) for _ in range(4)))
    assert sorted(claims) == [False, False, False, True]
    assert not await outreach.claim_digest(key, 159.0, 60.0)  # leased
    await outreach.finish_digest(key, "pending", "ratelimited", 110.0, retry_at=130.0)
    assert not await outreach.claim_digest(key, 120.0, 60.0)
    assert await outreach.claim_digest(key, 131.0, 60.0)
    await outreach.finish_digest(key, "sent", "", 132.0)
    assert not await outreach.claim_digest(key, 10_000.0, 60.0)  # posted: never again


async def test_a_survey_left_pending_by_a_crash_is_asked_after_its_lease(store: Store) -> None:
    outreach = outreach_of(store)
    await outreach.open_survey(SurveyRecord(REF.key, "cust", 10.0), lease_until=40.0)
    assert await outreach.claim_surveys(39.0, 30.0) == []  # the first process may still ask
    [again] = await outreach.claim_surveys(41.0, 30.0)
    assert again.conversation == REF.key
    assert await outreach.claim_surveys(42.0, 30.0) == []  # leased to the second one now
    await outreach.finish_survey(REF.key, SurveyStatus.SENT, "ephemeral", "", 43.0)
    await outreach.finish_survey(REF.key, SurveyStatus.PENDING, "", "late", 44.0, 50.0)
    [record] = await outreach.surveys(0, 100)
    assert record.status == "sent"  # a late answer never overrides a final status


async def test_sql_sweeps_skip_conversations_already_surveyed(tmp_path: Path) -> None:
    """Cost, not correctness (``open_survey`` keeps one survey per conversation): a sweep
    on the SQL store does not reread every surveyed closing of the last day."""
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/coach.db")
    clock = VirtualClock(0)
    for ref in (REF, OTHER):
        talk = Conversation(store, clock, ref)
        await talk.say("customer", "cust", "hi", 10)
        await talk.close(20)
    outreach = outreach_of(store)
    assert [c.conversation for c in await outreach.closings(0, 100)] == [REF.key, OTHER.key]
    await outreach.open_survey(SurveyRecord(REF.key, "cust", 20.0), 0.0)
    assert [c.conversation for c in await outreach.closings(0, 100)] == [OTHER.key]
    await store.close()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def replicas(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[list[Store]]:
    """Two handles on one database, as two replicas have (the memory store: one shared)."""
    if request.param == "memory":
        memory = MemoryStore()
        yield [memory, memory]
        return
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/coach.db"
        opened = [await SqlStore.open(url), await SqlStore.open(url)]
        yield list(opened)
        for handle in opened:
            await handle.close()
        return
    async with fresh_schema() as target:
        opened = [await target.open(), await target.open()]
        yield list(opened)
        for handle in opened:
            await handle.close()


async def test_replicas_sweeping_at_once_ask_once(replicas: list[Store]) -> None:
    clock, asker = VirtualClock(0), Asker()
    for n in range(5):
        talk = Conversation(replicas[0], clock, ConversationRef("slack", "T1", "C1", f"{n}.0"))
        await talk.say("customer", f"cust{n}", "hi", 10)
        await talk.close(20)
    clock.advance_to(200)
    sweeps = [service(store, asker, clock) for store in replicas for _ in range(2)]
    shown = await asyncio.gather(*(s.sweep() for s in sweeps))
    assert sum(shown) == 5
    assert sorted(a.customer for a in asker.asked) == [f"cust{n}" for n in range(5)]
