"""``make test-matrix`` (tools/matrix.py): what it tests, what it skips, when it fails.

The cells themselves run in CI (``.ci/run``); here only the decisions, with the cell
runner replaced (no venv is made).
"""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

from tools import matrix

ROOT = Path(__file__).resolve().parents[2]


def test_the_promised_pythons_are_the_classifiers_from_the_floor_up() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == f">={matrix.VERSIONS[0]}"
    assert matrix.classifier_versions() == ["3.11", "3.12", "3.13"]


def test_a_python_not_found_is_a_visible_skip(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        matrix.main(["--wheel", "x.whl", "--python", "3.99"]) == 2
    )  # nothing ran: a failure, not a pass
    out, err = capsys.readouterr()
    assert "SKIP python3.99: no CPython 3.99 found on this machine" in out
    assert "no cell to run" in err


def test_one_failed_cell_fails_the_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "py3.11-lowest.log").write_text("the cell's output\n")

    def run_cell(name: str, python: str, resolution: str, *args: object) -> str:
        if resolution == "lowest":
            raise subprocess.CalledProcessError(1, ["pytest"])
        return "httpx=0.28.1"

    monkeypatch.setattr(matrix, "run_cell", run_cell)
    monkeypatch.setattr(matrix, "WORK", tmp_path)
    assert matrix.main(["--wheel", str(tmp_path / "x.whl"), "--python", "3.11"]) == 1
    out = capsys.readouterr().out
    assert "FAIL py3.11-lowest" in out and "the cell's output" in out
    assert "ok   py3.11-highest" in out and "httpx=0.28.1" in out
    assert "test-matrix: 1/2 cells passed" in out and "failed: py3.11-lowest" in out


def test_the_subset_exists_and_leaves_out_only_what_it_says() -> None:
    for path in (*matrix.SUBSET, *matrix.LEFT_OUT):
        assert (ROOT / path).exists(), path
    assert all(path.startswith(matrix.SUBSET) for path in matrix.LEFT_OUT)


def test_test_only_packages_are_pinned_by_the_dev_lock() -> None:
    pins = matrix.pins(matrix.LOCK.read_text())
    for name in matrix.TEST_REQUIREMENTS:
        assert name in pins, name
