"""The maintainer's path ends green: CONTRIBUTING.md's upstream-change workflow, run as
written in a copy of the repository with a new optional field upstream, then ``make test``
there with the tests that depend on the spec and the release state.

The copy imports its own package (``PYTHONPATH``), so the public API the release check
sees is the regenerated one; the shared ``.venv`` is never rebuilt from the copy. The page
starts right after a release: the copy is made so (``make release-record``), whatever state
the tree is in, and the page's versions and field name are read as that release's, the
next one and a field upstream does not have yet.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Final

import pytest

from tools.api_changes import Level, next_version

from ..docs.console import ROOT, Session, blocks, copy_repository, session_env
from ..docs.test_examples import compare
from .test_end_to_end import add_optional_field

PAGE: Final = ROOT / "CONTRIBUTING.md"
#: The field upstream adds on the page (not the one tests/spec/test_end_to_end.py adds),
#: the release the page starts from and the version it bumps to.
PAGE_FIELD: Final = "reserved_credits"
PAGE_RELEASE: Final = "0.1.0"
PAGE_NEXT: Final = "0.1.1"
DIRECTIVE: Final = "run by tests/spec/test_upstream_workflow.py"
#: What ``make test`` runs at the end: the tests that read the spec and the release state.
#: Not test_release.py's scenarios nor test_end_to_end.py: each works in a copy of its own
#: from a state it makes there (a release it records, a field it adds) and reads none of
#: the release state this page leaves.
DEPENDENT_TESTS: Final = (
    "tests/spec/test_release.py::test_the_recorded_release_matches_the_tree "
    "tests/spec/test_api_changes.py tests/shipping/test_wheel.py"
)


@pytest.mark.skipif(
    not (ROOT / ".venv" / ".setup-stamp").exists() or shutil.which("make") is None,
    reason="needs the checkout's .venv (make setup) and make",
)
def test_the_documented_upstream_change_ends_green(tmp_path: Path) -> None:
    (block,) = [b for b in blocks(PAGE) if b.directive == DIRECTIVE]
    repo = copy_repository(tmp_path / "repo", checked=True)
    env = {**session_env(repo), "PYTHONPATH": str(repo / "overlays")}
    pinned = (ROOT / "spec" / "upstream" / "openrouter-openapi.yaml").read_text(encoding="utf-8")
    field = next(
        name
        for name in (PAGE_FIELD, *(f"{PAGE_FIELD}_{n}" for n in range(2, 100)))
        if f" {name}:\n" not in pinned
    )
    download = tmp_path / "openrouter-openapi.yaml"  # ../openrouter-openapi.yaml, as written
    download.write_text(add_optional_field(pinned, field))
    with Session(repo, env) as session:
        recorded = session.run("make release-record")
    assert re.search(r"spec/released/ (now|already) records", recorded), recorded
    release = (repo / "spec" / "released" / "version").read_text(encoding="utf-8").strip()
    bumped = next_version(release, Level.MINOR)

    def adapt(text: str) -> str:
        text = text.replace(PAGE_NEXT, "\0").replace(PAGE_RELEASE, release)
        return text.replace("\0", bumped).replace(PAGE_FIELD, field)

    commands = [(adapt(command), adapt(expected)) for command, expected in block.commands()]
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
