"""The command's output: the table, ``--json``, ``--min-remaining``, headers, retries,
help and version, number formatting, server text shown as sent, a closed standard output or
error and ``--verbose`` (``make demo``'s output is the README example, run by
tests/docs/test_examples.py); as a subprocess and, for the exact lines a script relies on, in
process (``cli.main``).
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openrouter_credits import __version__
from openrouter_credits.cli import _credits as cli
from openrouter_credits.testing import Reply, StandInServer

from .conftest import (
    EXAMPLE,
    IN,
    KEY,
    PROG,
    ROOT,
    RUN_TIMEOUT,
    SUB,
    TABLE,
    InProcess,
    Runner,
    at,
    check_outputs,
    key_env,
    one_line,
    pick,
    run_subprocess,
)

# --- success --------------------------------------------------------------------------


def test_table(server: StandInServer) -> None:
    result = run_subprocess(*at(server))
    assert (result.returncode, result.stdout, result.stderr) == (0, TABLE, "")
    (request,) = server.requests
    assert request.path == "/api/v1/credits"
    assert request.headers["authorization"] == f"Bearer {KEY}"


def test_json(server: StandInServer) -> None:
    result = run_subprocess(*at(server, "--json"))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.count("\n") == 1
    assert json.loads(result.stdout) == EXAMPLE


@pytest.mark.parametrize(
    ("minimum", "status", "how"),
    [("100", 2, SUB), ("74.7501", 2, IN), ("74.75", 0, IN), ("10", 0, SUB), ("-5", 0, IN)],
)
def test_min_remaining(
    server: StandInServer, call: Runner, minimum: str, status: int, how: str
) -> None:
    result = pick(how, call)(*at(server, "--min-remaining", minimum))
    assert result.returncode == status
    assert result.stdout == TABLE  # printed either way
    if status == 2:
        line = one_line(result.stderr)
        assert "74.7500" in line and "below --min-remaining" in line
    else:
        assert result.stderr == ""


def test_min_remaining_with_json(server: StandInServer) -> None:
    result = run_subprocess(*at(server, "--json", "--min-remaining", "1000"))
    assert result.returncode == 2
    assert json.loads(result.stdout) == EXAMPLE


def test_attribution_headers_reach_the_server(server: StandInServer) -> None:
    args = ["--http-referer", "https://example.org/app", "--title", "Credits Watch"]
    result = run_subprocess(*at(server, *args, "--categories", "cli-agent, monitoring"))
    assert result.returncode == 0, result.stderr
    (request,) = server.requests
    assert request.headers["http-referer"] == "https://example.org/app"
    assert request.headers["x-openrouter-title"] == "Credits Watch"
    assert request.headers["x-openrouter-categories"] == "cli-agent,monitoring"


def test_a_category_sent_as_given_warns_as_the_command(
    server: StandInServer, command: Runner
) -> None:
    result = command(*at(server, "--categories", "CLI_Agent"))
    assert (result.returncode, result.stdout) == (0, TABLE)
    assert result.stderr.startswith(
        "openrouter-credits: header X-OpenRouter-Categories: sent as given, but 'CLI_Agent' "
    ), result.stderr
    assert result.stderr.count("\n") == 1
    assert server.requests[0].headers["x-openrouter-categories"] == "CLI_Agent"


def test_verbose_reports_each_retry(server: StandInServer) -> None:
    server.script(Reply(503), Reply(503, headers={"Retry-After": "0"}))
    result = run_subprocess(*at(server, "-v"))
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
    assert len(server.requests) == 3


def test_retries_are_quiet_without_verbose(server: StandInServer) -> None:
    server.script(Reply(503, headers={"Retry-After": "0"}))
    result = run_subprocess(*at(server))
    assert (result.returncode, result.stdout, result.stderr) == (0, TABLE, "")
    assert len(server.requests) == 2


# --- help and version -----------------------------------------------------------------


def test_version() -> None:
    result = run_subprocess("--version")
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"openrouter-credits {__version__}\n",
        "",
    )


def test_help_documents_every_exit_status() -> None:
    result = run_subprocess("--help")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("usage: openrouter-credits")
    for status, meaning in cli.EXIT_STATUSES.items():
        assert re.search(rf"^ +{status} +{re.escape(meaning)}$", result.stdout, re.M), status
    for option in ("--json", "--min-remaining", "--api-key-file", "--server-url", "--timeout"):
        assert option in result.stdout
    for option in ("--no-retries", "--http-referer", "--title", "--categories", "--verbose"):
        assert option in result.stdout
    assert "OPENROUTER_API_KEY" in result.stdout


def test_the_docs_list_every_exit_status() -> None:
    page = (ROOT / "docs" / "command-line.md").read_text(encoding="utf-8")
    section = page.split("\n## Exit statuses\n", 1)[1].split("\n## ", 1)[0]
    documented = {int(m) for m in re.findall(r"^\| (\d+) \|", section, re.M)}
    assert documented == set(cli.EXIT_STATUSES)


def test_console_script_is_installed(server: StandInServer) -> None:
    script = Path(sys.executable).parent / "openrouter-credits"
    if not script.exists():
        pytest.skip("the console script is not installed next to this interpreter")
    result = subprocess.run(
        [str(script), *at(server)],
        env=key_env(KEY),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    check_outputs(result.stdout, result.stderr)
    assert (result.returncode, result.stdout) == (0, TABLE)


# --- in process: formatting and arithmetic --------------------------------------------


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
    server: StandInServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    body: dict[str, float],
    table: list[str],
    remaining: float,
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    server.default = Reply(body={"data": body})
    assert cli.main(at(server)) == 0
    out = capsys.readouterr().out
    values = [line.split()[-1] for line in out.splitlines()]
    assert values == table
    widths = {len(line) for line in out.splitlines()}
    assert len(widths) == 1  # right-aligned columns
    assert cli.main(at(server, "--json")) == 0
    assert json.loads(capsys.readouterr().out)["remaining"] == remaining


def test_server_text_cannot_inject_terminal_escapes(
    server: StandInServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    server.script(Reply(401, body={"error": {"code": 401, "message": "\x1b[2Jgone\nnext"}}))
    assert cli.main(at(server)) == 3
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "\\x1b[2Jgone next" in one_line(err)


ZERO_NOTE = (
    f"{PROG}note: total credits and total usage are both 0: some deployments see this with "
    "a key that is not a management key; check the key if credits were bought "
    "(https://openrouter.ai/docs/guides/overview/auth/management-api-keys)\n"
)


@pytest.mark.parametrize(
    ("total", "usage", "note"), [(0, 0, ZERO_NOTE), (0, 5, ""), (5, 0, ""), (0.0, 0.0, ZERO_NOTE)]
)
def test_zero_balance_note(
    server: StandInServer, run: InProcess, total: float, usage: float, note: str
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
    server: StandInServer, run: InProcess, total: float, usage: float, remaining: float
) -> None:
    server.script(Reply(body={"data": {"total_credits": total, "total_usage": usage}}))
    status, out, _ = run(*at(server, "--json"))
    assert status == 0
    read = {"total_credits": float(total), "total_usage": float(usage)}
    assert out == json.dumps({**read, "remaining": float(remaining)}) + "\n"


# --- in process: exact output ---------------------------------------------------------


def test_attribution_options_reach_the_server(server: StandInServer, run: InProcess) -> None:
    args = ["--http-referer", "https://app.example", "--title", "My App"]
    assert run(*at(server, *args, "--categories", "cli-agent"))[0] == 0
    headers = server.requests[0].headers
    assert headers["http-referer"] == "https://app.example"
    assert headers["x-openrouter-title"] == "My App"
    assert headers["x-openrouter-categories"] == "cli-agent"


def test_table_and_json(server: StandInServer, run: InProcess) -> None:
    assert run(*at(server)) == (
        0,
        "total credits  100.5000\ntotal usage     25.7500\nremaining       74.7500\n",
        "",
    )
    status, out, err = run(*at(server, "--json"))
    assert (status, err) == (0, "")
    assert out.endswith("\n") and out.count("\n") == 1
    assert json.loads(out) == {"total_credits": 100.5, "total_usage": 25.75, "remaining": 74.75}


@pytest.mark.parametrize(("minimum", "status"), [("74.75", 0), ("74.7501", 2), ("-1", 0)])
def test_min_remaining_edge(
    server: StandInServer, run: InProcess, minimum: str, status: int
) -> None:
    result = run(*at(server, "--min-remaining", minimum))
    assert result[0] == status
    if status == 2:
        assert result[2] == (f"{PROG}remaining credits 74.7500 are below --min-remaining 74.7501\n")
    else:
        assert result[2] == ""


def test_closed_standard_output_exits_0_quietly(
    server: StandInServer, run: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `openrouter-credits | head -0`: the reader is gone before the table is written.
    read_end, write_end = os.pipe()
    os.close(read_end)
    closed = os.fdopen(write_end, "w")
    monkeypatch.setattr("sys.stdout", closed)
    try:
        status, _, err = run(*at(server))
        assert (status, err) == (0, "")
        closed.write("x" * 100_000)
        closed.flush()  # stdout now goes to /dev/null: the exit flush stays quiet
    finally:
        closed.close()


# --- in process: text the command prints ----------------------------------------------


def test_backslashes_and_quotes_in_server_text_are_shown_as_sent(
    server: StandInServer, run: InProcess
) -> None:
    message = "denied for C:\\keys\\'prod' \"x\""
    server.script(Reply(401, body={"error": {"code": 401, "message": message}}))
    err = run(*at(server))[2]
    assert f"(HTTP 401: {message});" in err


class _NoFileno(io.StringIO):
    """A standard output without a file descriptor, whose reader has gone."""

    def write(self, text: str) -> int:
        raise BrokenPipeError


class _ClosedFileno(_NoFileno):
    def fileno(self) -> int:
        raise ValueError("I/O operation on closed file")


class _BadFileno(_NoFileno):
    def fileno(self) -> int:
        return 2**20  # no such descriptor: os.dup2 fails with OSError


@pytest.mark.parametrize("stdout", [_NoFileno, _ClosedFileno, _BadFileno])
def test_closed_output_of_any_kind_exits_0_quietly(
    server: StandInServer,
    run: InProcess,
    monkeypatch: pytest.MonkeyPatch,
    stdout: type[io.StringIO],
) -> None:
    monkeypatch.setattr("sys.stdout", stdout())
    assert run(*at(server))[::2] == (0, "")


def test_closed_standard_error_still_gives_the_exit_status(
    run: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stderr", _NoFileno())
    assert cli.main([]) == 3  # no key: the line cannot be written, the status still tells


HELP = Path(__file__).with_name("help.txt")


def test_help_is_the_documented_text(run: InProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every option's help, metavar and group. After changing an option, regenerate with:
    #   COLUMNS=100 python -m openrouter_credits --help > tests/cli/help.txt
    monkeypatch.setenv("COLUMNS", "100")
    assert run("--help")[1] == HELP.read_text(encoding="utf-8")


# --- in process: --verbose ----------------------------------------------------------


def test_verbose_prints_retries_and_restores_the_logger(
    server: StandInServer, run: InProcess
) -> None:
    logger = logging.getLogger("openrouter_credits")
    before = (logger.level, list(logger.handlers))
    logger.setLevel(logging.WARNING)
    try:
        server.script(Reply(503, headers={"Retry-After": "0"}))
        status, _, err = run(*at(server, "--verbose"))
        assert status == 0
        assert err == (
            f"{PROG}retrying GET /api/v1/credits after HTTP 503: attempt 2 of 3 in 0.00 s\n"
        )
        assert logger.level == logging.WARNING
        assert logger.handlers == before[1]
        server.script(Reply(503, headers={"Retry-After": "0"}))
        assert run(*at(server))[2] == ""  # and quiet again without -v
    finally:
        logger.setLevel(before[0])


def test_verbose_keeps_a_more_detailed_level_and_shows_only_info(
    server: StandInServer, run: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    # OPENROUTER_DEBUG set: the client logs a debug record per request and response, the
    # package logger is at DEBUG; --verbose leaves it there, and its lines are still the
    # retries only (its handler is at INFO), not the debug records.
    monkeypatch.setenv("OPENROUTER_DEBUG", "1")
    logger = logging.getLogger("openrouter_credits")
    before = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        server.script(Reply(503, headers={"Retry-After": "0"}))
        status, _, err = run(*at(server, "-v"))
        assert status == 0
        assert logger.level == logging.DEBUG
        assert err == (
            f"{PROG}retrying GET /api/v1/credits after HTTP 503: attempt 2 of 3 in 0.00 s\n"
        )
    finally:
        logger.setLevel(before)
