"""The benchmarks (``python -m bench``) themselves: a ``--quick`` run completes and prints
every table row.

No timing is asserted (the quick run's figures mean nothing). The server is nginx when it
is installed, else the stand-in fallback; the official SDK's rows say "not installed" when
``openrouter`` is not importable (``make bench`` installs it, ``make test`` does not).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # bench/ is a package there
SDK_INSTALLED = importlib.util.find_spec("openrouter") is not None
NUMBER = r"[0-9][0-9,]*(?:\.[0-9]+)?"
RATIO = NUMBER + "\N{MULTIPLICATION SIGN}"


@pytest.fixture(scope="module")
def report() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    return done.stdout


def row(report: str, label: str) -> list[str]:
    """The cells of the one table row whose first cell starts with ``label``."""
    found = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in report.splitlines()
        if line.startswith("| " + label)
    ]
    assert len(found) == 1, f"expected one row starting {label!r}, got {found}"
    return found[0]


def test_header_names_the_server_and_the_machine(report: str) -> None:
    assert report.startswith("# openrouter-credits benchmarks\n")
    assert "Quick run (`--quick`)" in report
    server = re.search(r"^- server: (.+)$", report, re.MULTILINE)
    assert server is not None
    assert server.group(1).startswith(("nginx ", "openrouter_credits.testing.StandInServer"))
    for line in ("- machine: ", "- Python ", "- versions: httpx "):
        assert "\n" + line in report


def test_per_call_rows(report: str) -> None:
    assert row(report, "raw `httpx")[3:] == ["1.00\N{MULTIPLICATION SIGN}"] * 4
    cells = row(report, "openrouter_credits `get_credits()`")
    assert re.fullmatch(NUMBER, cells[1]) and re.fullmatch(NUMBER, cells[2])
    assert all(re.fullmatch(RATIO, c) for c in cells[3:]), cells
    sdk = row(report, "official `openrouter` SDK `credits")
    if SDK_INSTALLED:
        assert re.fullmatch(NUMBER, sdk[1]), sdk
    else:
        assert sdk[1:3] == ["not installed", "not installed"]
    # the async pair: its own floor
    assert row(report, "async: raw `await httpx")[3:] == ["1.00\N{MULTIPLICATION SIGN}"] * 4
    cells = row(report, "async: openrouter_credits `await get_credits_async()`")
    assert all(re.fullmatch(RATIO, c) for c in cells[3:]), cells


def test_import_rows(report: str) -> None:
    base = row(report, "`import httpx, attrs, httpcore` (baseline)")
    assert base[2:4] == ["+0.0", "1.00\N{MULTIPLICATION SIGN}"], base
    for label in ("`import httpx`", "`import openrouter_credits`"):
        cells = row(report, label)
        assert re.fullmatch(NUMBER, cells[1]) and re.fullmatch(NUMBER, cells[4]), cells
        assert re.fullmatch(r"[+-]" + NUMBER, cells[2]) and re.fullmatch(RATIO, cells[3]), cells
    sdk = row(report, "`import openrouter` (official")
    assert (re.fullmatch(NUMBER, sdk[1]) is not None) == SDK_INSTALLED, sdk
    assert "imports beyond `import httpx, attrs, httpcore`" in report
    assert row(report, "openrouter_credits hand-written modules")[1] != ""


def test_command_rows(report: str) -> None:
    floor = row(report, "raw httpx script")
    assert floor[3:] == ["1.00\N{MULTIPLICATION SIGN}"] * 2
    for label in ("`openrouter-credits --json`", "`check_openrouter_credits"):
        cells = row(report, label)
        assert re.fullmatch(NUMBER, cells[1]) and re.fullmatch(NUMBER, cells[2]), cells
        assert all(re.fullmatch(RATIO, c) for c in cells[3:]), cells
    sdk = row(report, "official SDK example")
    assert (sdk[1] != "not installed") == SDK_INSTALLED, sdk


def test_async_rows(report: str) -> None:
    for n in (1, 10, 100):
        cells = row(report, f"{n} |")
        assert cells[1] == str(n)  # a quick run: one warm batch of N after the cold one
        for cell in (cells[2], cells[3], cells[5], cells[6]):  # calls per second
            assert re.fullmatch(NUMBER, cell), cells
        # connections the server accepted, and failed calls: package / raw
        for cell in (cells[4], cells[8], cells[9]):
            assert re.fullmatch(r"\d+ / \d+", cell), cells
        assert cells[9] == "0 / 0"
    assert row(report, "1000 |")[1] == "not run (--quick)"


def test_memory_rows(report: str) -> None:
    for label in ("bare python", "python + httpx", "openrouter_credits: import"):
        cells = row(report, label)
        assert all(re.fullmatch(NUMBER, c) for c in cells[1:]), cells
    sdk = row(report, "official `openrouter` SDK: import")
    assert (sdk[1] != "not installed") == SDK_INSTALLED


def test_targets_are_listed_but_not_judged(report: str) -> None:
    targets = report.split("## Ratios and targets", 1)[1]
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in targets.splitlines()
        if line.startswith("| ")
    ][1:]  # the header row left out
    times = "\N{MULTIPLICATION SIGN}"
    assert [re.sub(NUMBER, "N", cells[0]) for cells in rows] == [
        f"per call, sync, CPU: `get_credits()` ≤ N{times} raw httpx",
        f"per call, sync, wall: `get_credits()` ≤ N{times} raw httpx",
        f"per call, async, CPU: `get_credits_async()` ≤ N{times} raw httpx",
        f"per call, async, wall: `get_credits_async()` ≤ N{times} raw httpx",
        f"official SDK ≥ N{times} slower per call, CPU",
        f"official SDK ≥ N{times} slower per call, wall",
        "import, user install: `openrouter_credits` ≤ `httpx, attrs, httpcore` + N ms",
        f"whole run, wall: `openrouter-credits --json` ≤ N{times} the raw httpx script",
        f"whole run, CPU: `openrouter-credits --json` ≤ N{times} the raw httpx script",
        f"whole run, wall: the plugin ≤ N{times} the raw httpx script",
        f"whole run, CPU: the plugin ≤ N{times} the raw httpx script",
        f"whole run, wall: `openrouter-credits --json` ≤ N{times} the official SDK's example",
        f"whole run, CPU: `openrouter-credits --json` ≤ N{times} the official SDK's example",
    ]
    sdk_verdict = "(quick run: not judged)" if SDK_INSTALLED else "not measured"
    verdicts = ["(quick run: not judged)"] * 13
    verdicts[4:6] = verdicts[11:13] = [sdk_verdict] * 2
    assert [cells[2] for cells in rows] == verdicts, rows
    assert "**met**" not in targets and "**missed**" not in targets
