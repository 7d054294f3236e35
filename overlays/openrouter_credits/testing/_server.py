"""The stand-in server itself (`StandInServer`): routing, the script of replies and the
record of requests; the HTTP side is `._wire`. Re-exported by `openrouter_credits.testing`.
"""

from __future__ import annotations

import email.message
import socket
import threading
from collections import deque
from typing import Final
from urllib.parse import urlsplit

from ._replies import BASE_PATH, CREDITS_PATH, JSON, RecordedRequest, Reply, error_body
from ._wire import WireServer

_POLL_SECONDS: Final = 0.01  # serve_forever polls for shutdown(): stop() waits this at most


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
        self._httpd = WireServer(
            (self._host, self._port), self._reply_to, self._connection_accepted
        )
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
        return f"http://{self._host}:{self.port}{BASE_PATH}"

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
            if route != CREDITS_PATH:
                return Reply(404, error_body(404, f"Not Found: {route}"), content_type=JSON)
            if method not in ("GET", "HEAD"):
                body = error_body(405, "Method Not Allowed")
                return Reply(405, body, {"Allow": "GET, HEAD"}, content_type=JSON)
            return self._queue.popleft() if self._queue else self._default

    def _connection_accepted(self) -> None:
        with self._lock:
            self._connections += 1
