"""Statuses and bodies become the documented errors; an error made over a response: its
body text, args and repr. No response at all: test_no_response.py."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from openrouter_credits import (
    NO_RETRIES,
    errors,
)
from openrouter_credits.models import ForbiddenResponse, UnauthorizedResponse
from openrouter_credits.testing import Reply, StandInServer

from ..conftest import client, raises

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


# --- what str(error) explains, whole ---------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "explained"),
    [
        (
            Reply(418, body="teapot", content_type="text/plain"),
            "unexpected response: HTTP 418 I'm a teapot, content-type text/plain, "
            "body 'teapot' (6 bytes)",
        ),
        (
            Reply(302, body="", content_type="text/plain", headers={"Location": "/elsewhere"}),
            "unexpected response: HTTP 302 Found, redirect to '/elsewhere' not followed, "
            "content-type text/plain, body '' (0 bytes)",
        ),
        (
            Reply(302, body="", content_type="text/plain"),
            "unexpected response: HTTP 302 Found, redirect to '?' not followed, "
            "content-type text/plain, body '' (0 bytes)",
        ),
        (
            Reply(299, body=b"odd"),  # bytes: the stand-in sends no content type
            "unexpected response: HTTP 299 (non-standard status), content-type none, "
            "body 'odd' (3 bytes)",
        ),
        (
            Reply(200, body="{nope", content_type="application/json"),
            "HTTP 200 but the body is not the documented credits JSON: invalid JSON (Expecting "
            "property name enclosed in double quotes at position 1); HTTP 200 OK, "
            "content-type application/json, body '{nope' (5 bytes)",
        ),
        (
            Reply(401, body="<h1>no</h1>", content_type="text/html"),
            "HTTP 401 Unauthorized: the body is not the documented error JSON: invalid JSON "
            "(Expecting value at position 0) (content-type text/html, body '<h1>no</h1>' "
            "(11 bytes)) (check the API key: OPENROUTER_API_KEY "
            "or api_key=)",
        ),
        (
            Reply(401),
            "HTTP 401 Unauthorized: Missing Authentication header (check the API key: "
            "OPENROUTER_API_KEY or api_key=)",
        ),
    ],
    ids=[
        "undocumented",
        "redirect",
        "redirect-nowhere",
        "non-standard",
        "bad-200",
        "html-401",
        "documented-401",
    ],
)
def test_the_explanation_names_status_phrase_redirect_type_and_body(
    server: StandInServer, reply: Reply, explained: str
) -> None:
    server.script(reply)
    with (
        client(server, retry_config=NO_RETRIES) as sdk,
        pytest.raises(errors.OpenRouterError) as info,
    ):
        sdk.credits.get_credits()
    assert str(info.value) == explained
    assert info.value.body == reply.payload()[0].decode()


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


def test_error_over_a_response_not_read_has_an_empty_body() -> None:
    unread = httpx.Response(503, stream=httpx.ByteStream(b"never read"))
    error = errors.OpenRouterDefaultError("m", unread)
    assert (error.body, error.status_code, str(error)) == ("", 503, "m")
