"""Clients you bring, per-call server URL and timeout checks, secrets, connection reuse."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable
from typing import Any

import httpx
import pytest
from openrouter_credits import (
    NO_RETRIES,
    GetCreditsResponse,
    OpenRouter,
    errors,
)
from openrouter_credits.testing import Reply, StandInServer

from ..conftest import SECRET
from .conftest import call, client, raises

# --- client lifecycle, bring-your-own clients, secrets ----------------------------------


def test_bring_your_own_clients_are_used_and_not_closed(server: StandInServer) -> None:
    seen: list[str] = []

    def hook(request: httpx.Request) -> None:
        seen.append(str(request.url))

    async def ahook(request: httpx.Request) -> None:
        seen.append(str(request.url))

    own = httpx.Client(event_hooks={"request": [hook]})
    aown = httpx.AsyncClient(event_hooks={"request": [ahook]})
    sdk = client(server, client=own, async_client=aown)
    sdk.credits.get_credits()
    import asyncio

    async def run() -> None:
        async with sdk:
            await sdk.credits.get_credits_async()
        assert not aown.is_closed
        await aown.aclose()

    asyncio.run(run())
    assert not own.is_closed
    own.close()
    assert seen == [server.base_url + "/credits"] * 2


def test_per_call_server_url(server: StandInServer) -> None:
    with StandInServer() as other, OpenRouter(api_key=SECRET, server_url=server.base_url) as sdk:
        sdk.credits.get_credits(server_url=other.base_url)
        assert len(other.requests) == 1
    assert server.requests == []


@pytest.mark.parametrize("url", ["ftp://x/api", "not a url", "http://"])
def test_bad_server_url_is_a_value_error(url: str) -> None:
    with pytest.raises(ValueError, match="server_url"):
        OpenRouter(api_key=SECRET, server_url=url)


@pytest.mark.parametrize("timeout", [0, -1, True, float("inf"), float("nan"), "5"])
def test_bad_timeout_is_a_value_error(timeout: Any) -> None:
    with pytest.raises(ValueError, match="timeout_ms"):
        OpenRouter(api_key=SECRET, timeout_ms=timeout)


def test_key_never_in_repr_or_error_text(server: StandInServer, no_sleep: None) -> None:
    sdk = client(server)
    assert SECRET not in repr(sdk)
    texts: list[str] = []
    # A server that echoes the key in its body must not make the key visible either.
    for reply in (
        Reply(status=401, body={"error": {"code": 401, "message": f"bad key {SECRET}"}}),
        Reply(status=403),
        Reply(status=500),
        Reply(status=418, body=f"echo: Bearer {SECRET}"),
        Reply(body=f"<html>{SECRET}</html>", content_type="text/html"),
    ):
        server.default = reply
        with pytest.raises(errors.OpenRouterBaseError) as info:
            sdk.credits.get_credits()
        error = info.value
        texts += [str(error), repr(error), error.args[0]]
        if isinstance(error, errors.OpenRouterError):
            texts += [
                error.body,
                repr(error.raw_response),
                repr(error.raw_response.request.headers),
            ]
    sdk.close()
    assert all(SECRET not in text for text in texts)


async def test_async_client_reuses_one_connection(server: StandInServer) -> None:
    import asyncio

    async with client(server) as sdk:
        results = await asyncio.gather(*(sdk.credits.get_credits_async() for _ in range(20)))
        more: Awaitable[GetCreditsResponse] = sdk.credits.get_credits_async()
        results.append(await more)
    assert len(results) == 21
    assert server.connections <= 20


def test_fractional_timeout_reaches_httpx_unchanged(server: StandInServer) -> None:
    seen: list[dict[str, float]] = []

    def hook(request: httpx.Request) -> None:
        seen.append(request.extensions["timeout"])

    own = httpx.Client(event_hooks={"request": [hook]})
    with own, client(server, timeout_ms=1500.5, client=own) as sdk:
        sdk.credits.get_credits()
        with contextlib.suppress(errors.APITimeoutError):  # 0.5 ms may or may not be enough
            sdk.credits.get_credits(timeout_ms=0.5, retries=NO_RETRIES)
    assert seen[0]["read"] == pytest.approx(1.5005)
    assert seen[1]["read"] == pytest.approx(0.0005)  # not truncated to 0


def test_key_whitespace_is_trimmed(server: StandInServer) -> None:
    with client(server, api_key=f"  {SECRET}\n") as sdk:
        sdk.credits.get_credits()
    assert server.requests[0].headers["authorization"] == f"Bearer {SECRET}"


def test_oversized_body_on_a_retried_status_is_retried(
    server: StandInServer, mode: str, no_sleep: None
) -> None:
    server.script(Reply(status=503, body=b"x" * (2 << 20), content_type="text/html"))
    with client(server) as sdk:
        res = call(mode, sdk)
    assert res.data.total_credits == 100.5
    assert len(server.requests) == 2


def test_oversized_success_body_is_refused(server: StandInServer, mode: str) -> None:
    server.default = Reply(body=b" " * (2 << 20), content_type="application/json")
    with client(server) as sdk:
        error = raises(mode, sdk, errors.ResponseValidationError)
    assert "limit" in str(error)
    assert len(server.requests) == 1


def test_key_never_in_error_text_of_either_path(server: StandInServer, mode: str) -> None:
    server.default = Reply(status=401, body={"error": {"code": 401, "message": f"bad {SECRET}"}})
    with client(server, retry_config=None) as sdk:
        error = raises(mode, sdk, errors.UnauthorizedResponseError)
    texts = [str(error), repr(error), error.body, error.message]
    assert [text for text in texts if SECRET in text] == []
    assert "bad [redacted]" in error.body
