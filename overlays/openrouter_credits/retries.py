"""The retry policy's public side: configuration objects and the testing switch.

The decisions themselves are made by the sans-IO core in :mod:`._retry_core`, which the
sync and async call paths of :mod:`.client` ask after every attempt.

The defaults are those of ``openapi.yaml``'s root extensions ``x-speakeasy-retries``
(backoff intervals, retried statuses, connection errors) and ``x-retry-strategy``
(``maxAttempts``); ``tests/client/test_retries.py`` fails when they disagree.

Differences from the official SDK, on purpose:

- elapsed time is measured on a monotonic clock, never the wall clock;
- ``Retry-After`` (seconds or an HTTP date) and ``retry-after-ms`` are honoured, but a wait
  is never longer than ``max_interval`` and never runs past the ``max_elapsed_time``
  budget: when the wait would end after the budget, the last outcome is returned instead;
- the number of attempts is bounded (``max_attempts``, 3 by default), not only the time;
- only 408, 429 and 5XX are retried, never another 4XX;
- waits are jittered (``BackoffStrategy.jitter``, a fraction taken off, so a wait never
  exceeds the computed backoff; ``jitter_ms``: the official rule, milliseconds added);
- TLS certificate failures are not retried: they will not heal by waiting;
- :func:`set_testing` makes every wait zero for users' own test suites.

The README's "Retries" section is the user's guide to all of this.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import Final

import attrs

__all__ = [
    "DEFAULT_RETRY_CONFIG",
    "NO_RETRIES",
    "BackoffStrategy",
    "RetryConfig",
    "is_testing",
    "set_testing",
]


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
        raise ValueError(f"{attribute.name} must be a positive number, got {value!r}")


def _fraction(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
        raise ValueError(f"{attribute.name} must be between 0 and 1, got {value!r}")


def _status_tuple(value: Iterable[object]) -> tuple[str, ...]:
    return tuple(str(x).upper() for x in value)


def _optional_non_negative(
    instance: object, attribute: attrs.Attribute[float | None], value: float | None
) -> None:
    if value is None:
        return
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0:
        raise ValueError(f"{attribute.name} must be a number >= 0 or None, got {value!r}")


def _status_pattern(
    instance: object, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...] | None
) -> None:
    for item in value or ():
        text = str(item).upper()
        if not (len(text) == 3 and text[0] in "12345" and (text[1:].isdigit() or text[1:] == "XX")):
            raise ValueError(f"{attribute.name}: {item!r} is not a status code or a 'NXX' pattern")


@attrs.frozen
class BackoffStrategy:
    """Exponential backoff, all times in milliseconds (the official SDK's names and order).

    The n-th wait (n = 1, 2, ...) is ``initial_interval * exponent ** (n - 1)``, at most
    ``max_interval``, less a random part of up to ``jitter`` of it (``jitter_ms``: plus up to
    that many ms, at most ``max_interval``). No attempt starts once ``max_elapsed_time`` has passed
    since the first one.
    """

    initial_interval: float = attrs.field(validator=_positive)
    max_interval: float = attrs.field(validator=_positive)
    exponent: float = attrs.field(validator=_positive)
    max_elapsed_time: float = attrs.field(validator=_positive)
    jitter_ms: float | None = attrs.field(default=None, validator=_optional_non_negative)
    jitter: float = attrs.field(default=0.25, kw_only=True, validator=_fraction)

    def interval(self, retry_number: int, rand: float) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based); ``rand`` in [0, 1)."""
        base = self.initial_interval * self.exponent ** (retry_number - 1)
        if self.jitter_ms is not None:
            return min(base + self.jitter_ms * rand, float(self.max_interval)) / 1000.0
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
    (``"5XX"``); ``status_codes_override``, when not empty, replaces it.
    """

    strategy: str = attrs.field(default="backoff")
    backoff: BackoffStrategy = attrs.field(factory=_default_backoff)
    retry_connection_errors: bool = attrs.field(default=True)
    status_codes_override: tuple[str, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_status_tuple), validator=_status_pattern
    )
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
        """Whether ``status`` is retried (exactly, or by its ``NXX`` pattern)."""
        code = str(status)
        retried = self.status_codes_override or self.status_codes
        return any(p == code or (p.endswith("XX") and p[0] == code[0]) for p in retried)


#: The defaults, from openapi.yaml's x-speakeasy-retries and x-retry-strategy.
DEFAULT_RETRY_CONFIG: Final = RetryConfig()
#: Pass as ``retry_config=`` or ``retries=`` to send exactly one attempt.
NO_RETRIES: Final = RetryConfig("none")

_testing = False


class set_testing:
    """Make every backoff wait zero (for test suites); decisions are otherwise unchanged.

    Takes effect at once, and returns a context manager that restores the previous state,
    so it serves both ``set_testing(True)`` and ``with set_testing(True): ...``.
    """

    __slots__ = ("_before",)

    def __init__(self, on: bool) -> None:
        global _testing
        self._before = _testing
        _testing = bool(on)

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        global _testing
        _testing = self._before


def is_testing() -> bool:
    """Whether :func:`set_testing` has made every wait zero."""
    return _testing
