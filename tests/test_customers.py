"""Returning customers for supervisors: the summary's repeat-contact figures, and the
supervisor-only ``/coach customer`` and ``/coach forget`` (bot/reports/customers.py), parsed from
Slack and Discord command text."""

from __future__ import annotations

import pytest

from adapters.base import CommandRequest, Roles, Scope, ScopeKind
from adapters.discord.commands import customer_scope
from adapters.slack.commands import parse
from bot.ops.clock import VirtualClock
from bot.ops.metrics import Metrics
from bot.reports.returning import compute
from bot.reports.summary import compute as summary_compute
from bot.service.commands import CommandService
from bot.store.base import Slice
from bot.store.memory import MemoryStore
from bot.store.records import EventRecord, SignalRecord

DAY = 86_400.0
NOW = 1_700_000_000.0


def contact(
    conv: str, customer: str, at: float, frustrated: bool
) -> tuple[EventRecord, SignalRecord]:
    event = EventRecord(f"{conv}#{customer}", conv, "posted", "m", customer, "customer", at)
    signal = SignalRecord(event.event_id, conv, "frustration", customer, 0.9, frustrated, (), at)
    return event, signal


def slice_of(*contacts: tuple[EventRecord, SignalRecord]) -> Slice:
    return Slice(events=[e for e, _ in contacts], signals=[s for _, s in contacts])


def test_repeat_contacts_and_returning_customer_frustration() -> None:
    data = slice_of(
        contact("c1", "kim", 10, False),  # kim's first contact
        contact("c2", "kim", 20, True),  # repeat, frustrated
        contact("c3", "kim", 30, False),  # repeat, calm
        contact("c4", "lee", 5, True),  # first, frustrated
        contact("c4", "pat", 6, False),  # joined lee's conversation: not a contact of pat's
        contact("c5", "pat", 40, True),  # pat's first, frustrated
    )
    figures = compute(data)
    assert (figures.contacts, figures.repeat, figures.first) == (5, 2, 3)
    assert (figures.repeat_frustrated, figures.first_frustrated) == (1, 2)
    assert figures.as_dict() == {
        "customer_contacts": 5,
        "repeat_contacts": 2,
        "repeat_contact_rate": 0.4,
        "returning_customer_frustrated_share": 0.5,
        "first_contact_frustrated_share": 0.6667,
        "repeat_contact_counts": {"hits": 2, "total": 5, "share": None, "ci95": None},
        "returning_customer_frustrated_counts": {
            "hits": 1,
            "total": 2,
            "share": None,
            "ci95": None,
        },
        "first_contact_frustrated_counts": {"hits": 2, "total": 3, "share": None, "ci95": None},
    }
    summary = summary_compute(data, now=100).as_dict()
    assert summary["repeat_contact_rate"] == 0.4


def test_an_agent_is_not_a_contact_and_the_first_message_decides_the_order() -> None:
    kim_late, _ = contact("c1", "kim", 50, False)
    kim_early, signal = contact("c1", "kim", 5, False)
    sam = EventRecord("a", "c2", "posted", "m", "sam", "agent", 1)
    kim2, signal2 = contact("c2", "kim", 20, False)
    figures = compute(Slice(events=[kim_late, kim_early, sam, kim2], signals=[signal, signal2]))
    # c1 started at 5, before c2 at 20: c2 is the repeat contact
    assert (figures.contacts, figures.repeat) == (2, 1)
    assert compute(Slice()).as_dict()["repeat_contact_rate"] is None


# --- /coach customer and /coach forget ----------------------------------------------------------


async def stored() -> MemoryStore:
    store = MemoryStore()
    for conv, at, frustrated in (
        ("slack:T1:C1:1.0", NOW - 3 * DAY, True),
        ("slack:T1:C2:2.0", NOW - 2 * DAY, False),
        ("slack:T2:C3:3.0", NOW - DAY, True),  # another workspace
    ):
        event, signal = contact(conv, "UKIM", at, frustrated)
        store.events.append(event)
        store.signals.append(signal)
    return store


def request(name: str, user: str, customer: str = "UKIM", workspace: str = "T1") -> CommandRequest:
    return CommandRequest(
        "slack", workspace, user, frozenset(), name, Scope(ScopeKind.CUSTOMER, customer)
    )


async def test_customer_history_is_for_supervisors_of_that_workspace() -> None:
    store = await stored()
    service = CommandService(
        store, Roles(supervisors=frozenset({"UBOSS"})), VirtualClock(NOW), Metrics(), 600
    )
    report = await service.handle(request("customer", "UBOSS"))
    assert report.title == "Customer <@UKIM>: 2 conversations in the last 30 days"
    fields = dict(report.fields)
    assert (
        fields["Frustrated in"] == "1 of 2" and fields["Ended unresolved or escalated"] == "1 of 2"
    )
    # C2 went well, but two conversations in three days make a third one a pattern
    assert fields["At risk if they come back now"] == "yes: 3rd conversation in 7 days"
    assert [line.split(" in ")[1] for line in report.lines] == [
        "<#C2>: calm",
        "<#C1>: frustrated; ended unresolved",
    ]
    refused = await service.handle(request("customer", "USAM"))
    assert "only available to supervisors" in refused.title and not refused.fields
    elsewhere = await service.handle(request("customer", "UBOSS", workspace="T2"))
    assert elsewhere.title.endswith("1 conversation in the last 30 days")
    assert [c[3:] for c in store.commands] == [
        ("customer", True),
        ("customer", False),
        ("customer", True),
    ]


async def test_forget_is_for_supervisors_and_stays_in_their_workspace() -> None:
    store = await stored()
    service = CommandService(
        store, Roles(supervisors=frozenset({"UBOSS"})), VirtualClock(NOW), Metrics(), 600
    )
    refused = await service.handle(request("forget", "USAM"))
    assert "only available to supervisors" in refused.title
    assert len(store.events) == 3  # an agent cannot erase anything
    done = await service.handle(request("forget", "UBOSS"))
    assert done.title == "Forgot customer <@UKIM>: 4 records deleted."
    assert [e.conversation for e in store.events] == ["slack:T2:C3:3.0"]
    again = await service.handle(request("forget", "UBOSS"))
    assert again.title == "Nothing stored about <@UKIM>."
    nothing = await service.handle(request("customer", "UBOSS"))
    assert nothing.lines == ("Nothing stored about this customer.",)


@pytest.mark.parametrize(
    ("text", "name", "customer", "problem"),
    [
        ("customer <@U0KIM|kim>", "customer", "U0KIM", ""),
        ("customer U0KIM", "customer", "U0KIM", ""),
        ("forget <@W0KIM>", "forget", "W0KIM", ""),
        ("forget", "help", "", "Say which customer"),
        ("customer kim", "help", "", "I didn't understand"),
        ("forget <@U0KIM> <@U0LEE>", "help", "", "I didn't understand"),
        ("customer <#C123|general>", "help", "", "I didn't understand"),
    ],
)
def test_slack_customer_commands(text: str, name: str, customer: str, problem: str) -> None:
    parsed = parse(text, "T1", "UBOSS", frozenset())
    assert parsed.name == name and parsed.problem.startswith(problem)
    if customer:
        assert parsed.scope == Scope(ScopeKind.CUSTOMER, customer)


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        ("200000000000000002", "200000000000000002"),
        ("<@200000000000000002>", "200000000000000002"),
        (" <@!200000000000000002> ", "200000000000000002"),
        ("kim", ""),
        ("12", ""),
        ("<@200000000000000002> and more", ""),
    ],
)
def test_discord_customer_option(text: str, customer: str) -> None:
    scope, problem = customer_scope(text)
    if customer:
        assert scope == Scope(ScopeKind.CUSTOMER, customer) and problem == ""
    else:
        assert scope == Scope() and problem
