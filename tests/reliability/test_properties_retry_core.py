"""Property-based: the retry core's waits and attempts never leave the policy's bounds,
whatever statuses, ``Retry-After`` values and errors come (no I/O: a fake clock).
"""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from openrouter_credits._retry_core import Failure, RetryState, parse_retry_after
from openrouter_credits.retries import BackoffStrategy, RetryConfig

from .strategies import retried, retry_after_values


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


configs = st.builds(
    lambda initial, cap, exponent, budget, jitter, attempts, on_errors: RetryConfig(
        "backoff",
        BackoffStrategy(initial, cap, exponent, budget, jitter=jitter),
        on_errors,
        max_attempts=attempts,
    ),
    st.floats(1, 10_000),
    st.floats(1, 120_000),
    st.floats(1, 3),
    st.floats(1, 10_000_000),
    st.floats(0, 1),
    st.integers(1, 10),
    st.booleans(),
)
retry_headers = st.dictionaries(
    st.sampled_from(["retry-after", "retry-after-ms"]), retry_after_values, max_size=2
)
events = st.lists(
    st.tuples(st.integers(200, 599), retry_headers, st.booleans(), st.booleans()), max_size=15
)


@settings(max_examples=300, deadline=None)
@given(
    config=configs,
    events=events,
    took=st.lists(st.floats(0, 100), min_size=15, max_size=15),
    rand=st.floats(0, 1, exclude_max=True),
)
def test_retry_state_never_leaves_the_policy(
    config: RetryConfig,
    events: list[tuple[int, dict[str, str], bool, bool]],
    took: list[float],
    rand: float,
) -> None:
    clock = Clock()
    state = RetryState(config, clock=clock, rand=lambda: rand)
    state.start()
    started, cap, budget = (
        clock.now,
        config.backoff.max_interval / 1000,
        config.backoff.max_elapsed_time / 1000,
    )
    for (status, headers, is_error, retryable), seconds in zip(events, took, strict=False):
        clock.now += seconds  # the attempt took this long
        if is_error:
            wait = state.after_failure(
                Failure.CONNECTION if retryable else Failure.TLS_CERTIFICATE, "OSError"
            )
            allowed = retryable and config.retry_connection_errors
        else:
            wait = state.after_status(status, headers)
            allowed = retried(status)
        if wait is None:
            break
        assert allowed, f"retried {status if not is_error else 'an error'} it should not"
        assert state.attempts <= config.max_attempts
        assert 0 <= wait <= cap
        assert clock.now + wait - started <= budget + 1e-9, "a wait past the budget"
        clock.now += wait
    assert 1 <= state.attempts <= config.max_attempts


@settings(max_examples=500, deadline=None)
@given(
    headers=st.dictionaries(
        st.sampled_from(["retry-after", "retry-after-ms", "x-other"]),
        retry_after_values | st.text(max_size=40),
        max_size=3,
    )
)
def test_parse_retry_after_is_none_or_a_finite_wait(headers: dict[str, str]) -> None:
    wait = parse_retry_after(headers)
    assert wait is None or (math.isfinite(wait) and wait >= 0)


def test_parse_retry_after_ignores_a_date_with_a_huge_zone_offset() -> None:
    assert (
        parse_retry_after({"retry-after": "Mon, 01 Jan 2024 00:00:00 +99999999999999999999"})
        is None
    )
