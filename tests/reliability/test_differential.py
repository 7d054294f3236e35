"""Property-based, against the official SDK: the same random response served to both.

Each example is one reply (a status, redirects and 204 included; a content type and
charset; a content encoding, valid or not; the framing: whole, short or cut; a body from
the schema's, mutated, to junk) that a StandInServer serves to the official SDK
(``openrouter``, pinned) and to this package, both with retries off. Their outcomes
(success with its values, or the exception's family, ``status_code``, ``message`` and
error data) must be the same, or differ as an entry of the one list of intended
differences says: docs/migrating.md "Differences from the official SDK", read by this
test. :data:`EXPLAINED` says, per entry, which differences it covers; an entry it names
that the docs do not have, or a difference no entry covers, fails the test with
hypothesis' shrunk example. Derandomized, so every run serves the same examples.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openrouter_credits import OpenRouter, errors
from openrouter_credits.testing import Fault, Reply, StandInServer

from ..client.test_conformance import documented_differences
from ..conftest import SECRET
from .strategies import DOCUMENTED, credits_bodies, error_bodies, json_values

official: Any = pytest.importorskip(
    "openrouter", reason="the official SDK (openrouter==1.3.84, a dev dependency) is not installed"
)

#: About a minute on the 2-core machine.
DIFFERENTIAL: Final = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Outcome:
    """What a call ended in, in terms both SDKs share."""

    family: str  # "ok", or the exception's class name
    status: int | None = None
    message: str | None = None
    values: Any = None  # the result's model_dump(); for a documented error, its data's
    reason: str = field(default="", compare=False)  # str(e): what the rules may read


def _values(model: Any) -> Any:
    return None if model is None else json.loads(model.model_dump_json())


def outcome(call: Callable[[], Any]) -> Outcome:
    try:
        result = call()
    except Exception as exc:  # every exception is an outcome to compare
        data = getattr(exc, "data", None)
        error = getattr(data, "error", None)
        return Outcome(
            type(exc).__name__,
            getattr(exc, "status_code", None),
            getattr(exc, "message", None),
            None if error is None else (error.code, error.message),
            str(exc),
        )
    return Outcome("ok", values=_values(result))


# --- the replies ------------------------------------------------------------------------

CHARSETS: Final = (None, "utf-8", "UTF-8", "iso-8859-1", "utf-16", "ascii", "no-such-codec")
MEDIA: Final = (None, "application/json", "application/problem+json", "text/html", "text/plain")
STATUSES: Final = st.one_of(
    st.just(200),
    st.sampled_from(sorted(DOCUMENTED)),
    st.sampled_from([204, 301, 302, 307, 400, 404, 418, 429, 502, 503]),
)


@st.composite
def bodies(draw: st.DrawFn, status: int) -> bytes:
    schema = credits_bodies if status == 200 else error_bodies
    body = draw(
        st.one_of(
            schema(mutate=False),
            schema(mutate=True),
            json_values,
            st.sampled_from(["", "<html><body>Bad Gateway</body></html>", "null", "[]", "{"]),
            st.binary(max_size=40),
        )
    )
    if isinstance(body, bytes):
        return body
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=draw(st.booleans()))
    return text.encode("utf-8", "surrogatepass")


@st.composite
def replies(draw: st.DrawFn) -> Reply:
    status = draw(STATUSES)
    body = draw(bodies(status))
    media, charset = draw(st.sampled_from(MEDIA)), draw(st.sampled_from(CHARSETS))
    content_type = None if media is None else media + (f"; charset={charset}" if charset else "")
    if charset == "iso-8859-1" and draw(st.booleans()):  # a latin-1 body that says so
        body = body.decode("utf-8", "replace").encode("latin-1", "replace")
    if draw(st.booleans()) and body:
        body = b"\xef\xbb\xbf" + body if draw(st.booleans()) else body[: len(body) // 2]
    headers: dict[str, str] = {}
    if 300 <= status < 400 and draw(st.booleans()):
        headers["Location"] = "/elsewhere"
    encoding = draw(st.sampled_from(["identity", "gzip", "bad-gzip"]))
    fault = draw(st.sampled_from([None, None, None, Fault.SHORT_BODY, Fault.CLOSE_MID_BODY]))
    if encoding == "gzip" and fault is None:
        fault = Fault.GZIP
    elif encoding == "bad-gzip":
        headers["Content-Encoding"] = "gzip"
    return Reply(status, body, headers, content_type, fault=fault)


# --- the intended differences -----------------------------------------------------------

Rule = Callable[[Reply, Outcome, Outcome], bool]

NO_RESPONSE: Final = ("APIConnectionError", "APITimeoutError")
#: What the official SDK lets through from httpx's decoding of a body.
UNDECODED: Final = ("DecodingError", "UnicodeError", "UnicodeDecodeError")
#: How this package names a body that does not decode (docs/client.md).
NOT_DECODED: Final = ("does not decode as its Content-Encoding", "is not valid text in",
                      "is not a text encoding")  # fmt: skip


def _media(reply: Reply) -> str:
    return (reply.payload()[1] or "").split(";")[0].strip().lower()


def _status_family(status: int) -> str:
    if status == 200:
        return "ResponseValidationError"
    return DOCUMENTED.get(status, errors.OpenRouterDefaultError).__name__


def _is_redirect(reply: Reply, ours: Outcome, theirs: Outcome) -> bool:
    return 300 <= reply.status < 400


def _no_response(reply: Reply, ours: Outcome, theirs: Outcome) -> bool:
    return ours.family in NO_RESPONSE


def _malformed_200(reply: Reply, ours: Outcome, theirs: Outcome) -> bool:
    return (
        reply.status == 200
        and ours.family == theirs.family == "ResponseValidationError"
        and (ours.message or "").startswith("Response validation failed: ")
    )


def _documented_error_without_data(reply: Reply, ours: Outcome, theirs: Outcome) -> bool:
    return (
        reply.status in DOCUMENTED
        and ours.family == DOCUMENTED[reply.status].__name__
        and ours.values is None
        and theirs.family in ("ResponseValidationError", "OpenRouterDefaultError")
    )


def _strict_numbers(reply: Reply, ours: Outcome, theirs: Outcome) -> bool:
    # A boolean, a numeric string, NaN or Infinity where the schema says number: refused;
    # the official SDK (pydantic's lax mode) reads it as a number.
    return (
        reply.status == 200
        and ours.family == "ResponseValidationError"
        and theirs.family == "ok"
        and re.search(r"should be a number, got a (boolean|string|number -?(nan|inf))", ours.reason)
        is not None
    )


def _responses(reply: Reply, ours: Outcome, theirs: Outcome) -> bool:
    return _documented_error_without_data(reply, ours, theirs) or _strict_numbers(
        reply, ours, theirs
    )


def _content_type_not_checked(reply: Reply, ours: Outcome, theirs: Outcome) -> bool:
    # Read as JSON whatever its type; the official SDK refuses a type that is not JSON.
    return (
        theirs.family == "OpenRouterDefaultError"
        and reply.status in (200, *DOCUMENTED)
        and _media(reply) != "application/json"
        and ours.family in ("ok", _status_family(reply.status))
    )


def _not_decoded(reply: Reply, ours: Outcome, theirs: Outcome) -> bool:
    # Refused, named, as the status's error; the official SDK lets httpx's decoding error
    # through, or reads what does not decode as U+FFFD.
    ours_refused = ours.family == _status_family(reply.status) and any(
        phrase in ours.reason for phrase in NOT_DECODED
    )
    return ours_refused or (
        theirs.family in UNDECODED and ours.family == _status_family(reply.status)
    )


def _lenient_json(reply: Reply, ours: Outcome, theirs: Outcome) -> bool:
    # Read although the official SDK's parser refuses it: a byte order mark, a lone
    # surrogate escape, arrays nested a few hundred deep.
    body = reply.payload()[0]
    lenient = body.startswith(b"\xef\xbb\xbf") or b"\\ud" in body or b"[" * 100 in body
    return lenient and theirs.family == _status_family(reply.status) != ours.family


#: Per entry of docs/migrating.md's list (by its short name): the differences it covers.
EXPLAINED: Final[dict[str, Rule]] = {
    "no-response": _no_response,
    "malformed-200": _malformed_200,
    "responses": _responses,
    "redirects": _is_redirect,
    "content-type": _content_type_not_checked,
    "decoding": _not_decoded,
    "lenient-json": _lenient_json,
}


def explained(reply: Reply, ours: Outcome, theirs: Outcome) -> list[str]:
    return [name for name, rule in EXPLAINED.items() if rule(reply, ours, theirs)]


def test_every_rule_is_an_entry_of_the_docs_list() -> None:
    names = [name for name, _ in documented_differences()]
    assert set(EXPLAINED) <= set(names), set(EXPLAINED) - set(names)


# --- the property -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[StandInServer]:
    with StandInServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def both(server: StandInServer) -> Iterator[tuple[Any, OpenRouter]]:
    backoff = official.utils.BackoffStrategy(1, 1, 1.0, 1)
    theirs = official.OpenRouter(
        api_key=SECRET,
        server_url=server.base_url,
        retry_config=official.utils.RetryConfig("none", backoff, False),
        timeout_ms=5_000,
    )
    with OpenRouter(
        api_key=SECRET, server_url=server.base_url, retry_config=None, timeout_ms=5_000
    ) as ours:
        yield theirs, ours


CREDITS: Final = b'{"data": {"total_credits": 1.5, "total_usage": 0.5}}'
ERROR: Final = b'{"error": {"code": 401, "message": "no"}}'
JSON: Final = "application/json"


@settings(DIFFERENTIAL)
@given(reply=replies())
# The differences the issue found by hand, always among the examples:
@example(reply=Reply(200, CREDITS, content_type="text/plain"))
@example(reply=Reply(200, b"<html>Bad Gateway</html>", content_type="text/html"))
@example(reply=Reply(401, ERROR, content_type="text/plain"))
@example(reply=Reply(200, b"\xef\xbb\xbf" + CREDITS, content_type=JSON))
@example(reply=Reply(200, CREDITS[:-1] + b', "x": "\\ud800"}', content_type=JSON))
@example(
    reply=Reply(200, CREDITS[:-1] + b', "x": ' + b"[" * 250 + b"]" * 250 + b"}", content_type=JSON)
)
@example(reply=Reply(200, b'{"data":{"total_credits":0,"total_usage":false}}', content_type=JSON))
@example(reply=Reply(200, b'{"data":{"total_credits":"1.5","total_usage":1}}', content_type=JSON))
@example(reply=Reply(200, b'{"data":{"total_credits":0,"total_usage":NaN}}', content_type=JSON))
@example(reply=Reply(200, CREDITS, content_type=JSON + "; charset=utf-16"))
@example(reply=Reply(403, b"not gzip", {"Content-Encoding": "gzip"}, JSON))
@example(reply=Reply(200, CREDITS.replace(b"}}", b', "n": "\xe9"}}'), content_type=JSON))
def test_both_sdks_end_alike_or_as_the_docs_list_says(
    server: StandInServer, both: tuple[Any, OpenRouter], reply: Reply
) -> None:
    theirs_sdk, ours_sdk = both
    server.default = reply
    theirs = outcome(theirs_sdk.credits.get_credits)
    ours = outcome(ours_sdk.credits.get_credits)
    if ours == theirs:
        return
    assert explained(reply, ours, theirs), (
        f"a difference the docs' list does not explain:\n  reply:  {reply!r}\n"
        f"  ours:   {ours}\n  theirs: {theirs}"
    )
