"""Shared fixtures. Tests never need the network, tokens or ../shared (tests that read
../shared/eval skip, saying why, when it is absent)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = Path(os.environ.get("COACH_EVAL_DIR", ROOT.parent / "shared" / "eval"))
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _no_proxies_no_coach_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # slack_sdk honours HTTPS_PROXY but not NO_PROXY: loopback fakes must be reached directly.
    for name in list(os.environ):
        if name.upper() in {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"} or name.startswith("COACH_"):
            monkeypatch.delenv(name, raising=False)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def require_eval(*parts: str) -> Path:
    path = EVAL_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"evaluation data not found at {path} (it lives in ../shared/eval, outside the repo)"
        )
    return path


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """For tests that configure logging as `coach run` does: put it back afterwards."""
    from bot.ops.logs import QUIET_LIBRARIES

    root = logging.getLogger()
    handlers, levels = root.handlers[:], {n: logging.getLogger(n).level for n in QUIET_LIBRARIES}
    level = root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)
