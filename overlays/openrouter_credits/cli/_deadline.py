"""One read of ``GET /credits`` within an overall deadline, retries included (both
commands): :func:`fit` cuts each attempt's timeout and the retry budget to it, and
:func:`read_credits` bounds the sync call by it. docs/monitoring.md documents the
options; docs/maintaining/attempt-deadline.md the bound.
"""

from __future__ import annotations

import time

from .. import errors
from .._constants import DEFAULT_TIMEOUT_MS
from .._generated.models.get_credits_response import GetCreditsResponse
from .._http.clamped import deadline as within
from ..client import OpenRouter
from ..retries import RetryConfig

__all__ = ["DeadlineExceeded", "fit", "read_credits"]


class DeadlineExceeded(errors.APITimeoutError):
    """No complete response within the overall deadline (``attempts`` is 0: not counted)."""


def fit(
    deadline: float | None, timeout: float | None, retry: RetryConfig
) -> tuple[float | None, RetryConfig]:
    """The per-attempt timeout (milliseconds, ``None``: the client's default) and the retry
    policy for a run that must end within ``deadline`` seconds (``None``: no deadline).
    ``timeout`` is the per-attempt timeout asked for, in seconds."""
    timeout_ms = None if timeout is None else timeout * 1000
    if deadline is None:
        return timeout_ms, retry
    limit = deadline * 1000
    timeout_ms = min(timeout_ms if timeout_ms is not None else DEFAULT_TIMEOUT_MS, limit)
    budget = min(retry.backoff.max_elapsed_time, limit)
    return timeout_ms, retry._replace(backoff=retry.backoff._replace(max_elapsed_time=budget))


def read_credits(
    client: OpenRouter, deadline: float | None, started: float | None = None
) -> GetCreditsResponse:
    """``client.credits.get_credits()``, ended ``deadline`` seconds after ``started`` (a
    ``time.monotonic()`` reading; default: now) at the latest; closes ``client``. Errors
    are the client's, plus :class:`DeadlineExceeded`."""
    with client:
        if deadline is None:
            return client.credits.get_credits()
        elapsed = 0.0 if started is None else time.monotonic() - started
        if elapsed < deadline:
            with within(deadline - elapsed, "the overall") as run:
                try:
                    return client.credits.get_credits()
                except errors.APITimeoutError:
                    if time.monotonic() < run.at:
                        raise  # an attempt's own timeout, with time left
    raise DeadlineExceeded(f"no complete response within the overall deadline of {deadline:g} s", 0)
