"""The public client: ``OpenRouter(...).credits.get_credits()``, sync and async.

Each call goes through the generated operation (``_get_kwargs`` builds the request,
``_parse_response`` reads the body, in :mod:`.responses`); this module adds the headers,
the key, the timeout, the response-size bound and the retries, whose decisions all come
from :class:`~openrouter_credits.retries.RetryState`. The two small send loops below (sync
and async) only send, sleep and ask it.

Retries sit around ``httpx.Client.send`` rather than inside a transport so that they also
apply to a client you bring (``client=`` / ``async_client=``) without touching its
transport.
"""

from __future__ import annotations

import functools
import inspect
import logging
import math
import os
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Concatenate, Final, ParamSpec, Protocol, Self, TypeVar, cast

import attrs
import httpx

from . import _transport, errors
from ._constants import (
    API_KEY_ENV,
    DEBUG_ENV,
    DEFAULT_TIMEOUT_MS,
    LOGGER_NAME,
    MAX_CONNECTIONS,
    SERVERS,
)
from ._generated.api.credits_ import get_credits as _op
from ._generated.models import GetCreditsResponse
from ._headers import USER_AGENT, attribution, check_header
from ._responses import result_or_raise
from ._retry_core import RetryState
from .retries import DEFAULT_RETRY_CONFIG, NO_RETRIES, RetryConfig
from .utils import UNSET, Unset

__all__ = ["Credits", "OpenRouter"]

_LIMITS: Final = httpx.Limits(
    max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS
)

logger = logging.getLogger(LOGGER_NAME)

ApiKey = str | Callable[[], str]


class DebugLogger(Protocol):
    """What ``debug_logger`` must offer (a ``logging.Logger`` does), as in the official SDK."""

    def debug(self, msg: str, *args: Any, **kwargs: Any) -> None: ...


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
        self._api_key = api_key
        self._attribution = attribution(
            {
                "http_referer": http_referer,
                "x_open_router_title": x_open_router_title,
                "x_open_router_categories": x_open_router_categories,
            },
            from_env=True,
        )
        self._server_url = _check_server_url(_server_url(server, server_url, url_params))
        self._retry_config = _retry_config(retry_config, DEFAULT_RETRY_CONFIG)
        self._timeout = _timeout(_check_timeout(timeout_ms))
        self._url = _credits_url(self._server_url)
        self._debug = _debug_logger(debug_logger)
        self._client = client
        self._async_client = async_client
        self._owns_client = client is None
        self._owns_async_client = async_client is None
        self._lock = threading.Lock()
        self.credits = Credits(self)

    def __repr__(self) -> str:
        key = "callable" if callable(self._api_key) else "set" if self._api_key else "from env"
        return f"OpenRouter(server_url={self._server_url!r}, api_key=<{key}>)"

    # -- lifecycle (README "Closing") --------------------------------------------------

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
            async_client = self._async_client if self._owns_async_client else None
            if async_client is not None and not self._async_kept:
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
        if async_client is not None:
            await async_client.aclose()
        self.close()

    #: Whether the async httpx client this object made may keep connections open (an
    #: async call was made outside a plain `with` block since it was made).
    _async_kept = False

    def _sync_client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = _transport.sync_client(_LIMITS)
            return self._client

    def _async_http(self, keep: bool) -> httpx.AsyncClient:
        """The async httpx client; ``keep``: the call may leave its connection open."""
        with self._lock:
            if self._async_client is None:
                self._async_client = httpx.AsyncClient(follow_redirects=False, limits=_LIMITS)
            self._async_kept = self._async_kept or keep
            return self._async_client

    # -- one call -------------------------------------------------------------------------

    def _resolve_key(self) -> str:
        source = self._api_key if self._api_key is not None else os.environ.get(API_KEY_ENV)
        key = source() if callable(source) else source
        if isinstance(key, str):
            key = key.strip()  # a key pasted or read from a file often ends in a newline
        if not key:
            raise errors.MissingAPIKeyError(
                f"no API key: pass api_key= or set {API_KEY_ENV} (a management key)"
            )
        if not isinstance(key, str):
            raise TypeError("the api_key callable must return a str")
        try:
            check_header("Authorization", key)
        except ValueError:
            raise ValueError("api_key contains characters HTTP does not allow") from None
        return key

    def _build(
        self,
        client: httpx.Client | httpx.AsyncClient,
        call: _Call,
    ) -> tuple[httpx.Request, str]:
        """The request for one call (nothing sent), and the key to redact from errors."""
        kwargs = _op._get_kwargs(**{**self._attribution, **call.attribution})
        key = self._resolve_key()
        headers: dict[str, str] = {"User-Agent": USER_AGENT, **kwargs["headers"]}
        headers.update(call.extra_headers)
        headers["Authorization"] = f"Bearer {key}"
        url = _credits_url(_check_server_url(call.server_url)) if call.server_url else self._url
        timeout = _timeout(call.timeout_ms) or self._timeout
        if timeout is None:
            timeout = _DEFAULT_TIMEOUT if self._owns(client) else client.timeout
        request = client.build_request(kwargs["method"], url, headers=headers, timeout=timeout)
        if self._debug is not None:
            self._debug.debug("request %s %s (attempt 1)", request.method, _loggable(request.url))
        return request, key

    def _owns(self, client: httpx.Client | httpx.AsyncClient) -> bool:
        if isinstance(client, httpx.AsyncClient):
            return self._owns_async_client
        return self._owns_client

    def _start(self, call: _Call) -> _Attempts:
        config = self._retry_config if isinstance(call.retries, Unset) else call.retries
        state = _Attempts(config, debug=self._debug)
        state.start()
        return state

    def _get_credits(self, call: _Call) -> GetCreditsResponse:
        client = self._sync_client()
        request, key = self._build(client, call)
        state = self._start(call)
        while True:
            outcome: _Outcome
            try:
                outcome = _transport.attempt(client, request, clamped=self._owns_client)
            except (httpx.TransportError, errors.ResponseValidationError) as exc:
                outcome = exc
            step = _decide(state, outcome, request)
            if isinstance(step, httpx.Response):
                return result_or_raise(step, key)
            time.sleep(step)

    async def _get_credits_async(self, call: _Call) -> GetCreditsResponse:
        import anyio  # httpx's own dependency: works under asyncio and trio

        # A plain `with` block cannot await the closing of kept connections: none is kept.
        keep = self._async_with > 0 or self._plain_with == 0
        client = self._async_http(keep)
        request, key = self._build(client, call)
        if not keep and self._owns_async_client:
            request.headers["Connection"] = "close"
        state = self._start(call)
        while True:
            outcome: _Outcome
            try:
                outcome = await _transport.aattempt(client, request)
            except (httpx.TransportError, errors.ResponseValidationError) as exc:
                outcome = exc
            step = _decide(state, outcome, request)
            if isinstance(step, httpx.Response):
                return result_or_raise(step, key)
            await anyio.sleep(step)


class _Call:
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
        self.attribution = attribution(
            {
                "http_referer": http_referer,
                "x_open_router_title": x_open_router_title,
                "x_open_router_categories": x_open_router_categories,
            }
        )
        self.retries: RetryConfig | Unset = (
            retries if isinstance(retries, Unset) else _retry_config(retries, NO_RETRIES)
        )
        self.server_url = server_url
        self.timeout_ms = _check_timeout(timeout_ms)
        self.extra_headers: dict[str, str] = {}
        for name, value in (http_headers or {}).items():
            if isinstance(name, str) and name.lower() == "authorization":
                raise ValueError("http_headers may not set Authorization: pass api_key instead")
            self.extra_headers[name] = check_header(name, value)


_P = ParamSpec("_P")
_T = TypeVar("_T")


def _takes_options(
    options: Callable[_P, _Call],
) -> Callable[[Callable[[Credits, _Call], _T]], Callable[Concatenate[Credits, _P], _T]]:
    """Give a ``(self, call)`` method the keywords of ``options`` (``_Call``).

    The result has the explicit signature ``inspect.signature`` shows and mypy checks
    (ParamSpec), and stays a coroutine function when ``impl`` is one.
    """

    def decorate(impl: Callable[[Credits, _Call], _T]) -> Callable[Concatenate[Credits, _P], _T]:
        method: Callable[..., Any]
        if inspect.iscoroutinefunction(impl):

            async def method(self: Credits, *args: Any, **kwargs: Any) -> Any:
                return await cast(Any, impl)(self, options(*args, **kwargs))

        else:

            def method(self: Credits, *args: Any, **kwargs: Any) -> Any:
                return impl(self, options(*args, **kwargs))

        wrapper: Any = functools.update_wrapper(method, impl)
        del wrapper.__wrapped__
        own = inspect.signature(impl)
        params = list(inspect.signature(options).parameters.values())
        wrapper.__signature__ = own.replace(
            parameters=[next(iter(own.parameters.values())), *params]
        )
        wrapper.__annotations__ = {
            **{p.name: p.annotation for p in params},
            "return": own.return_annotation,
        }
        return cast("Callable[Concatenate[Credits, _P], _T]", method)

    return decorate


class Credits:
    """``open_router.credits``: the credits operations."""

    def __init__(self, sdk: OpenRouter) -> None:
        self._sdk = sdk

    @_takes_options(_Call)
    def get_credits(self, call: _Call) -> GetCreditsResponse:
        """Total credits purchased and used (``GET /credits``; needs a management key)."""
        return self._sdk._get_credits(call)

    @_takes_options(_Call)
    async def get_credits_async(self, call: _Call) -> GetCreditsResponse:
        """The async form of :meth:`get_credits`."""
        return await self._sdk._get_credits_async(call)


# --- helpers shared by the sync and async paths (no I/O) ------------------------------


def _retry_config(value: RetryConfig | Unset | None, default: RetryConfig) -> RetryConfig:
    if isinstance(value, Unset):
        return default
    if value is None:
        return NO_RETRIES
    if not isinstance(value, RetryConfig):
        raise TypeError(f"retries must be a RetryConfig or None, got {type(value).__name__}")
    return value


def _check_timeout(timeout_ms: float | None) -> float | None:
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


_DEFAULT_TIMEOUT: Final = httpx.Timeout(DEFAULT_TIMEOUT_MS / 1000)


def _timeout(timeout_ms: float | None) -> httpx.Timeout | None:
    return None if timeout_ms is None else httpx.Timeout(timeout_ms / 1000)


def _credits_url(server_url: str) -> httpx.URL:
    """The operation's URL under ``server_url`` (the path comes from the generated code)."""
    return httpx.URL(server_url.rstrip("/") + _op._get_kwargs()["url"])


def _server_url(server: str | None, url: str | None, params: Mapping[str, str] | None) -> str:
    """The base URL from ``server`` / ``server_url`` / ``url_params``, as the official SDK."""
    if url is None:
        if server is not None and server not in SERVERS:
            raise ValueError(f"server {server!r} is not one of {sorted(SERVERS)}")
        return SERVERS[server or "production"]
    for name, value in (params or {}).items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(f"url_params must map str to str, got {name!r}: {value!r}")
        url = url.replace("{" + name + "}", value)
    if "{" in url:
        raise ValueError(f"server_url {url!r} has a {{variable}} that url_params does not give")
    return url


def _debug_logger(given: DebugLogger | None) -> DebugLogger | None:
    if given is not None:
        if not callable(getattr(given, "debug", None)):
            raise TypeError("debug_logger must have a debug() method, like a logging.Logger")
        return given
    if os.environ.get(DEBUG_ENV):
        logging.basicConfig(level=logging.DEBUG)  # what the official SDK does
        return logger
    return None


def _loggable(url: httpx.URL) -> str:
    """``url`` without any userinfo (``netloc`` is host and port only)."""
    return f"{url.scheme}://{url.netloc.decode('ascii')}{url.raw_path.decode('ascii')}"


@attrs.define
class _Attempts(RetryState):
    """A call's RetryState, plus where its debug records go."""

    debug: DebugLogger | None = None


def _check_server_url(url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(f"server_url {url!r} is not a valid URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"server_url {url!r} must be an http:// or https:// URL with a host")
    return url


#: What one attempt gives: a read response, a transport failure, or a response whose body
#: could not be taken (too large, undecodable) but whose status still counts for retries.
_Outcome = httpx.Response | httpx.TransportError | errors.ResponseValidationError


def _decide(state: _Attempts, outcome: _Outcome, request: httpx.Request) -> httpx.Response | float:
    """Ask the retry core about one attempt: the final response, or seconds to wait.

    A failure that is not retried (any more) is raised: a transport error as a
    NoResponseError, an unreadable body as its ResponseValidationError.
    """
    if state.debug is not None:
        _debug_outcome(state, outcome, request)
    if isinstance(outcome, httpx.TransportError):
        failure = _transport.classify(outcome)
        wait = state.after_failure(failure, type(outcome).__name__)
        if wait is None:
            raise _transport.no_response(outcome, failure, state.attempts, request) from outcome
    elif isinstance(outcome, errors.ResponseValidationError):
        wait = state.after_status(outcome.status_code, outcome.headers)
        if wait is None:
            raise outcome
    else:
        wait = state.after_status(outcome.status_code, outcome.headers)
        if wait is None:
            return outcome
    logger.info(
        "retrying %s %s after %s: attempt %d of %d in %.2f s",
        request.method,
        request.url.path,
        state.last_reason,
        state.attempts,
        state.config.max_attempts,
        wait,
    )
    if state.debug is not None:
        state.debug.debug(
            "request %s %s (attempt %d, after %.2f s)",
            request.method,
            _loggable(request.url),
            state.attempts,
            wait,
        )
    return wait


def _debug_outcome(state: _Attempts, outcome: _Outcome, request: httpx.Request) -> None:
    assert state.debug is not None
    what = (
        f"no response ({type(outcome).__name__})"
        if isinstance(outcome, httpx.TransportError)
        else f"response {outcome.status_code}"
    )
    state.debug.debug(
        "%s to %s %s (attempt %d, %.3f s since the call started)",
        what,
        request.method,
        _loggable(request.url),
        state.attempts,
        state.clock() - state.started,
    )
