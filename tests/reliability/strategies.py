"""Server replies for the property tests, generated from what the documentation says:
status, headers and body (from the response schemas in openapi.yaml, with fields missing,
mistyped or added, and random JSON, text and bytes), and the outcome each must end in,
written out here from the documentation and the schemas, not from the client's code.
1XX statuses are not final responses (the client waits for the final one), so they are
not generated.
"""

from __future__ import annotations

import json
import math
import string
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, Final

import httpx
from hypothesis import strategies as st
from openrouter_credits import errors
from openrouter_credits.testing import Fault, Reply

FIELDS: Final = ("total_credits", "total_usage")
DOCUMENTED: Final[Mapping[int, type[errors.OpenRouterError]]] = {
    401: errors.UnauthorizedResponseError,
    403: errors.ForbiddenResponseError,
    500: errors.InternalServerResponseError,
}


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


def parsed(content: bytes, content_type: str | None = None) -> object:
    """The body as JSON by docs/client.md "Bodies and encodings" (the declared charset, else UTF-8
    with a byte order mark tolerated; strict), or ``...`` when it is not JSON."""
    headers = {"content-type": content_type} if content_type else {}
    charset = httpx.Response(200, headers=headers).charset_encoding
    try:
        return json.loads(content.decode(charset or "utf-8-sig"))
    except (ValueError, LookupError):  # JSONDecodeError, UnicodeDecodeError, no such codec
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
