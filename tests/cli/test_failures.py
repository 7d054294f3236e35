"""Failures: one line on standard error and a distinct exit status each."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from openrouter_credits import errors
from openrouter_credits.testing import Reply, StandInServer, free_port

from .conftest import (
    IN,
    KEY,
    RUN_TIMEOUT,
    SUB,
    Runner,
    at,
    key_env,
    one_line,
    pick,
    run_subprocess,
)

# --- failures: one line on stderr, a distinct status ---------------------------------


def test_unauthorized(server: StandInServer) -> None:
    server.script(Reply(401))
    result = run_subprocess(*at(server))
    assert (result.returncode, result.stdout) == (3, "")
    line = one_line(result.stderr)
    assert "HTTP 401" in line and "Missing Authentication header" in line


def test_unauthorized_with_an_undocumented_body(server: StandInServer) -> None:
    server.script(Reply(401, body="<html>\n<h1>Denied</h1>\n</html>"))
    result = run_subprocess(*at(server))
    assert result.returncode == 3
    assert "<h1>Denied</h1>" in one_line(result.stderr)


def test_forbidden(server: StandInServer) -> None:
    server.script(Reply(403))
    result = run_subprocess(*at(server))
    assert (result.returncode, result.stdout) == (4, "")
    line = one_line(result.stderr)
    assert "HTTP 403" in line and "management key" in line


@pytest.mark.parametrize(
    ("status", "how"),
    [(500, SUB), (404, SUB), (502, IN), (503, IN), (429, IN), (302, IN), (418, IN)],
)
def test_server_errors_and_unexpected_statuses(
    server: StandInServer, call: Runner, status: int, how: str
) -> None:
    server.script(Reply(status, headers={"Location": "https://example.org/"}))
    result = pick(how, call)(*at(server, "--no-retries"))
    assert (result.returncode, result.stdout) == (5, "")
    assert f"HTTP {status}" in one_line(result.stderr)
    assert len(server.requests) == 1  # --no-retries: one attempt


def test_server_error_after_the_retries(server: StandInServer) -> None:
    server.default = Reply(500, headers={"Retry-After": "0"})
    result = run_subprocess(*at(server, "-v"))
    assert result.returncode == 5
    lines = result.stderr.splitlines()
    assert [line.startswith("openrouter-credits: retrying") for line in lines] == [
        True,
        True,
        False,
    ]
    assert "HTTP 500" in lines[-1]
    assert len(server.requests) == 3


def test_connection_refused() -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    result = run_subprocess("--server-url", url, "--no-retries")
    assert (result.returncode, result.stdout) == (6, "")
    assert "network error" in one_line(result.stderr)


def test_timeout(server: StandInServer) -> None:
    server.script(Reply(delay=5.0))
    result = run_subprocess(*at(server, "--timeout", "0.3", "--no-retries"))
    assert (result.returncode, result.stdout) == (6, "")
    assert "timed out" in one_line(result.stderr)


@pytest.mark.parametrize(
    ("reply", "how"),
    [
        (Reply(body="this is not JSON", content_type="application/json"), SUB),
        (Reply(body={"data": {"total_credits": 1.0}}), IN),
        (Reply(body={"data": {"total_credits": "many", "total_usage": 1}}), IN),
        (Reply(body=b""), IN),
    ],
    ids=["not-json", "missing-field", "wrong-type", "empty"],
)
def test_invalid_response(server: StandInServer, call: Runner, reply: Reply, how: str) -> None:
    server.script(reply)
    result = pick(how, call)(*at(server))
    assert (result.returncode, result.stdout) == (7, "")
    assert "invalid response" in one_line(result.stderr)


@pytest.mark.parametrize(
    ("args", "how"),
    [
        (["--bogus"], SUB),
        (["--timeout", "0"], IN),
        (["--timeout", "soon"], IN),
        (["--min-remaining", "lots"], IN),
        (["--min-remaining", "nan"], IN),
        (["--categories", "cli-agent\r\nX-Evil: 1"], SUB),
        (["--title", "line\nbreak"], IN),
        (["--server-url", "ftp://example.org"], IN),
    ],
)
def test_usage_errors(server: StandInServer, call: Runner, args: list[str], how: str) -> None:
    result = pick(how, call)(*at(server, *args))
    assert (result.returncode, result.stdout) == (64, "")
    assert "error" in one_line(result.stderr)
    assert server.requests == []


def _interruptible() -> None:
    """In the child: Ctrl-C as at a terminal, even when this run's shell ignores SIGINT
    (a job started with ``&``), which a Python started then would inherit."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_exits_130_quietly(server: StandInServer) -> None:
    server.script(Reply(delay=30.0))
    with subprocess.Popen(
        [sys.executable, "-m", "openrouter_credits", *at(server)],
        env=key_env(KEY),
        preexec_fn=_interruptible,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        deadline = time.monotonic() + RUN_TIMEOUT
        while not server.requests and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.requests, "the command never reached the server"
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=RUN_TIMEOUT)
    assert (process.returncode, stdout, stderr) == (130, "", "")


def test_a_bug_is_one_line_with_status_1_and_never_the_key(
    server: StandInServer, call: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception no rule expects (a bug; here an error class the client never raises)
    still ends in one line naming it, status 1, no traceback, the key blanked."""

    class Surprise(errors.OpenRouterBaseError):
        pass

    def broken(*args: object, **kwargs: object) -> None:
        raise Surprise(f"lost the key {KEY}")

    monkeypatch.setattr("openrouter_credits.cli._common.read_credits", broken)
    result = call(*at(server))
    assert (result.returncode, result.stdout) == (1, "")
    line = one_line(result.stderr)
    assert line.startswith("openrouter-credits: internal error: Surprise: lost the key ")
    assert KEY not in line
