"""Request headers: attribution values, validation, User-Agent.

Everything here runs before a request is built, so a value HTTP cannot carry never
reaches the wire: CR, LF, NUL, any other character outside visible ASCII, space and tab,
or surrounding whitespace is a ``ValueError`` naming the header (and the environment
variable it came from). Anything else the official SDK sends is sent too: a category that
breaks OpenRouter's naming rules is sent as given, with a warning on the package logger
naming the rule (docs/client.md#headers).
"""

from __future__ import annotations

import logging
import os
import string
import sys
from collections.abc import Mapping, Sequence
from typing import Final

from ._constants import LOGGER_NAME
from ._version import __version__

__all__ = [
    "ATTRIBUTION_ENV",
    "ATTRIBUTION_HEADERS",
    "USER_AGENT",
    "attribution",
    "check_header",
]

#: The official SDK's keyword → the HTTP header it sends (the one mapping between them).
ATTRIBUTION_HEADERS: Final[Mapping[str, str]] = {
    "http_referer": "HTTP-Referer",
    "x_open_router_title": "X-OpenRouter-Title",
    "x_open_router_categories": "X-OpenRouter-Categories",
}
#: The environment variable the official SDK's constructor falls back to, per keyword.
ATTRIBUTION_ENV: Final[Mapping[str, str]] = {
    "http_referer": "OPENROUTER_HTTP_REFERER",
    "x_open_router_title": "OPENROUTER_X_OPEN_ROUTER_TITLE",
    "x_open_router_categories": "OPENROUTER_X_OPEN_ROUTER_CATEGORIES",
}

USER_AGENT = f"openrouter-credits/{__version__} python/{'.'.join(map(str, sys.version_info[:3]))}"

#: What a header name may hold (RFC 9110's tchar), and a category's words.
_TOKEN = "!#$%&'*+-.^_`|~" + string.ascii_letters + string.digits
_WORD = string.ascii_lowercase + string.digits
MAX_CATEGORIES = 2
MAX_CATEGORY_LENGTH = 30

logger = logging.getLogger(LOGGER_NAME)


def check_header(name: str, value: str, source: str = "") -> str:
    """Return ``value`` if it may be sent as header ``name``; else raise ``ValueError``.

    ``source``: where the value came from (``" (from OPENROUTER_...)"``), for the message.
    """
    if not isinstance(name, str) or not name or name.strip(_TOKEN):
        raise ValueError(f"invalid HTTP header name {name!r}")
    if not isinstance(value, str):
        raise TypeError(f"header {name}{source}: value must be a str, got {type(value).__name__}")
    if not _sendable(value):
        bad = next(c for c in value if not _sendable(c))
        raise ValueError(
            f"header {name}{source}: value contains {bad!r}, which HTTP does not allow "
            "(only visible ASCII, space and tab)"
        )
    if value != value.strip(" \t"):
        raise ValueError(f"header {name}{source}: value starts or ends with whitespace")
    return value


def _sendable(value: str) -> bool:
    """Visible ASCII, space and tab only."""
    return value.isascii() and value.replace("\t", " ").isprintable()


def _categories(value: str | Sequence[str], source: str) -> str:
    """The ``X-OpenRouter-Categories`` value: as given, spaces around commas removed.

    Logs a warning naming each of OpenRouter's rules the value breaks (lowercase words
    joined by single hyphens, at most 30 characters each, at most 2 per request).
    """
    name = ATTRIBUTION_HEADERS["x_open_router_categories"]
    items = value.split(",") if isinstance(value, str) else list(value)
    cats = [item.strip(" \t") if isinstance(item, str) else item for item in items]
    for cat in cats:
        if not isinstance(cat, str):
            raise TypeError(f"header {name}{source}: categories must be str, got {cat!r}")
    joined = check_header(name, ",".join(cats), source)
    if joined:
        for rule in _broken_rules(cats):
            logger.warning("header %s%s: sent as given, but %s", name, source, rule)
    return joined


def _broken_rules(cats: list[str]) -> list[str]:
    broken = [
        f"{cat!r} is not a category name (lowercase letters and digits, words joined by "
        "single hyphens, e.g. 'cli-agent'): OpenRouter may ignore it"
        for cat in cats
        if not all(word and not word.strip(_WORD) for word in cat.split("-"))
    ]
    broken += [
        f"{cat!r} is longer than {MAX_CATEGORY_LENGTH} characters: OpenRouter may ignore it"
        for cat in cats
        if len(cat) > MAX_CATEGORY_LENGTH
    ]
    if len(cats) > MAX_CATEGORIES:
        broken.append(
            f"OpenRouter takes at most {MAX_CATEGORIES} categories per request, got {len(cats)}"
        )
    return broken


def attribution(
    values: Mapping[str, str | Sequence[str] | None], *, from_env: bool = False
) -> dict[str, str]:
    """The attribution values to send, keyed by keyword (see ATTRIBUTION_HEADERS), checked.

    ``None`` is "not given": with ``from_env`` the official SDK's environment variable
    applies then. An empty value is "none" (not sent), as in the official SDK.
    """
    out: dict[str, str] = {}
    for keyword, header in ATTRIBUTION_HEADERS.items():
        value, source = values.get(keyword), ""
        if value is None and from_env:
            value = os.environ.get(ATTRIBUTION_ENV[keyword])
            source = f" (from {ATTRIBUTION_ENV[keyword]})"
        if value is None:
            continue
        if keyword == "x_open_router_categories":
            value = _categories(value, source)
        elif isinstance(value, str):
            value = check_header(header, value, source)
        else:
            raise TypeError(f"{keyword} must be a str, got {type(value).__name__}")
        if value:
            out[keyword] = value
    return out
