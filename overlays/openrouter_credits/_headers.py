"""Request headers: attribution defaults, validation, User-Agent.

Everything here runs before a request is built, so a bad value never reaches the wire:
a header value with CR, LF, NUL or any other character HTTP forbids is a ``ValueError``
naming the header. Values must be visible ASCII (plus space and tab): httpx would
otherwise encode them in a way the server may not read back.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence

from ._version import __version__

__all__ = [
    "ATTRIBUTION_HEADERS",
    "USER_AGENT",
    "check_header",
    "normalize_categories",
]

#: The official SDK's keyword → the HTTP header it sends.
ATTRIBUTION_HEADERS: Mapping[str, str] = {
    "http_referer": "HTTP-Referer",
    "x_open_router_title": "X-OpenRouter-Title",
    "x_open_router_categories": "X-OpenRouter-Categories",
}

USER_AGENT = f"openrouter-credits/{__version__} python/{'.'.join(map(str, sys.version_info[:3]))}"

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_VALUE = re.compile(r"[\t\x20-\x7e]*")
_CATEGORY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_CATEGORIES = 2
MAX_CATEGORY_LENGTH = 30


def check_header(name: str, value: str) -> str:
    """Return ``value`` if it may be sent as header ``name``; else raise ``ValueError``."""
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        raise ValueError(f"invalid HTTP header name {name!r}")
    if not isinstance(value, str):
        raise TypeError(f"header {name}: value must be a str, got {type(value).__name__}")
    if not _VALUE.fullmatch(value):
        bad = next(c for c in value if not _VALUE.fullmatch(c))
        raise ValueError(
            f"header {name}: value contains {bad!r}, which HTTP does not allow "
            "(only visible ASCII, space and tab)"
        )
    return value


def normalize_categories(value: str | Sequence[str]) -> str:
    """Validate ``X-OpenRouter-Categories`` by OpenRouter's rules; return the header value.

    Categories are lowercase, hyphen-separated words (``cli-agent``), at most 30 characters
    each, at most 2 per request. A well-formed category OpenRouter does not know is sent
    as it is (the server drops unknown ones). Takes ``"a,b"`` or ``["a", "b"]``; spaces
    around commas are removed.
    """
    items = value.split(",") if isinstance(value, str) else list(value)
    cats = [item.strip() if isinstance(item, str) else item for item in items]
    name = ATTRIBUTION_HEADERS["x_open_router_categories"]
    if not cats or cats == [""]:
        raise ValueError(f"header {name}: no category given")
    if len(cats) > MAX_CATEGORIES:
        raise ValueError(
            f"header {name}: at most {MAX_CATEGORIES} categories per request, got {len(cats)}"
        )
    for cat in cats:
        if not isinstance(cat, str) or not _CATEGORY.fullmatch(cat):
            raise ValueError(
                f"header {name}: {cat!r} is not a category (lowercase letters and digits, "
                "words joined by single hyphens, e.g. 'cli-agent')"
            )
        if len(cat) > MAX_CATEGORY_LENGTH:
            raise ValueError(
                f"header {name}: {cat!r} is longer than {MAX_CATEGORY_LENGTH} characters"
            )
    return ",".join(cats)


def attribution(
    http_referer: str | None,
    x_open_router_title: str | None,
    x_open_router_categories: str | Sequence[str] | None,
) -> dict[str, str]:
    """The attribution headers for the given values (``None`` = not sent), validated."""
    out: dict[str, str] = {}
    if http_referer is not None:
        out["HTTP-Referer"] = check_header("HTTP-Referer", http_referer)
    if x_open_router_title is not None:
        out["X-OpenRouter-Title"] = check_header("X-OpenRouter-Title", x_open_router_title)
    if x_open_router_categories is not None:
        out["X-OpenRouter-Categories"] = normalize_categories(x_open_router_categories)
    return out
