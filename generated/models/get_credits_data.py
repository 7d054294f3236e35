from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import Model

T = TypeVar("T", bound="GetCreditsData")


@_attrs_define(repr=False)
class GetCreditsData(Model):
    """
    Example:
        {'total_credits': 100.5, 'total_usage': 25.75}

    """

    total_credits: float
    """ Total credits purchased """
    total_usage: float
    """ Total credits used """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        total_credits = self.total_credits

        total_usage = self.total_usage

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "total_credits": total_credits,
                "total_usage": total_usage,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        total_credits = d.pop("total_credits")

        total_usage = d.pop("total_usage")

        get_credits_data = cls(
            total_credits=total_credits,
            total_usage=total_usage,
        )

        get_credits_data.additional_properties = d
        return get_credits_data

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
