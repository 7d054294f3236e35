"""1. Per call: wall and CPU time of one call, per contender, interleaved rounds.

Sync: raw ``httpx.Client.get(url).json()`` (the floor), this package's ``get_credits()``
and the official SDK's ``credits.get_credits()``; async: raw
``httpx.AsyncClient.get(url).json()`` awaited in a loop (the async floor) and
``get_credits_async()`` the same way, on one event loop. Each on its own keep-alive
client: warm-up, then rounds of back-to-back calls with the order rotated per round. How
to read the figures: BENCHMARKS.md, section 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from openrouter_credits import OpenRouter

from bench.cells import Medians
from bench.servers import Server
from bench.settings import (
    API_KEY,
    AUTH_HEADERS,
    SDK_MODULE,
    TOTAL_CREDITS,
    Settings,
    log,
    sdk_installed,
)


@dataclass
class Contender(Medians):
    key: str
    label: str
    call: Callable[[], object] | None  # None: not installed
    total_credits: Callable[[Any], float] = lambda result: math.nan
    #: n calls back to back (default: ``call`` n times; async: one loop turn for all n).
    block: Callable[[int], None] | None = None
    walls: list[float] = field(default_factory=list)  # µs per call, one per round
    cpus: list[float] = field(default_factory=list)

    @property
    def best_wall(self) -> float:
        return min(self.walls) if self.walls else math.nan

    @property
    def best_cpu(self) -> float:
        return min(self.cpus) if self.cpus else math.nan


def async_contenders(base_url: str, stack: contextlib.ExitStack) -> list[Contender]:
    """The async pair, on one event loop: each call, and n calls, awaited in a loop."""
    loop = asyncio.new_event_loop()
    stack.callback(loop.close)
    raw = httpx.AsyncClient(headers=AUTH_HEADERS)
    package = OpenRouter(api_key=API_KEY, server_url=base_url)
    stack.callback(lambda: loop.run_until_complete(package.aclose()))
    stack.callback(lambda: loop.run_until_complete(raw.aclose()))
    url = base_url + "/credits"

    async def raw_calls(n: int) -> Any:
        for _ in range(n):
            result = (await raw.get(url)).json()
        return result

    async def package_calls(n: int) -> Any:
        for _ in range(n):
            result = await package.credits.get_credits_async()
        return result

    return [
        Contender(
            "async-raw",
            "async: raw `await httpx.AsyncClient.get(url)` + `.json()` (floor)",
            lambda: loop.run_until_complete(raw_calls(1)),
            lambda r: float(r["data"]["total_credits"]),
            lambda n: loop.run_until_complete(raw_calls(n)),
        ),
        Contender(
            "async-package",
            "async: openrouter_credits `await get_credits_async()`",
            lambda: loop.run_until_complete(package_calls(1)),
            lambda r: float(r.data.total_credits),
            lambda n: loop.run_until_complete(package_calls(n)),
        ),
    ]


def contenders(base_url: str, stack: contextlib.ExitStack) -> list[Contender]:
    raw = stack.enter_context(httpx.Client(headers=AUTH_HEADERS))
    url = base_url + "/credits"
    package = stack.enter_context(OpenRouter(api_key=API_KEY, server_url=base_url))
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


def time_block(c: Contender, n: int) -> tuple[float, float]:
    """µs per call, (wall, CPU of this process), over n back-to-back calls."""
    call = c.call
    assert call is not None
    wall0, cpu0 = time.perf_counter_ns(), time.process_time_ns()
    if c.block is not None:
        c.block(n)
    else:
        for _ in range(n):
            call()
    cpu1, wall1 = time.process_time_ns(), time.perf_counter_ns()
    return (wall1 - wall0) / n / 1000, (cpu1 - cpu0) / n / 1000


def per_call(server: Server, settings: Settings) -> list[Contender]:
    with contextlib.ExitStack() as stack:
        field_ = contenders(server.base_url, stack) + async_contenders(server.base_url, stack)
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
                wall, cpu = time_block(c, settings.calls)
                c.walls.append(wall)
                c.cpus.append(cpu)
                server.accepted()  # keeps the stand-in's request log short; cheap for nginx
        return field_
