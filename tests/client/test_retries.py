"""Retries: the decision core without I/O, on a fixed clock and fixed random numbers (so
"exactly at the budget" is exact): which statuses and failures, backoff, the elapsed-time
budget, Retry-After, the configuration checks' exact messages; then retries as a user sees
them, through the client against the stand-in server: how many attempts, the per-call
policy, what a retry logs.
"""

from __future__ import annotations

import copy
import logging
import pickle
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from openrouter_credits import NO_RETRIES, OpenRouter, _calls, errors, retries
from openrouter_credits._constants import DEFAULT_SERVER_URL
from openrouter_credits._retry_core import Failure, RetryState, parse_retry_after
from openrouter_credits.retries import DEFAULT_RETRY_CONFIG, BackoffStrategy, RetryConfig
from openrouter_credits.testing import Reply, StandInServer, free_port

from ..conftest import SECRET, call, client, raises

SPEC = Path(__file__).resolve().parents[2] / "openapi.yaml"


# --- the decision core -----------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def state(config: RetryConfig = DEFAULT_RETRY_CONFIG, rand: float = 0.0) -> RetryState:
    s = RetryState(config, clock=FakeClock(), rand=lambda: rand)
    s.start()
    return s


def test_defaults_agree_with_openapi_yaml() -> None:
    spec: dict[str, Any] = yaml.safe_load(SPEC.read_text())
    speakeasy = spec["x-speakeasy-retries"]
    strategy = spec["x-retry-strategy"]
    backoff = DEFAULT_RETRY_CONFIG.backoff
    assert DEFAULT_RETRY_CONFIG.strategy == speakeasy["strategy"]
    assert backoff.initial_interval == speakeasy["backoff"]["initialInterval"]
    assert backoff.max_interval == speakeasy["backoff"]["maxInterval"]
    assert backoff.exponent == speakeasy["backoff"]["exponent"]
    assert backoff.max_elapsed_time == speakeasy["backoff"]["maxElapsedTime"]
    assert DEFAULT_RETRY_CONFIG.retry_connection_errors is speakeasy["retryConnectionErrors"]
    assert set(DEFAULT_RETRY_CONFIG.status_codes) == {str(c) for c in speakeasy["statusCodes"]}
    assert DEFAULT_RETRY_CONFIG.max_attempts == strategy["maxAttempts"]
    assert backoff.initial_interval == strategy["initialDelay"]
    assert backoff.max_interval == strategy["maxDelay"]
    assert spec["servers"][0]["url"] == DEFAULT_SERVER_URL


def test_the_defaults_and_no_retries_are_the_constructors_own() -> None:
    assert RetryConfig() == DEFAULT_RETRY_CONFIG
    assert RetryConfig("none") == retries.NO_RETRIES
    assert RetryConfig().retry_connection_errors is True


def test_official_argument_order() -> None:
    config = RetryConfig("backoff", BackoffStrategy(1, 50, 1.1, 100), False)
    assert config.backoff.initial_interval == 1
    assert config.backoff.max_interval == 50
    assert config.backoff.exponent == 1.1
    assert config.backoff.max_elapsed_time == 100
    assert config.retry_connection_errors is False


@pytest.mark.parametrize(
    ("status", "retried"),
    [
        (408, True),
        (429, True),
        (500, True),
        (503, True),
        (599, True),
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (200, False),
        (302, False),
    ],
)
def test_retried_statuses(status: int, retried: bool) -> None:
    assert (state().after_status(status, {}) is not None) is retried


@pytest.mark.parametrize(("status", "retried"), [(400, True), (499, True), (399, False)])
def test_a_4xx_pattern_retries_from_400_and_never_below(status: int, retried: bool) -> None:
    config = RetryConfig(status_codes=("4XX", "399"))  # 399 asked for, but not a failure
    assert (state(config).after_status(status, {}) is not None) is retried


def test_exponential_backoff_without_jitter() -> None:
    backoff = BackoffStrategy(500, 60_000, 1.5, 3_600_000, jitter=0)
    assert [backoff.interval(n, 0.99) for n in (1, 2, 3)] == [0.5, 0.75, 1.125]
    assert backoff.interval(30, 0.0) == 60.0  # capped at max_interval


def test_jitter_ms_adds_up_to_that_many_milliseconds_within_max_interval() -> None:
    # The official SDK's rule (its own values are compared in test_conformance.py).
    backoff = BackoffStrategy(1000, 1_500, 2, 3_600_000, 400)
    assert [backoff.interval(1, 0.0), backoff.interval(1, 0.5)] == [1.0, 1.2]
    assert backoff.interval(1, 0.999) == pytest.approx(1.4, abs=1e-3)
    assert backoff.interval(2, 0.5) == 1.5  # 2 s + 0.2 s, capped at max_interval
    assert BackoffStrategy(1000, 9_000, 2, 9_000, jitter_ms=0).interval(2, 0.9) == 2.0


def test_jitter_only_shortens() -> None:
    backoff = BackoffStrategy(1000, 60_000, 2, 3_600_000, jitter=0.25)
    assert backoff.interval(1, 0.0) == 1.0
    assert backoff.interval(1, 0.999) == pytest.approx(0.75, abs=1e-3)


def test_at_most_max_attempts() -> None:
    s = state()
    assert s.after_status(503, {}) is not None
    assert s.after_status(503, {}) is not None
    assert s.attempts == 3
    assert s.after_status(503, {}) is None


@pytest.mark.parametrize("failure", [Failure.CONNECTION, Failure.TIMEOUT, Failure.PROTOCOL])
def test_failures_that_may_heal_follow_the_switch(failure: Failure) -> None:
    assert state().after_failure(failure, "x") is not None
    off = RetryConfig("backoff", DEFAULT_RETRY_CONFIG.backoff, False)
    assert state(off).after_failure(failure, "x") is None


@pytest.mark.parametrize("failure", [Failure.TLS_CERTIFICATE, Failure.UNSENDABLE])
def test_failures_that_cannot_heal_are_never_retried(failure: Failure) -> None:
    assert state().after_failure(failure, "x") is None


def test_strategy_none_never_retries() -> None:
    assert state(retries.NO_RETRIES).after_status(503, {}) is None


def test_retry_after_seconds_honoured() -> None:
    assert state().after_status(429, {"retry-after": "2"}) == 2.0


def test_retry_after_ms_wins() -> None:
    assert state().after_status(429, {"retry-after-ms": "150", "retry-after": "9"}) == 0.15


def test_retry_after_capped_at_max_interval() -> None:
    config = RetryConfig(backoff=BackoffStrategy(500, 2_000, 1.5, 3_600_000))
    assert state(config).after_status(429, {"retry-after": "86400"}) == 2.0


def test_wait_past_the_elapsed_budget_stops() -> None:
    config = RetryConfig(backoff=BackoffStrategy(500, 60_000, 1.5, 10_000))
    s = state(config)
    assert s.after_status(429, {"retry-after": "30"}) is None
    clock = s.clock
    assert isinstance(clock, FakeClock)
    s2 = state(config)
    assert isinstance(s2.clock, FakeClock)
    s2.clock.now += 9.8  # 0.2 s of budget left: a 0.5 s backoff does not fit
    assert s2.after_status(503, {}) is None


@pytest.mark.parametrize("value", ["-5", "soon", "", "nan", "inf", "Mon, 99 Foo 2026"])
def test_unusable_retry_after_falls_back_to_backoff(value: str) -> None:
    assert parse_retry_after({"retry-after": value}) is None
    assert state().after_status(503, {"retry-after": value}) == 0.5


def test_retry_after_http_date() -> None:
    now = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=3), usegmt=True)
    assert parse_retry_after({"retry-after": later}, now=now) == 3.0
    past = format_datetime(now - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after({"retry-after": past}, now=now) == 0.0


def test_testing_switch_zeroes_the_loops_waits_and_restores() -> None:
    """The switch is the loop's (``_calls.decide``), not the retry core's: the core stays
    pure and still decides how many attempts there are."""
    request = httpx.Request("GET", "https://openrouter.ai/api/v1/credits")

    def step(attempts: _calls.Attempts, retry_after: str) -> httpx.Response | float:
        response = httpx.Response(503, headers={"retry-after": retry_after}, request=request)
        return _calls.decide(attempts, response, request)

    assert not retries.is_testing()
    with retries.set_testing(True):
        assert retries.is_testing()
        attempts = _calls.Attempts(DEFAULT_RETRY_CONFIG, clock=FakeClock())
        attempts.start()
        assert step(attempts, "5") == 0.0
        assert attempts.after_status(503, {"retry-after": "5"}) == 5.0  # the core: unchanged
        assert isinstance(step(attempts, "5"), httpx.Response)  # still bounded by max_attempts
    assert not retries.is_testing()
    attempts = _calls.Attempts(DEFAULT_RETRY_CONFIG, clock=FakeClock())
    attempts.start()
    assert step(attempts, "5") == 5.0


def test_configs_are_immutable() -> None:
    with pytest.raises(AttributeError) as info:
        DEFAULT_RETRY_CONFIG.max_attempts = 5
    assert str(info.value) == "RetryConfig is immutable: make a new one"
    with pytest.raises(AttributeError) as info:
        del DEFAULT_RETRY_CONFIG.backoff.jitter
    assert str(info.value) == "BackoffStrategy is immutable: make a new one"


def test_configs_are_values() -> None:
    """Equal, hashed and shown by their fields; copies and pickles are equal to them."""
    config = RetryConfig("backoff", BackoffStrategy(200, 5_000, 2.0, 30_000), True, ["429"])
    same = RetryConfig(
        strategy="backoff",
        backoff=BackoffStrategy(200, 5_000, 2.0, 30_000, None, jitter=0.25),
        retry_connection_errors=True,
        status_codes_override=("429",),
    )
    assert config == same and hash(config) == hash(same)
    assert config != RetryConfig("backoff", config.backoff, True, ["503"])
    assert config != config.backoff and config != ("backoff",)
    assert repr(config.backoff) == (
        "BackoffStrategy(initial_interval=200, max_interval=5000, exponent=2.0, "
        "max_elapsed_time=30000, jitter_ms=None, jitter=0.25)"
    )
    assert repr(config).startswith("RetryConfig(strategy='backoff', backoff=BackoffStrategy(")
    assert repr(config).endswith(
        "retry_connection_errors=True, status_codes_override=('429',), max_attempts=3, "
        "status_codes=('5XX', '408', '429'))"
    )
    for twin in (copy.copy(config), copy.deepcopy(config), pickle.loads(pickle.dumps(config))):
        assert twin == config and twin is not config
    # Configs that differ hash apart (dict keys and set members stay cheap to find).
    assert len({hash(RetryConfig(max_attempts=n)) for n in range(1, 101)}) == 100


def test_set_testing_takes_effect_at_once_and_its_context_restores_the_state_before() -> None:
    switch = retries.set_testing(True)
    try:
        assert retries.is_testing()  # without entering the context
        with retries.set_testing(False):
            assert not retries.is_testing()
        assert retries.is_testing()  # restored to what it was before that block
    finally:
        with switch:
            pass
    assert not retries.is_testing()


def one_second(max_elapsed_ms: float, **kwargs: Any) -> RetryConfig:
    """Every wait exactly 1 s (no jitter), within a budget of ``max_elapsed_ms``."""
    backoff = BackoffStrategy(1000, 1000, 1, max_elapsed_ms, jitter=0)
    return RetryConfig(backoff=backoff, **kwargs)


# --- the elapsed-time budget ----------------------------------------------------------------


def test_wait_ending_exactly_at_the_budget_is_taken() -> None:
    assert state(one_second(1000)).after_status(503, {}) == 1.0


def test_wait_ending_past_the_budget_is_not_taken() -> None:
    assert state(one_second(999)).after_status(503, {}) is None


def test_server_wait_counts_against_the_budget_too() -> None:
    s = state(one_second(2000))
    assert s.after_status(503, {"retry-after-ms": "1500"}) == 1.0  # capped at max_interval
    assert state(one_second(500)).after_status(503, {"retry-after-ms": "600"}) is None


def test_wait_ending_past_a_run_deadline_is_not_taken() -> None:
    """``ends_by`` (a command's --deadline; the clock reads 100 here): a wait ending exactly
    at it is taken, one ending past it is not, whatever the budget allows."""
    s = state(one_second(10_000))
    s.ends_by = 101.0
    assert s.after_status(503, {}) == 1.0
    s = state(one_second(10_000))
    s.ends_by = 100.999
    assert s.after_status(503, {}) is None
    assert s.attempts == 1


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
            lambda: BackoffStrategy(1, 1, 0, 1),
            "exponent must be a positive number, got 0",
        ),
        (
            lambda: BackoffStrategy(1, 1, 1, -5),
            "max_elapsed_time must be a positive number, got -5",
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
        (
            lambda: BackoffStrategy(1, 1, 1, 1, jitter=2),
            "jitter must be between 0 and 1, got 2",
        ),
        (
            lambda: BackoffStrategy(1, 1, 1, 1, -1),
            "jitter_ms must be a number >= 0 or None, got -1",
        ),
        (
            lambda: RetryConfig("backoff", BackoffStrategy(1, 1, 1, 1), True, ["6XX"]),
            "status_codes_override: '6XX' is not a status code or a 'NXX' pattern",
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


@pytest.mark.parametrize("code", ["600", "099", "4X", "5X", "5XXX", "50X", "5X0", "X00", "", "abc"])
def test_bad_status_pattern_is_named(code: str) -> None:
    with pytest.raises(ValueError) as info:
        RetryConfig(status_codes=(code,))
    assert (
        str(info.value) == f"status_codes: {code.upper()!r} is not a status code or a 'NXX' pattern"
    )


@pytest.mark.parametrize("code", [100, "199", "2xx", "5XX", 599, "429"])
def test_good_status_patterns_are_kept_upper_case(code: object) -> None:
    assert RetryConfig(status_codes=[code]).status_codes == (str(code).upper(),)


# --- through the client ---------------------------------------------------------------


def test_503_then_200_succeeds_on_the_second_attempt(
    server: StandInServer, mode: str, no_sleep: None
) -> None:
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
    assert 0.9 <= gap < 1 + 5, gap  # the wait's upper end: generous for a busy machine


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


def test_oversized_body_on_a_retried_status_is_retried(
    server: StandInServer, mode: str, no_sleep: None
) -> None:
    server.script(Reply(status=503, body=b"x" * (2 << 20), content_type="text/html"))
    with client(server) as sdk:
        res = call(mode, sdk)
    assert res.data.total_credits == 100.5
    assert len(server.requests) == 2


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
    server.default = Reply(delay=5.0)  # far past 0.1 s, even on a busy machine
    with client(server, timeout_ms=100) as sdk:
        error = raises(mode, sdk, errors.APITimeoutError)
    assert f"GET {server.base_url}/credits timed out after 3 attempts: " in str(error)
    assert len(server.requests) == 3


# --- the default backoff ------------------------------------------------------------------


def test_default_jitter_takes_off_up_to_a_quarter() -> None:
    backoff = BackoffStrategy(500, 60_000, 1.5, 3_600_000)
    assert backoff.jitter == 0.25
    assert RetryConfig().backoff == backoff
    assert backoff.interval(1, 0.0) == 0.5
    assert backoff.interval(1, 1.0) == 0.375
    assert backoff.interval(2, 0.0) == 0.75
    assert backoff.interval(100, 0.0) == 60.0  # capped at max_interval


def test_first_retry_waits_the_jittered_initial_interval(
    server: StandInServer, caplog: pytest.LogCaptureFixture
) -> None:
    # No testing switch: the logged wait is the real one, between 0.375 and 0.5 s.
    server.script(Reply(status=503))
    caplog.set_level(logging.INFO, logger="openrouter_credits")
    with client(server) as sdk:
        sdk.credits.get_credits()
    (line,) = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    wait = float(re.search(r"in (\d+\.\d+) s", line).group(1))  # type: ignore[union-attr]
    assert 0.37 <= wait <= 0.5, line
    assert "after HTTP 503: attempt 2 of 3" in line
