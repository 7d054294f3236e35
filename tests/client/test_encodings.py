"""Bodies in other encodings, and bodies that do not decode (docs/client.md "Bodies and encodings").

The rule is httpx's and the official SDK's: the declared charset wins; none declared:
UTF-8, a byte order mark tolerated. A body that does not decode (its Content-Encoding or
its charset) at a documented error status is that status's error with ``data=None``; the
text an error holds (``.body``, the excerpt) is the server's charset or UTF-8, with what
does not decode replaced.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import httpx
import pytest
from openrouter_credits import OpenRouter, errors
from openrouter_credits.testing import Reply, StandInServer

from ..conftest import SECRET

ERROR_BODY = {"error": {"code": 401, "message": "clé refusée"}}
CREDITS_BODY = {"data": {"total_credits": 1.5, "total_usage": 0.5}, "note": "déjà"}
DOCUMENTED = [
    (401, errors.UnauthorizedResponseError),
    (403, errors.ForbiddenResponseError),
    (500, errors.InternalServerResponseError),
]
Documented = type[errors._DocumentedError[Any]]


def call(server: StandInServer, reply: Reply) -> Any:
    server.default = reply
    with OpenRouter(api_key=SECRET, server_url=server.base_url, retry_config=None) as sdk:
        return sdk.credits.get_credits()


def encoded(body: object, encoding: str) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode(encoding)


def test_a_declared_charset_decodes_a_success(server: StandInServer) -> None:
    ctype = "application/json; charset=iso-8859-1"
    res = call(server, Reply(body=encoded(CREDITS_BODY, "latin-1"), content_type=ctype))
    assert (res.data.total_credits, res.additional_properties) == (1.5, {"note": "déjà"})


@pytest.mark.parametrize(("status", "kind"), DOCUMENTED)
def test_a_declared_charset_decodes_an_error(
    server: StandInServer, status: int, kind: Documented
) -> None:
    ctype = "application/json; charset=iso-8859-1"
    with pytest.raises(kind) as info:
        call(server, Reply(status=status, body=encoded(ERROR_BODY, "latin-1"), content_type=ctype))
    assert info.value.data is not None
    assert info.value.data.error.message == "clé refusée"


def test_the_declared_charset_wins_over_utf_8(server: StandInServer) -> None:
    # UTF-8 bytes under a declared latin-1 read as latin-1, as httpx and the official SDK do.
    ctype = "application/json; charset=iso-8859-1"
    with pytest.raises(errors.UnauthorizedResponseError) as info:
        call(server, Reply(status=401, body=encoded(ERROR_BODY, "utf-8"), content_type=ctype))
    assert info.value.data is not None
    assert info.value.data.error.message == "clÃ© refusÃ©e"


def test_no_charset_is_utf_8_and_a_byte_order_mark_is_tolerated(server: StandInServer) -> None:
    body = b"\xef\xbb\xbf" + encoded(CREDITS_BODY, "utf-8")
    res = call(server, Reply(body=body, content_type="application/json"))
    assert res.additional_properties == {"note": "déjà"}


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (
            Reply(body=b"not gzip at all", headers={"Content-Encoding": "gzip"}),
            "the body does not decode as its Content-Encoding 'gzip' says",
        ),
        (
            Reply(body=encoded(ERROR_BODY, "latin-1"), content_type="application/json"),
            "the body is not valid text in UTF-8 (no charset declared) (byte 38)",
        ),
        (
            Reply(body=b"{}", content_type="application/json; charset=no-such-codec"),
            "its charset 'no-such-codec' is not a text encoding",
        ),
        (
            Reply(body=b"{}", content_type="application/json; charset=hex"),
            "its charset 'hex' is not a text encoding",
        ),
    ],
    ids=["bad-gzip", "not-utf-8", "unknown-charset", "not-a-text-codec"],
)
@pytest.mark.parametrize(("status", "kind"), DOCUMENTED)
def test_a_body_that_does_not_decode_is_the_status_error_without_data(
    server: StandInServer, status: int, kind: Documented, reply: Reply, why: str
) -> None:
    reply = dataclasses.replace(reply, status=status)
    with pytest.raises(kind) as info:
        call(server, reply)
    assert info.value.data is None
    assert info.value.status_code == status
    assert f"the body is not the documented error JSON: {why}" in str(info.value)


def test_a_success_that_does_not_decode_is_a_validation_error(server: StandInServer) -> None:
    reply = Reply(body=b"not gzip at all", headers={"Content-Encoding": "gzip"})
    with pytest.raises(errors.ResponseValidationError) as info:
        call(server, reply)
    assert info.value.message == (
        "Response validation failed: the body does not decode as its Content-Encoding 'gzip' says"
    )


# --- the body text an error holds: never raises ----------------------------------------


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
