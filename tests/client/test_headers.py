"""What a call sends: the credits back, attribution headers, the key, header checks."""

from __future__ import annotations

from typing import Any

import pytest
from openrouter_credits import (
    GetCreditsResponse,
    OpenRouter,
    __version__,
    errors,
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


def test_no_attribution_headers_unless_given(server: StandInServer) -> None:
    with client(server) as sdk:
        sdk.credits.get_credits()
    headers = server.requests[0].headers
    for name in ("HTTP-Referer", "X-OpenRouter-Title", "X-OpenRouter-Categories"):
        assert name not in headers


def test_key_from_environment_and_callable(
    server: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "env-key")
    with OpenRouter(server_url=server.base_url) as sdk:
        sdk.credits.get_credits()
    keys = iter(["rotated-1", "rotated-2"])
    with OpenRouter(server_url=server.base_url, api_key=lambda: next(keys)) as sdk:
        sdk.credits.get_credits()
        sdk.credits.get_credits()
    auth = [r.headers["authorization"] for r in server.requests]
    assert auth == ["Bearer env-key", "Bearer rotated-1", "Bearer rotated-2"]


def test_missing_key_fails_before_any_request(
    server: StandInServer, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    with OpenRouter(server_url=server.base_url) as sdk:
        error = raises(mode, sdk, errors.MissingAPIKeyError)
    assert "OPENROUTER_API_KEY" in str(error)
    assert server.requests == []


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


def test_unknown_well_formed_category_passes(server: StandInServer) -> None:
    with client(server) as sdk:
        sdk.credits.get_credits(x_open_router_categories="brand-new-thing")
    assert server.requests[0].headers["x-openrouter-categories"] == "brand-new-thing"


def test_http_headers_cannot_replace_the_key(server: StandInServer) -> None:
    with client(server) as sdk, pytest.raises(ValueError, match="Authorization"):
        sdk.credits.get_credits(http_headers={"authorization": "Bearer other"})
