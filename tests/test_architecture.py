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


# --- bot/: one folder per part of the system, and who may import whom ---------------------------

# Each part of bot/ (a folder, or a top-level module) -> the parts it may import. Only the
# composition root (app: ``coach run`` builds the Bot) and the command line see everything.
PARTS = {"redact", "ops", "store", "surveys", "reports", "service", "practice", "app", "cli"}
MAY_IMPORT: dict[str, set[str]] = {
    "redact": set(),
    "ops": {"redact"},
    "store": set(),
    "surveys": {"ops", "store"},
    "reports": {"ops", "store", "surveys", "redact"},
    "service": {"ops", "store", "surveys", "reports", "redact"},
    "practice": {"ops", "store", "reports", "service", "redact"},
    "app": PARTS - {"app", "cli"},
    "cli": PARTS - {"cli"},
    "migrations": {"store"},
}


def bot_modules() -> dict[str, Path]:
    found = {}
    for path in (ROOT / "bot").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def bot_graph() -> dict[str, set[str]]:
    """Module -> the bot modules it imports, anywhere in it (in functions too)."""
    modules = bot_modules()

    def known(name: str) -> str:
        while name not in modules:
            name = name.rpartition(".")[0]
        return name

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps.update(known(a.name) for a in node.names if a.name.startswith("bot."))
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot"):
                assert node.level == 0 and node.module, f"{name}: relative import"
                for alias in node.names:  # ``from bot.x import module`` imports the module
                    deps.add(known(f"{node.module}.{alias.name}"))
        graph[name] = deps - {name}
    return graph


def part(module: str) -> str:
    return module.split(".")[1] if "." in module else "bot"


def test_each_part_imports_only_what_the_table_allows() -> None:
    offenders = {
        f"{module} -> {dep}"
        for module, deps in bot_graph().items()
        for dep in deps
        if part(dep) not in {part(module), "bot"}
        and part(dep) not in MAY_IMPORT.get(part(module), set())
    }
    assert offenders == set()


def test_the_table_names_every_part_and_the_tree_stays_a_map() -> None:
    entries = {p.stem for p in (ROOT / "bot").iterdir() if p.suffix == ".py" or p.is_dir()}
    entries -= {"__init__", "__pycache__"}
    assert entries == PARTS | {"migrations"}
    assert len(entries - {"migrations"}) <= 9
    for package in (ROOT / "bot").glob("*/__init__.py"):  # says what lives there, may import
        assert "May import" in (ast.get_docstring(ast.parse(package.read_text())) or ""), package


def test_no_import_circle_in_bot() -> None:
    graph = bot_graph()
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError(" -> ".join([*path[path.index(module) :], module]))
        if module not in done:
            for dep in sorted(graph[module]):
                visit(dep, [*path, module])
            done.add(module)

    for module in sorted(graph):
        visit(module, [])
