"""A command run as its process's own program (``argv`` None: ``sys.argv``) takes what it
imported out of the garbage collector's view (``gc.freeze()``: BENCHMARKS.md section 5);
called with ``argv``, as tests and programs of yours call it, it leaves the collector alone.
A fresh interpreter shows it: this one's collector stays as it is.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

RUN = """
import gc, sys
from openrouter_credits.cli import {module}
before = gc.get_freeze_count()
{module}.main(["--version"])
given = gc.get_freeze_count()
sys.argv = ["command", "--version"]
{module}.main(None)
print(before, given, gc.get_freeze_count())
"""


@pytest.mark.parametrize("module", ["_credits", "_plugin"])
def test_only_a_process_program_freezes_its_imports(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", RUN.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    versions, counts = done.stdout.splitlines()[:2], done.stdout.splitlines()[2]
    assert [line.split()[-1] for line in versions] == [versions[0].split()[-1]] * 2  # both ran
    before, given, after = map(int, counts.split())
    assert given == before
    assert after > before
