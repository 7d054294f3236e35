"""``openrouter-credits``'s exact lines around ``--prometheus``, ``--output`` and the
numbers, in process (``cli.main``) against the stand-in server: the option conflicts,
an output path that cannot be written, the metrics after a failed read, the zero-balance
note, and remaining credits computed in decimal.

tests/cli/test_prometheus.py checks the text format itself (promtool, node_exporter).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from openrouter_credits.testing import Reply, StandInServer

from .in_process import PROG, Runner, at, runner

FAILED = (
    "# HELP openrouter_credits_read_success 1 if the last read of GET /credits succeeded, "
    "0 if it failed.\n"
    "# TYPE openrouter_credits_read_success gauge\n"
    "openrouter_credits_read_success 0\n"
)
ZERO_NOTE = (
    f"{PROG}note: total credits and total usage are both 0: some deployments see this with "
    "a key that is not a management key; check the key if credits were bought "
    "(https://openrouter.ai/docs/guides/overview/auth/management-api-keys)\n"
)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Runner:
    return runner(capsys, monkeypatch)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--output", "x.prom"], "--output needs --prometheus"),
        (["--prometheus", "--json"], "--prometheus and --json cannot be combined"),
    ],
)
def test_option_conflicts(server: StandInServer, run: Runner, args: list[str], says: str) -> None:
    assert run(*at(server, *args)) == (64, "", f"{PROG}error: {says} (see --help)\n")
    assert server.requests == []


def test_output_in_a_missing_directory(server: StandInServer, run: Runner, tmp_path: Path) -> None:
    target = tmp_path / "nope" / "x.prom"
    assert run(*at(server, "--prometheus", "--output", str(target))) == (
        73,
        "",
        f"{PROG}cannot write --output {target}: cannot create a file in {target.parent}: "
        "No such file or directory\n",
    )


def test_output_that_is_a_directory(server: StandInServer, run: Runner, tmp_path: Path) -> None:
    assert run(*at(server, "--prometheus", "--output", str(tmp_path))) == (
        73,
        "",
        f"{PROG}cannot write --output {tmp_path}: it is a directory\n",
    )
    assert list(tmp_path.iterdir()) == []


def test_failed_read_publishes_only_the_success_gauge(server: StandInServer, run: Runner) -> None:
    server.script(Reply(401, body={"error": {"code": 401, "message": "revoked"}}))
    assert run(*at(server, "--prometheus")) == (
        3,
        FAILED,
        f"{PROG}the API key was rejected (HTTP 401: revoked); "
        "check OPENROUTER_API_KEY or --api-key-file\n",
    )


def test_failed_read_with_output_writes_the_gauge_to_the_file(
    server: StandInServer, run: Runner, tmp_path: Path
) -> None:
    target = tmp_path / "x.prom"
    server.script(Reply(403))
    status, out, _ = run(*at(server, "--prometheus", "--output", str(target)))
    assert (status, out) == (4, "")
    assert target.read_text(encoding="utf-8") == FAILED


@contextmanager
def _directory_appears(server: StandInServer, target: Path) -> Iterator[None]:
    """While the command waits for the server (which delays its reply), a directory takes
    the --output path: the temporary file was made, its rename will fail."""

    def make() -> None:
        deadline = time.monotonic() + 10
        while not server.requests and time.monotonic() < deadline:
            time.sleep(0.005)
        target.mkdir()
        (target / "inside").write_text("x", encoding="utf-8")

    thread = threading.Thread(target=make)
    thread.start()
    try:
        yield
    finally:
        thread.join()


@pytest.mark.parametrize(
    ("reply", "status", "first"),
    [
        (Reply(delay=0.5), 73, ""),
        (
            Reply(403, body={"error": {"code": 403, "message": "no"}}, delay=0.5),
            73,
            "the API key may not read credits (HTTP 403: no); GET /credits needs a management "
            "key: https://openrouter.ai/docs/guides/overview/auth/management-api-keys; and ",
        ),
    ],
    ids=["after-a-read", "after-a-failed-read"],
)
def test_output_that_cannot_be_renamed_into_place(
    server: StandInServer, run: Runner, tmp_path: Path, reply: Reply, status: int, first: str
) -> None:
    target = tmp_path / "x.prom"
    server.script(reply)
    with _directory_appears(server, target):
        result = run(*at(server, "--prometheus", "--output", str(target)))
    assert result == (
        status,
        "",
        f"{PROG}{first}cannot write --output {target}: it is a directory\n",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.prom"]  # no temporary file left


@pytest.mark.parametrize(
    ("total", "usage", "note"), [(0, 0, ZERO_NOTE), (0, 5, ""), (5, 0, ""), (0.0, 0.0, ZERO_NOTE)]
)
def test_zero_balance_note(
    server: StandInServer, run: Runner, total: float, usage: float, note: str
) -> None:
    server.script(Reply(body={"data": {"total_credits": total, "total_usage": usage}}))
    status, _, err = run(*at(server, "--json"))
    assert (status, err) == (0, note)


@pytest.mark.parametrize(
    ("total", "usage", "remaining"),
    [(1, 0.9, 0.1), (0.3, 0.1, 0.2), (100, 25, 75), (7, 10, -3), (2.5, 1, 1.5)],
    # the client reads a JSON 1 as 1.0: the output shows what it read
)
def test_remaining_is_computed_in_decimal(
    server: StandInServer, run: Runner, total: float, usage: float, remaining: float
) -> None:
    server.script(Reply(body={"data": {"total_credits": total, "total_usage": usage}}))
    status, out, _ = run(*at(server, "--json"))
    assert status == 0
    read = {"total_credits": float(total), "total_usage": float(usage)}
    assert out == json.dumps({**read, "remaining": float(remaining)}) + "\n"


def test_successful_read_publishes_the_figures(server: StandInServer, run: Runner) -> None:
    status, out, err = run(*at(server, "--prometheus"))
    assert (status, err) == (0, "")
    assert "\nopenrouter_remaining_credits 74.75\n" in out
    assert "\nopenrouter_credits_read_success 1\n" in out
