"""``e.message`` of an undocumented status is the official SDK's, byte for byte.

The same reply goes to both SDKs (the official one is a pinned dev dependency); the
``message`` each raises must be equal, across the statuses the official SDK words
differently (4XX/5XX vs the rest), the content types it quotes or not, and bodies it
shows whole, as ``""`` or cut after 10,000 characters.
"""

from __future__ import annotations

from typing import Any

import pytest
from openrouter_credits import OpenRouter, errors
from openrouter_credits.testing import Reply, StandInServer

from .conftest import SECRET

official: Any = pytest.importorskip(
    "openrouter", reason="the official SDK (openrouter==1.3.84, a dev dependency) is not installed"
)


def official_message(server: StandInServer) -> str:
    with (
        official.OpenRouter(api_key=SECRET, server_url=server.base_url) as sdk,
        pytest.raises(official.errors.OpenRouterDefaultError) as info,
    ):
        sdk.credits.get_credits(retries=None)
    return str(info.value.message)


def our_message(server: StandInServer) -> str:
    with (
        OpenRouter(api_key=SECRET, server_url=server.base_url, retry_config=None) as sdk,
        pytest.raises(errors.OpenRouterDefaultError) as info,
    ):
        sdk.credits.get_credits()
    return info.value.message


@pytest.mark.parametrize(
    "reply",
    [
        Reply(400, body="bad", content_type="text/plain"),
        Reply(418, body="<p>teapot</p>", content_type="text/html; charset=utf-8"),
        Reply(599, body="", content_type="text/plain"),
        Reply(600, body="odd", content_type="text/plain"),
        Reply(204, body="", content_type="text/plain"),
        Reply(404, body='{"error": "nope"}', content_type="application/json"),
        Reply(404, body='{"error": "nope"}', content_type="APPLICATION/JSON"),
        Reply(502, body="x" * 10_001, content_type="text/plain"),
        Reply(503, body="y" * 10_000, content_type="text/plain"),
    ],
    ids=lambda r: f"{r.status}-{r.content_type}-{len(str(r.body))}",
)
def test_message_is_the_official_one(server: StandInServer, reply: Reply) -> None:
    server.default = reply
    theirs = official_message(server)
    ours = our_message(server)
    assert ours == theirs
