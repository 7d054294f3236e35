"""One attempt on the wire, bounded as a whole by its timeout (:func:`budget`): send, read
the body within its bounds (:mod:`.body`), and say what went wrong (the one place that maps
httpx's errors to ours). How and why: docs/maintaining/attempt-deadline.md.
"""

from __future__ import annotations

import ssl

import httpx

from .. import errors
from .._retry_core import Failure
from .body import aread, read
from .clamped import deadline

__all__ = ["aattempt", "attempt", "budget", "classify", "no_response"]


def budget(request: httpx.Request) -> float | None:
    """The attempt's timeout in seconds: the largest of the request's per-phase timeouts.

    ``None`` (unbounded) when its read timeout is ``None``: a client of yours that lets
    reads wait forever is taken at its word.
    """
    timeouts: dict[str, float | None] = request.extensions["timeout"]  # build_request sets it
    if timeouts.get("read") is None:
        return None
    return max([value for value in timeouts.values() if value is not None])


def attempt(client: httpx.Client, request: httpx.Request, *, clamped: bool) -> httpx.Response:
    """One sync attempt, read; ``clamped``: ``client`` came from :func:`sync_client`.

    Any other client gets only the whole-body deadline, checked between reads.
    """
    seconds = budget(request)
    if seconds is None:
        return read(client.send(request, stream=True, follow_redirects=False), None)
    with deadline(seconds) as ends:
        response = client.send(request, stream=True, follow_redirects=False)
        return read(response, None if clamped else ends.at)


async def aattempt(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """One async attempt, read, all of it in a cancel scope that ends at its timeout (past
    it: an ``httpx.TimeoutException``, since the phase is not known)."""
    import anyio  # httpx's own dependency: works under asyncio and trio

    seconds = budget(request)
    with anyio.move_on_after(seconds):
        response = await client.send(request, stream=True, follow_redirects=False)
        return await aread(response)
    raise httpx.TimeoutException(
        f"the attempt took longer than its {seconds:g} s timeout", request=request
    )


def classify(exc: httpx.TransportError) -> Failure:
    """What kind of failure ``exc`` is, for the retry core (which decides what to do)."""
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.ProxyError)):
        return Failure.UNSENDABLE
    if _certificate_failed(exc):
        return Failure.TLS_CERTIFICATE
    if isinstance(exc, httpx.TimeoutException):
        return Failure.TIMEOUT
    if isinstance(exc, httpx.RemoteProtocolError):
        return Failure.PROTOCOL
    return Failure.CONNECTION


def _certificate_failed(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def no_response(
    exc: httpx.TransportError, failure: Failure, attempts: int, request: httpx.Request
) -> errors.NoResponseError:
    """The error a call raises when its last attempt got no response."""
    kind = errors.APITimeoutError if failure is Failure.TIMEOUT else errors.APIConnectionError
    what = "timed out" if kind is errors.APITimeoutError else "failed"
    detail = str(exc) or type(exc).__name__
    if failure is Failure.TLS_CERTIFICATE:
        detail += " (the server's TLS certificate is not trusted: pass a client with verify=...)"
    tries = f"{attempts} attempt" + ("s" if attempts != 1 else "")
    return kind(
        f"{request.method} {request.url} {what} after {tries}: {type(exc).__name__}: {detail}",
        attempts,
    )
