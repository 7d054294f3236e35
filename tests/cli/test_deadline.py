"""The overall deadline (``openrouter-credits --deadline``, the plugin's ``-t``): its plan
(per-attempt timeout and retry budget) and its hard bound, against the stand-in server."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from openrouter_credits import OpenRouter
from openrouter_credits.cli._deadline import DeadlineExceeded, fit, read_credits
from openrouter_credits.errors import APITimeoutError, OpenRouterDefaultError
from openrouter_credits.retries import DEFAULT_RETRY_CONFIG, NO_RETRIES
from openrouter_credits.testing import Fault, Reply, StandInServer

KEY = "sk-or-v1-DEADLINE-SENTINEL-00ff00ff"
CLI = [sys.executable, "-m", "openrouter_credits"]
#: Added to a never-hang bound: scheduling on a busy machine (make test-under-load).
SLACK = 10.0


def test_fit_without_a_deadline_changes_nothing() -> None:
    assert fit(None, None, DEFAULT_RETRY_CONFIG) == (None, DEFAULT_RETRY_CONFIG)
    assert fit(None, 2.5, NO_RETRIES) == (2500, NO_RETRIES)


def test_fit_bounds_the_attempts_and_the_retry_budget() -> None:
    timeout_ms, retry = fit(4, None, DEFAULT_RETRY_CONFIG)
    assert timeout_ms == 4000  # the 30 s default, cut to the deadline
    assert retry.backoff.max_elapsed_time == 4000
    assert retry.max_attempts == DEFAULT_RETRY_CONFIG.max_attempts
    assert fit(4, 1, DEFAULT_RETRY_CONFIG)[0] == 1000  # a shorter timeout stays


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


def test_cli_deadline_ends_a_hung_run_with_status_6(server: StandInServer) -> None:
    """Without --deadline this run takes 3 attempts of 30 s; with it, about 2 s."""
    server.default = Reply(fault=Fault.NO_HEADERS)
    begin = time.monotonic()
    result = subprocess.run(
        [*CLI, "--server-url", server.base_url, "--deadline", "2"],
        env={**os.environ, "OPENROUTER_API_KEY": KEY},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    elapsed = time.monotonic() - begin
    assert (result.returncode, result.stdout) == (6, "")
    assert result.stderr == (
        "openrouter-credits: timeout: no complete response within the overall deadline of 2 s\n"
    )
    assert elapsed < 2 + SLACK + 10, elapsed  # interpreter start-ups on a busy machine too


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


#: Modules a plain command run has no use for: the deadline needs no event loop, and the
#: Prometheus output, the plugin's state file and forecast load only with their options.
UNNEEDED = (
    "asyncio",
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
    """Both commands read through the sync client, without asyncio, and load what only an
    option needs when that option is given."""
    code = (
        f"import sys\nfrom {module} import main\nstatus = main(sys.argv[1:])\n"
        f"print([m for m in {UNNEEDED!r} if m in sys.modules])\nsys.exit(status)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *args, "--server-url", server.base_url],
        env={**os.environ, "OPENROUTER_API_KEY": KEY},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.endswith("\n[]\n"), result.stdout


def test_cli_rejects_a_bad_deadline(server: StandInServer) -> None:
    result = subprocess.run(
        [*CLI, "--server-url", server.base_url, "--deadline", "never"],
        env={**os.environ, "OPENROUTER_API_KEY": KEY},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 64
    assert "--deadline: not a number of seconds: 'never'" in result.stderr
    assert server.requests == []
