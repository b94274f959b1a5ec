"""Practice in Discord, end to end: the real discord.py client (``coach run``'s Bot) against
the loopback Discord fake. ``/coach practice`` is answered privately (ephemeral); the
role-play goes to the agent by DM, and the agent's DM replies come back over the
gateway (MESSAGE_CREATE without a guild)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.practice import PracticeAnswer
from bot.practice import library
from tests.fakes.discord import BOT_ID, FakeDiscord, message_payload
from tests.test_discord import (
    AGENT,
    CUSTOMER,
    SUPERVISOR,
    Running,
    nothing_reached_customers,
    serving,
    started,
)
from tests.test_practice_slack import ONE_JUDGE, Answers, Slow

LATE = library.load().scenarios["late-delivery"]
EMPATHETIC = [LATE.step("open").example, LATE.step("birthday").example]
DISMISSIVE = ["Please wait for the courier to deliver it.", "That's our policy."]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with serving() as fake:
        yield fake


@contextlib.asynccontextmanager
async def practising(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch, practice: str
) -> AsyncIterator[Running]:
    async with started(tmp_path, fake, monkeypatch, f"[practice]\n{practice}\n") as r:
        yield r


@pytest.fixture
async def running(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Running]:
    # Lexicon on purpose: these test practice's mechanics on "late-delivery", whose opening the
    # shipped contextual model misses (0.13: "I've been waiting all week ... Where is it??"),
    # a known miss reported with the model's figures.
    monkeypatch.setenv("COACH_COACHING__MODEL", "lexicon")
    async with practising(tmp_path, fake, monkeypatch, "share_with_supervisors = true") as r:
        yield r


def option(value: str) -> list[dict[str, Any]]:
    return [{"name": "scenario", "type": 3, "value": value}]


def dms(fake: FakeDiscord, user: str = AGENT) -> list[dict[str, Any]]:
    return [dict(c.body) for c in fake.dms_to(user)]


def customer_said(fake: FakeDiscord, user: str = AGENT) -> list[str]:
    prefix = f"**{LATE.customer}:** "
    return [
        d["content"][len(prefix) :]
        for d in dms(fake, user)
        if (d.get("content") or "").startswith(prefix)
    ]


def scorecards(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [
        d["embeds"][0]
        for d in dms(fake)
        if d.get("embeds") and d["embeds"][0]["title"] == "Practice scorecard"
    ]


async def reply(r: Running, text: str, message_id: str | None = None) -> dict[str, Any]:
    channel = r.fake.dm_channel(AGENT)
    assert channel is not None
    payload = message_payload(channel, AGENT, text, message_id=message_id)  # no guild: a DM
    await r.fake.dispatch("MESSAGE_CREATE", payload)
    return payload


async def play(r: Running, replies: list[str]) -> dict[str, Any]:
    answer = await r.command("practice", AGENT, options=option("late-delivery"))
    assert answer["type"] == 4 and answer["data"]["flags"] == 64  # ephemeral
    assert answer["data"]["embeds"][0]["title"] == f"Practice: {LATE.title}"
    for heard, text in enumerate(replies, 1):
        await r.fake.wait_until(lambda n=heard: len(customer_said(r.fake)) >= n)  # type: ignore[misc]
        await reply(r, text)
    await r.fake.wait_until(lambda: scorecards(r.fake))
    return scorecards(r.fake)[0]


async def test_empathetic_replies_calm_the_simulated_customer(
    running: Running, fake: FakeDiscord
) -> None:
    card = await play(running, EMPATHETIC)
    assert card["description"] == "**Score 100/100** · outcome: **calmed**"
    assert customer_said(fake) == [LATE.step(s).says for s in ("open", "birthday", "relieved")]
    assert [f["name"] for f in card["fields"]] == ["What went well"]
    briefing = dms(fake)[0]["embeds"][0]
    assert briefing["title"] == f"Practice: {LATE.title}"
    assert "Heads-up: the customer sounds frustrated." in dms(fake)[2]["content"]
    # DMs only, and never a support conversation
    nothing_reached_customers(fake, {AGENT})
    assert running.sink.events == []


async def test_dismissive_replies_escalate_and_the_scorecard_says_what_to_try(
    running: Running, fake: FakeDiscord
) -> None:
    card = await play(running, DISMISSIVE)
    assert card["description"] == "**Score 0/100** · outcome: **escalated**"
    assert customer_said(fake) == [LATE.step(s).says for s in ("open", "fed-up", "gone")]
    fields = {f["name"]: f["value"] for f in card["fields"]}
    assert set(fields) == {"What to try", "Example wordings"}
    assert "Acknowledge how Sam feels" in fields["What to try"]
    tips = [d.get("content") or "" for d in dms(fake)]
    assert any("Your reply didn't acknowledge" in t for t in tips)
    assert any("Escalation risk" in t for t in tips)


async def test_replayed_and_own_messages_are_not_answered(
    running: Running, fake: FakeDiscord
) -> None:
    practice = running.adapter.client.practice
    assert practice is not None
    answers = Answers(practice.handler)
    practice.handler = answers
    await running.command("practice", AGENT, options=option("late-delivery"))
    await fake.wait_until(lambda: len(customer_said(fake)) == 1)
    first = await reply(running, EMPATHETIC[0])
    await answers.wait(1)
    await fake.dispatch("MESSAGE_CREATE", first)  # the gateway replays it (RESUME)
    replayed = await answers.wait(2)
    assert replayed[1][1] == PracticeAnswer()
    channel = fake.dm_channel(AGENT) or ""
    own = message_payload(channel, BOT_ID, DISMISSIVE[1], bot=True)
    await fake.dispatch("MESSAGE_CREATE", own)  # the bot's own message in the DM
    await reply(running, EMPATHETIC[1])
    handled = await answers.wait(3)
    assert [m.text for m, _ in handled] == [EMPATHETIC[0], EMPATHETIC[0], EMPATHETIC[1]]
    await fake.wait_until(lambda: scorecards(fake))
    assert customer_said(fake) == [LATE.step(s).says for s in ("open", "birthday", "relieved")]


async def test_a_slow_command_is_deferred_then_answered(
    running: Running, fake: FakeDiscord
) -> None:
    practice = running.adapter.client.practice
    assert practice is not None
    practice.handler, practice.budget = Slow(practice.handler), 0.05
    deferred = await running.command("practice", AGENT, options=option("late-delivery"))
    assert deferred == {"type": 5, "data": {"flags": 64}}  # "thinking…", privately
    await fake.wait_until(lambda: fake.of("POST", "/webhooks/"))
    [answer] = fake.of("POST", "/webhooks/")
    assert answer.body["flags"] == 64
    assert answer.body["embeds"][0]["title"] == f"Practice: {LATE.title}"
    await fake.wait_until(lambda: len(customer_said(fake)) == 1)


async def test_closed_dms_are_explained_privately(running: Running, fake: FakeDiscord) -> None:
    fake.closed_dms.add(AGENT)
    await running.command("practice", AGENT, options=option("late-delivery"))
    await fake.wait_until(lambda: fake.of("POST", "/webhooks/"))
    [follow_up] = fake.of("POST", "/webhooks/")
    assert follow_up.body["flags"] == 64
    assert follow_up.body["content"].startswith("I can't send you direct messages")


async def test_practice_is_for_agents_and_team_figures_for_supervisors(
    running: Running, fake: FakeDiscord
) -> None:
    refused = await running.command("practice", CUSTOMER, options=option("late-delivery"))
    assert refused["data"]["embeds"][0]["title"] == "Sorry, practice is for the support team."
    assert fake.of("POST", "/users/@me/channels") == []
    await play(running, EMPATHETIC)
    team = await running.command("practice", SUPERVISOR, options=option("team"))
    embed = team["data"]["embeds"][0]
    assert team["data"]["flags"] == 64
    assert "`late-delivery` — 1 session(s), mean score 100" in embed["description"]
    assert AGENT not in str(embed)
    listing = await running.command("practice", AGENT, options=option("list"))
    assert "`late-delivery`" in listing["data"]["embeds"][0]["description"]


async def test_supervisors_see_nothing_when_the_team_keeps_results_private(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with practising(tmp_path, fake, monkeypatch, "share_with_supervisors = false") as r:
        team = await r.command("practice", SUPERVISOR, options=option("team"))
        title = team["data"]["embeds"][0]["title"]
        assert title == "Practice results are private to each agent here."


async def test_the_scorecard_counts_the_follow_up_the_dm_showed(
    running: Running, fake: FakeDiscord
) -> None:
    """One judge (tests/test_practice_one_judge.py): an apology, then a fix without one —
    the follow-up in the DM is the one miss the scorecard counts."""
    await running.command("practice", AGENT, options=option("double-charge"))
    for heard, text in enumerate((*ONE_JUDGE, "stop"), 1):
        await fake.wait_until(lambda n=heard: len(priya_said(fake)) >= n)  # type: ignore[misc]
        await reply(running, text)
    await fake.wait_until(lambda: scorecards(fake))
    card = "\n".join(f["value"] for f in scorecards(fake)[0]["fields"])
    tips = [d.get("content") or "" for d in dms(fake)]
    missed = sum("Your reply didn't acknowledge how the customer feels." in t for t in tips)
    assert missed >= 1  # the fix; Priya's "Reversing it how?" too, as the model reads it
    assert f"You acknowledged how Priya felt in 1 of {1 + missed} replies." in card
    assert "Acknowledge how Priya feels before the fix" in card
    assert "every reply that needed it" not in card


def priya_said(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [d for d in dms(fake) if (d.get("content") or "").startswith("**Priya:** ")]
