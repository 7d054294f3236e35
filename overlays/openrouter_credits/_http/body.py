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


def _bound(response: httpx.Response, deadline: float | None) -> bool:
    """Bound the read of ``response``'s body (a declared length past the limit is refused
    at once); whether the body is content-encoded (then the caller decodes it).

    A body that h11 reads to exactly its declared length, with nothing to decode nor a
    deadline to check, is left as it is; any other is read through _Bounded."""
    # One pass over the raw headers: each httpx.Headers lookup scans them all (~1 % a call).
    fields = {name.lower(): value for name, value in response.headers.raw}
    try:
        declared: int | None = int(fields[b"content-length"])
    except (KeyError, ValueError):
        declared = None
    if declared is not None and declared > MAX_BODY_BYTES:
        raise _too_large(response, declared, "")
    encoded = b"content-encoding" in fields
    if declared is None or deadline is not None or encoded or b"transfer-encoding" in fields:
        response.stream = _Bounded(response, deadline)
    return encoded


class _Bounded(httpx.SyncByteStream, httpx.AsyncByteStream):
    """One attempt's raw body stream, cut off past MAX_BODY_BYTES (or past ``deadline``:
    for a sync client of yours only, whose reads this package cannot clamp; checked
    between reads, it bounds the whole body)."""

    def __init__(self, response: httpx.Response, deadline: float | None) -> None:
        self._response = response
        self._stream = response.stream
        self._deadline = deadline
        self._size = 0

    def _count(self, chunk: bytes) -> bytes:
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise httpx.ReadTimeout(
                "the response body took longer than the timeout", request=self._response.request
            )
        self._size += len(chunk)
        if self._size > MAX_BODY_BYTES:
            raise _too_large(self._response, self._size, "")
        return chunk

    def __iter__(self) -> Iterator[bytes]:
        assert isinstance(self._stream, httpx.SyncByteStream)
        for chunk in self._stream:
            yield self._count(chunk)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        assert isinstance(self._stream, httpx.AsyncByteStream)
        async for chunk in self._stream:
            yield self._count(chunk)

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


def _decoded(response: httpx.Response, raw: bytes) -> httpx.Response:
    """``response`` with its content-encoded ``raw`` body decoded, with a bound: decoded
    DECODE_PIECE_BYTES at a time (one piece yields ~256 KiB at most, deflate's ratio), it
    is refused past MAX_BODY_BYTES, not inflated. A body that does not decode gives the
    part decoded, marked DECODE_FAILURE."""
    pieces = (raw[at : at + DECODE_PIECE_BYTES] for at in range(0, len(raw), DECODE_PIECE_BYTES))
    encoding = response.headers["content-encoding"]
    headers = {"Content-Encoding": encoding}
    decoding = httpx.Response(response.status_code, headers=headers, content=pieces)
    body, extensions = bytearray(), {}
    try:
        for chunk in decoding.iter_bytes():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                raise _too_large(response, len(body), "decoded ")
    except httpx.DecodingError:
        failure = f"the body does not decode as its Content-Encoding {encoding!r} says"
        extensions[DECODE_FAILURE] = failure
    plain = httpx.Headers(response.headers)
    del plain["content-encoding"]
    plain.pop("content-length", None)
    return httpx.Response(
        response.status_code,
        headers=plain,
        content=bytes(body),
        request=response.request,
        extensions=extensions,
    )


def read(response: httpx.Response, deadline: float | None) -> httpx.Response:
    """Read a streamed response within the bounds (see _bound, _decoded); always closes it."""
    try:
        if not _bound(response, deadline):
            response.read()
            return response
        return _decoded(response, b"".join(response.iter_raw()))
    finally:
        response.close()


async def aread(response: httpx.Response) -> httpx.Response:
    """The async form of :func:`read` (the attempt's cancel scope bounds it in time)."""
    import anyio

    try:
        if not _bound(response, None):
            await response.aread()  # read to its end, it is closed
            return response
        return _decoded(response, b"".join([chunk async for chunk in response.aiter_raw()]))
    except BaseException:
        # Shielded: a connection cut by the deadline is closed, not left half-read.
        with anyio.CancelScope(shield=True):
            await response.aclose()
        raise
