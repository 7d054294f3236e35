"""A call that got no response: refused, timed out, a TLS certificate not trusted or a
handshake that never ends; the error's class, attempts, cause and message, and the debug
records. The error classes' relations to httpx's: test_dropin.py.

The HTTPS server is tests/reliability/servers.py's (a throwaway CA's certificate for
127.0.0.1); the client does not trust that CA unless told to.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest
from openrouter_credits import OpenRouter, errors
from openrouter_credits.testing import Reply, StandInServer, free_port

from ..conftest import SECRET, client, raises
from ..reliability.servers import Lab, TLSServer, tls


@pytest.fixture
def https() -> Iterator[TLSServer]:
    lab = Lab()
    try:
        yield lab.https()
    finally:
        lab.close()


def test_untrusted_certificate_says_so_and_is_not_retried(https: TLSServer) -> None:
    url = f"https://127.0.0.1:{https.server_address[1]}/api/v1"
    with (
        OpenRouter(api_key=SECRET, server_url=url) as sdk,
        pytest.raises(errors.APIConnectionError) as info,
    ):
        sdk.credits.get_credits()
    message = str(info.value)
    assert message.startswith(f"GET {url}/credits failed after 1 attempt: ConnectError: ")
    assert "CERTIFICATE_VERIFY_FAILED" in message
    assert message.endswith(
        " (the server's TLS certificate is not trusted: pass a client with verify=...)"
    )
    assert info.value.attempts == 1
    assert isinstance(info.value.__cause__, httpx.ConnectError)


async def test_untrusted_certificate_on_an_async_call_is_a_connection_error(
    https: TLSServer,
) -> None:
    # httpcore before 1.0.6 let ssl.SSLCertVerificationError escape its anyio backend raw:
    # the floor in pyproject.toml; make test-matrix runs this at that floor.
    url = f"https://127.0.0.1:{https.server_address[1]}/api/v1"
    async with OpenRouter(api_key=SECRET, server_url=url) as sdk:
        with pytest.raises(errors.APIConnectionError) as info:
            await sdk.credits.get_credits_async()
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)
    assert str(info.value).endswith(
        " (the server's TLS certificate is not trusted: pass a client with verify=...)"
    )
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_trusted_certificate_works(https: TLSServer) -> None:
    url = f"https://127.0.0.1:{https.server_address[1]}/api/v1"
    with (
        httpx.Client(verify=tls()[1]) as own,
        OpenRouter(api_key=SECRET, server_url=url, client=own) as sdk,
    ):
        assert sdk.credits.get_credits().data.total_credits == 100.5


def test_refused_three_times_says_three_attempts(mode: str, no_sleep: None) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    with OpenRouter(api_key=SECRET, server_url=url) as sdk:
        error = raises(mode, sdk, errors.APIConnectionError)
    assert str(error).startswith(f"GET {url}/credits failed after 3 attempts: ConnectError: ")
    assert "not trusted" not in str(error)
    assert error.attempts == 3
    assert isinstance(error.__cause__, httpx.ConnectError)
    assert isinstance(error, errors.NoResponseError)
    assert isinstance(error, errors.OpenRouterBaseError)


def test_timeout_is_a_timeout_error(server: StandInServer, mode: str) -> None:
    server.default = Reply(delay=2.0)
    with client(server, timeout_ms=200, retry_config=None) as sdk:
        error = raises(mode, sdk, errors.APITimeoutError)
    assert error.attempts == 1
    assert isinstance(error.__cause__, httpx.TimeoutException)


def test_an_httpx_error_without_a_message_is_named_by_its_class() -> None:
    # A transport of yours may raise httpx errors with no text (a unit test: no server).
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("")

    url = "http://127.0.0.1:9/api/v1"
    with (
        httpx.Client(transport=httpx.MockTransport(refuse)) as mine,
        OpenRouter(api_key=SECRET, server_url=url, client=mine, retry_config=None) as sdk,
        pytest.raises(errors.APIConnectionError) as info,
    ):
        sdk.credits.get_credits()
    assert (
        str(info.value) == f"GET {url}/credits failed after 1 attempt: ConnectError: ConnectError"
    )


class Recorder:
    """A ``debug_logger``: keeps each record's text."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def debug(self, msg: str, *args: object) -> None:
        self.lines.append(msg % args)


def test_no_response_is_named_with_its_httpx_class_and_the_time_since_the_call() -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    debug = Recorder()
    with (
        OpenRouter(api_key=SECRET, server_url=url, retry_config=None, debug_logger=debug) as sdk,
        pytest.raises(errors.APIConnectionError),
    ):
        sdk.credits.get_credits()
    assert debug.lines[0] == f"request GET {url}/credits (attempt 1)"
    match = re.fullmatch(
        rf"no response \(ConnectError\) to GET {re.escape(url)}/credits "
        r"\(attempt 1, (\d+\.\d{3}) s since the call started\)",
        debug.lines[1],
    )
    assert match, debug.lines
    assert float(match[1]) < 5.0  # seconds since this call, not a clock's reading


def test_a_tls_handshake_that_never_ends_is_a_timeout_within_the_attempt(
    silent_port: int,
) -> None:
    url = f"https://127.0.0.1:{silent_port}/api/v1"
    started = time.monotonic()
    with (
        OpenRouter(api_key=SECRET, server_url=url, retry_config=None, timeout_ms=400) as sdk,
        pytest.raises(errors.APITimeoutError),
    ):
        sdk.credits.get_credits()
    # Never-hang bound: one attempt's timeout, + 5 s for a busy machine (the silent peer
    # holds the handshake until it hangs up; that would be a connection error, not this).
    assert time.monotonic() - started < 0.4 + 5.0
