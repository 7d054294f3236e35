"""The metrics text and the atomic file of :mod:`openrouter_credits.cli._prometheus`, in
process: the exact exposition after a success and after a failure, reading back the last
success time, and :class:`AtomicFile`'s promises (an existing directory refused by name,
nothing left behind, no commit outside its with block).

tests/cli/test_prometheus.py runs ``--prometheus`` end to end (promtool, node_exporter).
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import pytest
from openrouter_credits.cli._prometheus import AtomicFile, Figures, exposition, last_success

SUCCESS_TEXT = """\
# HELP openrouter_purchased_credits Total credits purchased (total_credits of GET /credits).
# TYPE openrouter_purchased_credits gauge
openrouter_purchased_credits 100.5
# HELP openrouter_used_credits Total credits used (total_usage of GET /credits).
# TYPE openrouter_used_credits gauge
openrouter_used_credits 25.75
# HELP openrouter_remaining_credits Credits remaining: total credits minus total usage.
# TYPE openrouter_remaining_credits gauge
openrouter_remaining_credits 74.75
# HELP openrouter_credits_read_success 1 if the last read of GET /credits succeeded, 0 if it failed.
# TYPE openrouter_credits_read_success gauge
openrouter_credits_read_success 1
# HELP openrouter_credits_last_success_timestamp_seconds Unix time of the last successful read of GET /credits.
# TYPE openrouter_credits_last_success_timestamp_seconds gauge
openrouter_credits_last_success_timestamp_seconds 1767225600.25
"""  # noqa: E501
FAILURE_TEXT = """\
# HELP openrouter_credits_read_success 1 if the last read of GET /credits succeeded, 0 if it failed.
# TYPE openrouter_credits_read_success gauge
openrouter_credits_read_success 0
"""
LAST_SUCCESS_TEXT = """\
# HELP openrouter_credits_last_success_timestamp_seconds Unix time of the last successful read of GET /credits.
# TYPE openrouter_credits_last_success_timestamp_seconds gauge
openrouter_credits_last_success_timestamp_seconds 1767225600.0
"""  # noqa: E501


def test_exposition_after_a_success() -> None:
    assert exposition(Figures(100.5, 25.75, 74.75, 1767225600.25)) == SUCCESS_TEXT


def test_exposition_after_a_failure() -> None:
    assert exposition(None) == FAILURE_TEXT
    assert exposition(None, 1767225600.0) == FAILURE_TEXT + LAST_SUCCESS_TEXT


def test_numbers_are_shortest_floats() -> None:
    text = exposition(Figures(1e-05, 1e16, -3.0, 0.5))
    assert "openrouter_purchased_credits 1e-05\n" in text
    assert "openrouter_used_credits 1e+16\n" in text
    assert "openrouter_remaining_credits -3.0\n" in text


def test_last_success_reads_back_what_was_written(tmp_path: Path) -> None:
    path = tmp_path / "x.prom"
    path.write_text(SUCCESS_TEXT, encoding="utf-8")
    assert last_success(str(path)) == 1767225600.25
    path.write_text(FAILURE_TEXT + LAST_SUCCESS_TEXT, encoding="utf-8")
    assert last_success(str(path)) == 1767225600.0


@pytest.mark.parametrize(
    "content",
    [
        FAILURE_TEXT.encode(),  # no last success yet
        b"openrouter_credits_last_success_timestamp_seconds -5\n",  # not a valid time
        b"openrouter_credits_last_success_timestamp_seconds 12 extra\n",
        b"\xff\xfe" + LAST_SUCCESS_TEXT.encode(),  # not UTF-8
        b"#" * 100_000 + b"\n" + LAST_SUCCESS_TEXT.encode(),  # beyond the first 64 KiB
    ],
    ids=["none", "negative", "trailing-words", "not-utf8", "too-far"],
)
def test_last_success_ignores_what_is_not_a_valid_time(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.prom"
    path.write_bytes(content)
    assert last_success(str(path)) is None


def test_last_success_of_a_missing_file(tmp_path: Path) -> None:
    assert last_success(str(tmp_path / "missing.prom")) is None
    assert last_success(str(tmp_path)) is None  # a directory


def test_an_existing_directory_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError) as caught:
        AtomicFile(str(tmp_path)).open()
    error = caught.value
    assert (error.errno, error.strerror, error.filename) == (
        errno.EISDIR,
        "is a directory",
        str(tmp_path),
    )
    assert list(tmp_path.iterdir()) == []


def test_commit_replaces_the_file_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "x.prom"
    target.write_text("old\n", encoding="utf-8")
    with AtomicFile(str(target)) as file:
        assert len(list(tmp_path.iterdir())) == 2  # the temporary file, next to it
        file.commit("new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.prom"]


def test_without_commit_nothing_changes(tmp_path: Path) -> None:
    target = tmp_path / "x.prom"
    with AtomicFile(str(target)) as file:
        pass
    file.discard()  # again: nothing to do, nothing closed
    os.fstat(1)
    assert list(tmp_path.iterdir()) == []


def test_the_temporary_file_is_hidden_and_not_prom(tmp_path: Path) -> None:
    """Named .NAME.*.tmp: the textfile collector reads only *.prom; and if it is gone
    before the end (someone cleaned up), leaving still works."""
    with AtomicFile(str(tmp_path / "x.prom")):
        (temp,) = tmp_path.iterdir()
        assert re.fullmatch(r"\.x\.prom\.[^.]+\.tmp", temp.name), temp.name
        temp.unlink()
    assert list(tmp_path.iterdir()) == []


def test_commit_outside_the_with_block_is_refused(tmp_path: Path) -> None:
    file = AtomicFile(str(tmp_path / "x.prom"))
    file.discard()  # before open: closes nothing
    os.fstat(1)  # standard output is still open
    message = "AtomicFile.commit outside its with block, or twice"
    with pytest.raises(RuntimeError) as caught:
        file.commit("x")
    assert str(caught.value) == message
    with file:
        file.commit("x\n")
        with pytest.raises(RuntimeError):
            file.commit("y\n")
    assert (tmp_path / "x.prom").read_text(encoding="utf-8") == "x\n"


def test_a_failed_commit_cannot_be_retried_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "x.prom"
    with AtomicFile(str(target)) as file:
        target.mkdir()  # the rename into place will fail
        with pytest.raises(IsADirectoryError):
            file.commit("x\n")
        with pytest.raises(RuntimeError, match="outside its with block, or twice"):
            file.commit("x\n")
    assert [p.name for p in tmp_path.iterdir()] == ["x.prom"]
    assert list(target.iterdir()) == []
