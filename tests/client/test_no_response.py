"""What a call that got no response says: the untrusted certificate, one attempt or three.

The HTTPS server is tests/test_reliability.py's (a throwaway CA's certificate for
127.0.0.1); the client does not trust that CA unless told to.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from openrouter_credits import OpenRouter, errors
from openrouter_credits.testing import free_port

from ..conftest import SECRET
from ..reliability.servers import TLSServer, tls


@pytest.fixture
def https() -> Iterator[TLSServer]:
    server = TLSServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


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


def test_refused_three_times_says_three_attempts(no_sleep: None) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    with (
        OpenRouter(api_key=SECRET, server_url=url) as sdk,
        pytest.raises(errors.APIConnectionError) as info,
    ):
        sdk.credits.get_credits()
    assert str(info.value).startswith(f"GET {url}/credits failed after 3 attempts: ConnectError: ")
    assert "not trusted" not in str(info.value)
    assert info.value.attempts == 3


def test_error_over_a_response_not_read_has_an_empty_body() -> None:
    unread = httpx.Response(503, stream=httpx.ByteStream(b"never read"))
    error = errors.OpenRouterDefaultError("m", unread)
    assert (error.body, error.status_code, str(error)) == ("", 503, "m")


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
