"""From an HTTP response to the result: the credits model, or the right exception.

Documented bodies become the generated models (the error bodies' load with the first
error). Generated models do not check types (``from_dict`` takes ``"abc"`` for a number)
and raise ``KeyError``, ``TypeError`` or ``JSONDecodeError`` on bad input, so the JSON is
checked by :mod:`._checks` first; every such failure becomes a
:class:`~openrouter_credits.errors.ResponseValidationError` (success statuses) or a typed
error with ``.data = None`` (documented error statuses), with the cause chained.
"""

from __future__ import annotations

import codecs
import json
from typing import Any, TypeVar

import httpx

from . import errors, models
from ._checks import ModelMismatch, check_json
from ._constants import BODY_EXCERPT_CHARS
from ._generated.models.get_credits_response import GetCreditsResponse
from ._http.body import DECODE_FAILURE
from ._redact import redact, redact_model

__all__ = ["result_or_raise"]

_MANAGEMENT_KEY_HINT = (
    "GET /credits needs a management key, not an inference key: see "
    "https://openrouter.ai/docs/guides/overview/auth/management-api-keys"
)
#: What parsing a body not of the schema raises.
_PARSE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, OverflowError, RecursionError)


class Undecodable(ValueError):
    """The body's Content-Encoding or charset does not decode it."""


def body_text(response: httpx.Response) -> str:
    """The body as text (docs/client.md "Bodies and encodings"); or :class:`Undecodable`."""
    failure = response.extensions.get(DECODE_FAILURE)
    if failure:
        raise Undecodable(failure)
    # The common case without parsing the header (httpx's charset_encoding costs a call ~2 %).
    plain = response.headers.get("content-type") == "application/json"
    charset = None if plain else response.charset_encoding
    try:
        if charset:
            return response.content.decode(charset)
        # UTF-8 after an optional BOM, as the "utf-8-sig" codec reads it, but without that
        # codec's Python code (~1 % of a call's CPU)
        return response.content.removeprefix(codecs.BOM_UTF8).decode()
    except LookupError:
        raise Undecodable(f"its charset {charset!r} is not a text encoding") from None
    except UnicodeDecodeError as exc:
        where = f"its declared charset {charset!r}" if charset else "UTF-8 (no charset declared)"
        raise Undecodable(f"the body is not valid text in {where} (byte {exc.start})") from None


_M = TypeVar("_M")


def _parse(response: httpx.Response, model: type[_M]) -> _M:
    raw = json.loads(body_text(response))
    check_json(raw, model)  # before from_dict's Python errors
    return model.from_dict(raw)  # type: ignore[attr-defined,no-any-return]


def result_or_raise(response: httpx.Response, key: str | None = None) -> GetCreditsResponse:
    """The credits from a read ``response``, or the exception its status and body call for.

    ``key``: the API key, blanked out of every server-supplied text the exception holds
    (``message``, ``body``, ``data``, ``str(e)``; see :mod:`._redact`).
    """
    status = response.status_code
    if status == 200:
        try:
            parsed = _parse(response, GetCreditsResponse)
        except _PARSE_ERRORS as exc:
            why = _why(exc, key)
            raise errors.ResponseValidationError(
                f"Response validation failed: {why}",
                response,
                _body(response, key),
                explanation=f"HTTP 200 but the body is not the documented credits JSON: {why}; "
                + _describe(response, key),
            ) from exc
        return parsed
    body = _body(response, key)  # not before: a success never decodes it
    documented = _ERRORS.get(status)
    if documented is None:
        raise errors.OpenRouterDefaultError(
            _official_message(response, body),
            response,
            body,
            explanation=f"unexpected response: {_describe(response, key)}",
        )
    error_class, model, reason = documented
    data: Any
    try:
        data = redact_model(_parse(response, getattr(models, model)), key)
        message = str(data.error.message) or body
        detail = message
    except _PARSE_ERRORS as exc:
        data = None
        message = _official_message(response, body)
        why, excerpt = _why(exc, key), _excerpt(response, key)
        detail = f"the body is not the documented error JSON: {why} ({excerpt})"
    explanation = f"HTTP {status} {_phrase(status)}: {detail} ({reason})"
    raise error_class(message, response, data, body, explanation=explanation)


#: The official SDK's OpenRouterDefaultError cuts the quoted body here.
_OFFICIAL_MAX_MESSAGE_LEN = 10_000


def _official_message(response: httpx.Response, body: str) -> str:
    """The ``message`` the official SDK's OpenRouterDefaultError gives for ``response``."""
    status = response.status_code
    prefix = "API error occurred" if 400 <= status < 600 else "Unexpected response received"
    message = f"{prefix}: Status {status}"
    content_type = response.headers.get("content-type", '""')
    if content_type != "application/json":
        message += (
            f' Content-Type "{content_type}"'
            if " " in content_type
            else (f" Content-Type {content_type}")
        )
    shown = body or '""'
    if len(shown) > _OFFICIAL_MAX_MESSAGE_LEN:
        rest = len(shown) - _OFFICIAL_MAX_MESSAGE_LEN
        shown = f"{shown[:_OFFICIAL_MAX_MESSAGE_LEN]}...and {rest} more chars"
    return f"{message}. Body: {shown}".strip()


#: The documented error statuses: the exception, its body's model (by name: loaded with
#: the first error), the hint.
_Documented = (
    errors.UnauthorizedResponseError
    | errors.ForbiddenResponseError
    | errors.InternalServerResponseError
)
_ERRORS: dict[int, tuple[type[_Documented], str, str]] = {
    401: (
        errors.UnauthorizedResponseError,
        "UnauthorizedResponse",
        "check the API key: OPENROUTER_API_KEY or api_key=",
    ),
    403: (errors.ForbiddenResponseError, "ForbiddenResponse", _MANAGEMENT_KEY_HINT),
    500: (
        errors.InternalServerResponseError,
        "InternalServerResponse",
        "OpenRouter failed; retried as configured",
    ),
}


def _phrase(status: int) -> str:
    return httpx.codes.get_reason_phrase(status) or "(non-standard status)"


def _why(exc: BaseException, key: str | None) -> str:
    """What is wrong with the body, in JSON terms, never a Python exception's text (a
    mistyped value it shows has the key redacted, in ``exc`` too: it is chained)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON ({exc.msg} at position {exc.pos})"
    if isinstance(exc, (Undecodable, ModelMismatch)):
        exc.args = (redact(str(exc), key),)
        return str(exc)
    if isinstance(exc, RecursionError):
        return "the JSON is nested too deeply"
    return f"the JSON does not fit the documented schema ({type(exc).__name__})"


def _body(response: httpx.Response, key: str | None) -> str:
    return redact(errors.response_text(response), key)


def quote(text: str) -> str:
    """The start of ``text`` an error message quotes: at most ``BODY_EXCERPT_CHARS``
    characters, and ``…`` when there was more."""
    limit = BODY_EXCERPT_CHARS
    return text[:limit] + ("…" if len(text) > limit else "")


def _excerpt(response: httpx.Response, key: str | None) -> str:
    """``content-type text/html, body '<html>…' (1234 bytes)``: bounded, key redacted."""
    excerpt = quote(_body(response, key))
    ctype = response.headers.get("content-type", "none")
    return f"content-type {ctype}, body {excerpt!r} ({len(response.content)} bytes)"


def _describe(response: httpx.Response, key: str | None) -> str:
    """``HTTP 418 I'm a teapot, content-type text/html, body '<html>…' (1234 bytes)``."""
    where = ""
    if response.is_redirect:
        location = redact(response.headers.get("location", "?"), key)
        where = f", redirect to {location!r} not followed"
    status = response.status_code
    return f"HTTP {status} {_phrase(status)}{where}, {_excerpt(response, key)}"
