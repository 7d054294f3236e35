"""The ``openrouter-credits`` command's edges, run in process (``cli.main``) against the
stand-in server: option conversions, exact failure lines, usage errors, the key's sources,
a closed standard output, and what ``--verbose`` leaves behind.

The other modules here run the command as a subprocess; these are the cases whose exact
output or status a monitoring script relies on.
"""

from __future__ import annotations

import io
import json
import logging
import os
from pathlib import Path

import pytest
from openrouter_credits import __version__
from openrouter_credits.cli import _credits as cli
from openrouter_credits.testing import Reply, StandInServer, free_port

from .conftest import KEY, MANAGEMENT, PROG, InProcess, at

# --- output -------------------------------------------------------------------------------


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


# --- --timeout ----------------------------------------------------------------------------


def test_timeout_is_in_seconds(server: StandInServer, run: InProcess) -> None:
    server.script(Reply(delay=0.5))
    assert run(*at(server, "--timeout", "5", "--no-retries"))[0] == 0
    server.script(Reply(delay=3.0))
    status, out, err = run(*at(server, "--timeout", "0.25", "--no-retries"))
    assert (status, out) == (6, "")
    assert err.startswith(f"{PROG}timeout: GET ") and "timed out after 1 attempt:" in err


def test_help_states_the_default_timeout(run: InProcess) -> None:
    status, out, _ = run("--help")
    assert status == 0
    assert "(default: 30)" in " ".join(out.split())


def test_help_keeps_its_own_line_breaks_and_lists_every_exit_status(run: InProcess) -> None:
    out = run("--help")[1]
    assert (
        "\n\nShow an OpenRouter account's total credits, total usage and remaining credits\n"
        "(total minus usage), from GET /credits. Needs a management key: OPENROUTER_API_KEY\n"
        "or --api-key-file (never an argument: process lists show those).\n\n"
    ) in out
    statuses = "\n".join(f"  {code:>3}  {text}" for code, text in cli.EXIT_STATUSES.items())
    assert f"\nexit statuses:\n{statuses}\n\nexamples:\n" in out
    assert (
        "\n  openrouter-credits --api-key-file - --min-remaining 5 < key.txt;"
        " [ $? = 2 ] && alert ...\n" in out
    )


# --- failure lines ------------------------------------------------------------------------


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


# --- usage errors -------------------------------------------------------------------------


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


@pytest.mark.parametrize("args", [["--api-key", KEY], [f"--api-key={KEY}"], ["--api-key"]])
def test_key_argument_is_refused_without_echo(run: InProcess, args: list[str]) -> None:
    status, out, err = run(*args)
    assert (status, out) == (64, "")
    assert "--api-key is not supported" in err and "OPENROUTER_API_KEY" in err


def test_bad_server_url_names_the_option(run: InProcess) -> None:
    status, _, err = run("--server-url", "ftp://example.org")
    assert status == 64
    assert err.startswith(f"{PROG}error: --server-url 'ftp://example.org' must be")


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


# --- the key ------------------------------------------------------------------------------


def test_missing_key_line(server: StandInServer, run: InProcess) -> None:
    assert run(*at(server), key=None) == (
        3,
        "",
        f"{PROG}no API key: set OPENROUTER_API_KEY or use --api-key-file PATH (a management key)\n",
    )
    assert server.requests == []


def test_key_file_and_standard_input(server: StandInServer, run: InProcess, tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text(f"\n  {KEY}\n", encoding="utf-8")
    assert run(*at(server, "--api-key-file", str(path)), key=None)[0] == 0
    assert run(*at(server, "--api-key-file", "-"), key=None, stdin=f"{KEY}\n")[0] == 0
    assert [r.headers["authorization"] for r in server.requests] == [f"Bearer {KEY}"] * 2


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"  \n", "no API key: key file {path} is empty"),
        (b"\xff\xfe\x00", "cannot read the API key from key file {path}: 'utf-8' codec"),
        (b"sk-a\rb", "the API key from key file {path} contains characters HTTP does not allow"),
    ],
    ids=["empty", "not-utf8", "carriage-return"],
)
def test_bad_key_file(
    server: StandInServer, run: InProcess, tmp_path: Path, content: bytes, says: str
) -> None:
    path = tmp_path / "key"
    path.write_bytes(content)
    status, out, err = run(*at(server, "--api-key-file", str(path)), key=None)
    assert (status, out) == (3, "")
    assert err.startswith(PROG + says.format(path=path))
    assert server.requests == []


def test_key_file_that_is_a_directory(
    server: StandInServer, run: InProcess, tmp_path: Path
) -> None:
    status, _, err = run(*at(server, "--api-key-file", str(tmp_path)), key=None)
    assert status == 3
    assert err == f"{PROG}cannot read the API key from key file {tmp_path}: Is a directory\n"


def test_empty_standard_input(server: StandInServer, run: InProcess) -> None:
    status, _, err = run(*at(server, "--api-key-file", "-"), key=None, stdin="")
    assert (status, err) == (3, f"{PROG}no API key: standard input is empty\n")


def test_environment_key_with_a_line_break_inside(server: StandInServer, run: InProcess) -> None:
    status, _, err = run(*at(server), key="sk-a\nb")
    assert status == 3
    assert err == (
        f"{PROG}the API key from OPENROUTER_API_KEY contains characters HTTP does not allow\n"
    )


def test_ctrl_c_while_reading_the_key_exits_130(
    run: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Interrupted(io.StringIO):
        def read(self, size: int | None = -1) -> str:
            raise KeyboardInterrupt

    monkeypatch.setattr("sys.stdin", Interrupted())
    assert run("--api-key-file", "-", key=None) == (130, "", "")


# --- --verbose ----------------------------------------------------------------------------


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


def test_verbose_keeps_a_more_detailed_level(server: StandInServer, run: InProcess) -> None:
    logger = logging.getLogger("openrouter_credits")
    before = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        assert run(*at(server, "-v"))[0] == 0
        assert logger.level == logging.DEBUG
    finally:
        logger.setLevel(before)
