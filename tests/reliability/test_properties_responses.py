"""Property-based: whatever a server answers, the client returns the credits or raises one of
its documented errors, with the attempts the policy allows.

Replies come from strategies.py and are served over real HTTP by one StandInServer; each
example is one client call (retry waits are zero: the testing switch).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Final

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openrouter_credits import GetCreditsResponse, OpenRouter, errors, retries
from openrouter_credits.testing import Reply, StandInServer

from ..conftest import SECRET
from .calls import describe
from .conftest import exception_texts, scan
from .figures import FIGURES
from .strategies import (
    BAD_CHARSETS,
    DOCUMENTED,
    FIELDS,
    numbers,
    parsed,
    replies,
    retried,
    valid_credits,
    valid_error,
)

NETWORK: Final = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
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
    content, content_type = reply.payload()
    body = parsed(content, content_type)
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
