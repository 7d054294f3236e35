"""Limits at their exact edges: body sizes, server waits, retried statuses, excerpts.

Each limit is checked on both sides of its edge (exactly at it, and one past), through
the public client against the stand-in server, so an off-by-one in any of them fails.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

import pytest
from openrouter_credits import RetryConfig, errors
from openrouter_credits.testing import Fault, Reply, StandInServer

from ..conftest import client

MIB = 1 << 20


def credits_body(size: int) -> bytes:
    """A valid credits JSON body of exactly ``size`` bytes (padded by an unknown field)."""
    head = b'{"data":{"total_credits":7,"total_usage":2},"pad":"'
    tail = b'"}'
    body = head + b"x" * (size - len(head) - len(tail)) + tail
    assert len(body) == size
    return body


def fetch(server: StandInServer, mode: str, **kwargs: Any) -> None:
    """One call through the sync or the async path; the client is closed after it."""
    sdk = client(server, **kwargs)
    if mode == "sync":
        with sdk:
            sdk.credits.get_credits()
        return

    async def go() -> None:
        async with sdk:
            await sdk.credits.get_credits_async()

    asyncio.run(go())


# --- response body size: on the wire, declared, decoded ---------------------------------


@pytest.mark.parametrize("fault", [None, Fault.GZIP], ids=["plain", "gzip"])
def test_body_of_exactly_one_mib_is_accepted(server: StandInServer, fault: Fault | None) -> None:
    server.script(Reply(body=credits_body(MIB), content_type="application/json", fault=fault))
    with client(server, retry_config=None) as sdk:
        res = sdk.credits.get_credits()
    assert (res.data.total_credits, res.data.total_usage) == (7, 2)
    assert len(res.additional_properties["pad"]) > MIB - 100


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_body_of_one_mib_and_one_byte_is_refused(server: StandInServer, mode: str) -> None:
    # Sent without Content-Length (closed-delimited) would need a fault; with it, the
    # declared size is checked first: see the next test for the count while reading.
    server.default = Reply(body=credits_body(MIB + 1), content_type="application/json")
    with pytest.raises(errors.ResponseValidationError, match=r"exceeds .* 1048576 byte limit"):
        fetch(server, mode, retry_config=None)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_declared_content_length_is_refused_before_reading(
    server: StandInServer, mode: str
) -> None:
    # The server declares one byte more than the limit but sends a small body and keeps
    # the connection open: a client that read first would wait for bytes never sent.
    small = json.dumps({"data": {"total_credits": 1, "total_usage": 0}}).encode()
    server.default = Reply(
        body=small, content_type="application/json", headers={"Content-Length": str(MIB + 1)}
    )
    with pytest.raises(errors.ResponseValidationError) as info:
        fetch(server, mode, retry_config=None, timeout_ms=5_000)
    assert f"({MIB + 1} bytes or more)" in str(info.value)
    assert info.value.status_code == 200
    assert info.value.body == ""


def test_declared_size_on_an_error_status_is_refused_too(server: StandInServer) -> None:
    server.default = Reply(status=404, body=b"x", headers={"Content-Length": str(10 * MIB)})
    with pytest.raises(errors.ResponseValidationError, match=r"HTTP 404: .*10485760 bytes"):
        fetch(server, "sync", retry_config=None, timeout_ms=5_000)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_decoded_body_past_one_mib_is_refused(server: StandInServer, mode: str) -> None:
    # A few KiB on the wire, one byte more than the limit once decoded.
    server.default = Reply(
        body=credits_body(MIB + 1), content_type="application/json", fault=Fault.GZIP
    )
    with pytest.raises(errors.ResponseValidationError) as info:
        fetch(server, mode, retry_config=None)
    assert "decoded response body" in str(info.value)
    assert "exceeds this client's 1048576 byte limit" in str(info.value)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_body_that_is_not_valid_gzip_is_a_validation_error(
    server: StandInServer, mode: str
) -> None:
    server.default = Reply(
        body=b"not gzip at all",
        content_type="application/json",
        headers={"Content-Encoding": "gzip"},
    )
    with pytest.raises(errors.ResponseValidationError, match="Content-Encoding 'gzip'") as e:
        fetch(server, mode, retry_config=None)
    assert isinstance(e.value.__cause__, Exception)
    assert e.value.status_code == 200
    assert "content-encoding" not in e.value.headers


# --- the server's wait ------------------------------------------------------------------


def test_retry_after_ms_zero_means_retry_at_once(
    server: StandInServer, caplog: pytest.LogCaptureFixture
) -> None:
    # No testing switch: the logged wait is the real one (the backoff would be ~0.4 s).
    server.script(Reply(status=503, headers={"retry-after-ms": "0"}))
    caplog.set_level(logging.INFO, logger="openrouter_credits")
    with client(server) as sdk:
        sdk.credits.get_credits()
    waits = [m for r in caplog.records if (m := re.search(r"in (\d+\.\d+) s", r.getMessage()))]
    assert [float(m.group(1)) for m in waits] == [0.0]
    assert len(server.requests) == 2


# --- which statuses are retried ---------------------------------------------------------


def test_custom_status_codes_never_retry_a_success_or_redirect(
    server: StandInServer, no_sleep: None
) -> None:
    config = RetryConfig(status_codes=("2XX", "3XX", "302", "404"))
    server.script(Reply(status=302, headers={"Location": "/elsewhere"}))
    with pytest.raises(errors.OpenRouterDefaultError, match="redirect to '/elsewhere'"):
        fetch(server, "sync", retry_config=config)
    assert len(server.requests) == 1
    fetch(server, "sync", retry_config=config)  # a listed success is a success
    assert len(server.requests) == 2
    server.script(Reply(status=404), Reply(status=404))
    fetch(server, "sync", retry_config=config)
    assert len(server.requests) == 5  # a listed 4XX is retried


@pytest.mark.parametrize(("status", "attempts"), [(399, 1), (400, 3), (499, 3), (500, 1)])
def test_status_pattern_covers_its_hundred(
    server: StandInServer, no_sleep: None, status: int, attempts: int
) -> None:
    config = RetryConfig(status_codes=("3XX", "4XX"))
    server.default = Reply(status=status)
    with pytest.raises(errors.OpenRouterError):
        fetch(server, "sync", retry_config=config)
    assert len(server.requests) == attempts


# --- how much of a body a message quotes --------------------------------------------------


@pytest.mark.parametrize(("length", "cut"), [(200, False), (201, True), (1000, True)])
def test_error_message_quotes_200_characters_of_the_body(
    server: StandInServer, length: int, cut: bool
) -> None:
    text = "".join("abcdefghij"[i % 10] for i in range(length))
    server.default = Reply(status=418, body=text)
    with pytest.raises(errors.OpenRouterDefaultError) as info:
        fetch(server, "sync", retry_config=None)
    shown = text[:200] + ("…" if cut else "")
    assert f"body {shown!r} ({length} bytes)" in str(info.value)
    assert info.value.body == text  # the whole body stays available


def test_excerpt_names_the_content_type(server: StandInServer) -> None:
    server.default = Reply(status=418, body=b"<p>", content_type="text/html")
    with pytest.raises(errors.OpenRouterDefaultError) as info:
        fetch(server, "sync", retry_config=None)
    assert str(info.value) == (
        "unexpected response: HTTP 418 I'm a teapot, content-type text/html, body '<p>' (3 bytes)"
    )
    server.default = Reply(status=418, body=b"")
    with pytest.raises(errors.OpenRouterDefaultError, match="content-type none, body ''"):
        fetch(server, "sync", retry_config=None)


# --- attribution category length ----------------------------------------------------------


def test_category_of_exactly_30_characters_is_sent_as_it_is(
    server: StandInServer, caplog: pytest.LogCaptureFixture
) -> None:
    category = "abcde-" * 4 + "fghijk"
    assert len(category) == 30
    caplog.set_level(logging.WARNING, logger="openrouter_credits")
    with client(server) as sdk:
        sdk.credits.get_credits(x_open_router_categories=[category, "cli-agent"])
    assert server.requests[0].headers["x-openrouter-categories"] == f"{category},cli-agent"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# --- what a decoded response keeps ----------------------------------------------------------


def test_decoded_error_response_has_the_decoded_length_and_the_other_headers(
    server: StandInServer,
) -> None:
    server.default = Reply(
        status=404, body="x" * 1000, headers={"X-Request-Id": "r-1"}, fault=Fault.GZIP
    )
    with pytest.raises(errors.OpenRouterDefaultError) as info:
        fetch(server, "sync", retry_config=None)
    headers = info.value.headers
    assert info.value.body == "x" * 1000
    assert headers["content-length"] == "1000"
    assert "content-encoding" not in headers
    assert headers["x-request-id"] == "r-1"


def test_decoded_size_in_the_refusal_is_past_the_limit(server: StandInServer) -> None:
    server.default = Reply(body=credits_body(2 * MIB), fault=Fault.GZIP)
    with pytest.raises(errors.ResponseValidationError) as info:
        fetch(server, "sync", retry_config=None)
    size = re.search(r"\((\d+) bytes or more\)", str(info.value))
    assert size is not None and MIB < int(size.group(1)) <= MIB + 300_000


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_encoded_response_without_a_length_decodes_to_its_status(
    server: StandInServer, mode: str
) -> None:
    # A 204 has no Content-Length: the decoded response has nothing to drop, and is a 204.
    server.default = Reply(status=204, fault=Fault.GZIP, headers={"X-Request-Id": "r-2"})
    with pytest.raises(errors.OpenRouterDefaultError) as info:
        fetch(server, mode, retry_config=None)
    assert (info.value.status_code, info.value.body) == (204, "")
    assert "content-encoding" not in info.value.headers
    assert info.value.headers["x-request-id"] == "r-2"
