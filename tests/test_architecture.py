"""The direction of dependencies (DESIGN.md section 2), enforced."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_LIBS = {
    "aiohttp",
    "slack_bolt",
    "slack_sdk",
    "discord",
    "sqlalchemy",
    "asyncio",
    "socket",
    "requests",
}


def imports(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        (
            "coaching",
            {"bot", "adapters", "config"} | PLATFORM_LIBS | {"time", "datetime", "random"},
        ),
        ("adapters", {"bot", "config", "sqlalchemy"}),
        ("config", {"bot", "adapters", "coaching"}),
    ],
)
def test_layers_only_depend_downwards(package: str, forbidden: set[str]) -> None:
    offenders = {f: sorted(n & forbidden) for f, n in imports(package).items() if n & forbidden}
    assert offenders == {}


def test_modules_stay_small() -> None:
    big = {
        str(p.relative_to(ROOT)): n
        for pkg in ("bot", "adapters", "coaching", "config")
        for p in (ROOT / pkg).rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert big == {}
