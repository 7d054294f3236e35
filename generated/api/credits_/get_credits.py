from typing import Any

from ...types import UNSET, Unset


def _get_kwargs(
    *,
    http_referer: str | Unset = UNSET,
    x_open_router_title: str | Unset = UNSET,
    x_open_router_categories: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(http_referer, Unset):
        headers["HTTP-Referer"] = http_referer

    if not isinstance(x_open_router_title, Unset):
        headers["X-OpenRouter-Title"] = x_open_router_title

    if not isinstance(x_open_router_categories, Unset):
        headers["X-OpenRouter-Categories"] = x_open_router_categories

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/credits",
    }

    _kwargs["headers"] = headers
    return _kwargs
