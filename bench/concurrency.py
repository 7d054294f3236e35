"""3. Async: N concurrent calls on one client, with raw ``httpx.AsyncClient`` as reference.

For each N, one *cold* batch on a fresh client (it connects), then *warm* batches of N on
the same client: calls per second, and the connections the server accepted meanwhile.
How to read the figures: BENCHMARKS.md, section 3.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import math
import time
from dataclasses import dataclass

import httpx
from openrouter_credits import OpenRouter

from bench.servers import Server
from bench.settings import API_KEY, AUTH_HEADERS, TOTAL_CREDITS, Settings, log


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
                httpx.AsyncClient(headers=AUTH_HEADERS, timeout=30.0)
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
