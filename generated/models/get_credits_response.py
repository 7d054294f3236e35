from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.get_credits_data import GetCreditsData
from ..types import Model

T = TypeVar("T", bound="GetCreditsResponse")


@_attrs_define(repr=False)
class GetCreditsResponse(Model):
    """Total credits purchased and used

    Example:
        {'data': {'total_credits': 100.5, 'total_usage': 25.75}}

    """

    data: GetCreditsData
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = self.data.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        data = GetCreditsData.from_dict(d.pop("data"))

        get_credits_response = cls(
            data=data,
        )

        get_credits_response.additional_properties = d
        return get_credits_response

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
