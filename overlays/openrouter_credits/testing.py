"""A stand-in OpenRouter server for ``GET /credits``, to test code against this client offline.

It runs on 127.0.0.1 (a free port by default) in background threads, answers
``GET``/``HEAD /api/v1/credits`` with replies you script, records every request, and can
misbehave on the wire (reset, hang, close mid-body, trickle, gzip: see `Fault`)::

    from openrouter_credits.testing import Fault, Reply, StandInServer

    with StandInServer() as server:
        server.script(Reply(status=503, headers={"Retry-After": "0"}), Reply(fault=Fault.RESET))
        ...  # call the client with server_url=server.base_url: 503, reset, then the default
        assert server.requests[0].headers["authorization"] == "Bearer sk-test"

``python -m openrouter_credits.testing [--port N] [--host H]`` runs it in the foreground and
prints its base URL on the first line of standard output; Ctrl-C or SIGTERM stop it.

Standard library only.
"""

from __future__ import annotations

import argparse
import contextlib
import email.message
import enum
import gzip
import json
import selectors
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import types
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import urlsplit

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
_HOLD_SECONDS: Final = 30.0  # how long Fault.NO_HEADERS holds a connection at most
_IDLE_SECONDS: Final = 60.0  # idle keep-alive connections are closed after this
_JSON: Final = "application/json"


def _dump(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _error_body(code: int, message: str) -> bytes:
    return _dump({"error": {"code": code, "message": message}})


_EXAMPLE_BODY: Final = _dump(EXAMPLE_CREDITS)
# The spec's example error bodies, for Reply(status=401/403/500) without a body.
_EXAMPLE_ERRORS: Final[Mapping[int, bytes]] = types.MappingProxyType(
    {
        401: _error_body(401, "Missing Authentication header"),
        403: _error_body(403, "Only management keys can perform this operation"),
        500: _error_body(500, "Internal Server Error"),
    }
)


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
    """A request as the stand-in server received it."""

    method: str
    path: str
    """The request target as sent, query string included: ``/api/v1/credits?x=1``."""
    headers: email.message.Message
    """Case-insensitive: ``headers["authorization"]``; ``headers.get_all(name)`` for repeats."""
    body: bytes
    received_at: float
    """``time.monotonic()`` when the request headers had been read."""
    connection: int
    """Serial number (from 1) of the TCP connection that carried the request."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` with nothing listening (connecting to it is refused)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    return port


class _HTTPServer(ThreadingHTTPServer):
    """One run of a `StandInServer`: tracks its connections and handler threads."""

    daemon_threads = True
    block_on_close = False  # stop() joins the handler threads itself, with a deadline
    request_queue_size = 1024  # many concurrent clients connect at once

    def __init__(self, stand_in: StandInServer, address: tuple[str, int]) -> None:
        self.stand_in = stand_in
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.open: dict[socket.socket, int] = {}  # open connection -> serial number
        self.workers: set[threading.Thread] = set()
        self.serial = 0
        self._wake_send, self._wake_recv = socket.socketpair()  # closed by server_close
        super().__init__(address, _Handler)  # binds and listens; on error, server_close
        self.socket.setblocking(False)

    def serve(self) -> None:
        """Accept connections until `wake` (serve_forever would poll for its shutdown)."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_recv, selectors.EVENT_READ)
            while not self.stopping.is_set():
                for key, _ in selector.select():
                    if key.fileobj is self.socket and not self.stopping.is_set():
                        self._accept()

    def _accept(self) -> None:
        try:
            request, client_address = self.get_request()
        except OSError:  # nothing to accept after all (the client left), or closed
            return
        try:
            self.process_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
            self.shutdown_request(request)

    def wake(self) -> None:
        """Make `serve` return (after `stopping` is set)."""
        with contextlib.suppress(OSError):
            self._wake_send.send(b"x")

    def server_close(self) -> None:
        super().server_close()
        self._wake_send.close()
        self._wake_recv.close()

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (socket.getfqdn): slow, not needed.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        assert isinstance(request, socket.socket)
        with self.lock:
            self.serial += 1
            self.open[request] = self.serial
            worker = threading.Thread(
                target=self.process_request_thread,
                args=(request, client_address),
                name=f"stand-in-connection-{self.serial}",
                daemon=True,
            )
            self.workers.add(worker)
        self.stand_in._connection_accepted()
        worker.start()

    def process_request_thread(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.lock:
                self.workers.discard(threading.current_thread())

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        assert isinstance(request, socket.socket)
        with self.lock:
            self.open.pop(request, None)
            super().shutdown_request(request)

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        # Clients going away (and anything while stopping) are normal here; print real bugs.
        error = sys.exc_info()[1]
        if not (self.stopping.is_set() or isinstance(error, OSError)):
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Wake every handler blocked on its connection (read, write or select)."""
        with self.lock:
            for sock in self.open:
                with contextlib.suppress(OSError):  # already closed, or not connected
                    sock.shutdown(socket.SHUT_RDWR)

    def force_close(self) -> None:
        with self.lock:
            for sock in self.open:
                sock.close()
            self.open.clear()


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse connections
    server_version = "openrouter-credits-stand-in"
    disable_nagle_algorithm = True  # small writes (trickle) leave at once
    timeout = _IDLE_SECONDS

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: no line on standard error per request

    @property
    def _httpd(self) -> _HTTPServer:
        assert isinstance(self.server, _HTTPServer)
        return self.server

    def do_GET(self) -> None:
        self._respond()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _respond(self) -> None:
        httpd = self._httpd
        received_at = time.monotonic()
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad request body framing")
            return
        with httpd.lock:
            connection = httpd.open.get(self.connection, 0)
        httpd.stand_in._record(
            RecordedRequest(self.command, self.path, self.headers, body, received_at, connection)
        )
        route = urlsplit(self.path).path
        if route != _CREDITS_PATH:
            reply = Reply(404, body=_error_body(404, f"Not Found: {route}"), content_type=_JSON)
        elif self.command not in ("GET", "HEAD"):
            reply = Reply(
                405,
                body=_error_body(405, "Method Not Allowed"),
                content_type=_JSON,
                headers={"Allow": "GET, HEAD"},
            )
        else:
            reply = httpd.stand_in._next_reply()
        self._send(reply)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline(65537).split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError(length)
        return self.rfile.read(length)

    def _send(self, reply: Reply) -> None:
        stopping = self._httpd.stopping
        if reply.delay and stopping.wait(reply.delay):
            self.close_connection = True
            return
        fault = reply.fault
        if fault is Fault.RESET:
            self._reset()
            return
        if fault is Fault.NO_HEADERS:
            self._hold()
            return

        payload, content_type = reply.payload()
        extra = {name.lower() for name in reply.headers}
        headers: list[tuple[str, str]] = []

        def add(name: str, value: str) -> None:
            if name.lower() not in extra:
                headers.append((name, value))

        add("Server", self.version_string())
        add("Date", self.date_time_string())
        if content_type is not None:
            add("Content-Type", content_type)
        if fault is Fault.GZIP:
            payload = gzip.compress(payload, mtime=0)
            add("Content-Encoding", "gzip")
        declared = len(payload)
        if fault is Fault.SHORT_BODY:
            declared += max(1, len(payload))
        elif fault is Fault.CLOSE_MID_BODY:
            payload = payload[: len(payload) // 2]
        elif fault is Fault.CLOSE_AFTER_HEADERS:
            payload = b""
        if reply.status >= 200 and reply.status not in (204, 304):
            add("Content-Length", str(declared))
        else:
            payload = b""
        if self.close_connection:  # the client asked for it (Connection: close, HTTP/1.0)
            add("Connection", "close")
        headers.extend(reply.headers.items())
        for name, value in reply.headers.items():
            if name.lower() == "connection" and value.strip().lower() == "close":
                self.close_connection = True
        if self.command == "HEAD":
            payload = b""
        if fault in (Fault.SHORT_BODY, Fault.CLOSE_MID_BODY, Fault.CLOSE_AFTER_HEADERS):
            self.close_connection = True

        phrase = self.responses.get(reply.status, ("", ""))[0]
        head = f"{self.protocol_version} {reply.status} {phrase}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
        if fault is Fault.TRICKLE:
            self.wfile.write(head.encode("latin-1"))
            for i in range(len(payload)):
                if stopping.wait(reply.trickle_interval):
                    self.close_connection = True
                    return
                self.wfile.write(payload[i : i + 1])
        else:
            self.wfile.write(head.encode("latin-1") + payload)

    def _reset(self) -> None:
        """Abort the connection: SO_LINGER 0 and close send an RST instead of a FIN."""
        self.close_connection = True
        sock = self.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # the socket really closes only when its last file is closed
        sock.close()

    def _hold(self) -> None:
        """Answer nothing until the client leaves, the server stops or the hold expires."""
        self.close_connection = True
        sock = self.connection
        stopping = self._httpd.stopping
        deadline = time.monotonic() + _HOLD_SECONDS
        with selectors.DefaultSelector() as selector:
            selector.register(sock, selectors.EVENT_READ)
            while not stopping.is_set() and (left := deadline - time.monotonic()) > 0:
                if selector.select(left):
                    try:
                        if not sock.recv(1, socket.MSG_PEEK):
                            return  # the client closed, or stop() shut the socket down
                    except OSError:
                        return
                    stopping.wait(min(left, 0.1))  # the client sent more: keep ignoring it


class StandInServer:
    """A stand-in OpenRouter ``/credits`` server on ``host`` (a free port by default).

    Use it as a context manager, or call `start` and `stop`. Replies queued with `script`
    are served in order, one per ``GET``/``HEAD /api/v1/credits`` request; then `default`
    (the spec's example, 200). Other paths get a 404 JSON error, other methods a 405.
    Every request is recorded (before the reply) in `requests`. Thread-safe.
    """

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._queue: deque[Reply] = deque()
        self._default = Reply()
        self._requests: list[RecordedRequest] = []
        self._connections = 0
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------

    def start(self) -> StandInServer:
        """Bind, listen and serve in a background thread; returns the server itself."""
        if self._httpd is not None:
            raise RuntimeError("the stand-in server is already running")
        server_class = _HTTPServer6 if ":" in self._host else _HTTPServer
        httpd = server_class(self, (self._host, self._port))
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve, name="stand-in-server", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop serving and close every connection, hung ones included (idempotent)."""
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        deadline = time.monotonic() + timeout
        httpd.stopping.set()  # ends delays, trickles and holds
        httpd.wake()  # no new connections
        thread.join()
        httpd.server_close()
        httpd.close_connections()  # wakes handlers blocked on their sockets
        with httpd.lock:
            workers = list(httpd.workers)
        for worker in workers:
            if worker.is_alive():
                worker.join(max(0.0, deadline - time.monotonic()))
        httpd.force_close()  # only sockets of handlers that did not finish in time
        self._httpd = self._thread = None

    def __enter__(self) -> StandInServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- where it is --------------------------------------------------------------------

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
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}{_BASE_PATH}"

    # -- replies --------------------------------------------------------------------------

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

    # -- what happened --------------------------------------------------------------------

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

    def _next_reply(self) -> Reply:
        with self._lock:
            return self._queue.popleft() if self._queue else self._default

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _connection_accepted(self) -> None:
        with self._lock:
            self._connections += 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the stand-in server in the foreground until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="python -m openrouter_credits.testing",
        description="Run a stand-in OpenRouter /credits server; print its base URL first.",
    )
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    args = parser.parse_args(argv)

    def interrupt(signum: int, frame: types.FrameType | None) -> None:
        raise KeyboardInterrupt

    # Explicit for both, so Ctrl-C works even where SIGINT was ignored at start-up.
    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    server = StandInServer(port=args.port, host=args.host)
    try:
        try:
            server.start()
        except OSError as error:
            print(f"cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
            return 1
        print(server.base_url, flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


if __name__ == "__main__":
    raise SystemExit(main())
