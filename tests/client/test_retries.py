"""The retry decision core, without I/O: a fake clock and fixed random numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from openrouter_credits import retries
from openrouter_credits._constants import DEFAULT_SERVER_URL
from openrouter_credits._retry_core import Failure, RetryState, parse_retry_after
from openrouter_credits.retries import DEFAULT_RETRY_CONFIG, BackoffStrategy, RetryConfig

SPEC = Path(__file__).resolve().parents[2] / "openapi.yaml"


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


def test_testing_switch_zeroes_waits_and_restores() -> None:
    assert not retries.is_testing()
    with retries.set_testing(True):
        assert retries.is_testing()
        s = state()
        assert s.after_status(503, {"retry-after": "5"}) == 0.0
        assert s.after_status(503, {}) == 0.0
        assert s.after_status(503, {}) is None  # still bounded by max_attempts
    assert not retries.is_testing()


@pytest.mark.parametrize(
    "make",
    [
        lambda: BackoffStrategy(0, 1, 1, 1),
        lambda: BackoffStrategy(1, 1, 1, 1, jitter=2),
        lambda: RetryConfig("sometimes"),
        lambda: RetryConfig(max_attempts=0),
        lambda: RetryConfig(status_codes=("4X",)),
    ],
)
def test_bad_config_is_a_clear_error(make: Any) -> None:
    with pytest.raises(ValueError):
        make()


def test_configs_are_immutable() -> None:
    with pytest.raises(AttributeError):
        DEFAULT_RETRY_CONFIG.max_attempts = 5  # type: ignore[misc]


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
