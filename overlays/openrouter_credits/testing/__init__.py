"""A stand-in OpenRouter server for ``GET /credits``, to test code against this client offline.

It runs on 127.0.0.1 (a free port by default) in background threads, answers
``GET``/``HEAD /api/v1/credits`` with replies you script, records every request, and can
misbehave on the wire (see `Fault`)::

    from openrouter_credits.testing import Fault, Reply, StandInServer

    with StandInServer() as server:
        server.script(Reply(status=503, headers={"Retry-After": "0"}), Reply(fault=Fault.RESET))
        ...  # call the client with server_url=server.base_url: 503, reset, then the default
        assert server.requests[0].headers["authorization"] == "Bearer sk-test"

``python -m openrouter_credits.testing`` runs it from the command line (`._cli`);
the HTTP side, one method per fault, is `._wire`. README.md, "Testing your code
against the stand-in server", documents both. Standard library only.
"""

from __future__ import annotations

import email.message
import enum
import json
import socket
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from ._wire import WireServer

__all__ = [
    "EXAMPLE_CREDITS",
    "Fault",
    "RecordedRequest",
    "Reply",
    "StandInServer",
    "free_port",
    "main",
]

#: The body of the spec's example ``200`` reply (``openapi.yaml``), served by default.
EXAMPLE_CREDITS: Final[dict[str, Any]] = {"data": {"total_credits": 100.5, "total_usage": 25.75}}

_BASE_PATH: Final = "/api/v1"
_CREDITS_PATH: Final = _BASE_PATH + "/credits"
_POLL_SECONDS: Final = 0.01  # serve_forever polls for shutdown(): stop() waits this at most
_JSON: Final = "application/json"


def _dump(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _error_body(code: int, message: str) -> bytes:
    return _dump({"error": {"code": code, "message": message}})


_EXAMPLE_BODY: Final = _dump(EXAMPLE_CREDITS)
# The spec's example error bodies, for Reply(status=401/403/500) without a body.
_EXAMPLE_ERRORS: Final[Mapping[int, bytes]] = {
    401: _error_body(401, "Missing Authentication header"),
    403: _error_body(403, "Only management keys can perform this operation"),
    500: _error_body(500, "Internal Server Error"),
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
                return _EXAMPLE_BODY, self.content_type or _JSON
            if self.status in _EXAMPLE_ERRORS:
                return _EXAMPLE_ERRORS[self.status], self.content_type or _JSON
            return b"", self.content_type
        if isinstance(body, bytes):
            return body, self.content_type
        if isinstance(body, str):
            return body.encode(), self.content_type or "text/plain; charset=utf-8"
        return _dump(body if isinstance(body, list) else dict(body)), self.content_type or _JSON


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


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` (IPv4) with nothing listening (connecting to it is refused)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    return port


class StandInServer:
    """A stand-in OpenRouter ``/credits`` server on ``host`` (a free port by default).

    Use it as a context manager, or call `start` and `stop`. Replies queued with `script`
    are served in order, one per ``GET``/``HEAD /api/v1/credits`` request; then `default`
    (the spec's example, 200). Other paths get a 404 JSON error, other methods a 405.
    Every request is recorded (before the reply) in `requests`. Thread-safe. IPv4 only.
    """

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._queue: deque[Reply] = deque()
        self._default = Reply()
        self._requests: list[RecordedRequest] = []
        self._connections = 0
        self._httpd: WireServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> StandInServer:
        """Bind, listen and serve in a background thread; returns the server itself."""
        if self._httpd is not None:
            raise RuntimeError("the stand-in server is already running")
        self._httpd = WireServer(self, (self._host, self._port))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            args=(_POLL_SECONDS,),
            name="stand-in-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop serving and close every connection, hung ones included (idempotent)."""
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        httpd.stopping.set()
        httpd.shutdown()  # serve_forever returns: no new connections
        thread.join()
        httpd.server_close()
        httpd.close_connections(timeout)
        self._httpd = self._thread = None

    def __enter__(self) -> StandInServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        """The port listened on (known before `start` only if one was asked for)."""
        if self._httpd is not None:
            return int(self._httpd.server_address[1])
        if self._port:
            return self._port
        raise RuntimeError("the stand-in server has no port before start()")

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/api/v1``: the ``server_url`` to give the client."""
        return f"http://{self._host}:{self.port}{_BASE_PATH}"

    def script(self, *replies: Reply) -> None:
        """Queue replies, served in order, one per request, before the default."""
        for reply in replies:
            if not isinstance(reply, Reply):
                raise TypeError(f"expected Reply, got {type(reply).__name__}")
        with self._lock:
            self._queue.extend(replies)

    @property
    def default(self) -> Reply:
        """The reply used when the script is empty (the spec's example 200 at first)."""
        return self._default

    @default.setter
    def default(self, reply: Reply) -> None:
        if not isinstance(reply, Reply):
            raise TypeError(f"expected Reply, got {type(reply).__name__}")
        self._default = reply

    @property
    def pending(self) -> int:
        """How many scripted replies have not been served yet."""
        with self._lock:
            return len(self._queue)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def connections(self) -> int:
        """TCP connections accepted so far."""
        with self._lock:
            return self._connections

    def reset(self) -> None:
        """Forget scripted replies, recorded requests and the connection count.

        `default` is kept; open connections stay open.
        """
        with self._lock:
            self._queue.clear()
            self._requests.clear()
            self._connections = 0

    # -- called by the handler threads -------------------------------------------------

    def _reply_to(
        self,
        method: str,
        path: str,
        headers: email.message.Message,
        received_at: float,
        connection: int,
    ) -> Reply:
        """Record a request; the reply to it: the next scripted one, or a 404 or 405."""
        route = urlsplit(path).path
        with self._lock:
            self._requests.append(RecordedRequest(method, path, headers, received_at, connection))
            if route != _CREDITS_PATH:
                return Reply(404, _error_body(404, f"Not Found: {route}"), content_type=_JSON)
            if method not in ("GET", "HEAD"):
                body = _error_body(405, "Method Not Allowed")
                return Reply(405, body, {"Allow": "GET, HEAD"}, content_type=_JSON)
            return self._queue.popleft() if self._queue else self._default

    def _connection_accepted(self) -> None:
        with self._lock:
            self._connections += 1


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m openrouter_credits.testing``: see `._cli`."""
    from ._cli import main as cli_main  # the command line is not needed to import this

    return cli_main(argv)
