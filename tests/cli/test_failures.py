"""Failures: one line on standard error and a distinct exit status each; the exact
failure lines and usage errors in process (``cli.main``)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from openrouter_credits import __version__, errors
from openrouter_credits.testing import Reply, StandInServer, free_port

from .conftest import (
    IN,
    KEY,
    MANAGEMENT,
    PROG,
    RUN_TIMEOUT,
    SUB,
    InProcess,
    Runner,
    at,
    key_env,
    one_line,
    pick,
    run_subprocess,
)

# --- failures: one line on stderr, a distinct status ----------------------------------


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


# --- in process: exact failure lines --------------------------------------------------


def test_forbidden_line_quotes_the_server_message(server: StandInServer, run: InProcess) -> None:
    server.script(Reply(403, body={"error": {"code": 403, "message": "custom words"}}))
    assert run(*at(server)) == (
        4,
        "",
        f"{PROG}the API key may not read credits (HTTP 403: custom words); "
        f"GET /credits needs a management key: {MANAGEMENT}\n",
    )


def test_unauthorized_line_quotes_the_server_message(server: StandInServer, run: InProcess) -> None:
    server.script(Reply(401, body={"error": {"code": 401, "message": "key revoked"}}))
    assert run(*at(server)) == (
        3,
        "",
        f"{PROG}the API key was rejected (HTTP 401: key revoked); "
        "check OPENROUTER_API_KEY or --api-key-file\n",
    )


@pytest.mark.parametrize("status", [401, 403])
def test_undocumented_body_is_quoted_short_and_on_one_line(
    server: StandInServer, run: InProcess, status: int
) -> None:
    words = " ".join(f"w{i:03d}" for i in range(100))  # 499 characters
    server.script(Reply(status, body=f"<p>\n  {words}\n</p>"))
    err = run(*at(server))[2]
    text = " ".join(f"<p> {words} </p>".split())
    assert f"(HTTP {status}: {text[:200] + '…'!r})" in err
    assert err.count("\n") == 1
    server.script(Reply(status, body=b""))
    assert f"(HTTP {status}: empty body)" in run(*at(server))[2]


def test_short_undocumented_body_is_quoted_whole(server: StandInServer, run: InProcess) -> None:
    server.script(Reply(403, body="x" * 200))
    assert f"(HTTP 403: {'x' * 200!r})" in run(*at(server))[2]


@pytest.mark.parametrize(
    ("reply", "status", "start"),
    [
        (Reply(503), 5, "server error: unexpected response: HTTP 503 Service Unavailable"),
        (Reply(500), 5, "server error: HTTP 500 Internal Server Error: Internal Server Error"),
        (Reply(body=b"[]", content_type="application/json"), 7, "invalid response: HTTP 200"),
    ],
)
def test_failure_lines_start_with_their_kind(
    server: StandInServer, run: InProcess, reply: Reply, status: int, start: str
) -> None:
    server.script(reply)
    result = run(*at(server, "--no-retries"))
    assert result[:2] == (status, "")
    assert result[2].startswith(PROG + start)


def test_connection_refused_is_a_network_error(run: InProcess) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    status, out, err = run("--server-url", url, "--no-retries")
    assert (status, out) == (6, "")
    assert err.startswith(f"{PROG}network error: GET {url}/credits failed after 1 attempt:")


def test_key_in_the_server_url_is_redacted_from_the_failure_line(run: InProcess) -> None:
    url = f"http://127.0.0.1:{free_port()}/{KEY}/api/v1"
    status, _, err = run("--server-url", url, "--no-retries")  # run() checks KEY is absent
    assert status == 6
    assert "/[redacted]/api/v1/credits failed" in err


# --- in process: usage errors ---------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--frobnicate"], "unrecognized option --frobnicate (see --help)"),
        (["--a=secret-value", "--b"], "unrecognized options --a, --b (see --help)"),
        (["stray"], "1 unexpected argument (not shown) (see --help)"),
        (
            ["--x=1", "stray", "words"],
            "unrecognized option --x; 2 unexpected arguments (not shown) (see --help)",
        ),
        (["--opt=a=b"], "unrecognized option --opt (see --help)"),  # named to the first =
    ],
)
def test_unknown_options_are_named_and_other_words_counted(
    server: StandInServer, run: InProcess, args: list[str], says: str
) -> None:
    status, out, err = run(*at(server, *args))
    assert (status, out) == (64, "")
    assert err == f"{PROG}error: {says}\n"
    for hidden in ("secret-value", "stray", "words", "=1"):
        assert hidden not in err
    assert server.requests == []


def test_bad_server_url_names_the_option_and_is_shown_as_given(run: InProcess) -> None:
    """The option is renamed in the message, not in the URL it quotes."""
    url = "ftp://server_url x"
    assert run("--server-url", url) == (
        64,
        "",
        f"{PROG}error: --server-url {url!r} must be an http:// or https:// URL with a host\n",
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--timeout", "0"], "--timeout: must be a positive number of seconds, got '0'"),
        (["--timeout", "-1"], "--timeout: must be a positive number of seconds, got '-1'"),
        (["--timeout", "inf"], "--timeout: must be a positive number of seconds, got 'inf'"),
        (["--timeout", "nan"], "--timeout: must be a positive number of seconds, got 'nan'"),
        (["--timeout", "soon"], "--timeout: not a number of seconds: 'soon'"),
        (["--min-remaining", "lots"], "--min-remaining: not a number: 'lots'"),
        (["--min-remaining", "nan"], "--min-remaining: must be a finite number, got 'nan'"),
        (["--min-remaining=-inf"], "--min-remaining: must be a finite number, got '-inf'"),
    ],
)
def test_bad_option_value_is_a_usage_error_naming_it(
    run: InProcess, args: list[str], says: str
) -> None:
    assert run(*args) == (64, "", f"{PROG}error: argument {says} (see --help)\n")


def test_version_and_help_exit_0(run: InProcess) -> None:
    status, out, _ = run("--version")
    assert (status, out) == (0, f"openrouter-credits {__version__}\n")
