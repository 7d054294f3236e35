"""Conformance with the official SDK (``openrouter``, a pinned dev dependency), measured.

Each case drives both SDKs against the same stand-in server with the same inputs
(constructor and call keywords, environment variables, a scripted reply) and compares
what the server saw (method, path, ``Authorization``, the attribution headers), what came
back (``model_dump()`` / ``model_dump_json()``), or the error: which official exception
classes and httpx classes it is an instance of, and its attributes. Every difference on
purpose is in DIFFERENCES, with its reason; docs/migrating.md "Differences from the official SDK"
is the same list (checked below). A new official release that adds or renames a keyword
fails the signature tests.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import openrouter_credits
import pytest
from openrouter_credits import errors
from openrouter_credits.testing import Reply, StandInServer, free_port

from ..conftest import SECRET

official: Any = pytest.importorskip(
    "openrouter", reason="the official SDK (openrouter==1.3.84, a dev dependency) is not installed"
)

ROOT = Path(__file__).resolve().parents[2]
ENV = (
    "OPENROUTER_HTTP_REFERER",
    "OPENROUTER_X_OPEN_ROUTER_TITLE",
    "OPENROUTER_X_OPEN_ROUTER_CATEGORIES",
    "OPENROUTER_DEBUG",
)
SEEN_HEADERS = (
    "authorization",
    "http-referer",
    "x-openrouter-title",
    "x-openrouter-categories",
    "x-trace",
)
ERROR_CLASSES = (
    "OpenRouterError",
    "OpenRouterDefaultError",
    "UnauthorizedResponseError",
    "ForbiddenResponseError",
    "InternalServerResponseError",
    "ResponseValidationError",
    "NoResponseError",
)
HTTPX_CLASSES = (httpx.HTTPError, httpx.RequestError, httpx.TransportError, httpx.TimeoutException)


class Difference(NamedTuple):
    """A difference on purpose: in ``field`` of case ``case`` (``None``: not a case here)."""

    case: str | None
    field: str | None
    reason: str


#: The one list of differences on purpose (docs/migrating.md "Differences from the official SDK").
DIFFERENCES = (
    Difference(
        "no-response",
        "classes",
        "No response (connection refused, reset, timeout): the official SDK lets httpx's "
        "exception through; this package raises its NoResponseError (APIConnectionError, "
        "APITimeoutError) after its retries, which is also an httpx.TransportError (and "
        "APITimeoutError an httpx.TimeoutException), with httpx's exception as __cause__.",
    ),
    Difference(
        "malformed-200",
        "message",
        "A success whose body is not the documented JSON, under a JSON Content-Type: both "
        "raise ResponseValidationError with a message starting 'Response validation failed'; "
        "the reason after it is this package's own (the official one is pydantic's).",
    ),
    Difference(
        "categories-spaces",
        "seen",
        "Spaces around the commas of x_open_router_categories are removed "
        "('cli-agent, cloud-agent' is sent as 'cli-agent,cloud-agent'); a list of categories "
        "is also accepted.",
    ),
    Difference(
        None,
        None,
        "Retries: the default policy is openapi.yaml's (a few attempts within seconds, "
        "Retry-After honoured), not the official one (backoff for up to an hour); "
        "connection failures and timeouts are retried by the same policy.",
    ),
    Difference(
        None,
        None,
        'Responses: the body is checked against the schema (types, strictly: true, "1.5", NaN '
        "and Infinity are not numbers here, where the official SDK reads them as 1.0, 1.5, nan "
        "and inf; required fields, size bound, deadline); a documented error status (401, "
        "403, 500) whose body is not the documented JSON still raises that status's error, "
        "with data=None (the official SDK raises ResponseValidationError, or "
        "OpenRouterDefaultError for a non-JSON type).",
    ),
    Difference(
        None,
        None,
        "Redirects are not followed (the official client follows them): a 3XX raises "
        "OpenRouterDefaultError naming the Location.",
    ),
    Difference(
        None,
        None,
        "Timeouts: 30 s per attempt unless timeout_ms says otherwise (the official default "
        "is none). Values HTTP cannot carry (CR, LF, NUL, non-ASCII, surrounding whitespace) "
        "raise ValueError before anything is sent (the official SDK fails while sending).",
    ),
    Difference(
        None,
        None,
        "The key is redacted from message, body, data and str(e) (raw_response and headers "
        "are untouched); str(e) explains more than message (the management-key hint, a body "
        "excerpt); error data's model_dump() leaves out unset fields (the official one "
        "gives a sentinel string).",
    ),
    Difference(
        None,
        None,
        "The Content-Type is not checked: a body is read as JSON whatever its type, so a "
        "valid credits body without a JSON type succeeds, a 200 that is not the credits JSON "
        "(an HTML page) is a ResponseValidationError, and 401, 403 and 500 with the "
        "documented JSON give the status's error with its data (the official SDK raises "
        "OpenRouterDefaultError for any type but application/json).",
    ),
    Difference(
        None,
        None,
        "A body that does not decode (a Content-Encoding such as gzip that does not decode, "
        "bytes not valid in the declared charset or in UTF-8, a charset that names no text "
        "encoding) is refused and named: ResponseValidationError at 200, the status's error "
        "(data=None) at 401, 403 and 500, OpenRouterDefaultError at other statuses; the "
        "official SDK lets httpx.DecodingError or a bare UnicodeError through, replaces bytes"
        " that do not decode by U+FFFD, and reads an unknown charset as UTF-8.",
    ),
    Difference(
        None,
        None,
        "Read although the official SDK's parser refuses it (ResponseValidationError): a "
        "UTF-8 byte order mark, a lone surrogate escape ('\\ud800') in a string, arrays nested"
        " a few hundred deep.",
    ),
)


@dataclass(frozen=True)
class Case:
    name: str
    reply: Reply = field(default_factory=Reply)
    ctor: Mapping[str, Any] = field(default_factory=dict)
    call: Mapping[str, Any] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    refused: bool = False


SEED = {"http_referer": "<value>", "x_open_router_title": "<value>"}
SEED |= {"x_open_router_categories": "<value>"}
CASES = (
    Case("seed-example", ctor=SEED),
    Case("plain-200"),
    Case("integer-credits", Reply(body={"data": {"total_credits": 100, "total_usage": 0}})),
    Case("extra-fields", Reply(body={"data": {"total_credits": 1.5, "total_usage": 1, "x": 1}})),
    Case(
        "call-overrides",
        ctor={"http_referer": "https://a.example", "x_open_router_title": "A"},
        call={"http_referer": "https://b.example", "x_open_router_categories": "cli-agent"},
    ),
    Case("call-http-headers", call={"http_headers": {"X-Trace": "t-1"}}),
    Case(
        "env-fallbacks",
        env={
            "OPENROUTER_HTTP_REFERER": "https://env.example",
            "OPENROUTER_X_OPEN_ROUTER_TITLE": "Env App",
            "OPENROUTER_X_OPEN_ROUTER_CATEGORIES": "cloud-agent",
        },
    ),
    Case(
        "ctor-beats-env",
        ctor={"x_open_router_title": "Ctor App"},
        env={"OPENROUTER_X_OPEN_ROUTER_TITLE": "Env App"},
    ),
    Case("empty-values", ctor=dict.fromkeys(SEED, "")),
    Case("bad-category", ctor={"x_open_router_categories": "Not A Category,x,y"}),
    Case("categories-spaces", ctor={"x_open_router_categories": "cli-agent, cloud-agent"}),
    Case("server-name", ctor={"server": "production"}),
    Case("url-params", ctor={"url_params": {"version": "v1"}}),
    Case("status-401", Reply(status=401)),
    Case("status-403", Reply(status=403)),
    Case("status-500", Reply(status=500)),
    Case("status-418", Reply(status=418, body="<html>teapot</html>", content_type="text/html")),
    Case("status-404-json", Reply(status=404, body={"error": {"code": 404, "message": "gone"}})),
    # The official message's variants: 4XX/5XX vs other statuses, a content type quoted, left
    # bare or absent, a body shown whole, as "" or cut after 10,000 characters.
    Case("status-400-text", Reply(400, body="bad", content_type="text/plain")),
    Case("type-with-space", Reply(418, body="<p>tea</p>", content_type="text/html; charset=utf-8")),
    Case("status-599-empty", Reply(599, body="", content_type="text/plain")),
    Case("status-600", Reply(600, body="odd", content_type="text/plain")),
    Case("status-204", Reply(204, body="", content_type="text/plain")),
    Case("no-content-type", Reply(418, body=b"no content type")),
    Case("json-upper-case", Reply(404, body='{"error": "nope"}', content_type="APPLICATION/JSON")),
    Case("body-10001", Reply(502, body="x" * 10_001, content_type="text/plain")),
    Case("body-10000", Reply(503, body="y" * 10_000, content_type="text/plain")),
    Case("malformed-200", Reply(body=b"{not json", content_type="application/json")),
    Case("no-response", refused=True),
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def observe(sdk_module: Any, case: Case, server: StandInServer) -> dict[str, Any]:
    """Run ``case`` through one SDK; what the server saw and what the call gave."""
    base = server.base_url
    if case.refused:
        base = f"http://127.0.0.1:{free_port()}/api/v1"
    ctor = {"api_key": SECRET, "server_url": base, "retry_config": None, **case.ctor}
    if "url_params" in ctor:
        ctor["server_url"] = base.removesuffix("/v1") + "/{version}"
    before = len(server.requests)
    seen: dict[str, Any] = {}
    with sdk_module.OpenRouter(**ctor) as sdk:
        try:
            res = sdk.credits.get_credits(retries=None, **case.call)
            seen["result"] = (res.model_dump(), res.model_dump_json())
            seen["fields"] = (res.data.total_credits, res.data.total_usage)
        except Exception as exc:
            seen |= describe_error(sdk_module, exc)
    for request in server.requests[before:]:
        seen["seen"] = (
            request.method,
            request.path,
            {name: request.headers.get(name) for name in SEEN_HEADERS},
        )
    return seen


def describe_error(sdk_module: Any, exc: Exception) -> dict[str, Any]:
    out: dict[str, Any] = {
        "classes": [n for n in ERROR_CLASSES if isinstance(exc, getattr(sdk_module.errors, n))],
        "httpx": [cls.__name__ for cls in HTTPX_CLASSES if isinstance(exc, cls)],
    }
    if isinstance(exc, getattr(sdk_module.errors, "OpenRouterError")):  # noqa: B009
        out["message"] = exc.message
        out["status_code"] = exc.status_code
        out["body"] = exc.body
        out["headers"] = {k: v for k, v in exc.headers.items() if k != "date"}
        out["raw_response"] = exc.raw_response.status_code
        data = getattr(exc, "data", None)
        out["data"] = None if data is None else (data.error.code, data.error.message)
    return out


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_both_sdks_agree(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    with StandInServer() as server:
        server.default = case.reply
        theirs = observe(official, case, server)
        ours = observe(openrouter_credits, case, server)
    expected = {d.field for d in DIFFERENCES if d.case == case.name}
    for key in sorted(set(theirs) | set(ours)):
        if key in expected:
            assert theirs.get(key) != ours.get(key), f"{case.name}: listed difference {key} is gone"
            continue
        assert ours.get(key) == theirs.get(key), f"{case.name}: {key} differs from the official SDK"


def test_the_malformed_body_message_starts_like_the_official_one(server: StandInServer) -> None:
    server.default = Reply(body=b"{not json", content_type="application/json")
    sdk = openrouter_credits.OpenRouter(api_key=SECRET, server_url=server.base_url)
    with sdk, pytest.raises(errors.ResponseValidationError) as info:
        sdk.credits.get_credits()
    assert info.value.message.startswith("Response validation failed: ")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, errors.UnauthorizedResponseError),
        (403, errors.ForbiddenResponseError),
        (500, errors.InternalServerResponseError),
    ],
)
def test_a_documented_status_without_its_json_keeps_the_official_message(
    server: StandInServer, status: int, expected: type[errors.OpenRouterError]
) -> None:
    """The official SDK raises its default error there; ours keeps the documented type
    (DIFFERENCES: "Responses") but the same ``message``, the body quoted."""
    server.default = Reply(status, body="<html>gateway says no</html>", content_type="text/html")
    with (
        official.OpenRouter(api_key=SECRET, server_url=server.base_url) as theirs,
        pytest.raises(official.errors.OpenRouterDefaultError) as official_error,
    ):
        theirs.credits.get_credits(retries=None)
    sdk = openrouter_credits.OpenRouter(api_key=SECRET, server_url=server.base_url)
    with sdk, pytest.raises(expected) as info:
        sdk.credits.get_credits(retries=None)
    assert info.value.message == official_error.value.message
    assert info.value.message.endswith("Body: <html>gateway says no</html>")


def parameters(function: Any) -> list[tuple[str, inspect._ParameterKind]]:
    return [(p.name, p.kind) for p in inspect.signature(function).parameters.values()]


def test_constructor_takes_the_official_keywords_in_order() -> None:
    assert parameters(openrouter_credits.OpenRouter) == parameters(official.OpenRouter)


@pytest.mark.parametrize("method", ["get_credits", "get_credits_async"])
def test_calls_take_the_official_keywords(method: str) -> None:
    theirs = getattr(official.credits.Credits, method)
    ours = getattr(openrouter_credits.client.Credits, method)
    assert parameters(ours) == parameters(theirs)
    assert inspect.iscoroutinefunction(ours) == inspect.iscoroutinefunction(theirs)


def official_utils_offered() -> list[str]:
    """The public classes and functions of the official ``openrouter.utils`` that this
    package's ``utils`` offers too."""
    return [
        name
        for name in openrouter_credits.utils.__all__
        if inspect.isclass(getattr(official.utils, name, None))
        or inspect.isfunction(getattr(official.utils, name, None))
    ]


def test_the_official_utils_names_offered_are_the_retry_types() -> None:
    assert official_utils_offered() == ["BackoffStrategy", "RetryConfig"]


@pytest.mark.parametrize("name", official_utils_offered())
def test_official_utils_take_the_official_arguments(name: str) -> None:
    # Their parameters, in their order and kinds, with their defaults; ours may add
    # keyword-only extensions (jitter=, max_attempts=, status_codes=) and defaults.
    theirs = inspect.signature(getattr(official.utils, name)).parameters
    ours = inspect.signature(getattr(openrouter_credits.utils, name)).parameters
    assert [(p.name, p.kind) for p in ours.values()][: len(theirs)] == [
        (p.name, p.kind) for p in theirs.values()
    ]
    for parameter in theirs.values():
        if parameter.default is not inspect.Parameter.empty:
            assert ours[parameter.name].default == parameter.default, parameter.name
    extensions = list(ours.values())[len(theirs) :]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in extensions), extensions
    assert all(p.default is not inspect.Parameter.empty for p in extensions), extensions


@pytest.mark.parametrize("retry_number", [1, 2, 5])
@pytest.mark.parametrize("rand", [0.0, 0.5, 0.999])
def test_jitter_ms_waits_as_the_official_sdk_waits(
    retry_number: int, rand: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The official wait: initial * exponent ** retries + uniform(0, jitter_ms), capped.
    args = (200, 3_000, 2.0, 60_000, 400)
    monkeypatch.setattr(official.utils.retries.random, "uniform", lambda a, b: a + (b - a) * rand)
    theirs = official.utils.retries._get_sleep_interval(
        Exception(), *args[:3], retry_number - 1, args[4]
    )
    for ours in (
        openrouter_credits.utils.BackoffStrategy(*args),
        openrouter_credits.utils.BackoffStrategy(*args[:4], jitter_ms=args[4]),
    ):
        assert ours.interval(retry_number, rand) == pytest.approx(theirs)


def test_status_codes_override_replaces_the_retried_statuses_as_the_official_one_does() -> None:
    backoff = openrouter_credits.utils.BackoffStrategy(1, 1, 1.0, 1)
    for config in (
        openrouter_credits.utils.RetryConfig("backoff", backoff, True, ["429"]),
        openrouter_credits.utils.RetryConfig(
            strategy="backoff", backoff=backoff, retry_connection_errors=True,
            status_codes_override=["429"],
        ),
    ):  # fmt: skip
        assert config.retries_status(429) and not config.retries_status(503)
    # empty or None: the statuses the operation retries by default (official: the same)
    overrides: tuple[list[str] | None, ...] = ([], None)
    for override in overrides:
        config = openrouter_credits.utils.RetryConfig("backoff", backoff, True, override)
        assert config.retries_status(503) and not config.retries_status(404)


def test_the_official_version_is_the_pinned_one() -> None:
    assert official.VERSION == "1.3.84"  # a new release: rerun this module, then repin


def migrating_section(title: str) -> str:
    text = (ROOT / "docs" / "migrating.md").read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/migrating.md has no section {title!r}"
    return match.group(1)


def documented_differences() -> list[tuple[str, str]]:
    """docs/migrating.md's list: one ``- `short-name`: text`` bullet per difference."""
    section = migrating_section("Differences from the official SDK")
    items = re.split(r"^- ", section, flags=re.M)[1:]
    bullets = [" ".join(b.split("\n\n")[0].split()) for b in items]
    pairs = [re.fullmatch(r"`([a-z0-9-]+)`: (.*)", b) for b in bullets]
    assert all(pairs), bullets
    return [(m.group(1), m.group(2).strip()) for m in pairs if m]


def test_the_docs_list_exactly_these_differences() -> None:
    documented = documented_differences()
    names = [name for name, _ in documented]
    assert len(set(names)) == len(names), names
    assert [text for _, text in documented] == [d.reason for d in DIFFERENCES]
    for (name, _), difference in zip(documented, DIFFERENCES, strict=True):
        assert difference.case in (None, name), (name, difference.case)
