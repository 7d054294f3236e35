"""No attempt outlives its timeout, whatever the server does
(docs/retries-and-timeouts.md#slow-servers).

Each server here is a few lines of script on a real socket (tests/reliability/servers.py's
``RawServer``): header
blocks trickled a byte at a time, a status line and then silence, a ``103 Early Hints``
before the answer, a ``402``. The bounds asserted are never-hang guarantees: a call ends
within attempts x timeout + the allowed waits (zero: ``no_sleep``) + ``SLACK``, generous for
a busy machine; without the bounds these servers would hold a call for 20 s or forever.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Final

import httpcore
import httpx
import pytest
from openrouter_credits import NO_RETRIES, BackoffStrategy, OpenRouter, RetryConfig, errors
from openrouter_credits._http.clamped import _ClampedBackend, sync_client

from ..conftest import SECRET
from ..reliability.servers import RawServer

TIMEOUT_MS: Final = 400
ATTEMPTS: Final = 3  # the default retry policy's max_attempts
SLACK: Final = 5.0  # scheduling on a busy machine (make test-under-load), not policy
BOUND: Final = ATTEMPTS * TIMEOUT_MS / 1000 + SLACK
CREDITS: Final = {"data": {"total_credits": 7.5, "total_usage": 2.25}}


def _endless_header_block() -> Iterator[int]:
    for n in itertools.count():
        yield from f"X-Slow-{n}: trickled\r\n".encode()


def trickled_headers(server: RawServer, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for byte in _endless_header_block():
        if not server.pause():
            return
        conn.sendall(bytes([byte]))


def status_then_silence(server: RawServer, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    server.hold(conn)


def trickled_body(server: RawServer, conn: socket.socket) -> None:
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n"
    )
    while server.pause():
        conn.sendall(b" ")


def _response(status: str, body: object) -> bytes:
    data = json.dumps(body).encode()
    head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    return head.encode() + b"Connection: close\r\n\r\n" + data


def early_hints(server: RawServer, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n")
    server.pause()
    conn.sendall(_response("200 OK", CREDITS))


def payment_required(server: RawServer, conn: socket.socket) -> None:
    conn.sendall(_response("402 Payment Required", {"error": {"code": 402, "message": "no"}}))


# --- the calls, sync and async ------------------------------------------------------

Call = Callable[..., Awaitable[object]]
#: The attempt's timeout where a timeout is not the point: a busy machine never reaches it.
ROOMY_MS: Final = 10_000


async def sync_call(sdk: OpenRouter, timeout_ms: int = TIMEOUT_MS) -> object:
    # In a thread, so that a call that hangs fails the test (see _timed_out) instead.
    return await asyncio.to_thread(sdk.credits.get_credits, timeout_ms=timeout_ms)


async def async_call(sdk: OpenRouter, timeout_ms: int = TIMEOUT_MS) -> object:
    return await sdk.credits.get_credits_async(timeout_ms=timeout_ms)


CALLS: Final = pytest.mark.parametrize("call", [sync_call, async_call], ids=["sync", "async"])


async def _timed_out(server: RawServer, call: Call, **clients: object) -> float:
    """Call, expect APITimeoutError after every attempt; the seconds it took."""
    sdk = OpenRouter(api_key=SECRET, server_url=server.base_url, **clients)  # type: ignore[arg-type]
    async with sdk:
        start = time.monotonic()
        with pytest.raises(errors.APITimeoutError) as caught:
            # The watchdog of the test only: a call still running then has hung.
            await asyncio.wait_for(call(sdk), BOUND + 2)
        elapsed = time.monotonic() - start
        assert caught.value.attempts == ATTEMPTS
        # One connection an attempt, none reused; fewer when a busy machine ends an
        # attempt before it has even connected.
        assert 1 <= server.connections <= ATTEMPTS
        assert server.all_closed(SLACK), "a connection cut by the deadline was left open"
    assert elapsed < BOUND, f"took {elapsed:.2f} s, bound {BOUND:.2f} s"
    return elapsed


@CALLS
@pytest.mark.usefixtures("no_sleep")
async def test_trickled_header_block_times_out(call: Call) -> None:
    with RawServer(trickled_headers) as server:
        await _timed_out(server, call)


@CALLS
@pytest.mark.usefixtures("no_sleep")
async def test_status_line_then_silence_times_out(call: Call) -> None:
    with RawServer(status_then_silence) as server:
        await _timed_out(server, call)


@CALLS
@pytest.mark.usefixtures("no_sleep")
async def test_trickled_body_times_out(call: Call) -> None:
    with RawServer(trickled_body) as server:
        await _timed_out(server, call)


@CALLS
@pytest.mark.usefixtures("no_sleep")
async def test_early_hints_then_200_succeeds(call: Call) -> None:
    with RawServer(early_hints) as server:
        async with OpenRouter(api_key=SECRET, server_url=server.base_url) as sdk:
            start = time.monotonic()
            result = await call(sdk, ROOMY_MS)
            assert time.monotonic() - start < SLACK  # the 103 did not wait for the timeout
    assert result.data.total_credits == 7.5  # type: ignore[attr-defined]
    assert server.connections == 1


@CALLS
@pytest.mark.usefixtures("no_sleep")
async def test_402_is_not_retried(call: Call) -> None:
    with RawServer(payment_required) as server:
        async with OpenRouter(api_key=SECRET, server_url=server.base_url) as sdk:
            start = time.monotonic()
            with pytest.raises(errors.OpenRouterError) as caught:
                await call(sdk, ROOMY_MS)
            assert time.monotonic() - start < SLACK
    assert caught.value.status_code == 402
    assert server.connections == 1


# --- clients you bring --------------------------------------------------------------


@pytest.mark.usefixtures("no_sleep")
async def test_your_async_client_is_bounded_too() -> None:
    with RawServer(trickled_headers) as server:
        async with httpx.AsyncClient() as mine:
            await _timed_out(server, async_call, async_client=mine)


@pytest.mark.usefixtures("no_sleep")
async def test_your_sync_client_has_its_body_bounded() -> None:
    # Its header block is not bounded (docs/retries-and-timeouts.md#slow-servers): only
    # the body is tried here.
    with RawServer(trickled_body) as server, httpx.Client() as mine:
        await _timed_out(server, sync_call, client=mine)


# --- how the sync bound is installed ------------------------------------------------


def test_every_transport_of_our_sync_client_is_clamped(monkeypatch: pytest.MonkeyPatch) -> None:
    # Proxies from the environment get their own transports: those are clamped too.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "example.org")
    with sync_client(httpx.Limits()) as client:
        transports = [client._transport, *client._mounts.values()]
        pools = [getattr(t, "_pool", None) for t in transports if t is not None]
        assert len(pools) >= 2
        for pool in pools:
            assert isinstance(pool, httpcore.ConnectionPool)
            assert isinstance(pool._network_backend, _ClampedBackend)


@pytest.mark.usefixtures("no_sleep")
async def test_an_async_attempt_past_its_timeout_says_so() -> None:
    # The header block trickles: no read waits long; only the attempt's own bound ends it.
    with RawServer(trickled_headers) as server:
        url = f"{server.base_url}/credits"
        async with OpenRouter(api_key=SECRET, server_url=server.base_url) as sdk:
            with pytest.raises(errors.APITimeoutError) as caught:
                await sdk.credits.get_credits_async(timeout_ms=TIMEOUT_MS, retries=NO_RETRIES)
    assert str(caught.value) == (
        f"GET {url} timed out after 1 attempt: "
        "TimeoutException: the attempt took longer than its 0.4 s timeout"
    )
    cause = caught.value.__cause__
    assert isinstance(cause, httpx.TimeoutException)
    assert cause.request.url == url


@pytest.mark.usefixtures("no_sleep")
async def test_the_retry_line_and_debug_records_name_no_private_class(
    caplog: pytest.LogCaptureFixture,
) -> None:
    retry = RetryConfig("backoff", BackoffStrategy(1, 1, 1.0, 60_000), True, max_attempts=2)
    with RawServer(trickled_headers) as server, caplog.at_level("DEBUG"):
        debug = logging.getLogger("tests.debug")
        async with OpenRouter(
            api_key=SECRET, server_url=server.base_url, debug_logger=debug
        ) as sdk:
            with pytest.raises(errors.APITimeoutError):
                await sdk.credits.get_credits_async(timeout_ms=TIMEOUT_MS, retries=retry)
    said = [r.getMessage() for r in caplog.records]
    assert any("after TimeoutException: attempt 2 of 2" in line for line in said), said
    assert any(line.startswith("no response (TimeoutException)") for line in said), said
    assert not [line for line in said if "AttemptTimeout" in line]
