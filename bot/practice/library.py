"""The scenario library: the scenarios shipped in the package (bot/practice/scenarios/)
and a team's own, from ``[practice] scenarios_dir`` (every ``*.toml`` there; a team
scenario with a shipped scenario's id replaces it).

A file that cannot be used is reported (file, key, what is wrong) and skipped; the others
still load. Only regular files are read, and at most ``MAX_FILE_BYTES`` of one: a
``*.toml`` that is (a symlink to) ``/dev/zero``, a FIFO or a folder is skipped unread.
Scenarios are listed by id.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from coaching.practice.scenario import Scenario, ScenarioError, from_dict
from config import LoadedConfig

MAX_FILE_BYTES = 256 * 1024


@dataclass(frozen=True)
class Library:
    scenarios: dict[str, Scenario]
    problems: list[str] = field(default_factory=list)

    def get(self, scenario_id: str) -> Scenario | None:
        return self.scenarios.get(scenario_id.strip().lower())

    def __iter__(self) -> Iterator[Scenario]:
        return iter(self.scenarios.values())

    def __len__(self) -> int:
        return len(self.scenarios)


def parse(text: str, source: str) -> Scenario:
    """One scenario file's text -> a checked ``Scenario`` (``ScenarioError`` if not)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([f"{source}: not valid TOML: {exc}"]) from None
    return from_dict(data, source)


def shipped() -> list[tuple[str, str]]:
    """(file name, text) of every scenario shipped in the package."""
    folder = resources.files("bot.practice").joinpath("scenarios")
    found = [(f.name, f.read_text("utf-8")) for f in folder.iterdir() if f.name.endswith(".toml")]
    return sorted(found)


def scenarios_dir(config: LoadedConfig) -> Path | None:
    """``[practice] scenarios_dir``, relative to the settings file's folder."""
    configured = config.settings.practice.scenarios_dir
    if not configured:
        return None
    path = Path(configured).expanduser()
    if not path.is_absolute():
        path = (config.path.parent if config.path else Path.cwd()) / path
    return path


def load(folder: Path | None = None) -> Library:
    scenarios: dict[str, Scenario] = {}
    problems: list[str] = []
    sources = [(name, text, "shipped") for name, text in shipped()]
    if folder is not None:
        team, trouble = _read_folder(folder)
        sources += [(name, text, "team") for name, text in team]
        problems += trouble
    for name, text, origin in sources:
        try:
            scenario = parse(text, name)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        if scenario.id in scenarios and origin == "shipped":
            problems.append(f"{name}: id {scenario.id!r} is used twice")
            continue
        scenarios[scenario.id] = scenario  # a team's scenario replaces a shipped one
    return Library(dict(sorted(scenarios.items())), problems)


def _read_folder(folder: Path) -> tuple[list[tuple[str, str]], list[str]]:
    if not folder.is_dir():
        return [], [f"[practice] scenarios_dir: {folder} is not a folder"]
    files, problems = [], []
    for path in sorted(folder.glob("*.toml")):
        try:
            files.append((path.name, _read_scenario(path)))
        except _Unusable as exc:
            problems.append(f"{path.name}: {exc}; skipped")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path.name}: cannot be read ({type(exc).__name__})")
    return files, problems


class _Unusable(Exception):
    """A scenario file that is not read: what it is instead."""


def _read_scenario(path: Path) -> str:
    """The text of a regular file of at most ``MAX_FILE_BYTES``. ``stat`` follows a
    symlink, so one to a device or a FIFO is refused before it is opened."""
    if not stat.S_ISREG(path.stat().st_mode):
        raise _Unusable("not a regular file (a device, a FIFO or a folder)")
    # O_NONBLOCK: a FIFO swapped in since the check cannot hold the open up; the read is
    # bounded whatever the file has become.
    with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as file:
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _Unusable(f"larger than {MAX_FILE_BYTES // 1024} KB")
    return data.decode("utf-8")
