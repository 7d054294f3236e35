"""The key never shows in what users print or log, and messages stay readable (issue 11).

A server (or a gateway) that quotes the key back in an error body must not leak it
through ``str(e)``, ``e.message``, ``e.body`` or the parsed ``e.data`` (its repr, fields,
metadata, additional properties, dumps); ``raw_response`` is the untouched response.
"""

from __future__ import annotations

from typing import Any

import pytest
from openrouter_credits import OpenRouter, errors
from openrouter_credits._redact import redact
from openrouter_credits.testing import Reply, StandInServer, free_port

from ..conftest import SECRET, client, raises


def quoting(key: str, status: int = 401) -> Reply:
    return Reply(
        status=status,
        body={
            "error": {
                "code": status,
                "message": f"Invalid key {key}",
                "metadata": {"seen": f"Bearer {key}", key: [key, {"k": key}]},
            },
            "user_id": key,
            "gateway": {"echo": key},
        },
    )


def shown(error: errors.OpenRouterError) -> list[str]:
    """Every text a user would print or log from ``error``."""
    data = getattr(error, "data", None)
    texts = [str(error), repr(error), error.message, error.body]
    if data is not None:
        texts += [repr(data), str(data.to_dict()), str(data.model_dump()), data.model_dump_json()]
        texts += [data.error.message, str(data.user_id), repr(data.error.metadata)]
        texts += [str(data.additional_properties)]
    return texts


@pytest.mark.parametrize("status", [401, 403, 500])
def test_a_quoted_key_is_redacted_everywhere_but_raw_response(
    server: StandInServer, status: int
) -> None:
    server.default = quoting(SECRET, status)
    with (
        OpenRouter(server_url=server.base_url, api_key=SECRET, retry_config=None) as sdk,
        pytest.raises(errors.OpenRouterError) as info,
    ):
        sdk.credits.get_credits()
    error = info.value
    texts = shown(error)
    assert not [text for text in texts if SECRET in text]
    assert error.message == "Invalid key [redacted]"
    assert "[redacted]" in error.body
    data = getattr(error, "data", None)
    assert data is not None  # each value redacted in place, nothing dropped
    assert data.model_dump()["error"]["metadata"] == {
        "seen": "Bearer [redacted]",
        "[redacted]": ["[redacted]", {"k": "[redacted]"}],
    }
    assert SECRET in error.raw_response.text  # documented: the untouched response


def test_a_200_that_is_not_the_credits_json_quoting_the_key(server: StandInServer) -> None:
    server.default = Reply(status=200, body=f"<p>signed in as {SECRET}</p>")
    with (
        OpenRouter(server_url=server.base_url, api_key=SECRET) as sdk,
        pytest.raises(errors.ResponseValidationError) as info,
    ):
        sdk.credits.get_credits()
    assert not [text for text in shown(info.value) if SECRET in text]
    assert info.value.body == "<p>signed in as [redacted]</p>"
    assert "body '<p>signed in as [redacted]</p>'" in str(info.value)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, {"data": {"total_credits": SECRET, "total_usage": 1}}),
        (401, {"error": {"code": 401, "message": ["Bearer", SECRET]}}),
        (403, {"error": {"code": SECRET, "message": "no"}}),
    ],
)
def test_a_mistyped_field_holding_the_key(
    server: StandInServer, status: int, body: dict[str, Any]
) -> None:
    """The message names the mistyped field and shows its value, with the key blanked out."""
    server.default = Reply(status, body=body)
    with (
        OpenRouter(server_url=server.base_url, api_key=SECRET, retry_config=None) as sdk,
        pytest.raises(errors.OpenRouterError) as info,
    ):
        sdk.credits.get_credits()
    assert not [text for text in shown(info.value) if SECRET in text]
    assert SECRET not in str(info.value.__cause__)  # printed in a traceback
    assert " should be " in str(info.value)


def test_an_undocumented_status_quoting_the_key(server: StandInServer) -> None:
    server.default = Reply(status=418, body=f"teapot says {SECRET}", headers={"X-Echo": "x"})
    with (
        OpenRouter(server_url=server.base_url, api_key=SECRET) as sdk,
        pytest.raises(errors.OpenRouterDefaultError) as info,
    ):
        sdk.credits.get_credits()
    assert not [text for text in shown(info.value) if SECRET in text]


@pytest.mark.parametrize("status", [401, 403, 500])
def test_a_documented_status_with_a_page_quoting_the_key(
    server: StandInServer, status: int
) -> None:
    """Not the documented JSON: ``str(e)`` quotes the page, with the key blanked out."""
    server.default = Reply(status, body=f"<p>bad key {SECRET}</p>", content_type="text/html")
    with (
        OpenRouter(server_url=server.base_url, api_key=SECRET, retry_config=None) as sdk,
        pytest.raises(errors.OpenRouterError) as info,
    ):
        sdk.credits.get_credits()
    assert not [text for text in shown(info.value) if SECRET in text]
    assert "body '<p>bad key [redacted]</p>'" in str(info.value)


def test_a_redirect_to_a_url_holding_the_key(server: StandInServer) -> None:
    """A gateway that puts the key in the Location it redirects to (not followed).

    Not the sentinel key: httpcore's own DEBUG log of the response headers shows it.
    """
    key = "sk-or-v1-in-a-location-0123456789"
    server.default = Reply(302, headers={"Location": f"/login?key={key}"})
    with (
        OpenRouter(server_url=server.base_url, api_key=key) as sdk,
        pytest.raises(errors.OpenRouterDefaultError) as info,
    ):
        sdk.credits.get_credits()
    assert not [text for text in shown(info.value) if key in text]
    assert "redirect to '/login?key=[redacted]' not followed" in str(info.value)


def test_a_one_letter_key_leaves_messages_readable(server: StandInServer) -> None:
    server.default = quoting("k")
    with (
        OpenRouter(server_url=server.base_url, api_key="k") as sdk,
        pytest.raises(errors.UnauthorizedResponseError) as info,
    ):
        sdk.credits.get_credits()
    error = info.value
    assert error.message == "Invalid key [redacted]"  # 'Invalid key' itself is untouched
    assert "check the API key" in str(error)
    assert error.data is not None
    assert error.data.model_dump()["error"]["metadata"]["seen"] == "Bearer [redacted]"
    assert error.data.user_id == "[redacted]"


def test_a_short_key_does_not_garble_transport_errors() -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    with (
        OpenRouter(server_url=url, api_key="e", retry_config=None) as sdk,
        pytest.raises(errors.APIConnectionError) as info,
    ):
        sdk.credits.get_credits()
    assert "[redacted]" not in str(info.value)
    assert "GET http://127.0.0.1" in str(info.value)


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("network error", "k", "network error"),
        ("Bearer k", "k", "Bearer [redacted]"),
        ("key 'k' is invalid", "k", "key '[redacted]' is invalid"),
        ("k", "k", "[redacted]"),
        ("sk-or-v1-abc", "abc", "sk-or-v1-abc"),  # inside a longer token: not this key
        (f"x{SECRET}y", SECRET, "x[redacted]y"),  # a real-length key: wherever it is
        ("xABCDEFGHIJKLy", "ABCDEFGHIJKL", "x[redacted]y"),  # 12 characters: wherever it is
        ("xABCDEFGHIJKy", "ABCDEFGHIJK", "xABCDEFGHIJKy"),  # 11: only as a token of its own
        (f"{SECRET}{SECRET}", SECRET, "[redacted][redacted]"),
        ("nothing here", "", "nothing here"),
    ],
)
def test_redact(text: str, key: str, expected: str) -> None:
    assert redact(text, key) == expected


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


def test_key_never_in_error_text_of_either_path(server: StandInServer, mode: str) -> None:
    server.default = Reply(status=401, body={"error": {"code": 401, "message": f"bad {SECRET}"}})
    with client(server, retry_config=None) as sdk:
        error = raises(mode, sdk, errors.UnauthorizedResponseError)
    texts = [str(error), repr(error), error.body, error.message]
    assert [text for text in texts if SECRET in text] == []
    assert "bad [redacted]" in error.body
