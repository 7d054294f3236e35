"""``make demo [DEMO_ARGS=...]``: the command, in this process, against the stand-in server
on a free port, with a demo key; no API key, no internet. The exit status is the command's.
"""

from __future__ import annotations

import os
import shlex
import sys

from openrouter_credits import cli
from openrouter_credits.testing import StandInServer

if __name__ == "__main__":
    with StandInServer() as server:
        print(f"Stand-in server at {server.base_url} (a local stand-in: no API key, no internet)")
        arguments = ["--server-url", server.base_url, *sys.argv[1:]]
        print(f"Running: OPENROUTER_API_KEY=demo-key openrouter-credits {shlex.join(arguments)}")
        os.environ["OPENROUTER_API_KEY"] = "demo-key"
        code = cli.main(arguments)
    print(
        "\nAgainst the real API (default server https://openrouter.ai/api/v1), with a management"
        " key:\n  OPENROUTER_API_KEY=sk-or-v1-... .venv/bin/openrouter-credits",
        flush=True,
    )
    raise SystemExit(code)
