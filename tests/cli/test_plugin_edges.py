"""The ``check_openrouter_credits`` plugin's edges, in process (``_plugin.main``) against
the stand-in server: its whole ``--help``, exact UNKNOWN lines, the ``-t`` deadline counted
from the start, a first attempt that hangs, and a status line that cannot be written.

tests/cli/test_plugin.py checks every state's line against the guidelines' grammar, as a
subprocess and in process; these are the cases whose exact output monitoring relies on.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from openrouter_credits import __version__
from openrouter_credits.cli import _plugin
from openrouter_credits.testing import Fault, Reply, StandInServer, free_port

from ..cli.in_process import SlowStdin, plugin_runner

KEY = "sk-or-v1-PLUGIN-EDGE-SENTINEL-6f5e4d3c2b1a"
HELP = Path(__file__).with_name("plugin_help.txt")
UNKNOWN = "CREDITS UNKNOWN - "

Runner = Callable[..., tuple[int, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Runner:
    return plugin_runner(capsys, monkeypatch, KEY)


def at(server: StandInServer, *args: str) -> list[str]:
    return ["-w", "10:", "-c", "5:", "--server-url", server.base_url, *args]


# --- --help and --version -------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_is_the_documented_text(
    run: Runner, monkeypatch: pytest.MonkeyPatch, server: StandInServer, flag: str
) -> None:
    # After changing an option, regenerate with:
    #   COLUMNS=100 python -m openrouter_credits.check --help > tests/cli/plugin_help.txt
    monkeypatch.setenv("COLUMNS", "100")
    assert run(flag, *at(server)) == (3, HELP.read_text(encoding="utf-8"))
    assert server.requests == []


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_is_unknown_and_checks_nothing(
    run: Runner, server: StandInServer, flag: str
) -> None:
    assert run(flag, *at(server)) == (3, f"check_openrouter_credits {__version__}\n")
    assert server.requests == []


# --- exact UNKNOWN lines --------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--bogus"], "unrecognized option --bogus"),
        (["--bogus", KEY], "unrecognized option --bogus; 1 unexpected argument (not shown)"),
        ([KEY, "x"], "2 unexpected arguments (not shown)"),
    ],
)
def test_unknown_words_are_named_or_counted(
    run: Runner, server: StandInServer, extra: list[str], says: str
) -> None:
    assert run(*at(server, *extra)) == (3, f"{UNKNOWN}usage error: {says} (see --help)\n")


def test_options_are_never_abbreviated(run: Runner, server: StandInServer) -> None:
    args = ["-w", "10:", "-c", "5:", "--server", server.base_url]
    says = "unrecognized option --server; 1 unexpected argument (not shown)"
    assert run(*args) == (3, f"{UNKNOWN}usage error: {says} (see --help)\n")
    assert server.requests == []


def test_bad_server_url_is_shown_as_given(run: Runner) -> None:
    url = "ftp://server_url x"
    assert run("-w", "10:", "-c", "5:", "--server-url", url) == (
        3,
        f"{UNKNOWN}usage error: --server-url {url!r} must be an http:// or https:// URL "
        "with a host\n",
    )


def test_key_quoted_by_the_server_is_blanked(run: Runner, server: StandInServer) -> None:
    server.script(Reply(401, body={"error": {"code": 401, "message": f"bad key {KEY}"}}))
    assert run(*at(server)) == (
        3,
        f"{UNKNOWN}the API key was rejected (HTTP 401: bad key [redacted]); "
        "check OPENROUTER_API_KEY or --api-key-file\n",
    )


def test_key_in_the_server_url_is_blanked(run: Runner) -> None:
    url = f"http://127.0.0.1:{free_port()}/{KEY}/api/v1"
    state, out = run("-w", "10:", "-c", "5:", "--server-url", url)  # run() checks KEY is absent
    assert state == 3
    assert out.startswith(f"{UNKNOWN}network error: GET http://127.0.0.1:")
    assert "/[redacted]/api/v1/credits failed" in out


def test_ctrl_c_is_unknown_interrupted(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    class Interrupted(io.StringIO):
        def read(self, size: int | None = -1) -> str:
            raise KeyboardInterrupt

    monkeypatch.setattr("sys.stdin", Interrupted())
    assert run("-w", "10:", "-c", "5:", "--api-key-file", "-", key=None) == (
        3,
        f"{UNKNOWN}interrupted\n",
    )


def test_a_bug_is_one_unknown_line_without_the_key(
    run: Runner, server: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise LookupError(f"lost the key {KEY}")

    monkeypatch.setattr("openrouter_credits.cli._common.read", broken)
    assert run(*at(server)) == (
        3,
        f"{UNKNOWN}internal error: LookupError: lost the key [redacted]\n",
    )


# --- the numbers ----------------------------------------------------------------------


ZERO_HINT = (
    "total credits and total usage are both 0: some deployments see this with a key that is "
    "not a management key; check the key if credits were bought "
    "(https://openrouter.ai/docs/guides/overview/auth/management-api-keys)"
)


@pytest.mark.parametrize(
    ("total", "usage", "warning", "state", "line"),
    [
        (0, 0, "~:", 2, f"CRITICAL - 0.00 remaining of 0.00; {ZERO_HINT} | remaining=0;~:;5:"),
        (0, 0, "~:", 1, f"WARNING - 0.00 remaining of 0.00; {ZERO_HINT} | remaining=0;~:;~:"),
        (20, 0, "10:", 0, "OK - 20.00 remaining of 20.00 | remaining=20;10:;5:"),
        (0, 3, "10:", 2, "CRITICAL - -3.00 remaining of 0.00 | remaining=-3;10:;5:"),
        (0.3, 0.1, "10:", 2, "CRITICAL - 0.20 remaining of 0.30 | remaining=0.2;10:;5:"),
        (7, 0.5, "7:", 1, "WARNING - 6.50 remaining of 7.00 | remaining=6.5;7:;5:"),
    ],
)
def test_exact_lines(
    run: Runner,
    server: StandInServer,
    total: float,
    usage: float,
    warning: str,
    state: int,
    line: str,
) -> None:
    """The state, the text and the perfdata; a zero balance is at least a WARNING."""
    critical = "~:" if line.endswith(";~:") else "5:"
    server.script(Reply(body={"data": {"total_credits": total, "total_usage": usage}}))
    args = ["-w", warning, "-c", critical, "--server-url", server.base_url]
    perf = f" total_credits={total} total_usage={usage}"
    assert run(*args) == (state, f"CREDITS {line}{perf}\n")


# --- -t: the deadline ------------------------------------------------------------------


def test_deadline_counts_from_the_start(
    run: Runner, server: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key that took the whole -t to read leaves no time for the request."""
    monkeypatch.setattr("sys.stdin", SlowStdin(KEY + "\n", 1.0))
    state, out = run(*at(server, "-t", "1", "--api-key-file", "-"), key=None)
    assert (state, out) == (
        3,
        f"{UNKNOWN}timeout: no complete response within the overall deadline of 1 s\n",
    )


def test_a_hung_first_attempt_leaves_time_for_a_retry(run: Runner, server: StandInServer) -> None:
    """Each attempt gets half of -t, so the retry after a hung first attempt still fits."""
    server.script(Reply(fault=Fault.NO_HEADERS))
    state, out = run(*at(server, "-t", "1.5"))
    assert state == 0, out
    assert len(server.requests) == 2


def test_each_attempt_gets_half_of_the_deadline(run: Runner, server: StandInServer) -> None:
    """A server answering in 0.6 s is in time for -t 1.5 (0.75 s per attempt)."""
    server.default = Reply(delay=0.6)
    state, out = run(*at(server, "-t", "1.5"))
    assert state == 0, out
    assert len(server.requests) == 1


# --- output ---------------------------------------------------------------------------


def test_unwritable_standard_output_still_gives_the_state(
    run: Runner, server: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Gone(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError

    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    monkeypatch.setattr("sys.stdout", Gone())
    assert _plugin.main(at(server, "-w", "200:")) == 1
