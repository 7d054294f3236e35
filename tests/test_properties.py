"""Property-based: whatever a server answers, the client returns the credits or raises one of
its documented errors, with the attempts the policy allows; the retry core's waits and
attempts never leave the policy's bounds.

Responses are generated (status, headers, body: from the response schemas in openapi.yaml,
with fields missing, mistyped or added, and random JSON, text and bytes) and served over
real HTTP by one StandInServer; each example is one client call (retry waits are zero:
the testing switch). Expectations come from the documentation and the schemas, written out
here, not from the client's code. 1XX statuses are not final responses (the client waits
for the final one), so they are not generated.
"""

from __future__ import annotations

import asyncio
import json
import math
import string
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, Final

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openrouter_credits import GetCreditsResponse, OpenRouter, errors, retries
from openrouter_credits._retry_core import Failure, RetryState, parse_retry_after
from openrouter_credits.retries import BackoffStrategy, RetryConfig
from openrouter_credits.testing import Fault, Reply, StandInServer

from .conftest import SECRET
from .test_reliability import (  # noqa: F401  (fixtures, used by name)
    FIGURES,
    describe,
    exception_texts,
    reliability_figures,
    scan,
    secret_watch,
)

FIELDS: Final = ("total_credits", "total_usage")
DOCUMENTED: Final[Mapping[int, type[errors.OpenRouterError]]] = {
    401: errors.UnauthorizedResponseError,
    403: errors.ForbiddenResponseError,
    500: errors.InternalServerResponseError,
}
NETWORK: Final = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- what the documentation says ------------------------------------------------------


def is_number(value: object) -> bool:
    """``type: number``: a finite JSON number (not a boolean)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def optional_object(container: Mapping[str, Any], key: str) -> bool:
    """``type: [object, 'null']``, not required."""
    return key not in container or container[key] is None or isinstance(container[key], dict)


def valid_credits(body: object) -> bool:
    """The 200 schema: ``{"data": {"total_credits": number, "total_usage": number, ...}, ...}``."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        return False
    return all(name in body["data"] and is_number(body["data"][name]) for name in FIELDS)


def valid_error(body: object) -> bool:
    """The 401/403/500 schemas: ``{"error": {"code": integer, "message": string, ...}, ...}``."""
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return False
    error = body["error"]
    code, message = error.get("code"), error.get("message")
    user_id = body.get("user_id")
    return (
        isinstance(code, int)
        and not isinstance(code, bool)
        and isinstance(message, str)
        and optional_object(error, "metadata")
        and optional_object(body, "openrouter_metadata")
        and (user_id is None or isinstance(user_id, str))
    )


def parsed(content: bytes) -> object:
    """The body as JSON, or ``...`` when it is not JSON."""
    try:
        return json.loads(content)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return ...


def retried(status: int) -> bool:
    """README, Retries: 408, 429 and 5XX are retried (3 attempts by default)."""
    return status in (408, 429) or 500 <= status <= 599


# --- strategies ------------------------------------------------------------------------

SAFE_INT: Final = 2**53
numbers = st.integers(-SAFE_INT, SAFE_INT) | st.floats(allow_nan=False, allow_infinity=False)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-SAFE_INT, SAFE_INT)
    | st.floats()
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
not_numbers = (
    st.none()
    | st.booleans()
    | st.text(max_size=8)
    | st.just(math.nan)
    | st.sampled_from([math.inf, -math.inf])
    | st.lists(numbers, max_size=2)
    | st.dictionaries(st.text(max_size=4), numbers, max_size=2)
)
not_objects = json_values.filter(lambda v: not isinstance(v, dict))


def extras(reserved: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    keys = st.text(max_size=10).filter(lambda k: k not in reserved)
    return st.dictionaries(keys, json_values, max_size=3)


def field(
    draw: st.DrawFn, good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any], mutate: bool
) -> Any:
    """A field's value: good; or, when mutating, sometimes wrong or missing (``...``)."""
    kind = draw(st.sampled_from(["good"] * 5 + ["wrong", "missing"])) if mutate else "good"
    if kind == "good":
        return draw(good)
    return draw(bad) if kind == "wrong" else ...


def put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not ...:
        target[key] = value


@st.composite
def credits_bodies(draw: st.DrawFn, mutate: bool) -> object:
    """From the 200 schema, unknown fields added; mutated: fields wrong or missing."""
    data: dict[str, Any] = draw(extras(FIELDS))
    for name in FIELDS:
        put(data, name, field(draw, numbers, not_numbers, mutate))
    body: dict[str, Any] = draw(extras(("data",)))
    put(body, "data", field(draw, st.just(data), not_objects, mutate))
    return body


@st.composite
def error_bodies(draw: st.DrawFn, mutate: bool) -> object:
    """From the 401/403/500 schemas, the same way."""
    optional = st.none() | st.dictionaries(st.text(max_size=6), json_values, max_size=2)
    not_str = json_values.filter(lambda v: not isinstance(v, str))
    error: dict[str, Any] = draw(extras(("code", "message", "metadata")))
    code = field(draw, st.integers(-SAFE_INT, SAFE_INT), not_numbers | st.floats(), mutate)
    put(error, "code", code)
    put(error, "message", field(draw, st.text(max_size=30), not_str, mutate))
    put(error, "metadata", field(draw, optional, st.text(max_size=5) | st.integers(), mutate))
    body: dict[str, Any] = draw(extras(("error", "user_id", "openrouter_metadata")))
    put(body, "error", field(draw, st.just(error), not_objects, mutate))
    user_id = field(draw, st.none() | st.text(max_size=10), st.integers() | st.booleans(), mutate)
    put(body, "user_id", user_id)
    put(body, "openrouter_metadata", field(draw, optional, st.text(max_size=5), mutate))
    return body


PRINTABLE: Final = st.text(st.sampled_from(string.printable[:95]), max_size=40).map(str.strip)
http_dates = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(9999, 1, 1), timezones=st.just(UTC)
).map(lambda when: format_datetime(when, usegmt=True))
zoned_dates = st.builds(
    lambda date, sign, offset: f"{date[:-4]} {sign}{offset:04d}",
    http_dates,
    st.sampled_from("+-"),
    st.integers(0, 9999),
)
retry_after_values = (
    st.integers(-(10**12), 10**12).map(str)
    | st.floats().map(repr)
    | http_dates
    | zoned_dates
    | PRINTABLE
    | st.sampled_from(["0", "1.5", "-1", "inf", "nan", "1e400", "", "soon"])
)
#: Charsets whose codec cannot decode arbitrary bytes (BOM required, not a text codec, no
#: "replace" handler): served by their own property (hostile replies, below), not the main one.
BAD_CHARSETS: Final = ("utf-16", "utf-32", "hex", "base64", "rot13", "idna", "undefined")
content_types = st.sampled_from(
    [
        None,
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=latin-1",
        "application/problem+json",
        "text/html; charset=utf-8",
        "text/plain",
        "text/plain; charset=no-such-charset",
        "application/octet-stream",
        "x/y;;;=",
    ]
)
extra_headers = st.dictionaries(
    st.from_regex(r"X-[A-Za-z0-9-]{1,12}", fullmatch=True), PRINTABLE, max_size=2
)
statuses = st.one_of(
    st.just(200),
    st.just(200),
    st.sampled_from(sorted(DOCUMENTED)),
    st.sampled_from([201, 204, 301, 302, 304, 307, 400, 404, 408, 418, 429, 502, 503, 504, 599]),
    st.integers(200, 999),
)


@st.composite
def replies(draw: st.DrawFn) -> Reply:
    status = draw(statuses)
    schema = credits_bodies if status == 200 else error_bodies
    body = draw(
        st.one_of(
            schema(mutate=False),
            schema(mutate=False),
            schema(mutate=True),
            schema(mutate=True),
            json_values,
            st.binary(max_size=200),
            st.text(max_size=200),
            st.sampled_from(["", "<html><body>Bad Gateway</body></html>", "null", "{}", "[]"]),
        )
    )
    content = body if isinstance(body, (bytes, str)) else json.dumps(body)
    headers = draw(extra_headers)
    for name in ("Retry-After", "retry-after-ms"):
        if draw(st.booleans()):
            headers[name] = draw(retry_after_values)
    return Reply(
        status=status,
        body=content.encode() if isinstance(content, str) else content,
        headers=headers,
        content_type=draw(content_types),
        fault=Fault.GZIP if draw(st.booleans()) else None,
    )


# --- the property, through a real server ----------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[StandInServer]:
    with StandInServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def sdk(server: StandInServer) -> Iterator[OpenRouter]:
    with OpenRouter(api_key=SECRET, server_url=server.base_url, timeout_ms=5_000) as client:
        yield client


Outcome = GetCreditsResponse | Exception


def check(reply: Reply, outcome: Outcome, attempts: int) -> None:
    """The outcome the documentation promises for ``reply``."""
    FIGURES.examples += 1
    FIGURES.call(outcome)
    if isinstance(outcome, Exception):
        assert isinstance(outcome, errors.OpenRouterBaseError), describe(outcome)
        scan(*exception_texts(outcome))
    content = reply.payload()[0]
    body = parsed(content)
    status = reply.status
    expected: type[Outcome]
    if status == 200:
        expected = GetCreditsResponse if valid_credits(body) else errors.ResponseValidationError
    else:
        expected = DOCUMENTED.get(status, errors.OpenRouterDefaultError)
    assert type(outcome) is expected, f"HTTP {status} {content[:200]!r}: {describe(outcome)}"
    assert attempts == (3 if retried(status) else 1), f"HTTP {status}: {attempts} attempts"
    if isinstance(outcome, GetCreditsResponse):
        assert isinstance(body, dict)
        data = outcome.data
        got = [data.total_credits, data.total_usage]
        assert got == [body["data"][name] for name in FIELDS]
        assert all(data[key] == value for key, value in body["data"].items() if key not in FIELDS)
    elif isinstance(outcome, errors.OpenRouterError):
        assert outcome.status_code == status
        error_data = getattr(outcome, "data", None)
        if status in DOCUMENTED:
            assert (error_data is not None) == valid_error(body), f"{body!r}: {error_data!r}"


def serve(server: StandInServer, sdk: OpenRouter, reply: Reply) -> Outcome:
    """One call against ``reply`` (retries without waits): the model or the exception."""
    server.reset()
    server.default = reply
    with retries.set_testing(True):
        try:
            return sdk.credits.get_credits()
        except Exception as exc:
            return exc


@NETWORK
@given(reply=replies())
def test_any_response_ends_in_the_credits_or_a_documented_error(
    server: StandInServer, sdk: OpenRouter, reply: Reply
) -> None:
    outcome = serve(server, sdk, reply)
    check(reply, outcome, len(server.requests))


@pytest.fixture(scope="module")
def async_sdk(server: StandInServer) -> Iterator[tuple[asyncio.Runner, OpenRouter]]:
    """One event loop and one async client for every example (as an application has)."""
    with asyncio.Runner() as runner:
        sdk = OpenRouter(api_key=SECRET, server_url=server.base_url, timeout_ms=5_000)
        try:
            yield runner, sdk
        finally:
            runner.run(sdk.aclose())


@settings(NETWORK, max_examples=100)
@given(reply=replies())
def test_any_response_ends_the_same_way_async(
    server: StandInServer, async_sdk: tuple[asyncio.Runner, OpenRouter], reply: Reply
) -> None:
    runner, sdk = async_sdk
    server.reset()
    server.default = reply

    async def run() -> Outcome:
        try:
            return await sdk.credits.get_credits_async()
        except Exception as exc:
            return exc

    with retries.set_testing(True):
        outcome = runner.run(run())
    check(reply, outcome, len(server.requests))


JSON_CT: Final = "application/json"
#: Replies that once broke the client (fixed): each must still end in a documented error.
hostile_replies = st.one_of(
    st.builds(  # a number beyond float range (was: OverflowError from check_model)
        lambda n: Reply(body=f'{{"data":{{"total_credits":{n},"total_usage":1}}}}'.encode()),
        st.integers(10**309, 10**400),
    ),
    st.builds(  # deeply nested JSON (was: RecursionError from json.loads)
        lambda depth, status: Reply(status, b"[" * depth, content_type=JSON_CT),
        st.integers(2_000, 50_000),
        st.sampled_from([200, 401, 403, 500]),
    ),
    st.builds(  # a JSON array of pairs (was: accepted as an object)
        lambda a, b: Reply(body=[["data", [[FIELDS[0], a], [FIELDS[1], b]]]]), numbers, numbers
    ),
    st.builds(  # a charset the body is not in (was: UnicodeError/TypeError/AssertionError)
        lambda status, charset, body: Reply(
            status, body, content_type=f"text/html; charset={charset}"
        ),
        st.sampled_from([200, 401, 418, 503]),
        st.sampled_from(BAD_CHARSETS),
        st.binary(min_size=2, max_size=50),
    ),
)


@settings(NETWORK, max_examples=12)
@given(reply=hostile_replies)
def test_hostile_replies_end_in_a_documented_error(
    server: StandInServer, sdk: OpenRouter, reply: Reply
) -> None:
    outcome = serve(server, sdk, reply)
    FIGURES.examples += 1
    FIGURES.call(outcome)
    assert isinstance(outcome, errors.OpenRouterBaseError), describe(outcome)
    scan(*exception_texts(outcome))
    if reply.status == 200:
        assert isinstance(outcome, errors.ResponseValidationError), describe(outcome)


# --- the retry core, without I/O ------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


configs = st.builds(
    lambda initial, cap, exponent, budget, jitter, attempts, on_errors: RetryConfig(
        "backoff",
        BackoffStrategy(initial, cap, exponent, budget, jitter=jitter),
        on_errors,
        max_attempts=attempts,
    ),
    st.floats(1, 10_000),
    st.floats(1, 120_000),
    st.floats(1, 3),
    st.floats(1, 10_000_000),
    st.floats(0, 1),
    st.integers(1, 10),
    st.booleans(),
)
retry_headers = st.dictionaries(
    st.sampled_from(["retry-after", "retry-after-ms"]), retry_after_values, max_size=2
)
events = st.lists(
    st.tuples(st.integers(200, 599), retry_headers, st.booleans(), st.booleans()), max_size=15
)


@settings(max_examples=300, deadline=None)
@given(
    config=configs,
    events=events,
    took=st.lists(st.floats(0, 100), min_size=15, max_size=15),
    rand=st.floats(0, 1, exclude_max=True),
    testing=st.booleans(),
)
def test_retry_state_never_leaves_the_policy(
    config: RetryConfig,
    events: list[tuple[int, dict[str, str], bool, bool]],
    took: list[float],
    rand: float,
    testing: bool,
) -> None:
    clock = Clock()
    state = RetryState(config, clock=clock, rand=lambda: rand)
    state.start()
    started, cap, budget = (
        clock.now,
        config.backoff.max_interval / 1000,
        config.backoff.max_elapsed_time / 1000,
    )
    with retries.set_testing(testing):
        for (status, headers, is_error, retryable), seconds in zip(events, took, strict=False):
            clock.now += seconds  # the attempt took this long
            if is_error:
                wait = state.after_failure(
                    Failure.CONNECTION if retryable else Failure.TLS_CERTIFICATE, "OSError"
                )
                allowed = retryable and config.retry_connection_errors
            else:
                wait = state.after_status(status, headers)
                allowed = retried(status)
            if wait is None:
                break
            assert allowed, f"retried {status if not is_error else 'an error'} it should not"
            assert state.attempts <= config.max_attempts
            assert 0 <= wait <= cap
            if testing:
                assert wait == 0
            else:
                assert clock.now + wait - started <= budget + 1e-9, "a wait past the budget"
            clock.now += wait
    assert 1 <= state.attempts <= config.max_attempts


@settings(max_examples=500, deadline=None)
@given(
    headers=st.dictionaries(
        st.sampled_from(["retry-after", "retry-after-ms", "x-other"]),
        retry_after_values | st.text(max_size=40),
        max_size=3,
    )
)
def test_parse_retry_after_is_none_or_a_finite_wait(headers: dict[str, str]) -> None:
    wait = parse_retry_after(headers)
    assert wait is None or (math.isfinite(wait) and wait >= 0)


def test_parse_retry_after_ignores_a_date_with_a_huge_zone_offset() -> None:
    assert (
        parse_retry_after({"retry-after": "Mon, 01 Jan 2024 00:00:00 +99999999999999999999"})
        is None
    )
