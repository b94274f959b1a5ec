"""``/coach practice`` in Slack counts against the same per-person limit as every ``/coach``
command (security review, finding 8), end to end: the real slack-bolt app (``coach run``'s
Bot in HTTP mode) against the loopback Slack fake (harness: tests/test_practice_slack.py)."""

from __future__ import annotations

from bot.ops.ratelimit import PER_USER
from tests.fakes.slack import FakeSlack
from tests.test_practice_slack import AGENT, SUPERVISOR, fake, running  # noqa: F401 (fixtures)
from tests.test_slack import Running

SLOW_DOWN = "You're asking a lot at once"


async def test_practice_commands_count_against_the_coach_limit(
    running: Running,  # noqa: F811
    fake: FakeSlack,  # noqa: F811
) -> None:
    for _ in range(PER_USER - 1):
        assert SLOW_DOWN not in (await running.command("me", AGENT, fake))["text"]
    assert SLOW_DOWN not in (await running.command("practice list", AGENT, fake))["text"]
    limited = await running.command("practice list", AGENT, fake)
    assert limited["response_type"] == "ephemeral" and SLOW_DOWN in limited["text"]
    assert SLOW_DOWN in (await running.command("me", AGENT, fake))["text"]
    assert SLOW_DOWN not in (await running.command("practice list", SUPERVISOR, fake))["text"]
