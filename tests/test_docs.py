"""The README is the front door and docs/ the reference: the README stays short, every
relative link lands on a file and heading that exist, each docs page stands on its own,
nothing is written twice, and pointers from the code to the docs resolve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_privacy_promises import PRIVACY, promises

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]

FENCE = re.compile(r"^```.*?^```", re.S | re.M)
CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def prose(path: Path) -> str:
    """The page without code: a `[x](y)` inside code is not a link."""
    return CODE.sub("", FENCE.sub("", path.read_text(encoding="utf-8")))


def anchors(path: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to dashes, -1 for repeats."""
    seen: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6} (.+)$", FENCE.sub("", path.read_text("utf-8")), re.M):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
        slug = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")
        seen[slug] = seen.get(slug, -1) + 1
        if seen[slug]:
            seen[f"{slug}-{seen[slug]}"] = 0
    return set(seen)


def headings(path: Path) -> set[str]:
    return set(re.findall(r"^#{1,6} (.+)$", FENCE.sub("", path.read_text("utf-8")), re.M))


def test_the_readme_is_at_most_300_lines() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 300


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_lands_on_a_file_and_heading_that_exist(page: Path) -> None:
    for target in LINK.findall(prose(page)):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        file, _, anchor = target.partition("#")
        linked = (page.parent / file).resolve() if file else page
        assert linked.is_file(), f"{page.name}: {target} is not a file"
        if anchor:
            assert anchor in anchors(linked), f"{page.name}: {target} has no such heading"


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_each_docs_page_opens_with_a_summary_that_links_back_to_the_readme(page: Path) -> None:
    title, summary = page.read_text(encoding="utf-8").split("\n\n")[:2]
    assert title.startswith("# ") and "\n" not in title
    assert not summary.startswith(("#", "-", "|", "```")), "a paragraph first"
    assert "](../README.md)" in summary
    assert f"](docs/{page.name})" in README.read_text(encoding="utf-8"), "linked from README"


def test_nothing_is_written_twice() -> None:
    """Every longer line lives in one place: the README summarises and links instead."""
    where: dict[str, Path] = {}
    for page in PAGES:
        for line in page.read_text(encoding="utf-8").splitlines():
            line = " ".join(line.split())
            if len(line) < 40 or line.startswith("|---"):
                continue
            assert where.setdefault(line, page) == page, f"in {where[line].name} and {page.name}"


def test_the_readme_summarises_the_privacy_promises_without_repeating_them() -> None:
    readme = " ".join(README.read_text(encoding="utf-8").split())
    assert "](docs/privacy.md)" in readme
    assert PRIVACY == ROOT / "docs" / "privacy.md"
    for promise in promises():
        assert promise not in readme


def test_the_readmes_two_set_up_commands_are_the_ones_ci_runs() -> None:
    section = README.read_text(encoding="utf-8").split("\n## Set up (two commands)\n")[1]
    commands = re.findall(r"```sh\n(.+?)\n```", section.split("\n## ")[0])
    assert len(commands) == 2
    # CI may set environment variables in front of a command (PostgreSQL required there).
    ci_run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    ci = [re.sub(r"\b[A-Z_]+=\S+ ", "", line) for line in ci_run.splitlines()]
    for command in commands:
        assert command in ci


def test_pointers_from_the_code_to_the_docs_resolve() -> None:
    pointers = re.compile(
        r"(README|docs/[\w-]+\.md), section ([^.\"]+)\.|see \"([^\"]+)\" in the (README)"
    )
    found = 0
    for folder in ("adapters", "bot", "coaching", "config"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in {".py", ".toml"}:
                continue
            for m in pointers.finditer(path.read_text(encoding="utf-8")):
                file, section = (m[1], m[2]) if m[1] else (m[4], m[3])
                target = ROOT / ("README.md" if file == "README" else file)
                where = path.relative_to(ROOT)
                assert target.is_file(), f"{where}: {file} does not exist"
                assert section in headings(target), f"{where}: {file} has no section {section}"
                found += 1
    assert found >= 3  # the summary's and the digest's footers, the scenario files
