from __future__ import annotations

from pathlib import Path

import pytest

from bot.service.policy import policy_from
from config import ConfigError, load


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "coach.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file() -> None:
    config = load(None)
    assert config.settings.slack.mode == "socket"
    assert config.storage_url.startswith("sqlite+aiosqlite:///")
    assert policy_from(config.settings).waiting_after == 600


def test_file_values_and_environment_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tmp_path, '[slack]\nenabled = true\nmode = "http"\nport = 3100\n[roles]\nagents = ["U1"]\n'
    )
    monkeypatch.setenv("COACH_SLACK__PORT", "4000")
    monkeypatch.setenv("COACH_ROLES__SUPERVISORS", '["U9"]')
    config = load(path)
    assert config.settings.slack.mode == "http"
    assert config.settings.slack.port == 4000
    assert config.settings.roles.agents == ["U1"] and config.settings.roles.supervisors == ["U9"]
    assert config.storage_url == f"sqlite+aiosqlite:///{(tmp_path / 'coach.db').resolve()}"


def test_every_problem_is_named_with_its_section_and_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[slack]\nmode = "sockets"\nport = 99999\nchanels = []\n[coaching]\nwaiting_minutes = -1\n',
    )
    with pytest.raises(ConfigError) as caught:
        load(path)
    problems = "\n".join(caught.value.problems)
    assert "[slack] mode: must be 'socket' or 'http'" in problems
    assert "[slack] port" in problems
    assert "[slack] chanels: unknown setting; did you mean 'channels'?" in problems
    assert "[coaching] waiting_minutes: must be greater than 0" in problems


def test_unknown_section(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load(write(tmp_path, "[slak]\nenabled = true\n"))
    assert "[slak]: unknown setting; did you mean 'slack'?" in caught.value.problems


def test_secrets_are_refused_in_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load(write(tmp_path, '[slack]\nbot_token = "xoxb-123"\n'))
    assert "secrets are never read from the file" in caught.value.problems[0]


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(write(tmp_path, "[slack\n"))
    with pytest.raises(ConfigError, match="no such file"):
        load(tmp_path / "missing.toml")


def test_secrets_come_from_the_environment_and_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret-value")
    config = load(None)
    token = config.secrets.slack_bot_token
    assert token is not None and token.reveal() == "xoxb-very-secret-value"
    assert "very-secret" not in f"{token} {token!r} {config.secrets!r} {config!r}"


def test_enabled_platform_without_its_secret_is_reported(tmp_path: Path) -> None:
    config = load(write(tmp_path, '[slack]\nenabled = true\nmode = "http"\n'))
    assert any("SLACK_SIGNING_SECRET" in w for w in config.warnings)


def test_shipped_example_config_is_valid() -> None:
    example = Path(__file__).resolve().parent.parent / "config" / "example.toml"
    assert load(example).settings.slack.enabled is False


def test_a_platform_section_turns_the_platform_on_unless_disabled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on = load(write(tmp_path, '[slack]\nmode = "http"\nport = 3100\n'))
    assert on.settings.slack.enabled is True and on.settings.discord.enabled is False
    off = load(write(tmp_path, '[slack]\nenabled = false\nmode = "http"\n'))
    assert off.settings.slack.enabled is False
    assert load(None).settings.slack.enabled is False
    monkeypatch.setenv("COACH_DISCORD__API_URL", "http://127.0.0.1:9/api/v10")
    assert load(None).settings.discord.enabled is True
