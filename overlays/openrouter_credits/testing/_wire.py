"""The stand-in server's HTTP side: connections, requests, and one small method per fault.

Private to `openrouter_credits.testing`: `._server` holds the routing and the state and
hands this module two callbacks, one giving the reply to each request and one told of each
connection. Standard library only.
"""

from __future__ import annotations

import contextlib
import gzip
import selectors
import socket
import socketserver
import struct
import sys
import threading
import time
from collections.abc import Callable
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final

from ._replies import Reply

HOLD_SECONDS: Final = 30.0  # how long Fault.NO_HEADERS holds a connection at most
IDLE_SECONDS: Final = 60.0  # idle keep-alive connections are closed after this


def _has_body(status: int) -> bool:
    return status >= 200 and status not in (204, 304)


class WireServer(ThreadingHTTPServer):
    """One run of a `StandInServer`: numbers its connections and can close them all."""

    daemon_threads = True
    block_on_close = False  # stop() waits for the handlers itself, with a deadline
    request_queue_size = 1024  # many concurrent clients connect at once

    def __init__(
        self,
        address: tuple[str, int],
        reply_to: Callable[[str, str, Message, float, int], Reply],
        connected: Callable[[], None],
    ) -> None:
        self.reply_to = reply_to  # (method, path, headers, received at, connection) -> Reply
        self.connected = connected
        self.stopping = threading.Event()  # ends delays, trickles and holds
        self.changed = threading.Condition()  # guards open; notified when one closes
        self.open: dict[socket.socket, int] = {}  # open connection -> serial number
        self.serial = 0
        super().__init__(address, Handler)  # binds and listens; on error, server_close

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (socket.getfqdn): slow, not needed.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.changed:
            self.serial += 1
            self.open[request] = self.serial
        self.connected()
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


class Handler(BaseHTTPRequestHandler):
    """Answers one connection: routing, then one small method per `Fault`."""

    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse connections
    server_version = "openrouter-credits-stand-in"
    disable_nagle_algorithm = True  # small writes (trickle) leave at once
    timeout = IDLE_SECONDS
    server: WireServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: no line on standard error per request

    def do_GET(self) -> None:
        received_at = time.monotonic()
        with self.server.changed:
            connection = self.server.open.get(self.connection, 0)
        if self.headers.get("Content-Length", "0") != "0" or "Transfer-Encoding" in self.headers:
            self.close_connection = True  # a body is never read: the connection can't go on
        reply = self.server.reply_to(self.command, self.path, self.headers, received_at, connection)
        if reply.delay and self.server.stopping.wait(reply.delay):
            self.close_connection = True
            return
        getattr(self, "_" + (reply.fault.name.lower() if reply.fault else "no_fault"))(reply)

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _head(self, reply: Reply, length: int, encoding: str | None = None) -> bytes:
        """The status line and headers: computed ones, then the reply's own."""
        computed = {
            "Server": self.version_string(),
            "Date": self.date_time_string(),
            "Content-Type": reply.payload()[1],
            "Content-Encoding": encoding,
            "Content-Length": str(length) if _has_body(reply.status) else None,
            "Connection": "close" if self.close_connection else None,  # the client asked
        }
        own = {name.lower() for name in reply.headers}
        headers = [(k, v) for k, v in computed.items() if v is not None and k.lower() not in own]
        headers += reply.headers.items()
        if any(k.lower() == "connection" and v.strip().lower() == "close" for k, v in headers):
            self.close_connection = True
        phrase = self.responses.get(reply.status, ("", ""))[0]
        lines = [f"{self.protocol_version} {reply.status} {phrase}"]
        lines += [f"{name}: {value}" for name, value in headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _sent(self, reply: Reply, body: bytes) -> bytes:
        """``body``, or nothing for a ``HEAD`` and statuses without a body."""
        return body if _has_body(reply.status) and self.command != "HEAD" else b""

    # -- one method per fault (_no_fault: none) -------------------------------------------

    def _no_fault(self, reply: Reply) -> None:
        body = reply.payload()[0]
        self.wfile.write(self._head(reply, len(body)) + self._sent(reply, body))

    def _gzip(self, reply: Reply) -> None:
        body = gzip.compress(reply.payload()[0], mtime=0)
        self.wfile.write(self._head(reply, len(body), "gzip") + self._sent(reply, body))

    def _close_after_headers(self, reply: Reply) -> None:
        self.wfile.write(self._head(reply, len(reply.payload()[0])))
        self.close_connection = True

    def _close_mid_body(self, reply: Reply) -> None:
        body = reply.payload()[0]
        half = self._sent(reply, body[: len(body) // 2])
        self.wfile.write(self._head(reply, len(body)) + half)
        self.close_connection = True

    def _short_body(self, reply: Reply) -> None:
        body = reply.payload()[0]
        self.wfile.write(self._head(reply, max(1, 2 * len(body))) + self._sent(reply, body))
        self.close_connection = True

    def _trickle(self, reply: Reply) -> None:
        body = reply.payload()[0]
        self.wfile.write(self._head(reply, len(body)))
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
        """Answer nothing until the client leaves, the server stops or the hold expires."""
        self.close_connection = True
        sock, stopping = self.connection, self.server.stopping
        deadline = time.monotonic() + HOLD_SECONDS
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
