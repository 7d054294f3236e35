"""The retry loop of one call: send an attempt, ask the retry core, sleep or finish.

The sync and async loops only send, sleep and ask; every decision is :func:`decide`'s,
which asks :mod:`._retry_core`, applies the testing switch (``retries.set_testing``) and
logs (the retry line at INFO on the package logger; the per-request records on the
``debug_logger``). The user's guide: docs/retries-and-timeouts.md#retries.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx

from . import errors, retries
from ._constants import LOGGER_NAME
from ._http import attempt as _transport
from ._http.clamped import ends_by
from ._options import DebugLogger
from ._retry_core import RetryState
from .retries import RetryConfig

__all__ = ["Attempts", "loggable", "run", "run_async"]

logger = logging.getLogger(LOGGER_NAME)


class Attempts(RetryState):
    """A call's RetryState, plus where its debug records go."""

    __slots__ = ("debug",)

    def __init__(self, config: RetryConfig, debug: DebugLogger | None = None, **core: Any) -> None:
        super().__init__(config, **core)
        self.debug = debug


#: What one attempt gives: a read response, a transport failure, or a response whose body
#: could not be taken (too large, undecodable) but whose status still counts for retries.
_Outcome = httpx.Response | httpx.TransportError | errors.ResponseValidationError


def run(
    client: httpx.Client, request: httpx.Request, state: Attempts, clamped: bool
) -> httpx.Response:
    """The sync loop: the final response, or the error that ends the call."""
    state.ends_by = ends_by()
    while True:
        outcome: _Outcome
        try:
            outcome = _transport.attempt(client, request, clamped=clamped)
        except (httpx.TransportError, errors.ResponseValidationError) as exc:
            outcome = exc
        step = decide(state, outcome, request)
        if isinstance(step, httpx.Response):
            return step
        time.sleep(step)


async def run_async(
    client: httpx.AsyncClient, request: httpx.Request, state: Attempts
) -> httpx.Response:
    """The async loop (asyncio or trio, through anyio)."""
    import anyio  # httpx's own dependency: works under asyncio and trio

    while True:
        outcome: _Outcome
        try:
            outcome = await _transport.aattempt(client, request)
        except (httpx.TransportError, errors.ResponseValidationError) as exc:
            outcome = exc
        step = decide(state, outcome, request)
        if isinstance(step, httpx.Response):
            return step
        await anyio.sleep(step)


def decide(state: Attempts, outcome: _Outcome, request: httpx.Request) -> httpx.Response | float:
    """Ask the retry core about one attempt: the final response, or seconds to wait.

    A failure that is not retried (any more) is raised: a transport error as a
    NoResponseError, an unreadable body as its ResponseValidationError.
    """
    if state.debug is not None:
        _debug_outcome(state, outcome, request)
    if isinstance(outcome, httpx.TransportError):
        failure = _transport.classify(outcome)
        wait = state.after_failure(failure, type(outcome).__name__)
        if wait is None:
            raise _transport.no_response(outcome, failure, state.attempts, request) from outcome
    elif isinstance(outcome, errors.ResponseValidationError):
        wait = state.after_status(outcome.status_code, outcome.headers)
        if wait is None:
            raise outcome
    else:
        wait = state.after_status(outcome.status_code, outcome.headers)
        if wait is None:
            return outcome
    if retries.is_testing():
        wait = 0.0  # retries.set_testing: the loop does not wait, whatever the core decided
    logger.info(
        "retrying %s %s after %s: attempt %d of %d in %.2f s",
        request.method,
        request.url.path,
        state.last_reason,
        state.attempts,
        state.config.max_attempts,
        wait,
    )
    if state.debug is not None:
        state.debug.debug(
            "request %s %s (attempt %d, after %.2f s)",
            request.method,
            loggable(request.url),
            state.attempts,
            wait,
        )
    return wait


def _debug_outcome(state: Attempts, outcome: _Outcome, request: httpx.Request) -> None:
    assert state.debug is not None
    what = (
        f"no response ({type(outcome).__name__})"
        if isinstance(outcome, httpx.TransportError)
        else f"response {outcome.status_code}"
    )
    state.debug.debug(
        "%s to %s %s (attempt %d, %.3f s since the call started)",
        what,
        request.method,
        loggable(request.url),
        state.attempts,
        state.clock() - state.started,
    )


def loggable(url: httpx.URL) -> str:
    """``url`` without any userinfo (``netloc`` is host and port only)."""
    return f"{url.scheme}://{url.netloc.decode('ascii')}{url.raw_path.decode('ascii')}"
