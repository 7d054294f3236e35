"""The maintainer's path ends green: CONTRIBUTING.md's upstream-change workflow, run as
written in a copy of the repository with a new optional field upstream, then ``make test``
there with the tests that depend on the spec and the release state.

The copy imports its own package (``PYTHONPATH``), so the public API the release check
sees is the regenerated one; the shared ``.venv`` is never rebuilt from the copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Final

import pytest

from ..docs.console import ROOT, Session, blocks, copy_repository, session_env
from ..docs.test_examples import compare
from .test_end_to_end import add_optional_field

PAGE: Final = ROOT / "CONTRIBUTING.md"
#: The field upstream adds (not the one tests/spec/test_end_to_end.py adds after it).
NEW_FIELD: Final = "reserved_credits"
DIRECTIVE: Final = "run by tests/spec/test_upstream_workflow.py"
#: What ``make test`` runs at the end: the tests that read the spec and the release state.
DEPENDENT_TESTS: Final = (
    "tests/spec/test_release.py tests/spec/test_api_changes.py tests/spec/test_end_to_end.py "
    "tests/shipping/test_wheel.py"
)


@pytest.mark.skipif(
    not (ROOT / ".venv" / ".setup-stamp").exists() or shutil.which("make") is None,
    reason="needs the checkout's .venv (make setup) and make",
)
def test_the_documented_upstream_change_ends_green(tmp_path: Path) -> None:
    (block,) = [b for b in blocks(PAGE) if b.directive == DIRECTIVE]
    repo = copy_repository(tmp_path / "repo")
    pinned = ROOT / "spec" / "upstream" / "openrouter-openapi.yaml"
    download = tmp_path / "openrouter-openapi.yaml"  # ../openrouter-openapi.yaml, as written
    download.write_text(add_optional_field(pinned.read_text(encoding="utf-8"), NEW_FIELD))
    env = {**session_env(repo), "PYTHONPATH": str(repo / "overlays")}
    commands = block.commands()
    assert commands[-1][0] == "make test", "the workflow ends with make test"
    problems = []
    with Session(repo, env) as session:
        for command, expected in commands[:-1]:
            problem = compare(block, command, expected, session.run(command), repo)
            if problem:
                problems.append(problem)
        assert not problems, "\n\n".join(problems)
        test = f'make test PYTEST_WORKERS=0 PYTEST_ARGS="-p no:randomly {DEPENDENT_TESTS}"'
        output = session.run(f'{test}; echo "make test exit $?"', timeout=900)
    assert output.endswith("make test exit 0\n"), output[-6000:]
