"""The stand-in server (`StandInServer`): the script of replies and the record of requests,
and its HTTP side, one small method per `Fault`. docs/testing.md documents it for users,
docs/maintaining/stand-in-server.md for maintainers. Re-exported by
`openrouter_credits.testing`. Standard library only.
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import socketserver
import struct
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler
from typing import Any, Final
from urllib.parse import urlsplit

from ._replies import BASE_PATH, CREDITS_PATH, JSON, RecordedRequest, Reply, error_body

HOLD_SECONDS: Final = 30.0  # how long Fault.NO_HEADERS holds a connection at most
IDLE_SECONDS: Final = 60.0  # idle keep-alive connections are closed after this


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` (IPv4) with nothing listening (connecting to it is refused)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    return port


class StandInServer:
    """A stand-in OpenRouter ``/credits`` server on ``host``, a free port by default (use it
    as a context manager, or call `start` and `stop`): docs/testing.md. Thread-safe."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._queue: deque[Reply] = deque()
        self._default = Reply()
        self._requests: list[RecordedRequest] = []
        self._connections = 0
        self._httpd: _WireServer | None = None

    def start(self) -> StandInServer:
        """Bind, listen and serve in a background thread; returns the server itself."""
        if self._httpd is not None:
            raise RuntimeError("the stand-in server is already running")
        self._httpd = httpd = _WireServer((self._host, self._port), self)
        # The loop polls for shutdown() every 10 ms: stop() waits that long at most.
        threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True).start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop serving and close every connection, hung ones included (idempotent)."""
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.stopping.set()
            httpd.shutdown()  # serve_forever has returned: no new connections
            httpd.server_close()
            httpd.close_connections(timeout)

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
        return f"http://{self._host}:{self.port}{BASE_PATH}"

    def script(self, *replies: Reply) -> None:
        """Queue replies, served in order, one per request, before the default."""
        for reply in replies:
            _check_reply(reply)
        with self._lock:
            self._queue.extend(replies)

    @property
    def default(self) -> Reply:
        """The reply used when the script is empty (the spec's example 200 at first)."""
        return self._default

    @default.setter
    def default(self, reply: Reply) -> None:
        self._default = _check_reply(reply)

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
        """Forget scripted replies, recorded requests and the connection count (not
        `default`; open connections stay open)."""
        with self._lock:
            self._queue.clear()
            self._requests.clear()
            self._connections = 0

    def _reply_to(self, request: RecordedRequest) -> Reply:
        """Record a request; the reply to it: the next scripted one, or a 404 or 405."""
        route = urlsplit(request.path).path
        with self._lock:
            self._requests.append(request)
            if route != CREDITS_PATH:
                return Reply(404, error_body(404, f"Not Found: {route}"), content_type=JSON)
            if request.method not in ("GET", "HEAD"):
                body = error_body(405, "Method Not Allowed")
                return Reply(405, body, {"Allow": "GET, HEAD"}, content_type=JSON)
            return self._queue.popleft() if self._queue else self._default


def _check_reply(reply: Reply) -> Reply:
    if not isinstance(reply, Reply):
        raise TypeError(f"expected Reply, got {type(reply).__name__}")
    return reply


def _has_body(status: int) -> bool:
    return status >= 200 and status not in (204, 304)


class _WireServer(socketserver.ThreadingTCPServer):
    """One run of a `StandInServer`: numbers its connections and can close them all."""

    allow_reuse_address = True  # as http.server's: a fixed port can be listened on again
    daemon_threads = True
    block_on_close = False  # close_connections waits for the handlers, with a deadline
    request_queue_size = 1024  # many concurrent clients connect at once

    def __init__(self, address: tuple[str, int], stand_in: StandInServer) -> None:
        self.stand_in = stand_in
        self.stopping = threading.Event()  # ends delays, trickles and holds
        self.changed = threading.Condition()  # guards open; notified when one closes
        self.open: dict[socket.socket, int] = {}  # open connection -> serial number
        self.serial = 0
        super().__init__(address, _Handler)  # binds and listens; on error, server_close

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.changed:
            self.serial += 1
            self.open[request] = self.serial
        with self.stand_in._lock:
            self.stand_in._connections += 1
        super().process_request(request, client_address)  # a thread per connection

    def shutdown_request(self, request: Any) -> None:
        with self.changed:
            self.open.pop(request, None)
            self.changed.notify_all()
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients going away (and anything while stopping) are normal here; print real bugs.
        if not (self.stopping.is_set() or isinstance(sys.exc_info()[1], OSError)):
            super().handle_error(request, client_address)

    def close_connections(self, timeout: float) -> None:
        """Wake every handler blocked on its connection, wait for them, close stragglers."""
        with self.changed:
            for sock in self.open:
                with contextlib.suppress(OSError):  # closed (a reset), or not connected
                    sock.shutdown(socket.SHUT_RDWR)
            self.changed.wait_for(lambda: not self.open, timeout)
            for sock in self.open:
                sock.close()


class _Handler(BaseHTTPRequestHandler):
    """Answers one connection: record and route, then one small method per `Fault`."""

    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse connections
    server_version = "openrouter-credits-stand-in"
    disable_nagle_algorithm = True  # small writes (trickle) leave at once
    timeout = IDLE_SECONDS
    server: _WireServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: no line on standard error per request

    def do_GET(self) -> None:
        received_at = time.monotonic()
        with self.server.changed:
            connection = self.server.open.get(self.connection, 0)
        if self.headers.get("Content-Length", "0") != "0" or "Transfer-Encoding" in self.headers:
            self.close_connection = True  # a body is never read: the connection can't go on
        request = RecordedRequest(self.command, self.path, self.headers, received_at, connection)
        reply = self.server.stand_in._reply_to(request)
        if reply.delay and self.server.stopping.wait(reply.delay):
            self.close_connection = True
            return
        getattr(self, "_" + (reply.fault.name.lower() if reply.fault else "no_fault"))(reply)

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _head(self, reply: Reply, length: int, encoding: str | None = None) -> None:
        """Send the status line and headers: computed ones, unless the reply has its own of
        the same name, then the reply's own (``Connection: close`` closes after the reply)."""
        computed = {
            "Server": self.version_string(),
            "Date": self.date_time_string(),
            "Content-Type": reply.payload()[1],
            "Content-Encoding": encoding,
            "Content-Length": str(length) if _has_body(reply.status) else None,
            "Connection": "close" if self.close_connection else None,  # the client asked
        }
        own = {name.lower() for name in reply.headers}
        self.send_response_only(reply.status)
        for name, value in computed.items():
            if value is not None and name.lower() not in own:
                self.send_header(name, value)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _sent(self, reply: Reply, body: bytes) -> bytes:
        """``body``, or nothing for a ``HEAD`` and statuses without a body."""
        return body if _has_body(reply.status) and self.command != "HEAD" else b""

    # -- one method per fault (_no_fault: none) -------------------------------------------

    def _no_fault(self, reply: Reply) -> None:
        body = reply.payload()[0]
        self._head(reply, len(body))
        self.wfile.write(self._sent(reply, body))

    def _gzip(self, reply: Reply) -> None:
        body = gzip.compress(reply.payload()[0], mtime=0)
        self._head(reply, len(body), "gzip")
        self.wfile.write(self._sent(reply, body))

    def _close_after_headers(self, reply: Reply) -> None:
        self._head(reply, len(reply.payload()[0]))
        self.close_connection = True

    def _close_mid_body(self, reply: Reply) -> None:
        body = reply.payload()[0]
        self._head(reply, len(body))
        self.wfile.write(self._sent(reply, body[: len(body) // 2]))
        self.close_connection = True

    def _short_body(self, reply: Reply) -> None:
        body = reply.payload()[0]
        self._head(reply, max(1, 2 * len(body)))
        self.wfile.write(self._sent(reply, body))
        self.close_connection = True

    def _trickle(self, reply: Reply) -> None:
        body = reply.payload()[0]
        self._head(reply, len(body))
        for byte in self._sent(reply, body):
            if self.server.stopping.wait(reply.trickle_interval):
                self.close_connection = True
                return
            self.wfile.write(bytes([byte]))

    def _reset(self, reply: Reply) -> None:
        """Abort the connection: SO_LINGER 0 and close send an RST instead of a FIN."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # the socket really closes only when its last file is closed
        self.connection.close()

    def _no_headers(self, reply: Reply) -> None:
        """Answer nothing until the server stops or the hold expires (the client's giving
        up is not watched for: it changes nothing the client can see)."""
        self.close_connection = True
        self.server.stopping.wait(HOLD_SECONDS)
