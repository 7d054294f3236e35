"""Every cross-reference resolves: markdown links (and their ``#anchors``) in every page of
the repository, and the references to the docs that docstrings and comments make under
overlays/, tools/ and tests/ (``docs/x.md#anchor``, ``README "Section"``,
``CONTRIBUTING.md, "Section"``). Links to other sites are not fetched.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Final

import pytest

from .console import ROOT

SKIP_DIRS: Final = {".git", ".venv", "node_modules", "build", "dist", "generated", ".pytest_cache"}
CODE_DIRS: Final = ("overlays", "tools", "tests", "bench")
INLINE: Final = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
IMAGE: Final = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
REFERENCE: Final = re.compile(r"^\[[^\]]+\]:[ \t]+(\S+)", re.M)
#: README "Section", README.md, "Section", CONTRIBUTING.md ("Section" ...
SECTION_REF: Final = re.compile(r"\b(README|CONTRIBUTING)(?:\.md)?,?\s+\(?\"([^\"]+)\"")
DOC_REF: Final = re.compile(
    r"(?<![\w/.-])((?:docs/[\w/.-]+\.md|README\.md|CONTRIBUTING\.md|BENCHMARKS\.md)(?:#[\w-]+)?)"
)
#: A path into the repository, as the docs name files: it must exist.
REPO_PATH: Final = re.compile(
    r"(?<![\w/.~-])((?:tests|tools|overlays|bench|spec|templates|requirements|docs)/[\w/.-]*\w)"
)


def markdown_files() -> list[Path]:
    return sorted(
        p
        for p in ROOT.rglob("*.md")
        if not SKIP_DIRS & set(p.relative_to(ROOT).parts) and p.is_file()
    )


def code_files() -> list[Path]:
    return sorted(
        p
        for d in CODE_DIRS
        for p in (ROOT / d).rglob("*")
        if p.suffix in {".py", ".toml"} and "__pycache__" not in p.parts
    )


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@cache
def headings(page: Path) -> tuple[list[str], set[str]]:
    """The page's headings and their anchors (repeats numbered as GitHub does)."""
    titles, anchors, seen = [], set(), dict[str, int]()
    in_fence = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith(("```", "~~~")):
            in_fence = not in_fence
        match = None if in_fence else re.match(r"^#{1,6} (.+?)\s*#*$", line)
        if match:
            title = match.group(1)
            titles.append(title)
            base = slug(title)
            n = seen.get(base, 0)
            anchors.add(base if n == 0 else f"{base}-{n}")
            seen[base] = n + 1
    return titles, anchors


def resolve(source: Path, target: str) -> str | None:
    """Why ``target``, linked from ``source``, does not resolve (``None``: it does)."""
    if re.match(r"^[a-z][a-z+.-]*:", target):  # https:, mailto: ...
        return None
    path, _, anchor = target.partition("#")
    file = (source.parent / path).resolve() if path else source
    if not file.exists():
        shown = file.relative_to(ROOT) if file.is_relative_to(ROOT) else file
        return f"{target}: {shown} does not exist"
    if anchor and file.suffix == ".md" and anchor not in headings(file)[1]:
        return f"{target}: no heading with the anchor #{anchor} in {file.relative_to(ROOT)}"
    return None


@pytest.mark.parametrize("page", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_in_the_page_resolves(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)  # code is not links
    targets = INLINE.findall(text) + IMAGE.findall(text) + REFERENCE.findall(text)
    problems = [p for t in targets if (p := resolve(page, t))]
    assert not problems, "\n".join(problems)


def section_problem(page: str, section: str) -> str | None:
    titles = headings(ROOT / f"{page}.md")[0]
    plain = [re.sub(r"[`*]", "", t) for t in titles]
    if section in titles or section in plain:
        return None
    return f'{page} "{section}": no such section'


def test_every_repository_path_the_docs_name_exists() -> None:
    problems = []
    for page in markdown_files():
        text = page.read_text(encoding="utf-8")
        for path in REPO_PATH.findall(text):
            if "*" not in path and not (ROOT / path).exists() and not (page.parent / path).exists():
                problems.append(f"{page.relative_to(ROOT)}: {path} does not exist")
    assert not problems, "\n".join(problems)


def test_every_reference_to_the_docs_from_the_code_resolves() -> None:
    problems = []
    for file in code_files():
        if file == Path(__file__):
            continue  # its docstring shows the forms
        text = file.read_text(encoding="utf-8")
        where = file.relative_to(ROOT)
        for page, section in SECTION_REF.findall(text):
            if problem := section_problem(page, " ".join(section.split())):
                problems.append(f"{where}: {problem}")
        for target in DOC_REF.findall(text):
            if problem := resolve(ROOT / "x", target):
                problems.append(f"{where}: {problem}")
    assert not problems, "\n".join(problems)


def test_section_references_in_the_docs_resolve() -> None:
    problems = []
    for page in markdown_files():
        text = page.read_text(encoding="utf-8")
        for name, section in SECTION_REF.findall(text):
            section = re.sub(r"^\[(.*)\]\(.*\)$", r"\1", " ".join(section.split()))
            if problem := section_problem(name, section):
                problems.append(f"{page.relative_to(ROOT)}: {problem}")
    assert not problems, "\n".join(problems)
