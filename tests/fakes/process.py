"""`coach run` as a child process pointed at a loopback Slack fake (HTTP mode), for
fault tests and the load benchmark: start, wait until healthy, read metrics, SIGTERM or
SIGKILL it, start it again on the same database."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import aiohttp

from tests.fakes.slack import FakeSlack, sign

SECRET = "process-signing-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class CoachProcess:
    alive: ClassVar[set[subprocess.Popen[bytes]]] = set()  # started, not yet stopped

    def __init__(
        self,
        fake: FakeSlack,
        folder: Path,
        agents: list[str],
        extra: str = "",
        storage_url: str = "",
        workers: int = 4,
    ) -> None:
        self.port = free_port()
        self.ops_port = free_port()  # /healthz and /metrics: never on Slack's port
        self.folder = folder
        self._storage_url = storage_url
        self.config = folder / "coach.toml"
        storage = f'url = "{storage_url}"' if storage_url else ""
        self.config.write_text(
            f"""[slack]
mode = "http"
host = "127.0.0.1"
port = {self.port}
api_url = "{fake.api_url}"
[roles]
agents = {json.dumps(agents)}
[storage]
{storage}
[http]
host = "127.0.0.1"
port = {self.ops_port}
[runtime]
max_backlog = 100000
lease_seconds = 2
workers = {workers}
tick_seconds = 1
[logging]
level = "WARNING"
{extra}
"""
        )
        self.url = f"http://127.0.0.1:{self.port}"
        self.ops_url = f"http://127.0.0.1:{self.ops_port}"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def database(self) -> Path:
        return self.folder / "coach.db"

    @property
    def storage_url(self) -> str:
        return self._storage_url or f"sqlite+aiosqlite:///{self.database}"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "bot.cli.main", "run", "--config", str(self.config)]

    def start(self) -> None:
        env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET}
        with (self.folder / "coach.log").open("ab") as log:  # a pipe could fill and block it
            self.process = subprocess.Popen(self.command(), env=env, cwd=self.folder, stderr=log)
        CoachProcess.alive.add(self.process)

    async def ready(self, session: aiohttp.ClientSession, within: float = 30.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            assert self.process is not None and self.process.poll() is None, "coach run exited"
            try:
                async with session.get(self.ops_url + "/healthz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)  # polling a process that is starting: nothing to wait on
        raise TimeoutError("coach run did not become healthy")

    async def post_event(
        self,
        session: aiohttp.ClientSession,
        payload: dict[str, object],
        headers: dict[str, str] | None = None,
    ) -> int:
        raw = json.dumps(payload).encode()
        all_headers = {"Content-Type": "application/json", **sign(SECRET, raw), **(headers or {})}
        async with session.post(self.url + "/slack/events", data=raw, headers=all_headers) as r:
            await r.read()
            return r.status

    async def until_not_listening(self, session: aiohttp.ClientSession, within: float = 10) -> None:
        """Wait until the process stopped taking requests (closed its port)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            try:
                async with session.get(self.url + "/healthz") as r:
                    await r.read()
            except aiohttp.ClientError:
                return
            await asyncio.sleep(0.02)  # a process shutting down: nothing to wait on
        raise TimeoutError("coach run still takes requests")

    async def metric(self, session: aiohttp.ClientSession, name: str) -> float:
        async with session.get(self.ops_url + "/metrics") as r:
            text = await r.text()
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith(name) and not line.startswith("#")
        )

    def cpu_seconds(self) -> float:
        """CPU time the process has used so far (user and system), from /proc."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kb(self, field: str = "VmRSS") -> int:
        """Resident memory now (``VmHWM``: the peak so far), from /proc."""
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        return 0

    @classmethod
    def kill_all(cls) -> None:
        """Kill every process still running (a failed test must not leave them behind)."""
        for process in cls.alive:
            process.kill()
            process.wait()
        cls.alive.clear()

    async def stop(self, sig: int = signal.SIGTERM, within: float = 30.0) -> tuple[int, str]:
        """Send ``sig`` and wait for the exit (without blocking this loop: the Slack fake
        lives here and must keep answering while the bot drains); returns (exit code,
        the log so far)."""
        assert self.process is not None
        process, self.process = self.process, None
        process.send_signal(sig)
        code = await asyncio.to_thread(process.wait, within)
        CoachProcess.alive.discard(process)
        return code, (self.folder / "coach.log").read_text(errors="replace")
