"""``X-OpenRouter-Categories`` as OpenRouter's rules see it: what is sent, the warning's
exact words (users grep their logs for them), and the errors naming where a value came
from."""

from __future__ import annotations

import logging
import re

import pytest
from openrouter_credits import OpenRouter
from openrouter_credits.testing import StandInServer

from ..conftest import SECRET, client

NAME_RULE = (
    "is not a category name (lowercase letters and digits, words joined by single hyphens, "
    "e.g. 'cli-agent'): OpenRouter may ignore it"
)


def warnings_for(
    server: StandInServer, caplog: pytest.LogCaptureFixture, categories: object
) -> list[str]:
    caplog.set_level(logging.WARNING, logger="openrouter_credits")
    with OpenRouter(api_key=SECRET, server_url=server.base_url) as sdk:
        sdk.credits.get_credits(x_open_router_categories=categories)  # type: ignore[arg-type]
    return [r.getMessage() for r in caplog.records if r.name == "openrouter_credits"]


def test_the_naming_rule_warning_word_for_word(
    server: StandInServer, caplog: pytest.LogCaptureFixture
) -> None:
    assert warnings_for(server, caplog, "CLI-Agent") == [
        f"header X-OpenRouter-Categories: sent as given, but 'CLI-Agent' {NAME_RULE}"
    ]
    assert server.requests[0].headers["x-openrouter-categories"] == "CLI-Agent"


def test_spaces_and_tabs_around_categories_are_removed(
    server: StandInServer, caplog: pytest.LogCaptureFixture
) -> None:
    assert warnings_for(server, caplog, [" cli-agent\t", "\tcloud-agent "]) == []
    assert server.requests[0].headers["x-openrouter-categories"] == "cli-agent,cloud-agent"


def test_only_spaces_and_tabs_are_removed_around_categories(
    server: StandInServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Any visible character (but the comma that separates them) at the edges is kept."""
    cats = [f"{chr(c)}cat{chr(c)}" for c in range(0x21, 0x7F) if chr(c) != ","]
    warned = warnings_for(server, caplog, [f" {cat}\t" for cat in cats])
    assert server.requests[0].headers["x-openrouter-categories"] == ",".join(cats)
    assert warned[-1].endswith(f"at most 2 categories per request, got {len(cats)}")


def test_a_line_break_in_a_category_is_not_stripped_away_but_refused(server: StandInServer) -> None:
    with (
        OpenRouter(api_key=SECRET, server_url=server.base_url) as sdk,
        pytest.raises(ValueError, match=r"header X-OpenRouter-Categories: value contains '\\n'"),
    ):
        sdk.credits.get_credits(x_open_router_categories=["cli-agent\n"])
    assert server.requests == []


def test_a_category_that_is_not_a_str_is_a_type_error_naming_it() -> None:
    with pytest.raises(
        TypeError, match=r"^header X-OpenRouter-Categories: categories must be str, got 7$"
    ):
        OpenRouter(api_key=SECRET, x_open_router_categories=["cli-agent", 7])  # type: ignore[list-item]


def test_an_environment_category_is_named_in_the_warning_and_in_errors(
    server: StandInServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENROUTER_X_OPEN_ROUTER_CATEGORIES", "Bad Name")
    caplog.set_level(logging.WARNING, logger="openrouter_credits")
    with OpenRouter(api_key=SECRET, server_url=server.base_url) as sdk:
        sdk.credits.get_credits()
    source = "header X-OpenRouter-Categories (from OPENROUTER_X_OPEN_ROUTER_CATEGORIES)"
    messages = [r.getMessage() for r in caplog.records if r.name == "openrouter_credits"]
    assert messages == [f"{source}: sent as given, but 'Bad Name' {NAME_RULE}"]
    monkeypatch.setenv("OPENROUTER_X_OPEN_ROUTER_CATEGORIES", "cli-agent\r")
    with pytest.raises(ValueError, match=rf"^{re.escape(source)}: value contains '\\r'"):
        OpenRouter(api_key=SECRET, server_url=server.base_url)


def test_categories_string_is_split_on_commas_and_trimmed(server: StandInServer) -> None:
    with client(server, x_open_router_categories=" cli-agent , programming-app ") as sdk:
        sdk.credits.get_credits()
        sdk.credits.get_credits(x_open_router_categories=("cli-agent",))
    sent = [r.headers["x-openrouter-categories"] for r in server.requests]
    assert sent == ["cli-agent,programming-app", "cli-agent"]


def test_unknown_well_formed_category_passes(server: StandInServer) -> None:
    with client(server) as sdk:
        sdk.credits.get_credits(x_open_router_categories="brand-new-thing")
    assert server.requests[0].headers["x-openrouter-categories"] == "brand-new-thing"
