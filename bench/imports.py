"""2. Import time: ``import httpx``, the baseline ``import httpx, attrs, httpcore`` (what
this package cannot avoid: its dependencies, and httpcore, which the first request loads
anyway), ``import openrouter_credits``, ``import openrouter``.

Each in a fresh interpreter (``bench.children``), in both install profiles, median of
interleaved runs; plus what this package imports beyond the baseline and what that costs,
from ``-X importtime``. How to read the figures: BENCHMARKS.md, section 2.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Final

from bench.children import PROFILES, child_float, prelude, run_child
from bench.settings import SDK_MODULE, Settings, log, sdk_installed

BASELINE: Final = "httpx, attrs, httpcore"


def import_ms(module: str, profile: str) -> float:
    code = (
        f"import time\n_t = time.perf_counter()\nimport {module}\nprint(time.perf_counter() - _t)\n"
    )
    return child_float(code, profile) * 1000


def import_times(settings: Settings) -> dict[tuple[str, str], float | None]:
    modules = ["httpx", BASELINE, "openrouter_credits", SDK_MODULE]
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
        return "generated types and endpoint (api)"
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
    """What ``import openrouter_credits`` imports beyond the baseline (user profile)."""
    pre = prelude("user") + f"import {BASELINE}\n"
    runs = settings.importtime_runs
    base = set(importtime(pre))
    per_module: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        for module, us in importtime(pre + "import openrouter_credits\n").items():
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
