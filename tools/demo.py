"""``make demo``: the command line against the stand-in server; no API key, no internet.

``python tools/demo.py [CLI OPTIONS...]`` starts the stand-in server on a free port in this
process, runs the command in process (``openrouter-credits --server-url URL [CLI
OPTIONS...]``, with a demo key in ``OPENROUTER_API_KEY``) and stops the server. The exit
status is the command's.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Sequence
from typing import Final

from openrouter_credits import cli
from openrouter_credits.testing import StandInServer

DEMO_KEY: Final = "demo-key"
REAL_API: Final = """
Against the real API (default server https://openrouter.ai/api/v1), with a management key:
  OPENROUTER_API_KEY=sk-or-v1-... .venv/bin/openrouter-credits"""


def main(argv: Sequence[str] | None = None) -> int:
    with StandInServer() as server:
        print(f"Stand-in server at {server.base_url} (a local stand-in: no API key, no internet)")
        arguments = ["--server-url", server.base_url, *(sys.argv[1:] if argv is None else argv)]
        print(f"Running: OPENROUTER_API_KEY={DEMO_KEY} openrouter-credits {shlex.join(arguments)}")
        os.environ["OPENROUTER_API_KEY"] = DEMO_KEY
        code = cli.main(arguments)
    print(REAL_API, flush=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
