"""Secrets, the command line: whatever the server answers (an error echoing the key, a
timeout, retries at ``-v``, nothing listening), the command's output never shows the key and
it ends with one of its documented non-zero exit statuses, without a traceback.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys

import pytest
from openrouter_credits.testing import Reply

from ..conftest import SECRET
from .conftest import scan
from .figures import FIGURES
from .rows import refused
from .scenarios import HTML
from .servers import Lab

pytestmark = pytest.mark.usefixtures("no_leak_across_the_module")


def test_command_line_output_never_shows_the_key() -> None:
    cli = pytest.importorskip(
        "openrouter_credits.cli._credits", reason="the command line (cli.py) is not there yet"
    )
    echo = {"error": {"code": 401, "message": f"bad key {SECRET}"}}
    cases: list[tuple[str, list[Reply], list[str]]] = [
        ("401-echoing-the-key", [Reply(401, echo)], ["--no-retries"]),
        (
            "500-html-echo",
            [Reply(500, f"<html>Bearer {SECRET}</html>", content_type=HTML)],
            ["--no-retries"],
        ),
        ("200-not-credits", [Reply(body=f"<p>{SECRET}</p>", content_type=HTML)], ["--json"]),
        ("timeout", [Reply(delay=2.0)], ["--timeout", "0.2", "--no-retries"]),
        (
            "verbose-retries",
            [Reply(503, headers={"Retry-After": "0"}), Reply(418, f"{SECRET}")],
            ["-v"],
        ),
        ("refused", [], ["--no-retries", "-v"]),
    ]
    env = {**os.environ, "OPENROUTER_API_KEY": SECRET, "PYTHONWARNINGS": "error::ResourceWarning"}
    lab = Lab()
    outputs: list[tuple[str, int, str, str]] = []
    try:
        with contextlib.ExitStack() as stack:
            runs = []
            for name, replies, args in cases:  # all at once: each one waits on its own
                url = lab.stand_in(*replies).base_url if replies else refused(lab).url
                command = [sys.executable, "-m", "openrouter_credits", "--server-url", url, *args]
                process = stack.enter_context(
                    subprocess.Popen(
                        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
                    )
                )
                stack.callback(process.kill)  # runs before Popen.__exit__ waits; no-op if ended
                runs.append((name, process))
            for name, process in runs:
                out, err = process.communicate(timeout=30)
                outputs.append((name, process.returncode, out, err))
    finally:
        lab.close()
    FIGURES.cli_runs += len(outputs)
    for name, status, out, err in outputs:
        scan(out, err)
        assert status in cli.EXIT_STATUSES and status != 0, (name, status, err)
        assert "Traceback" not in err, (name, err)
