"""A response that is not the credits becomes the documented error: its class by status,
``.data`` from a documented error body (``None`` when the body is not that JSON, by JSON
path and type), ``message`` and the ``str(e)`` explanation whole; an error made over a
response: its args and repr. Elsewhere: a success body not of the schema,
test_body_checks.py; the body text an error holds, test_encodings.py; no response at all,
test_no_response.py."""

from __future__ import annotations

import re
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

# --- statuses ----------------------------------------------------------------------------


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


def test_other_statuses_are_default_errors(server: StandInServer, mode: str) -> None:
    body = "<html>" + "x" * 5000 + "</html>"
    server.default = Reply(status=418, body=body, content_type="text/html")
    with client(server) as sdk:
        error = raises(mode, sdk, errors.OpenRouterDefaultError)
    text = str(error)
    assert "418" in text and "text/html" in text
    assert len(text) < 600  # a bounded excerpt, not the whole body
    assert error.body == body


# --- documented error bodies: .data, or None when the body is not the documented JSON ---


def failure(server: StandInServer, reply: Reply, kind: type[BaseException]) -> Any:
    """The error one call (no retries) to ``server`` answering ``reply`` raises."""
    server.default = reply
    with client(server, retry_config=None) as sdk, pytest.raises(kind) as info:
        sdk.credits.get_credits()
    return info.value


def _error(**error: Any) -> dict[str, Any]:
    return {"error": {"code": 403, "message": "no", **error}}


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, errors.UnauthorizedResponseError),
        (403, errors.ForbiddenResponseError),
        (500, errors.InternalServerResponseError),
    ],
)
@pytest.mark.parametrize(
    "body",
    [
        {"error": {"code": "abc", "message": "typed wrong"}},
        {"error": {"code": 1, "message": 2}},
        {"error": [["code", 1], ["message", "pairs"]]},
        _error(metadata=[["provider", "x"]]),
        _error(metadata="text"),
        {**_error(), "openrouter_metadata": [["a", 1]]},
        {"error": {"message": "no code"}},
        [],
    ],
    ids=[
        "code-not-int",
        "message-not-str",
        "error-pairs",
        "metadata-pairs",
        "metadata-str",
        "openrouter-metadata-pairs",
        "code-missing",
        "array",
    ],
)
def test_mistyped_error_body_keeps_its_type_with_no_data(
    server: StandInServer, status: int, kind: type[errors.OpenRouterError], body: Any
) -> None:
    error = failure(server, Reply(status=status, body=body), kind)
    assert error.data is None
    assert error.status_code == status
    # what is wrong, by JSON path and type, then the body
    assert re.search(
        r"the body is not the documented error JSON: \$\S* (should be|is required).* "
        r"\(content-type application/json",
        str(error),
    )


@pytest.mark.parametrize(
    "extra",
    [{}, {"metadata": {"provider": "x"}}, {"metadata": None}],
    ids=["plain", "metadata", "metadata-null"],
)
def test_documented_error_body_gives_data_and_its_message(
    server: StandInServer, extra: dict[str, Any]
) -> None:
    body = {"error": {"code": 403, "message": "only management keys", **extra}, "user_id": None}
    error = failure(server, Reply(status=403, body=body), errors.ForbiddenResponseError)
    assert error.data is not None
    assert error.data.error.message == "only management keys"
    assert type(error.data.error.code) is int  # an integer field stays an integer
    assert str(error).startswith("HTTP 403 Forbidden: only management keys (GET /credits needs")
    assert "management-api-keys" in str(error)


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
        (
            Reply(500),
            "HTTP 500 Internal Server Error: Internal Server Error "
            "(OpenRouter failed; retried as configured)",
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
        "documented-500",
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
