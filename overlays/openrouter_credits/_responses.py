"""From an HTTP response to the result: the credits model, or the right exception.

A 200 body becomes a ``GetCreditsResponse`` (its JSON parsed once, for the model and the
checks); the generated ``_parse_response`` turns documented error bodies into models,
loading them on the first error. Generated models do not check types (``from_dict`` takes
``"abc"`` for a number) and raise ``KeyError``, ``TypeError`` or ``JSONDecodeError`` on
bad input; here every such failure becomes a
:class:`~openrouter_credits.errors.ResponseValidationError` (success statuses) or a typed
error with ``.data = None`` (documented error statuses), with the cause chained. Model
fields are checked by :mod:`._checks`.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from . import errors
from ._checks import check_model, check_objects
from ._constants import BODY_EXCERPT_CHARS
from ._generated.api.credits_ import get_credits as _op
from ._generated.client import Client as _GeneratedClient
from ._generated.models.get_credits_response import GetCreditsResponse
from ._redact import redact, redact_model

__all__ = ["result_or_raise"]

_MANAGEMENT_KEY_HINT = (
    "GET /credits needs a management key, not an inference key: see "
    "https://openrouter.ai/docs/guides/overview/auth/management-api-keys"
)


# _parse_response only reads raise_on_unexpected_status, for statuses we never pass it.
_PARSE_CLIENT = _GeneratedClient(base_url="http://unused.invalid")


#: What the generated parsers, json and check_model raise on a body that is not the schema:
#: OverflowError (an integer beyond float range), RecursionError (JSON nested too deeply).
_PARSE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, OverflowError, RecursionError)


def result_or_raise(response: httpx.Response, key: str | None = None) -> GetCreditsResponse:
    """The credits from a read ``response``, or the exception its status and body call for.

    ``key``: the API key, blanked out of every server-supplied text the exception holds
    (``message``, ``body``, ``data``, ``str(e)``; see :mod:`._redact`).
    """
    status = response.status_code
    if status == 200:
        try:
            raw = response.json()
            parsed = GetCreditsResponse.from_dict(raw)
            check_model(parsed)
            check_objects(raw, GetCreditsResponse)
        except _PARSE_ERRORS as exc:
            why = _why(exc)
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
    error_class, reason = documented
    data: Any
    try:
        data = _op._parse_response(client=_PARSE_CLIENT, response=response)
        check_model(data)
        check_objects(response.json(), type(data))
        data = redact_model(data, key)
        message = str(data.error.message) or body
        detail = message
    except _PARSE_ERRORS:
        data = None
        message = _official_message(response, body)
        detail = f"the body is not the documented error JSON ({_excerpt(response, key)})"
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


#: The documented error statuses: the exception (the generated parser gives its body's
#: model) and the hint its explanation ends with.
_Documented = (
    errors.UnauthorizedResponseError
    | errors.ForbiddenResponseError
    | errors.InternalServerResponseError
)
_ERRORS: dict[int, tuple[type[_Documented], str]] = {
    401: (errors.UnauthorizedResponseError, "check the API key: OPENROUTER_API_KEY or api_key="),
    403: (errors.ForbiddenResponseError, _MANAGEMENT_KEY_HINT),
    500: (errors.InternalServerResponseError, "OpenRouter failed; retried as configured"),
}


def _phrase(status: int) -> str:
    return httpx.codes.get_reason_phrase(status) or "(non-standard status)"


def _why(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON ({exc.msg} at position {exc.pos})"
    if isinstance(exc, UnicodeDecodeError):
        return "the body is not valid text in its declared encoding"
    if isinstance(exc, RecursionError):
        return "the JSON is nested too deeply"
    if isinstance(exc, KeyError):
        return f"required field {exc.args[0]!r} is missing"
    return str(exc)  # every other parse error says what it is (ModelMismatch, TypeError, ...)


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
