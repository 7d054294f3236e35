"""Checking parsed models against the generated classes' own annotations.

Generated models do not check types (``from_dict`` takes ``"abc"`` for a number and
``dict()``s a JSON array of pairs), so :mod:`._responses` runs both checks below on every
parsed body. The check for each class is worked out once from its annotations, so a
property added to the spec is checked without touching this file.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Callable
from typing import Any, NamedTuple

import attrs

from ._generated import models as _models
from ._generated import types as _gen_types

__all__ = ["ModelMismatch", "check_model", "check_objects"]


class ModelMismatch(ValueError):
    """A parsed model field does not have the type the schema gives it."""


class _Field(NamedTuple):
    """How to check one model field, worked out once per class from its annotation."""

    name: str
    expected: Any
    matches: Callable[[object], bool]
    models: tuple[type[Any], ...]
    """The attrs model classes the annotation allows (to check their JSON shape)."""
    required_model: bool
    """The annotation is exactly one model class (not a union arm)."""
    required: bool


_PLANS: dict[type[Any], tuple[_Field, ...]] = {}


class _Names(dict[str, Any]):
    def __missing__(self, name: str) -> Any:
        if name not in _models.__all__:
            raise KeyError(name)  # a builtin
        return getattr(_models, name)


def _plan(cls: type[Any]) -> tuple[_Field, ...]:
    plan = _PLANS.get(cls)
    if plan is None:
        hints = typing.get_type_hints(cls, localns=_Names(vars(_gen_types)))
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
                field.default is attrs.NOTHING,
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
    """Raise :class:`ModelMismatch` if a field of ``model`` (recursively) is mistyped.

    A JSON integer in a ``float`` field becomes a float, as pydantic (the official SDK's
    models) makes it: ``100`` reads as ``100.0``.
    """
    for field in _plan(type(model)):
        value = getattr(model, field.name)
        where = f"{path}.{field.name}"
        if not field.matches(value):
            raise ModelMismatch(
                f"{where} should be {_name(field.expected)}, got {json_type(value)} {value!r}"
            )
        if field.expected is float and isinstance(value, int):
            setattr(model, field.name, float(value))
        if field.models and attrs.has(type(value)):
            check_model(value, where)


def check_objects(raw: object, cls: type[Any], path: str = "$") -> None:
    """Raise :class:`ModelMismatch` unless ``raw`` and every nested model's JSON are objects.

    The generated ``from_dict`` calls ``dict()`` on its input, so a JSON array of pairs
    would otherwise pass for an object.
    """
    if not isinstance(raw, dict):
        raise ModelMismatch(f"{path} should be an object, got {json_type(raw)}")
    for field in _plan(cls):
        if field.required and field.name not in raw:
            raise ModelMismatch(f"{path}.{field.name} is required but missing")
        if not field.models or field.name not in raw:
            continue
        value = raw[field.name]
        if isinstance(value, dict):
            for model in field.models:
                check_objects(value, model, f"{path}.{field.name}")
        elif field.required_model:
            raise ModelMismatch(f"{path}.{field.name} should be an object, got {json_type(value)}")


def json_type(value: object) -> str:
    kind = type(value)
    return "a number" if kind in (int, float) else _NAMES.get(kind, kind.__name__)


def _name(expected: Any) -> str:
    """The JSON type ``expected`` asks for (``an object or null``)."""
    origin = typing.get_origin(expected)
    if origin in (typing.Union, types.UnionType):
        arms = [_name(arm) for arm in typing.get_args(expected) if arm is not _gen_types.Unset]
        return " or ".join(dict.fromkeys(arms))
    if origin is list:
        return f"an array, each {_name(typing.get_args(expected)[0])}"
    if origin is dict or (isinstance(expected, type) and attrs.has(expected)):
        return "an object"
    return _NAMES.get(expected, "a value of another type")


_NAMES: dict[Any, str] = {
    float: "a number",
    int: "an integer",
    str: "a string",
    bool: "a boolean",
    type(None): "null",
    list: "an array",
    dict: "an object",
    Any: "any value",
}
