"""The retry decisions of one call, with no I/O and no global state (modelled on tenacity's
``RetryCallState``): time and randomness come in as ``clock`` and ``rand``.

After every attempt the caller reports what happened (a status, or a :class:`Failure`
kind) and gets back the seconds to wait or ``None`` for "stop, use this outcome". Every
rule is a small named function below; the policy they read is
:class:`~openrouter_credits.retries.RetryConfig` (the user's guide:
docs/retries-and-timeouts.md#retries).
"""

from __future__ import annotations

import email.utils
import enum
import math
import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from .retries import RetryConfig

__all__ = ["Failure", "RetryState", "parse_retry_after"]


class Failure(enum.Enum):
    """What went wrong in an attempt that got no response (the transport says which)."""

    CONNECTION = "connection"
    """Could not connect, or the connection broke (refused, reset, closed mid-response)."""
    TIMEOUT = "timeout"
    """Connecting, sending or receiving took longer than the attempt's timeout."""
    PROTOCOL = "protocol"
    """The server broke HTTP (a truncated or malformed response)."""
    TLS_CERTIFICATE = "TLS certificate"
    """The server's TLS certificate failed verification."""
    UNSENDABLE = "unsendable"
    """The request cannot go out as it is (unsupported scheme, a proxy or local error)."""


# --- the rules ----------------------------------------------------------------------


def _status_is_retried(config: RetryConfig, status: int) -> bool:
    # Only failures are retried: a success or a redirect is an answer, whatever the config.
    return status >= 400 and config.retries_status(status)


def _failure_is_retried(config: RetryConfig, failure: Failure) -> bool:
    # A certificate that failed verification, or a request that cannot be sent, will not
    # heal by waiting; the rest may, when the config retries connection errors at all.
    healable = failure not in (Failure.TLS_CERTIFICATE, Failure.UNSENDABLE)
    return healable and config.retry_connection_errors


def _attempts_left(config: RetryConfig, attempts: int) -> bool:
    # Bounded by count as well as by time; "none" means exactly one attempt.
    return config.strategy != "none" and attempts < config.max_attempts


def _wait_for(config: RetryConfig, retry_number: int, rand: float, hint: float | None) -> float:
    # The server's Retry-After wins over the backoff, but never beyond max_interval.
    if hint is not None:
        return min(hint, config.backoff.max_interval / 1000.0)
    return config.backoff.interval(retry_number, rand)


def _fits_budget(config: RetryConfig, wait: float, elapsed: float) -> bool:
    # A wait that would end past max_elapsed_time is not taken: the last outcome stands.
    return wait <= config.backoff.max_elapsed_time / 1000.0 - elapsed


def _ends_in_time(ends_by: float | None, now: float, wait: float) -> bool:
    return ends_by is None or now + wait <= ends_by


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


class RetryState:
    """The retry decisions of one call. No I/O: the caller sends, sleeps and reports.

    After each attempt call :meth:`after_status` or :meth:`after_failure`; each returns the
    seconds to wait before the next attempt, or ``None`` for "stop, use this outcome".
    """

    __slots__ = ("attempts", "clock", "config", "ends_by", "last_reason", "rand", "started")

    def __init__(
        self,
        config: RetryConfig,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.config = config
        self.clock = clock
        self.rand = rand
        self.attempts = 0
        self.started = 0.0
        self.last_reason = ""
        #: No wait ends past this ``clock`` reading (a whole run's deadline).
        self.ends_by: float | None = None

    def start(self) -> None:
        """Call once, right before the first attempt."""
        self.started = self.clock()
        self.attempts = 1

    def after_status(self, status: int, headers: Mapping[str, str]) -> float | None:
        """After a response with ``status``: seconds to wait, or ``None`` to return it."""
        if not _status_is_retried(self.config, status):
            return None
        self.last_reason = f"HTTP {status}"
        return self._next_wait(parse_retry_after(headers))

    def after_failure(self, failure: Failure, reason: str) -> float | None:
        """After an attempt with no response: seconds to wait, or ``None`` to raise."""
        if not _failure_is_retried(self.config, failure):
            return None
        self.last_reason = reason
        return self._next_wait(None)

    def _next_wait(self, server_hint: float | None) -> float | None:
        config = self.config
        if not _attempts_left(config, self.attempts):
            return None
        wait = _wait_for(config, self.attempts, self.rand(), server_hint)
        now = self.clock()
        if not _fits_budget(config, wait, now - self.started):
            return None
        if not _ends_in_time(self.ends_by, now, wait):
            return None
        self.attempts += 1
        return wait
