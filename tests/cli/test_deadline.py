"""The time limits of a read: the overall deadline (``openrouter-credits --deadline``, the
plugin's ``-t``; ``cli/_deadline.py``), its plan (per-attempt timeout and retry budget) and
its hard bound; ``--timeout`` per attempt, in seconds; ``--no-retries``. Against the
stand-in server: the plan and the bound through ``read_credits``, the command in process
(``cli.main``, the exact lines, and the cases a subprocess cannot set up: a key slow to
arrive), and as a subprocess where the process itself is the point.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from openrouter_credits import OpenRouter
from openrouter_credits.cli._deadline import DeadlineExceeded, fit, read_credits
from openrouter_credits.errors import APITimeoutError, OpenRouterDefaultError
from openrouter_credits.retries import DEFAULT_RETRY_CONFIG, NO_RETRIES
from openrouter_credits.testing import Fault, Reply, StandInServer

from .conftest import KEY, PROG, RUN_TIMEOUT, InProcess, SlowStdin, at, key_env, run_subprocess

#: Added to a never-hang bound: scheduling on a busy machine (make test-under-load).
SLACK = 10.0
DEADLINE_LINE = f"{PROG}timeout: no complete response within the overall deadline of {{}} s\n"

# --- the plan -------------------------------------------------------------------------------


def test_fit_without_a_deadline_changes_nothing() -> None:
    assert fit(None, None, DEFAULT_RETRY_CONFIG) == (None, DEFAULT_RETRY_CONFIG)
    assert fit(None, 2.5, NO_RETRIES) == (2500, NO_RETRIES)


def test_fit_bounds_the_attempts_and_the_retry_budget() -> None:
    timeout_ms, retry = fit(4, None, DEFAULT_RETRY_CONFIG)
    assert timeout_ms == 4000  # the 30 s default, cut to the deadline
    assert retry.backoff.max_elapsed_time == 4000
    assert retry.max_attempts == DEFAULT_RETRY_CONFIG.max_attempts
    assert fit(4, 1, DEFAULT_RETRY_CONFIG)[0] == 1000  # a shorter timeout stays


def test_a_wait_that_would_end_past_the_deadline_is_not_taken(server: StandInServer) -> None:
    """1 s of a 2 s deadline left, a 503 asking for 1.5 s: the plan's retry budget (2 s
    from the call) would take the wait; the deadline does not, so the 503 is the answer."""
    server.default = Reply(503, headers={"Retry-After": "1.5"})
    timeout_ms, retry = fit(2, None, DEFAULT_RETRY_CONFIG)
    client = OpenRouter(
        api_key=KEY, server_url=server.base_url, retry_config=retry, timeout_ms=timeout_ms
    )
    with pytest.raises(OpenRouterDefaultError, match="HTTP 503"):
        read_credits(client, 2, started=time.monotonic() - 1)
    assert len(server.requests) == 1


def test_deadline_is_the_retry_budget(server: StandInServer, run: InProcess) -> None:
    """A 503 asking for a 30 s wait is reported at once: no retry fits in the deadline."""
    server.default = Reply(503, headers={"Retry-After": "30"})
    status, out, err = run(*at(server, "--deadline", "3"))
    assert (status, out) == (5, "")
    assert err.startswith(f"{PROG}server error: unexpected response: HTTP 503")
    assert len(server.requests) == 1


def test_without_a_deadline_retries_follow_the_policy(
    server: StandInServer, run: InProcess
) -> None:
    server.script(
        Reply(503, headers={"Retry-After": "0"}), Reply(503, headers={"Retry-After": "0"})
    )
    assert run(*at(server))[0] == 0
    assert len(server.requests) == 3


def test_no_retries_sends_one_attempt(server: StandInServer, run: InProcess) -> None:
    server.default = Reply(503, headers={"Retry-After": "0"})
    assert run(*at(server, "--no-retries")) == (
        5,
        "",
        f"{PROG}server error: unexpected response: HTTP 503 Service Unavailable, "
        "content-type none, body '' (0 bytes)\n",
    )
    assert len(server.requests) == 1


# --- the hard bound -------------------------------------------------------------------------


def test_hard_bound_cancels_a_hung_attempt(server: StandInServer) -> None:
    """No plan at all (a 30 s attempt, three of them): the deadline alone ends the call."""
    server.default = Reply(fault=Fault.NO_HEADERS)
    client = OpenRouter(api_key=KEY, server_url=server.base_url, timeout_ms=30_000)
    begin = time.monotonic()
    with pytest.raises(DeadlineExceeded, match=r"within the overall deadline of 0\.5 s"):
        read_credits(client, 0.5)
    # Never-hang bound (busy machine included), far below one attempt's 30 s.
    assert time.monotonic() - begin < 0.5 + SLACK
    # On a busy machine the deadline may pass before the request is even sent.
    assert len(server.requests) <= 1


def test_time_already_spent_counts(server: StandInServer) -> None:
    """A deadline already spent: no read, even from a server that would answer at once."""
    client = OpenRouter(api_key=KEY, server_url=server.base_url)
    with pytest.raises(DeadlineExceeded, match="of 5 s") as caught:
        read_credits(client, 5, started=time.monotonic() - 5)
    assert caught.value.attempts == 0  # not counted: the deadline is not an attempt's


def test_time_left_is_what_remains(server: StandInServer) -> None:
    """0.5 s left of 2 s is 0.5 s: not enough for a 0.6 s answer; 9.5 s left of 10 s is
    plenty, even on a busy machine."""
    server.default = Reply(delay=0.6)
    client = OpenRouter(api_key=KEY, server_url=server.base_url)
    with pytest.raises(DeadlineExceeded, match="of 2 s"):
        read_credits(client, 2, started=time.monotonic() - 1.5)  # 0.5 s left: too little
    client = OpenRouter(api_key=KEY, server_url=server.base_url)
    assert read_credits(client, 10, started=time.monotonic() - 0.5).data.total_usage == 25.75


def test_a_timeout_error_that_is_not_the_deadline_is_not_reported_as_it(
    monkeypatch: pytest.MonkeyPatch, server: StandInServer
) -> None:
    """Unit test (no request): only a timeout at the deadline becomes DeadlineExceeded."""
    client = OpenRouter(api_key=KEY, server_url=server.base_url)

    def other(*args: object, **kwargs: object) -> None:
        raise APITimeoutError("some other timeout", 1)

    monkeypatch.setattr(client.credits, "get_credits", other)
    for deadline in (5, None):
        with pytest.raises(APITimeoutError, match="some other timeout") as caught:
            read_credits(client, deadline)
        assert not isinstance(caught.value, DeadlineExceeded)


def test_a_read_within_the_deadline_succeeds(server: StandInServer) -> None:
    client = OpenRouter(api_key=KEY, server_url=server.base_url)
    assert read_credits(client, 5).data.total_credits == 100.5


def test_deadline_ends_a_hung_read(server: StandInServer, run: InProcess) -> None:
    server.default = Reply(fault=Fault.NO_HEADERS)
    assert run(*at(server, "--deadline", "0.5", "--timeout", "20")) == (
        6,
        "",
        DEADLINE_LINE.format("0.5"),
    )


def test_deadline_counts_from_the_start(
    server: StandInServer, run: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key that took the whole --deadline to read leaves no time for the request."""
    monkeypatch.setattr("sys.stdin", SlowStdin(KEY + "\n", 1.0))
    assert run(*at(server, "--deadline", "1", "--api-key-file", "-"), key=None) == (
        6,
        "",
        DEADLINE_LINE.format("1"),
    )


def test_cli_deadline_ends_a_hung_run_with_status_6(server: StandInServer) -> None:
    """The process, not only ``cli.main``: without --deadline this run takes 3 attempts of
    30 s; with it, about 1 s."""
    server.default = Reply(fault=Fault.NO_HEADERS)
    begin = time.monotonic()
    result = run_subprocess(*at(server, "--deadline", "1"))
    elapsed = time.monotonic() - begin
    assert (result.returncode, result.stdout) == (6, "")
    assert result.stderr == DEADLINE_LINE.format("1")
    assert elapsed < 1 + SLACK + 10, elapsed  # interpreter start-ups on a busy machine too


def test_a_bad_deadline_is_a_usage_error(server: StandInServer, run: InProcess) -> None:
    assert run(*at(server, "--deadline", "never")) == (
        64,
        "",
        f"{PROG}error: argument --deadline: not a number of seconds: 'never' (see --help)\n",
    )
    assert server.requests == []


#: Modules a plain command run has no use for: the deadline needs no event loop, the
#: numbers no decimal module (only --min-remaining's parsing does), and the Prometheus
#: output, the plugin's state file and forecast load only with their options; the plugin
#: does not load the other command's module either.
UNNEEDED = (
    "asyncio",
    "decimal",
    "openrouter_credits.cli._prometheus",
    "openrouter_credits.cli._state",
    "openrouter_credits.cli._forecast",
)


@pytest.mark.parametrize(
    ("module", "args"),
    [
        ("openrouter_credits.cli", ["--json"]),
        ("openrouter_credits.cli", ["--json", "--deadline", "20"]),
        ("openrouter_credits.check", ["-w", "10:", "-c", "5:"]),
    ],
)
def test_a_command_run_imports_only_what_it_needs(
    server: StandInServer, module: str, args: list[str]
) -> None:
    unneeded = UNNEEDED + (("openrouter_credits.cli._credits",) if "check" in module else ())
    """Both commands read through the sync client, without asyncio, and load what only an
    option needs when that option is given."""
    code = (
        # as installed: httpx without its command line (click, rich: rich imports decimal)
        "import sys\nsys.modules.update(click=None, rich=None, pygments=None)\n"
        f"from {module} import main\nstatus = main(sys.argv[1:])\n"
        f"print([m for m in {unneeded!r} if m in sys.modules])\nsys.exit(status)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *args, "--server-url", server.base_url],
        env=key_env(KEY),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.endswith("\n[]\n"), result.stdout


# --- --timeout, per attempt -------------------------------------------------------------------


def test_timeout_is_in_seconds(server: StandInServer, run: InProcess) -> None:
    server.script(Reply(delay=0.1))  # past 5 ms, well within 5 s
    assert run(*at(server, "--timeout", "5", "--no-retries"))[0] == 0
    server.script(Reply(delay=3.0))  # far past 0.25 s, even on a busy machine (not waited for)
    status, out, err = run(*at(server, "--timeout", "0.25", "--no-retries"))
    assert (status, out) == (6, "")
    assert err.startswith(f"{PROG}timeout: GET ") and "timed out after 1 attempt:" in err


def test_timeout_applies_to_each_attempt_under_a_deadline(
    server: StandInServer, run: InProcess
) -> None:
    """--timeout 2 with --deadline 10: the hung first attempt times out, the retry succeeds
    (2 s for a local answer: room for a busy machine)."""
    server.script(Reply(fault=Fault.NO_HEADERS))
    status, _, err = run(*at(server, "--timeout", "2", "--deadline", "10"))
    assert (status, err) == (0, "")
    assert len(server.requests) == 2
