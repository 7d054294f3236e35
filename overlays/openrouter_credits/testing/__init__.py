"""A stand-in OpenRouter server for ``GET /credits``, to test code against this client offline.

It runs on 127.0.0.1 (a free port by default) in background threads, answers
``GET``/``HEAD /api/v1/credits`` with replies you script, records every request, and can
misbehave on the wire (see `Fault`)::

    from openrouter_credits.testing import Fault, Reply, StandInServer

    with StandInServer() as server:
        server.script(Reply(status=503, headers={"Retry-After": "0"}), Reply(fault=Fault.RESET))
        ...  # call the client with server_url=server.base_url: 503, reset, then the default
        assert server.requests[0].headers["authorization"] == "Bearer sk-test"

``python -m openrouter_credits.testing`` runs it from the command line (`._cli`);
the HTTP side, one method per fault, is `._wire`. docs/testing.md documents both.
Standard library only.
"""

from ._cli import main
from ._replies import EXAMPLE_CREDITS, Fault, RecordedRequest, Reply
from ._server import StandInServer, free_port

__all__ = [
    "EXAMPLE_CREDITS",
    "Fault",
    "RecordedRequest",
    "Reply",
    "StandInServer",
    "free_port",
    "main",
]
