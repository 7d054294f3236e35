"""The reliability suite's figures: what its tests saw (calls, outcomes, leaks, texts scanned,
load and memory figures), summed over the run and written to ``build/reliability.json``.

Tests add to ``FIGURES`` in their own process. Under pytest-xdist each worker hands its
figures to the controller as plain data (``to_wire``, through ``config.workeroutput``);
the controller adds them up (``merge``) and ``publish`` writes the file and the summary
lines once, the same as a serial run's. CONTRIBUTING "The suites" and
docs/maintaining/reliability-suite.md say how they are read.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

FIGURES_FILE: Final = Path(__file__).resolve().parents[2] / "build" / "reliability.json"

#: The key of a worker's figures in ``config.workeroutput`` (pytest-xdist).
WIRE_KEY: Final = "reliability_figures"


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

    def to_wire(self) -> dict[str, Any]:
        """Plain data (what execnet can send) that ``merge`` adds into another ``Figures``."""
        return {
            "runs": [[r.name, r.mode, r.outcome, r.wall, r.bound] for r in self.runs],
            "calls": self.calls,
            "outcomes": dict(self.outcomes),
            "fd_leaks": self.fd_leaks,
            "thread_leaks": self.thread_leaks,
            "texts_scanned": self.texts_scanned,
            "log_records": self.log_records,
            "secret_hits": self.secret_hits,
            "cli_runs": self.cli_runs,
            "examples": self.examples,
            "load": dict(self.load),
            "peaks": dict(self.peaks),
        }

    def merge(self, wire: dict[str, Any]) -> None:
        """Add another process's figures (``to_wire``): counts add up, runs join, and the
        load and memory figures (each set by one test, so by one process) are taken over,
        in the order that process set them (tests/conftest.py merges workers by id)."""
        self.runs += [Run(*run) for run in wire["runs"]]
        self.outcomes.update(wire["outcomes"])
        for name in (
            "calls",
            "fd_leaks",
            "thread_leaks",
            "texts_scanned",
            "log_records",
            "secret_hits",
            "cli_runs",
            "examples",
        ):
            setattr(self, name, getattr(self, name) + int(wire[name]))
        self.load.update(wire["load"])
        self.peaks.update(wire["peaks"])

    def as_json(self) -> dict[str, Any]:
        longest = max(self.runs, key=lambda r: r.wall, default=None)
        tightest = max(self.runs, key=lambda r: r.wall / r.bound, default=None)
        return {
            "scenarios": len({r.name for r in self.runs}),
            "scenario_runs": len(self.runs),
            "calls": self.calls,
            # most first, ties by name: the same order however the runs were split
            "outcomes": dict(sorted(self.outcomes.items(), key=lambda kv: (-kv[1], kv[0]))),
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

    def publish(self, path: Path = FIGURES_FILE) -> list[str]:
        """Write the figures to ``path``; the summary lines for the end of pytest's output."""
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(self.as_json(), indent=2) + "\n")
        return [*self.summary(), f"written to {path.relative_to(path.parents[1])}"]


def _run_json(run: Run | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "scenario": f"{run.name}[{run.mode}]",
        "wall_s": round(run.wall, 3),
        "bound_s": round(run.bound, 3),
    }


#: This process's figures: the tests add to it.
FIGURES = Figures()
