"""A stand-in OpenRouter server for ``GET /credits``, to test code against this client offline:
real HTTP on 127.0.0.1, scripted replies, recorded requests, faults on the wire.

The API (`._replies`, `._server`) and ``python -m openrouter_credits.testing`` (`._cli`)
are documented in docs/testing.md. Standard library only.
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
