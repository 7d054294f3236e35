"""Closing: ``with`` / ``async with`` blocks, nested, with ``close()`` / ``aclose()`` in
between, and the clients you bring (docs/client.md#closing).

Two ways of looking. Leaks: a leak shows as a ``ResourceWarning`` when the forgotten socket
or asyncio transport is collected: each scenario runs to its end (its event loops closed,
its objects dropped), then ``gc.collect()`` runs with every warning recorded, and none may
be a ``ResourceWarning``; the connections are kept alive by the stand-in server, so a
connection this package forgot would still be open. The wire: an async call that may not
keep its connection sends ``Connection: close``, which the stand-in server records (fast,
without ``gc``).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import httpx
import openrouter_credits
import pytest
from openrouter_credits import OpenRouter
from openrouter_credits.testing import StandInServer

from ..conftest import SECRET, client

Scenario = Callable[[str], None]


def _leaks(scenario: Scenario, server: StandInServer) -> list[str]:
    """Run ``scenario`` against ``server``; the ResourceWarnings seen until all is collected."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        scenario(server.base_url)
        gc.collect()
    return [str(w.message) for w in seen if issubclass(w.category, ResourceWarning)]


def _sdk(url: str, async_client: httpx.AsyncClient | None = None) -> OpenRouter:
    return OpenRouter(api_key=SECRET, server_url=url, async_client=async_client)


def with_sync(url: str) -> None:
    with _sdk(url) as sdk:
        sdk.credits.get_credits()
        sdk.credits.get_credits()


def with_async_run(url: str) -> None:
    # Each asyncio.run is an event loop of its own, ended before the block is.
    with _sdk(url) as sdk:
        asyncio.run(sdk.credits.get_credits_async())
        asyncio.run(sdk.credits.get_credits_async())


def with_async_in_loop(url: str) -> None:
    async def main() -> None:
        with _sdk(url) as sdk:
            await sdk.credits.get_credits_async()
            await sdk.credits.get_credits_async()

    asyncio.run(main())


def with_both(url: str) -> None:
    with _sdk(url) as sdk:
        sdk.credits.get_credits()
        asyncio.run(sdk.credits.get_credits_async())


def async_with_async(url: str) -> None:
    async def main() -> None:
        async with _sdk(url) as sdk:
            await sdk.credits.get_credits_async()
            await sdk.credits.get_credits_async()

    asyncio.run(main())


def async_with_sync(url: str) -> None:
    async def main() -> None:
        async with _sdk(url) as sdk:
            sdk.credits.get_credits()

    asyncio.run(main())


def async_with_both(url: str) -> None:
    async def main() -> None:
        async with _sdk(url) as sdk:
            sdk.credits.get_credits()
            await sdk.credits.get_credits_async()

    asyncio.run(main())


def no_block_close(url: str) -> None:
    sdk = _sdk(url)
    sdk.credits.get_credits()
    sdk.close()


def no_block_aclose(url: str) -> None:
    async def main() -> None:
        sdk = _sdk(url)
        sdk.credits.get_credits()
        await sdk.credits.get_credits_async()
        await sdk.aclose()

    asyncio.run(main())


def with_inside_async_with(url: str) -> None:
    async def main() -> None:
        async with _sdk(url) as sdk:
            await sdk.credits.get_credits_async()
            with sdk:
                sdk.credits.get_credits()
                await sdk.credits.get_credits_async()

    asyncio.run(main())


SCENARIOS = [
    with_sync,
    with_async_run,
    with_async_in_loop,
    with_both,
    async_with_async,
    async_with_sync,
    async_with_both,
    no_block_close,
    no_block_aclose,
    with_inside_async_with,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def test_closing_leaves_nothing_open(scenario: Scenario, server: StandInServer) -> None:
    assert _leaks(scenario, server) == []
    assert server.requests, "the scenario made no call"


def test_the_leak_check_sees_a_forgotten_connection(server: StandInServer) -> None:
    # The check itself: an async call whose client is never closed is seen (a client of
    # yours: this package closes only those it made).
    def forgotten(url: str) -> None:
        sdk = OpenRouter(api_key=SECRET, server_url=url, async_client=httpx.AsyncClient())
        asyncio.run(sdk.credits.get_credits_async())

    assert _leaks(forgotten, server)


#: Scripts that drop a client without closing it: each of its calls leaves a connection
#: open (the stand-in server keeps it alive), and then nothing refers to the client.
DROPPED = {
    "sync": "sdk = OpenRouter(api_key='k', server_url=URL)\nsdk.credits.get_credits()\ndel sdk",
    # The usual script: the client is a local of the coroutine asyncio.run runs.
    "async_in_loop": "async def main():\n"
    "    sdk = OpenRouter(api_key='k', server_url=URL)\n"
    "    await sdk.credits.get_credits_async()\n"
    "asyncio.run(main())",
}


@pytest.mark.parametrize("path", DROPPED)
def test_a_dropped_client_closes_its_connections(path: str, server: StandInServer) -> None:
    # As the official SDK's: a weakref.finalize closes the httpx clients this object made.
    script = (
        "import asyncio, gc, sys\nfrom openrouter_credits import OpenRouter\nURL = sys.argv[1]\n"
        f"{DROPPED[path]}\ngc.collect()\nprint('done')\n"
    )
    run = subprocess.run(
        [sys.executable, "-W", "error::ResourceWarning", "-c", script, server.base_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (run.returncode, run.stdout, run.stderr) == (0, "done\n", "")
    assert server.requests


def test_close_after_async_calls_says_what_to_do(server: StandInServer) -> None:
    async def main() -> None:
        sdk = _sdk(server.base_url)
        await sdk.credits.get_credits_async()
        with pytest.warns(ResourceWarning, match=r"async with OpenRouter.*aclose\(\)"):
            sdk.close()
        await sdk.aclose()  # what the warning asks for: then nothing is left

    assert _leaks(lambda _: asyncio.run(main()), server) == []


def test_async_calls_in_a_with_block_use_no_kept_connection(server: StandInServer) -> None:
    with _sdk(server.base_url) as sdk:
        asyncio.run(sdk.credits.get_credits_async())
    assert server.requests[-1].headers["connection"] == "close"
    async_with_async(server.base_url)
    assert server.requests[-1].headers.get("connection") != "close"


def test_your_clients_are_not_closed_and_stay_in_use(server: StandInServer) -> None:
    seen: list[str] = []

    async def ahook(request: httpx.Request) -> None:
        seen.append("async")

    with (
        httpx.Client(event_hooks={"request": [lambda request: seen.append("sync")]}) as own,
    ):
        aown = httpx.AsyncClient(event_hooks={"request": [ahook]})
        sdk = OpenRouter(api_key=SECRET, server_url=server.base_url, client=own, async_client=aown)

        async def main() -> None:
            for _ in range(2):
                async with sdk:
                    sdk.credits.get_credits()
                    await sdk.credits.get_credits_async()
                with sdk:
                    sdk.credits.get_credits()
            assert not aown.is_closed
            await aown.aclose()

        asyncio.run(main())
        assert not own.is_closed
    assert seen == ["sync", "async", "sync"] * 2


# --- which async calls keep their connection, seen on the wire ------------------------


def _closes(server: StandInServer) -> bool:
    """Whether the last request asked to close its connection."""
    return server.requests[-1].headers.get("connection") == "close"


def test_nested_with_blocks_count_until_the_outer_one_ends(server: StandInServer) -> None:
    sdk = _sdk(server.base_url)
    with sdk:
        with sdk:
            pass
        asyncio.run(sdk.credits.get_credits_async())  # still inside the outer block
        assert _closes(server)

    async def outside() -> None:
        await sdk.credits.get_credits_async()
        assert not _closes(server)
        await sdk.aclose()

    asyncio.run(outside())


def test_nested_async_with_blocks_count_until_the_outer_one_ends(server: StandInServer) -> None:
    async def main() -> None:
        sdk = _sdk(server.base_url)
        async with sdk:
            async with sdk:
                pass
            with sdk:  # an async with block around it: connections may be kept
                await sdk.credits.get_credits_async()
            assert not _closes(server)
        with sdk:  # every async with block has ended: a plain with block only
            await sdk.credits.get_credits_async()
        assert _closes(server)

    asyncio.run(main())


def test_close_warns_once_outside_the_package_with_what_to_do(server: StandInServer) -> None:
    async def main() -> None:
        sdk = _sdk(server.base_url)
        await sdk.credits.get_credits_async()
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            sdk.close()
        await sdk.aclose()
        assert [(w.category, str(w.message)) for w in seen] == [
            (
                ResourceWarning,
                "OpenRouter.close() cannot close the connections of async calls: use "
                "`async with OpenRouter(...)`, or `await open_router.aclose()` in the same "
                "event loop",
            )
        ]
        # It points at the caller's line, not into the package (here this file; under
        # mutmut, its trampoline's frame sits in between).
        assert Path(seen[0].filename).parent != Path(openrouter_credits.__file__).parent

    asyncio.run(main())


def test_close_inside_async_with_leaves_the_connections_to_its_end(
    server: StandInServer,
) -> None:
    async def main() -> None:
        async with _sdk(server.base_url) as sdk:
            await sdk.credits.get_credits_async()
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                sdk.close()  # the async with block closes them, in this loop
            await sdk.credits.get_credits_async()
        assert server.connections == 1

    asyncio.run(main())


def test_after_aclose_a_with_block_keeps_no_connection_again(server: StandInServer) -> None:
    sdk = _sdk(server.base_url)

    async def outside() -> None:
        await sdk.credits.get_credits_async()
        await sdk.aclose()

    asyncio.run(outside())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with sdk:  # its async call keeps nothing: closing it has nothing to warn about
            asyncio.run(sdk.credits.get_credits_async())
    assert _closes(server)


def test_your_async_client_is_kept_by_close_and_keeps_its_connections(
    server: StandInServer,
) -> None:
    seen: list[str] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request.headers.get("connection", ""))

    async def main() -> None:
        async with httpx.AsyncClient(event_hooks={"request": [hook]}) as own:
            sdk = _sdk(server.base_url, async_client=own)
            sdk.close()  # before any async call: your client stays the one used
            with sdk:
                await sdk.credits.get_credits_async()
            await sdk.aclose()
            await sdk.credits.get_credits_async()
            assert not own.is_closed

    asyncio.run(main())
    assert seen == ["keep-alive"] * 2  # yours: never told to close its connection
    assert server.connections == 1


@pytest.mark.parametrize("enter", ["with", "async with"])
def test_a_block_of_each_kind_leaves_the_other_count_alone(
    server: StandInServer, enter: str
) -> None:
    async def main() -> None:
        sdk = _sdk(server.base_url)
        if enter == "with":
            with sdk:
                pass
        else:
            async with sdk:
                pass
        await sdk.credits.get_credits_async()  # outside any block: kept
        assert not _closes(server)
        await sdk.aclose()

    asyncio.run(main())


def test_closed_client_opens_a_new_connection_when_used_again(server: StandInServer) -> None:
    sdk = client(server)
    sdk.credits.get_credits()
    sdk.close()
    sdk.close()  # twice is fine
    sdk.credits.get_credits()
    sdk.close()

    async def again() -> None:
        await sdk.credits.get_credits_async()
        await sdk.aclose()
        await sdk.credits.get_credits_async()
        await sdk.aclose()

    asyncio.run(again())
    assert server.connections == 4


# --- a dropped client, in this process (the subprocess tests above never see a mutant) ----


def dropped_sync(url: str) -> None:
    sdk = _sdk(url)
    sdk.credits.get_credits()
    del sdk


def dropped_in_its_loop(url: str) -> None:
    async def main() -> None:
        sdk = _sdk(url)
        await sdk.credits.get_credits_async()
        del sdk  # inside the running loop: closed by a task of that loop

    asyncio.run(main())


def dropped_between_runs_of_its_loop(url: str) -> None:
    loop = asyncio.new_event_loop()
    sdk = _sdk(url)
    loop.run_until_complete(sdk.credits.get_credits_async())
    del sdk  # no loop is running: closed in a loop of its own,
    loop.run_until_complete(asyncio.sleep(0))  # then its socket, when its own loop runs
    loop.close()


DROPPED_HERE = [dropped_sync, dropped_in_its_loop, dropped_between_runs_of_its_loop]


@pytest.mark.parametrize("scenario", DROPPED_HERE, ids=[s.__name__ for s in DROPPED_HERE])
def test_a_dropped_client_closes_its_connections_quietly(
    scenario: Scenario, server: StandInServer, caplog: pytest.LogCaptureFixture
) -> None:
    assert _leaks(scenario, server) == []
    assert server.requests, "the scenario made no call"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_client_dropped_after_its_loop_ended_is_dropped_without_an_error(
    server: StandInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its connections cannot be closed cleanly any more (docs/client.md#closing): the
    # attempt to close them fails, and nothing of that reaches the program.
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)

    def dropped_after_its_loop(url: str) -> None:
        sdk = _sdk(url)
        asyncio.run(sdk.credits.get_credits_async())
        del sdk

    assert _leaks(dropped_after_its_loop, server)  # the documented limit
    assert unraisable == []
