"""Running the documentation's console examples as a reader would, and comparing output.

A page's fenced blocks are read in order. A ``console`` block holds ``$ command`` lines,
each followed by the output it shows. A comment on the line just before a block changes
how it is treated:

- ``<!-- doc-test: not run: REASON -->``: not run (test_examples.py lists these few);
- ``<!-- doc-test: run by tests/x.py -->``: that test runs it (it must name the page);
- ``<!-- doc-test: file NAME -->``: the block (any language) is written to ``NAME`` in the
  page's directory before its console blocks run;
- ``<!-- doc-test: needs PROGRAM -->``: skipped, with the reason, when ``PROGRAM`` is not
  installed.

All console blocks of a page run in one ``bash`` session, in order, in one directory, as a
reader following the page in one terminal would: stdout and stderr together, ``.venv/bin``
first on ``PATH``. A command ending in ``&`` runs in the background and shows its first
line. Ports in commands are replaced by free ones (the same documented port, the same
free port, within a page); outputs are compared after :func:`normalise`, and a line
``...`` in the documented output stands for any number of lines.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import secrets
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from openrouter_credits.testing import free_port

ROOT: Final = Path(__file__).resolve().parents[2]
VENV_BIN: Final = ROOT / ".venv" / "bin"
DIRECTIVE: Final = re.compile(r"^<!-- doc-test: (.*?) -->$")
FENCE: Final = re.compile(r"^(```+|~~~+)\s*([\w.+-]*)")
PORT: Final = re.compile(r"(127\.0\.0\.1:|--port )(\d+)\b")
COMMAND_TIMEOUT: Final = 180.0
BACKGROUND_FIRST_LINE: Final = 20.0


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    lang: str
    text: str
    directive: str | None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    def commands(self) -> list[tuple[str, str]]:
        """Each ``$ command`` with the output shown under it."""
        pairs: list[tuple[str, list[str]]] = []
        for line in self.text.splitlines():
            if line.startswith("$ "):
                pairs.append((line[2:], []))
            elif pairs:
                pairs[-1][1].append(line)
        return [(command, "\n".join(output)) for command, output in pairs]


def pages() -> list[Path]:
    """README.md, CONTRIBUTING.md and every page under docs/."""
    return [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").rglob("*.md"))]


def blocks(page: Path) -> list[Block]:
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, lang = match.group(1), match.group(2)
        before = lines[i - 1].strip() if i else ""
        directive = DIRECTIVE.match(before)
        end = i + 1
        while end < len(lines) and not lines[end].startswith(fence):
            end += 1
        text = "\n".join(lines[i + 1 : end])
        found.append(Block(page, i + 1, lang, text, directive.group(1) if directive else None))
        i = end + 1
    return found


def normalise(text: str, directory: Path | None = None) -> str:
    """What may differ from run to run made the same: ports, times, dates, Python's and this
    package's versions (the docs need no edit at each release), the directory the page ran
    in (shown as ``/tmp/<name>``), trailing blanks."""
    if directory is not None:
        text = text.replace(str(directory), "/tmp/DIR")
    text = re.sub(r"/tmp/[\w.-]+", "/tmp/DIR", text)
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r"\b\d+\.\d+ ?s\b", "N s", text)  # waits and durations
    text = re.sub(r"\b1[6-9]\d{8}(\.\d+)?\b", "TIMESTAMP", text)  # Unix times
    text = re.sub(r"^Date: .*$", "Date: DATE", text, flags=re.M)
    text = re.sub(r"(?i)\b(python)/\d+\.\d+\.\d+", r"\1/VERSION", text)
    text = re.sub(r"\b(openrouter[-_]credits[-/ ])\d+\.\d+\.\d+\w*", r"\1VERSION", text)
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    return "\n".join(lines)


def matches(expected: str, actual: str) -> bool:
    """``actual`` is ``expected``, where a line ``...`` matches any lines."""
    parts = [
        r"(?:.*\n)*?" if line == "..." else re.escape(line) + r"\n"
        for line in (expected + "\n").splitlines()
    ]
    return re.fullmatch("".join(parts), actual + "\n") is not None


@dataclass
class Session:
    """One bash for one page: commands in, output out, the page's ports mapped."""

    directory: Path
    env: dict[str, str]
    ports: dict[str, str] = field(default_factory=dict)
    _process: subprocess.Popen[str] | None = None
    _lines: queue.Queue[str | None] = field(default_factory=queue.Queue)
    _background: int = 0
    _reader: threading.Thread = field(init=False)

    def __enter__(self) -> Session:
        self._process = subprocess.Popen(
            ["bash", "--noprofile", "--norc", "-s"],
            cwd=self.directory,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._send(
            "__first_line() { local i; for i in $(seq 200); do "
            '[ -s "$1" ] && { head -n 1 "$1"; return; }; sleep 0.1; done; '
            'echo "(no output from the background command)"; }\n'
        )
        return self

    def __exit__(self, *exc: object) -> None:
        process = self._process
        assert process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        self._reader.join(timeout=10)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(BrokenPipeError):
                    stream.close()

    def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _send(self, text: str) -> None:
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write(text)
        self._process.stdin.flush()

    def _map_ports(self, command: str) -> str:
        def swap(match: re.Match[str]) -> str:
            port = self.ports.setdefault(match.group(2), str(free_port()))
            return match.group(1) + port

        return PORT.sub(swap, command)

    def run(self, command: str, timeout: float = COMMAND_TIMEOUT) -> str:
        """Run ``command`` as typed; its output (stdout and stderr, as a terminal shows)."""
        command = self._map_ports(command)
        stripped = command.rstrip()
        if stripped.endswith("&") and not stripped.endswith("&&"):
            self._background += 1
            log = f"/tmp/.doc-test-bg-{os.getpid()}-{id(self)}-{self._background}"
            command = f"{stripped[:-1]} >{log} 2>&1 &\n__first_line {log}; rm -f {log}"
        token = f"__DOC_TEST_{secrets.token_hex(8)}__"
        self._send(f"{command}\nprintf '%s\\n' {token}\n")
        output: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"no end of {command!r} within {timeout:g} s") from None
            if line is None:
                raise RuntimeError(f"the shell ended during {command!r}: {''.join(output)}")
            if token in line:
                output.append(line.split(token, 1)[0])
                return "".join(output)
            output.append(line)


def session_env(directory: Path) -> dict[str, str]:
    """A reader's environment: .venv/bin first on PATH, no key, no make or pytest state."""
    keep = ("LANG", "LC_ALL", "TERM", "TMPDIR", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        PATH=f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
        HOME=str(directory),
        COLUMNS="100",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def copy_repository(destination: Path, *, checked: bool = False) -> Path:
    """The working tree (not .git, .venv, caches or outputs) with the checkout's .venv.

    ``checked``: the copy runs ``make check``: mypy's and ruff's caches come along, warm as
    in the checkout, so only what the copy changes is checked again (a cold mypy spends
    half a minute on the rest)."""
    caches = () if checked else (".mypy_cache", ".ruff_cache")
    skip = shutil.ignore_patterns(
        ".git",
        ".venv",
        "node_modules",
        "build",
        "dist",
        "__pycache__",
        ".pytest_cache",
        ".hypothesis",
        *caches,
    )
    shutil.copytree(ROOT, destination, ignore=skip, symlinks=True)
    (destination / ".venv").symlink_to(ROOT / ".venv")
    if (ROOT / "node_modules").exists():
        (destination / "node_modules").symlink_to(ROOT / "node_modules")
    # make must never find the shared .venv's stamp out of date here: that would reinstall
    # the package from the copy.
    for name in ("requirements/uv.txt", "requirements/dev.txt", "pyproject.toml"):
        os.utime(destination / name, (0, 0))
    return destination
