"""The ``openrouter-credits`` command, run as a subprocess against the stand-in server.

Every subprocess run goes through `run`, which also checks the promises that hold for all
of them: no traceback on standard error, and the API key in no output at all.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from openrouter_credits import __version__, cli
from openrouter_credits.testing import Reply, StandInServer, free_port

ROOT = Path(__file__).resolve().parent.parent
#: The key every run uses; searched for in every output.
KEY = "sk-or-v1-CLI-SENTINEL-9f8e7d6c5b4a"
TABLE = "total credits  100.5000\ntotal usage     25.7500\nremaining       74.7500\n"
EXAMPLE = {"total_credits": 100.5, "total_usage": 25.75, "remaining": 74.75}
RUN_TIMEOUT = 60.0


@pytest.fixture
def stand_in() -> Iterator[StandInServer]:
    with StandInServer() as server:
        yield server


def _env(key: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENROUTER_API_KEY"}
    if key is not None:
        env["OPENROUTER_API_KEY"] = key
    return env


def check_outputs(stdout: str, stderr: str, *secrets: str) -> None:
    assert "Traceback" not in stderr
    for secret in (KEY, *secrets):
        assert secret not in stdout
        assert secret not in stderr


def run(
    *args: str,
    key: str | None = KEY,
    stdin: str | None = None,
    secrets: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """``python -m openrouter_credits ARGS`` with ``OPENROUTER_API_KEY=key`` (unset: None)."""
    result = subprocess.run(
        [sys.executable, "-m", "openrouter_credits", *args],
        env=_env(key),
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    check_outputs(result.stdout, result.stderr, *secrets)
    return result


Runner = Callable[..., subprocess.CompletedProcess[str]]
SUB, IN = "subprocess", "in-process"


@pytest.fixture
def call(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Runner:
    """`run`'s twin that calls ``cli.main`` in this process: for the variants of a case
    whose first form runs as a subprocess (faster, same code)."""

    def call(*args: str, key: str | None = KEY) -> subprocess.CompletedProcess[str]:
        if key is None:
            monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
        else:
            monkeypatch.setenv("OPENROUTER_API_KEY", key)
        capsys.readouterr()
        status = cli.main(list(args))
        out, err = capsys.readouterr()
        check_outputs(out, err)
        return subprocess.CompletedProcess(list(args), status, out, err)

    return call


def pick(how: str, call: Runner) -> Runner:
    return run if how == SUB else call


def at(server: StandInServer, *args: str) -> list[str]:
    return ["--server-url", server.base_url, *args]


def one_line(stderr: str) -> str:
    """The single line a failure prints (prefixed with the program name)."""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("openrouter-credits: ")
    return lines[0]


# --- success ------------------------------------------------------------------------


def test_table(stand_in: StandInServer) -> None:
    result = run(*at(stand_in))
    assert (result.returncode, result.stdout, result.stderr) == (0, TABLE, "")
    (request,) = stand_in.requests
    assert request.path == "/api/v1/credits"
    assert request.headers["authorization"] == f"Bearer {KEY}"


def test_json(stand_in: StandInServer) -> None:
    result = run(*at(stand_in, "--json"))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.count("\n") == 1
    assert json.loads(result.stdout) == EXAMPLE


@pytest.mark.parametrize(
    ("minimum", "status", "how"),
    [("100", 2, SUB), ("74.7501", 2, IN), ("74.75", 0, IN), ("10", 0, SUB), ("-5", 0, IN)],
)
def test_min_remaining(
    stand_in: StandInServer, call: Runner, minimum: str, status: int, how: str
) -> None:
    result = pick(how, call)(*at(stand_in, "--min-remaining", minimum))
    assert result.returncode == status
    assert result.stdout == TABLE  # printed either way
    if status == 2:
        line = one_line(result.stderr)
        assert "74.7500" in line and "below --min-remaining" in line
    else:
        assert result.stderr == ""


def test_min_remaining_with_json(stand_in: StandInServer) -> None:
    result = run(*at(stand_in, "--json", "--min-remaining", "1000"))
    assert result.returncode == 2
    assert json.loads(result.stdout) == EXAMPLE


def test_attribution_headers_reach_the_server(stand_in: StandInServer) -> None:
    args = ["--http-referer", "https://example.org/app", "--title", "Credits Watch"]
    result = run(*at(stand_in, *args, "--categories", "cli-agent, monitoring"))
    assert result.returncode == 0, result.stderr
    (request,) = stand_in.requests
    assert request.headers["http-referer"] == "https://example.org/app"
    assert request.headers["x-openrouter-title"] == "Credits Watch"
    assert request.headers["x-openrouter-categories"] == "cli-agent,monitoring"


def test_verbose_reports_each_retry(stand_in: StandInServer) -> None:
    stand_in.script(Reply(503), Reply(503, headers={"Retry-After": "0"}))
    result = run(*at(stand_in, "-v"))
    assert (result.returncode, result.stdout) == (0, TABLE)
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    pattern = (
        r"openrouter-credits: retrying GET /api/v1/credits after HTTP 503: "
        r"attempt {} of 3 in \d+\.\d\d s"
    )
    assert re.fullmatch(pattern.format(2), lines[0]), lines[0]
    assert re.fullmatch(pattern.format(3), lines[1]), lines[1]
    assert lines[1].endswith(" in 0.00 s")  # Retry-After: 0
    assert len(stand_in.requests) == 3


def test_retries_are_quiet_without_verbose(stand_in: StandInServer) -> None:
    stand_in.script(Reply(503, headers={"Retry-After": "0"}))
    result = run(*at(stand_in))
    assert (result.returncode, result.stdout, result.stderr) == (0, TABLE, "")
    assert len(stand_in.requests) == 2


# --- the key ------------------------------------------------------------------------


def test_api_key_file(stand_in: StandInServer, tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text(KEY + "\n")
    result = run(*at(stand_in, "--api-key-file", str(path)), key="sk-or-v1-from-env-not-used")
    assert (result.returncode, result.stdout) == (0, TABLE)
    (request,) = stand_in.requests
    assert request.headers["authorization"] == f"Bearer {KEY}"


def test_api_key_from_stdin(stand_in: StandInServer) -> None:
    result = run(*at(stand_in, "--api-key-file", "-"), key=None, stdin=KEY + "\r\n")
    assert (result.returncode, result.stdout) == (0, TABLE)
    assert stand_in.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_missing_key(stand_in: StandInServer) -> None:
    result = run(*at(stand_in), key=None)
    assert (result.returncode, result.stdout) == (3, "")
    assert "OPENROUTER_API_KEY" in one_line(result.stderr)
    assert stand_in.requests == []


@pytest.mark.parametrize(("content", "how"), [("", SUB), ("\n", IN), ("  \n\n", IN)])
def test_empty_key_file(
    stand_in: StandInServer, call: Runner, tmp_path: Path, content: str, how: str
) -> None:
    path = tmp_path / "key"
    path.write_text(content)
    result = pick(how, call)(*at(stand_in, "--api-key-file", str(path)))
    assert (result.returncode, result.stdout) == (3, "")
    assert "is empty" in one_line(result.stderr)
    assert stand_in.requests == []


def test_unreadable_key_file(stand_in: StandInServer, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-key"
    result = run(*at(stand_in, "--api-key-file", str(missing)))
    assert (result.returncode, result.stdout) == (3, "")
    assert str(missing) in one_line(result.stderr)
    directory = run(*at(stand_in, "--api-key-file", str(tmp_path)))
    assert directory.returncode == 3
    one_line(directory.stderr)
    assert stand_in.requests == []


def test_key_with_characters_http_forbids(stand_in: StandInServer) -> None:
    bad = "sk-or-v1-BAD\x01KEY"
    result = run(*at(stand_in), key=bad, secrets=(bad, "BAD\\x01KEY"))
    assert result.returncode == 3
    assert "characters HTTP does not allow" in one_line(result.stderr)
    assert stand_in.requests == []


@pytest.mark.parametrize(
    ("args", "how"),
    [
        (["--api-key", KEY], SUB),
        ([f"--api-key={KEY}"], IN),
        (["--api-key"], IN),
        ([KEY], SUB),  # a key given as a plain argument by mistake is not echoed back
        (["--api-key-fil", KEY], IN),  # no abbreviations: never a prefix of --api-key-file
    ],
)
def test_key_arguments_are_refused_and_not_echoed(
    stand_in: StandInServer, call: Runner, args: list[str], how: str
) -> None:
    result = pick(how, call)(*at(stand_in, *args))
    assert (result.returncode, result.stdout) == (64, "")
    one_line(result.stderr)
    assert stand_in.requests == []


def test_key_quoted_by_the_server_is_redacted(stand_in: StandInServer) -> None:
    body = {"error": {"code": 401, "message": f"unknown key {KEY}"}}
    stand_in.script(Reply(401, body=body))
    result = run(*at(stand_in))  # run() checks KEY is in no output
    assert result.returncode == 3
    assert "[redacted]" in one_line(result.stderr)


# --- failures: one line on stderr, a distinct status ---------------------------------


def test_unauthorized(stand_in: StandInServer) -> None:
    stand_in.script(Reply(401))
    result = run(*at(stand_in))
    assert (result.returncode, result.stdout) == (3, "")
    line = one_line(result.stderr)
    assert "HTTP 401" in line and "Missing Authentication header" in line


def test_unauthorized_with_an_undocumented_body(stand_in: StandInServer) -> None:
    stand_in.script(Reply(401, body="<html>\n<h1>Denied</h1>\n</html>"))
    result = run(*at(stand_in))
    assert result.returncode == 3
    assert "<h1>Denied</h1>" in one_line(result.stderr)


def test_forbidden(stand_in: StandInServer) -> None:
    stand_in.script(Reply(403))
    result = run(*at(stand_in))
    assert (result.returncode, result.stdout) == (4, "")
    line = one_line(result.stderr)
    assert "HTTP 403" in line and "management key" in line


@pytest.mark.parametrize(
    ("status", "how"),
    [(500, SUB), (404, SUB), (502, IN), (503, IN), (429, IN), (302, IN), (418, IN)],
)
def test_server_errors_and_unexpected_statuses(
    stand_in: StandInServer, call: Runner, status: int, how: str
) -> None:
    stand_in.script(Reply(status, headers={"Location": "https://example.org/"}))
    result = pick(how, call)(*at(stand_in, "--no-retries"))
    assert (result.returncode, result.stdout) == (5, "")
    assert f"HTTP {status}" in one_line(result.stderr)
    assert len(stand_in.requests) == 1  # --no-retries: one attempt


def test_server_error_after_the_retries(stand_in: StandInServer) -> None:
    stand_in.default = Reply(500, headers={"Retry-After": "0"})
    result = run(*at(stand_in, "-v"))
    assert result.returncode == 5
    lines = result.stderr.splitlines()
    assert [line.startswith("openrouter-credits: retrying") for line in lines] == [
        True,
        True,
        False,
    ]
    assert "HTTP 500" in lines[-1]
    assert len(stand_in.requests) == 3


def test_connection_refused() -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    result = run("--server-url", url, "--no-retries")
    assert (result.returncode, result.stdout) == (6, "")
    assert "network error" in one_line(result.stderr)


def test_timeout(stand_in: StandInServer) -> None:
    stand_in.script(Reply(delay=5.0))
    result = run(*at(stand_in, "--timeout", "0.3", "--no-retries"))
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
def test_invalid_response(stand_in: StandInServer, call: Runner, reply: Reply, how: str) -> None:
    stand_in.script(reply)
    result = pick(how, call)(*at(stand_in))
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
def test_usage_errors(stand_in: StandInServer, call: Runner, args: list[str], how: str) -> None:
    result = pick(how, call)(*at(stand_in, *args))
    assert (result.returncode, result.stdout) == (64, "")
    assert "error" in one_line(result.stderr)
    assert stand_in.requests == []


def test_ctrl_c_exits_130_quietly(stand_in: StandInServer) -> None:
    stand_in.script(Reply(delay=30.0))
    with subprocess.Popen(
        [sys.executable, "-m", "openrouter_credits", *at(stand_in)],
        env=_env(KEY),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        deadline = time.monotonic() + RUN_TIMEOUT
        while not stand_in.requests and time.monotonic() < deadline:
            time.sleep(0.02)
        assert stand_in.requests, "the command never reached the server"
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=RUN_TIMEOUT)
    assert (process.returncode, stdout, stderr) == (130, "", "")


# --- help and version ----------------------------------------------------------------


def test_version() -> None:
    result = run("--version")
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"openrouter-credits {__version__}\n",
        "",
    )


def test_help_documents_every_exit_status() -> None:
    result = run("--help")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("usage: openrouter-credits")
    for status, meaning in cli.EXIT_STATUSES.items():
        assert re.search(rf"^ +{status} +{re.escape(meaning)}$", result.stdout, re.M), status
    for option in ("--json", "--min-remaining", "--api-key-file", "--server-url", "--timeout"):
        assert option in result.stdout
    for option in ("--no-retries", "--http-referer", "--title", "--categories", "--verbose"):
        assert option in result.stdout
    assert "OPENROUTER_API_KEY" in result.stdout


def test_readme_documents_every_exit_status() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Command line", 1)[1].split("\n## ", 1)[0]
    documented = {int(m) for m in re.findall(r"^\| (\d+) \|", section, re.M)}
    assert documented == set(cli.EXIT_STATUSES)


def test_console_script_is_installed(stand_in: StandInServer) -> None:
    script = Path(sys.executable).parent / "openrouter-credits"
    if not script.exists():
        pytest.skip("the console script is not installed next to this interpreter")
    result = subprocess.run(
        [str(script), *at(stand_in)],
        env=_env(KEY),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    check_outputs(result.stdout, result.stderr)
    assert (result.returncode, result.stdout) == (0, TABLE)


# --- in process: formatting and arithmetic -------------------------------------------


@pytest.mark.parametrize(
    ("body", "table", "remaining"),
    [
        ({"total_credits": 0.3, "total_usage": 0.1}, ["0.3000", "0.1000", "0.2000"], 0.2),
        ({"total_credits": 10, "total_usage": 12.5}, ["10.0000", "12.5000", "-2.5000"], -2.5),
        ({"total_credits": 5, "total_usage": 2}, ["5.0000", "2.0000", "3.0000"], 3),
        (
            {"total_credits": 12345.678912, "total_usage": 0.00004},
            ["12,345.6789", "0.0000", "12,345.6789"],
            12345.678872,
        ),
        ({"total_credits": 1, "total_usage": 1.00001}, ["1.0000", "1.0000", "0.0000"], -1e-05),
    ],
)
def test_numbers(
    stand_in: StandInServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    body: dict[str, float],
    table: list[str],
    remaining: float,
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    stand_in.default = Reply(body={"data": body})
    assert cli.main(at(stand_in)) == 0
    out = capsys.readouterr().out
    values = [line.split()[-1] for line in out.splitlines()]
    assert values == table
    widths = {len(line) for line in out.splitlines()}
    assert len(widths) == 1  # right-aligned columns
    assert cli.main(at(stand_in, "--json")) == 0
    assert json.loads(capsys.readouterr().out)["remaining"] == remaining


def test_in_process_failure_is_one_line(
    stand_in: StandInServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    stand_in.script(Reply(403))
    assert cli.main(at(stand_in)) == 4
    out, err = capsys.readouterr()
    assert out == ""
    one_line(err)
    check_outputs(out, err)


def test_server_text_cannot_inject_terminal_escapes(
    stand_in: StandInServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    stand_in.script(Reply(401, body={"error": {"code": 401, "message": "\x1b[2Jgone\nnext"}}))
    assert cli.main(at(stand_in)) == 3
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "\\x1b[2Jgone next" in one_line(err)


# --- make demo -----------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_demo() -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "demo"],
        cwd=ROOT,
        env=_env(None),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,  # a fresh .venv is set up first
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert TABLE in result.stdout
    assert "Traceback" not in result.stderr


def test_demo_does_not_wait_forever_for_the_server() -> None:
    from tools import demo

    read, write = os.pipe()
    with os.fdopen(read) as stream:
        with os.fdopen(write, "w"):
            started = time.monotonic()
            assert demo._first_line(stream, 0.2) is None
            assert time.monotonic() - started < 5
        for thread in threading.enumerate():  # end of file: the reader returns
            if thread.name == demo.READER_THREAD:
                thread.join(RUN_TIMEOUT)
