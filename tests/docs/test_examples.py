"""Every console example in README.md, CONTRIBUTING.md and docs/ runs, and shows what it
says it shows (tests/docs/console.py: how a page is run and compared).

README and CONTRIBUTING run in a copy of the repository (their commands are ``make``
targets); a page under docs/ runs in an empty directory, as a user's shell would. Python
blocks written to a file that no console block of the page runs (README's examples) are
run here with the default server pointed at a stand-in server and a key in the
environment: that is their one premise, as "with the key in OPENROUTER_API_KEY" says.
"""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Final

import pytest
from openrouter_credits.testing import StandInServer

from .console import (
    ROOT,
    Block,
    Session,
    blocks,
    copy_repository,
    matches,
    normalise,
    pages,
    session_env,
)

#: The few console blocks not run, by page and first command: each needs what a test
#: cannot have (the real API, an internal index) or is this suite itself.
NOT_RUN: Final = {
    (
        "README.md",
        "pip install --index-url https://pypi.internal.example/simple/ openrouter-credits",
    ),
    ("README.md", "make setup"),
    ("README.md", "make test"),
    ("CONTRIBUTING.md", "make test"),
    ("docs/command-line.md", "OPENROUTER_API_KEY=sk-or-v1-... openrouter-credits"),
}
IN_A_COPY: Final = ("README.md", "CONTRIBUTING.md")
#: Runs a Python example with the default server replaced by the stand-in's.
PRELUDE: Final = (
    "import os, runpy, sys\n"
    "from openrouter_credits import _constants\n"
    "_constants.SERVERS['production'] = os.environ['DOC_TEST_SERVER_URL']\n"
    "runpy.run_path(sys.argv[1], run_name='__main__')\n"
)


def name(page: Path) -> str:
    return str(page.relative_to(ROOT))


def console_blocks() -> list[Block]:
    return [b for page in pages() for b in blocks(page) if b.lang == "console"]


def test_the_blocks_not_run_are_these_few() -> None:
    not_run = {
        (name(b.page), b.commands()[0][0].split(" #")[0].strip())
        for b in console_blocks()
        if (b.directive or "").startswith("not run: ")
    }
    assert not_run == NOT_RUN


def test_blocks_run_elsewhere_name_a_test_that_reads_their_page() -> None:
    for block in console_blocks():
        directive = block.directive or ""
        if directive.startswith("run by "):
            test = ROOT / directive.removeprefix("run by ")
            assert test.is_file(), f"{block.where}: {test} does not exist"
            assert name(block.page) in test.read_text(encoding="utf-8"), block.where


def test_every_directive_is_known() -> None:
    known = re.compile(r"not run: .+|run by tests/\S+\.py|file [\w.-]+|needs [\w.-]+")
    for page in pages():
        for block in blocks(page):
            assert block.directive is None or known.fullmatch(block.directive), block.where
        text = page.read_text(encoding="utf-8")
        for line in re.findall(r"^<!-- doc-test:.*$", text, re.M):
            assert any(b.directive and b.directive in line for b in blocks(page)), (
                f"{name(page)}: {line!r} is not just before a block"
            )


def test_every_python_block_compiles() -> None:
    """Fragments (a keyword, a retry policy) cannot run alone, but must still be Python."""
    for page in pages():
        for block in blocks(page):
            if block.lang == "python":
                try:
                    compile(block.text, block.where, "exec")
                except SyntaxError as exc:
                    pytest.fail(f"{block.where}: {exc}")


def write_files(page: Path, directory: Path) -> list[str]:
    written = []
    for block in blocks(page):
        if block.directive and block.directive.startswith("file "):
            file = block.directive.removeprefix("file ")
            (directory / file).write_text(block.text + "\n", encoding="utf-8")
            written.append(file)
    return written


def run_python_examples(page: Path, files: list[str], directory: Path) -> list[str]:
    """The page's Python files that no console command runs: each must run and print."""
    commands = " ".join(c for b in blocks(page) if b.lang == "console" for c, _ in b.commands())
    problems = []
    for file in files:
        if not file.endswith(".py") or file in commands:
            continue
        with StandInServer() as server:
            env = {**session_env(directory), "OPENROUTER_API_KEY": "sk-or-v1-doc-example"}
            env["DOC_TEST_SERVER_URL"] = server.base_url
            run = subprocess.run(
                [sys.executable, "-c", PRELUDE, file],
                cwd=directory,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            seen = len(server.requests)
        if run.returncode != 0 or not run.stdout or seen != 1:
            problems.append(
                f"{name(page)}: {file}: exit {run.returncode}, {seen} requests\n"
                f"{run.stdout}{run.stderr}"
            )
    return problems


def compare(block: Block, command: str, expected: str, actual: str, directory: Path) -> str:
    want, got = normalise(expected), normalise(actual, directory)
    if matches(want, got):
        return ""
    lines = difflib.unified_diff(
        want.splitlines(), got.splitlines(), "documented", "actual", lineterm=""
    )
    diff = "\n".join(lines)
    return f"{block.where}: $ {command}\n{diff}"


@pytest.mark.parametrize("page", pages(), ids=name)
def test_the_page_examples_run_as_shown(page: Path, tmp_path: Path) -> None:
    if name(page) in IN_A_COPY:
        directory = copy_repository(tmp_path / "repo")
    else:
        directory = tmp_path / "work"
        directory.mkdir()
    files = write_files(page, directory)
    problems = run_python_examples(page, files, directory)
    skipped = []
    env = session_env(directory)
    with Session(directory, env) as session:
        for block in blocks(page):
            if block.lang != "console":
                continue
            directive = block.directive or ""
            if directive.startswith(("not run: ", "run by ")):
                continue
            if directive.startswith("needs "):
                program = directive.removeprefix("needs ")
                if shutil.which(program, path=env["PATH"]) is None:
                    skipped.append(f"{block.where}: {program} is not installed")
                    continue
            for command, expected in block.commands():
                actual = session.run(command)
                problem = compare(block, command, expected, actual, directory)
                if problem:
                    problems.append(problem)
    assert not problems, "\n\n".join(problems)
    if skipped:
        pytest.skip("; ".join(skipped))
