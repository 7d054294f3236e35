"""What the client does when the caller leaves things out, or passes the wrong kind of thing.

The client's own httpx client (its timeout, its URL), the key in every form the README
allows and the forms it refuses, header values, the User-Agent, and the default backoff.
All through ``OpenRouter(...).credits.get_credits`` against the stand-in server.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from openrouter_credits import (
    BackoffStrategy,
    OpenRouter,
    RetryConfig,
    __version__,
    errors,
)
from openrouter_credits.testing import Reply, StandInServer
from openrouter_credits.utils import UNSET

from ..conftest import SECRET, client

# --- the client's own httpx client ------------------------------------------------------


def test_default_timeout_outlasts_httpx_default_of_five_seconds(server: StandInServer) -> None:
    # The README promises 30 s per attempt by default; httpx's own default is 5 s.
    server.script(Reply(delay=5.5))
    with client(server, retry_config=None) as sdk:
        assert sdk.credits.get_credits().data.total_credits == 100.5


@pytest.mark.parametrize("suffix", ["/", "//"])
def test_trailing_slash_in_server_url_is_not_doubled(server: StandInServer, suffix: str) -> None:
    with OpenRouter(api_key=SECRET, server_url=server.base_url + suffix) as sdk:
        sdk.credits.get_credits()
        sdk.credits.get_credits(server_url=server.base_url + suffix)
    assert [r.path for r in server.requests] == ["/api/v1/credits"] * 2


def test_server_url_is_shown_in_repr_but_not_the_key(server: StandInServer) -> None:
    sdk = client(server)
    assert repr(sdk) == f"OpenRouter(server_url={server.base_url!r}, api_key=<set>)"
    assert repr(OpenRouter(api_key=lambda: SECRET)).endswith("api_key=<callable>)")
    assert repr(OpenRouter()).endswith("api_key=<from env>)")


# --- the key ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", [123, b"sk-bytes", ["sk"]])
def test_api_key_of_a_wrong_type_is_a_type_error(key: object) -> None:
    with pytest.raises(TypeError, match="api_key must be a str or a callable"):
        OpenRouter(api_key=key)  # type: ignore[arg-type]


def test_key_callable_returning_a_non_str_is_a_type_error(server: StandInServer) -> None:
    def key() -> str:
        return 12345  # type: ignore[return-value]

    with client(server, api_key=key) as sdk, pytest.raises(TypeError, match="must return a str"):
        sdk.credits.get_credits()
    assert server.requests == []


@pytest.mark.parametrize("key", ["", "   \n"])
def test_key_callable_returning_nothing_is_a_missing_key(server: StandInServer, key: str) -> None:
    with (
        client(server, api_key=lambda: key) as sdk,
        pytest.raises(errors.MissingAPIKeyError, match="OPENROUTER_API_KEY"),
    ):
        sdk.credits.get_credits()
    assert server.requests == []


@pytest.mark.parametrize("inside", ["\r\n", "\n", "\r", "\x00"])
def test_key_with_a_line_break_inside_is_a_value_error_without_the_key(
    server: StandInServer, inside: str
) -> None:
    key = f"{SECRET}{inside}X-Injected: 1"
    sdk = client(server, api_key=key)
    with sdk, pytest.raises(ValueError, match="contains characters HTTP does not allow") as e:
        sdk.credits.get_credits()
    assert str(e.value) == "api_key contains characters HTTP does not allow"
    assert SECRET not in str(e.value)
    assert e.value.__cause__ is None and e.value.__suppress_context__
    assert server.requests == []


def test_environment_key_is_read_at_each_call(
    server: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    with OpenRouter(server_url=server.base_url) as sdk:
        with pytest.raises(errors.MissingAPIKeyError):
            sdk.credits.get_credits()
        monkeypatch.setenv("OPENROUTER_API_KEY", "  from-env\n")
        sdk.credits.get_credits()
    assert server.requests[0].headers["authorization"] == "Bearer from-env"


def test_key_whitespace_is_trimmed(server: StandInServer) -> None:
    with client(server, api_key=f"  {SECRET}\n") as sdk:
        sdk.credits.get_credits()
    assert server.requests[0].headers["authorization"] == f"Bearer {SECRET}"


# --- header values ----------------------------------------------------------------------


@pytest.mark.parametrize(("value", "kind"), [(1, "int"), (None, "NoneType"), (b"b", "bytes")])
def test_header_value_that_is_not_a_str_is_a_type_error_naming_it(
    server: StandInServer, value: object, kind: str
) -> None:
    with client(server) as sdk, pytest.raises(TypeError) as info:
        sdk.credits.get_credits(http_headers={"X-Trace": value})  # type: ignore[dict-item]
    assert str(info.value) == f"header X-Trace: value must be a str, got {kind}"
    assert server.requests == []


@pytest.mark.parametrize(("value", "bad"), [("ok\rno", "\r"), ("tab\tok\x7f", "\x7f")])
def test_header_value_error_names_the_first_forbidden_character(
    server: StandInServer, value: str, bad: str
) -> None:
    with client(server) as sdk, pytest.raises(ValueError) as info:
        sdk.credits.get_credits(x_open_router_title=value)
    assert str(info.value) == (
        f"header X-OpenRouter-Title: value contains {bad!r}, which HTTP does not allow "
        "(only visible ASCII, space and tab)"
    )


def test_categories_string_is_split_on_commas_and_trimmed(server: StandInServer) -> None:
    with client(server, x_open_router_categories=" cli-agent , programming-app ") as sdk:
        sdk.credits.get_credits()
        sdk.credits.get_credits(x_open_router_categories=("cli-agent",))
    sent = [r.headers["x-openrouter-categories"] for r in server.requests]
    assert sent == ["cli-agent,programming-app", "cli-agent"]


def test_attribution_value_that_is_not_a_str_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="http_referer must be a str, got int"):
        OpenRouter(api_key=SECRET, http_referer=42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="x_open_router_title must be a str, got int"):
        OpenRouter(api_key=SECRET, x_open_router_title=42)  # type: ignore[arg-type]


def test_header_name_that_is_not_a_str_is_a_value_error(server: StandInServer) -> None:
    with client(server) as sdk, pytest.raises(ValueError, match="invalid HTTP header name 7"):
        sdk.credits.get_credits(http_headers={7: "v"})  # type: ignore[dict-item]


def test_extra_headers_are_sent_and_tab_and_space_are_allowed(server: StandInServer) -> None:
    with client(server) as sdk:
        sdk.credits.get_credits(http_headers={"X-Trace": "a b\tc~"})
    assert server.requests[0].headers["x-trace"] == "a b\tc~"


def test_user_agent_names_the_package_and_python(server: StandInServer) -> None:
    with client(server) as sdk:
        sdk.credits.get_credits()
    python = ".".join(map(str, sys.version_info[:3]))
    agent = server.requests[0].headers["user-agent"]
    assert agent == f"openrouter-credits/{__version__} python/{python}"
    assert re.fullmatch(r"openrouter-credits/\S+ python/\d+\.\d+\.\d+", agent)


def test_http_headers_may_replace_the_user_agent(server: StandInServer) -> None:
    with client(server) as sdk:
        sdk.credits.get_credits(http_headers={"User-Agent": "my-app/1"})
    assert server.requests[0].headers.get_all("user-agent") == ["my-app/1"]


# --- the default backoff ------------------------------------------------------------------


def test_default_jitter_takes_off_up_to_a_quarter() -> None:
    backoff = BackoffStrategy(500, 60_000, 1.5, 3_600_000)
    assert backoff.jitter == 0.25
    assert RetryConfig().backoff == backoff
    assert backoff.interval(1, 0.0) == 0.5
    assert backoff.interval(1, 1.0) == 0.375
    assert backoff.interval(2, 0.0) == 0.75
    assert backoff.interval(100, 0.0) == 60.0  # capped at max_interval


def test_first_retry_waits_the_jittered_initial_interval(
    server: StandInServer, caplog: pytest.LogCaptureFixture
) -> None:
    # No testing switch: the logged wait is the real one, between 0.375 and 0.5 s.
    server.script(Reply(status=503))
    caplog.set_level(logging.INFO, logger="openrouter_credits")
    with client(server) as sdk:
        sdk.credits.get_credits()
    (line,) = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    wait = float(re.search(r"in (\d+\.\d+) s", line).group(1))  # type: ignore[union-attr]
    assert 0.37 <= wait <= 0.5, line
    assert "after HTTP 503: attempt 2 of 3" in line


# --- the client's own connections -----------------------------------------------------------


def test_a_burst_of_21_calls_keeps_its_connections_for_the_next(server: StandInServer) -> None:
    # httpx keeps 20 idle connections by default; this client keeps as many as it opens.
    server.default = Reply(delay=0.1)

    async def bursts() -> None:
        async with client(server) as sdk:
            for _ in range(2):
                await asyncio.gather(*(sdk.credits.get_credits_async() for _ in range(21)))

    asyncio.run(bursts())
    assert (len(server.requests), server.connections) == (42, 21)


def test_25_threads_share_the_sync_connections(server: StandInServer) -> None:
    server.default = Reply(delay=0.3)
    with client(server) as sdk, ThreadPoolExecutor(max_workers=25) as pool:
        for _ in range(2):
            list(pool.map(lambda _: sdk.credits.get_credits(), range(25)))
    assert len(server.requests) == 50
    # At most one a thread (25; httpx's default would keep only 20): fewer when a slow
    # scheduler starts a thread after another's call has ended.
    assert server.connections <= 25


def test_closed_client_opens_a_new_connection_when_used_again(server: StandInServer) -> None:
    sdk = client(server)
    sdk.credits.get_credits()
    sdk.close()
    sdk.close()  # twice is fine
    sdk.credits.get_credits()
    sdk.close()

    async def again() -> None:
        await sdk.credits.get_credits_async()
        await sdk.aclose()
        await sdk.credits.get_credits_async()
        await sdk.aclose()

    asyncio.run(again())
    assert server.connections == 4


def test_unset_is_falsy_and_shows_as_unset() -> None:
    assert not UNSET
    assert repr(UNSET) == "UNSET"
    assert UNSET is not None


# --- option checks: the exact messages ------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://x", "server_url 'ftp://x' must be an http:// or https:// URL with a host"),
        ("http://", "server_url 'http://' must be an http:// or https:// URL with a host"),
        ("not a url", "server_url 'not a url' must be an http:// or https:// URL with a host"),
        ("http://[::1", "server_url 'http://[::1' is not a valid URL: Invalid port: ':1'"),
        (5, "server_url 5 is not a valid URL: Invalid type for url."),
    ],
)
def test_bad_server_url_message(url: Any, message: str) -> None:
    with pytest.raises(ValueError) as info:
        OpenRouter(api_key=SECRET, server_url=url)
    assert str(info.value).startswith(message)
    assert info.value.__cause__ is None


def test_bad_per_call_server_url_fails_before_sending(server: StandInServer) -> None:
    with client(server) as sdk, pytest.raises(ValueError, match=r"^server_url 'ftp://x' must"):
        sdk.credits.get_credits(server_url="ftp://x")
    assert server.requests == []


@pytest.mark.parametrize("config", ["none", 3, {"max_attempts": 1}])
def test_retry_config_of_a_wrong_type_is_a_type_error(server: StandInServer, config: Any) -> None:
    expected = f"retries must be a RetryConfig or None, got {type(config).__name__}"
    with pytest.raises(TypeError) as info:
        OpenRouter(api_key=SECRET, retry_config=config)
    assert str(info.value) == expected
    with client(server) as sdk, pytest.raises(TypeError) as info:
        sdk.credits.get_credits(retries=config)
    assert str(info.value) == expected


@pytest.mark.parametrize("name", ["Authorization", "AUTHORIZATION"])
def test_http_headers_cannot_set_authorization_in_any_case(
    server: StandInServer, name: str
) -> None:
    with client(server) as sdk, pytest.raises(ValueError) as info:
        sdk.credits.get_credits(http_headers={name: "Bearer other"})
    assert str(info.value) == "http_headers may not set Authorization: pass api_key instead"


def test_default_server_is_openrouter() -> None:
    assert repr(OpenRouter()) == (
        "OpenRouter(server_url='https://openrouter.ai/api/v1', api_key=<from env>)"
    )


def test_a_client_you_bring_keeps_its_timeout_unless_one_is_given(server: StandInServer) -> None:
    seen: list[dict[str, float]] = []

    def hook(request: httpx.Request) -> None:
        seen.append(request.extensions["timeout"])

    with httpx.Client(timeout=7.0, event_hooks={"request": [hook]}) as own:
        with client(server, client=own) as sdk:
            sdk.credits.get_credits()
            sdk.credits.get_credits(timeout_ms=2500)
        with client(server, client=own, timeout_ms=1500) as sdk:
            sdk.credits.get_credits()
    assert [t["read"] for t in seen] == [7.0, 2.5, 1.5]


def test_async_call_takes_its_own_server_url_and_timeout(server: StandInServer) -> None:
    server.default = Reply(delay=2.0)

    async def calls() -> None:
        with StandInServer() as other:
            async with OpenRouter(api_key=SECRET, server_url=other.base_url) as sdk:
                await sdk.credits.get_credits_async(server_url=other.base_url)
                assert len(other.requests) == 1
                with pytest.raises(errors.APITimeoutError):
                    await sdk.credits.get_credits_async(
                        server_url=server.base_url, timeout_ms=200, retries=None
                    )
            assert len(other.requests) == 1

    asyncio.run(calls())
    assert len(server.requests) == 1
