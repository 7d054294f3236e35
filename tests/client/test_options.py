"""The options' checks and their exact messages: server names and ``url_params``, the
``debug_logger``, ``OPENROUTER_DEBUG``, the key callable, per-call ``server_url``.

README "Keywords" and "Migrating from the official SDK" say what each option means.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
from typing import Any

import httpx
import pytest
from openrouter_credits import NO_RETRIES, BackoffStrategy, OpenRouter, RetryConfig, errors
from openrouter_credits.testing import Reply, StandInServer

from ..conftest import SECRET, client


def test_an_unknown_server_name_is_named_with_the_known_ones() -> None:
    with pytest.raises(ValueError) as info:
        OpenRouter(api_key=SECRET, server="staging")
    assert str(info.value) == "server 'staging' is not one of ['production']"


def test_a_known_server_name_is_taken() -> None:
    sdk = OpenRouter(api_key=SECRET, server="production")
    assert repr(sdk) == "OpenRouter(server_url='https://openrouter.ai/api/v1', api_key=<set>)"


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


def test_trailing_slashes_of_the_server_url_are_dropped(server: StandInServer) -> None:
    with OpenRouter(api_key=SECRET, server_url=server.base_url + "//") as sdk:
        sdk.credits.get_credits()
    assert [r.path for r in server.requests] == ["/api/v1/credits"]


def test_a_per_call_server_url_is_used_for_that_call_only(server: StandInServer) -> None:
    with StandInServer() as other, OpenRouter(api_key=SECRET, server_url=other.base_url) as sdk:
        sdk.credits.get_credits(server_url=server.base_url + "/")
        sdk.credits.get_credits()
        assert len(other.requests) == 1
    assert [r.path for r in server.requests] == ["/api/v1/credits"]


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


def test_a_key_callable_returning_a_non_str_is_named(server: StandInServer) -> None:
    def key() -> str:
        return 12345  # type: ignore[return-value]

    sdk = OpenRouter(api_key=key, server_url=server.base_url)
    with sdk, pytest.raises(TypeError) as info:
        sdk.credits.get_credits()
    assert str(info.value) == "the api_key callable must return a str"
    assert server.requests == []


# --- per-call options against the client's -------------------------------------------------


def test_per_call_retries_replace_the_clients(server: StandInServer, no_sleep: None) -> None:
    server.default = Reply(status=503)
    five = RetryConfig("backoff", BackoffStrategy(1, 10, 1.5, 10_000), True, max_attempts=5)
    with OpenRouter(api_key=SECRET, server_url=server.base_url, retry_config=five) as sdk:
        with pytest.raises(errors.OpenRouterDefaultError):
            sdk.credits.get_credits(retries=NO_RETRIES)
        assert len(server.requests) == 1
        with pytest.raises(errors.OpenRouterDefaultError):
            sdk.credits.get_credits()
    assert len(server.requests) == 6


def test_the_debug_logger_hears_of_each_retry(server: StandInServer, no_sleep: None) -> None:
    server.script(Reply(status=503))
    lines: list[str] = []
    logger = type("Lines", (), {"debug": lambda self, msg, *args: lines.append(msg % args)})()
    with OpenRouter(api_key=SECRET, server_url=server.base_url, debug_logger=logger) as sdk:
        sdk.credits.get_credits()
    attempts = [re.search(r"\(attempt (\d)", line)[1] for line in lines]  # type: ignore[index]
    assert attempts == ["1", "1", "2", "2"]


# --- the checks' exact messages --------------------------------------------------------


@pytest.mark.parametrize("timeout", [0, -1.5, True, float("inf"), float("nan"), "5"])
def test_a_bad_timeout_is_named(timeout: Any) -> None:
    expected = f"timeout_ms must be a positive, finite number of milliseconds, got {timeout!r}"
    with pytest.raises(ValueError) as info:
        OpenRouter(api_key=SECRET, timeout_ms=timeout)
    assert str(info.value) == expected
    with OpenRouter(api_key=SECRET) as sdk, pytest.raises(ValueError) as info:
        sdk.credits.get_credits(timeout_ms=timeout)
    assert str(info.value) == expected


def test_a_timeout_under_a_millisecond_is_taken() -> None:
    assert repr(OpenRouter(api_key=SECRET, timeout_ms=0.5)).endswith("api_key=<set>)")


def test_timeouts_reach_httpx_in_seconds(server: StandInServer) -> None:
    seen: list[float] = []

    def hook(request: httpx.Request) -> None:
        seen.append(request.extensions["timeout"]["read"])

    own = httpx.Client(event_hooks={"request": [hook]})
    sdk = OpenRouter(api_key=SECRET, server_url=server.base_url, client=own, timeout_ms=1500)
    with own, sdk:
        sdk.credits.get_credits(timeout_ms=2500)
        sdk.credits.get_credits()
    assert seen == [2.5, 1.5]


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


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_without_timeout_ms_the_clients_own_httpx_client_waits_30_seconds(
    server: StandInServer, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    # Not httpx's own default of 5 s (tests/client/test_client_defaults.py shows it with a slow
    # server): every phase of the request sent carries the documented 30 s.
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


def test_without_timeout_ms_your_client_keeps_its_own_timeout(server: StandInServer) -> None:
    seen: list[dict[str, float]] = []

    def hook(request: httpx.Request) -> None:
        seen.append(request.extensions["timeout"])

    own = httpx.Client(timeout=httpx.Timeout(7.0, connect=2.0), event_hooks={"request": [hook]})
    with own, OpenRouter(api_key=SECRET, server_url=server.base_url, client=own) as sdk:
        sdk.credits.get_credits()
    assert seen == [{"connect": 2.0, "read": 7.0, "write": 7.0, "pool": 7.0}]


def test_a_retry_config_of_a_wrong_type_is_named() -> None:
    expected = "retries must be a RetryConfig or None, got str"
    with pytest.raises(TypeError) as info:
        OpenRouter(api_key=SECRET, retry_config="none")  # type: ignore[arg-type]
    assert str(info.value) == expected
    with OpenRouter(api_key=SECRET) as sdk, pytest.raises(TypeError) as info:
        sdk.credits.get_credits(retries="none")  # type: ignore[arg-type]
    assert str(info.value) == expected


def test_a_server_url_ending_in_other_characters_keeps_them(server: StandInServer) -> None:
    root = server.base_url.removesuffix("/api/v1")
    sdk = OpenRouter(api_key=SECRET, server_url=root + "/apiX", retry_config=None)
    with sdk, pytest.raises(errors.OpenRouterBaseError):
        sdk.credits.get_credits()
    assert [r.path for r in server.requests] == ["/apiX/credits"]


def test_api_key_of_a_wrong_type_is_named() -> None:
    with pytest.raises(TypeError) as info:
        OpenRouter(api_key=123)  # type: ignore[arg-type]
    assert str(info.value) == "api_key must be a str or a callable returning one"


def test_a_key_http_cannot_carry_is_named_without_it() -> None:
    with OpenRouter(api_key=f"{SECRET}\n\nX: 1") as sdk, pytest.raises(ValueError) as info:
        sdk.credits.get_credits()
    assert str(info.value) == "api_key contains characters HTTP does not allow"


def test_http_headers_may_not_carry_the_key() -> None:
    with OpenRouter(api_key=SECRET) as sdk, pytest.raises(ValueError) as info:
        sdk.credits.get_credits(http_headers={"authorization": "Bearer x"})
    assert str(info.value) == "http_headers may not set Authorization: pass api_key instead"


def test_attribution_falls_back_to_the_environment(
    server: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENROUTER_HTTP_REFERER", "https://env.example")
    with OpenRouter(api_key=SECRET, server_url=server.base_url) as sdk:
        sdk.credits.get_credits()
    assert server.requests[0].headers["http-referer"] == "https://env.example"
