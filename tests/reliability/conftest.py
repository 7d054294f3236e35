"""The reliability suite's shared fixtures: the figures it collects (written to
``build/reliability.json`` and printed at the end of the run, quoted in README.md,
"Reliability"), the sentinel-key scan of every text a user may see, and the check that no
file descriptor or thread outlives a run. Any test module in this folder gets the figures
and the secret watch; the modules of the scenario suite also ask for
``no_leak_across_the_module``.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pytest
from openrouter_credits import errors

from ..conftest import END_OF_RUN, SECRET, SecretScan

FIGURES_FILE: Final = Path(__file__).resolve().parents[2] / "build" / "reliability.json"


# --- figures ---------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    mode: str
    outcome: str
    wall: float
    bound: float


@dataclass
class Figures:
    """What the suite saw, for the README: filled by the tests, written at the end."""

    runs: list[Run] = field(default_factory=list)
    calls: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    fd_leaks: int = 0
    thread_leaks: int = 0
    texts_scanned: int = 0
    log_records: int = 0
    secret_hits: int = 0
    cli_runs: int = 0
    examples: int = 0
    load: dict[str, int] = field(default_factory=dict)
    peaks: dict[str, int] = field(default_factory=dict)

    def call(self, outcome: object) -> None:
        self.calls += 1
        self.outcomes[type(outcome).__name__] += 1

    def as_json(self) -> dict[str, Any]:
        longest = max(self.runs, key=lambda r: r.wall, default=None)
        tightest = max(self.runs, key=lambda r: r.wall / r.bound, default=None)
        return {
            "scenarios": len({r.name for r in self.runs}),
            "scenario_runs": len(self.runs),
            "calls": self.calls,
            "outcomes": dict(self.outcomes.most_common()),
            "longest": _run_json(longest),
            "closest_to_bound": _run_json(tightest),
            "fd_leaks": self.fd_leaks,
            "thread_leaks": self.thread_leaks,
            "secret_hits": self.secret_hits,
            "texts_scanned": self.texts_scanned,
            "log_records_scanned": self.log_records,
            "cli_runs": self.cli_runs,
            "property_examples": self.examples,
            "load": self.load,
            "peak_memory_bytes": self.peaks,
        }

    def summary(self) -> list[str]:
        data = self.as_json()
        lines = [
            f"{data['scenarios']} scenarios, {data['scenario_runs']} runs (sync + async); "
            f"{self.calls} client calls in all "
            f"({self.examples} of them generated responses); {self.cli_runs} command-line runs",
            "outcomes: " + ", ".join(f"{k} {v}" for k, v in data["outcomes"].items()),
        ]
        for label, key in (
            ("longest wall time", "longest"),
            ("closest to its bound", "closest_to_bound"),
        ):
            run = data[key]
            if run:
                wall, bound = run["wall_s"], run["bound_s"]
                lines.append(f"{label}: {run['scenario']} {wall:.2f} s, bound {bound:.2f} s")
        lines.append(
            f"leaks: {self.fd_leaks} file descriptors, {self.thread_leaks} threads "
            "(ResourceWarning is an error)"
        )
        lines.append(
            f"secret hits: {self.secret_hits} in {self.texts_scanned} texts scanned "
            f"({self.log_records} DEBUG log records, exception texts and reprs, CLI output)"
        )
        if self.load:
            lines.append("load: " + ", ".join(f"{k} {v}" for k, v in self.load.items()))
        if self.peaks:
            lines.append(
                "peak memory refusing large bodies: "
                + ", ".join(f"{k} {v / (1 << 20):.2f} MiB" for k, v in sorted(self.peaks.items()))
            )
        return lines


def _run_json(run: Run | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "scenario": f"{run.name}[{run.mode}]",
        "wall_s": round(run.wall, 3),
        "bound_s": round(run.bound, 3),
    }


FIGURES = Figures()


@pytest.fixture(scope="session", autouse=True)
def reliability_figures(request: pytest.FixtureRequest) -> Iterator[Figures]:
    """Writes build/reliability.json and prints the summary when the run ends."""
    yield FIGURES
    if FIGURES.calls:
        FIGURES_FILE.parent.mkdir(exist_ok=True)
        FIGURES_FILE.write_text(json.dumps(FIGURES.as_json(), indent=2) + "\n")
        where = FIGURES_FILE.relative_to(FIGURES_FILE.parents[1])
        request.config.stash[END_OF_RUN] = [*FIGURES.summary(), f"written to {where}"]


# --- secrets ---------------------------------------------------------------------------


def scan(*texts: str) -> None:
    """Count the texts and any that show the key; one that does fails the test at once."""
    FIGURES.texts_scanned += len(texts)
    hits = [text for text in texts if SECRET in text]
    FIGURES.secret_hits += len(hits)
    assert not hits, f"the API key is shown: {hits[0][:300]!r}"


def exception_texts(exc: BaseException) -> list[str]:
    """Everything a user may print of an exception: traceback, str, repr, body, responses."""
    texts = ["".join(traceback.format_exception(exc))]
    link: BaseException | None = exc
    for _ in range(10):  # the cause chain is short; bounded anyway
        if link is None:
            break
        texts += [str(link), repr(link), repr(link.args)]
        if isinstance(link, errors.OpenRouterError):
            response = link.raw_response
            texts += [link.body, repr(response), repr(link.headers), repr(response.request.headers)]
            texts.append(repr(getattr(link, "data", None)))
        link = link.__cause__ or link.__context__
    return texts


@pytest.fixture(autouse=True)
def secret_watch(secret_scan: SecretScan) -> Iterator[SecretScan]:
    """The suite-wide log scan (tests/conftest.py), counted into the figures."""
    yield secret_scan
    FIGURES.log_records += secret_scan.records
    FIGURES.texts_scanned += secret_scan.records
    FIGURES.secret_hits += len(secret_scan.hits)


# --- leaks -----------------------------------------------------------------------------


def fd_table() -> dict[str, str]:
    """This process's open file descriptors: number -> what it is (socket:[...], a path)."""
    table = {}
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the listing's own fd is gone by now
            table[fd] = os.readlink(f"/proc/self/fd/{fd}")
    return table


def open_fds() -> int:
    return len(fd_table())


def settle(fds: int, threads: int, within: float = 5.0) -> tuple[int, int]:
    """Growth in open fds and live threads over the baseline, once things have closed."""
    deadline = time.monotonic() + within
    while True:
        growth = open_fds() - fds, threading.active_count() - threads
        if max(growth) <= 0 or time.monotonic() > deadline:
            return growth
        time.sleep(0.01)


def check_no_leak(fds: int, threads: int) -> None:
    fd_growth, thread_growth = settle(fds, threads)
    FIGURES.fd_leaks += max(fd_growth, 0)
    FIGURES.thread_leaks += max(thread_growth, 0)
    assert fd_growth <= 0, f"{fd_growth} file descriptors outlived the run: {fd_table()}"
    assert thread_growth <= 0, f"threads outlived the run: {threading.enumerate()}"


@pytest.fixture(scope="module")
def no_leak_across_the_module() -> Iterator[None]:
    """No fd or thread outlives a module (asked for by the scenario suite's modules)."""
    fds, threads = open_fds(), threading.active_count()
    yield
    check_no_leak(fds, threads)
