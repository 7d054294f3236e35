"""``make help`` lists every target of the Makefile, each with its one-line description."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def phony_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return {t for line in re.findall(r"^\.PHONY:(.*)$", text, re.M) for t in line.split()}


def rule_names() -> set[str]:
    """Every rule whose name is a plain word (file targets are spelled with variables)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][a-z-]*):(?!=)", text, re.M))


def test_every_rule_is_phony() -> None:
    assert rule_names() == phony_targets()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_help_lists_every_target() -> None:
    run = subprocess.run(
        ["make", "--no-print-directory", "-s", "help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    listed = [line.split()[0] for line in run.stdout.splitlines()]
    assert sorted(listed) == sorted(phony_targets())
    for line in run.stdout.splitlines():
        assert len(line.split(maxsplit=1)) == 2, f"no description: {line!r}"
