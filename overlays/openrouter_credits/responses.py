"""From an HTTP response to the result: the credits model, or the right exception.

The generated ``_parse_response`` turns documented bodies into models. Generated models do
not check types (``from_dict`` takes ``"abc"`` for a number) and raise ``KeyError``,
``TypeError`` or ``JSONDecodeError`` on bad input; here every such failure becomes a
:class:`~openrouter_credits.errors.ResponseValidationError` (success statuses) or a typed
error with ``.data = None`` (documented error statuses), with the cause chained. Model
fields are checked against the generated classes' own annotations, so a property added to
the spec is checked without touching this file.
"""

from __future__ import annotations

import json
import math
import types
import typing
from typing import Any

import attrs
import httpx

from . import errors
from ._generated import models as _models
from ._generated import types as _gen_types
from ._generated.api.credits_ import get_credits as _op
from ._generated.client import Client as _GeneratedClient
from ._generated.models import GetCreditsResponse

__all__ = ["ModelMismatch", "check_model", "result_or_raise"]

_MANAGEMENT_KEY_HINT = (
    "GET /credits needs a management key, not an inference key: see "
    "https://openrouter.ai/docs/guides/overview/auth/management-api-keys"
)
# _parse_response only reads raise_on_unexpected_status, for statuses we never pass it.
_PARSE_CLIENT = _GeneratedClient(base_url="http://unused.invalid")


#: What the generated parsers, json and check_model raise on a body that is not the schema:
#: OverflowError (an integer beyond float range), RecursionError (JSON nested too deeply).
_PARSE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, OverflowError, RecursionError)


class ModelMismatch(ValueError):
    """A parsed model field does not have the type the schema gives it."""


def result_or_raise(response: httpx.Response, redact: str | None = None) -> GetCreditsResponse:
    """The credits from a read ``response``, or the exception its status and body call for.

    ``redact``: a secret to blank out of any body excerpt a message quotes.
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


def _redacted(text: str, secret: str | None) -> str:
    return text.replace(secret, "[redacted]") if secret else text


def _body(response: httpx.Response, redact: str | None) -> str:
    return _redacted(errors._text(response), redact)


def _excerpt(response: httpx.Response, redact: str | None) -> str:
    """``content-type text/html, body '<html>…' (1234 bytes)``: bounded, key redacted."""
    text = _body(response, redact)
    limit = errors.BODY_EXCERPT_CHARS
    excerpt = text[:limit] + ("…" if len(text) > limit else "")
    ctype = response.headers.get("content-type", "none")
    return f"content-type {ctype}, body {excerpt!r} ({len(response.content)} bytes)"


def _describe(response: httpx.Response, redact: str | None) -> str:
    """``HTTP 418 I'm a teapot, content-type text/html, body '<html>…' (1234 bytes)``."""
    where = ""
    if response.is_redirect:
        where = f", redirect to {response.headers.get('location', '?')!r} not followed"
    status = response.status_code
    return f"HTTP {status} {_phrase(status)}{where}, {_excerpt(response, redact)}"


# --- checking parsed models against the generated annotations --------------------------


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    if cls not in _HINTS:
        namespace = {**vars(_gen_types), **vars(_models)}
        _HINTS[cls] = typing.get_type_hints(cls, localns=namespace)
    return _HINTS[cls]


def check_model(model: object, path: str = "$") -> None:
    """Raise :class:`ModelMismatch` if a field of ``model`` (recursively) is mistyped."""
    cls: type[Any] = type(model)
    hints = _hints(cls)
    for field in attrs.fields(cls):
        if field.name == "additional_properties":
            continue
        _check(getattr(model, field.name), hints[field.name], f"{path}.{field.name}")


def check_objects(raw: object, cls: type[Any], path: str = "$") -> None:
    """Raise :class:`ModelMismatch` unless ``raw`` and every nested model's JSON are objects.

    The generated ``from_dict`` calls ``dict()`` on its input, so a JSON array of pairs
    would otherwise pass for an object.
    """
    if not isinstance(raw, dict):
        raise ModelMismatch(f"{path} should be an object, got {type(raw).__name__}")
    hints = _hints(cls)
    for field in attrs.fields(cls):
        if field.name == "additional_properties" or field.name not in raw:
            continue
        value = raw[field.name]
        for arm in typing.get_args(hints[field.name]) or (hints[field.name],):
            if isinstance(arm, type) and attrs.has(arm):
                if isinstance(value, dict):
                    check_objects(value, arm, f"{path}.{field.name}")
                elif arm is hints[field.name]:  # a required model, not one arm of a union
                    raise ModelMismatch(
                        f"{path}.{field.name} should be an object, got {type(value).__name__}"
                    )


def _check(value: object, expected: Any, path: str) -> None:
    if _matches(value, expected, path):
        return
    raise ModelMismatch(f"{path} should be {_name(expected)}, got {type(value).__name__} {value!r}")


def _matches(value: object, expected: Any, path: str) -> bool:
    origin = typing.get_origin(expected)
    if expected is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arm, path) for arm in typing.get_args(expected))
    if origin is dict:
        return isinstance(value, dict)
    if origin is list:
        (item,) = typing.get_args(expected)
        return isinstance(value, list) and all(_matches(v, item, path) for v in value)
    if expected is type(None):
        return value is None
    if expected is float:
        return (
            isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        )
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(expected, type) and attrs.has(expected):
        if not isinstance(value, expected):
            return False
        check_model(value, path)
        return True
    return isinstance(expected, type) and isinstance(value, expected)


def _name(expected: Any) -> str:
    if isinstance(expected, type):
        return {"float": "a number", "int": "an integer", "str": "a string"}.get(
            expected.__name__, expected.__name__
        )
    return str(expected).replace("openrouter_credits._generated.models.", "")
