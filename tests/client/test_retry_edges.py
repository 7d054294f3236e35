"""The retry policy at its edges: the elapsed-time budget to the millisecond, Retry-After
dates without a zone, the configuration checks' exact messages, and what a retry logs.

The decisions are checked on the sans-IO core with a fixed clock (so "exactly at the
budget" is exact); what a user sees of them, through the client against the stand-in server.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from openrouter_credits import BackoffStrategy, OpenRouter, RetryConfig, errors
from openrouter_credits._retry_core import RetryState, parse_retry_after
from openrouter_credits.testing import Reply, StandInServer, free_port


def fixed_state(config: RetryConfig) -> RetryState:
    state = RetryState(config, clock=lambda: 50.0, rand=lambda: 0.0)
    state.start()
    return state


def one_second(max_elapsed_ms: float, **kwargs: Any) -> RetryConfig:
    """Every wait exactly 1 s (no jitter), within a budget of ``max_elapsed_ms``."""
    backoff = BackoffStrategy(1000, 1000, 1, max_elapsed_ms, jitter=0)
    return RetryConfig(backoff=backoff, **kwargs)


# --- the elapsed-time budget ----------------------------------------------------------------


def test_wait_ending_exactly_at_the_budget_is_taken() -> None:
    assert fixed_state(one_second(1000)).after_status(503, {}) == 1.0


def test_wait_ending_past_the_budget_is_not_taken() -> None:
    assert fixed_state(one_second(999)).after_status(503, {}) is None


def test_server_wait_counts_against_the_budget_too() -> None:
    state = fixed_state(one_second(2000))
    assert state.after_status(503, {"retry-after-ms": "1500"}) == 1.0  # capped at max_interval
    assert fixed_state(one_second(500)).after_status(503, {"retry-after-ms": "600"}) is None


def test_wait_ending_past_a_run_deadline_is_not_taken() -> None:
    """``ends_by`` (a command's --deadline, the clock reading 50 here + 1 s): a wait ending
    exactly at it is taken, one ending past it is not, whatever the budget allows."""
    state = fixed_state(one_second(10_000))
    state.ends_by = 51.0
    assert state.after_status(503, {}) == 1.0
    state = fixed_state(one_second(10_000))
    state.ends_by = 50.999
    assert state.after_status(503, {}) is None
    assert state.attempts == 1


# --- Retry-After dates ------------------------------------------------------------------------


def test_retry_after_date_without_a_zone_is_read_as_gmt() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_retry_after({"retry-after": "Fri, 02 Jan 2026 03:04:08"}, now=now) == 3.0
    assert parse_retry_after({"retry-after": "Fri, 02 Jan 2026 03:04:08 GMT"}, now=now) == 3.0


def test_retry_after_date_with_an_offset_is_converted() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    later = "Fri, 02 Jan 2026 04:04:10 +0100"  # 03:04:10 UTC
    assert parse_retry_after({"retry-after": later}, now=now) == 5.0


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after-ms": "0"}, 0.0),
        ({"retry-after-ms": "-1", "retry-after": "2"}, 2.0),
        ({"retry-after-ms": "soon", "retry-after": " 3 "}, 3.0),
        ({"retry-after-ms": "inf"}, None),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": "-0.5"}, None),
    ],
)
def test_retry_after_values(headers: dict[str, str], seconds: float | None) -> None:
    assert parse_retry_after(headers) == seconds


# --- configuration checks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: BackoffStrategy(0, 1, 1, 1),
            "initial_interval must be a positive number, got 0",
        ),
        (
            lambda: BackoffStrategy(True, 1, 1, 1),
            "initial_interval must be a positive number, got True",
        ),
        (
            lambda: BackoffStrategy(1, "2", 1, 1),  # type: ignore[arg-type]
            "max_interval must be a positive number, got '2'",
        ),
        (
            lambda: BackoffStrategy(1, 1, 1, 1, jitter=True),
            "jitter must be between 0 and 1, got True",
        ),
        (
            lambda: BackoffStrategy(1, 1, 1, 1, jitter=-0.1),
            "jitter must be between 0 and 1, got -0.1",
        ),
        (
            lambda: BackoffStrategy(1, 1, 1, 1, jitter="0.5"),  # type: ignore[arg-type]
            "jitter must be between 0 and 1, got '0.5'",
        ),
        (lambda: RetryConfig("sometimes"), "strategy must be 'backoff' or 'none', got 'sometimes'"),
        (lambda: RetryConfig(max_attempts=0), "max_attempts must be an integer >= 1, got 0"),
        (lambda: RetryConfig(max_attempts=True), "max_attempts must be an integer >= 1, got True"),
        (lambda: RetryConfig(max_attempts=2.0), "max_attempts must be an integer >= 1, got 2.0"),  # type: ignore[arg-type]
    ],
)
def test_bad_config_message_names_the_field_and_value(make: Any, message: str) -> None:
    with pytest.raises(ValueError) as info:
        make()
    assert str(info.value) == message


def test_jitter_bounds_are_inclusive() -> None:
    assert BackoffStrategy(1, 1, 1, 1, jitter=0).jitter == 0
    assert BackoffStrategy(1, 1, 1, 1, jitter=1).jitter == 1


@pytest.mark.parametrize("code", ["600", "099", "5X", "5XXX", "50X", "5X0", "X00", "", "abc"])
def test_bad_status_pattern_is_named(code: str) -> None:
    with pytest.raises(ValueError) as info:
        RetryConfig(status_codes=(code,))
    assert (
        str(info.value) == f"status_codes: {code.upper()!r} is not a status code or a 'NXX' pattern"
    )


@pytest.mark.parametrize("code", [100, "199", "2xx", "5XX", 599, "429"])
def test_good_status_patterns_are_kept_upper_case(code: object) -> None:
    assert RetryConfig(status_codes=[code]).status_codes == (str(code).upper(),)


# --- what a retry after a failure logs ---------------------------------------------------------


def test_retry_after_a_refused_connection_names_the_failure(
    caplog: pytest.LogCaptureFixture, no_sleep: None
) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    caplog.set_level(logging.INFO, logger="openrouter_credits")
    with OpenRouter(api_key="k", server_url=url) as sdk, pytest.raises(errors.APIConnectionError):
        sdk.credits.get_credits()
    lines = [r.getMessage() for r in caplog.records if r.name == "openrouter_credits"]
    assert [re.sub(r"in \d+\.\d+ s", "in T s", line) for line in lines] == [
        "retrying GET /api/v1/credits after ConnectError: attempt 2 of 3 in T s",
        "retrying GET /api/v1/credits after ConnectError: attempt 3 of 3 in T s",
    ]


def test_retry_after_a_status_names_it(
    caplog: pytest.LogCaptureFixture, no_sleep: None, server: StandInServer
) -> None:
    server.script(Reply(503), Reply(429))
    caplog.set_level(logging.INFO, logger="openrouter_credits")
    with OpenRouter(api_key="k", server_url=server.base_url) as sdk:
        sdk.credits.get_credits()
    lines = [r.getMessage() for r in caplog.records if r.name == "openrouter_credits"]
    assert [re.sub(r"in \d+\.\d+ s", "in T s", line) for line in lines] == [
        "retrying GET /api/v1/credits after HTTP 503: attempt 2 of 3 in T s",
        "retrying GET /api/v1/credits after HTTP 429: attempt 3 of 3 in T s",
    ]
