"""The public client against a real HTTP server on 127.0.0.1, sync and async."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from openrouter_credits import (
    NO_RETRIES,
    BackoffStrategy,
    GetCreditsResponse,
    OpenRouter,
    RetryConfig,
    __version__,
    errors,
)
from openrouter_credits.models import ForbiddenResponse, UnauthorizedResponse
from openrouter_credits.testing import Reply, StandInServer, free_port

from .conftest import SECRET

Call = Callable[..., GetCreditsResponse]


def client(server: StandInServer, **kwargs: Any) -> OpenRouter:
    kwargs.setdefault("api_key", SECRET)
    return OpenRouter(server_url=server.base_url, **kwargs)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def call(mode: str, sdk: OpenRouter, **kwargs: Any) -> GetCreditsResponse:
    """One get_credits call through the sync or the async path."""
    if mode == "sync":
        return sdk.credits.get_credits(**kwargs)
    import asyncio

    async def run() -> GetCreditsResponse:
        try:
            return await sdk.credits.get_credits_async(**kwargs)
        finally:
            await sdk.aclose()

    return asyncio.run(run())


def raises(mode: str, sdk: OpenRouter, kind: type[BaseException], **kwargs: Any) -> Any:
    with pytest.raises(kind) as info:
        call(mode, sdk, **kwargs)
    return info.value


# --- success and headers ---------------------------------------------------------------


def test_returns_the_credits(server: StandInServer, mode: str) -> None:
    with client(server) as sdk:
        res = call(mode, sdk)
    assert isinstance(res, GetCreditsResponse)
    assert (res.data.total_credits, res.data.total_usage) == (100.5, 25.75)
    (req,) = server.requests
    assert (req.method, req.path) == ("GET", "/api/v1/credits")
    assert req.headers["authorization"] == f"Bearer {SECRET}"
    assert req.headers["user-agent"].startswith(f"openrouter-credits/{__version__} ")


def test_client_attribution_defaults_and_per_call_overrides(
    server: StandInServer, mode: str
) -> None:
    with client(
        server,
        http_referer="https://app.example",
        x_open_router_title="My App",
        x_open_router_categories="cli-agent",
    ) as sdk:
        call(mode, sdk)
        call(
            mode,
            sdk,
            x_open_router_title="Other",
            x_open_router_categories=["cloud-agent", "cli-agent"],
            http_headers={"X-Extra": "1", "User-Agent": "mine/1"},
        )
    first, second = (r.headers for r in server.requests)
    assert first["http-referer"] == "https://app.example"
    assert first["x-openrouter-title"] == "My App"
    assert first["x-openrouter-categories"] == "cli-agent"
    assert second["http-referer"] == "https://app.example"
    assert second["x-openrouter-title"] == "Other"
    assert second["x-openrouter-categories"] == "cloud-agent,cli-agent"
    assert second["x-extra"] == "1"
    assert second["user-agent"] == "mine/1"


def test_no_attribution_headers_unless_given(server: StandInServer) -> None:
    with client(server) as sdk:
        sdk.credits.get_credits()
    headers = server.requests[0].headers
    for name in ("HTTP-Referer", "X-OpenRouter-Title", "X-OpenRouter-Categories"):
        assert name not in headers


def test_key_from_environment_and_callable(
    server: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "env-key")
    with OpenRouter(server_url=server.base_url) as sdk:
        sdk.credits.get_credits()
    keys = iter(["rotated-1", "rotated-2"])
    with OpenRouter(server_url=server.base_url, api_key=lambda: next(keys)) as sdk:
        sdk.credits.get_credits()
        sdk.credits.get_credits()
    auth = [r.headers["authorization"] for r in server.requests]
    assert auth == ["Bearer env-key", "Bearer rotated-1", "Bearer rotated-2"]


def test_missing_key_fails_before_any_request(
    server: StandInServer, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    with OpenRouter(server_url=server.base_url) as sdk:
        error = raises(mode, sdk, errors.MissingAPIKeyError)
    assert "OPENROUTER_API_KEY" in str(error)
    assert server.requests == []


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"x_open_router_title": "a\r\nX-Evil: 1"}, "X-OpenRouter-Title"),
        ({"http_referer": "https://x\n"}, "HTTP-Referer"),
        ({"x_open_router_title": "caf\u00e9"}, "X-OpenRouter-Title"),
        ({"http_headers": {"X-Trace": "a\x00b"}}, "X-Trace"),
        ({"http_headers": {"Bad Name": "v"}}, "Bad Name"),
        ({"x_open_router_categories": "cli-agent\r\nX-Evil: 1"}, "X-OpenRouter-Categories"),
        ({"x_open_router_title": " padded"}, "X-OpenRouter-Title"),
    ],
)
def test_bad_header_values_are_value_errors_and_nothing_is_sent(
    server: StandInServer, mode: str, kwargs: dict[str, Any], names: str
) -> None:
    with client(server) as sdk:
        error = raises(mode, sdk, ValueError, **kwargs)
    assert names in str(error)
    assert server.requests == []


def test_bad_client_level_header_fails_at_construction(server: StandInServer) -> None:
    with pytest.raises(ValueError, match="HTTP-Referer"):
        client(server, http_referer="x\ry")


def test_unknown_well_formed_category_passes(server: StandInServer) -> None:
    with client(server) as sdk:
        sdk.credits.get_credits(x_open_router_categories="brand-new-thing")
    assert server.requests[0].headers["x-openrouter-categories"] == "brand-new-thing"


def test_http_headers_cannot_replace_the_key(server: StandInServer) -> None:
    with client(server) as sdk, pytest.raises(ValueError, match="Authorization"):
        sdk.credits.get_credits(http_headers={"authorization": "Bearer other"})


# --- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind", "model"),
    [
        (401, errors.UnauthorizedResponseError, UnauthorizedResponse),
        (403, errors.ForbiddenResponseError, ForbiddenResponse),
        (500, errors.InternalServerResponseError, None),
    ],
)
def test_documented_statuses_map_to_their_errors(
    server: StandInServer,
    mode: str,
    status: int,
    kind: type[errors.OpenRouterError],
    model: type[Any] | None,
    no_sleep: None,
) -> None:
    server.default = Reply(status=status)
    with client(server) as sdk:
        error = raises(mode, sdk, kind)
    assert error.status_code == status
    assert error.data is not None
    assert error.data.error.code == status
    assert error.data.error.message in str(error)
    if model is not None:
        assert isinstance(error.data, model)
    assert error.raw_response.status_code == status
    assert error.body == error.raw_response.text


def test_forbidden_explains_the_management_key(server: StandInServer) -> None:
    server.default = Reply(status=403)
    with client(server) as sdk, pytest.raises(errors.ForbiddenResponseError) as info:
        sdk.credits.get_credits()
    assert "management key" in str(info.value)


def test_documented_status_with_an_html_body_keeps_its_type(server: StandInServer) -> None:
    server.default = Reply(status=401, body="<html>login</html>", content_type="text/html")
    with client(server) as sdk, pytest.raises(errors.UnauthorizedResponseError) as info:
        sdk.credits.get_credits()
    assert info.value.data is None
    assert "text/html" in str(info.value)


def test_other_statuses_are_default_errors(server: StandInServer, mode: str) -> None:
    body = "<html>" + "x" * 5000 + "</html>"
    server.default = Reply(status=418, body=body, content_type="text/html")
    with client(server) as sdk:
        error = raises(mode, sdk, errors.OpenRouterDefaultError)
    text = str(error)
    assert "418" in text and "text/html" in text
    assert len(text) < 600  # a bounded excerpt, not the whole body
    assert error.body == body


@pytest.mark.parametrize(
    "reply",
    [
        Reply(body="not json", content_type="application/json"),
        Reply(body=b"", content_type="application/json"),
        Reply(body={"data": {"total_credits": "many", "total_usage": 1}}),
        Reply(body={"data": {"total_usage": 1}}),
        Reply(body={"data": None}),
        Reply(body=[1, 2]),
        Reply(body={"data": {"total_credits": True, "total_usage": 1}}),
        Reply(body=b"\xff\xfe\x00garbage", content_type="application/json"),
    ],
)
def test_bad_success_bodies_are_validation_errors(
    server: StandInServer, mode: str, reply: Reply
) -> None:
    server.default = reply
    with client(server) as sdk:
        error = raises(mode, sdk, errors.ResponseValidationError)
    assert error.__cause__ is not None
    assert error.status_code == 200


def test_unknown_fields_are_kept(server: StandInServer) -> None:
    server.default = Reply(
        body={"data": {"total_credits": 1, "total_usage": 0.5, "bonus": 3}, "meta": {}}
    )
    with client(server) as sdk:
        res = sdk.credits.get_credits()
    assert res.data.total_credits == 1
    assert res.data["bonus"] == 3
    assert res["meta"] == {}


def test_connection_refused_is_a_connection_error(mode: str, no_sleep: None) -> None:
    sdk = OpenRouter(api_key=SECRET, server_url=f"http://127.0.0.1:{free_port()}/api/v1")
    with sdk:
        error = raises(mode, sdk, errors.APIConnectionError)
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


def test_per_call_timeout_overrides(server: StandInServer) -> None:
    server.script(Reply(delay=1.0))
    with client(server, timeout_ms=5_000) as sdk, pytest.raises(errors.APITimeoutError):
        sdk.credits.get_credits(timeout_ms=100, retries=NO_RETRIES)


# --- retries ---------------------------------------------------------------------------


def test_503_then_200_succeeds_on_the_second_attempt(server: StandInServer, mode: str) -> None:
    server.script(Reply(status=503, body="<html>busy</html>", content_type="text/html"))
    with client(server) as sdk:
        res = call(mode, sdk)
    assert res.data.total_credits == 100.5
    assert len(server.requests) == 2


def test_429_with_retry_after_waits_about_that_long(server: StandInServer, mode: str) -> None:
    server.script(Reply(status=429, headers={"Retry-After": "1"}))
    with client(server) as sdk:
        call(mode, sdk)
    first, second = server.requests
    gap = second.received_at - first.received_at
    assert 0.9 <= gap < 3.0, gap


def test_500_three_times_raises_after_exactly_three_attempts(
    server: StandInServer, mode: str, no_sleep: None
) -> None:
    server.default = Reply(status=500)
    with client(server) as sdk:
        raises(mode, sdk, errors.InternalServerResponseError)
    assert len(server.requests) == 3


def test_400_is_not_retried(server: StandInServer, mode: str, no_sleep: None) -> None:
    server.default = Reply(status=400, body={"error": {"code": 400, "message": "bad"}})
    with client(server) as sdk:
        raises(mode, sdk, errors.OpenRouterDefaultError)
    assert len(server.requests) == 1


def test_retries_can_be_turned_off_per_client_and_per_call(
    server: StandInServer, no_sleep: None
) -> None:
    server.default = Reply(status=503)
    with client(server, retry_config=None) as sdk, pytest.raises(errors.OpenRouterDefaultError):
        sdk.credits.get_credits()
    assert len(server.requests) == 1
    server.reset()
    server.default = Reply(status=503)
    with client(server) as sdk, pytest.raises(errors.OpenRouterDefaultError):
        sdk.credits.get_credits(retries=NO_RETRIES)
    assert len(server.requests) == 1


def test_per_call_retry_config(server: StandInServer, no_sleep: None) -> None:
    server.default = Reply(status=502)
    five = RetryConfig("backoff", BackoffStrategy(1, 10, 1.5, 10_000), True, max_attempts=5)
    with client(server) as sdk, pytest.raises(errors.OpenRouterDefaultError):
        sdk.credits.get_credits(retries=five)
    assert len(server.requests) == 5


def test_each_retry_is_logged(
    server: StandInServer, caplog: pytest.LogCaptureFixture, no_sleep: None
) -> None:
    server.script(Reply(status=503), Reply(status=429))
    with caplog.at_level(logging.INFO, logger="openrouter_credits"), client(server) as sdk:
        sdk.credits.get_credits()
    lines = [r.getMessage() for r in caplog.records if r.name == "openrouter_credits"]
    assert len(lines) == 2
    assert "HTTP 503" in lines[0] and "attempt 2 of 3" in lines[0]
    assert "HTTP 429" in lines[1] and "attempt 3 of 3" in lines[1]


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
