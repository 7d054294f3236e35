"""The stand-in server's data: the replies it can be scripted with (`Reply`, `Fault`), the
requests it records (`RecordedRequest`) and the bodies it serves by default; documented in
docs/testing.md. Re-exported by `openrouter_credits.testing`. Standard library only.
"""

from __future__ import annotations

import email.message
import enum
import json
import math
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
    """Wire-level misbehaviour for a `Reply`, each one really on the socket: the table in
    docs/testing.md. A refused connection needs no fault: connect to `free_port()`."""

    RESET = "reset"
    CLOSE_AFTER_HEADERS = "close-after-headers"
    CLOSE_MID_BODY = "close-mid-body"
    SHORT_BODY = "short-body"
    NO_HEADERS = "no-headers"
    TRICKLE = "trickle"
    GZIP = "gzip"


@dataclass(frozen=True)
class Reply:
    """One scripted reply; its fields, their defaults and what each sends: docs/testing.md."""

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
        if not (0 <= self.delay < math.inf and 0 <= self.trickle_interval < math.inf):
            raise ValueError("delay and trickle_interval must be finite and not negative")
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
    """A request as the stand-in server received it (docs/testing.md); its body is not read."""

    method: str
    path: str  # the request target as sent, query string included
    headers: email.message.Message  # case-insensitive; get_all(name) for repeats
    received_at: float  # time.monotonic() when the request headers had been read
    connection: int  # serial number (from 1) of the TCP connection that carried it
