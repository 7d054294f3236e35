"""The reliability figures add up across pytest-xdist workers: the figures of a run split
over two processes, handed over as plain data and merged, read the same as one process's
(figures.py; tests/conftest.py does the hand-over)."""

from __future__ import annotations

from pathlib import Path

import execnet
import pytest

from .figures import Figures, Run


def see(figures: Figures, part: int) -> None:
    """What one part of a run adds: calls, runs, leaks, scans and a load figure."""
    for outcome in ("ok", ValueError("x"), KeyError("y"))[part:]:
        figures.call(outcome)
    figures.runs.append(Run(f"row-{part}", "sync", "str", 0.5 + part, 2.0))
    figures.fd_leaks += part
    figures.thread_leaks += 1
    figures.texts_scanned += 10 + part
    figures.log_records += 7
    figures.cli_runs += part
    figures.examples += 3
    figures.load[f"burst {part}"] = 100 + part
    figures.peaks[f"shape/{part}"] = 1 << (20 + part)


def test_two_workers_figures_merge_into_the_one_process_figures() -> None:
    whole, first, second = Figures(), Figures(), Figures()
    for part, figures in ((0, first), (1, second)):
        see(whole, part)
        see(figures, part)
    merged, backwards = Figures(), Figures()
    for figures in (first, second):
        merged.merge(figures.to_wire())
    for figures in (second, first):
        backwards.merge(figures.to_wire())
    assert merged.as_json() == whole.as_json() == backwards.as_json()
    assert merged.summary() == whole.summary()
    assert merged.as_json()["calls"] == 5 and merged.as_json()["scenario_runs"] == 2


def test_the_hand_over_is_data_execnet_can_send() -> None:
    figures = Figures()
    see(figures, 1)
    wire = figures.to_wire()
    assert execnet.loads(execnet.dumps(wire)) == wire  # a Counter or a Run would not pass


def test_publish_writes_the_file_and_names_it(tmp_path: Path) -> None:
    figures = Figures()
    see(figures, 0)
    path = tmp_path / "build" / "reliability.json"
    lines = figures.publish(path)
    assert lines[-1] == "written to build/reliability.json"
    assert '"calls": 3' in path.read_text()


@pytest.mark.parametrize("outcomes", [("b", "a"), ("a", "b")])
def test_outcome_ties_read_the_same_whichever_worker_saw_them_first(
    outcomes: tuple[str, str],
) -> None:
    figures = Figures()
    for name in outcomes:
        figures.outcomes[name] += 1
    assert list(figures.as_json()["outcomes"]) == ["a", "b"]
