"""Benchmarks for openrouter-credits: ``make bench`` runs this (not part of ``make test``).

In one run, against one loopback server, it measures and prints as Markdown:

1. per call, wall and CPU time (median of interleaved rounds, after warm-up): raw
   ``httpx.Client.get(...).json()`` (the floor), this package's ``get_credits()`` with
   default retries and headers, the generated call alone, and the official ``openrouter``
   SDK's ``credits.get_credits()``; each as a ratio to raw httpx;
2. import time in a fresh interpreter (median of several runs): ``import httpx``,
   ``import openrouter_credits``, ``import openrouter``, plus which modules this package
   imports that httpx alone does not and what they cost (``-X importtime``);
3. async: N concurrent calls on one client (N = 1, 10, 100, 1000): calls per second and the
   connections the server accepted, with raw ``httpx.AsyncClient`` as the reference;
4. memory: peak RSS of a fresh interpreter after the import and one call.

The server is nginx (Debian's ``nginx-light``) serving the credits JSON as a static file,
with a config generated into a temporary folder, started and stopped here. Without nginx
(or with ``--server stand-in``) it falls back to ``openrouter_credits.testing.StandInServer``
in this process, and says so: that server shares this process's GIL, so it slows every
contender and hides the client's own cost.

``--quick`` is a tiny run for tests (its figures mean nothing); ``--profile`` profiles
``get_credits()`` with pyinstrument instead. Nothing is sent anywhere but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol

import httpx
import openrouter_credits
from openrouter_credits import OpenRouter
from openrouter_credits._generated.api.credits_ import get_credits as generated_op
from openrouter_credits._generated.client import AuthenticatedClient
from openrouter_credits.testing import EXAMPLE_CREDITS, StandInServer, free_port

API_KEY: Final = "sk-or-v1-bench"
BODY: Final = json.dumps(EXAMPLE_CREDITS, separators=(",", ":")).encode()
TOTAL_CREDITS: Final = float(EXAMPLE_CREDITS["data"]["total_credits"])
CREDITS_PATH: Final = "/api/v1/credits"
STATUS_PATH: Final = "/nginx_status"
SDK_MODULE: Final = "openrouter"
NOT_INSTALLED: Final = "not installed"
# httpx imports its command line (click, rich, pygments) when they are importable; they are
# in the dev toolchain but not in a user's install of this package (httpx without its `cli`
# extra). The "user install" profile hides them from the measured interpreter.
CLI_EXTRAS: Final = ("click", "rich", "pygments")

TIMES: Final = "\N{MULTIPLICATION SIGN}"
TARGET_PER_CALL: Final = 1.05
TARGET_IMPORT: Final = 1.15
TARGET_SDK_SLOWER: Final = 3.0


@dataclass(frozen=True)
class Settings:
    rounds: int
    calls: int
    warmup: int
    import_runs: int
    importtime_runs: int
    memory_runs: int
    concurrency: tuple[int, ...]  # the N measured (ALL_N are shown)
    async_calls: int  # warm calls per N: batches of N until at least this many
    quick: bool


ALL_N: Final = (1, 10, 100, 1000)


FULL = Settings(
    rounds=25,  # short rounds, finely interleaved: a burst of other load hits all alike
    calls=200,
    warmup=300,
    import_runs=15,
    importtime_runs=5,
    memory_runs=3,
    concurrency=ALL_N,
    async_calls=2000,
    quick=False,
)
QUICK = Settings(
    rounds=2,
    calls=15,
    warmup=5,
    import_runs=1,
    importtime_runs=1,
    memory_runs=1,
    concurrency=(1, 10, 100),  # 1000 concurrent calls take httpx ~30 s: see BENCHMARKS.md
    async_calls=1,
    quick=True,
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- servers -----------------------------------------------------------------------------


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


# --- 1. per call -------------------------------------------------------------------------


@dataclass
class Contender:
    key: str
    label: str
    call: Callable[[], object] | None  # None: not installed
    total_credits: Callable[[Any], float] = lambda result: math.nan
    walls: list[float] = field(default_factory=list)  # µs per call, one per round
    cpus: list[float] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls) if self.walls else math.nan

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus) if self.cpus else math.nan

    @property
    def best_wall(self) -> float:
        return min(self.walls) if self.walls else math.nan

    @property
    def best_cpu(self) -> float:
        return min(self.cpus) if self.cpus else math.nan


def sdk_installed() -> bool:
    return importlib.util.find_spec(SDK_MODULE) is not None


def contenders(base_url: str, stack: contextlib.ExitStack) -> list[Contender]:
    raw = stack.enter_context(httpx.Client(headers={"Authorization": f"Bearer {API_KEY}"}))
    url = base_url + "/credits"
    package = stack.enter_context(OpenRouter(api_key=API_KEY, server_url=base_url))
    generated = AuthenticatedClient(base_url=base_url, token=API_KEY)
    stack.callback(generated.get_httpx_client().close)
    out = [
        Contender(
            "raw",
            "raw `httpx.Client.get(url).json()` (floor)",
            lambda: raw.get(url).json(),
            lambda r: float(r["data"]["total_credits"]),
        ),
        Contender(
            "package",
            "openrouter_credits `get_credits()` (default retries, headers)",
            package.credits.get_credits,
            lambda r: float(r.data.total_credits),
        ),
        Contender(
            "generated",
            "generated `get_credits.sync()` alone",
            lambda: generated_op.sync(client=generated),
            lambda r: float(r.data.total_credits),
        ),
    ]
    sdk_label = "official `openrouter` SDK `credits.get_credits()`"
    if sdk_installed():
        sdk_module: Any = importlib.import_module(SDK_MODULE)
        sdk = stack.enter_context(sdk_module.OpenRouter(api_key=API_KEY, server_url=base_url))
        out.append(
            Contender("sdk", sdk_label, sdk.credits.get_credits, lambda r: r.data.total_credits)
        )
    else:
        out.append(Contender("sdk", sdk_label, None))
    return out


def time_block(call: Callable[[], object], n: int) -> tuple[float, float]:
    """µs per call, (wall, CPU of this process), over n back-to-back calls."""
    wall0, cpu0 = time.perf_counter_ns(), time.process_time_ns()
    for _ in range(n):
        call()
    cpu1, wall1 = time.process_time_ns(), time.perf_counter_ns()
    return (wall1 - wall0) / n / 1000, (cpu1 - cpu0) / n / 1000


def per_call(server: Server, settings: Settings) -> list[Contender]:
    with contextlib.ExitStack() as stack:
        field_ = contenders(server.base_url, stack)
        active = [c for c in field_ if c.call is not None]
        for c in active:
            assert c.call is not None
            for _ in range(settings.warmup):
                c.call()
            got = c.total_credits(c.call())
            if got != TOTAL_CREDITS:
                raise SystemExit(f"{c.label} read total_credits={got!r}, not {TOTAL_CREDITS}")
        for r in range(settings.rounds):
            log(f"per call: round {r + 1}/{settings.rounds}")
            order = active[r % len(active) :] + active[: r % len(active)]  # rotate the order
            for c in order:
                assert c.call is not None
                gc.collect()
                wall, cpu = time_block(c.call, settings.calls)
                c.walls.append(wall)
                c.cpus.append(cpu)
                server.accepted()  # keeps the stand-in's request log short; cheap for nginx
        return field_


# --- 2. import time ------------------------------------------------------------------------


PROFILES: Final = {
    "user": "user install (httpx without its CLI extras)",
    "dev": "this .venv as it is (httpx also imports its CLI: click, rich, pygments)",
}


def prelude(profile: str) -> str:
    if profile != "user":
        return ""
    names = ", ".join(repr(n) for n in CLI_EXTRAS)
    return f"import sys\nfor _n in ({names},):\n    sys.modules[_n] = None\n"


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    # Measure imports from cached bytecode, as an installed package runs: the first run
    # may write __pycache__ (git-ignored) where the environment forbade it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def run_child(code: str, *flags: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, *flags, "-c", code],
        capture_output=True,
        text=True,
        env=child_env(),
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child python failed:\n{code}\n{done.stderr[-2000:]}")
    return done


def import_ms(module: str, profile: str) -> float:
    code = (
        prelude(profile) + "import time\n_t = time.perf_counter()\n"
        f"import {module}\nprint(time.perf_counter() - _t)\n"
    )
    return float(run_child(code).stdout.strip()) * 1000


def import_times(settings: Settings) -> dict[tuple[str, str], float | None]:
    modules = ["httpx", "openrouter_credits", SDK_MODULE]
    have_sdk = sdk_installed()
    jobs = [(m, p) for p in PROFILES for m in modules if m != SDK_MODULE or have_sdk]
    for module, profile in [] if settings.quick else jobs:  # warm-up: bytecode, disk cache
        import_ms(module, profile)
    samples: dict[tuple[str, str], list[float]] = defaultdict(list)
    for i in range(settings.import_runs):
        log(f"import time: run {i + 1}/{settings.import_runs}")
        for module, profile in jobs[i % len(jobs) :] + jobs[: i % len(jobs)]:
            samples[module, profile].append(import_ms(module, profile))
    out: dict[tuple[str, str], float | None] = {(m, p): None for p in PROFILES for m in modules}
    for key, values in samples.items():
        out[key] = statistics.median(values)
    return out


IMPORTTIME_LINE: Final = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$")


def importtime(code: str) -> dict[str, int]:
    """Module -> self µs, from ``python -X importtime``."""
    out: dict[str, int] = {}
    for line in run_child(code, "-X", "importtime").stderr.splitlines():
        match = IMPORTTIME_LINE.match(line)
        if match:
            out[match.group(4)] = int(match.group(1))
    return out


def import_group(module: str) -> str:
    if module.startswith("openrouter_credits._generated.models"):
        return "generated models (attrs classes)"
    if module.startswith("openrouter_credits._generated"):
        return "generated client, types, errors, api"
    if module.startswith("openrouter_credits"):
        return "openrouter_credits hand-written modules"
    if module.split(".")[0] in ("attr", "attrs"):
        return "attrs"
    return f"standard library: {module.split('.')[0]}"


@dataclass
class ImportExtras:
    total_ms: float
    groups: list[tuple[str, float, int]]  # group, ms, modules
    top: list[tuple[str, float]]


def import_extras(settings: Settings) -> ImportExtras:
    """What ``import openrouter_credits`` imports beyond ``import httpx`` (user profile)."""
    pre = prelude("user")
    runs = settings.importtime_runs
    base = set(importtime(pre + "import httpx\n"))
    per_module: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        for module, us in importtime(pre + "import httpx\nimport openrouter_credits\n").items():
            if module not in base:
                per_module[module].append(us)
    median = {m: statistics.median(v + [0.0] * (runs - len(v))) for m, v in per_module.items()}
    groups: dict[str, list[float]] = defaultdict(list)
    for module, self_us in median.items():
        groups[import_group(module)].append(self_us)
    return ImportExtras(
        total_ms=sum(median.values()) / 1000,
        groups=sorted(((g, sum(v) / 1000, len(v)) for g, v in groups.items()), key=lambda x: -x[1]),
        top=sorted(((m, us / 1000) for m, us in median.items()), key=lambda x: -x[1])[:10],
    )


# --- 3. async ------------------------------------------------------------------------------


@dataclass
class AsyncResult:
    key: str
    n: int
    cold_seconds: float  # the first batch of N, on a fresh client: connecting included
    cold_connections: int  # accepted by the server during the first batch
    warm_calls: int  # the batches of N after it, on the same client
    warm_seconds: float
    warm_connections: int  # accepted during the later batches
    errors: int  # calls that raised or read the wrong credits (all batches)

    @property
    def cold_per_second(self) -> float:
        return self.n / self.cold_seconds if self.cold_seconds else math.nan

    @property
    def warm_per_second(self) -> float:
        return self.warm_calls / self.warm_seconds if self.warm_seconds else math.nan


async def async_run(key: str, server: Server, n: int, batches: int) -> AsyncResult:
    base_url = server.base_url
    url = base_url + "/credits"
    async with contextlib.AsyncExitStack() as stack:
        if key == "raw":
            # The package's per-attempt timeout (30 s) for the same waits on the pool.
            raw = await stack.enter_async_context(
                httpx.AsyncClient(headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30.0)
            )

            async def one() -> float:
                return float((await raw.get(url)).json()["data"]["total_credits"])

        else:
            package = await stack.enter_async_context(
                OpenRouter(api_key=API_KEY, server_url=base_url)
            )

            async def one() -> float:
                return (await package.credits.get_credits_async()).data.total_credits

        async def batch() -> int:
            results = await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)
            bad = [r for r in results if r != TOTAL_CREDITS]
            if bad:
                log(f"async {key}, N={n}: {len(bad)} call(s) failed, first: {bad[0]!r:.300}")
            return len(bad)

        start = server.accepted()
        t0 = time.perf_counter()
        errors = await batch()
        cold = time.perf_counter() - t0
        mid = server.accepted()
        t1 = time.perf_counter()
        for _ in range(batches):
            errors += await batch()
        warm = time.perf_counter() - t1
        end = server.accepted()
    return AsyncResult(key, n, cold, mid - start, n * batches, warm, end - mid, errors)


def package_pool() -> str:
    """The connection limits of the httpx client the package makes, as far as they show."""
    limits = getattr(importlib.import_module("openrouter_credits.client"), "_LIMITS", None)
    if not isinstance(limits, httpx.Limits):
        return "the limits of the httpx client it makes"
    return (
        f"at most {limits.max_connections} connections, "
        f"{limits.max_keepalive_connections} kept idle"
    )


def async_bench(server: Server, settings: Settings) -> list[AsyncResult]:
    out = []
    for n in settings.concurrency:
        batches = max(1, math.ceil(settings.async_calls / n))
        for key in ("raw", "package"):
            log(f"async: N={n}, {key}: one cold batch, then {batches} batch(es)")
            out.append(asyncio.run(async_run(key, server, n, batches)))
    return out


# --- 4. memory -----------------------------------------------------------------------------


def memory_code(key: str, base_url: str) -> str | None:
    auth = f"{{'Authorization': 'Bearer {API_KEY}'}}"
    if key == "python":
        return "pass\n"
    if key == "httpx":
        return (
            "import httpx\n"
            f"with httpx.Client(headers={auth}) as c:\n"
            f"    c.get({base_url + '/credits'!r}).json()\n"
        )
    if key == "sdk" and not sdk_installed():
        return None
    module = "openrouter_credits" if key == "package" else SDK_MODULE
    return (
        f"from {module} import OpenRouter\n"
        f"with OpenRouter(api_key={API_KEY!r}, server_url={base_url!r}) as o:\n"
        "    o.credits.get_credits()\n"
    )


MEMORY_ROWS: Final = {
    "python": "bare python (no import, no call)",
    "httpx": "python + httpx: import + one `Client.get().json()`",
    "package": "openrouter_credits: import + one `get_credits()`",
    "sdk": "official `openrouter` SDK: import + one `get_credits()`",
}


# Linux carries a process's ru_maxrss over fork and exec, so a child of this (large) process
# would report this process's peak: read the child's own high-water mark, VmHWM, instead.
PEAK_RSS_KIB: Final = """
import resource, sys
try:
    with open("/proc/self/status") as _f:
        _kib = next(int(_l.split()[1]) for _l in _f if _l.startswith("VmHWM:"))
except (OSError, StopIteration):
    _rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _kib = _rss // 1024 if sys.platform == "darwin" else _rss
print(_kib)
"""


def peak_rss_mib(code: str, profile: str) -> float:
    return float(run_child(prelude(profile) + code + PEAK_RSS_KIB).stdout.strip()) / 1024


def memory(server: Server, settings: Settings) -> dict[tuple[str, str], float | None]:
    out: dict[tuple[str, str], float | None] = {}
    for key in MEMORY_ROWS:
        code = memory_code(key, server.base_url)
        for profile in PROFILES:
            if code is None:
                out[key, profile] = None
                continue
            log(f"memory: {key} ({profile})")
            out[key, profile] = statistics.median(
                peak_rss_mib(code, profile) for _ in range(settings.memory_runs)
            )
    return out


# --- report --------------------------------------------------------------------------------


def ratio(a: float | None, b: float | None) -> float:
    if a is None or b is None or not b or math.isnan(a) or math.isnan(b):
        return math.nan
    return a / b


def fmt(value: float | None, digits: int = 1, suffix: str = "") -> str:
    if value is None or math.isnan(value):
        return NOT_INSTALLED
    return f"{value:,.{digits}f}{suffix}"


def fmt_ratio(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f}{TIMES}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return NOT_INSTALLED


def source_revision() -> str:
    """The git commit measured, and whether the package's sources differ from it."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "overlays", "generated"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return head + (" with uncommitted changes to the package" if dirty else "")


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def verdict(value: float, ok: bool, quick: bool) -> str:
    if math.isnan(value):
        return "not measured"
    if quick:
        return "(quick run: not judged)"
    return "**met**" if ok else "**missed**"


@dataclass
class Report:
    settings: Settings
    server: str
    nginx: str
    load_before: str
    load_after: str = ""
    per_call: list[Contender] = field(default_factory=list)
    imports: dict[tuple[str, str], float | None] = field(default_factory=dict)
    extras: ImportExtras | None = None
    asyncs: list[AsyncResult] = field(default_factory=list)
    memory: dict[tuple[str, str], float | None] = field(default_factory=dict)
    seconds: float = 0.0

    def render(self) -> str:
        s = self.settings
        out = ["# openrouter-credits benchmarks", ""]
        if s.quick:
            out += ["**Quick run (`--quick`): tiny sample sizes, the figures mean nothing.**", ""]
        out += [
            f"- server: {self.server}",
            f"- machine: {os.cpu_count()} CPUs, {cpu_model()}; {platform.platform()}",
            f"- Python {platform.python_version()} ({sys.executable})",
            f"- source: git {source_revision()}",
            f"- versions: httpx {version('httpx')}, openrouter-credits "
            f"{openrouter_credits.__version__}, openrouter (official SDK) "
            f"{version(SDK_MODULE)}, attrs {version('attrs')}, pydantic "
            f"{version('pydantic')}, nginx {self.nginx}",
            f"- load average before / after: {self.load_before} / {self.load_after}; "
            f"run took {self.seconds:.0f} s",
            "",
        ]
        if self.per_call:
            out += self._per_call()
        if self.imports:
            out += self._imports()
        if self.asyncs:
            out += self._async()
        if self.memory:
            out += self._memory()
        out += self._targets()
        return "\n".join(out) + "\n"

    def _per_call(self) -> list[str]:
        s = self.settings
        raw = self.per_call[0]
        rows = []
        for c in self.per_call:
            if c.call is None:
                rows.append([c.label, NOT_INSTALLED, NOT_INSTALLED, "—", "—", "—", "—"])
                continue
            rows.append(
                [
                    c.label,
                    fmt(c.wall),
                    fmt(c.cpu),
                    fmt_ratio(ratio(c.wall, raw.wall)),
                    fmt_ratio(ratio(c.cpu, raw.cpu)),
                    fmt_ratio(ratio(c.best_wall, raw.best_wall)),
                    fmt_ratio(ratio(c.best_cpu, raw.best_cpu)),
                ]
            )
        return [
            "## 1. Per call (sync, one client each, keep-alive)",
            "",
            f"{s.warmup} warm-up calls each, then {s.rounds} rounds {TIMES} {s.calls} calls, the "
            "contenders interleaved (order rotated per round); median of the rounds, and the "
            "ratio of the best rounds (least disturbed by other load). CPU is this process's "
            + (
                "`time.process_time()`, which here includes the stand-in server's threads."
                if self.server.startswith("openrouter_credits.testing")
                else "`time.process_time()` (the server's CPU is not in it)."
            ),
            "",
            table(
                [
                    "contender",
                    "wall µs/call",
                    "CPU µs/call",
                    f"wall {TIMES} raw",
                    f"CPU {TIMES} raw",
                    f"best rounds: wall {TIMES} raw",
                    f"best rounds: CPU {TIMES} raw",
                ],
                rows,
            ),
            "",
        ]

    def _imports(self) -> list[str]:
        s = self.settings
        labels = {
            "httpx": "`import httpx` (baseline)",
            "openrouter_credits": "`import openrouter_credits`",
            SDK_MODULE: "`import openrouter` (official SDK)",
        }
        rows = []
        for module, label in labels.items():
            row = [label]
            for profile in PROFILES:
                value = self.imports.get((module, profile))
                base = self.imports.get(("httpx", profile))
                row += [fmt(value), fmt_ratio(ratio(value, base)) if value else "—"]
            rows.append(row)
        out = [
            "## 2. Import time (fresh interpreter)",
            "",
            f"`time.perf_counter()` around the import statement in a fresh `python -c`, median "
            f"of {s.import_runs} runs (interleaved, after a warm-up run; bytecode cached). "
            "*user install*: click, rich and pygments hidden, as in an install of this "
            "package (httpx without its `cli` extra); *this .venv*: as it is, where "
            "`import httpx` also imports httpx's command line.",
            "",
            table(
                ["import", "user install ms", f"{TIMES} httpx", "this .venv ms", f"{TIMES} httpx"],
                rows,
            ),
            "",
        ]
        if self.extras is not None:
            e = self.extras
            out += [
                f"What `import openrouter_credits` imports beyond `import httpx` (user install; "
                f"`-X importtime` self times, median of {s.importtime_runs}): "
                f"{e.total_ms:.1f} ms in all.",
                "",
                table(
                    ["group", "ms", "modules"],
                    [[g, f"{ms:.1f}", str(n)] for g, ms, n in e.groups],
                ),
                "",
                "Costliest modules: " + ", ".join(f"`{m}` {ms:.1f} ms" for m, ms in e.top) + ".",
                "",
            ]
        return out

    def _async(self) -> list[str]:
        s = self.settings
        by = {(r.key, r.n): r for r in self.asyncs}
        rows = []
        for n in ALL_N:
            raw, pkg = by.get(("raw", n)), by.get(("package", n))
            if raw is None or pkg is None:
                rows.append([str(n), "not run (--quick)", *["—"] * 8])
                continue
            rows.append(
                [
                    str(n),
                    f"{pkg.warm_calls:,}",
                    fmt(pkg.cold_per_second, 0),
                    fmt(raw.cold_per_second, 0),
                    f"{pkg.cold_connections} / {raw.cold_connections}",
                    fmt(pkg.warm_per_second, 0),
                    fmt(raw.warm_per_second, 0),
                    fmt_ratio(ratio(pkg.warm_per_second, raw.warm_per_second)),
                    f"{pkg.warm_connections} / {raw.warm_connections}",
                    f"{pkg.errors} / {raw.errors}",
                ]
            )
        return [
            "## 3. Async: N concurrent calls on one client",
            "",
            "`asyncio.gather` of N `get_credits_async()` calls on one fresh `OpenRouter`: "
            "first one *cold* batch (the client connects), then *warm* batches of N on the "
            f"same client, at least {s.async_calls:,} calls in all. Reference (*raw*): the "
            "same with `httpx.AsyncClient.get().json()`. *Connections*: accepted by the server "
            "during those batches (package / raw). Pools: raw, httpx's default (at most 100 "
            f"connections, 20 kept idle); the package, {package_pool()}.",
            "",
            table(
                [
                    "N",
                    "warm calls timed",
                    "cold: package calls/s",
                    "cold: raw calls/s",
                    "cold: connections",
                    "warm: package calls/s",
                    "warm: raw calls/s",
                    f"warm: package {TIMES} raw",
                    "warm: new connections",
                    "errors",
                ],
                rows,
            ),
            "",
        ]

    def _memory(self) -> list[str]:
        rows = []
        for key, label in MEMORY_ROWS.items():
            row = [label]
            for profile in PROFILES:
                row.append(fmt(self.memory.get((key, profile))))
            rows.append(row)
        return [
            "## 4. Memory: peak RSS of a fresh interpreter",
            "",
            "The child's own peak resident set size (`VmHWM` in `/proc/self/status`) after the "
            "import and one call against the server, median of "
            f"{self.settings.memory_runs}. (Not `ru_maxrss`: on Linux a child inherits its "
            "parent's over fork and exec, so every row would read this benchmark's own peak.)",
            "",
            table(["process", "user install MiB", "this .venv MiB"], rows),
            "",
        ]

    def _targets(self) -> list[str]:
        quick = self.settings.quick
        by = {c.key: c for c in self.per_call}
        nothing = Contender("", "", None)
        raw, pkg, sdk = by.get("raw", nothing), by.get("package", nothing), by.get("sdk", nothing)
        sdk_wall = ratio(sdk.wall, pkg.wall) if sdk.call else math.nan
        sdk_cpu = ratio(sdk.cpu, pkg.cpu) if sdk.call else math.nan
        wall = ratio(pkg.wall, raw.wall)
        cpu = ratio(pkg.cpu, raw.cpu)
        gen_wall = ratio(by.get("generated", nothing).wall, raw.wall)
        imp_user = ratio(
            self.imports.get(("openrouter_credits", "user")), self.imports.get(("httpx", "user"))
        )
        imp_dev = ratio(
            self.imports.get(("openrouter_credits", "dev")), self.imports.get(("httpx", "dev"))
        )
        rows = [
            [
                f"per call, wall: `get_credits()` ≤ {TARGET_PER_CALL}{TIMES} raw httpx",
                fmt_ratio(wall),
                verdict(wall, wall <= TARGET_PER_CALL, quick),
            ],
            [
                f"per call, CPU: `get_credits()` ≤ {TARGET_PER_CALL}{TIMES} raw httpx",
                fmt_ratio(cpu),
                verdict(cpu, cpu <= TARGET_PER_CALL, quick),
            ],
            [
                f"import, user install: `openrouter_credits` ≤ {TARGET_IMPORT}{TIMES} `httpx`",
                fmt_ratio(imp_user),
                verdict(imp_user, imp_user <= TARGET_IMPORT, quick),
            ],
            [
                f"import, this .venv: `openrouter_credits` ≤ {TARGET_IMPORT}{TIMES} `httpx`",
                fmt_ratio(imp_dev),
                verdict(imp_dev, imp_dev <= TARGET_IMPORT, quick),
            ],
            [
                f"official SDK ≥ {TARGET_SDK_SLOWER:g}{TIMES} slower per call, wall",
                fmt_ratio(sdk_wall),
                verdict(sdk_wall, sdk_wall >= TARGET_SDK_SLOWER, quick),
            ],
            [
                f"official SDK ≥ {TARGET_SDK_SLOWER:g}{TIMES} slower per call, CPU",
                fmt_ratio(sdk_cpu),
                verdict(sdk_cpu, sdk_cpu >= TARGET_SDK_SLOWER, quick),
            ],
        ]
        return [
            "## Ratios and targets",
            "",
            f"- *{TIMES} raw*: this package's time per call over raw httpx's "
            f"(1.00{TIMES} = no cost over the floor; the generated call alone: "
            + fmt_ratio(gen_wall)
            + " wall).",
            f"- *{TIMES} httpx* (import): importing this package over importing httpx alone, which "
            "this package cannot avoid.",
            "- *SDK slower*: the official SDK's time per call over this package's.",
            "",
            table(["target", "measured", "verdict"], rows),
        ]


# --- profile -------------------------------------------------------------------------------


def profile(server: Server, calls: int) -> str:
    try:
        pyinstrument: Any = importlib.import_module("pyinstrument")
    except ImportError:
        raise SystemExit(
            "--profile needs pyinstrument: pip install -r bench/requirements.txt"
        ) from None
    with OpenRouter(api_key=API_KEY, server_url=server.base_url) as client:
        for _ in range(200):
            client.credits.get_credits()
        profiler = pyinstrument.Profiler(interval=0.0002)
        profiler.start()
        for _ in range(calls):
            client.credits.get_credits()
        profiler.stop()
    text: str = profiler.output_text(unicode=True, color=False, show_all=False)
    return text


# --- main ----------------------------------------------------------------------------------


PARTS: Final = ("per-call", "import", "async", "memory")


def keep_to_loopback() -> None:
    """No proxy from the environment: every request goes straight to 127.0.0.1."""
    for name in list(os.environ):
        if name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            del os.environ[name]
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


def on_sigterm(signum: int, frame: types.FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds: the nginx the run started is stopped


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/bench.py", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("--quick", action="store_true", help="a tiny run (for tests)")
    parser.add_argument(
        "--server",
        choices=("auto", "nginx", "stand-in"),
        default="auto",
        help="auto: nginx if installed, else the stand-in server (default)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        metavar="CALLS",
        nargs="?",
        const=5000,
        help="only profile get_credits() with pyinstrument over CALLS calls (default 5000)",
    )
    parser.add_argument(
        "--only",
        type=lambda text: set(text.split(",")),
        default=set(PARTS),
        metavar="PART[,PART...]",
        help=f"run only these parts: {', '.join(PARTS)} (default: all)",
    )
    args = parser.parse_args(argv)
    parts: set[str] = args.only
    if parts - set(PARTS):
        parser.error(f"--only: unknown part(s) {', '.join(sorted(parts - set(PARTS)))}")
    settings = QUICK if args.quick else FULL
    keep_to_loopback()
    signal.signal(signal.SIGTERM, on_sigterm)
    began = time.monotonic()
    with serve(args.server) as server:
        log(f"server: {server.description}")
        if args.profile:
            print(profile(server, args.profile))
            return 0
        report = Report(
            settings,
            server=server.description,
            nginx=nginx_used(server),
            load_before=load_average(),
        )
        if "per-call" in parts:
            report.per_call = per_call(server, settings)
        if "async" in parts:
            report.asyncs = async_bench(server, settings)
        if "memory" in parts:
            report.memory = memory(server, settings)
    if "import" in parts:  # no server needed: it is stopped by now
        report.imports = import_times(settings)
        report.extras = import_extras(settings)
    report.load_after = load_average()
    report.seconds = time.monotonic() - began
    print(report.render(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
