"""Shared fixtures: SSL contexts shared by the run's httpx clients, a stand-in server on
127.0.0.1, a silent peer, the public client against it (sync or async: `mode`, `call`),
the retry testing switch, and a suite-wide check that no log record of any test, at
DEBUG, holds the sentinel key; at the end of the run, the reliability figures
(tests/reliability/figures.py), added up over the pytest-xdist workers when there are
some."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import ipaddress
import logging
import os
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any, Final

import pytest
from openrouter_credits import GetCreditsResponse, OpenRouter, retries
from openrouter_credits.testing import StandInServer

from .reliability.figures import FIGURES, WIRE_KEY, Figures

#: A sentinel key: tests search every text they can see for it.
SECRET = "sk-or-v1-SENTINEL-0123456789abcdef"


class SecretScan(logging.Handler):
    """On the root logger at DEBUG: every record of every logger, formatted with its
    arguments, is searched for SECRET."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records = 0
        self.hits: list[str] = []
        self.format_with = logging.Formatter("%(name)s %(levelname)s %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format_with.format(record) + " " + repr(record.args)
        self.records += 1
        if SECRET in text:
            self.hits.append(text[:300])


@pytest.fixture(autouse=True)
def secret_scan() -> Iterator[SecretScan]:
    """Every test runs with all loggers at DEBUG; none may log the sentinel key."""
    root = logging.getLogger()
    scan, level = SecretScan(), root.level
    root.addHandler(scan)
    root.setLevel(logging.DEBUG)
    try:
        yield scan
    finally:
        root.removeHandler(scan)
        root.setLevel(level)
    assert not scan.hits, f"a log record shows the API key: {scan.hits[0]!r}"


@pytest.fixture(autouse=True, scope="session")
def shared_ssl_contexts() -> Iterator[None]:
    """The run's httpx clients share one SSL context per setting.

    httpx builds a context for every client it makes, loading the certificate store from
    disk: about 30 ms, most of a typical test's own time, and the suite makes a thousand
    clients. Here a context is built once per setting of what httpx's builder reads
    (``verify``, ``trust_env``, ``SSL_CERT_FILE``, ``SSL_CERT_DIR``; a context or a client
    certificate of yours passes through), as an application reusing one context does;
    nothing a request sends or checks changes. httpx before 0.28 builds contexts
    elsewhere: left as it is (the dependency matrix's floor).
    """
    transports: Any = importlib.import_module("httpx._transports.default")
    build = getattr(transports, "create_ssl_context", None)
    if build is None:
        yield
        return
    made: dict[tuple[object, ...], ssl.SSLContext] = {}

    def shared(verify: Any = True, cert: Any = None, trust_env: bool = True) -> ssl.SSLContext:
        if not isinstance(verify, bool) or cert is not None:
            return build(verify=verify, cert=cert, trust_env=trust_env)  # type: ignore[no-any-return]
        env = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
        key = (verify, trust_env, *env)
        if key not in made:
            made[key] = build(verify=verify, cert=cert, trust_env=trust_env)
        return made[key]

    transports.create_ssl_context = shared
    try:
        yield
    finally:
        transports.create_ssl_context = build


@pytest.fixture
def server() -> Iterator[StandInServer]:
    with StandInServer() as srv:
        yield srv


#: A silent peer hangs up after this: a phase a timeout fails to end still ends (at end of
#: file, not with a timeout error), so a broken timeout fails the test instead of hanging it.
HANG_UP: Final = 3.0


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port on 127.0.0.1 whose peer accepts connections and says nothing (no HTTP
    status line, no TLS ServerHello), then hangs up after `HANG_UP` seconds."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.05)
        stop = threading.Event()

        def hold() -> None:
            held: list[socket.socket] = []
            end = time.monotonic() + HANG_UP
            while not stop.is_set() and time.monotonic() < end:
                with contextlib.suppress(TimeoutError):
                    held.append(listener.accept()[0])
            for connection in held:
                connection.close()

        holder = threading.Thread(target=hold, daemon=True)
        holder.start()
        try:
            yield listener.getsockname()[1]
        finally:
            stop.set()
            holder.join()


class Resolver:
    """``socket.getaddrinfo`` for one test, with no DNS: the names in ``loopback`` resolve
    to 127.0.0.1, any other name fails, IP addresses pass through as they are. ``asked``
    lists every name looked up (sync and async clients both resolve through it)."""

    def __init__(self) -> None:
        self.loopback: set[str] = set()
        self.asked: list[str] = []
        self._real = socket.getaddrinfo

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            ipaddress.ip_address(name)
        except ValueError:
            self.asked.append(name)
            host = "127.0.0.1" if name in self.loopback else None
        if host is None:
            raise socket.gaierror(socket.EAI_NONAME, f"{name}: not on loopback in this test")
        return self._real(host, port, *args, **kwargs)


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Resolver:
    """A `Resolver` in place of ``socket.getaddrinfo`` for this test."""
    fake = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


def client(server: StandInServer, **kwargs: Any) -> OpenRouter:
    """The public client for ``server``, with the sentinel key unless ``api_key`` is given."""
    kwargs.setdefault("api_key", SECRET)
    return OpenRouter(server_url=server.base_url, **kwargs)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    """Each test taking it runs twice: through the sync and through the async path."""
    return str(request.param)


def call(mode: str, sdk: OpenRouter, **kwargs: Any) -> GetCreditsResponse:
    """One get_credits call through the sync or the async path."""
    if mode == "sync":
        return sdk.credits.get_credits(**kwargs)

    async def run() -> GetCreditsResponse:
        try:
            return await sdk.credits.get_credits_async(**kwargs)
        finally:
            await sdk.aclose()

    return asyncio.run(run())


def raises(mode: str, sdk: OpenRouter, kind: type[BaseException], **kwargs: Any) -> Any:
    """The error `call` raised, which must be a ``kind``."""
    with pytest.raises(kind) as info:
        call(mode, sdk, **kwargs)
    return info.value


@pytest.fixture
def no_sleep() -> Iterator[None]:
    """Backoff waits are zero inside the test (the documented testing switch)."""
    with retries.set_testing(True):
        yield


#: The test files that take longest (about 5 to 20 s each, serially: they run make or
#: start servers), longest first. They are collected first, so under pytest-xdist (make
#: test: --dist loadfile, in collection order) they start first and the workers end
#: together; a long file left for last would keep one worker busy while the other idles.
#: Only the order changes; a file not listed keeps its usual place after these.
SLOW_FIRST: Final = (
    "tests/spec/test_upstream_workflow.py",
    "tests/docs/test_examples.py",
    "tests/spec/test_release.py",
    "tests/shipping/test_publish.py",
    "tests/spec/test_end_to_end.py",
    "tests/http/test_slow_servers.py",
    "tests/tooling/test_bench.py",
    "tests/shipping/test_wheel.py",
    "tests/cli/test_plugin.py",
    "tests/cli/test_plugin_daemons.py",
    "tests/reliability/test_scenarios.py",
    "tests/reliability/test_differential.py",
    "tests/cli/test_prometheus.py",
    "tests/spec/test_contract.py",
    "tests/cli/test_deadline.py",
    "tests/spec/test_build.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: i for i, path in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


#: Lines a test module asks to have printed at the end of the run (the reliability figures
#: of tests/reliability/), under their own heading in pytest's summary.
END_OF_RUN = pytest.StashKey[list[str]]()
#: The reliability figures each pytest-xdist worker handed in, by worker id (controller).
WORKER_FIGURES = pytest.StashKey[dict[str, dict[str, Any]]]()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist, in the controller: keep the figures a worker handed in."""
    wire = getattr(node, "workeroutput", {}).get(WIRE_KEY)
    if wire is not None:
        node.config.stash.setdefault(WORKER_FIGURES, {})[node.gateway.id] = wire


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A worker hands its figures to the controller; the controller (or a serial run)
    writes build/reliability.json once, with every process's figures added up."""
    config = session.config
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WIRE_KEY] = FIGURES.to_wire()
        return
    figures = Figures()
    handed_in = config.stash.get(WORKER_FIGURES, {})
    for wire in [FIGURES.to_wire(), *(handed_in[k] for k in sorted(handed_in))]:
        figures.merge(wire)
    if figures.calls:
        config.stash[END_OF_RUN] = figures.publish()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = terminalreporter.config.stash.get(END_OF_RUN, [])
    if lines:
        terminalreporter.write_sep("=", "reliability figures")
        for line in lines:
            terminalreporter.write_line(line)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Terminate a server the test started; kill it if it does not stop within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
