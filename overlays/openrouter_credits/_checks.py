"""Checking a parsed JSON body against a generated model's own annotations, before
``from_dict`` builds the model.

Generated models do not check types (``from_dict`` takes ``"abc"`` for a number and
``dict()``s a JSON array of pairs), so :mod:`._responses` runs :func:`check_json` on every
body it parses. The check for each class is worked out once from its annotations, so a
property added to the spec is checked without touching this file.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Callable
from typing import Any, NamedTuple

import attrs

from ._generated import types as _gen_types

__all__ = ["ModelMismatch", "check_json"]


class ModelMismatch(ValueError):
    """A JSON value does not have the type the schema gives it."""


class _Field(NamedTuple):
    """How to check one property, worked out once per class from its annotation."""

    name: str
    expected: Any
    matches: Callable[[object], bool]
    models: tuple[type[Any], ...]
    """The model classes the annotation allows (an object there is checked as each)."""
    required: bool
    to_float: bool
    """A ``float`` property: a JSON integer becomes a float, as pydantic (the official
    SDK's models) makes it: ``100`` reads as ``100.0``."""


_PLANS: dict[type[Any], tuple[_Field, ...]] = {}


def _plan(cls: type[Any]) -> tuple[_Field, ...]:
    plan = _PLANS.get(cls)
    if plan is None:
        hints = typing.get_type_hints(cls)
        plan = tuple(
            _Field(
                field.name,
                hints[field.name],
                _matcher(hints[field.name]),
                tuple(
                    arm
                    for arm in typing.get_args(hints[field.name]) or (hints[field.name],)
                    if _is_model(arm)
                ),
                field.default is attrs.NOTHING,
                hints[field.name] is float,
            )
            for field in attrs.fields(cls)
            if field.name != "additional_properties"
        )
        _PLANS[cls] = plan
    return plan


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and attrs.has(annotation)


def _is_number(value: object) -> bool:
    try:
        return type(value) in (int, float) and math.isfinite(value)  # type: ignore[arg-type]
    except OverflowError:  # an integer beyond a float's range
        return False


def _matcher(expected: Any) -> Callable[[object], bool]:
    """A test for JSON values of the annotation ``expected`` (a model: an object)."""
    origin = typing.get_origin(expected)
    if expected is Any:
        return lambda value: True
    if origin in (typing.Union, types.UnionType):
        arms = tuple(_matcher(arm) for arm in typing.get_args(expected))
        return lambda value: any(arm(value) for arm in arms)
    if origin is dict or _is_model(expected):
        return lambda value: type(value) is dict
    if origin is list:
        item = _matcher(typing.get_args(expected)[0])
        return lambda value: type(value) is list and all(item(v) for v in value)
    if expected is type(None):
        return lambda value: value is None
    if expected is float:
        return _is_number
    if expected in (int, str, bool):
        return lambda value: type(value) is expected
    return lambda value: False  # Unset (a missing key is not a value), or not JSON


def check_json(raw: object, cls: type[Any], path: str = "$") -> None:
    """Raise :class:`ModelMismatch` unless ``raw`` (parsed JSON) fits ``cls`` all the way
    down; JSON integers in ``float`` properties become floats, in place."""
    if type(raw) is not dict:
        raise ModelMismatch(f"{path} should be an object, got {_got(raw)}")
    for name, expected, matches, models, required, to_float in _PLANS.get(cls) or _plan(cls):
        if name not in raw:
            if required:
                raise ModelMismatch(f"{path}.{name} is required but missing")
            continue
        value = raw[name]
        if not matches(value):
            raise ModelMismatch(f"{path}.{name} should be {_name(expected)}, got {_got(value)}")
        if to_float:
            if type(value) is int:
                raw[name] = float(value)
        elif models and type(value) is dict:
            for model in models:
                check_json(value, model, f"{path}.{name}")


#: How much of a mistyped value a message shows.
_SHOWN_CHARS = 60


def _got(value: object) -> str:
    """``a string 'abc'``, ``an array``: the JSON type, and a scalar's value (cut short)."""
    kind = type(value)
    if kind in (list, dict) or value is None:
        return _NAMES[kind]
    shown = repr(value)
    if len(shown) > _SHOWN_CHARS:
        shown = shown[:_SHOWN_CHARS] + "…"
    return f"{'a number' if kind in (int, float) else _NAMES[kind]} {shown}"


def _name(expected: Any) -> str:
    """The JSON type ``expected`` asks for (``an object or null``)."""
    origin = typing.get_origin(expected)
    if origin in (typing.Union, types.UnionType):
        arms = [_name(arm) for arm in typing.get_args(expected) if arm is not _gen_types.Unset]
        return " or ".join(dict.fromkeys(arms))
    if origin is list:
        return f"an array, each {_name(typing.get_args(expected)[0])}"
    if origin is dict or _is_model(expected):
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
