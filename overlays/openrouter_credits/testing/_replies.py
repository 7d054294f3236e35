"""The stand-in server's data: the replies it can be scripted with (`Reply`, `Fault`), the
requests it records (`RecordedRequest`) and the bodies it serves by default. Re-exported by
`openrouter_credits.testing`. Standard library only.
"""

from __future__ import annotations

import email.message
import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

#: The body of the spec's example ``200`` reply (``openapi.yaml``), served by default.
EXAMPLE_CREDITS: Final[dict[str, Any]] = {"data": {"total_credits": 100.5, "total_usage": 25.75}}

BASE_PATH: Final = "/api/v1"
CREDITS_PATH: Final = BASE_PATH + "/credits"
JSON: Final = "application/json"


def _dump(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def error_body(code: int, message: str) -> bytes:
    return _dump({"error": {"code": code, "message": message}})


_EXAMPLE_BODY: Final = _dump(EXAMPLE_CREDITS)
# The spec's example error bodies, for Reply(status=401/403/500) without a body.
_EXAMPLE_ERRORS: Final[Mapping[int, bytes]] = {
    401: error_body(401, "Missing Authentication header"),
    403: error_body(403, "Only management keys can perform this operation"),
    500: error_body(500, "Internal Server Error"),
}


class Fault(enum.Enum):
    """Wire-level misbehaviour for a `Reply`; each one really happens on the socket.

    A refused connection needs no fault: connect to `free_port()`.
    """

    RESET = "reset"
    """Close the connection with a TCP RST (``SO_LINGER`` 0) before any response bytes."""
    CLOSE_AFTER_HEADERS = "close-after-headers"
    """Send the status line and headers (with ``Content-Length``), then close."""
    CLOSE_MID_BODY = "close-mid-body"
    """Send the headers and the first half of the body, then close."""
    SHORT_BODY = "short-body"
    """Send the whole body under a ``Content-Length`` twice as large (+1 at least), then close."""
    NO_HEADERS = "no-headers"
    """Read the request, never answer; hold the connection until the client leaves, the
    server stops or 30 s pass, then close."""
    TRICKLE = "trickle"
    """Send the headers, then the body one byte every ``Reply.trickle_interval`` seconds."""
    GZIP = "gzip"
    """Send the body gzip-compressed with ``Content-Encoding: gzip`` (valid)."""


@dataclass(frozen=True)
class Reply:
    """One scripted reply.

    ``body``: a mapping or a list is sent as JSON (``application/json``); ``str`` as UTF-8
    (``text/plain; charset=utf-8``); ``bytes`` as they are (no ``Content-Type`` unless
    ``content_type`` is given); ``None`` is the spec's example body for 200, 401, 403 and
    500 and empty for any other status. ``content_type`` overrides the content type.
    ``headers`` are extra response headers (``Retry-After``, ``Location``, ...); they replace
    computed headers of the same name. ``delay`` waits before the response headers;
    ``fault`` makes the reply misbehave; ``trickle_interval`` paces `Fault.TRICKLE`.
    """

    status: int = 200
    body: bytes | str | Mapping[str, Any] | list[Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = None
    delay: float = 0.0
    fault: Fault | None = None
    trickle_interval: float = 0.2

    def __post_init__(self) -> None:
        if not 100 <= self.status <= 999:
            raise ValueError(f"status must be a three-digit HTTP status, got {self.status}")
        if self.delay < 0 or self.trickle_interval < 0:
            raise ValueError("delay and trickle_interval must not be negative")
        object.__setattr__(self, "headers", dict(self.headers))

    def payload(self) -> tuple[bytes, str | None]:
        """The body bytes and content type this reply sends (before any fault)."""
        body = self.body
        if body is None:
            if self.status == 200:
                return _EXAMPLE_BODY, self.content_type or JSON
            if self.status in _EXAMPLE_ERRORS:
                return _EXAMPLE_ERRORS[self.status], self.content_type or JSON
            return b"", self.content_type
        if isinstance(body, bytes):
            return body, self.content_type
        if isinstance(body, str):
            return body.encode(), self.content_type or "text/plain; charset=utf-8"
        return _dump(body if isinstance(body, list) else dict(body)), self.content_type or JSON


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the stand-in server received it (its body, if any, is not read)."""

    method: str
    path: str
    """The request target as sent, query string included: ``/api/v1/credits?x=1``."""
    headers: email.message.Message
    """Case-insensitive: ``headers["authorization"]``; ``headers.get_all(name)`` for repeats."""
    received_at: float
    """``time.monotonic()`` when the request headers had been read."""
    connection: int
    """Serial number (from 1) of the TCP connection that carried the request."""
