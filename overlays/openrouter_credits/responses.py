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
from collections.abc import Callable
from typing import Any, NamedTuple

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


class _Field(NamedTuple):
    """How to check one model field, worked out once per class from its annotation."""

    name: str
    expected: Any
    matches: Callable[[object], bool]
    models: tuple[type[Any], ...]
    """The attrs model classes the annotation allows (to check their JSON shape)."""
    required_model: bool
    """The annotation is exactly one model class (not a union arm)."""


_PLANS: dict[type[Any], tuple[_Field, ...]] = {}


def _plan(cls: type[Any]) -> tuple[_Field, ...]:
    plan = _PLANS.get(cls)
    if plan is None:
        namespace = {**vars(_gen_types), **vars(_models)}
        hints = typing.get_type_hints(cls, localns=namespace)
        plan = tuple(
            _Field(
                field.name,
                hints[field.name],
                _matcher(hints[field.name]),
                tuple(
                    arm
                    for arm in typing.get_args(hints[field.name]) or (hints[field.name],)
                    if isinstance(arm, type) and attrs.has(arm)
                ),
                isinstance(hints[field.name], type) and attrs.has(hints[field.name]),
            )
            for field in attrs.fields(cls)
            if field.name != "additional_properties"
        )
        _PLANS[cls] = plan
    return plan


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _matcher(expected: Any) -> Callable[[object], bool]:
    """A test for values of the annotation ``expected`` (models: their type only)."""
    origin = typing.get_origin(expected)
    if expected is Any:
        return lambda value: True
    if origin in (typing.Union, types.UnionType):
        arms = tuple(_matcher(arm) for arm in typing.get_args(expected))
        return lambda value: any(arm(value) for arm in arms)
    if origin is dict:
        return lambda value: isinstance(value, dict)
    if origin is list:
        item = _matcher(typing.get_args(expected)[0])
        return lambda value: isinstance(value, list) and all(item(v) for v in value)
    if expected is type(None):
        return lambda value: value is None
    if expected is float:
        return _is_number
    if expected is int:
        return lambda value: isinstance(value, int) and not isinstance(value, bool)
    if isinstance(expected, type):
        return lambda value: isinstance(value, expected)
    return lambda value: False


def check_model(model: object, path: str = "$") -> None:
    """Raise :class:`ModelMismatch` if a field of ``model`` (recursively) is mistyped."""
    for field in _plan(type(model)):
        value = getattr(model, field.name)
        where = f"{path}.{field.name}"
        if not field.matches(value):
            raise ModelMismatch(
                f"{where} should be {_name(field.expected)}, got {type(value).__name__} {value!r}"
            )
        if field.models and attrs.has(type(value)):
            check_model(value, where)


def check_objects(raw: object, cls: type[Any], path: str = "$") -> None:
    """Raise :class:`ModelMismatch` unless ``raw`` and every nested model's JSON are objects.

    The generated ``from_dict`` calls ``dict()`` on its input, so a JSON array of pairs
    would otherwise pass for an object.
    """
    if not isinstance(raw, dict):
        raise ModelMismatch(f"{path} should be an object, got {type(raw).__name__}")
    for field in _plan(cls):
        if not field.models or field.name not in raw:
            continue
        value = raw[field.name]
        if isinstance(value, dict):
            for model in field.models:
                check_objects(value, model, f"{path}.{field.name}")
        elif field.required_model:
            raise ModelMismatch(
                f"{path}.{field.name} should be an object, got {type(value).__name__}"
            )


def _name(expected: Any) -> str:
    if isinstance(expected, type):
        return {"float": "a number", "int": "an integer", "str": "a string"}.get(
            expected.__name__, expected.__name__
        )
    return str(expected).replace("openrouter_credits._generated.models.", "")
