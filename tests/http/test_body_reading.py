"""Reading one response body within its bounds (openrouter_credits._http.body): the
whole-body deadline of a sync client you bring, the exact refusal of a body past the size
limit (declared, or counted on the wire), and the closing of a stream timed out or
refused part-way.

Through the public client, against the stand-in server; the last tests are unit tests of
the transport extension point (an httpx transport of yours).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any, Final

import anyio
import httpx
import pytest
from openrouter_credits import OpenRouter, errors
from openrouter_credits.testing import Fault, Reply, StandInServer

from ..conftest import SECRET

MIB: Final = 1 << 20
LIMIT: Final = "exceeds this client's 1048576 byte limit; a credits body is tiny"


def fetch(server: StandInServer, mode: str, **kwargs: Any) -> object:
    """One call, one attempt, through the sync or the async path; the client is closed."""
    sdk = OpenRouter(api_key=SECRET, server_url=server.base_url, retry_config=None, **kwargs)
    if mode == "sync":
        with sdk:
            return sdk.credits.get_credits()

    async def go() -> object:
        async with sdk:
            return await sdk.credits.get_credits_async()

    return asyncio.run(go())


# --- the whole-body deadline of a sync client of yours ------------------------------------


def test_body_trickled_past_the_timeout_on_your_sync_client_times_out(
    server: StandInServer,
) -> None:
    # One byte every 25 ms: each read is well within the 250 ms read timeout, so only the
    # whole-body deadline (checked between reads) ends it; the whole body would take 5 s,
    # so it cannot all arrive by then even if a busy machine holds the client back.
    server.default = Reply(
        body=b'{"data":{"x":"' + b"." * 180 + b'"}}', fault=Fault.TRICKLE, trickle_interval=0.025
    )
    with httpx.Client() as mine, pytest.raises(errors.APITimeoutError) as info:
        fetch(server, "sync", client=mine, timeout_ms=250)
    cause = info.value.__cause__
    assert isinstance(cause, httpx.ReadTimeout)
    assert str(cause) == "the response body took longer than the timeout"
    assert (cause.request.method, str(cause.request.url)) == ("GET", f"{server.base_url}/credits")
    assert str(info.value) == (
        f"GET {server.base_url}/credits timed out after 1 attempt: "
        "ReadTimeout: the response body took longer than the timeout"
    )
    assert info.value.attempts == 1
    assert len(server.requests) == 1


# --- the refusals, word for word ------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_declared_length_past_the_limit_is_refused_in_these_words(
    server: StandInServer, mode: str
) -> None:
    server.default = Reply(body=b"{}", headers={"Content-Length": str(MIB + 1)})
    with pytest.raises(errors.ResponseValidationError) as info:
        fetch(server, mode, timeout_ms=5_000)
    assert str(info.value) == f"HTTP 200: the response body (1048577 bytes or more) {LIMIT}"


def chunked(body: bytes, piece: int = 64 << 10) -> bytes:
    """``body`` in HTTP/1.1 chunked framing."""
    parts = [
        b"%x\r\n%b\r\n" % (len(body[i : i + piece]), body[i : i + piece])
        for i in range(0, len(body), piece)
    ]
    return b"".join(parts) + b"0\r\n\r\n"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_chunked_body_past_the_limit_is_refused_whatever_its_declared_length(
    server: StandInServer, mode: str
) -> None:
    # Chunked framing wins over Content-Length (RFC 9112 6.3): the 2 bytes declared are
    # a lie, so only the bytes counted while reading show the body is too large. It
    # crosses the limit with its last byte: the size named is exact.
    server.default = Reply(
        body=chunked(b" " * (MIB + 1)),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked", "Content-Length": "2"},
    )
    with pytest.raises(errors.ResponseValidationError) as info:
        fetch(server, mode)
    assert str(info.value) == f"HTTP 200: the response body (1048577 bytes or more) {LIMIT}"
    assert info.value.body == ""


# --- a timed-out async attempt closes the stream of your transport --------------------------


class _Stalling(httpx.AsyncByteStream):
    """One chunk of body, then nothing ever; records that it was closed."""

    def __init__(self) -> None:
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"data":'
        await anyio.sleep_forever()

    async def aclose(self) -> None:
        await anyio.sleep(0)  # a close that awaits: the expired deadline must not cancel it
        self.closed = True


class _StallingTransport(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.stream = _Stalling()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "application/json"}, stream=self.stream)


def test_timed_out_async_attempt_closes_the_response_stream_of_your_transport() -> None:
    transport = _StallingTransport()

    async def go() -> None:
        async with httpx.AsyncClient(transport=transport) as mine:
            sdk = OpenRouter(
                api_key=SECRET,
                server_url="http://127.0.0.1:9/api/v1",
                async_client=mine,
                retry_config=None,
                timeout_ms=100,
            )
            with pytest.raises(errors.APITimeoutError):
                await sdk.credits.get_credits_async()

    asyncio.run(go())
    assert transport.stream.closed


class _Recording(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body stream of ``chunks`` that records whether it was closed."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks, self.closed = chunks, False

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


#: Bodies refused part-way: past the size limit (on the wire, none declared), and a
#: Content-Encoding that does not decode.
REFUSED: Final = {
    "too-large": ({}, (b"x" * MIB, b"x")),
    "bad-gzip": ({"Content-Encoding": "gzip"}, (b"not gzip",)),
}


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("refused", REFUSED)
def test_a_body_refused_part_way_releases_its_connection(mode: str, refused: str) -> None:
    # _http.body closes the response whatever happens (its finally): the connection goes
    # back to the pool, or is closed, instead of staying checked out half-read.
    headers, chunks = REFUSED[refused]
    stream = _Recording(*chunks)

    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=headers, stream=stream)

    url = "http://127.0.0.1:9/api/v1"
    with pytest.raises(errors.ResponseValidationError):
        if mode == "sync":
            with httpx.Client(transport=httpx.MockTransport(reply)) as mine:
                OpenRouter(api_key=SECRET, server_url=url, client=mine).credits.get_credits()
        else:

            async def go() -> None:
                async with httpx.AsyncClient(transport=httpx.MockTransport(reply)) as mine:
                    sdk = OpenRouter(api_key=SECRET, server_url=url, async_client=mine)
                    await sdk.credits.get_credits_async()

            asyncio.run(go())
    assert stream.closed
