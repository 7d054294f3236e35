"""Servers the stand-in cannot be (raw bytes, TLS) and the ``Lab`` that starts and stops
the servers of one run: bodies no HTTP server library would send (not HTTP at all, 5 MiB
chunked or until close, a gzip bomb), slow servers' scripts (tests/http/test_slow_servers.py)
and HTTPS with a throwaway CA's certificate.
"""

from __future__ import annotations

import gzip
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final

import trustme
from openrouter_credits.testing import EXAMPLE_CREDITS, Reply, StandInServer

#: What a `RawServer` does with a connection once it has read the request head.
Script = Callable[["RawServer", socket.socket], None]
TICK: Final = 0.05  # how often waiting threads look at the stop flag; a trickle's pace


class RawServer:
    """A bare HTTP/1.1 server on 127.0.0.1: reads a request head per connection, then runs
    ``script(server, conn)``, which writes whatever bytes it likes; the connection closes
    when the script returns (a script that wants it held calls `hold`). For answers
    StandInServer cannot give: not HTTP at all, chunked or close-delimited bodies, a gzip
    bomb, header blocks trickled a byte at a time, a status line and then silence.

    Counts connections, request heads read, and the connections it saw the client close
    (EOF or a broken pipe): a connection cut by a deadline must be closed, not pooled.
    `stop` (or leaving a ``with`` block) ends every script's waits and joins its threads.
    """

    def __init__(self, script: Script) -> None:
        self._script = script
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(TICK)  # the accept loop sees `stop` within a tick
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []
        self.connections = 0
        self.requests = 0
        self.closed_by_client = 0
        self._thread = threading.Thread(target=self._serve, name="raw-server", daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/api/v1"

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            worker = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            with self._lock:
                self.connections += 1
                self._workers.append(worker)
            worker.start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                head = b""
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    chunk = self._recv(conn)
                    if not chunk:  # closed before a whole request: an attempt cut early
                        self._saw_close()
                        return
                    head += chunk
                with self._lock:
                    self.requests += 1
                conn.settimeout(5.0)  # a client slow to read a large body on a busy machine
                self._script(self, conn)
            except OSError:  # the client left mid-answer: a refused body, a cut attempt
                self._saw_close()

    def _recv(self, conn: socket.socket) -> bytes:
        """The next bytes from the client; b"" at its EOF or once the server is stopping."""
        conn.settimeout(TICK)
        while not self._stopping.is_set():
            try:
                return conn.recv(65536)
            except TimeoutError:
                continue
        return b""

    def _saw_close(self) -> None:
        if not self._stopping.is_set():
            with self._lock:
                self.closed_by_client += 1

    def pause(self) -> bool:
        """Wait one tick; False once the server is stopping."""
        return not self._stopping.wait(TICK)

    def hold(self, conn: socket.socket) -> None:
        """Keep the connection open, saying nothing, until the client closes it (or the
        server stops)."""
        while self._recv(conn):
            pass
        self._saw_close()

    def all_closed(self, within: float) -> bool:
        """Whether every connection so far was closed by the client (waits up to ``within``
        seconds for the last ones)."""
        end = time.monotonic() + within
        while self.closed_by_client < self.connections and time.monotonic() < end:
            time.sleep(TICK)
        return self.closed_by_client == self.connections

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5.0)
        self._listener.close()
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            worker.join(5.0)


HUGE: Final = b" " * (5 << 20)
SMALL_CREDITS: Final = b'{"data":{"total_credits":1,"total_usage":0}}'
_CHUNK: Final = 64 << 10


def respond_huge_with_length(server: RawServer, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    conn.sendall(b"Content-Length: %d\r\n\r\n" % len(HUGE))
    conn.sendall(memoryview(HUGE))


def respond_huge_chunked(server: RawServer, conn: socket.socket, length: bytes = b"") -> None:
    """5 MiB in chunks; ``length``: a Content-Length header too (chunked coding wins)."""
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
        + (b"Content-Length: " + length + b"\r\n" if length else b"")
        + b"\r\n"
    )
    view = memoryview(HUGE)
    for start in range(0, len(view), _CHUNK):
        piece = view[start : start + _CHUNK]
        conn.sendall(b"%x\r\n" % len(piece))
        conn.sendall(piece)
        conn.sendall(b"\r\n")
    conn.sendall(b"0\r\n\r\n")


def respond_huge_chunked_declared_small(server: RawServer, conn: socket.socket) -> None:
    respond_huge_chunked(server, conn, b"100")


def respond_huge_until_close(server: RawServer, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
    conn.sendall(memoryview(HUGE))


@cache
def gzip_bomb() -> bytes:
    """Valid credits JSON padded to 32 MiB, gzip-compressed to ~32 KiB."""
    return gzip.compress(SMALL_CREDITS + b" " * (32 << 20), mtime=0)


def respond_gzip_bomb(server: RawServer, conn: socket.socket) -> None:
    bomb = gzip_bomb()
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n")
    conn.sendall(b"Content-Length: %d\r\n\r\n" % len(bomb))
    conn.sendall(bomb)


def respond_not_http(server: RawServer, conn: socket.socket) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")


@cache
def tls() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A certificate for 127.0.0.1 from a throwaway CA: (server context, client trusting it)."""
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return server, client


class _TLSHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5.0

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps(EXAMPLE_CREDITS).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class TLSServer(ThreadingHTTPServer):
    """HTTPS on 127.0.0.1 with the throwaway CA's certificate; counts TCP connections."""

    daemon_threads = False  # server_close joins the handler threads

    def __init__(self) -> None:
        self.connections = 0
        self._count_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _TLSHandler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        with self._count_lock:
            self.connections += 1
        # The handshake happens in the handler thread, at its first read.
        return tls()[0].wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client refusing the certificate is what these tests are about


class Lab:
    """The servers one run uses; `close` stops them all (joining their threads)."""

    def __init__(self) -> None:
        self._stops: list[Callable[[], None]] = []

    def stand_in(self, *script: Reply, default: Reply | None = None) -> StandInServer:
        server = StandInServer().start()
        self._stops.append(server.stop)
        if default is not None:
            server.default = default
        server.script(*script)
        return server

    def raw(self, script: Script) -> RawServer:
        server = RawServer(script)
        self._stops.append(server.stop)
        return server

    def https(self) -> TLSServer:
        server = TLSServer()
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()

        def stop() -> None:
            server.shutdown()
            thread.join(5.0)
            server.server_close()

        self._stops.append(stop)
        return server

    def close(self) -> None:
        while self._stops:
            self._stops.pop()()
