"""The options of the client and of a call, checked before anything is sent.

``CallOptions`` checks the official ``get_credits`` keywords (``Credits.get_credits`` and
``get_credits_async`` spell them out and hand them here). The constructor's checks are the
small functions below. README "Keywords" and "Migrating from the official SDK" say what each
option means.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Protocol

import httpx

from . import errors
from ._constants import API_KEY_ENV, DEBUG_ENV, DEFAULT_TIMEOUT_MS, LOGGER_NAME, SERVERS
from ._generated.api.credits_ import get_credits as _op
from ._headers import attribution, check_header
from .retries import NO_RETRIES, RetryConfig
from .utils import UNSET, Unset

__all__ = [
    "DEFAULT_TIMEOUT",
    "ApiKey",
    "CallOptions",
    "DebugLogger",
    "check_server_url",
    "check_timeout",
    "credits_url",
    "debug_logger",
    "exposed_host",
    "resolve_api_key",
    "retry_config",
    "server_url",
    "timeout",
]


ApiKey = str | Callable[[], str]


def resolve_api_key(source: ApiKey | None, what: str = "api_key") -> str:
    """The key to send: ``source`` (a str, or a callable returning one) or, when ``None``,
    ``OPENROUTER_API_KEY``; stripped (a key pasted or read from a file often ends in a
    newline) and checked. ``what`` names the key in the error for a value HTTP cannot carry.
    """
    source = source if source is not None else os.environ.get(API_KEY_ENV)
    key = source() if callable(source) else source
    if isinstance(key, str):
        key = key.strip()
    if not key:
        raise errors.MissingAPIKeyError(
            f"no API key: pass api_key= or set {API_KEY_ENV} (a management key)"
        )
    if not isinstance(key, str):
        raise TypeError("the api_key callable must return a str")
    try:
        check_header("Authorization", key)
    except ValueError:
        raise ValueError(f"{what} contains characters HTTP does not allow") from None
    return key


class DebugLogger(Protocol):
    """What ``debug_logger`` must offer (a ``logging.Logger`` does), as in the official SDK."""

    def debug(self, msg: str, *args: Any, **kwargs: Any) -> None: ...


class CallOptions:
    """The per-call options, validated before anything is sent.

    Its keywords are the official ``get_credits`` keywords: written here once, and
    ``Credits.get_credits`` / ``get_credits_async`` take their signature from here.
    """

    __slots__ = ("attribution", "extra_headers", "retries", "server_url", "timeout_ms")

    def __init__(
        self,
        *,
        http_referer: str | None = None,
        x_open_router_title: str | None = None,
        x_open_router_categories: str | Sequence[str] | None = None,
        retries: RetryConfig | Unset | None = UNSET,
        server_url: str | None = None,
        timeout_ms: float | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> None:
        self.attribution: dict[str, str] = {}
        if (http_referer, x_open_router_title, x_open_router_categories) != (None, None, None):
            # not for the common call: checking nothing was ~0.2 % of a call's CPU
            self.attribution = attribution(
                {
                    "http_referer": http_referer,
                    "x_open_router_title": x_open_router_title,
                    "x_open_router_categories": x_open_router_categories,
                }
            )
        self.retries: RetryConfig | Unset = (
            retries if isinstance(retries, Unset) else retry_config(retries, NO_RETRIES)
        )
        self.server_url = server_url
        self.timeout_ms = check_timeout(timeout_ms)
        self.extra_headers: dict[str, str] = {}
        for name, value in (http_headers or {}).items():
            if isinstance(name, str) and name.lower() == "authorization":
                raise ValueError("http_headers may not set Authorization: pass api_key instead")
            self.extra_headers[name] = check_header(name, value)


def retry_config(value: RetryConfig | Unset | None, default: RetryConfig) -> RetryConfig:
    if isinstance(value, Unset):
        return default
    if value is None:
        return NO_RETRIES
    if not isinstance(value, RetryConfig):
        raise TypeError(f"retries must be a RetryConfig or None, got {type(value).__name__}")
    return value


def check_timeout(timeout_ms: float | None) -> float | None:
    if timeout_ms is None:
        return None
    if (
        isinstance(timeout_ms, bool)
        or not isinstance(timeout_ms, (int, float))
        or not 0 < timeout_ms < math.inf
    ):
        raise ValueError(
            f"timeout_ms must be a positive, finite number of milliseconds, got {timeout_ms!r}"
        )
    return float(timeout_ms)


#: The per-attempt timeout of the httpx clients this package makes, unless set.
DEFAULT_TIMEOUT: Final = httpx.Timeout(DEFAULT_TIMEOUT_MS / 1000)


def timeout(timeout_ms: float | None) -> httpx.Timeout | None:
    return None if timeout_ms is None else httpx.Timeout(timeout_ms / 1000)


def credits_url(server_url: str) -> httpx.URL:
    """The operation's URL under ``server_url`` (the path comes from the generated code)."""
    return httpx.URL(server_url.rstrip("/") + _op._get_kwargs()["url"])


def server_url(server: str | None, url: str | None, params: Mapping[str, str] | None) -> str:
    """The base URL from ``server`` / ``server_url`` / ``url_params``, as the official SDK."""
    if url is None:
        if server is not None and server not in SERVERS:
            raise ValueError(f"server {server!r} is not one of {sorted(SERVERS)}")
        return SERVERS[server or "production"]
    if not isinstance(url, str):
        return url  # check_server_url names what is wrong with it
    for name, value in (params or {}).items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(f"url_params must map str to str, got {name!r}: {value!r}")
        url = url.replace("{" + name + "}", value)
    if "{" in url:
        raise ValueError(f"server_url {url!r} has a {{variable}} that url_params does not give")
    return url


def check_server_url(url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(f"server_url {url!r} is not a valid URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"server_url {url!r} must be an http:// or https:// URL with a host")
    return url


def exposed_host(url: httpx.URL) -> str | None:
    """The host of a plain ``http://`` ``url`` that is not this machine (a request there
    carries the key unencrypted over a network), else ``None``.

    This machine: ``localhost`` and the loopback addresses (``127.0.0.0/8``, ``::1``). The
    URL alone decides: no name is looked up.
    """
    host = url.host
    if url.scheme != "http" or host == "localhost":
        return None
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name, not an address
        loopback = False
    return None if loopback else host


def debug_logger(given: DebugLogger | None) -> DebugLogger | None:
    if given is not None:
        if not callable(getattr(given, "debug", None)):
            raise TypeError("debug_logger must have a debug() method, like a logging.Logger")
        return given
    if os.environ.get(DEBUG_ENV):
        return _debug_package_logger()
    return None


def _debug_package_logger() -> logging.Logger:
    """The package logger at DEBUG, the root logger untouched (docs/client.md)."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(logging.DEBUG)
    mine = any(handler.name == DEBUG_ENV for handler in logger.handlers)
    if not mine and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.name = DEBUG_ENV
        handler.setFormatter(logging.Formatter(logging.BASIC_FORMAT))
        logger.addHandler(handler)
    return logger
