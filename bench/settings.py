"""What every part of the benchmark shares: the run's sizes, the fixed inputs, the log.

The sizes of a full run and of ``--quick`` (a tiny run for tests whose figures mean
nothing) are explained in BENCHMARKS.md.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass
from typing import Final

from openrouter_credits.testing import EXAMPLE_CREDITS

API_KEY: Final = "sk-or-v1-bench"
AUTH_HEADERS: Final = {"Authorization": f"Bearer {API_KEY}"}
BODY: Final = json.dumps(EXAMPLE_CREDITS, separators=(",", ":")).encode()
TOTAL_CREDITS: Final = float(EXAMPLE_CREDITS["data"]["total_credits"])
SDK_MODULE: Final = "openrouter"
NOT_INSTALLED: Final = "not installed"
ALL_N: Final = (1, 10, 100, 1000)


@dataclass(frozen=True)
class Settings:
    rounds: int
    calls: int
    warmup: int
    import_runs: int
    importtime_runs: int
    memory_runs: int
    command_runs: int  # rounds of fresh command processes
    concurrency: tuple[int, ...]  # the N measured (ALL_N are shown)
    async_calls: int  # warm calls per N: batches of N until at least this many
    quick: bool


FULL = Settings(
    rounds=25,  # short rounds, finely interleaved: a burst of other load hits all alike
    calls=200,
    warmup=300,
    import_runs=15,
    importtime_runs=5,
    memory_runs=3,
    command_runs=15,
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
    command_runs=1,
    concurrency=(1, 10, 100),  # 1000 concurrent calls take httpx ~30 s: see BENCHMARKS.md
    async_calls=1,
    quick=True,
)


def log(message: str) -> None:
    """Progress, on standard error (the report goes to standard output)."""
    print(message, file=sys.stderr, flush=True)


def sdk_installed() -> bool:
    return importlib.util.find_spec(SDK_MODULE) is not None
