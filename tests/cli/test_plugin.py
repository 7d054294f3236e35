"""The ``check_openrouter_credits`` monitoring plugin against the stand-in server: every
state's line checked against the Monitoring Plugins Development Guidelines' grammar, as a
subprocess and in process (`plugin`); then, in process (`plugin_main`), the cases whose
exact output monitoring relies on: its whole ``--help``, exact UNKNOWN lines, the ``-t``
deadline counted from the start, a first attempt that hangs, and a status line that cannot
be written (the ranges themselves: test_thresholds.py)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openrouter_credits import OpenRouter, __version__
from openrouter_credits.cli import _plugin
from openrouter_credits.testing import Fault, Reply, StandInServer, free_port

from ..client.test_plain_http import said
from ..conftest import Resolver
from .conftest import (
    KEY,
    NAME,
    RUN_TIMEOUT,
    STATUS,
    UNKNOWN,
    SlowStdin,
    at,
    checked,
    exposed,
    key_file,
    named,
    plugin_subprocess,
    refused,
)

OK_LINE = (
    "CREDITS OK - 74.75 remaining of 100.50 | "
    "remaining=74.75;10:;5: total_credits=100.5 total_usage=25.75"
)
HELP = Path(__file__).with_name("plugin_help.txt")


Runner = Callable[..., tuple[int, str, str]]
MainRunner = Callable[..., tuple[int, str]]


@pytest.fixture
def plugin_main(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> MainRunner:
    """``_plugin.main(args)`` in this process with OPENROUTER_API_KEY=key (None: unset) and
    the variables ``env``: (state, stdout); standard error stays empty and the key appears
    nowhere."""

    def go(*args: str, key: str | None = KEY, env: dict[str, str] | None = None) -> tuple[int, str]:
        monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
        if key is not None:
            monkeypatch.setenv("OPENROUTER_API_KEY", key)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        state = _plugin.main(list(args))
        out, err = capsys.readouterr()
        assert err == ""
        assert KEY not in out
        return state, out

    return go


@pytest.fixture(params=["subprocess", "in-process"])
def plugin(request: pytest.FixtureRequest, plugin_main: MainRunner) -> Runner:
    """`plugin_subprocess`, or its twin `plugin_main` (the same checks; the in-process form is
    what mutation testing can see)."""
    if request.param == "subprocess":
        return plugin_subprocess

    def in_process(*args: str, **kwargs: Any) -> tuple[int, str, str]:
        return checked(*plugin_main(*args, **kwargs), "")

    return in_process


# --- OK, WARNING, CRITICAL ------------------------------------------------------------


def test_ok(server: StandInServer, plugin: Runner) -> None:
    assert plugin("-w", "10:", "-c", "5:", *at(server)) == (0, "OK", OK_LINE)
    (request,) = server.requests
    assert request.headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize(
    ("warning", "critical", "state"),
    [
        ("80:", "5:", "WARNING"),
        ("90:", "80:", "CRITICAL"),
        ("74.75:", "74.75:", "OK"),  # equal is not below
        ("~:50", "~:70", "CRITICAL"),  # "above" ranges work too
        ("@70:80", "@0:1", "WARNING"),  # inside a range
    ],
)
def test_states(
    server: StandInServer, warning: str, critical: str, state: str, plugin: Runner
) -> None:
    status, got, line = plugin("-w", warning, "-c", critical, *at(server))
    assert (status, got) == (STATUS[state], state)
    assert line.endswith(
        f"| remaining=74.75;{warning};{critical} total_credits=100.5 total_usage=25.75"
    )


def test_key_from_file(server: StandInServer, tmp_path: Path, plugin: Runner) -> None:
    path = key_file(tmp_path, 0o600, KEY)
    result = plugin("-w", "10:", "-c", "5:", "--api-key-file", str(path), *at(server), key=None)
    assert result == (0, "OK", OK_LINE)


def test_numbers_are_plain_decimals(server: StandInServer, plugin: Runner) -> None:
    server.script(Reply(body={"data": {"total_credits": 1, "total_usage": 1.00001}}))
    _, state, line = plugin("-w", "10:", "-c", "0:", *at(server))
    assert state == "CRITICAL"  # -0.00001 is below 0
    assert line == (
        "CREDITS CRITICAL - 0.00 remaining of 1.00 | "
        "remaining=-0.00001;10:;0: total_credits=1 total_usage=1.00001"
    )


@pytest.mark.parametrize(("critical", "state"), [("~:", "WARNING"), ("5:", "CRITICAL")])
def test_zero_balance_hint(
    server: StandInServer, critical: str, state: str, plugin: Runner
) -> None:
    server.script(Reply(body={"data": {"total_credits": 0, "total_usage": 0}}))
    _, got, line = plugin("-w", "~:", "-c", critical, *at(server))
    assert got == state
    assert "total credits and total usage are both 0" in line
    assert "not a management key" in line


# --- UNKNOWN for every failure --------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Reply(401), "the API key was rejected (HTTP 401: Missing Authentication header)"),
        (Reply(403), "may not read credits (HTTP 403"),
        (Reply(body="not json", content_type="application/json"), "invalid response"),
        (Reply(body={"data": {"total_credits": 1}}), "invalid response"),
    ],
    ids=["401", "403", "malformed", "missing-field"],
)
def test_unknown_for_failed_reads(
    server: StandInServer, reply: Reply, words: str, plugin: Runner
) -> None:
    server.script(reply)
    status, state, line = plugin("-w", "10:", "-c", "5:", *at(server))
    assert (status, state) == (3, "UNKNOWN")
    assert words in line
    assert " | " not in line  # no figures after a failure


def test_unknown_after_5xx_retries(server: StandInServer, plugin: Runner) -> None:
    server.default = Reply(503, headers={"Retry-After": "0"})
    status, _, line = plugin("-w", "10:", "-c", "5:", *at(server))
    assert status == 3
    assert line.startswith("CREDITS UNKNOWN - server error: unexpected response: HTTP 503")
    assert len(server.requests) == 3


def test_unknown_when_refused(plugin: Runner) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    status, _, line = plugin("-w", "10:", "-c", "5:", "--server-url", url)
    assert status == 3
    assert "network error" in line and "ConnectError" in line


def test_unknown_without_a_key(server: StandInServer, plugin: Runner) -> None:
    status, _, line = plugin("-w", "10:", "-c", "5:", *at(server), key=None)
    assert (status, line) == (
        3,
        "CREDITS UNKNOWN - no API key: set OPENROUTER_API_KEY or use --api-key-file PATH "
        "(a management key)",
    )
    assert server.requests == []


def test_hung_server_is_unknown_within_the_deadline(server: StandInServer, plugin: Runner) -> None:
    server.default = Reply(fault=Fault.NO_HEADERS)
    begin = time.monotonic()
    status, _, line = plugin("-w", "10:", "-c", "5:", "-t", "2", *at(server))
    elapsed = time.monotonic() - begin
    assert status == 3
    assert "timeout" in line
    # Never-hang bound: the deadline plus interpreter start-up on a busy machine.
    assert elapsed < 2 + 20, elapsed


def test_deadline_holds_against_a_long_retry_after(server: StandInServer, plugin: Runner) -> None:
    """A 503 asking for a 30 s wait: the retry budget is the deadline, so the 503 is
    reported at once instead of waiting (the plan layer, before the hard bound)."""
    server.default = Reply(503, headers={"Retry-After": "30"})
    begin = time.monotonic()
    status, _, line = plugin("-w", "10:", "-c", "5:", "-t", "5", *at(server))
    assert status == 3
    assert "server error: unexpected response: HTTP 503" in line
    assert time.monotonic() - begin < 5 + 20  # the 30 s wait was not started
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["-w", "ten", "-c", "5:"], "argument -w/--warning: 'ten' is not a threshold range"),
        (["-w", "10:", "-c", "5:x"], "argument -c/--critical: '5:x' is not a threshold range"),
        (["-w", "20:10", "-c", "5:"], "'20:10': the start is greater than the end"),
        (["-w", "5:", "-c", "10:"], "the warning threshold 5: is below the critical threshold"),
        ([], "no threshold: give -w/-c for the remaining credits"),
        (["-w", "10:", "-c", "5:", "-t", "0"], "must be a positive number of seconds"),
        (["-w", "10:", "-c", "5:", "--bogus", KEY], "unrecognized option --bogus"),
        (["-w", "10:", "-c", "5:", f"--api-key={KEY}"], "--api-key is not supported"),
        (["-w", "10:", "-c", "5:", "--server-url", "ftp://x"], "--server-url 'ftp://x'"),
    ],
)
def test_usage_errors_are_unknown(
    server: StandInServer, args: list[str], words: str, plugin: Runner
) -> None:
    url = [] if "--server-url" in args else at(server)
    status, _, line = plugin(*args, *url)
    assert status == 3
    assert line.startswith("CREDITS UNKNOWN - usage error: ")
    assert words in line
    assert server.requests == []


def test_pipe_in_a_message_cannot_fake_perfdata(server: StandInServer, plugin: Runner) -> None:
    server.script(Reply(401, body={"error": {"code": 401, "message": "no | x=1"}}))
    status, _, line = plugin("-w", "10:", "-c", "5:", *at(server))
    assert status == 3
    assert line.count("|") == 0 and "no / x=1" in line


def test_help_and_version_are_unknown() -> None:
    for flag in ("--help", "-V"):
        result = subprocess.run(
            [sys.executable, "-m", "openrouter_credits.check", flag],
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
        assert result.returncode == 3
        assert result.stderr == ""
    assert result.stdout == f"check_openrouter_credits {__version__}\n"


def test_console_script_is_installed(server: StandInServer) -> None:
    script = Path(sys.executable).parent / "check_openrouter_credits"
    if not script.exists():
        pytest.skip("the console script is not installed next to this interpreter")
    result = subprocess.run(
        [str(script), "-w", "10:", "-c", "5:", *at(server)],
        env={**os.environ, "OPENROUTER_API_KEY": KEY},
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, OK_LINE + "\n")


def test_default_deadline_is_under_the_plugin_timeout() -> None:
    assert _plugin.DEFAULT_DEADLINE <= 10 < 60


# --- exact lines, in process ----------------------------------------------------------


def thresholds_at(server: StandInServer, *args: str) -> list[str]:
    """`at` with -w 10: -c 5:."""
    return ["-w", "10:", "-c", "5:", "--server-url", server.base_url, *args]


# --- --help and --version -------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_is_the_documented_text(
    plugin_main: MainRunner, monkeypatch: pytest.MonkeyPatch, server: StandInServer, flag: str
) -> None:
    # After changing an option, regenerate with:
    #   COLUMNS=100 python -m openrouter_credits.check --help > tests/cli/plugin_help.txt
    monkeypatch.setenv("COLUMNS", "100")
    assert plugin_main(flag, *thresholds_at(server)) == (3, HELP.read_text(encoding="utf-8"))
    assert server.requests == []


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_is_unknown_and_checks_nothing(
    plugin_main: MainRunner, server: StandInServer, flag: str
) -> None:
    assert plugin_main(flag, *thresholds_at(server)) == (
        3,
        f"check_openrouter_credits {__version__}\n",
    )
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
    plugin_main: MainRunner, server: StandInServer, extra: list[str], says: str
) -> None:
    assert plugin_main(*thresholds_at(server, *extra)) == (
        3,
        f"{UNKNOWN}usage error: {says} (see --help)\n",
    )


def test_options_are_never_abbreviated(plugin_main: MainRunner, server: StandInServer) -> None:
    args = ["-w", "10:", "-c", "5:", "--server", server.base_url]
    says = "unrecognized option --server; 1 unexpected argument (not shown)"
    assert plugin_main(*args) == (3, f"{UNKNOWN}usage error: {says} (see --help)\n")
    assert server.requests == []


def test_bad_server_url_is_shown_as_given(plugin_main: MainRunner) -> None:
    url = "ftp://server_url x"
    assert plugin_main("-w", "10:", "-c", "5:", "--server-url", url) == (
        3,
        f"{UNKNOWN}usage error: --server-url {url!r} must be an http:// or https:// URL "
        "with a host\n",
    )


def test_key_quoted_by_the_server_is_blanked(
    plugin_main: MainRunner, server: StandInServer
) -> None:
    server.script(Reply(401, body={"error": {"code": 401, "message": f"bad key {KEY}"}}))
    assert plugin_main(*thresholds_at(server)) == (
        3,
        f"{UNKNOWN}the API key was rejected (HTTP 401: bad key [redacted]); "
        "check OPENROUTER_API_KEY or --api-key-file\n",
    )


def test_key_in_the_server_url_is_blanked(plugin_main: MainRunner) -> None:
    url = f"http://127.0.0.1:{free_port()}/{KEY}/api/v1"
    state, out = plugin_main(
        "-w", "10:", "-c", "5:", "--server-url", url
    )  # plugin_main() checks KEY is absent
    assert state == 3
    assert out.startswith(f"{UNKNOWN}network error: GET http://127.0.0.1:")
    assert "/[redacted]/api/v1/credits failed" in out


def test_ctrl_c_is_unknown_interrupted(
    plugin_main: MainRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Interrupted(io.StringIO):
        def read(self, size: int | None = -1) -> str:
            raise KeyboardInterrupt

    monkeypatch.setattr("sys.stdin", Interrupted())
    assert plugin_main("-w", "10:", "-c", "5:", "--api-key-file", "-", key=None) == (
        3,
        f"{UNKNOWN}interrupted\n",
    )


def test_a_bug_is_one_unknown_line_without_the_key(
    plugin_main: MainRunner, server: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise LookupError(f"lost the key {KEY}")

    monkeypatch.setattr("openrouter_credits.cli._common.read", broken)
    assert plugin_main(*thresholds_at(server)) == (
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
    plugin_main: MainRunner,
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
    assert plugin_main(*args) == (state, f"CREDITS {line}{perf}\n")


# --- -t: the deadline ------------------------------------------------------------------


def test_deadline_counts_from_the_start(
    plugin_main: MainRunner, server: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key that took the whole -t to read leaves no time for the request."""
    monkeypatch.setattr("sys.stdin", SlowStdin(KEY + "\n", 1.0))
    state, out = plugin_main(*thresholds_at(server, "-t", "1", "--api-key-file", "-"), key=None)
    assert (state, out) == (
        3,
        f"{UNKNOWN}timeout: no complete response within the overall deadline of 1 s\n",
    )


def test_a_hung_first_attempt_leaves_time_for_a_retry(
    plugin_main: MainRunner, server: StandInServer
) -> None:
    """Each attempt gets half of -t, so the retry after a hung first attempt still fits
    (2 s of -t 4: room for a busy machine)."""
    server.script(Reply(fault=Fault.NO_HEADERS))
    state, out = plugin_main(*thresholds_at(server, "-t", "4"))
    assert state == 0, out
    assert len(server.requests) == 2


def test_the_plan_gives_each_attempt_half_of_the_deadline(
    plugin_main: MainRunner, server: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The arithmetic, without the wall clock: per attempt -t / 2, retry budget -t."""
    seen: dict[str, Any] = {}

    class Recording(OpenRouter):
        def __init__(self, **kwargs: Any) -> None:
            seen.update(kwargs)
            super().__init__(**kwargs)

    monkeypatch.setattr(_plugin, "OpenRouter", Recording)
    assert plugin_main(*thresholds_at(server, "-t", "3"))[0] == 0
    assert seen["timeout_ms"] == 1500
    assert seen["retry_config"].backoff.max_elapsed_time == 3000


def test_each_attempt_gets_half_of_the_deadline(
    plugin_main: MainRunner, server: StandInServer
) -> None:
    """A server answering in 1 s is in time for -t 4 (2 s per attempt)."""
    server.default = Reply(delay=1.0)
    state, out = plugin_main(*thresholds_at(server, "-t", "4"))
    assert state == 0, out
    assert len(server.requests) == 1


# --- output ---------------------------------------------------------------------------


def test_unwritable_standard_output_still_gives_the_state(
    plugin_main: MainRunner, server: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Gone(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError

    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    monkeypatch.setattr("sys.stdout", Gone())
    assert _plugin.main(thresholds_at(server, "-w", "200:")) == 1


# --- the key exposed: warnings in the long output ---------------------------------------


@pytest.mark.parametrize(
    ("warning", "critical", "state"),
    [("10:", "5:", "OK"), ("80:", "5:", "WARNING"), ("90:", "80:", "CRITICAL")],
)
def test_a_key_file_others_may_read_is_warned_in_the_long_output(
    server: StandInServer, tmp_path: Path, plugin: Runner, warning: str, critical: str, state: str
) -> None:
    path = key_file(tmp_path, 0o644, KEY)
    args = ["-w", warning, "-c", critical, "--api-key-file", str(path)]
    _, got, output = plugin(*args, *at(server), key=None)  # checked: status matches state
    assert got == state  # kept
    assert output.split("\n")[1:] == [f"warning: {exposed(path, '0644')}"]
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_strict_key_file_is_unknown(
    server: StandInServer, tmp_path: Path, plugin_main: MainRunner
) -> None:
    path = key_file(tmp_path, 0o640, KEY)
    args = ["--strict-key-file", "--api-key-file", str(path)]
    assert plugin_main("-w", "10:", "-c", "5:", *args, *at(server), key=None) == (
        3,
        f"{UNKNOWN}{refused(path, '0640')}\n",
    )
    path.chmod(0o600)
    assert plugin_main("-w", "10:", "-c", "5:", *args, *at(server), key=None) == (
        0,
        f"{OK_LINE}\n",
    )
    assert len(server.requests) == 1


def test_plain_http_to_a_name_is_warned_in_the_long_output(
    server: StandInServer, tmp_path: Path, plugin_main: MainRunner, resolver: Resolver
) -> None:
    resolver.loopback.add(NAME)
    path = key_file(tmp_path, 0o644, KEY)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        state, out = plugin_main("-w", "10:", "-c", "5:", "--server-url", named(server))
        both = plugin_main(
            "-w",
            "10:",
            "-c",
            "5:",
            "--api-key-file",
            str(path),
            "--server-url",
            named(server),
            key=None,
        )
    assert caught == []  # the long output, not Python's warning too
    assert checked(state, out, "") == (0, "OK", f"{OK_LINE}\n{said(NAME)}")
    assert both == (0, f"{OK_LINE}\nwarning: {exposed(path, '0644')}\n{said(NAME)}\n")
    assert set(resolver.asked) == {NAME}  # the key went to the stand-in server only
    assert [r.headers["host"] for r in server.requests] == [f"{NAME}:{server.port}"] * 2


def test_loopback_over_http_is_silent(server: StandInServer, plugin_main: MainRunner) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert plugin_main("-w", "10:", "-c", "5:", *at(server)) == (0, f"{OK_LINE}\n")
