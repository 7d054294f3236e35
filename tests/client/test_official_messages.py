"""``e.message`` of an undocumented status is the official SDK's, byte for byte.

The same reply goes to both SDKs (the official one is a pinned dev dependency); the
``message`` each raises must be equal, across the statuses the official SDK words
differently (4XX/5XX vs the rest), the content types it quotes, leaves bare or has none
of, and bodies it shows whole, as ``""`` or cut after 10,000 characters; and the documented
statuses whose body is not their JSON.
"""

from __future__ import annotations

from typing import Any

import pytest
from openrouter_credits import OpenRouter, errors
from openrouter_credits.testing import Reply, StandInServer

from ..conftest import SECRET

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


def our_message(
    server: StandInServer, expected: type[errors.OpenRouterError] = errors.OpenRouterDefaultError
) -> str:
    with (
        OpenRouter(api_key=SECRET, server_url=server.base_url, retry_config=None) as sdk,
        pytest.raises(expected) as info,
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
        Reply(418, body=b"no content type"),
        Reply(404, body='{"error": "nope"}', content_type="application/json"),
        Reply(404, body='{"error": "nope"}', content_type="APPLICATION/JSON"),
        Reply(502, body="x" * 10_001, content_type="text/plain"),
        Reply(503, body="y" * 10_000, content_type="text/plain"),
    ],
    ids=lambda r: f"{r.status}-{r.content_type}-{len(r.payload()[0])}",
)
def test_message_is_the_official_one(server: StandInServer, reply: Reply) -> None:
    server.default = reply
    theirs = official_message(server)
    ours = our_message(server)
    assert ours == theirs


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, errors.UnauthorizedResponseError),
        (403, errors.ForbiddenResponseError),
        (500, errors.InternalServerResponseError),
    ],
)
def test_a_documented_status_without_its_json_keeps_the_official_message(
    server: StandInServer, status: int, expected: type[errors.OpenRouterError]
) -> None:
    """The official SDK raises its default error there; ours keeps the documented type
    (docs/migrating.md#differences-from-the-official-sdk) but the same ``message``, the
    body quoted."""
    server.default = Reply(status, body="<html>gateway says no</html>", content_type="text/html")
    theirs = official_message(server)
    assert our_message(server, expected) == theirs
    assert theirs.endswith("Body: <html>gateway says no</html>")
