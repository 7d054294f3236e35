"""The client's options: what each does when left out (the client's own httpx client and
its connections, the default server, the key from the environment), the values each takes,
and their checks' exact messages: server names, ``server_url`` and ``url_params``, the key
in every form the README allows and those it refuses, ``timeout_ms``, ``retry_config``,
the ``debug_logger`` and ``OPENROUTER_DEBUG``. Header values: test_headers.py.

All through ``OpenRouter(...).credits.get_credits`` against the stand-in server; README
"Keywords" and "Migrating from the official SDK" say what each option means.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from openrouter_credits import NO_RETRIES, OpenRouter, errors
from openrouter_credits.testing import Reply, StandInServer

from ..conftest import SECRET, client, raises

# --- the server -----------------------------------------------------------------------------


def test_credits_is_one_object_while_it_is_held() -> None:
    sdk = OpenRouter(api_key=SECRET)
    credits = sdk.credits
    assert sdk.credits is credits


def test_default_server_is_openrouter() -> None:
    assert repr(OpenRouter()) == (
        "OpenRouter(server_url='https://openrouter.ai/api/v1', api_key=<from env>)"
    )


def test_an_unknown_server_name_is_named_with_the_known_ones() -> None:
    with pytest.raises(ValueError) as info:
        OpenRouter(api_key=SECRET, server="staging")
    assert str(info.value) == "server 'staging' is not one of ['production']"


def test_a_known_server_name_is_taken() -> None:
    sdk = OpenRouter(api_key=SECRET, server="production")
    assert repr(sdk) == "OpenRouter(server_url='https://openrouter.ai/api/v1', api_key=<set>)"


def test_server_url_is_shown_in_repr_but_not_the_key(server: StandInServer) -> None:
    sdk = client(server)
    assert repr(sdk) == f"OpenRouter(server_url={server.base_url!r}, api_key=<set>)"
    assert repr(OpenRouter(api_key=lambda: SECRET)).endswith("api_key=<callable>)")
    assert repr(OpenRouter()).endswith("api_key=<from env>)")


def test_url_params_fill_every_variable(server: StandInServer) -> None:
    host, port = server.base_url.removeprefix("http://").split("/")[0].split(":")
    template = "http://{host}:{port}/{prefix}/v1"
    params = {"host": host, "port": port, "prefix": "api"}
    with OpenRouter(api_key=SECRET, server_url=template, url_params=params) as sdk:
        assert repr(sdk) == f"OpenRouter(server_url={server.base_url!r}, api_key=<set>)"
        sdk.credits.get_credits()
    assert [r.path for r in server.requests] == ["/api/v1/credits"]


@pytest.mark.parametrize(
    ("params", "shown"), [({"prefix": 1}, "'prefix': 1"), ({1: "api"}, "1: 'api'")]
)
def test_url_params_of_a_wrong_type_are_named(params: Any, shown: str) -> None:
    with pytest.raises(TypeError) as info:
        OpenRouter(api_key=SECRET, server_url="http://x/{prefix}/v1", url_params=params)
    assert str(info.value) == f"url_params must map str to str, got {shown}"


def test_a_variable_url_params_does_not_give_is_named() -> None:
    with pytest.raises(ValueError) as info:
        OpenRouter(api_key=SECRET, server_url="http://x/{prefix}/v1", url_params={"other": "a"})
    assert str(info.value) == (
        "server_url 'http://x/{prefix}/v1' has a {variable} that url_params does not give"
    )


@pytest.mark.parametrize("suffix", ["/", "//"])
def test_trailing_slash_in_server_url_is_not_doubled(server: StandInServer, suffix: str) -> None:
    with OpenRouter(api_key=SECRET, server_url=server.base_url + suffix) as sdk:
        sdk.credits.get_credits()
        sdk.credits.get_credits(server_url=server.base_url + suffix)
    assert [r.path for r in server.requests] == ["/api/v1/credits"] * 2


def test_a_server_url_ending_in_other_characters_keeps_them(server: StandInServer) -> None:
    root = server.base_url.removesuffix("/api/v1")
    sdk = OpenRouter(api_key=SECRET, server_url=root + "/apiX", retry_config=None)
    with sdk, pytest.raises(errors.OpenRouterBaseError):
        sdk.credits.get_credits()
    assert [r.path for r in server.requests] == ["/apiX/credits"]


def test_a_per_call_server_url_is_used_for_that_call_only(server: StandInServer) -> None:
    with StandInServer() as other, OpenRouter(api_key=SECRET, server_url=other.base_url) as sdk:
        sdk.credits.get_credits(server_url=server.base_url + "/")
        sdk.credits.get_credits()
        assert len(other.requests) == 1
    assert [r.path for r in server.requests] == ["/api/v1/credits"]


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


# --- the key ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", [123, b"sk-bytes", ["sk"]])
def test_api_key_of_a_wrong_type_is_named(key: object) -> None:
    with pytest.raises(TypeError) as info:
        OpenRouter(api_key=key)  # type: ignore[arg-type]
    assert str(info.value) == "api_key must be a str or a callable returning one"


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


def test_missing_key_fails_before_any_request(
    server: StandInServer, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    with OpenRouter(server_url=server.base_url) as sdk:
        error = raises(mode, sdk, errors.MissingAPIKeyError)
    assert "OPENROUTER_API_KEY" in str(error)
    assert server.requests == []


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
def test_a_blank_api_key_is_not_given(
    blank: str, server: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in the official SDK: api_key=os.getenv("MY_KEY", "") falls back to the variable.
    monkeypatch.setenv("OPENROUTER_API_KEY", "from-env")
    with OpenRouter(api_key=blank, server_url=server.base_url) as sdk:
        sdk.credits.get_credits()
        assert "api_key=<from env>" in repr(sdk)
    assert server.requests[-1].headers["authorization"] == "Bearer from-env"
    monkeypatch.delenv("OPENROUTER_API_KEY")
    with (
        OpenRouter(api_key=blank, server_url=server.base_url) as sdk,
        pytest.raises(errors.MissingAPIKeyError),
    ):
        sdk.credits.get_credits()


def test_key_whitespace_is_trimmed(server: StandInServer) -> None:
    with client(server, api_key=f"  {SECRET}\n") as sdk:
        sdk.credits.get_credits()
    assert server.requests[0].headers["authorization"] == f"Bearer {SECRET}"


def test_a_key_callable_is_called_at_each_call(server: StandInServer) -> None:
    keys = iter(["rotated-1", "rotated-2"])
    with client(server, api_key=lambda: next(keys)) as sdk:
        sdk.credits.get_credits()
        sdk.credits.get_credits()
    auth = [r.headers["authorization"] for r in server.requests]
    assert auth == ["Bearer rotated-1", "Bearer rotated-2"]


def test_a_key_callable_returning_a_non_str_is_named(server: StandInServer) -> None:
    def key() -> str:
        return 12345  # type: ignore[return-value]

    sdk = OpenRouter(api_key=key, server_url=server.base_url)
    with sdk, pytest.raises(TypeError) as info:
        sdk.credits.get_credits()
    assert str(info.value) == "the api_key callable must return a str"
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


# --- timeouts ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_without_timeout_ms_the_clients_own_httpx_client_waits_30_seconds(
    server: StandInServer, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    # Every phase of the request sent carries the documented 30 s, not httpx's 5 s; the
    # attempt lasts as long as the largest of them (tests/http/test_attempt_budget.py).
    seen: list[dict[str, float]] = []
    http = httpx.Client if mode == "sync" else httpx.AsyncClient
    send = http.send

    def spy(client: Any, request: httpx.Request, **kwargs: Any) -> Any:
        seen.append(request.extensions["timeout"])
        return send(client, request, **kwargs)

    monkeypatch.setattr(http, "send", spy)
    with OpenRouter(api_key=SECRET, server_url=server.base_url) as sdk:
        if mode == "sync":
            sdk.credits.get_credits()
        else:
            asyncio.run(sdk.credits.get_credits_async())
    assert seen == [{"connect": 30.0, "read": 30.0, "write": 30.0, "pool": 30.0}]


def test_a_client_you_bring_keeps_its_timeout_unless_one_is_given(server: StandInServer) -> None:
    """Its own per-phase timeouts without ``timeout_ms``; else the call's, then the
    client's, in seconds."""
    seen: list[dict[str, float]] = []

    def hook(request: httpx.Request) -> None:
        seen.append(request.extensions["timeout"])

    own = httpx.Client(timeout=httpx.Timeout(7.0, connect=2.0), event_hooks={"request": [hook]})
    with own:
        with client(server, client=own) as sdk:
            sdk.credits.get_credits()
            sdk.credits.get_credits(timeout_ms=2500)
        with client(server, client=own, timeout_ms=1500) as sdk:
            sdk.credits.get_credits()
    assert seen[0] == {"connect": 2.0, "read": 7.0, "write": 7.0, "pool": 7.0}
    assert [t["read"] for t in seen] == [7.0, 2.5, 1.5]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_client_you_bring_sends_the_packages_user_agent_unless_the_call_sets_one(
    server: StandInServer, mode: str
) -> None:
    """Not httpx's; a call's ``http_headers`` User-Agent replaces it (one header, not two)."""
    own: Any = httpx.Client() if mode == "sync" else httpx.AsyncClient()
    sdk = client(server, **{"client" if mode == "sync" else "async_client": own})

    async def calls() -> None:
        await sdk.credits.get_credits_async()
        await sdk.credits.get_credits_async(http_headers={"User-Agent": "mine/1"})
        await own.aclose()

    if mode == "sync":
        with own:
            sdk.credits.get_credits()
            sdk.credits.get_credits(http_headers={"User-Agent": "mine/1"})
    else:
        asyncio.run(calls())
    first, second = (r.headers.get_all("user-agent") for r in server.requests)
    assert first is not None and len(first) == 1 and first[0].startswith("openrouter-credits/")
    assert second == ["mine/1"]


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


def test_per_call_timeout_overrides(server: StandInServer) -> None:
    server.script(Reply(delay=1.0))
    with client(server, timeout_ms=5_000) as sdk, pytest.raises(errors.APITimeoutError):
        sdk.credits.get_credits(timeout_ms=100, retries=NO_RETRIES)


def test_a_timeout_under_a_millisecond_is_taken() -> None:
    assert repr(OpenRouter(api_key=SECRET, timeout_ms=0.5)).endswith("api_key=<set>)")


@pytest.mark.parametrize("timeout", [0, -1.5, True, float("inf"), float("nan"), "5"])
def test_a_bad_timeout_is_named(timeout: Any) -> None:
    expected = f"timeout_ms must be a positive, finite number of milliseconds, got {timeout!r}"
    with pytest.raises(ValueError) as info:
        OpenRouter(api_key=SECRET, timeout_ms=timeout)
    assert str(info.value) == expected
    with OpenRouter(api_key=SECRET) as sdk, pytest.raises(ValueError) as info:
        sdk.credits.get_credits(timeout_ms=timeout)
    assert str(info.value) == expected


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


# --- retries (what they do: test_retries.py) ---------------------------------------------


@pytest.mark.parametrize("config", ["none", 3, {"max_attempts": 1}])
def test_retry_config_of_a_wrong_type_is_a_type_error(server: StandInServer, config: Any) -> None:
    expected = f"retries must be a RetryConfig or None, got {type(config).__name__}"
    with pytest.raises(TypeError) as info:
        OpenRouter(api_key=SECRET, retry_config=config)
    assert str(info.value) == expected
    with client(server) as sdk, pytest.raises(TypeError) as info:
        sdk.credits.get_credits(retries=config)
    assert str(info.value) == expected


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


# --- the debug logger ---------------------------------------------------------------------


@pytest.mark.parametrize("logger", [object(), type("Half", (), {"debug": "not a method"})()])
def test_a_debug_logger_without_a_debug_method_is_a_type_error(logger: Any) -> None:
    with pytest.raises(TypeError) as info:
        OpenRouter(api_key=SECRET, debug_logger=logger)
    assert str(info.value) == "debug_logger must have a debug() method, like a logging.Logger"


def test_any_object_with_a_debug_method_is_a_debug_logger(server: StandInServer) -> None:
    class Lines:
        def __init__(self) -> None:
            self.lines: list[str] = []

        def debug(self, msg: str, *args: Any, **kwargs: Any) -> None:
            self.lines.append(msg % args)

    lines = Lines()
    with OpenRouter(api_key=SECRET, server_url=server.base_url, debug_logger=lines) as sdk:
        sdk.credits.get_credits()
    url = f"{server.base_url}/credits"
    assert [line.split(" (")[0] for line in lines.lines] == [
        f"request GET {url}",
        f"response 200 to GET {url}",
    ]


#: A fresh interpreter (logging is process-wide): the root logger and the package
#: logger after two clients, as the official repository's tests/test_logger.py probes it.
LOGGING_PROBE = """
import json, logging, sys
{setup}
root = logging.getLogger()
before = [root.level, len(root.handlers)]
from openrouter_credits import OpenRouter
OpenRouter(api_key="x")
OpenRouter(api_key="x")  # twice: handlers must not stack
mine = logging.getLogger("openrouter_credits")
print(json.dumps([before, [root.level, len(root.handlers)], mine.level, len(mine.handlers)]))
"""


def _logging_after(setup: str = "", **env: str) -> list[Any]:
    base = {k: v for k, v in os.environ.items() if k != "OPENROUTER_DEBUG"}
    out = subprocess.run(
        [sys.executable, "-c", LOGGING_PROBE.format(setup=setup)],
        capture_output=True,
        text=True,
        check=True,
        env={**base, **env},
        timeout=60,
    ).stdout
    result: list[Any] = json.loads(out.splitlines()[-1])
    return result


def test_openrouter_debug_sets_the_package_logger_and_leaves_the_root_alone() -> None:
    # No logging.basicConfig: the root logger stays WARNING without handlers; the package
    # logger is at DEBUG with one handler of its own, not two after a second client.
    assert _logging_after(OPENROUTER_DEBUG="1") == [[30, 0], [30, 0], 10, 1]


def test_without_openrouter_debug_no_logging_is_touched() -> None:
    assert _logging_after() == [[30, 0], [30, 0], 0, 0]


def test_openrouter_debug_adds_no_handler_when_the_application_configured_logging() -> None:
    # The application's root handlers show the records: a second handler would print
    # every record twice.
    setup = "logging.basicConfig(level=logging.INFO)"
    assert _logging_after(setup, OPENROUTER_DEBUG="1") == [[20, 1], [20, 1], 10, 0]
