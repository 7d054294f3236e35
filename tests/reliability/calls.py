"""One client call, sync or async, against a row's endpoint: the outcome (the credits or
the exception) and the wall time it took; the key is ``SECRET`` and the client's repr is
scanned for it.
"""

from __future__ import annotations

import asyncio
import time
import traceback
from typing import Final

import httpx
from openrouter_credits import GetCreditsResponse, OpenRouter

from ..conftest import SECRET
from .conftest import scan
from .rows import Endpoint, Scenario

MODES: Final = ("sync", "async")

Outcome = GetCreditsResponse | Exception


def call_sync(endpoint: Endpoint, scenario: Scenario) -> tuple[Outcome, float]:
    own = (
        httpx.Client(verify=endpoint.verify or True, follow_redirects=endpoint.follow_redirects)
        if endpoint.verify or endpoint.follow_redirects
        else None
    )
    try:
        with OpenRouter(
            api_key=SECRET,
            server_url=endpoint.url,
            timeout_ms=scenario.timeout_ms,
            retry_config=scenario.retry,
            client=own,
        ) as sdk:
            scan(repr(sdk))
            started = time.monotonic()
            outcome: Outcome
            try:
                outcome = sdk.credits.get_credits()
            except Exception as exc:
                outcome = exc
            return outcome, time.monotonic() - started
    finally:
        if own is not None:
            own.close()


def call_async(endpoint: Endpoint, scenario: Scenario) -> tuple[Outcome, float]:
    async def run() -> tuple[Outcome, float]:
        own = (
            httpx.AsyncClient(
                verify=endpoint.verify or True, follow_redirects=endpoint.follow_redirects
            )
            if endpoint.verify or endpoint.follow_redirects
            else None
        )
        try:
            async with OpenRouter(
                api_key=SECRET,
                server_url=endpoint.url,
                timeout_ms=scenario.timeout_ms,
                retry_config=scenario.retry,
                async_client=own,
            ) as sdk:
                scan(repr(sdk))
                started = time.monotonic()
                outcome: Outcome
                try:
                    outcome = await sdk.credits.get_credits_async()
                except Exception as exc:
                    outcome = exc
                return outcome, time.monotonic() - started
        finally:
            if own is not None:
                await own.aclose()

    return asyncio.run(run())


CALLS: Final = {"sync": call_sync, "async": call_async}


def describe(outcome: Outcome) -> str:
    if isinstance(outcome, BaseException):
        return "".join(traceback.format_exception(outcome))[-3000:]
    return repr(outcome)
