"""Drop-in use for code written against the official SDK (issue 11), without the official SDK.

The seed example runs with only its import changed; the official keywords, environment
fallbacks, debug logger and exception classes behave as migrated code expects. The
comparison with the official SDK itself is tests/client/test_conformance.py.
"""

from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path

import httpx
import pytest
from openrouter_credits import OpenRouter, RetryConfig, errors, utils
from openrouter_credits._generated import types as generated_types
from openrouter_credits.models import GetCreditsResponse, UnauthorizedResponse
from openrouter_credits.testing import Reply, StandInServer, free_port

from ..conftest import SECRET

SEED = Path("/work/shared/seed/credits-sdk-reference.md")
SEED_EXAMPLE = """\
from openrouter_credits import OpenRouter
import os


with OpenRouter(
    http_referer="<value>",
    x_open_router_title="<value>",
    x_open_router_categories="<value>",
    api_key=os.getenv("OPENROUTER_API_KEY", ""),
    server_url=SERVER_URL,
) as open_router:

    res = open_router.credits.get_credits()

    # Handle response
    print(res)
"""


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_REFERER", "X_OPEN_ROUTER_TITLE", "X_OPEN_ROUTER_CATEGORIES", "DEBUG"):
        monkeypatch.delenv(f"OPENROUTER_{name}", raising=False)
    monkeypatch.setenv("OPENROUTER_API_KEY", SECRET)


def test_the_seed_example_runs_with_only_the_import_changed(
    server: StandInServer, caplog: pytest.LogCaptureFixture
) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(SEED_EXAMPLE, {"SERVER_URL": server.base_url})
    assert (
        out.getvalue()
        == "GetCreditsResponse(data=GetCreditsData(total_credits=100.5, total_usage=25.75))\n"
    )
    headers = server.requests[0].headers
    assert headers["x-openrouter-categories"] == "<value>"
    assert headers["http-referer"] == headers["x-openrouter-title"] == "<value>"
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1 and "'<value>' is not a category name" in warned[0].getMessage()


def test_the_seed_example_is_the_documented_one() -> None:
    if not SEED.exists():
        pytest.skip(f"{SEED} (the documented page) is not on this machine")
    documented = SEED.read_text(encoding="utf-8")
    ours = SEED_EXAMPLE.replace("openrouter_credits", "openrouter")
    ours = ours.replace("    server_url=SERVER_URL,\n", "")
    assert ours in documented


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("CLI-Agent", "is not a category name"),
        ("a,b,c", "at most 2 categories"),
        ("x" * 31, "longer than 30 characters"),
    ],
)
def test_a_category_against_the_naming_rules_is_sent_with_a_warning(
    server: StandInServer, caplog: pytest.LogCaptureFixture, value: str, rule: str
) -> None:
    with OpenRouter(server_url=server.base_url) as sdk:
        sdk.credits.get_credits(x_open_router_categories=value)
    assert server.requests[0].headers["x-openrouter-categories"] == value
    warnings = [r for r in caplog.records if r.name == "openrouter_credits" and r.levelno == 30]
    assert any(rule in r.getMessage() for r in warnings), [r.getMessage() for r in warnings]


@pytest.mark.parametrize("empty", ["", []], ids=["empty string", "empty list"])
def test_an_empty_category_means_none(
    server: StandInServer, caplog: pytest.LogCaptureFixture, empty: str | list[str]
) -> None:
    with OpenRouter(server_url=server.base_url, x_open_router_categories=empty) as sdk:
        sdk.credits.get_credits()
    assert "x-openrouter-categories" not in server.requests[0].headers
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_environment_fallbacks_apply_when_the_argument_is_not_given(
    server: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENROUTER_HTTP_REFERER", "https://env.example")
    monkeypatch.setenv("OPENROUTER_X_OPEN_ROUTER_TITLE", "Env App")
    monkeypatch.setenv("OPENROUTER_X_OPEN_ROUTER_CATEGORIES", "cli-agent")
    with OpenRouter(server_url=server.base_url, x_open_router_title="Mine") as sdk:
        sdk.credits.get_credits()
    headers = server.requests[0].headers
    assert headers["http-referer"] == "https://env.example"
    assert headers["x-openrouter-title"] == "Mine"
    assert headers["x-openrouter-categories"] == "cli-agent"


def test_an_environment_value_http_cannot_carry_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENROUTER_X_OPEN_ROUTER_TITLE", "App\r\nX-Evil: 1")
    with pytest.raises(ValueError, match="OPENROUTER_X_OPEN_ROUTER_TITLE"):
        OpenRouter()


def test_the_constructor_takes_the_official_arguments_positionally(server: StandInServer) -> None:
    sdk = OpenRouter(
        SECRET, "https://app.example", "App", "cli-agent", "production", None, server.base_url
    )
    with sdk:
        sdk.credits.get_credits()
    headers = server.requests[0].headers
    assert (headers["http-referer"], headers["x-openrouter-title"]) == (
        "https://app.example",
        "App",
    )


def test_debug_logger_gets_a_record_per_request_and_response(server: StandInServer) -> None:
    records: list[logging.LogRecord] = []
    debug = logging.getLogger("tests.dropin.debug")

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect(level=logging.DEBUG)
    debug.addHandler(handler)
    server.script(Reply(status=500, headers={"Retry-After": "0"}))
    try:
        sdk = OpenRouter(server_url=server.base_url, debug_logger=debug)
        with sdk:
            sdk.credits.get_credits(retries=RetryConfig("backoff", retry_connection_errors=False))
    finally:
        debug.removeHandler(handler)
    lines = [r.getMessage() for r in records]
    url = f"{server.base_url}/credits"
    assert [line.split(" (")[0] for line in lines] == [
        f"request GET {url}",
        f"response 500 to GET {url}",
        f"request GET {url}",
        f"response 200 to GET {url}",
    ]
    assert "attempt 2" in lines[2] and "attempt 2" in lines[3] and "since the call" in lines[3]
    assert not any(SECRET in line or "Bearer" in line for line in lines)


def test_openrouter_debug_turns_on_the_package_logger(
    server: StandInServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OPENROUTER_DEBUG", "1")
    with OpenRouter(server_url=server.base_url) as sdk:
        sdk.credits.get_credits()
    mine = [r.getMessage() for r in caplog.records if r.name == "openrouter_credits"]
    assert any(m.startswith("response 200 to GET") for m in mine), mine


def test_no_response_is_caught_by_httpx_handlers() -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    with OpenRouter(server_url=url, retry_config=None) as sdk:
        try:
            sdk.credits.get_credits()
        except httpx.TransportError as exc:  # what code written for the official SDK catches
            assert isinstance(exc, errors.APIConnectionError)
            assert isinstance(exc.__cause__, httpx.ConnectError)
        else:
            pytest.fail("no error")


def test_a_timeout_is_an_httpx_timeout_exception(server: StandInServer) -> None:
    server.script(Reply(delay=2.0))
    with (
        OpenRouter(server_url=server.base_url, retry_config=None, timeout_ms=100) as sdk,
        pytest.raises(httpx.TimeoutException) as info,
    ):
        sdk.credits.get_credits()
    assert isinstance(info.value, errors.APITimeoutError)
    assert isinstance(info.value, httpx.HTTPError)


def test_message_is_the_servers_and_str_explains(server: StandInServer) -> None:
    body = {"error": {"code": 403, "message": "Only management keys can perform this operation"}}
    server.default = Reply(status=403, body=body)
    with (
        OpenRouter(server_url=server.base_url) as sdk,
        pytest.raises(errors.ForbiddenResponseError) as info,
    ):
        sdk.credits.get_credits()
    error = info.value
    assert error.message == "Only management keys can perform this operation"
    assert error.message in str(error) and "management key" in str(error).split(error.message)[1]
    assert (error.status_code, error.raw_response.status_code) == (403, 403)


def test_the_response_object_reads_like_the_official_model(server: StandInServer) -> None:
    server.default = Reply(body={"data": {"total_credits": 100, "total_usage": 0.5}, "x": 1})
    with OpenRouter(server_url=server.base_url) as sdk:
        res = sdk.credits.get_credits()
        again = sdk.credits.get_credits()
    assert res == again and res.data.total_credits == 100.0
    assert isinstance(res.data.total_credits, float)  # as pydantic makes a JSON 100
    assert res.model_dump() == {"data": {"total_credits": 100.0, "total_usage": 0.5}}
    assert res.model_dump_json() == '{"data":{"total_credits":100.0,"total_usage":0.5}}'
    assert repr(res.data) == "GetCreditsData(total_credits=100.0, total_usage=0.5)"
    assert isinstance(res, GetCreditsResponse)


def test_reprs_carry_no_internal_noise() -> None:
    data = UnauthorizedResponse.from_dict({"error": {"code": 401, "message": "no"}})
    assert (
        repr(data)
        == "UnauthorizedResponse(error=UnauthorizedResponseErrorData(code=401, message='no'))"
    )
    assert data.model_dump() == {"error": {"code": 401, "message": "no"}}


def test_one_unset_sentinel() -> None:
    assert utils.UNSET is generated_types.UNSET
    assert utils.Unset is generated_types.Unset
    assert repr(utils.UNSET) == "UNSET" and not utils.UNSET
