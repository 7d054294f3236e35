"""``check_openrouter_credits --state-file``: the days-left rule against the stand-in
server. Real runs a moment apart (subprocesses: the real clock), and in process on an
injected clock for the exact lines; the state file's refusals and its lock.
The arithmetic alone: test_forecast.py; the daemons: test_plugin_daemons.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from openrouter_credits.cli import _plugin, _state
from openrouter_credits.cli._forecast import Reading
from openrouter_credits.testing import Reply, StandInServer, free_port

from tests.conftest import stop_process

from .conftest import KEY, checked, plugin_subprocess

ROOT = Path(__file__).resolve().parents[2]
#: The pages that may hold the documented session (the monitoring docs).
PAGES = ("README.md", "docs/monitoring.md")
DIRECTIVE = "<!-- doc-test: run by tests/cli/test_plugin_forecast.py -->"
T0 = 1_800_000_000.0
HOUR = 3600.0
DAYS = ("--warning-days", "7", "--critical-days", "3")


def credits(total: float, usage: float) -> Reply:
    return Reply(body={"data": {"total_credits": total, "total_usage": usage}})


class Clock:
    """The injected clock: Unix time ``now``, moved by the test."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


Check = Callable[..., tuple[int, str]]


@pytest.fixture
def check(
    server: StandInServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Check, Clock]]:
    """``_plugin.main`` on the injected clock with ``--state-file`` in ``tmp_path``:
    (state, line) for the stand-in's next reply of ``total``, ``usage``."""
    clock = Clock()
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)

    def go(total: float, usage: float, *args: str) -> tuple[int, str]:
        server.default = credits(total, usage)
        capsys.readouterr()
        state_file = ["--state-file", str(tmp_path / "state")]
        status = _plugin.check([*state_file, *args, "--server-url", server.base_url], clock=clock)
        out, err = capsys.readouterr()
        checked(status, out, err)
        return status, out.removesuffix("\n")

    yield go, clock


# --- the done-when cases: real runs, the real clock --------------------------------------


def test_growing_usage_is_critical_by_days_while_the_balance_is_ok(
    server: StandInServer, tmp_path: Path
) -> None:
    args = ["-w", "10:", "-c", "5:", "--server-url", server.base_url]
    state = ["--state-file", str(tmp_path / "state"), "--critical-days", "3"]
    server.default = credits(100.5, 25.75)
    first = plugin_subprocess(*args, *state)
    assert first[:2] == (0, "OK")
    assert "no days-left forecast yet (1 reading in the last 24h, 2 needed)" in first[2]
    server.default = credits(100.5, 26.75)  # one credit used since
    assert plugin_subprocess(*args)[:2] == (0, "OK")  # the balance alone
    status, _, line = plugin_subprocess(*args, *state)
    assert status == 2
    assert line.startswith("CREDITS CRITICAL - at ")
    assert " days left (below --critical-days 3), 73.75 remaining of 100.50 | " in line
    assert line.endswith(";;;0 days_left=" + line.rsplit("days_left=", 1)[1])
    readings = json.loads((tmp_path / "state").read_text())["readings"]
    assert [r[1:] for r in readings] == [[25.75, 100.5], [26.75, 100.5]]


def test_a_top_up_between_runs_does_not_alarm(server: StandInServer, tmp_path: Path) -> None:
    args = ["-w", "10:", "-c", "5:", "--server-url", server.base_url]
    state = ["--state-file", str(tmp_path / "state"), *DAYS]
    server.default = credits(100.5, 25.75)
    assert plugin_subprocess(*args, *state)[:2] == (0, "OK")
    server.default = credits(200.5, 25.75)  # bought 100, used nothing
    status, _, line = plugin_subprocess(*args, *state)
    assert status == 0
    assert "174.75 remaining of 200.50, no use in the last 24h: no days-left forecast" in line
    assert "burn_rate=0;;;0 days_left=U;7:;3:;0" in line


#: A state file as the plugin writes it: one reading, at T0.
STATE = (
    b'{"format":"check_openrouter_credits state","version":1,'
    b'"readings":[[1800000000.0,28.0,100.0]]}\n'
)
NOT_MINE = (
    "CREDITS UNKNOWN - {path} is not a check_openrouter_credits state file (or it is damaged), "
    "left as it is: delete it to start afresh, or choose another --state-file"
)


def test_a_corrupt_state_file_is_unknown_and_left_as_it_is(
    server: StandInServer, tmp_path: Path
) -> None:
    path = tmp_path / "state"
    path.write_bytes(b'{"format": "check_openrouter_credits state", "version": 1, "readings')
    args = ["-w", "10:", "--state-file", str(path), "--server-url", server.base_url]
    assert plugin_subprocess(*args)[::2] == (3, NOT_MINE.format(path=path))
    assert path.read_bytes().endswith(b'"readings')


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"hello\n",
        b"[]",
        b'{"format": "something else", "version": 1, "readings": []}',
        b'{"format": "check_openrouter_credits state", "version": 2, "readings": []}',
        b'{"format": "check_openrouter_credits state", "version": 1, "readings": {}}',
        b'{"format": "check_openrouter_credits state", "version": 1, "readings": [[1, 2]]}',
        b'{"format": "check_openrouter_credits state", "version": 1, "readings": [[1, 2, "3"]]}',
        b'{"format": "check_openrouter_credits state", "version": 1, "readings": [[1, 2, NaN]]}',
        b'{"format": "check_openrouter_credits state", "version": 1, "readings": [[1, 2, true]]}',
        b"\xff\xfe",
        b'{"format": "check_openrouter_credits state", "version": 1, "readings": [[1, 2, 1'
        + b"0" * 400
        + b"]]}",
        # past 1 MiB: larger than any the plugin writes, so not read whole
        pytest.param(b" " * (1 << 20) + STATE, id="over-1-MiB"),
    ],
)
def test_a_foreign_state_file_is_unknown_and_left_as_it_is(
    check: tuple[Check, Clock], tmp_path: Path, content: bytes
) -> None:
    go, _ = check
    path = tmp_path / "state"
    path.write_bytes(content)
    assert go(100, 28, "-w", "10:") == (3, NOT_MINE.format(path=path))
    assert path.read_bytes() == content


# --- the rule, on the injected clock ---------------------------------------------------


def test_first_reading_then_the_forecast(check: tuple[Check, Clock]) -> None:
    go, clock = check
    assert go(100, 28, *DAYS) == (
        0,
        "CREDITS OK - 72.00 remaining of 100.00, no days-left forecast yet (1 reading in the "
        "last 24h, 2 needed) | remaining=72;; total_credits=100 total_usage=28 "
        "burn_rate=U;;;0 days_left=U;7:;3:;0",
    )
    clock.now += 12 * HOUR  # 3 credits in 12 hours: 6 a day, 69 left: 11.5 days
    assert go(100, 31, *DAYS) == (
        0,
        "CREDITS OK - 69.00 remaining of 100.00, at 6.00 credits/day, 11.5 days left | "
        "remaining=69;; total_credits=100 total_usage=31 burn_rate=6;;;0 "
        "days_left=11.5;7:;3:;0",
    )


@pytest.mark.parametrize(
    ("used", "state", "line"),
    [
        (6, 1, "WARNING - at 12.00 credits/day, 5.5 days left (below --warning-days 7), 66.00"),
        (12, 2, "CRITICAL - at 24.00 credits/day, 2.5 days left (below --critical-days 3), 60.00"),
    ],
)
def test_warning_and_critical_by_days(
    check: tuple[Check, Clock], used: float, state: int, line: str
) -> None:
    go, clock = check
    go(100, 28, *DAYS)
    clock.now += 12 * HOUR
    status, text = go(100, 28 + used, *DAYS)
    assert (status, text.split(" remaining")[0]) == (state, f"CREDITS {line}")


@pytest.mark.parametrize(
    ("balance", "line"),
    [
        # The balance decides: its text comes first.
        (("-c", "70:"), "CRITICAL - 66.00 remaining of 100.00, at 12.00 credits/day, 5.5 days"),
        # The days rule decides.
        (("-w", "70:"), "CRITICAL - at 12.00 credits/day, 5.5 days left (below --critical-days"),
    ],
)
def test_the_worse_state_wins(
    check: tuple[Check, Clock], balance: tuple[str, str], line: str
) -> None:
    go, clock = check
    days = ("--critical-days", "7") if balance[0] == "-w" else ("--warning-days", "7")
    go(100, 28, *balance, *days)
    clock.now += 12 * HOUR
    status, text = go(100, 34, *balance, *days)
    assert status == 2
    assert text.startswith(f"CREDITS {line}")


def test_only_readings_in_the_window_count(check: tuple[Check, Clock]) -> None:
    go, clock = check
    go(100, 10, "--critical-days", "1", "--window", "2d")
    clock.now += 30 * HOUR
    status, text = go(100, 28, "--critical-days", "1")  # the default 24h: the first is out
    assert (status, "no days-left forecast yet (1 reading in the last 24h" in text) == (0, True)
    clock.now += 6 * HOUR  # 36 h after the first reading, 18 credits since
    go(100, 28, "--critical-days", "1", "--window", "48h")
    clock.now += 6 * HOUR  # 12 h after the second, 6 credits since: 12 a day
    status, text = go(100, 34, "--critical-days", "1", "--window", "48h")
    assert "at 12.00 credits/day, 5.5 days left" in text


@pytest.mark.parametrize("usage", [100, 100.25])
def test_nothing_left_is_critical_whatever_the_rate(
    check: tuple[Check, Clock], usage: float
) -> None:
    """Even on the first reading, even with only --warning-days."""
    go, _ = check
    status, text = go(100, usage, "--warning-days", "7")
    assert status == 2
    assert text.startswith("CREDITS CRITICAL - no credits left, ")
    assert text.endswith("burn_rate=U;;;0 days_left=0;7:;;0")


def test_a_state_file_without_days_thresholds_forecasts_without_alerting(
    check: tuple[Check, Clock],
) -> None:
    go, clock = check
    go(100, 28, "-w", "10:")
    clock.now += 12 * HOUR
    assert go(100, 40, "-w", "10:") == (
        0,
        "CREDITS OK - 60.00 remaining of 100.00, at 24.00 credits/day, 2.5 days left | "
        "remaining=60;10:; total_credits=100 total_usage=40 burn_rate=24;;;0 days_left=2.5;;;0",
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "no threshold: give -w/-c for the remaining credits, --warning-days/--critical"),
        (["--warning-days", "7"], "--warning-days and --critical-days need --state-file PATH"),
        (["--critical-days", "3", "--state-file", "s", "--warning-days", "2"],
         "--warning-days 2 is below --critical-days 3: WARNING must come first"),
        (["--state-file", "s", "--warning-days", "0"], "must be a positive number, got '0'"),
        (["--state-file", "s", "--critical-days", "soon"], "not a number: 'soon'"),
        (["--state-file", "s", "--critical-days", "3", "--window", "24"],
         "argument --window: not a duration: '24' (a number followed by s, m, h or d"),
        (["--state-file", "s", "--critical-days", "3", "--window=-1h"], "not a duration"),
        (["--state-file", "s", "--critical-days", "3", "--window", "0d"], "not a duration"),
    ],
)  # fmt: skip
def test_usage_errors(
    server: StandInServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    words: str,
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    status = _plugin.main([*args, "--server-url", server.base_url])
    line = capsys.readouterr().out
    assert status == 3
    assert line.startswith("CREDITS UNKNOWN - usage error: ") and words in line
    assert server.requests == []


def test_window_units() -> None:
    from openrouter_credits.cli._common import duration

    assert [duration(t) for t in ("90s", "90m", "1.5h", "2d")] == [90, 5400, 5400, 172800]


# --- the state file: refusals and the lock ------------------------------------------------


@pytest.mark.parametrize(
    ("where", "words"),
    [
        ("state", "cannot read the state file {path}: Is a directory"),
        ("missing/state", "cannot create the lock file {path}.lock: No such file or directory"),
    ],
)
def test_a_state_file_that_cannot_be_used_is_unknown(
    check: tuple[Check, Clock], tmp_path: Path, where: str, words: str
) -> None:
    go, _ = check
    (tmp_path / "state").mkdir()
    path = tmp_path / where
    status, line = go(100, 28, "-w", "10:", "--state-file", str(path))
    assert (status, line) == (3, f"CREDITS UNKNOWN - {words.format(path=path)}")


def test_a_state_file_that_cannot_be_written_is_unknown(
    check: tuple[Check, Clock], tmp_path: Path
) -> None:
    # Its lock file's name is just short enough, the temporary file's is not.
    path = tmp_path / ("s" * 245)
    status, line = check[0](100, 28, *DAYS, "--state-file", str(path))
    assert (status, line) == (
        3,
        f"CREDITS UNKNOWN - cannot write the state file {path}: File name too long",
    )


def test_a_missing_state_file_is_created(check: tuple[Check, Clock], tmp_path: Path) -> None:
    go, _ = check
    go(100, 28, *DAYS)
    assert (tmp_path / "state").read_bytes() == STATE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state", "state.lock"]


def test_overlapping_runs_lose_no_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs that read the file at the same time take turns: every reading is kept (a slow
    read makes the overlap certain)."""
    path = str(tmp_path / "state")
    real_load = _state.load

    def slow_load(name: str) -> list[Reading]:
        readings = real_load(name)
        time.sleep(0.02)
        return readings

    monkeypatch.setattr(_state, "load", slow_load)
    threads = [
        threading.Thread(target=_plugin._record, args=(path, (T0 + i, i, 100), 86400))
        for i in range(12)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(_state.load(path)) == 12


def test_a_lock_held_too_long_is_unknown(
    check: tuple[Check, Clock], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    go, _ = check
    monkeypatch.setattr(_plugin, "STATE_LOCK_WAIT", 0.3)
    with _state.locked(str(tmp_path / "state"), 1):
        status, line = go(100, 28, *DAYS)
    assert (status, line) == (
        3,
        f"CREDITS UNKNOWN - the state file {tmp_path / 'state'} stayed locked by another run "
        "for 0.3 s",
    )
    assert go(100, 28, *DAYS)[0] == 0  # released


# --- the documented session ----------------------------------------------------------------


def documented_session() -> list[tuple[str, str]]:
    """The console block after `DIRECTIVE` in the monitoring docs: (command, output) pairs."""
    found = []
    for page in PAGES:
        if (ROOT / page).exists():
            text = (ROOT / page).read_text(encoding="utf-8")
            found += re.findall(
                re.escape(DIRECTIVE) + r"\n```console\n(.*?)^```$", text, re.M | re.S
            )
    (block,) = found
    pairs: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        else:
            pairs[-1][1].append(line)
    return [(command, "\n".join(output)) for command, output in pairs]


def figures_masked(text: str) -> str:
    """The rate and days of a run (they depend on the seconds between runs) as R and D."""
    text = re.sub(
        r"at [0-9.]+ credits/day, [0-9.]+ days left", "at R credits/day, D days left", text
    )
    return re.sub(r"(burn_rate|days_left)=[0-9.]+;", r"\1=N;", text)


def test_the_documented_session_runs_as_shown(tmp_path: Path) -> None:
    """The Days left example of the monitoring docs, command by command in bash (the
    stand-in's port a free one), showing what the docs show but for the figures that the
    seconds between the runs decide."""
    (tmp_path / "key").write_text(KEY + "\n")
    (tmp_path / "key").chmod(0o600)  # as the docs make it
    port = str(free_port())
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    env.pop("OPENROUTER_API_KEY", None)
    background: list[subprocess.Popen[str]] = []
    try:
        for command, shown in documented_session():
            command = command.replace("8767", port)
            if command.endswith(" &"):
                server = subprocess.Popen(
                    ["bash", "-c", f"exec {command.removesuffix(' &')}"],
                    cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True,
                )  # fmt: skip
                background.append(server)
                assert server.stdout is not None
                got = server.stdout.readline().rstrip("\n")
            else:
                done = subprocess.run(
                    ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True,
                    text=True, timeout=60, check=False,
                )  # fmt: skip
                assert done.stderr == ""
                got = done.stdout.rstrip("\n")
            assert figures_masked(got.replace(port, "8767")) == figures_masked(shown), command
    finally:
        for server in background:
            stop_process(server)  # type: ignore[arg-type]
            if server.stdout is not None:
                server.stdout.close()
