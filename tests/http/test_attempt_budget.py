"""One attempt through a client of yours: its timeout is the largest of the client's
per-phase timeouts, and there is none when its reads may wait forever
(docs/retries-and-timeouts.md#slow-servers); a redirect is never followed, whatever the
client says. Against the stand-in
server, sync and async; tests/http/test_slow_servers.py has the servers that stall.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from openrouter_credits import OpenRouter, errors
from openrouter_credits.testing import Reply, StandInServer

from ..conftest import SECRET
from ..reliability.servers import RawServer, respond_huge_chunked

MODES = pytest.mark.parametrize("mode", ["sync", "async"])


def get(
    server: StandInServer | RawServer, mode: str, timeout: httpx.Timeout, follow: bool = False
) -> float:
    """One call through a client of yours with ``timeout``: the total credits."""
    url = server.base_url
    if mode == "sync":
        with (
            httpx.Client(timeout=timeout, follow_redirects=follow) as mine,
            OpenRouter(api_key=SECRET, server_url=url, client=mine) as sdk,
        ):
            return sdk.credits.get_credits().data.total_credits

    async def go() -> float:
        async with (
            httpx.AsyncClient(timeout=timeout, follow_redirects=follow) as mine,
            OpenRouter(api_key=SECRET, server_url=url, async_client=mine) as sdk,
        ):
            return (await sdk.credits.get_credits_async()).data.total_credits

    return asyncio.run(go())


@MODES
def test_a_client_whose_reads_may_wait_forever_is_taken_at_its_word(
    server: StandInServer, mode: str
) -> None:
    # Its other timeouts (0.1 s) do not bound the attempt: only a read timeout would.
    server.default = Reply(delay=0.5)
    assert get(server, mode, httpx.Timeout(0.1, read=None)) == 100.5
    assert len(server.requests) == 1


@MODES
def test_an_attempt_lasts_up_to_the_largest_of_your_clients_timeouts(
    server: StandInServer, mode: str
) -> None:
    server.default = Reply(delay=0.5)
    assert get(server, mode, httpx.Timeout(5.0, connect=0.1, pool=0.1)) == 100.5
    assert len(server.requests) == 1


@MODES
def test_a_client_without_read_timeout_still_has_the_size_limit(mode: str) -> None:
    # A chunked 5 MiB body: no Content-Length to refuse it by, only the bytes read.
    server = RawServer(respond_huge_chunked)
    try:
        with pytest.raises(errors.ResponseValidationError, match="1048576 byte limit"):
            get(server, mode, httpx.Timeout(2.0, read=None))
    finally:
        server.stop()


@MODES
@pytest.mark.parametrize(
    "timeout", [httpx.Timeout(0.5, read=None), httpx.Timeout(5.0)], ids=["no-read-timeout", "timed"]
)
def test_a_client_that_follows_redirects_has_none_followed(
    server: StandInServer, mode: str, timeout: httpx.Timeout
) -> None:
    # Both ways through an attempt: unbounded (no read timeout) and under its deadline.
    server.script(Reply(status=302, headers={"Location": server.base_url + "/credits"}))
    with pytest.raises(errors.OpenRouterDefaultError) as info:
        get(server, mode, timeout, follow=True)
    assert info.value.status_code == 302
    assert len(server.requests) == 1
