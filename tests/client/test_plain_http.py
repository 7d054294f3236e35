"""A plain ``http://`` server URL whose host is not this machine: the key would cross the
network unencrypted, so the client warns (`errors.InsecureTransportWarning` and a log
record), once per client and host, naming the host and never the key; loopback and
``https://`` are silent. The name is resolved to the stand-in server on 127.0.0.1 by the
test's `Resolver` (no DNS: any other name fails), so nothing is sent elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
import os
import warnings

import pytest
from openrouter_credits import OpenRouter, errors
from openrouter_credits.testing import StandInServer

from ..conftest import SECRET, Resolver

NAME = "gateway.internal"


def said(host: str) -> str:
    return (
        f"plain http:// to {host}, which is not this machine: the API key (a management key) "
        "would cross the network unencrypted; use https://"
    )


def url(server: StandInServer, host: str = NAME) -> str:
    return server.base_url.replace("127.0.0.1", host, 1)


def messages(caught: list[warnings.WarningMessage]) -> list[str]:
    assert all(w.category is errors.InsecureTransportWarning for w in caught), caught
    if "MUTANT_UNDER_TEST" not in os.environ:  # make mutation's trampolines add frames
        assert all(w.filename == __file__ for w in caught), [w.filename for w in caught]
    return [str(w.message) for w in caught]


def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "openrouter_credits" and r.levelno >= logging.WARNING
    ]


def test_a_name_over_http_is_warned_once_per_client_sync(
    server: StandInServer, resolver: Resolver, caplog: pytest.LogCaptureFixture
) -> None:
    resolver.loopback.add(NAME)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sdk = OpenRouter(api_key=SECRET, server_url=url(server))
        assert resolver.asked == []  # the warning looked nothing up
        with sdk:
            sdk.credits.get_credits()
            sdk.credits.get_credits()
    assert messages(caught) == [said(NAME)]
    assert logged(caplog) == [said(NAME)]
    assert SECRET not in said(NAME)
    # The key went to the stand-in server only: the one name asked for is on loopback.
    assert set(resolver.asked) == {NAME}
    assert [r.headers["host"] for r in server.requests] == [f"{NAME}:{server.port}"] * 2
    assert server.requests[0].headers["authorization"] == f"Bearer {SECRET}"


def test_a_name_over_http_is_warned_once_per_client_async(
    server: StandInServer, resolver: Resolver, caplog: pytest.LogCaptureFixture
) -> None:
    resolver.loopback.add(NAME)

    async def main() -> None:
        async with OpenRouter(api_key=SECRET, server_url=url(server)) as sdk:
            await sdk.credits.get_credits_async()
            await sdk.credits.get_credits_async()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(main())
        OpenRouter(api_key=SECRET, server_url=url(server))  # another client: warned again
    assert messages(caught) == [said(NAME)] * 2
    assert logged(caplog) == [said(NAME)] * 2
    assert set(resolver.asked) == {NAME}
    assert [r.headers["host"] for r in server.requests] == [f"{NAME}:{server.port}"] * 2


def test_a_call_server_url_is_warned_once_per_host_sync_and_async(
    server: StandInServer, resolver: Resolver, caplog: pytest.LogCaptureFixture
) -> None:
    resolver.loopback.update({NAME, "other.internal"})
    sdk = OpenRouter(api_key=SECRET)  # https by default: silent
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sdk.credits.get_credits(server_url=url(server))
        sdk.credits.get_credits(server_url=url(server))

        async def main() -> None:
            await sdk.credits.get_credits_async(server_url=url(server, "other.internal"))
            await sdk.credits.get_credits_async(server_url=url(server))
            await sdk.aclose()

        asyncio.run(main())
    assert messages(caught) == [said(NAME), said("other.internal")]
    assert logged(caplog) == [said(NAME), said("other.internal")]
    assert len(server.requests) == 4


@pytest.mark.parametrize(
    "base",
    [
        "https://gateway.internal/api/v1",
        "http://127.0.0.1:9/api/v1",
        "http://127.200.3.4/api/v1",  # all of 127.0.0.0/8
        "http://[::1]:9/api/v1",
        "http://localhost:9/api/v1",
        "http://LocalHost/api/v1",
    ],
)
def test_https_and_loopback_are_silent(
    base: str, resolver: Resolver, caplog: pytest.LogCaptureFixture
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        OpenRouter(api_key=SECRET, server_url=base)
    assert logged(caplog) == []
    assert resolver.asked == []


@pytest.mark.parametrize(
    ("base", "host"),
    [
        ("http://10.0.0.7:8080/api/v1", "10.0.0.7"),
        ("http://[fe80::1]/api/v1", "fe80::1"),
        ("http://128.0.0.1/api/v1", "128.0.0.1"),
        ("http://localhost.example/api/v1", "localhost.example"),
        ("http://user:password@gateway.internal/api/v1", "gateway.internal"),  # no userinfo
    ],
)
def test_other_hosts_over_http_are_warned_by_host(base: str, host: str) -> None:
    with pytest.warns(errors.InsecureTransportWarning) as caught:
        OpenRouter(api_key=SECRET, server_url=base)
    assert [str(w.message) for w in caught] == [said(host)]


def test_127_0_0_1_over_http_is_silent_sync_and_async(
    server: StandInServer, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        async with OpenRouter(api_key=SECRET, server_url=server.base_url) as sdk:
            await sdk.credits.get_credits_async()
            await sdk.credits.get_credits_async(server_url=server.base_url)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with OpenRouter(api_key=SECRET, server_url=server.base_url) as sdk:
            sdk.credits.get_credits()
            sdk.credits.get_credits(server_url=server.base_url)
        asyncio.run(main())
    assert logged(caplog) == []
    assert len(server.requests) == 4


def test_the_warning_can_be_filtered_by_its_category() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=errors.InsecureTransportWarning)
        OpenRouter(api_key=SECRET, server_url="http://gateway.internal/api/v1")
    assert caught == []
    assert issubclass(errors.InsecureTransportWarning, UserWarning)
