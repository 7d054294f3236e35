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
from typing import Any, Final, Self

__all__ = [
    "DEFAULT_RETRY_CONFIG",
    "NO_RETRIES",
    "BackoffStrategy",
    "RetryConfig",
    "is_testing",
    "set_testing",
]


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _positive(name: str, value: float) -> float:
    if not (_number(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return value


def _fraction(name: str, value: float) -> float:
    if not (_number(value) and 0 <= value <= 1):
        raise ValueError(f"{name} must be between 0 and 1, got {value!r}")
    return value


def _optional_non_negative(name: str, value: float | None) -> float | None:
    if not (value is None or (_number(value) and value >= 0)):
        raise ValueError(f"{name} must be a number >= 0 or None, got {value!r}")
    return value


def _upper(value: Iterable[object]) -> tuple[str, ...]:
    return tuple(str(x).upper() for x in value)


def _check_statuses(name: str, value: tuple[str, ...] | None) -> None:
    """Each of ``value`` a status code or an ``NXX`` pattern."""
    for text in value or ():
        if not (len(text) == 3 and text[0] in "12345" and (text[1:].isdigit() or text[1:] == "XX")):
            raise ValueError(f"{name}: {text!r} is not a status code or a 'NXX' pattern")


class _Frozen:
    """What the two policy classes share: their fields (``__slots__``, in order) are set
    once, by ``__init__``; they are compared, hashed, shown and copied by those fields.
    (Plain classes rather than attrs': making an attrs class costs each command run
    about a quarter of a millisecond.)"""

    __slots__: tuple[str, ...] = ()

    def __init__(self, **fields: object) -> None:
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def _fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(tuple(self._fields().values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in self._fields().items())
        return f"{type(self).__name__}({fields})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: make a new one")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: make a new one")

    def __reduce__(self) -> tuple[Any, ...]:
        return _remake, (type(self), self._fields())

    def _replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` (checked as the constructor checks them)."""
        return type(self)(**(self._fields() | changes))


def _remake(cls: type[_Frozen], fields: dict[str, Any]) -> _Frozen:
    return cls(**fields)


class BackoffStrategy(_Frozen):
    """Exponential backoff, all times in milliseconds (the official SDK's names and order).

    The n-th wait (n = 1, 2, ...) is ``initial_interval * exponent ** (n - 1)``, at most
    ``max_interval``, less a random part of up to ``jitter`` of it (``jitter_ms``: plus up to
    that many ms, at most ``max_interval``). No attempt starts once ``max_elapsed_time`` has passed
    since the first one.
    """

    __slots__ = (  # noqa: RUF023 (in the constructor's order: the repr's and eq's)
        "initial_interval",
        "max_interval",
        "exponent",
        "max_elapsed_time",
        "jitter_ms",
        "jitter",
    )
    __match_args__ = (
        "initial_interval",
        "max_interval",
        "exponent",
        "max_elapsed_time",
        "jitter_ms",
    )
    initial_interval: float
    max_interval: float
    exponent: float
    max_elapsed_time: float
    jitter_ms: float | None
    jitter: float

    def __init__(
        self,
        initial_interval: float,
        max_interval: float,
        exponent: float,
        max_elapsed_time: float,
        jitter_ms: float | None = None,
        *,
        jitter: float = 0.25,
    ) -> None:
        super().__init__(
            initial_interval=_positive("initial_interval", initial_interval),
            max_interval=_positive("max_interval", max_interval),
            exponent=_positive("exponent", exponent),
            max_elapsed_time=_positive("max_elapsed_time", max_elapsed_time),
            jitter_ms=_optional_non_negative("jitter_ms", jitter_ms),
            jitter=_fraction("jitter", jitter),
        )

    def interval(self, retry_number: int, rand: float) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based); ``rand`` in [0, 1)."""
        base = self.initial_interval * self.exponent ** (retry_number - 1)
        if self.jitter_ms is not None:
            return min(base + self.jitter_ms * rand, float(self.max_interval)) / 1000.0
        capped = min(float(self.max_interval), base)
        return capped * (1.0 - self.jitter * rand) / 1000.0


class RetryConfig(_Frozen):
    """When to retry (the official SDK's names and order; extras are keyword-only).

    ``strategy`` is ``"backoff"`` or ``"none"``. ``retry_connection_errors`` covers
    connection failures, broken responses and timeouts. ``max_attempts`` counts every
    attempt, the first included. ``status_codes`` holds codes (``429``) or patterns
    (``"5XX"``); ``status_codes_override``, when not empty, replaces it.
    """

    __slots__ = (  # noqa: RUF023 (in the constructor's order: the repr's and eq's)
        "strategy",
        "backoff",
        "retry_connection_errors",
        "status_codes_override",
        "max_attempts",
        "status_codes",
    )
    __match_args__ = ("strategy", "backoff", "retry_connection_errors", "status_codes_override")
    strategy: str
    backoff: BackoffStrategy
    retry_connection_errors: bool
    status_codes_override: tuple[str, ...] | None
    max_attempts: int
    status_codes: tuple[str, ...]

    def __init__(
        self,
        strategy: str = "backoff",
        backoff: BackoffStrategy = BackoffStrategy(500, 60_000, 1.5, 3_600_000),  # noqa: B008 (immutable)
        retry_connection_errors: bool = True,
        status_codes_override: Iterable[object] | None = None,
        *,
        max_attempts: int = 3,
        status_codes: Iterable[object] = ("5XX", "408", "429"),
    ) -> None:
        override = None if status_codes_override is None else _upper(status_codes_override)
        statuses = _upper(status_codes)
        # Checked in the fields' order, after both conversions (as attrs did).
        if strategy not in ("backoff", "none"):
            raise ValueError(f"strategy must be 'backoff' or 'none', got {strategy!r}")
        _check_statuses("status_codes_override", override)
        if not isinstance(max_attempts, int) or isinstance(max_attempts, bool) or max_attempts < 1:
            raise ValueError(f"max_attempts must be an integer >= 1, got {max_attempts!r}")
        _check_statuses("status_codes", statuses)
        super().__init__(
            strategy=strategy,
            backoff=backoff,
            retry_connection_errors=retry_connection_errors,
            status_codes_override=override,
            max_attempts=max_attempts,
            status_codes=statuses,
        )

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
