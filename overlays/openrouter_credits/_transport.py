"""One attempt on the wire: send, read the body within its bounds, say what went wrong.

The body is read through a small stream wrapper that enforces the size limit and the
attempt's deadline, and decoded with a bound (a gzip bomb is refused, not inflated). A
transport failure is classified as a :class:`~._retry_core.Failure` for the retry core,
and mapped to this package's :class:`~.errors.NoResponseError` family when the call gives
up: this module is the one place that maps httpx's errors to ours. The README's "Slow
servers" and "Errors" sections say what holds for users.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import AsyncIterator, Iterator

import httpx

from . import errors
from ._constants import DECODE_PIECE_BYTES, MAX_BODY_BYTES
from ._retry_core import Failure

__all__ = ["aread", "classify", "deadline", "no_response", "read"]


def _declared_size(response: httpx.Response) -> int:
    try:
        return int(response.headers.get("content-length", "0"))
    except ValueError:
        return 0


class _Bounded(httpx.SyncByteStream, httpx.AsyncByteStream):
    """One attempt's raw body stream, cut off past MAX_BODY_BYTES or past its deadline.

    httpx's read timeout applies to each read; the deadline (now + that timeout, taken when
    the attempt starts) bounds the whole body, so a trickling server cannot hold a call.
    A content-encoded body is handed on in pieces of DECODE_PIECE_BYTES, so that one decoder
    step yields at most ~256 KiB (deflate's ratio) and _Decoded can stop a gzip bomb in time.
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


def deadline(request: httpx.Request) -> float | None:
    """When the attempt that starts now must have its body: now + the read timeout."""
    read = request.extensions.get("timeout", {}).get("read")
    return None if read is None else time.monotonic() + read


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


async def aread(response: httpx.Response, deadline: float | None) -> httpx.Response:
    """The async form of :func:`read`."""
    try:
        response.stream = _Bounded(response, deadline)
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
