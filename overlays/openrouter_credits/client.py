"""The public client: ``OpenRouter(...).credits.get_credits()``, sync and async.

``OpenRouter`` holds the options (checked by :mod:`._options`), the httpx clients and their
lifecycle, and builds each call's request through the generated operation (``_get_kwargs``);
the retry loop is :mod:`._calls`', one attempt on the wire :mod:`._http.attempt`'s, the
result or the exception :mod:`._responses`'. docs/client.md is the guide.

Retries sit around ``httpx.Client.send`` rather than inside a transport so that they also
apply to a client you bring (``client=`` / ``async_client=``) without touching its
transport.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import warnings
import weakref
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self, overload

import httpx

from . import _calls, _options, errors
from ._constants import LOGGER_NAME, MAX_CONNECTIONS
from ._generated.api.credits_ import get_credits as _op
from ._generated.models.get_credits_response import GetCreditsResponse
from ._headers import USER_AGENT, attribution
from ._http.clamped import sync_client
from ._options import ApiKey, CallOptions, DebugLogger
from ._responses import result_or_raise
from .retries import DEFAULT_RETRY_CONFIG, RetryConfig
from .utils import UNSET, Unset

__all__ = ["Credits", "OpenRouter"]

_LIMITS: Final = httpx.Limits(
    max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS
)
_logger: Final = logging.getLogger(LOGGER_NAME)


class _CreditsAttribute:
    """``open_router.credits``, held weakly (a cycle would delay closing a dropped client)."""

    @overload
    def __get__(self, sdk: None, owner: type[OpenRouter]) -> Self: ...
    @overload
    def __get__(self, sdk: OpenRouter, owner: type[OpenRouter]) -> Credits: ...
    def __get__(self, sdk: OpenRouter | None, owner: type[OpenRouter]) -> Self | Credits:
        if sdk is None:
            return self
        credits = sdk._credits() if sdk._credits is not None else None
        if credits is None:
            credits = Credits(sdk)
            sdk._credits = weakref.ref(credits)
        return credits


class OpenRouter:
    """A client for OpenRouter's credits API, with the official SDK's names.

    Takes the official constructor's keywords, in its order (README "Migrating from the
    official SDK"). ``api_key``: a string, or a callable returning one (called for every
    request); by default the ``OPENROUTER_API_KEY`` environment variable, read at each call.
    ``http_referer``, ``x_open_router_title``, ``x_open_router_categories``: attribution
    headers sent with every call (a call may override them); when not given, the official
    SDK's ``OPENROUTER_HTTP_REFERER``, ``OPENROUTER_X_OPEN_ROUTER_TITLE`` and
    ``OPENROUTER_X_OPEN_ROUTER_CATEGORIES``. ``server``: a named server (``"production"``);
    ``server_url`` wins over it; ``url_params`` fills ``{name}`` variables in
    ``server_url``. ``retry_config``: the retry policy (default: from openapi.yaml;
    ``None`` or ``NO_RETRIES``: one attempt). ``timeout_ms``: per-attempt timeout.
    ``client`` / ``async_client``: httpx clients of your own (their transports, proxies and
    TLS settings are used; they are not closed). ``debug_logger``: receives one debug
    record per request and per response (never the key); ``OPENROUTER_DEBUG`` set turns
    this on with the package logger.
    """

    def __init__(
        self,
        api_key: ApiKey | None = None,
        http_referer: str | None = None,
        x_open_router_title: str | None = None,
        x_open_router_categories: str | Sequence[str] | None = None,
        server: str | None = None,
        url_params: Mapping[str, str] | None = None,
        server_url: str | None = None,
        client: httpx.Client | None = None,
        async_client: httpx.AsyncClient | None = None,
        retry_config: RetryConfig | Unset | None = UNSET,
        timeout_ms: float | None = None,
        debug_logger: DebugLogger | None = None,
    ) -> None:
        if api_key is not None and not (isinstance(api_key, str) or callable(api_key)):
            raise TypeError("api_key must be a str or a callable returning one")
        if isinstance(api_key, str) and not api_key.strip():
            api_key = None  # blank: not given, as in the official SDK
        self._api_key = api_key
        self._attribution = attribution(
            {
                "http_referer": http_referer,
                "x_open_router_title": x_open_router_title,
                "x_open_router_categories": x_open_router_categories,
            },
            from_env=True,
        )
        self._server_url = _options.check_server_url(
            _options.server_url(server, server_url, url_params)
        )
        self._retry_config = _options.retry_config(retry_config, DEFAULT_RETRY_CONFIG)
        self._timeout = _options.timeout(_options.check_timeout(timeout_ms))
        self._url = _options.credits_url(self._server_url)
        self._debug = _options.debug_logger(debug_logger)
        self._client = client
        self._async_client = async_client
        self._owns_client = client is None
        self._owns_async_client = async_client is None
        self._lock = threading.Lock()
        #: The httpx clients this object made.
        self._made: dict[str, Any] = {}
        weakref.finalize(self, _close_dropped, self._made)
        self._warned_hosts: set[str] = set()
        self._warn_if_plain_http(self._url, stacklevel=3)  # the caller's line

    credits = _CreditsAttribute()
    _credits: weakref.ref[Credits] | None = None

    def _warn_if_plain_http(self, url: httpx.URL, stacklevel: int) -> None:
        """Warn, once per host for this client, when ``url`` would carry the key over a
        network unencrypted (`errors.InsecureTransportWarning`, and a log record)."""
        host = _options.exposed_host(url)
        if host is None:
            return
        with self._lock:
            if host in self._warned_hosts:
                return
            self._warned_hosts.add(host)
        message = (
            f"plain http:// to {host}, which is not this machine: the API key (a management "
            "key) would cross the network unencrypted; use https://"
        )
        warnings.warn(message, errors.InsecureTransportWarning, stacklevel=stacklevel)
        _logger.warning(message)

    def __repr__(self) -> str:
        key = "callable" if callable(self._api_key) else "set" if self._api_key else "from env"
        return f"OpenRouter(server_url={self._server_url!r}, api_key=<{key}>)"

    # -- lifecycle (docs/client.md#closing) ------------------------------------------

    #: How many plain `with` / `async with` blocks hold this object now (class defaults:
    #: an object never entered is in neither).
    _plain_with = 0
    _async_with = 0

    def __enter__(self) -> Self:
        self._plain_with += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._plain_with -= 1
        self.close()

    async def __aenter__(self) -> Self:
        self._async_with += 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._async_with -= 1
        await self.aclose()

    def close(self) -> None:
        """Close the sync httpx client this object made (not yours).

        Connections of async calls are kept only outside a plain ``with`` block; they are
        closed by :meth:`aclose` (``async with``), in their event loop, never here: when
        some may be open, this warns (a ``ResourceWarning`` saying so).
        """
        with self._lock:
            client = self._client if self._owns_client else None
            if client is not None:
                self._client = None
                self._made.pop("sync", None)
            async_client = self._async_client if self._owns_async_client else None
            if async_client is not None and not self._async_kept:
                self._made.pop("async", None)
                self._async_client = None  # it never kept a connection: nothing to close
                async_client = None
        if client is not None:
            client.close()
        if async_client is not None and not async_client.is_closed and not self._async_with:
            warnings.warn(
                "OpenRouter.close() cannot close the connections of async calls: use "
                "`async with OpenRouter(...)`, or `await open_router.aclose()` in the same "
                "event loop",
                ResourceWarning,
                stacklevel=2,
            )

    async def aclose(self) -> None:
        """Close every httpx client this object made (not yours)."""
        with self._lock:
            async_client = self._async_client if self._owns_async_client else None
            if async_client is not None:
                self._async_client = None
                self._async_kept = False
                self._made.pop("async", None)
        if async_client is not None:
            await async_client.aclose()
        self.close()

    #: Whether the async httpx client this object made may keep connections open (an
    #: async call was made outside a plain `with` block since it was made).
    _async_kept = False

    def _sync_client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = self._made["sync"] = sync_client(_LIMITS, *self._own_defaults())
            return self._client

    def _async_http(self, keep: bool) -> httpx.AsyncClient:
        """The async httpx client; ``keep``: the call may leave its connection open."""
        with self._lock:
            if self._async_client is None:
                headers, timeout = self._own_defaults()
                self._async_client = httpx.AsyncClient(
                    follow_redirects=False, limits=_LIMITS, headers=headers, timeout=timeout
                )
                if self._owns_async_client:
                    self._made["async"] = self._async_client
            self._async_kept = self._async_kept or keep
            return self._async_client

    def _own_defaults(self) -> tuple[dict[str, str], httpx.Timeout]:
        """The headers and timeout of the httpx clients made here (not merged per call)."""
        return {"User-Agent": USER_AGENT}, self._timeout or _options.DEFAULT_TIMEOUT

    # -- one call -------------------------------------------------------------------------

    def _build(
        self,
        client: httpx.Client | httpx.AsyncClient,
        call: CallOptions,
    ) -> tuple[httpx.Request, str]:
        """The request for one call (nothing sent), and the key to redact from errors."""
        owned = self._owns(client)
        kwargs = _op._get_kwargs(**{**self._attribution, **call.attribution})
        key = _options.resolve_api_key(self._api_key)
        headers: dict[str, str] = kwargs["headers"]
        if not owned:
            headers = {"User-Agent": USER_AGENT, **headers}
        if call.extra_headers:  # replacing a header of any case, as httpx.Headers would
            given = {name.lower() for name in call.extra_headers}
            headers = {n: v for n, v in headers.items() if n.lower() not in given}
            headers.update(call.extra_headers)
        headers["Authorization"] = f"Bearer {key}"
        url = self._url
        if call.server_url:
            url = _options.credits_url(_options.check_server_url(call.server_url))
            # the caller of get_credits: _build, _get_credits, Credits.get_credits
            self._warn_if_plain_http(url, stacklevel=5)
        timeout = (
            _options.timeout(call.timeout_ms)
            or (None if owned else self._timeout)
            or httpx.USE_CLIENT_DEFAULT
        )
        request = client.build_request(kwargs["method"], url, headers=headers, timeout=timeout)
        if self._debug is not None:
            self._debug.debug(
                "request %s %s (attempt 1)", request.method, _calls.loggable(request.url)
            )
        return request, key

    def _owns(self, client: httpx.Client | httpx.AsyncClient) -> bool:
        if isinstance(client, httpx.AsyncClient):
            return self._owns_async_client
        return self._owns_client

    def _start(self, call: CallOptions) -> _calls.Attempts:
        config = self._retry_config if isinstance(call.retries, Unset) else call.retries
        state = _calls.Attempts(config, debug=self._debug)
        state.start()
        return state

    def _get_credits(self, call: CallOptions) -> GetCreditsResponse:
        client = self._sync_client()
        request, key = self._build(client, call)
        response = _calls.run(client, request, self._start(call), clamped=self._owns_client)
        return result_or_raise(response, key)

    async def _get_credits_async(self, call: CallOptions) -> GetCreditsResponse:
        # A plain `with` block cannot await the closing of kept connections: none is kept.
        keep = self._async_with > 0 or self._plain_with == 0
        client = self._async_http(keep)
        request, key = self._build(client, call)
        if not keep and self._owns_async_client:
            request.headers["Connection"] = "close"
        response = await _calls.run_async(client, request, self._start(call))
        return result_or_raise(response, key)


if TYPE_CHECKING:
    import asyncio

_CLOSING: Final[set[asyncio.Task[None]]] = set()


def _close_dropped(made: dict[str, Any]) -> None:
    """Close the httpx clients of a dropped OpenRouter (docs/client.md "Closing")."""
    sync_client: httpx.Client | None = made.pop("sync", None)
    async_client: httpx.AsyncClient | None = made.pop("async", None)
    if sync_client is not None:
        sync_client.close()
    if async_client is None:
        return
    import asyncio  # not at import: the commands do without

    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is not None:
        # now: asyncio.run's end cancels tasks not yet started
        _CLOSING.add(task := running.create_task(async_client.aclose()))
        task.add_done_callback(_CLOSING.discard)
        return
    with contextlib.suppress(Exception):  # best effort, as the official SDK's
        asyncio.run(async_client.aclose())


class Credits:
    """``open_router.credits``: the credits operations."""

    def __init__(self, sdk: OpenRouter) -> None:
        self._sdk = sdk

    # The official get_credits keywords, written out as httpx and openai-python do, so that
    # help(), IDEs and griffe (the release check) see them; CallOptions checks them.
    def get_credits(
        self,
        *,
        http_referer: str | None = None,
        x_open_router_title: str | None = None,
        x_open_router_categories: str | Sequence[str] | None = None,
        retries: RetryConfig | Unset | None = UNSET,
        server_url: str | None = None,
        timeout_ms: float | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> GetCreditsResponse:
        """Total credits purchased and used (``GET /credits``; needs a management key)."""
        call = CallOptions(
            http_referer=http_referer,
            x_open_router_title=x_open_router_title,
            x_open_router_categories=x_open_router_categories,
            retries=retries,
            server_url=server_url,
            timeout_ms=timeout_ms,
            http_headers=http_headers,
        )
        return self._sdk._get_credits(call)

    async def get_credits_async(
        self,
        *,
        http_referer: str | None = None,
        x_open_router_title: str | None = None,
        x_open_router_categories: str | Sequence[str] | None = None,
        retries: RetryConfig | Unset | None = UNSET,
        server_url: str | None = None,
        timeout_ms: float | None = None,
        http_headers: Mapping[str, str] | None = None,
    ) -> GetCreditsResponse:
        """The async form of :meth:`get_credits`."""
        call = CallOptions(
            http_referer=http_referer,
            x_open_router_title=x_open_router_title,
            x_open_router_categories=x_open_router_categories,
            retries=retries,
            server_url=server_url,
            timeout_ms=timeout_ms,
            http_headers=http_headers,
        )
        return await self._sdk._get_credits_async(call)
