"""Reading one response body within its bounds: the size limit, the decoded-size limit
and, for a sync client you bring, the whole-body deadline (a gzip bomb is refused, not
inflated). What users can rely on: docs/client.md#redirects-and-the-response-body.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import httpx

from .. import errors
from .._constants import DECODE_PIECE_BYTES, MAX_BODY_BYTES

__all__ = ["DECODE_FAILURE", "aread", "read"]

#: The ``extensions`` key saying that a Content-Encoding did not decode.
DECODE_FAILURE = "openrouter_credits.decode_failure"


def _bounded_by_its_length(response: httpx.Response, deadline: float | None) -> bool:
    """Whether h11 reads exactly a declared length (one past the limit is refused here),
    nothing to decode nor a deadline to check."""
    try:
        declared: int | None = int(response.headers["content-length"])
    except (KeyError, ValueError):
        declared = None
    if declared is not None and declared > MAX_BODY_BYTES:
        raise _too_large(response, declared, "")
    headers = response.headers
    return (
        declared is not None
        and deadline is None
        and "transfer-encoding" not in headers
        and "content-encoding" not in headers
    )


class _Bounded(httpx.SyncByteStream, httpx.AsyncByteStream):
    """One attempt's raw body stream, cut off past MAX_BODY_BYTES (or past ``deadline``).

    ``deadline`` is for a sync client of yours only, whose reads this package cannot
    clamp: checked between reads, it bounds the whole body. A content-encoded body is
    handed on in pieces of DECODE_PIECE_BYTES, so that one decoder step yields at most
    ~256 KiB (deflate's ratio) and _Decoded can stop a gzip bomb in time.
    """

    def __init__(self, response: httpx.Response, deadline: float | None, encoded: bool) -> None:
        self._response = response
        self._stream = response.stream
        self._deadline = deadline
        self._size = 0
        self._piece = DECODE_PIECE_BYTES if encoded else 0

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
        """The decoded response (after ``error``: the part decoded, marked DECODE_FAILURE)."""
        plain = httpx.Headers(self.response.headers)
        del plain["content-encoding"]
        plain.pop("content-length", None)
        extensions = {}
        if error is not None:
            encoding = self.response.headers.get("content-encoding")
            extensions[DECODE_FAILURE] = (
                f"the body does not decode as its Content-Encoding {encoding!r} says"
            )
        return httpx.Response(
            self.response.status_code,
            headers=plain,
            content=bytes(self.body),
            request=self.response.request,
            extensions=extensions,
        )


def read(response: httpx.Response, deadline: float | None) -> httpx.Response:
    """Read a streamed response within the bounds (see _Bounded, _Decoded); always closes it."""
    try:
        if _bounded_by_its_length(response, deadline):
            response.read()
            return response
        encoded = "content-encoding" in response.headers
        response.stream = _Bounded(response, deadline, encoded)
        if not encoded:
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
        if _bounded_by_its_length(response, None):
            await response.aread()
            return response
        encoded = "content-encoding" in response.headers
        response.stream = _Bounded(response, None, encoded)
        if not encoded:
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
