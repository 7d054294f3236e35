"""``make demo``: the command line against the stand-in server; no API key, no internet.

``python tools/demo.py [CLI OPTIONS...]`` starts ``python -m openrouter_credits.testing`` on a
free port, reads its base URL from the first line it prints (waiting at most
``START_SECONDS``), runs ``openrouter-credits --server-url URL [CLI OPTIONS...]`` with a
demo key in ``OPENROUTER_API_KEY``, and always stops the server. The exit status is the
command's (1 when the server does not start).
"""

from __future__ import annotations

import contextlib
import os
import queue
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import types
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Final

START_SECONDS: Final = 15.0
STOP_SECONDS: Final = 5.0
DEMO_KEY: Final = "demo-key"
READER_THREAD: Final = "demo-first-line"


def _command() -> list[str]:
    """The installed console script next to this interpreter, else ``-m``."""
    script = Path(sys.executable).parent / "openrouter-credits"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    found = shutil.which("openrouter-credits")
    return [found] if found else [sys.executable, "-m", "openrouter_credits"]


def _first_line(stream: IO[str], timeout: float) -> str | None:
    """The first line of ``stream``, or ``None`` after ``timeout`` seconds or at its end."""
    lines: queue.Queue[str] = queue.Queue(maxsize=1)

    def read() -> None:
        try:
            lines.put(stream.readline())
        except (OSError, ValueError):  # closed under it: the caller has given up
            lines.put("")

    threading.Thread(target=read, name=READER_THREAD, daemon=True).start()
    try:
        return lines.get(timeout=timeout).strip() or None
    except queue.Empty:
        return None


def _stop(server: subprocess.Popen[str]) -> None:
    if server.poll() is None:
        server.terminate()  # the stand-in server stops cleanly on SIGTERM
        try:
            server.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    if server.stdout is not None:
        server.stdout.close()


def _terminated(signum: int, frame: types.FrameType | None) -> None:
    raise KeyboardInterrupt  # so the finally clauses stop the server


def main(argv: Sequence[str] | None = None) -> int:
    extra = list(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _terminated)
    server = subprocess.Popen(
        [sys.executable, "-m", "openrouter_credits.testing"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = _first_line(server.stdout, START_SECONDS)
        if url is None or not url.startswith("http"):
            try:
                status: int | None = server.wait(0.5)  # it may have just exited
            except subprocess.TimeoutExpired:
                status = None
            why = (
                f"exited with status {status}"
                if status is not None
                else f"printed no URL within {START_SECONDS:g} s"
            )
            print(f"demo: the stand-in server did not start: it {why}", file=sys.stderr)
            return 1
        print(f"Stand-in server at {url} (a local stand-in: no API key, no internet)")
        arguments = ["--server-url", url, *extra]
        shown = " ".join(shlex.quote(arg) for arg in arguments)
        print(f"Running: OPENROUTER_API_KEY={DEMO_KEY} openrouter-credits {shown}", flush=True)
        env = {**os.environ, "OPENROUTER_API_KEY": DEMO_KEY}
        code = subprocess.call([*_command(), *arguments], env=env, stdin=subprocess.DEVNULL)
        if code < 0:  # killed by a signal: the shell's convention
            code = 128 - code
        print(
            "\nAgainst the real API (default server https://openrouter.ai/api/v1), with a "
            "management key:\n  OPENROUTER_API_KEY=sk-or-v1-... .venv/bin/openrouter-credits",
            flush=True,
        )
        return code
    except KeyboardInterrupt:
        return 130
    finally:
        with contextlib.suppress(KeyboardInterrupt):
            _stop(server)


if __name__ == "__main__":
    raise SystemExit(main())
