"""The command line of the benchmarks: ``python -m bench [--quick] [--only ...] [--profile]``.

``make bench`` runs it (``BENCH_ARGS`` passes the options); the options are described in
BENCHMARKS.md. It starts the server, runs the parts asked for, and prints the report.
"""

from __future__ import annotations

import argparse
import os
import signal
import time
import types
from collections.abc import Sequence
from typing import Final

import bench
from bench.commands import command_runs
from bench.concurrency import async_bench
from bench.environment import load_average
from bench.imports import import_extras, import_times
from bench.memory import memory
from bench.per_call import per_call
from bench.profiling import profile
from bench.report import Report
from bench.servers import nginx_used, serve
from bench.settings import FULL, QUICK, log

PARTS: Final = ("per-call", "import", "async", "memory", "commands")


def keep_to_loopback() -> None:
    """No proxy from the environment: every request goes straight to 127.0.0.1."""
    for name in list(os.environ):
        if name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            del os.environ[name]
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


def on_sigterm(signum: int, frame: types.FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds: the nginx the run started is stopped


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=(bench.__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="a tiny run (for tests)")
    parser.add_argument(
        "--server",
        choices=("auto", "nginx", "stand-in"),
        default="auto",
        help="auto: nginx if installed, else the stand-in server (default)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        metavar="CALLS",
        nargs="?",
        const=5000,
        help="only profile get_credits() with pyinstrument over CALLS calls (default 5000)",
    )
    parser.add_argument(
        "--only",
        type=lambda text: set(text.split(",")),
        default=set(PARTS),
        metavar="PART[,PART...]",
        help=f"run only these parts: {', '.join(PARTS)} (default: all)",
    )
    args = parser.parse_args(argv)
    parts: set[str] = args.only
    if parts - set(PARTS):
        parser.error(f"--only: unknown part(s) {', '.join(sorted(parts - set(PARTS)))}")
    settings = QUICK if args.quick else FULL
    keep_to_loopback()
    signal.signal(signal.SIGTERM, on_sigterm)
    began = time.monotonic()
    with serve(args.server) as server:
        log(f"server: {server.description}")
        if args.profile:
            print(profile(server, args.profile))
            return 0
        report = Report(
            settings,
            server=server.description,
            nginx=nginx_used(server),
            load_before=load_average(),
        )
        if "per-call" in parts:
            report.per_call = per_call(server, settings)
        if "async" in parts:
            report.asyncs = async_bench(server, settings)
        if "memory" in parts:
            report.memory = memory(server, settings)
        if "commands" in parts:
            report.commands = command_runs(server, settings)
    if "import" in parts:  # no server needed: it is stopped by now
        report.imports = import_times(settings)
        report.extras = import_extras(settings)
    report.load_after = load_average()
    report.seconds = time.monotonic() - began
    print(report.render(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
