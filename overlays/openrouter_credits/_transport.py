"""One attempt on the wire: send, read the body within its bounds, say what went wrong.

Every phase of an attempt (connecting, the TLS handshake, sending, waiting for the status
line, the header block, 1XX interim responses, the body) is bounded, in total, by the
attempt's timeout (:func:`budget`), one mechanism per path:

- sync: the httpx clients this package makes (:func:`sync_client`) hold an httpcore
  network backend whose streams clamp every connect/read/write timeout to the time left
  before the attempt's deadline, which :func:`attempt` sets in a context variable; past
  it they raise httpx's own timeout errors, so httpcore closes the connection;
- async: :func:`aattempt` runs the attempt in an anyio cancel scope (asyncio and trio),
  for any client, and turns the scope's expiry into :class:`AttemptTimeout`.

A sync client you bring keeps its own transport: there only httpx's per-phase timeouts
and a whole-body deadline (checked between reads) hold. The body is read through a small
stream wrapper that enforces the size limit, and decoded with a bound (a gzip bomb is
refused, not inflated). A transport failure is classified as a
:class:`~._retry_core.Failure` for the retry core, and mapped to this package's
:class:`~.errors.NoResponseError` family when the call gives up: this module is the one
place that maps httpx's errors to ours. The README's "Slow servers" and "Errors" sections
say what holds for users.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from contextvars import ContextVar
from typing import Any, Final, NamedTuple

import httpcore
import httpx

from . import errors
from ._constants import DECODE_PIECE_BYTES, MAX_BODY_BYTES
from ._retry_core import Failure

__all__ = [
    "AttemptTimeout",
    "aattempt",
    "attempt",
    "budget",
    "classify",
    "no_response",
    "sync_client",
]


class AttemptTimeout(httpx.TimeoutException):
    """An async attempt as a whole took longer than its timeout (the phase is not known)."""


def budget(request: httpx.Request) -> float | None:
    """The attempt's timeout in seconds: the largest of the request's per-phase timeouts.

    ``None`` (unbounded) when its read timeout is ``None``: a client of yours that lets
    reads wait forever is taken at its word.
    """
    timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
    if timeouts.get("read") is None:
        return None
    return max(value for value in timeouts.values() if value is not None)


# --- the sync deadline: a network backend clamping every timeout --------------------


class _Deadline(NamedTuple):
    at: float  # time.monotonic() past which the attempt is over
    seconds: float  # the attempt's timeout, for messages


_DEADLINE: Final[ContextVar[_Deadline | None]] = ContextVar(
    "openrouter_credits_attempt_deadline", default=None
)


def _clamp(timeout: float | None, error: type[Exception], doing: str) -> float | None:
    """``timeout``, or less: the time left before the current attempt's deadline."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline.at - time.monotonic()
    if left <= 0:
        raise error(f"the attempt's {deadline.seconds:g} s timeout passed while {doing}")
    return left if timeout is None or left < timeout else timeout


class _ClampedStream(httpcore.NetworkStream):
    """A network stream whose reads and writes end by the attempt's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout, "receiving"))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _clamp(timeout, httpcore.WriteTimeout, "sending"))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout, "in the TLS handshake")
        return _ClampedStream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _ClampedBackend(httpcore.NetworkBackend):
    """httpcore's network backend, its connections and streams bounded by the deadline."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout, "connecting")
        stream = self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return _ClampedStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout, "connecting")
        return _ClampedStream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def sync_client(limits: httpx.Limits) -> httpx.Client:
    """An httpx client whose every transport (proxies from the environment too) is clamped.

    httpx builds its httpcore pools itself and takes no network backend, so the pools'
    backends are wrapped once, here; tests/test_slow_servers.py fails if httpx changes that.
    """
    client = httpx.Client(follow_redirects=False, limits=limits)
    for transport in (client._transport, *client._mounts.values()):
        if transport is None:  # a NO_PROXY entry
            continue
        pool = getattr(transport, "_pool", None)
        if not isinstance(pool, httpcore.ConnectionPool):
            client.close()
            raise RuntimeError(f"cannot bound the attempts of httpx's {type(transport)!r}")
        pool._network_backend = _ClampedBackend(pool._network_backend)
    return client


def attempt(client: httpx.Client, request: httpx.Request, *, clamped: bool) -> httpx.Response:
    """One sync attempt, read; ``clamped``: ``client`` came from :func:`sync_client`.

    Any other client gets only the whole-body deadline, checked between reads.
    """
    seconds = budget(request)
    if seconds is None:
        return read(client.send(request, stream=True, follow_redirects=False), None)
    deadline = _Deadline(time.monotonic() + seconds, seconds)
    token = _DEADLINE.set(deadline)
    try:
        response = client.send(request, stream=True, follow_redirects=False)
        return read(response, None if clamped else deadline.at)
    finally:
        _DEADLINE.reset(token)


async def aattempt(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """One async attempt, read, all of it in a cancel scope that ends at its timeout."""
    import anyio  # httpx's own dependency: works under asyncio and trio

    seconds = budget(request)
    with anyio.move_on_after(seconds):
        response = await client.send(request, stream=True, follow_redirects=False)
        return await aread(response)
    raise AttemptTimeout(f"the attempt took longer than its {seconds:g} s timeout", request=request)


def _declared_size(response: httpx.Response) -> int:
    try:
        return int(response.headers.get("content-length", "0"))
    except ValueError:
        return 0


class _Bounded(httpx.SyncByteStream, httpx.AsyncByteStream):
    """One attempt's raw body stream, cut off past MAX_BODY_BYTES (or past ``deadline``).

    ``deadline`` is for a sync client of yours only, whose reads this package cannot
    clamp: checked between reads, it bounds the whole body. A content-encoded body is
    handed on in pieces of DECODE_PIECE_BYTES, so that one decoder step yields at most
    ~256 KiB (deflate's ratio) and _Decoded can stop a gzip bomb in time.
    """

    def __init__(self, response: httpx.Response, deadline: float | None) -> None:
        self._response = response
        self._stream = response.stream
        self._deadline = deadline
        self._size = 0
        self._piece = DECODE_PIECE_BYTES if "content-encoding" in response.headers else 0
        declared = _declared_size(response)
        if declared > MAX_BODY_BYTES:
            raise _too_large(response, declared, "")

    def _count(self, chunk: bytes) -> Iterator[bytes]:
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise httpx.ReadTimeout(
                "the response body took longer than the timeout", request=self._response.request
            )
        self._size += len(chunk)
        if self._size > MAX_BODY_BYTES:
            raise _too_large(self._response, self._size, "")
        if not self._piece:
            yield chunk
            return
        for start in range(0, len(chunk), self._piece):
            yield chunk[start : start + self._piece]

    def __iter__(self) -> Iterator[bytes]:
        assert isinstance(self._stream, httpx.SyncByteStream)
        for chunk in self._stream:
            yield from self._count(chunk)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        assert isinstance(self._stream, httpx.AsyncByteStream)
        async for chunk in self._stream:
            for piece in self._count(chunk):
                yield piece

    def close(self) -> None:
        if isinstance(self._stream, httpx.SyncByteStream):
            self._stream.close()

    async def aclose(self) -> None:
        if isinstance(self._stream, httpx.AsyncByteStream):
            await self._stream.aclose()


def _too_large(response: httpx.Response, size: int, what: str) -> errors.ResponseValidationError:
    return errors.ResponseValidationError(
        f"HTTP {response.status_code}: the {what}response body ({size} bytes or more) "
        f"exceeds this client's {MAX_BODY_BYTES} byte limit; a credits body is tiny",
        response,
        "",
    )


class _Decoded:
    """A content-encoded body, decoded with a bound: a gzip bomb is refused, not inflated."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.body = bytearray()

    def add(self, chunk: bytes) -> None:
        if len(self.body) + len(chunk) > MAX_BODY_BYTES:
            raise _too_large(self.response, len(self.body) + len(chunk), "decoded ")
        self.body += chunk

    def finish(self, error: httpx.DecodingError | None = None) -> httpx.Response:
        """The decoded response; or, after ``error``, a ResponseValidationError saying so."""
        plain = httpx.Headers(self.response.headers)
        del plain["content-encoding"]
        plain.pop("content-length", None)
        decoded = httpx.Response(
            self.response.status_code,
            headers=plain,
            content=bytes(self.body),
            request=self.response.request,
        )
        if error is None:
            return decoded
        encoding = self.response.headers.get("content-encoding")
        raise errors.ResponseValidationError(
            f"HTTP {decoded.status_code}: the body does not decode as its "
            f"Content-Encoding {encoding!r} says",
            decoded,
        ) from error


def read(response: httpx.Response, deadline: float | None) -> httpx.Response:
    """Read a streamed response within the bounds (see _Bounded, _Decoded); always closes it."""
    try:
        response.stream = _Bounded(response, deadline)
        if "content-encoding" not in response.headers:
            response.read()
            return response
        body = _Decoded(response)
        try:
            for chunk in response.iter_bytes():
                body.add(chunk)
        except httpx.DecodingError as exc:
            return body.finish(exc)
        return body.finish()
    finally:
        response.close()


async def aread(response: httpx.Response) -> httpx.Response:
    """The async form of :func:`read` (the attempt's cancel scope bounds it in time)."""
    import anyio

    try:
        response.stream = _Bounded(response, None)
        if "content-encoding" not in response.headers:
            await response.aread()
            return response
        body = _Decoded(response)
        try:
            async for chunk in response.aiter_bytes():
                body.add(chunk)
        except httpx.DecodingError as exc:
            return body.finish(exc)
        return body.finish()
    finally:
        # Shielded: a connection cut by the deadline is closed, not left half-read.
        with anyio.CancelScope(shield=True):
            await response.aclose()


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
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)


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
