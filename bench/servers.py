"""The loopback server the benchmarks call: nginx, or the stand-in server as a fallback.

nginx (Debian's ``nginx-light``; ``make system-deps`` installs it) serves the credits JSON
as a static file, with a config written into a temporary folder, started and stopped here.
Without nginx (or with ``--server stand-in``) the run falls back to
``openrouter_credits.testing.StandInServer`` in this process, and says so: that server
shares this process's GIL, so it slows every contender and hides the client's own cost.
Why nginx, and its config: BENCHMARKS.md, "The server, and why nginx".
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final, Protocol

from openrouter_credits.testing import StandInServer, free_port

from bench.settings import BODY, NOT_INSTALLED, log

CREDITS_PATH: Final = "/api/v1/credits"
STATUS_PATH: Final = "/nginx_status"


class Server(Protocol):
    @property
    def description(self) -> str: ...

    @property
    def base_url(self) -> str: ...

    def accepted(self) -> int:
        """Connections the server has accepted so far (its own status probes excluded)."""
        ...


def http_get(port: int, path: str, timeout: float = 5.0) -> bytes:
    """One GET on a fresh connection to 127.0.0.1 (no proxy, no library): the whole reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        sock.sendall(request.encode())
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    return b"".join(chunks)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def nginx_version(binary: str) -> str:
    done = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    text = (done.stderr or done.stdout).strip()
    return text.split("/", 1)[1] if "/" in text else text


NGINX_CONF: Final = """\
daemon off;
master_process on;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    server_tokens off;
    etag off;
    keepalive_timeout 75s;
    keepalive_requests 1000000;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location = {credits} {{ root {root}/www; default_type application/json; }}
        location = {status} {{ stub_status; }}
        location / {{ return 404; }}
    }}
}}
"""


class NginxServer:
    """nginx serving the credits JSON as a static file, keep-alive on, from a temp dir.

    One worker process (the client gets the other core of a 2-core machine); connections
    are counted with ``stub_status`` (``accepts``), minus the probes' own connections.
    """

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.version = nginx_version(binary)
        self._root: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._port = 0
        self._probes = 0

    @property
    def description(self) -> str:
        return (
            f"nginx {self.version} ({self.binary}): static file, keep-alive, 1 worker, "
            f"127.0.0.1:{self._port}"
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/api/v1"

    def start(self) -> None:
        last_error = ""
        for _ in range(3):  # the free port may be taken before nginx binds it: try again
            try:
                self._start_once()
                return
            except RuntimeError as exc:
                last_error = str(exc)
                self.stop()
        raise RuntimeError(last_error)

    def _start_once(self) -> None:
        root = Path(tempfile.mkdtemp(prefix="openrouter-credits-bench-"))
        self._root = root
        root.chmod(0o755)  # the worker runs as `nobody` when the master runs as root
        www = root / "www" / "api" / "v1"
        www.mkdir(parents=True)
        for path in (root / "www", root / "www" / "api", www):
            path.chmod(0o755)
        (www / "credits").write_bytes(BODY)
        (www / "credits").chmod(0o644)
        (root / "tmp").mkdir()
        self._port = free_port()
        conf = root / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(root=root, port=self._port, credits=CREDITS_PATH, status=STATUS_PATH)
        )
        stderr = (root / "stderr.log").open("wb")
        with stderr:
            self._proc = subprocess.Popen(
                [self.binary, "-p", str(root), "-c", str(conf), "-e", str(root / "error.log")],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        deadline = time.monotonic() + 10
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(f"nginx exited at start: {self._logs()}")
            try:
                reply = http_get(self._port, CREDITS_PATH, timeout=1.0)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"nginx did not answer within 10 s: {self._logs()}"
                    ) from None
                time.sleep(0.02)
        head, _, body = reply.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200") or body != BODY:
            raise RuntimeError(f"nginx served something else: {reply[:300]!r}")
        if b"\r\ncontent-type: application/json" not in head.lower():
            raise RuntimeError(f"nginx served the JSON without its content type: {head!r}")
        self._probes = 1  # the connection of the check above

    def _logs(self) -> str:
        if self._root is None:
            return ""
        parts = []
        for name in ("stderr.log", "error.log"):
            path = self._root / name
            if path.exists():
                parts.append(path.read_text(errors="replace").strip())
        return " | ".join(p for p in parts if p)[-800:]

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()  # SIGTERM: nginx's fast shutdown, workers included
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None

    def accepted(self) -> int:
        reply = http_get(self._port, STATUS_PATH)
        self._probes += 1
        match = re.search(rb"server accepts handled requests\s+(\d+)", reply)
        if match is None:
            raise RuntimeError(f"unexpected stub_status reply: {reply[:300]!r}")
        return int(match.group(1)) - self._probes


class StandIn:
    """The fallback: the package's stand-in server, in this process (shares the GIL)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self._server = StandInServer()
        self._total = 0

    @property
    def description(self) -> str:
        return (
            "openrouter_credits.testing.StandInServer in this process "
            f"(fallback: {self.reason}); it shares the GIL with the clients, so every "
            "figure includes server work and the client's own cost is diluted"
        )

    @property
    def base_url(self) -> str:
        return self._server.base_url

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def accepted(self) -> int:
        # reset() forgets the recorded requests (bounded memory); keep the running count.
        self._total += self._server.connections
        self._server.reset()
        return self._total


def nginx_used(server: NginxServer | StandIn) -> str:
    if isinstance(server, NginxServer):
        return server.version
    binary = nginx_binary()
    return f"{nginx_version(binary)} (installed, not used)" if binary else NOT_INSTALLED


@contextlib.contextmanager
def serve(choice: str) -> Iterator[NginxServer | StandIn]:
    server: NginxServer | StandIn
    binary = nginx_binary() if choice != "stand-in" else None
    if choice == "stand-in":
        server = StandIn("--server stand-in")
    elif binary is None:
        if choice == "nginx":
            raise SystemExit("--server nginx: no nginx binary found")
        server = StandIn("nginx is not installed")
    else:
        server = NginxServer(binary)
    try:
        server.start()
    except (RuntimeError, OSError) as exc:
        if choice == "nginx":
            raise SystemExit(f"nginx would not start: {exc}") from None
        log(f"nginx would not start ({exc}); falling back to the stand-in server")
        server = StandIn(f"nginx would not start: {str(exc)[:200]}")
        server.start()
    try:
        yield server
    finally:
        server.stop()
