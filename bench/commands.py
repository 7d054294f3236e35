"""5. A whole command run: a fresh process that makes one request and prints the credits.

``openrouter-credits --json`` and ``check_openrouter_credits``, next to the scripts in
``bench/scripts/``: raw httpx doing the same request and print (the floor), and the
official SDK's example. Each contender starts as the same ``python -c`` (the *user
install* profile of ``bench.children``, then ``runpy``), interleaved rounds; wall time
around the whole process and its CPU time (user + system). BENCHMARKS.md, section 5.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from bench.cells import Medians
from bench.children import child_env, prelude
from bench.servers import Server
from bench.settings import API_KEY, Settings, log, sdk_installed

SCRIPTS: Final = Path(__file__).resolve().parent / "scripts"


@dataclass
class Command(Medians):
    key: str
    label: str
    runs: str | None  # what runpy runs: a script path, or "-m module"; None: not installed
    args: list[str]
    expect: str  # in its standard output
    walls: list[float] = field(default_factory=list)  # ms per process
    cpus: list[float] = field(default_factory=list)

    def code(self) -> str:
        assert self.runs is not None
        argv = [self.runs, *self.args]
        if self.runs.startswith("-m "):
            module = self.runs.removeprefix("-m ")
            run = f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)"
        else:
            run = f"runpy.run_path({self.runs!r}, run_name='__main__')"
        return prelude("user") + f"import runpy, sys\nsys.argv = {argv!r}\n{run}\n"


def commands(base_url: str) -> list[Command]:
    return [
        Command(
            "raw",
            "raw httpx script (`bench/scripts/raw_httpx.py`, floor)",
            str(SCRIPTS / "raw_httpx.py"),
            [base_url],
            '"remaining": 74.75',
        ),
        Command(
            "cli",
            "`openrouter-credits --json`",
            "-m openrouter_credits",
            ["--json", "--server-url", base_url],
            '"remaining": 74.75',
        ),
        Command(
            "plugin",
            "`check_openrouter_credits -w 10: -c 5:`",
            "-m openrouter_credits.check",
            ["-w", "10:", "-c", "5:", "--server-url", base_url],
            "CREDITS OK",
        ),
        Command(
            "sdk",
            "official SDK example (`bench/scripts/official_sdk.py`)",
            str(SCRIPTS / "official_sdk.py") if sdk_installed() else None,
            [base_url],
            "total_credits=100.5",
        ),
    ]


def run_once(command: Command) -> tuple[float, float]:
    """(wall ms, CPU ms) of one fresh process running ``command``."""
    env = {**child_env(), "OPENROUTER_API_KEY": API_KEY}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", command.code()],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0 or command.expect not in done.stdout:
        raise RuntimeError(
            f"{command.label} failed ({done.returncode}):\n"
            f"{done.stdout[-500:]}{done.stderr[-2000:]}"
        )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall * 1000, cpu * 1000


def command_runs(server: Server, settings: Settings) -> list[Command]:
    field_ = commands(server.base_url)
    active = [c for c in field_ if c.runs is not None]
    for c in [] if settings.quick else active:  # warm-up: bytecode, disk cache
        run_once(c)
    for r in range(settings.command_runs):
        log(f"command runs: round {r + 1}/{settings.command_runs}")
        for c in active[r % len(active) :] + active[: r % len(active)]:
            wall, cpu = run_once(c)
            c.walls.append(wall)
            c.cpus.append(cpu)
    return field_
