"""The retry policy: configuration objects and the one decision core.

Nothing in this module does I/O. :class:`RetryState` is asked, after every attempt, whether
to try again and how long to wait first; the sync and the async call paths in
:mod:`openrouter_credits._transport` only send, sleep and ask.

The defaults are those of ``openapi.yaml``'s root extensions ``x-speakeasy-retries``
(backoff intervals, retried statuses, connection errors) and ``x-retry-strategy``
(``maxAttempts``); ``tests/test_retries.py`` fails when they disagree.

Differences from the official SDK, on purpose:

- elapsed time is measured on a monotonic clock, never the wall clock;
- ``Retry-After`` (seconds or an HTTP date) and ``retry-after-ms`` are honoured, but a wait
  is never longer than ``max_interval`` and never runs past the ``max_elapsed_time``
  budget: when the wait would end after the budget, the last outcome is returned instead;
- the number of attempts is bounded (``max_attempts``, 3 by default), not only the time;
- only 408, 429 and 5XX are retried, never another 4XX;
- waits are jittered (``BackoffStrategy.jitter``, a fraction taken off, so a wait never
  exceeds the computed backoff);
- TLS certificate failures are not retried: they will not heal by waiting;
- :func:`set_testing` makes every wait zero for users' own test suites.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime

import attrs

__all__ = [
    "DEFAULT_RETRY_CONFIG",
    "NO_RETRIES",
    "BackoffStrategy",
    "RetryConfig",
    "RetryState",
    "is_testing",
    "parse_retry_after",
    "set_testing",
    "testing",
]


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
        raise ValueError(f"{attribute.name} must be a positive number, got {value!r}")


def _fraction(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
        raise ValueError(f"{attribute.name} must be between 0 and 1, got {value!r}")


def _status_tuple(value: Iterable[object]) -> tuple[str, ...]:
    return tuple(str(x).upper() for x in value)


def _status_pattern(
    instance: object, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]
) -> None:
    if not isinstance(value, tuple):
        raise TypeError(f"{attribute.name} must be a tuple of status codes or patterns like '5XX'")
    for item in value:
        text = str(item).upper()
        if not (len(text) == 3 and text[0] in "12345" and (text[1:].isdigit() or text[1:] == "XX")):
            raise ValueError(f"{attribute.name}: {item!r} is not a status code or a 'NXX' pattern")


@attrs.frozen
class BackoffStrategy:
    """Exponential backoff, all times in milliseconds (the official SDK's names and order).

    The n-th wait (n = 1, 2, ...) is ``initial_interval * exponent ** (n - 1)``, at most
    ``max_interval``, less a random part of up to ``jitter`` of it. No attempt starts once
    ``max_elapsed_time`` has passed since the first one.
    """

    initial_interval: float = attrs.field(validator=_positive)
    max_interval: float = attrs.field(validator=_positive)
    exponent: float = attrs.field(validator=_positive)
    max_elapsed_time: float = attrs.field(validator=_positive)
    jitter: float = attrs.field(default=0.25, kw_only=True, validator=_fraction)

    def interval(self, retry_number: int, rand: float) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based); ``rand`` in [0, 1)."""
        base = self.initial_interval * self.exponent ** (retry_number - 1)
        capped = min(float(self.max_interval), base)
        return capped * (1.0 - self.jitter * rand) / 1000.0


def _default_backoff() -> BackoffStrategy:
    return BackoffStrategy(500, 60_000, 1.5, 3_600_000)


@attrs.frozen
class RetryConfig:
    """When to retry (the official SDK's names and order; extras are keyword-only).

    ``strategy`` is ``"backoff"`` or ``"none"``. ``retry_connection_errors`` covers
    connection failures, broken responses and timeouts. ``max_attempts`` counts every
    attempt, the first included. ``status_codes`` holds codes (``429``) or patterns
    (``"5XX"``).
    """

    strategy: str = attrs.field(default="backoff")
    backoff: BackoffStrategy = attrs.field(factory=_default_backoff)
    retry_connection_errors: bool = attrs.field(default=True)
    max_attempts: int = attrs.field(default=3, kw_only=True)
    status_codes: tuple[str, ...] = attrs.field(
        default=("5XX", "408", "429"),
        kw_only=True,
        converter=_status_tuple,
        validator=_status_pattern,
    )

    @strategy.validator
    def _check_strategy(self, attribute: attrs.Attribute[str], value: str) -> None:
        if value not in ("backoff", "none"):
            raise ValueError(f"strategy must be 'backoff' or 'none', got {value!r}")

    @max_attempts.validator
    def _check_attempts(self, attribute: attrs.Attribute[int], value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"max_attempts must be an integer >= 1, got {value!r}")

    def retries_status(self, status: int) -> bool:
        code = str(status)
        return any(p == code or (p.endswith("XX") and p[0] == code[0]) for p in self.status_codes)


#: The defaults, from openapi.yaml's x-speakeasy-retries and x-retry-strategy.
DEFAULT_RETRY_CONFIG = RetryConfig()
#: Pass as ``retry_config=`` or ``retries=`` to send exactly one attempt.
NO_RETRIES = RetryConfig("none")

_testing = False


def set_testing(on: bool) -> None:
    """Make every backoff wait zero (for test suites); decisions are otherwise unchanged."""
    global _testing
    _testing = bool(on)


def is_testing() -> bool:
    return _testing


@contextmanager
def testing(on: bool = True) -> Iterator[None]:
    """``with retries.testing(): ...``: :func:`set_testing` for a block, then restore."""
    before = _testing
    set_testing(on)
    try:
        yield
    finally:
        set_testing(before)


def parse_retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds the server asks to wait, from ``retry-after-ms`` or ``Retry-After``.

    ``Retry-After`` may be seconds or an HTTP date. Negative, non-finite and unparsable
    values are ignored (``None``): the backoff applies.
    """
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            ms = float(value)
        except ValueError:
            ms = math.nan
        if math.isfinite(ms) and ms >= 0:
            return ms / 1000.0
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
        return max(seconds, 0.0)
    if math.isfinite(seconds) and seconds >= 0:
        return seconds
    return None


@attrs.define
class RetryState:
    """The retry decisions of one call. No I/O: the caller sends, sleeps and reports.

    After each attempt call :meth:`after_status` or :meth:`after_error`; each returns the
    seconds to wait before the next attempt, or ``None`` for "stop, use this outcome".
    """

    config: RetryConfig
    clock: Callable[[], float] = time.monotonic
    rand: Callable[[], float] = random.random
    attempts: int = 0
    started: float = attrs.field(default=0.0)
    last_reason: str = ""

    def start(self) -> None:
        """Call once, right before the first attempt."""
        self.started = self.clock()
        self.attempts = 1

    def after_status(self, status: int, headers: Mapping[str, str]) -> float | None:
        if not (status >= 400 and self.config.retries_status(status)):
            return None
        self.last_reason = f"HTTP {status}"
        return self._next_wait(parse_retry_after(headers))

    def after_error(self, error: BaseException, retryable: bool) -> float | None:
        if not (retryable and self.config.retry_connection_errors):
            return None
        self.last_reason = type(error).__name__
        return self._next_wait(None)

    def _next_wait(self, server_hint: float | None) -> float | None:
        config = self.config
        if config.strategy == "none" or self.attempts >= config.max_attempts:
            return None
        backoff = config.backoff
        wait = backoff.interval(self.attempts, self.rand())
        if server_hint is not None:
            wait = min(server_hint, backoff.max_interval / 1000.0)
        remaining = backoff.max_elapsed_time / 1000.0 - (self.clock() - self.started)
        if wait > remaining:
            return None
        self.attempts += 1
        return 0.0 if _testing else wait
