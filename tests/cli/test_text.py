"""The ``openrouter-credits`` command's text, run in process: server text shown as sent,
the key redacted wherever it turns up, a closed standard output or error, and ``--help``.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openrouter_credits.cli import _credits as cli
from openrouter_credits.testing import Reply, StandInServer, free_port

from .conftest import KEY, PROG, InProcess, at

# --- text the command prints ----------------------------------------------------------------


def test_backslashes_and_quotes_in_server_text_are_shown_as_sent(
    server: StandInServer, run: InProcess
) -> None:
    message = "denied for C:\\keys\\'prod' \"x\""
    server.script(Reply(401, body={"error": {"code": 401, "message": message}}))
    err = run(*at(server))[2]
    assert f"(HTTP 401: {message});" in err


def test_key_in_the_server_url_is_redacted_from_the_failure_line(run: InProcess) -> None:
    url = f"http://127.0.0.1:{free_port()}/{KEY}/api/v1"
    status, _, err = run("--server-url", url, "--no-retries")  # run() checks KEY is absent
    assert status == 6
    assert "/[redacted]/api/v1/credits failed" in err


def test_unknown_option_with_two_equals_signs_is_named_to_the_first(run: InProcess) -> None:
    assert run("--opt=a=b")[2] == f"{PROG}error: unrecognized option --opt (see --help)\n"


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
