"""The public client against a real HTTP server on 127.0.0.1, sync and async: helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from openrouter_credits import (
    GetCreditsResponse,
    OpenRouter,
)
from openrouter_credits.testing import StandInServer

from ..conftest import SECRET

Call = Callable[..., GetCreditsResponse]


def client(server: StandInServer, **kwargs: Any) -> OpenRouter:
    kwargs.setdefault("api_key", SECRET)
    return OpenRouter(server_url=server.base_url, **kwargs)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def call(mode: str, sdk: OpenRouter, **kwargs: Any) -> GetCreditsResponse:
    """One get_credits call through the sync or the async path."""
    if mode == "sync":
        return sdk.credits.get_credits(**kwargs)
    import asyncio

    async def run() -> GetCreditsResponse:
        try:
            return await sdk.credits.get_credits_async(**kwargs)
        finally:
            await sdk.aclose()

    return asyncio.run(run())


def raises(mode: str, sdk: OpenRouter, kind: type[BaseException], **kwargs: Any) -> Any:
    with pytest.raises(kind) as info:
        call(mode, sdk, **kwargs)
    return info.value
