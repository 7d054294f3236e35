"""Statuses, bodies and transport failures become the documented errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from openrouter_credits import (
    NO_RETRIES,
    OpenRouter,
    errors,
)
from openrouter_credits.models import ForbiddenResponse, UnauthorizedResponse
from openrouter_credits.testing import Reply, StandInServer, free_port

from ..conftest import SECRET
from .conftest import client, raises

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


# --- an error made over a response: its body text, args and repr ------------------------


@pytest.mark.parametrize(
    ("charset", "content", "body"),
    [
        ("", b"caf\xc3\xa9 \xff", "café \ufffd"),  # no charset: UTF-8, bad bytes replaced
        ("; charset=latin-1", "café".encode("latin-1"), "café"),
        ("; charset=ascii", b"caf\xc3\xa9", "caf\ufffd\ufffd"),  # the server's charset wins
        ("; charset=undefined", b"caf\xc3\xa9 \xff", "café \ufffd"),  # a codec that always raises
        ("; charset=hex", b"caf\xc3\xa9 \xff", "café \ufffd"),  # not a text codec
        ("; charset=no-such-codec", b"caf\xc3\xa9", "café"),
    ],
)
def test_error_body_is_the_text_in_the_servers_charset_or_utf_8(
    charset: str, content: bytes, body: str
) -> None:
    response = httpx.Response(
        502, headers={"content-type": "text/plain" + charset}, content=content
    )
    assert errors.OpenRouterDefaultError("m", response).body == body


def test_error_attributes_args_and_repr() -> None:
    response = httpx.Response(503, headers={"Retry-After": "5"}, content=b"busy")
    error = errors.OpenRouterDefaultError("API error occurred", response, explanation="longer")
    assert (error.status_code, error.headers["retry-after"], error.body) == (503, "5", "busy")
    assert error.args == ("API error occurred",)
    assert (error.message, str(error)) == ("API error occurred", "longer")
    assert repr(error) == "OpenRouterDefaultError(status_code=503, message='API error occurred')"
    assert errors.APITimeoutError("timed out", 2).args == ("timed out",)
