"""Nested ``with`` / ``async with`` blocks, ``close()`` / ``aclose()`` in between, and the
clients you bring: which async calls keep their connection (README "Closing").

Observed on the wire: an async call that may not keep its connection sends
``Connection: close``, which the stand-in server records. Fast tests without ``gc``;
``tests/client/test_closing.py`` checks that nothing is left open.
"""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path

import httpx
import openrouter_credits
import pytest
from openrouter_credits import OpenRouter
from openrouter_credits.testing import StandInServer

from ..conftest import SECRET


def _sdk(server: StandInServer, async_client: httpx.AsyncClient | None = None) -> OpenRouter:
    return OpenRouter(api_key=SECRET, server_url=server.base_url, async_client=async_client)


def _closes(server: StandInServer) -> bool:
    """Whether the last request asked to close its connection."""
    return server.requests[-1].headers.get("connection") == "close"


def test_nested_with_blocks_count_until_the_outer_one_ends(server: StandInServer) -> None:
    sdk = _sdk(server)
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
        sdk = _sdk(server)
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
        sdk = _sdk(server)
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
        async with _sdk(server) as sdk:
            await sdk.credits.get_credits_async()
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                sdk.close()  # the async with block closes them, in this loop
            await sdk.credits.get_credits_async()
        assert server.connections == 1

    asyncio.run(main())


def test_after_aclose_a_with_block_keeps_no_connection_again(server: StandInServer) -> None:
    sdk = _sdk(server)

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
            sdk = _sdk(server, async_client=own)
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
        sdk = _sdk(server)
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
