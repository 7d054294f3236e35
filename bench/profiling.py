"""``--profile``: where ``get_credits()`` spends its time, from pyinstrument.

pyinstrument comes with ``bench/requirements.txt`` (``make bench`` installs it). A profile
and what it led to: BENCHMARKS.md.
"""

from __future__ import annotations

import importlib
from typing import Any

from openrouter_credits import OpenRouter

from bench.servers import Server
from bench.settings import API_KEY


def profile(server: Server, calls: int) -> str:
    try:
        pyinstrument: Any = importlib.import_module("pyinstrument")
    except ImportError:
        raise SystemExit(
            "--profile needs pyinstrument: pip install -r bench/requirements.txt"
        ) from None
    with OpenRouter(api_key=API_KEY, server_url=server.base_url) as client:
        for _ in range(200):
            client.credits.get_credits()
        profiler = pyinstrument.Profiler(interval=0.0002)
        profiler.start()
        for _ in range(calls):
            client.credits.get_credits()
        profiler.stop()
    text: str = profiler.output_text(unicode=True, color=False, show_all=False)
    return text
