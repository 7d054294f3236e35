"""Contains some shared types for properties"""

import json
from collections.abc import Mapping
from typing import Any, Literal

from attrs import fields


class Unset:
    """The type of UNSET: a field the JSON did not have (as opposed to null)."""

    __slots__ = ()

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "UNSET"


class Model:
    """What every model shares: the pydantic-style methods users of the official SDK call.

    model_dump() gives the documented fields (not the additional properties; fields the
    JSON did not have are left out), model_dump_json() the same as compact JSON, and the
    repr shows only what the JSON had.
    """

    __slots__ = ()

    def model_dump(
        self, *, mode: Literal["python", "json"] = "python"
    ) -> dict[str, Any]:
        """The model as a dict of plain values (the same in either mode)."""
        dumped = _dump(self)
        assert isinstance(dumped, dict)
        return dumped

    def model_dump_json(self) -> str:
        """The model as compact JSON, like pydantic's model_dump_json()."""
        return json.dumps(self.model_dump(), separators=(",", ":"), ensure_ascii=False)

    def __repr__(self) -> str:
        shown = []
        for field in fields(type(self)):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            if isinstance(value, Unset) or (
                field.name == "additional_properties" and not value
            ):
                continue
            shown.append(f"{field.name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"


def _dump(value: Any) -> Any:
    if isinstance(value, Model):
        names = [
            f.name for f in fields(type(value)) if f.name != "additional_properties"
        ]  # type: ignore[arg-type]
        if not names:  # a free-form object (metadata): its properties are the value
            return _dump(getattr(value, "additional_properties", {}))
        return {
            name: _dump(getattr(value, name))
            for name in names
            if not isinstance(getattr(value, name), Unset)
        }
    if isinstance(value, Mapping):
        return {key: _dump(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dump(item) for item in value]
    return value


UNSET: Unset = Unset()

__all__ = ["UNSET", "Model", "Unset"]
