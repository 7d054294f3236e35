"""The benchmark's report: one Markdown document, in the layout of BENCHMARKS.md's results.

A header on the server, machine, versions and load, one section per part that ran, and
the targets (``bench.targets``).
"""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass, field

import openrouter_credits

from bench.cells import TIMES, fmt, fmt_ratio, ratio, table
from bench.children import PROFILES
from bench.commands import Command
from bench.concurrency import AsyncResult, package_pool
from bench.environment import cpu_model, source_revision, version
from bench.imports import BASELINE, ImportExtras
from bench.memory import MEMORY_ROWS
from bench.per_call import Contender
from bench.settings import ALL_N, NOT_INSTALLED, SDK_MODULE, Settings
from bench.targets import targets


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
    commands: list[Command] = field(default_factory=list)
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
        if self.commands:
            out += self._commands()
        out += targets(self.per_call, self.imports, self.commands, s.quick)
        return "\n".join(out) + "\n"

    def _per_call(self) -> list[str]:
        s = self.settings
        floors = {c.key: c for c in self.per_call}
        rows = []
        for c in self.per_call:
            raw = floors["async-raw" if c.key.startswith("async") else "raw"]
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
            "## 1. Per call (one client each, keep-alive)",
            "",
            f"{s.warmup} warm-up calls each, then {s.rounds} rounds {TIMES} {s.calls} calls, the "
            "contenders interleaved (order rotated per round); median of the rounds, and the "
            "ratio of the best rounds (least disturbed by other load). The async rows await "
            "their calls one after another on one event loop, and their ratios are to the "
            "async floor. CPU is this process's "
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
            "httpx": "`import httpx`",
            BASELINE: f"`import {BASELINE}` (baseline)",
            "openrouter_credits": "`import openrouter_credits`",
            SDK_MODULE: "`import openrouter` (official SDK)",
        }
        rows = []
        for module, label in labels.items():
            row = [label]
            for profile in PROFILES:
                value = self.imports.get((module, profile))
                base = self.imports.get((BASELINE, profile))
                over = "—" if value is None or base is None else f"{value - base:+.1f}"
                row += [fmt(value), over, fmt_ratio(ratio(value, base)) if value else "—"]
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
                [
                    "import",
                    "user install ms",
                    "ms over baseline",
                    f"{TIMES} baseline",
                    "this .venv ms",
                    "ms over baseline",
                    f"{TIMES} baseline",
                ],
                rows,
            ),
            "",
        ]
        if self.extras is not None:
            e = self.extras
            out += [
                f"What `import openrouter_credits` imports beyond `import {BASELINE}` (user "
                "install; "
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

    def _commands(self) -> list[str]:
        floor = self.commands[0]
        rows = []
        for c in self.commands:
            if c.runs is None:
                rows.append([c.label, NOT_INSTALLED, NOT_INSTALLED, "—", "—"])
                continue
            wall, cpu = ratio(c.wall, floor.wall), ratio(c.cpu, floor.cpu)
            rows.append([c.label, fmt(c.wall), fmt(c.cpu), fmt_ratio(wall), fmt_ratio(cpu)])
        return [
            "## 5. A whole command run (fresh process, one request, print)",
            "",
            "Each contender in a fresh interpreter (user install), the same `python -c` "
            "starting it through `runpy`; wall time around the process and its CPU time (user "
            f"+ system), median of {self.settings.command_runs} interleaved rounds after a "
            "warm-up run.",
            "",
            table(
                [
                    "process",
                    "wall ms",
                    "CPU ms",
                    f"wall {TIMES} raw script",
                    f"CPU {TIMES} raw script",
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
