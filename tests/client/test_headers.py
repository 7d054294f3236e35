"""What a call sends: the credits back, the key, attribution and other headers, the
User-Agent; header names and values checked, with exact messages (the key's own checks:
test_options.py)."""

from __future__ import annotations

import re
import sys
from typing import Any

import httpx
import pytest
from openrouter_credits import (
    GetCreditsResponse,
    OpenRouter,
    __version__,
)
from openrouter_credits.testing import StandInServer

from ..conftest import SECRET, call, client, raises

# --- success and headers ---------------------------------------------------------------


def test_returns_the_credits(server: StandInServer, mode: str) -> None:
    with client(server) as sdk:
        res = call(mode, sdk)
    assert isinstance(res, GetCreditsResponse)
    assert (res.data.total_credits, res.data.total_usage) == (100.5, 25.75)
    (req,) = server.requests
    assert (req.method, req.path) == ("GET", "/api/v1/credits")
    assert req.headers["authorization"] == f"Bearer {SECRET}"
    assert req.headers["user-agent"].startswith(f"openrouter-credits/{__version__} ")


def test_client_attribution_defaults_and_per_call_overrides(
    server: StandInServer, mode: str
) -> None:
    with client(
        server,
        http_referer="https://app.example",
        x_open_router_title="My App",
        x_open_router_categories="cli-agent",
    ) as sdk:
        call(mode, sdk)
        call(
            mode,
            sdk,
            x_open_router_title="Other",
            x_open_router_categories=["cloud-agent", "cli-agent"],
            http_headers={"X-Extra": "1", "User-Agent": "mine/1"},
        )
    first, second = (r.headers for r in server.requests)
    assert first["http-referer"] == "https://app.example"
    assert first["x-openrouter-title"] == "My App"
    assert first["x-openrouter-categories"] == "cli-agent"
    assert second["http-referer"] == "https://app.example"
    assert second["x-openrouter-title"] == "Other"
    assert second["x-openrouter-categories"] == "cloud-agent,cli-agent"
    assert second["x-extra"] == "1"
    assert second["user-agent"] == "mine/1"


def test_http_headers_replace_a_header_whatever_its_case(server: StandInServer, mode: str) -> None:
    """One of each header reaches the server: the call's value, in the call's case; also
    through a client of yours, to which the package adds its User-Agent itself."""
    given = {"user-agent": "mine/1", "x-openrouter-title": "U"}
    with client(server, x_open_router_title="App") as sdk:
        call(mode, sdk, http_headers=given)
    with httpx.Client() as mine, client(server, x_open_router_title="App", client=mine) as sdk:
        sdk.credits.get_credits(http_headers=given)
    for req in server.requests:
        assert req.headers.get_all("User-Agent") == ["mine/1"]
        assert req.headers.get_all("X-OpenRouter-Title") == ["U"]
        assert "x-openrouter-title: U" in str(req.headers)


def test_no_attribution_headers_unless_given(server: StandInServer) -> None:
    with client(server) as sdk:
        sdk.credits.get_credits()
    headers = server.requests[0].headers
    for name in ("HTTP-Referer", "X-OpenRouter-Title", "X-OpenRouter-Categories"):
        assert name not in headers


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"x_open_router_title": "a\r\nX-Evil: 1"}, "X-OpenRouter-Title"),
        ({"http_referer": "https://x\n"}, "HTTP-Referer"),
        ({"x_open_router_title": "caf\u00e9"}, "X-OpenRouter-Title"),
        ({"http_headers": {"X-Trace": "a\x00b"}}, "X-Trace"),
        ({"http_headers": {"Bad Name": "v"}}, "Bad Name"),
        ({"x_open_router_categories": "cli-agent\r\nX-Evil: 1"}, "X-OpenRouter-Categories"),
        ({"x_open_router_title": " padded"}, "X-OpenRouter-Title"),
        ({"http_referer": "https://x\t"}, "HTTP-Referer"),
    ],
)
def test_bad_header_values_are_value_errors_and_nothing_is_sent(
    server: StandInServer, mode: str, kwargs: dict[str, Any], names: str
) -> None:
    with client(server) as sdk:
        error = raises(mode, sdk, ValueError, **kwargs)
    assert names in str(error)
    assert server.requests == []


#: Visible ASCII: RFC 9110's field-vchar this package sends (field-content starts and ends
#: with one; space and tab only between).
VISIBLE = [chr(c) for c in range(0x21, 0x7F)]


def test_any_visible_character_may_start_or_end_a_value(server: StandInServer) -> None:
    with client(server) as sdk:
        for c in VISIBLE:
            sdk.credits.get_credits(x_open_router_title=f"{c}app{c}", http_referer=f"{c}r{c}")
    sent = [(r.headers["x-openrouter-title"], r.headers["http-referer"]) for r in server.requests]
    assert sent == [(f"{c}app{c}", f"{c}r{c}") for c in VISIBLE]


def test_bad_client_level_header_fails_at_construction(server: StandInServer) -> None:
    with pytest.raises(ValueError, match="HTTP-Referer"):
        client(server, http_referer="x\ry")


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


def test_header_name_that_is_not_a_str_is_a_value_error(server: StandInServer) -> None:
    with client(server) as sdk, pytest.raises(ValueError, match="invalid HTTP header name 7"):
        sdk.credits.get_credits(http_headers={7: "v"})  # type: ignore[dict-item]


def test_attribution_value_that_is_not_a_str_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="http_referer must be a str, got int"):
        OpenRouter(api_key=SECRET, http_referer=42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="x_open_router_title must be a str, got int"):
        OpenRouter(api_key=SECRET, x_open_router_title=42)  # type: ignore[arg-type]


def test_extra_headers_are_sent_and_tab_and_space_are_allowed(server: StandInServer) -> None:
    with client(server) as sdk:
        sdk.credits.get_credits(http_headers={"X-Trace": "a b\tc~"})
    assert server.requests[0].headers["x-trace"] == "a b\tc~"


@pytest.mark.parametrize("name", ["Authorization", "AUTHORIZATION"])
def test_http_headers_cannot_set_authorization_in_any_case(
    server: StandInServer, name: str
) -> None:
    with client(server) as sdk, pytest.raises(ValueError) as info:
        sdk.credits.get_credits(http_headers={name: "Bearer other"})
    assert str(info.value) == "http_headers may not set Authorization: pass api_key instead"


def test_user_agent_names_the_package_and_python(server: StandInServer) -> None:
    with client(server) as sdk:
        sdk.credits.get_credits()
    python = ".".join(map(str, sys.version_info[:3]))
    agent = server.requests[0].headers["user-agent"]
    assert agent == f"openrouter-credits/{__version__} python/{python}"
    assert re.fullmatch(r"openrouter-credits/\S+ python/\d+\.\d+\.\d+", agent)
