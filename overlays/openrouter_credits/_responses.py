"""From an HTTP response to the result: the credits model, or the right exception.

The generated ``_parse_response`` turns documented bodies into models. Generated models do
not check types (``from_dict`` takes ``"abc"`` for a number) and raise ``KeyError``,
``TypeError`` or ``JSONDecodeError`` on bad input; here every such failure becomes a
:class:`~openrouter_credits.errors.ResponseValidationError` (success statuses) or a typed
error with ``.data = None`` (documented error statuses), with the cause chained. Model
fields are checked by :mod:`._checks`.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from . import errors
from ._checks import ModelMismatch, check_model, check_objects
from ._constants import BODY_EXCERPT_CHARS
from ._generated.api.credits_ import get_credits as _op
from ._generated.client import Client as _GeneratedClient
from ._generated.models import GetCreditsResponse

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


def result_or_raise(response: httpx.Response, redact: str) -> GetCreditsResponse:
    """The credits from a read ``response``, or the exception its status and body call for.

    ``redact``: the key (never empty: the client refuses one) to blank out of any excerpt.
    """
    status = response.status_code
    if status == 200:
        try:
            parsed = _op._parse_response(client=_PARSE_CLIENT, response=response)
            if not isinstance(parsed, GetCreditsResponse):  # pragma: no cover - generated
                raise ModelMismatch(f"expected GetCreditsResponse, got {type(parsed).__name__}")
            check_model(parsed)
            check_objects(response.json(), type(parsed))
        except _PARSE_ERRORS as exc:
            raise errors.ResponseValidationError(
                f"HTTP 200 but the body is not the documented credits JSON: {_why(exc)}; "
                + _describe(response, redact),
                response,
                _body(response, redact),
            ) from exc
        return parsed
    error_class, reason = _ERRORS.get(status, (errors.OpenRouterDefaultError, ""))
    if error_class is errors.OpenRouterDefaultError:
        raise errors.OpenRouterDefaultError(
            f"unexpected response: {_describe(response, redact)}", response, _body(response, redact)
        )
    data: Any = None
    try:
        data = _op._parse_response(client=_PARSE_CLIENT, response=response)
        check_model(data)
        check_objects(response.json(), type(data))
        detail = str(data.error.message)
    except _PARSE_ERRORS:
        data = None
        detail = f"the body is not the documented error JSON ({_excerpt(response, redact)})"
    message = f"HTTP {status} {_phrase(status)}: {_redacted(detail, redact)}"
    if reason:
        message += f" ({reason})"
    raise error_class(message, response, data, _body(response, redact))  # type: ignore[call-arg]


_ERRORS: dict[int, tuple[type[errors.OpenRouterError], str]] = {
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
    return str(exc) or type(exc).__name__


def _redacted(text: str, secret: str) -> str:
    return text.replace(secret, "[redacted]")


def _body(response: httpx.Response, redact: str) -> str:
    return _redacted(errors._text(response), redact)


def _excerpt(response: httpx.Response, redact: str) -> str:
    """``content-type text/html, body '<html>…' (1234 bytes)``: bounded, key redacted."""
    text = _body(response, redact)
    limit = BODY_EXCERPT_CHARS
    excerpt = text[:limit] + ("…" if len(text) > limit else "")
    ctype = response.headers.get("content-type", "none")
    return f"content-type {ctype}, body {excerpt!r} ({len(response.content)} bytes)"


def _describe(response: httpx.Response, redact: str) -> str:
    """``HTTP 418 I'm a teapot, content-type text/html, body '<html>…' (1234 bytes)``."""
    where = ""
    if response.is_redirect:
        where = f", redirect to {response.headers.get('location', '?')!r} not followed"
    status = response.status_code
    return f"HTTP {status} {_phrase(status)}{where}, {_excerpt(response, redact)}"
