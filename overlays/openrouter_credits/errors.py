"""The exceptions this package raises (the official SDK's names, plus a few more).

::

    OpenRouterBaseError              every error this package raises
    ├── MissingAPIKeyError           no key: raised before any request (also a ValueError)
    ├── OpenRouterError              a response came back: status_code, body, headers, raw_response
    │   ├── UnauthorizedResponseError    401, .data: UnauthorizedResponse | None
    │   ├── ForbiddenResponseError       403, .data: ForbiddenResponse | None
    │   ├── InternalServerResponseError  500, .data: InternalServerResponse | None
    │   ├── OpenRouterDefaultError       any other status that is not a success
    │   └── ResponseValidationError      a success whose body is not the documented JSON
    └── NoResponseError              no response after the retries (also httpx.TransportError)
        ├── APIConnectionError       connection refused, reset, TLS failure, broken response
        └── APITimeoutError          any timeout (also httpx.TimeoutException)

    InsecureTransportWarning         a warning, not an error: the key would travel unencrypted

``.data`` is ``None`` when a documented error status came with a body that is not the
documented JSON (a proxy's HTML page, say); the exception type still tells the status.

The attributes hold what the official SDK's do (``message`` is the server's message, or
the official ``"API error occurred: Status ..."`` text); ``str(e)`` is the fuller
explanation. ``NoResponseError`` is also an ``httpx.TransportError`` (and
``APITimeoutError`` an ``httpx.TimeoutException``), so handlers written for the official
SDK, which lets httpx's errors through, still catch it. No message, ``body`` or ``data``
holds the API key (README "Errors"); ``raw_response`` is the untouched response.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

import httpx

if TYPE_CHECKING:
    from . import models  # noqa: F401 (named in quotes below)

__all__ = [
    "APIConnectionError",
    "APITimeoutError",
    "ForbiddenResponseError",
    "InsecureTransportWarning",
    "InternalServerResponseError",
    "MissingAPIKeyError",
    "NoResponseError",
    "OpenRouterBaseError",
    "OpenRouterDefaultError",
    "OpenRouterError",
    "ResponseValidationError",
    "UnauthorizedResponseError",
]


class OpenRouterBaseError(Exception):
    """The base of every exception this package raises.

    ``message``: what the official SDK's exception holds; ``str(e)``: ``explanation`` when
    given (what went wrong and what to do), else ``message``.
    """

    def __init__(self, message: str, *, explanation: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self._explanation = explanation or message

    def __str__(self) -> str:
        return self._explanation


class MissingAPIKeyError(OpenRouterBaseError, ValueError):
    """No API key was given and ``OPENROUTER_API_KEY`` is not set (or is empty)."""


class OpenRouterError(OpenRouterBaseError):
    """The server answered, but not with the credits: see ``status_code`` and ``body``."""

    def __init__(
        self,
        message: str,
        raw_response: httpx.Response,
        body: str | None = None,
        *,
        explanation: str | None = None,
    ) -> None:
        super().__init__(message, explanation=explanation)
        self.raw_response = raw_response
        self.status_code: int = raw_response.status_code
        self.headers: httpx.Headers = raw_response.headers
        self.body: str = body if body is not None else response_text(raw_response)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, message={self.message!r})"


_Data = TypeVar("_Data")


class _DocumentedError(OpenRouterError, Generic[_Data]):
    def __init__(
        self,
        message: str,
        raw_response: httpx.Response,
        data: _Data | None,
        body: str | None = None,
        *,
        explanation: str | None = None,
    ) -> None:
        super().__init__(message, raw_response, body, explanation=explanation)
        self.data: _Data | None = data


class UnauthorizedResponseError(_DocumentedError["models.UnauthorizedResponse"]):
    """401: the key is missing, malformed, revoked or unknown."""


class ForbiddenResponseError(_DocumentedError["models.ForbiddenResponse"]):
    """403: the key is valid but may not read credits (``/credits`` needs a management key)."""


class InternalServerResponseError(_DocumentedError["models.InternalServerResponse"]):
    """500: OpenRouter failed (after the retries)."""


class OpenRouterDefaultError(OpenRouterError):
    """Any other non-success status (other 4XX, 5XX, 3XX redirects, undocumented codes)."""


class ResponseValidationError(OpenRouterError):
    """A success status whose body is not the documented JSON; the cause is chained."""


class NoResponseError(OpenRouterBaseError, httpx.TransportError):
    """No usable response after the retries; ``__cause__`` is the httpx exception.

    Also an ``httpx.TransportError`` (so ``httpx.HTTPError``): the official SDK raises
    httpx's own exceptions here, and code migrated from it catches those.
    """

    def __init__(self, message: str, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


class APIConnectionError(NoResponseError):
    """The connection failed or broke: refused, reset, TLS, a truncated response."""


class APITimeoutError(NoResponseError, httpx.TimeoutException):
    """Connecting, sending, waiting for or reading the response took too long."""


class InsecureTransportWarning(UserWarning):
    """A plain ``http://`` server URL would carry the key to a host that is not this
    machine, unencrypted (docs/client.md#the-key-over-plain-http)."""


def response_text(response: httpx.Response) -> str:
    """The body as text for ``.body`` and error messages; never raises (not in ``__all__``)."""
    try:
        content = response.content
    except httpx.ResponseNotRead:
        return ""
    # Not response.text: the server's charset may name a codec that raises on any input
    # (utf-16 without a BOM, 'undefined') or is not a text codec at all (hex, base64).
    try:
        return content.decode(response.charset_encoding or "utf-8", errors="replace")
    except (LookupError, UnicodeError):
        return content.decode("utf-8", errors="replace")
