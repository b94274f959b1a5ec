"""Storage URLs as users write them: ``postgresql://`` (the form providers hand out) and
``postgres://`` work, libpq's ``sslmode`` is understood, an unsupported database is named
by ``check-config`` with the fix, and a store that cannot be opened ends a command with a
message, never a traceback."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.cli.main import main
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


# --- a password is never shown, whatever characters it holds (read as SQLAlchemy reads it) ---

# As written in a URL: #, ? and / need no encoding for SQLAlchemy; @ and # encoded as %40 / %23.
PASSWORDS = (
    "Hunter#2secret",
    "Hunter?2secret",
    "Hunter/2secret",
    "Hunter%402secret",
    "Hunter%232secret",
)
SHOWN = ("Hunter", "2secret")  # no piece of the password either


def never_shown(*outputs: str) -> None:
    for output in outputs:
        for piece in SHOWN:
            assert piece not in output, output


@pytest.mark.parametrize("password", [*PASSWORDS, "Hunter@2secret"])
def test_a_password_in_the_files_storage_url_is_refused_whatever_it_holds(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    password: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    config = write(tmp_path, f"postgresql://coach:{password}@db.internal:5432/coach")
    assert main(["check-config", "--config", str(config)]) == 2
    out, err = capsys.readouterr()
    assert "[storage] url: holds a password" in err
    never_shown(out, err, caplog.text)


@pytest.mark.parametrize("password", PASSWORDS)
def test_check_config_and_the_open_failure_never_show_the_password(
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    password: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(
        "COACH_STORAGE__URL", f"postgresql://coach:{password}@127.0.0.1:1/coach?sslmode=disable"
    )
    assert main(["check-config"]) == 0
    out, err = capsys.readouterr()
    assert "storage: postgresql://coach:***@127.0.0.1:1/coach?sslmode=disable" in out
    assert main(["summary"]) == 1  # nothing listens on port 1
    out2, err2 = capsys.readouterr()
    assert (
        "the store at postgresql://coach:***@127.0.0.1:1/coach?sslmode=disable could not be opened"
        in err2
    )
    never_shown(out, err, out2, err2, caplog.text)


def test_an_unencoded_at_sign_in_the_password_is_refused_without_showing_it(
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SQLAlchemy would take ``2secret@127.0.0.1`` for the host (and show it): refused."""
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("COACH_STORAGE__URL", "postgresql://coach:Hunter@2secret@127.0.0.1:1/coach")
    for command in ("check-config", "summary"):
        assert main([command]) == 2
        out, err = capsys.readouterr()
        assert "[storage] url: cannot be read as a database URL" in err and "%40" in err
        never_shown(out, err, caplog.text)
