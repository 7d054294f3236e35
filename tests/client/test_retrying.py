"""Retries as a user sees them: which statuses, how many attempts, the per-call policy."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from openrouter_credits import (
    NO_RETRIES,
    BackoffStrategy,
    OpenRouter,
    RetryConfig,
    errors,
)
from openrouter_credits.testing import Reply, StandInServer, free_port

from ..conftest import SECRET
from .conftest import call, client, raises

# --- retries ---------------------------------------------------------------------------


def test_503_then_200_succeeds_on_the_second_attempt(server: StandInServer, mode: str) -> None:
    server.script(Reply(status=503, body="<html>busy</html>", content_type="text/html"))
    with client(server) as sdk:
        res = call(mode, sdk)
    assert res.data.total_credits == 100.5
    assert len(server.requests) == 2


def test_429_with_retry_after_waits_about_that_long(server: StandInServer, mode: str) -> None:
    server.script(Reply(status=429, headers={"Retry-After": "1"}))
    with client(server) as sdk:
        call(mode, sdk)
    first, second = server.requests
    gap = second.received_at - first.received_at
    assert 0.9 <= gap < 3.0, gap


def test_500_three_times_raises_after_exactly_three_attempts(
    server: StandInServer, mode: str, no_sleep: None
) -> None:
    server.default = Reply(status=500)
    with client(server) as sdk:
        raises(mode, sdk, errors.InternalServerResponseError)
    assert len(server.requests) == 3


def test_400_is_not_retried(server: StandInServer, mode: str, no_sleep: None) -> None:
    server.default = Reply(status=400, body={"error": {"code": 400, "message": "bad"}})
    with client(server) as sdk:
        raises(mode, sdk, errors.OpenRouterDefaultError)
    assert len(server.requests) == 1


def test_retries_can_be_turned_off_per_client_and_per_call(
    server: StandInServer, no_sleep: None
) -> None:
    server.default = Reply(status=503)
    with client(server, retry_config=None) as sdk, pytest.raises(errors.OpenRouterDefaultError):
        sdk.credits.get_credits()
    assert len(server.requests) == 1
    server.reset()
    server.default = Reply(status=503)
    with client(server) as sdk, pytest.raises(errors.OpenRouterDefaultError):
        sdk.credits.get_credits(retries=NO_RETRIES)
    assert len(server.requests) == 1


def test_per_call_retry_config(server: StandInServer, no_sleep: None) -> None:
    server.default = Reply(status=502)
    five = RetryConfig("backoff", BackoffStrategy(1, 10, 1.5, 10_000), True, max_attempts=5)
    with client(server) as sdk, pytest.raises(errors.OpenRouterDefaultError):
        sdk.credits.get_credits(retries=five)
    assert len(server.requests) == 5


def test_each_retry_is_logged(
    server: StandInServer, caplog: pytest.LogCaptureFixture, no_sleep: None
) -> None:
    server.script(Reply(status=503), Reply(status=429))
    with caplog.at_level(logging.INFO, logger="openrouter_credits"), client(server) as sdk:
        sdk.credits.get_credits()
    lines = [r.getMessage() for r in caplog.records if r.name == "openrouter_credits"]
    assert len(lines) == 2
    assert "HTTP 503" in lines[0] and "attempt 2 of 3" in lines[0]
    assert "HTTP 429" in lines[1] and "attempt 3 of 3" in lines[1]


# --- what the retry loop tells the debug logger, and what ends it --------------------------


class Lines:
    """A ``debug_logger``: keeps each record's text, the elapsed seconds as ``T``."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.elapsed: list[float] = []

    def debug(self, msg: str, *args: Any, **kwargs: Any) -> None:
        text = msg % args
        if found := re.search(r"(\d+\.\d+) s since", text):
            self.elapsed.append(float(found[1]))
            text = text.replace(found[1], "T")
        self.lines.append(text)


def test_debug_records_of_a_retried_call(server: StandInServer, mode: str, no_sleep: None) -> None:
    server.script(Reply(status=503, headers={"Retry-After": "0"}))
    lines = Lines()
    with client(server, debug_logger=lines) as sdk:
        call(mode, sdk)
    url = f"{server.base_url}/credits"
    assert lines.lines == [
        f"request GET {url} (attempt 1)",
        f"response 503 to GET {url} (attempt 1, T s since the call started)",
        f"request GET {url} (attempt 2, after 0.00 s)",
        f"response 200 to GET {url} (attempt 2, T s since the call started)",
    ]
    assert all(0 <= seconds < 60 for seconds in lines.elapsed), lines.elapsed


def test_debug_records_and_error_of_a_call_that_got_no_response(mode: str, no_sleep: None) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    lines = Lines()
    sdk = OpenRouter(api_key=SECRET, server_url=url, debug_logger=lines)
    with sdk:
        error = raises(mode, sdk, errors.APIConnectionError)
    assert str(error).startswith(f"GET {url}/credits failed after 3 attempts: ConnectError: ")
    assert lines.lines[:3] == [
        f"request GET {url}/credits (attempt 1)",
        f"no response (ConnectError) to GET {url}/credits (attempt 1, T s since the call started)",
        f"request GET {url}/credits (attempt 2, after 0.00 s)",
    ]
    assert len(lines.lines) == 6


def test_an_unreadable_body_on_a_retried_status_is_retried_then_raised(
    server: StandInServer, mode: str, no_sleep: None
) -> None:
    server.default = Reply(status=503, body=b"x" * (2 << 20), content_type="text/html")
    with client(server) as sdk:
        error = raises(mode, sdk, errors.ResponseValidationError)
    assert "limit" in str(error)
    assert len(server.requests) == 3


def test_a_call_timing_out_each_time_is_a_timeout_after_three_attempts(
    server: StandInServer, mode: str, no_sleep: None
) -> None:
    server.default = Reply(delay=0.5)
    with client(server, timeout_ms=100) as sdk:
        error = raises(mode, sdk, errors.APITimeoutError)
    assert f"GET {server.base_url}/credits timed out after 3 attempts: " in str(error)
    assert len(server.requests) == 3
