"""Reliability: every failure a user can meet ends in a documented outcome, in bounded time,
with nothing leaked and the key never shown. Real sockets on 127.0.0.1, sync and async.

``SCENARIOS`` is the table, one row per fault; each row runs through ``get_credits`` and
``get_credits_async``. Every run asserts the outcome type, the attempts the server saw, the
wall time against the bound the retry policy allows (attempts x per-attempt timeout + the
waits the policy allows + ``SLACK``), that no file descriptor or thread outlives it, and
that the sentinel key is in no exception text or repr, no log record (DEBUG, every logger)
and no repr of the client. Backoff waits are zero (the testing switch) except in the rows
that check a real wait (``waits=``).

The suite collects its figures: ``build/reliability.json`` and a summary at the end of the
pytest run, which the README's "Reliability" section quotes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import itertools
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import traceback
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
import trustme
from openrouter_credits import (
    BackoffStrategy,
    GetCreditsResponse,
    OpenRouter,
    RetryConfig,
    errors,
    retries,
)
from openrouter_credits._constants import MAX_BODY_BYTES
from openrouter_credits.testing import EXAMPLE_CREDITS, Fault, Reply, StandInServer, free_port
from openrouter_credits.utils import UNSET, Unset

from .conftest import END_OF_RUN, SECRET, SecretScan

MODES: Final = ("sync", "async")
#: Added to every wall-time bound: scheduling on a busy 2-core machine, not policy.
SLACK: Final = 1.0
#: Added to the upper end of every honoured wait, measured between the server's requests.
GAP_SLACK: Final = 0.5
#: The words every oversized-body error must say.
LIMIT: Final = f"{MAX_BODY_BYTES} byte limit"
#: Peak Python memory allowed while a 5 MiB body is refused.
PEAK_LIMIT: Final = 4 << 20
FIGURES_FILE: Final = Path(__file__).resolve().parents[1] / "build" / "reliability.json"

Outcome = GetCreditsResponse | Exception


# --- figures ---------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    mode: str
    outcome: str
    wall: float
    bound: float


@dataclass
class Figures:
    """What the suite saw, for the README: filled by the tests, written at the end."""

    runs: list[Run] = field(default_factory=list)
    calls: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    fd_leaks: int = 0
    thread_leaks: int = 0
    texts_scanned: int = 0
    log_records: int = 0
    secret_hits: int = 0
    cli_runs: int = 0
    examples: int = 0
    load: dict[str, int] = field(default_factory=dict)
    peaks: dict[str, int] = field(default_factory=dict)

    def call(self, outcome: object) -> None:
        self.calls += 1
        self.outcomes[type(outcome).__name__] += 1

    def as_json(self) -> dict[str, Any]:
        longest = max(self.runs, key=lambda r: r.wall, default=None)
        tightest = max(self.runs, key=lambda r: r.wall / r.bound, default=None)
        return {
            "scenarios": len({r.name for r in self.runs}),
            "scenario_runs": len(self.runs),
            "calls": self.calls,
            "outcomes": dict(self.outcomes.most_common()),
            "longest": _run_json(longest),
            "closest_to_bound": _run_json(tightest),
            "fd_leaks": self.fd_leaks,
            "thread_leaks": self.thread_leaks,
            "secret_hits": self.secret_hits,
            "texts_scanned": self.texts_scanned,
            "log_records_scanned": self.log_records,
            "cli_runs": self.cli_runs,
            "property_examples": self.examples,
            "load": self.load,
            "peak_memory_bytes": self.peaks,
        }

    def summary(self) -> list[str]:
        data = self.as_json()
        lines = [
            f"{data['scenarios']} scenarios, {data['scenario_runs']} runs (sync + async); "
            f"{self.calls} client calls in all "
            f"({self.examples} of them generated responses); {self.cli_runs} command-line runs",
            "outcomes: " + ", ".join(f"{k} {v}" for k, v in data["outcomes"].items()),
        ]
        for label, key in (
            ("longest wall time", "longest"),
            ("closest to its bound", "closest_to_bound"),
        ):
            run = data[key]
            if run:
                wall, bound = run["wall_s"], run["bound_s"]
                lines.append(f"{label}: {run['scenario']} {wall:.2f} s, bound {bound:.2f} s")
        lines.append(
            f"leaks: {self.fd_leaks} file descriptors, {self.thread_leaks} threads "
            "(ResourceWarning is an error)"
        )
        lines.append(
            f"secret hits: {self.secret_hits} in {self.texts_scanned} texts scanned "
            f"({self.log_records} DEBUG log records, exception texts and reprs, CLI output)"
        )
        if self.load:
            lines.append("load: " + ", ".join(f"{k} {v}" for k, v in self.load.items()))
        if self.peaks:
            lines.append(
                "peak memory refusing large bodies: "
                + ", ".join(f"{k} {v / (1 << 20):.2f} MiB" for k, v in sorted(self.peaks.items()))
            )
        return lines


def _run_json(run: Run | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "scenario": f"{run.name}[{run.mode}]",
        "wall_s": round(run.wall, 3),
        "bound_s": round(run.bound, 3),
    }


FIGURES = Figures()


@pytest.fixture(scope="session", autouse=True)
def reliability_figures(request: pytest.FixtureRequest) -> Iterator[Figures]:
    """Writes build/reliability.json and prints the summary when the run ends."""
    yield FIGURES
    if FIGURES.calls:
        FIGURES_FILE.parent.mkdir(exist_ok=True)
        FIGURES_FILE.write_text(json.dumps(FIGURES.as_json(), indent=2) + "\n")
        # Assigned, not appended: tests/test_properties.py imports this fixture, so it is
        # finalized once per module that uses it; the last one has every figure.
        where = FIGURES_FILE.relative_to(FIGURES_FILE.parents[1])
        request.config.stash[END_OF_RUN] = [*FIGURES.summary(), f"written to {where}"]


# --- secrets ---------------------------------------------------------------------------


def scan(*texts: str) -> None:
    """Count the texts and any that show the key; one that does fails the test at once."""
    FIGURES.texts_scanned += len(texts)
    hits = [text for text in texts if SECRET in text]
    FIGURES.secret_hits += len(hits)
    assert not hits, f"the API key is shown: {hits[0][:300]!r}"


def exception_texts(exc: BaseException) -> list[str]:
    """Everything a user may print of an exception: traceback, str, repr, body, responses."""
    texts = ["".join(traceback.format_exception(exc))]
    link: BaseException | None = exc
    for _ in range(10):  # the cause chain is short; bounded anyway
        if link is None:
            break
        texts += [str(link), repr(link), repr(link.args)]
        if isinstance(link, errors.OpenRouterError):
            response = link.raw_response
            texts += [link.body, repr(response), repr(link.headers), repr(response.request.headers)]
            texts.append(repr(getattr(link, "data", None)))
        link = link.__cause__ or link.__context__
    return texts


@pytest.fixture(autouse=True)
def secret_watch(secret_scan: SecretScan) -> Iterator[SecretScan]:
    """The suite-wide log scan (tests/conftest.py), counted into the figures."""
    yield secret_scan
    FIGURES.log_records += secret_scan.records
    FIGURES.texts_scanned += secret_scan.records
    FIGURES.secret_hits += len(secret_scan.hits)


# --- leaks -----------------------------------------------------------------------------


def fd_table() -> dict[str, str]:
    """This process's open file descriptors: number -> what it is (socket:[...], a path)."""
    table = {}
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the listing's own fd is gone by now
            table[fd] = os.readlink(f"/proc/self/fd/{fd}")
    return table


def open_fds() -> int:
    return len(fd_table())


def settle(fds: int, threads: int, within: float = 5.0) -> tuple[int, int]:
    """Growth in open fds and live threads over the baseline, once things have closed."""
    deadline = time.monotonic() + within
    while True:
        growth = open_fds() - fds, threading.active_count() - threads
        if max(growth) <= 0 or time.monotonic() > deadline:
            return growth
        time.sleep(0.01)


def check_no_leak(fds: int, threads: int) -> None:
    fd_growth, thread_growth = settle(fds, threads)
    FIGURES.fd_leaks += max(fd_growth, 0)
    FIGURES.thread_leaks += max(thread_growth, 0)
    assert fd_growth <= 0, f"{fd_growth} file descriptors outlived the run: {fd_table()}"
    assert thread_growth <= 0, f"threads outlived the run: {threading.enumerate()}"


@pytest.fixture(scope="module", autouse=True)
def no_leak_across_the_module() -> Iterator[None]:
    fds, threads = open_fds(), threading.active_count()
    yield
    check_no_leak(fds, threads)


# --- servers the stand-in cannot be: raw bytes, TLS ---------------------------------------


Respond = Callable[[socket.socket], None]


class RawServer:
    """A bare TCP server: reads a request head per connection, then ``respond`` writes
    whatever bytes it likes and the connection closes (for answers StandInServer cannot
    give: not HTTP at all, chunked or close-delimited bodies, a gzip bomb)."""

    def __init__(self, respond: Respond) -> None:
        self._respond = respond
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)  # the accept loop sees `stop` within 50 ms
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []
        self.requests = 0
        self._thread = threading.Thread(target=self._serve, name="raw-server", daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/api/v1"

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            worker = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            with self._lock:
                self._workers.append(worker)
            worker.start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5.0)
            head = b""
            try:
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    head += chunk
                with self._lock:
                    self.requests += 1
                self._respond(conn)
            except OSError:
                pass  # the client left mid-answer: what a refused body looks like here

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


def respond_huge_with_length(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    conn.sendall(b"Content-Length: %d\r\n\r\n" % len(HUGE))
    conn.sendall(memoryview(HUGE))


def respond_huge_chunked(conn: socket.socket) -> None:
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    view = memoryview(HUGE)
    for start in range(0, len(view), _CHUNK):
        piece = view[start : start + _CHUNK]
        conn.sendall(b"%x\r\n" % len(piece))
        conn.sendall(piece)
        conn.sendall(b"\r\n")
    conn.sendall(b"0\r\n\r\n")


def respond_huge_until_close(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
    conn.sendall(memoryview(HUGE))


@cache
def gzip_bomb() -> bytes:
    """Valid credits JSON padded to 32 MiB, gzip-compressed to ~32 KiB."""
    return gzip.compress(SMALL_CREDITS + b" " * (32 << 20), mtime=0)


def respond_gzip_bomb(conn: socket.socket) -> None:
    bomb = gzip_bomb()
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n")
    conn.sendall(b"Content-Length: %d\r\n\r\n" % len(bomb))
    conn.sendall(bomb)


def respond_not_http(conn: socket.socket) -> None:
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

    def raw(self, respond: Respond) -> RawServer:
        server = RawServer(respond)
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


# --- scenarios -------------------------------------------------------------------------


def _zero() -> int:
    return 0


def _none() -> list[float]:
    return []


@dataclass(frozen=True)
class Endpoint:
    """Where a run's client goes, and what the server side saw."""

    url: str
    seen: Callable[[], int] = _zero
    """Attempts the server saw: requests (TLS: connections, as no request gets through)."""
    gaps: Callable[[], list[float]] = _none
    """Seconds between consecutive requests, as the server received them."""
    other: StandInServer | None = None
    """Another host a redirect points to: it must see nothing."""
    verify: ssl.SSLContext | None = None
    """Bring an httpx client trusting this (TLS through the client's options)."""
    follow_redirects: bool = False
    """Bring an httpx client that follows redirects."""


Setup = Callable[[Lab], Endpoint]


def request_gaps(server: StandInServer) -> list[float]:
    return [b.received_at - a.received_at for a, b in itertools.pairwise(server.requests)]


def stand_in(*script: Reply, default: Reply | None = None) -> Setup:
    def setup(lab: Lab) -> Endpoint:
        server = lab.stand_in(*script, default=default)
        return Endpoint(server.base_url, lambda: len(server.requests), lambda: request_gaps(server))

    return setup


def refused(lab: Lab) -> Endpoint:
    return Endpoint(f"http://127.0.0.1:{free_port()}/api/v1")


def raw(respond: Respond) -> Setup:
    def setup(lab: Lab) -> Endpoint:
        server = lab.raw(respond)
        return Endpoint(server.base_url, lambda: server.requests)

    return setup


def redirect(status: int, *, follow: bool = False) -> Setup:
    def setup(lab: Lab) -> Endpoint:
        other = lab.stand_in()
        location = other.base_url + "/credits"
        server = lab.stand_in(default=Reply(status=status, headers={"Location": location}))
        return Endpoint(
            server.base_url, lambda: len(server.requests), other=other, follow_redirects=follow
        )

    return setup


def https(*, trusted: bool) -> Setup:
    def setup(lab: Lab) -> Endpoint:
        server = lab.https()
        url = f"https://127.0.0.1:{server.server_address[1]}/api/v1"
        return Endpoint(url, lambda: server.connections, verify=tls()[1] if trusted else None)

    return setup


def policy_waits(
    config: RetryConfig, retries_: int, hint: float | None = None
) -> tuple[float, ...]:
    """The longest waits ``config`` allows before retries 1..n: a server hint capped at
    max_interval, else the backoff without jitter (which only shortens it)."""
    backoff = config.backoff
    cap = backoff.max_interval / 1000
    if hint is not None:
        return (min(hint, cap),) * retries_
    return tuple(
        min(backoff.initial_interval * backoff.exponent ** (n - 1), backoff.max_interval) / 1000
        for n in range(1, retries_ + 1)
    )


@dataclass(frozen=True)
class Scenario:
    name: str
    setup: Setup
    expect: type[GetCreditsResponse] | type[errors.OpenRouterBaseError]
    attempts: int
    """Attempts the server saw."""
    client_attempts: int | None = None
    """``NoResponseError.attempts`` when it differs from ``attempts`` (refused: the server saw
    none)."""
    timeout_ms: int = 1_000
    retry: RetryConfig | Unset | None = UNSET
    waits: tuple[float, ...] = ()
    """Real waits the policy allows (s); empty: the testing switch makes them zero."""
    gap: tuple[float, float] | None = None
    """Bounds on every gap between the server's requests (s): a real wait, measured."""
    min_wall: float = 0.0
    message: str = ""
    """Must appear in the error's text."""

    @property
    def tries(self) -> int:
        return self.attempts if self.client_attempts is None else self.client_attempts

    @property
    def bound(self) -> float:
        """Attempts x per-attempt timeout + the waits the policy allows + slack."""
        return self.tries * self.timeout_ms / 1000 + sum(self.waits) + SLACK


JSON: Final = "application/json"
HTML: Final = "text/html"
NGINX_502: Final = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
CLOUDFLARE_503: Final = (
    "<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>"
    "<h1>503 Service Temporarily Unavailable</h1><p>cloudflare</p></body></html>"
)
AWS_504: Final = (
    "<HTML><HEAD><META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=iso-8859-1'>"
    "<TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY>"
    "<H1>504 Gateway Timeout ERROR</H1></BODY></HTML>"
)
LOGIN_PAGE: Final = "<!doctype html><html><body><form>Sign in to continue</form></body></html>"
RATE_LIMITED: Final = {"error": {"code": 429, "message": "Rate limit exceeded"}}

#: Real-wait policy: backoff 20 ms x 1.5^n, waits capped at 300 ms.
FAST: Final = RetryConfig("backoff", BackoffStrategy(20, 300, 1.5, 60_000), True)
#: Real-wait policy with room for a 1 s Retry-After.
ROOMY: Final = RetryConfig("backoff", BackoffStrategy(20, 2_000, 1.5, 60_000), True)
#: A 2 s budget: a longer server-requested wait is never started.
SHORT_BUDGET: Final = RetryConfig("backoff", BackoffStrategy(20, 60_000, 1.5, 2_000), True)
IN_AN_HOUR: Final = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
FAST_BACKOFF: Final = policy_waits(FAST, 1)
BACKOFF_GAP: Final = (0.0, FAST_BACKOFF[0] + GAP_SLACK)


SCENARIOS: Final[tuple[Scenario, ...]] = (
    # -- the wire -----------------------------------------------------------------------
    Scenario("connection-refused", refused, errors.APIConnectionError, 0, client_attempts=3),
    Scenario(
        "reset-before-any-response",
        stand_in(default=Reply(fault=Fault.RESET)),
        errors.APIConnectionError,
        3,
    ),
    Scenario("reset-then-success", stand_in(Reply(fault=Fault.RESET)), GetCreditsResponse, 2),
    Scenario(
        "close-after-headers",
        stand_in(default=Reply(fault=Fault.CLOSE_AFTER_HEADERS)),
        errors.APIConnectionError,
        3,
    ),
    Scenario(
        "close-mid-body",
        stand_in(default=Reply(fault=Fault.CLOSE_MID_BODY)),
        errors.APIConnectionError,
        3,
    ),
    Scenario(
        "content-length-larger-than-body",
        stand_in(default=Reply(fault=Fault.SHORT_BODY)),
        errors.APIConnectionError,
        3,
    ),
    Scenario(
        "headers-never-come",
        stand_in(default=Reply(fault=Fault.NO_HEADERS)),
        errors.APITimeoutError,
        3,
        timeout_ms=200,
        min_wall=3 * 0.2 * 0.95,
        message="timed out after 3 attempts",
    ),
    Scenario(
        "body-bytes-slower-than-the-timeout",
        stand_in(default=Reply(fault=Fault.TRICKLE, trickle_interval=0.5)),
        errors.APITimeoutError,
        3,
        timeout_ms=200,
        min_wall=3 * 0.2 * 0.95,
    ),
    Scenario(
        "body-trickles-past-the-timeout",
        stand_in(default=Reply(body=SMALL_CREDITS, fault=Fault.TRICKLE, trickle_interval=0.03)),
        errors.APITimeoutError,
        3,
        timeout_ms=100,
    ),
    Scenario("not-http-at-all", raw(respond_not_http), errors.APIConnectionError, 3),
    Scenario("slow-but-in-time", stand_in(Reply(delay=0.2)), GetCreditsResponse, 1),
    # -- success status, body not the credits ------------------------------------------
    Scenario(
        "200-html-page",
        stand_in(Reply(body=LOGIN_PAGE, content_type=HTML)),
        errors.ResponseValidationError,
        1,
        message="text/html",
    ),
    Scenario(
        "200-empty-body",
        stand_in(Reply(body=b"", content_type=JSON)),
        errors.ResponseValidationError,
        1,
        message="invalid JSON",
    ),
    Scenario(
        "200-invalid-json",
        stand_in(Reply(body='{"data": {"total_credits": 1,', content_type=JSON)),
        errors.ResponseValidationError,
        1,
        message="invalid JSON",
    ),
    Scenario(
        "200-wrong-types",
        stand_in(Reply(body={"data": {"total_credits": "100.5", "total_usage": None}})),
        errors.ResponseValidationError,
        1,
        message="should be a number",
    ),
    Scenario(
        "200-missing-required-field",
        stand_in(Reply(body={"data": {"total_credits": 1}})),
        errors.ResponseValidationError,
        1,
        message="'total_usage' is missing",
    ),
    Scenario(
        "200-extra-unknown-fields",
        stand_in(
            Reply(
                body={
                    "data": {"total_credits": 9, "total_usage": 1.5, "bonus": {"x": [1, None]}},
                    "meta": {"version": 2},
                }
            )
        ),
        GetCreditsResponse,
        1,
    ),
    Scenario(
        "200-non-utf8-bytes",
        stand_in(Reply(body=b'{"data": "\xff\xfe\xfa"}', content_type=JSON)),
        errors.ResponseValidationError,
        1,
    ),
    Scenario(
        "200-nan-and-infinity",
        stand_in(
            Reply(body=b'{"data":{"total_credits":NaN,"total_usage":Infinity}}', content_type=JSON)
        ),
        errors.ResponseValidationError,
        1,
    ),
    Scenario("200-gzip-body", stand_in(Reply(fault=Fault.GZIP)), GetCreditsResponse, 1),
    Scenario(
        "200-gzip-declared-plain-sent",
        stand_in(Reply(headers={"Content-Encoding": "gzip"})),
        errors.ResponseValidationError,
        1,
        message="Content-Encoding",
    ),
    Scenario(
        "200-5MiB-with-content-length",
        stand_in(Reply(body=HUGE, content_type=JSON)),
        errors.ResponseValidationError,
        1,
        message=LIMIT,
    ),
    Scenario(
        "503-5MiB-page-retried",
        stand_in(default=Reply(503, HUGE, content_type=HTML)),
        errors.ResponseValidationError,
        3,
        message=LIMIT,
    ),
    Scenario(
        "200-5MiB-chunked",
        raw(respond_huge_chunked),
        errors.ResponseValidationError,
        1,
        message=LIMIT,
    ),
    Scenario(
        "200-5MiB-until-close",
        raw(respond_huge_until_close),
        errors.ResponseValidationError,
        1,
        message=LIMIT,
    ),
    Scenario(
        "200-gzip-bomb-32MiB",
        raw(respond_gzip_bomb),
        errors.ResponseValidationError,
        1,
        message=LIMIT,
    ),
    Scenario(
        "200-number-beyond-float-range",
        stand_in(
            Reply(
                body=b'{"data":{"total_credits":' + b"9" * 400 + b',"total_usage":1}}',
                content_type=JSON,
            )
        ),
        errors.ResponseValidationError,
        1,
    ),
    Scenario(
        "200-deeply-nested-json",
        stand_in(Reply(body=b"[" * 100_000, content_type=JSON)),
        errors.ResponseValidationError,
        1,
    ),
    Scenario(
        "401-deeply-nested-json",
        stand_in(Reply(status=401, body=b'{"error":' + b"[" * 100_000, content_type=JSON)),
        errors.UnauthorizedResponseError,
        1,
    ),
    Scenario(
        "200-json-array-of-pairs",
        stand_in(Reply(body=[["data", [["total_credits", 1], ["total_usage", 2]]]])),
        errors.ResponseValidationError,
        1,
    ),
    Scenario(
        "200-body-not-in-its-declared-charset",
        stand_in(Reply(body=b'{"data": 1}', content_type="application/json; charset=utf-16")),
        errors.ResponseValidationError,
        1,
    ),
    Scenario(
        "503-with-a-non-text-charset",
        stand_in(default=Reply(503, "Service Unavailable", content_type="text/plain; charset=hex")),
        errors.OpenRouterDefaultError,
        3,
    ),
    # -- proxies and overload ------------------------------------------------------------
    Scenario(
        "502-nginx-html",
        stand_in(default=Reply(502, NGINX_502, {"Server": "nginx"}, HTML)),
        errors.OpenRouterDefaultError,
        3,
        message="502 Bad Gateway",
    ),
    Scenario(
        "503-cloudflare-html",
        stand_in(
            default=Reply(503, CLOUDFLARE_503, {"Server": "cloudflare"}, "text/html; charset=UTF-8")
        ),
        errors.OpenRouterDefaultError,
        3,
        message="503 Service Unavailable",
    ),
    Scenario(
        "504-cloudfront-html",
        stand_in(default=Reply(504, AWS_504, {"Server": "CloudFront"}, HTML)),
        errors.OpenRouterDefaultError,
        3,
        message="504 Gateway Timeout",
    ),
    Scenario(
        "503-then-success",
        stand_in(Reply(503, CLOUDFLARE_503, content_type=HTML)),
        GetCreditsResponse,
        2,
    ),
    Scenario(
        "500-html-page",
        stand_in(
            default=Reply(500, NGINX_502.replace("502 Bad Gateway", "500"), content_type=HTML)
        ),
        errors.InternalServerResponseError,
        3,
        message="not the documented error JSON",
    ),
    Scenario("408-then-success", stand_in(Reply(408)), GetCreditsResponse, 2),
    Scenario(
        "run-of-429s",
        stand_in(default=Reply(429, RATE_LIMITED)),
        errors.OpenRouterDefaultError,
        3,
        message="429 Too Many Requests",
    ),
    # -- Retry-After: real waits, measured between the server's requests ----------------
    Scenario(
        "retry-after-seconds",
        stand_in(Reply(429, RATE_LIMITED, {"Retry-After": "1"})),
        GetCreditsResponse,
        2,
        retry=ROOMY,
        waits=policy_waits(ROOMY, 1, hint=1.0),
        gap=(0.98, 1.0 + GAP_SLACK),
    ),
    Scenario(
        "retry-after-http-date",
        stand_in(Reply(429, RATE_LIMITED, {"Retry-After": IN_AN_HOUR})),
        GetCreditsResponse,
        2,
        retry=FAST,
        waits=policy_waits(FAST, 1, hint=3600.0),
        gap=(0.28, 0.3 + GAP_SLACK),
    ),
    Scenario(
        "retry-after-http-date-in-the-past",
        stand_in(Reply(503, headers={"Retry-After": "Sat, 01 Jan 2000 00:00:00 GMT"})),
        GetCreditsResponse,
        2,
        retry=FAST,
        waits=policy_waits(FAST, 1, hint=0.0),
        gap=(0.0, GAP_SLACK),
    ),
    Scenario(
        "retry-after-negative",
        stand_in(Reply(429, RATE_LIMITED, {"Retry-After": "-5"})),
        GetCreditsResponse,
        2,
        retry=FAST,
        waits=FAST_BACKOFF,
        gap=BACKOFF_GAP,
    ),
    Scenario(
        "retry-after-garbage",
        stand_in(Reply(429, RATE_LIMITED, {"Retry-After": "soon, maybe"})),
        GetCreditsResponse,
        2,
        retry=FAST,
        waits=FAST_BACKOFF,
        gap=BACKOFF_GAP,
    ),
    Scenario(
        "retry-after-not-finite",
        stand_in(Reply(503, headers={"Retry-After": "inf", "retry-after-ms": "nan"})),
        GetCreditsResponse,
        2,
        retry=FAST,
        waits=FAST_BACKOFF,
        gap=BACKOFF_GAP,
    ),
    Scenario(
        "retry-after-absurdly-large",
        stand_in(Reply(429, RATE_LIMITED, {"Retry-After": "999999999"})),
        GetCreditsResponse,
        2,
        retry=FAST,
        waits=policy_waits(FAST, 1, hint=999999999.0),
        gap=(0.28, 0.3 + GAP_SLACK),
    ),
    Scenario(
        "retry-after-ms",
        stand_in(Reply(429, RATE_LIMITED, {"retry-after-ms": "250"})),
        GetCreditsResponse,
        2,
        retry=FAST,
        waits=policy_waits(FAST, 1, hint=0.25),
        gap=(0.23, 0.25 + GAP_SLACK),
    ),
    Scenario(
        "retry-after-past-the-budget",
        stand_in(default=Reply(429, RATE_LIMITED, {"Retry-After": "30"})),
        errors.OpenRouterDefaultError,
        1,
        retry=SHORT_BUDGET,
        message="429",
    ),
    Scenario(
        "retry-after-date-with-huge-zone-offset",
        stand_in(
            Reply(
                429,
                RATE_LIMITED,
                {"Retry-After": "Mon, 01 Jan 2024 00:00:00 +99999999999999999999"},
            )
        ),
        GetCreditsResponse,
        2,
        retry=FAST,
        waits=FAST_BACKOFF,
        gap=BACKOFF_GAP,
    ),
    # -- redirects to another host: never followed, the key never goes there ------------
    *(
        Scenario(
            f"redirect-{status}-to-another-host",
            redirect(status),
            errors.OpenRouterDefaultError,
            1,
            message="not followed",
        )
        for status in (301, 302, 307, 308)
    ),
    Scenario(
        "redirect-307-with-a-client-that-follows",
        redirect(307, follow=True),
        errors.OpenRouterDefaultError,
        1,
        message="not followed",
    ),
    # -- TLS -----------------------------------------------------------------------------
    Scenario(
        "tls-untrusted-certificate",
        https(trusted=False),
        errors.APIConnectionError,
        1,
        message="certificate",
    ),
    Scenario("tls-certificate-trusted-via-client", https(trusted=True), GetCreditsResponse, 1),
)


# --- one call, sync or async -----------------------------------------------------------


def call_sync(endpoint: Endpoint, scenario: Scenario) -> tuple[Outcome, float]:
    own = (
        httpx.Client(verify=endpoint.verify or True, follow_redirects=endpoint.follow_redirects)
        if endpoint.verify or endpoint.follow_redirects
        else None
    )
    try:
        with OpenRouter(
            api_key=SECRET,
            server_url=endpoint.url,
            timeout_ms=scenario.timeout_ms,
            retry_config=scenario.retry,
            client=own,
        ) as sdk:
            scan(repr(sdk))
            started = time.monotonic()
            outcome: Outcome
            try:
                outcome = sdk.credits.get_credits()
            except Exception as exc:
                outcome = exc
            return outcome, time.monotonic() - started
    finally:
        if own is not None:
            own.close()


def call_async(endpoint: Endpoint, scenario: Scenario) -> tuple[Outcome, float]:
    async def run() -> tuple[Outcome, float]:
        own = (
            httpx.AsyncClient(
                verify=endpoint.verify or True, follow_redirects=endpoint.follow_redirects
            )
            if endpoint.verify or endpoint.follow_redirects
            else None
        )
        try:
            async with OpenRouter(
                api_key=SECRET,
                server_url=endpoint.url,
                timeout_ms=scenario.timeout_ms,
                retry_config=scenario.retry,
                async_client=own,
            ) as sdk:
                scan(repr(sdk))
                started = time.monotonic()
                outcome: Outcome
                try:
                    outcome = await sdk.credits.get_credits_async()
                except Exception as exc:
                    outcome = exc
                return outcome, time.monotonic() - started
        finally:
            if own is not None:
                await own.aclose()

    return asyncio.run(run())


CALLS: Final = {"sync": call_sync, "async": call_async}


def describe(outcome: Outcome) -> str:
    if isinstance(outcome, BaseException):
        return "".join(traceback.format_exception(outcome))[-3000:]
    return repr(outcome)


@pytest.mark.parametrize(
    ("scenario", "mode"),
    [
        pytest.param(scenario, mode, id=f"{scenario.name}-{mode}")
        for scenario in SCENARIOS
        for mode in MODES
    ],
)
def test_scenario(scenario: Scenario, mode: str) -> None:
    fds, threads = open_fds(), threading.active_count()
    lab = Lab()
    try:
        endpoint = scenario.setup(lab)
        switch: contextlib.AbstractContextManager[None] = (
            contextlib.nullcontext() if scenario.waits else retries.set_testing(True)
        )
        with switch:
            outcome, wall = CALLS[mode](endpoint, scenario)
        FIGURES.call(outcome)
        seen, gaps = endpoint.seen(), endpoint.gaps()
        elsewhere = endpoint.other.requests if endpoint.other is not None else []
    finally:
        lab.close()
    FIGURES.runs.append(Run(scenario.name, mode, type(outcome).__name__, wall, scenario.bound))

    # No leak, the key nowhere (not even at another host), then the outcome the row expects.
    check_no_leak(fds, threads)
    if isinstance(outcome, BaseException):
        scan(*exception_texts(outcome))
    assert not any(SECRET in str(r.headers) for r in elsewhere), "the key reached another host"

    def expect(ok: bool, what: str) -> None:
        assert ok, f"{scenario.name} [{mode}]: {what}\noutcome: {describe(outcome)}"

    expect(
        isinstance(outcome, scenario.expect),
        f"expected {scenario.expect.__name__}, got {type(outcome).__name__}",
    )
    expect(seen == scenario.attempts, f"the server saw {seen} attempts, not {scenario.attempts}")
    if isinstance(outcome, errors.NoResponseError):
        expect(outcome.attempts == scenario.tries, f"{outcome.attempts} attempts reported")
    if scenario.message:
        expect(scenario.message in str(outcome), f"{scenario.message!r} not in the message")
    expect(wall <= scenario.bound, f"took {wall:.3f} s, bound {scenario.bound:.3f} s")
    expect(wall >= scenario.min_wall, f"took {wall:.3f} s, less than {scenario.min_wall:.3f} s")
    if scenario.gap is not None:
        low, high = scenario.gap
        expect(all(low <= gap <= high for gap in gaps), f"gaps {gaps} not in [{low}, {high}]")
    expect(not elsewhere, f"another host saw {len(elsewhere)} requests")


def test_every_scenario_is_in_the_table_once() -> None:
    names = [s.name for s in SCENARIOS]
    assert len(names) == len(set(names))
    assert all(s.bound > 0 and s.attempts >= 0 for s in SCENARIOS)


# --- memory: large bodies are refused without being held --------------------------------


LARGE_BODIES: Final[dict[str, Respond]] = {
    "content-length": respond_huge_with_length,
    "chunked": respond_huge_chunked,
    "until-close": respond_huge_until_close,
    "gzip-bomb": respond_gzip_bomb,
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", list(LARGE_BODIES))
def test_large_bodies_are_refused_with_bounded_memory(shape: str, mode: str) -> None:
    gzip_bomb()  # built before measuring
    fds, threads = open_fds(), threading.active_count()
    lab = Lab()
    try:
        server = lab.raw(LARGE_BODIES[shape])
        scenario = Scenario(shape, raw(LARGE_BODIES[shape]), errors.ResponseValidationError, 1)
        endpoint = Endpoint(server.base_url, lambda: server.requests)
        tracemalloc.start()
        try:
            outcome, _ = CALLS[mode](endpoint, scenario)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        FIGURES.call(outcome)
    finally:
        lab.close()
    check_no_leak(fds, threads)
    if isinstance(outcome, BaseException):
        scan(*exception_texts(outcome))
    FIGURES.peaks[f"{shape}/{mode}"] = peak
    assert isinstance(outcome, errors.ResponseValidationError) and LIMIT in str(outcome), (
        f"expected a ResponseValidationError naming the limit: {describe(outcome)}"
    )
    assert peak < PEAK_LIMIT, f"peak memory {peak} bytes while refusing a {shape} body"


# --- load: one client, many calls, connections reused ---------------------------------


def test_200_concurrent_async_calls_on_one_client() -> None:
    fds, threads = open_fds(), threading.active_count()  # the server is inside the measure

    async def run(server: StandInServer) -> tuple[list[GetCreditsResponse], int, int]:
        async with OpenRouter(api_key=SECRET, server_url=server.base_url) as sdk:
            burst = await asyncio.gather(*(sdk.credits.get_credits_async() for _ in range(200)))
            after_burst = server.connections
            for _ in range(20):
                burst.append(await sdk.credits.get_credits_async())
            return burst, after_burst, server.connections

    with StandInServer() as server:
        results, after_burst, after_sequential = asyncio.run(run(server))
        requests = len(server.requests)
    for result in results:
        FIGURES.call(result)
    FIGURES.load["200 concurrent async calls: connections"] = after_burst
    FIGURES.load["then 20 sequential calls: new connections"] = after_sequential - after_burst
    assert all(isinstance(r, GetCreditsResponse) for r in results)
    assert requests == 220
    assert after_burst <= 100  # the client keeps up to 100 idle connections: no churn
    assert after_sequential == after_burst, "sequential calls opened new connections"
    check_no_leak(fds, threads)


def test_8_threads_x_100_calls_on_one_sync_client() -> None:
    fds, threads = open_fds(), threading.active_count()
    start = threading.Barrier(8)
    with StandInServer() as server, OpenRouter(api_key=SECRET, server_url=server.base_url) as sdk:

        def work() -> list[GetCreditsResponse]:
            start.wait(timeout=10)
            return [sdk.credits.get_credits() for _ in range(100)]

        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(work) for _ in range(8)]
            results = [r for f in futures for r in f.result(timeout=60)]
        requests, connections = len(server.requests), server.connections
    for result in results:
        FIGURES.call(result)
    FIGURES.load["8 threads x 100 sync calls: connections"] = connections
    assert len(results) == 800 and all(isinstance(r, GetCreditsResponse) for r in results)
    assert requests == 800
    assert connections <= 8, "one connection per thread at most: the pool reuses them"
    check_no_leak(fds, threads)


# --- secrets: the command line ---------------------------------------------------------


def test_command_line_output_never_shows_the_key() -> None:
    cli = pytest.importorskip(
        "openrouter_credits.cli", reason="the command line (cli.py) is not there yet"
    )
    echo = {"error": {"code": 401, "message": f"bad key {SECRET}"}}
    cases: list[tuple[str, list[Reply], list[str]]] = [
        ("401-echoing-the-key", [Reply(401, echo)], ["--no-retries"]),
        (
            "500-html-echo",
            [Reply(500, f"<html>Bearer {SECRET}</html>", content_type=HTML)],
            ["--no-retries"],
        ),
        ("200-not-credits", [Reply(body=f"<p>{SECRET}</p>", content_type=HTML)], ["--json"]),
        ("timeout", [Reply(delay=2.0)], ["--timeout", "0.2", "--no-retries"]),
        (
            "verbose-retries",
            [Reply(503, headers={"Retry-After": "0"}), Reply(418, f"{SECRET}")],
            ["-v"],
        ),
        ("refused", [], ["--no-retries", "-v"]),
    ]
    env = {**os.environ, "OPENROUTER_API_KEY": SECRET, "PYTHONWARNINGS": "error::ResourceWarning"}
    lab = Lab()
    outputs: list[tuple[str, int, str, str]] = []
    try:
        with contextlib.ExitStack() as stack:
            runs = []
            for name, replies, args in cases:  # all at once: each one waits on its own
                url = lab.stand_in(*replies).base_url if replies else refused(lab).url
                command = [sys.executable, "-m", "openrouter_credits", "--server-url", url, *args]
                process = stack.enter_context(
                    subprocess.Popen(
                        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
                    )
                )
                stack.callback(process.kill)  # runs before Popen.__exit__ waits; no-op if ended
                runs.append((name, process))
            for name, process in runs:
                out, err = process.communicate(timeout=30)
                outputs.append((name, process.returncode, out, err))
    finally:
        lab.close()
    FIGURES.cli_runs += len(outputs)
    for name, status, out, err in outputs:
        scan(out, err)
        assert status in cli.EXIT_STATUSES and status != 0, (name, status, err)
        assert "Traceback" not in err, (name, err)
