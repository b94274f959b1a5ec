"""Storage URLs as users write them: ``postgresql://`` (the form providers hand out) and
``postgres://`` work, libpq's ``sslmode`` is understood, an unsupported database is named
by ``check-config`` with the fix, and a store that cannot be opened ends a command with a
message, never a traceback."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from bot.store.engine import postgres_url
from tests.pg import POSTGRES_URL, PgSchema, pg  # noqa: F401  (pg is a fixture)


def test_provider_urls_become_asyncpg_urls() -> None:
    url, args = postgres_url("postgres://coach:s3cret@db.internal:6543/coach?sslmode=require")
    assert url.drivername == "postgresql+asyncpg" and url.port == 6543
    assert url.query == {"ssl": "require"} and args == {}
    url, args = postgres_url("postgresql+psycopg2://coach@db/coach?search_path=bot")
    assert url.drivername == "postgresql+asyncpg" and dict(url.query) == {}
    assert args == {"server_settings": {"search_path": "bot"}}


def write(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "coach.toml"
    config.write_text(f'[storage]\nurl = "{url}"\n')
    return config


def test_check_config_names_an_unsupported_database_and_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(tmp_path, "mysql://coach@db/coach")
    assert main(["check-config", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "[storage] url" in err and "postgresql://" in err and "sqlite:///" in err


def test_a_store_that_cannot_be_opened_ends_in_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(tmp_path, "postgresql://coach@127.0.0.1:1/coach")
    assert main(["summary", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "could not be opened" in err and "127.0.0.1:1" in err
    assert "Traceback" not in err


@pytest.mark.postgres
async def test_summary_on_a_postgresql_url(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    pg: PgSchema,  # noqa: F811
) -> None:
    plain = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://", 1)
    config = write(tmp_path, f"{plain}?search_path={pg.schema}")
    code = await asyncio.to_thread(main, ["summary", "--config", str(config), "--json"])
    assert code == 0
    assert '"conversations": 0' in capsys.readouterr().out
