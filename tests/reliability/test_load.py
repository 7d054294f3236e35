"""Load: one client, many calls (200 concurrent async calls; 8 threads x 100 sync calls),
all succeed and reuse their connections, nothing leaked.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from openrouter_credits import GetCreditsResponse, OpenRouter
from openrouter_credits.testing import StandInServer

from ..conftest import SECRET
from .conftest import check_no_leak, open_fds
from .figures import FIGURES

pytestmark = pytest.mark.usefixtures("no_leak_across_the_module")


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
    # The pool holds at most 100 connections at once, so 200 calls share them. How many it
    # opens in all depends on the scheduler: on a busy machine httpcore replaced a few
    # (up to 112 seen); without the limit each call would open its own (200).
    assert after_burst <= 150
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
