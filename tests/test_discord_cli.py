"""``coach run`` as a user runs it — a separate process configured only by ``[discord]``
keys, ``[roles]`` and ``DISCORD_TOKEN`` — against the loopback Discord fake; and
``coach discord-invite``."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.fakes.discord import (
    GUILD,
    FakeDiscord,
    channel_payload,
    message_payload,
    thread_payload,
)

AGENT, CUSTOMER, SUPPORT, THREAD = (
    "300000000000000001",
    "400000000000000001",
    "600000000000000002",
    "600000000000000005",
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    fake.guilds[0]["channels"] = [channel_payload(SUPPORT, "support")]
    fake.guilds[0]["threads"] = [thread_payload(THREAD, SUPPORT, CUSTOMER)]
    await fake.start()
    yield fake
    await fake.stop()


async def coach_run(tmp_path: Path, fake: FakeDiscord) -> asyncio.subprocess.Process:
    config = tmp_path / "coach.toml"
    config.write_text(
        f"""
[discord]
enabled = true
api_url = "{fake.api_url}"
gateway_url = "{fake.gateway_url}"
[roles]
agents = ["{AGENT}"]
[storage]
url = "memory://"
[http]
enabled = false
"""
    )
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["DISCORD_TOKEN"] = "test-token.discord.fake"
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli.main",
        "run",
        "--config",
        str(config),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_coach_run_coaches_in_a_thread_and_stops_on_sigterm(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    process = await coach_run(tmp_path, fake)
    try:
        now = time.time()
        opener = message_payload(
            THREAD, CUSTOMER, "Hi, my invoice shows the wrong amount.", at=now - 90, guild=GUILD
        )
        await fake.dispatch("MESSAGE_CREATE", opener, within=60)
        await fake.dispatch(
            "MESSAGE_CREATE",
            message_payload(THREAD, AGENT, "Hi! Let me check that.", at=now - 60, guild=GUILD),
        )
        angry = "This is the THIRD time I'm asking and I've been waiting for 3 hours!!"
        await fake.dispatch(
            "MESSAGE_CREATE", message_payload(THREAD, CUSTOMER, angry, at=now - 30, guild=GUILD)
        )
        await fake.wait_dms(AGENT, within=20)
        await fake.dispatch(
            "MESSAGE_CREATE",
            message_payload(
                THREAD, AGENT, "Please send your order number.", at=now - 10, guild=GUILD
            ),
        )
        await fake.wait_dms(AGENT, 2, within=20)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    assert len(fake.dms_to(AGENT)) == 2
    assert len(fake.of("POST", "/users/@me/channels")) == 1  # the DM channel is reused
    assert "THIRD time" not in stderr.decode()  # message text never logged


async def test_coach_run_exits_2_with_instructions_when_the_intent_is_refused(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    fake.refuse_intents = True
    process = await coach_run(tmp_path, fake)
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    text = stderr.decode()
    assert process.returncode == 2, text
    assert "MESSAGE CONTENT INTENT" in text and "Developer Portal" in text
    assert "Traceback" not in text


def test_discord_invite_prints_the_url(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["discord-invite", "--client-id", "123456789012345678"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "https://discord.com/oauth2/authorize?client_id=123456789012345678&scope=bot%20applications.commands&permissions=274877926400"
    )
    token = base64.b64encode(b"223456789012345678").decode().rstrip("=")
    monkeypatch.setenv("DISCORD_TOKEN", f"{token}.abc.def")
    assert main(["discord-invite", "--guild", "42"]) == 0
    assert "client_id=223456789012345678" in capsys.readouterr().out
    monkeypatch.delenv("DISCORD_TOKEN")
    assert main(["discord-invite"]) == 2
    assert "--client-id" in capsys.readouterr().err
