"""``openrouter-credits --prometheus [--output FILE]``: the text format checked by
``promtool check metrics`` and served by a real node_exporter (textfile collector), the
atomic write, and bad output paths. node_exporter and promtool come from Debian
(``make system-deps``); without them those tests skip, saying why."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from openrouter_credits.cli import _credits as cli
from openrouter_credits.cli import _prometheus
from openrouter_credits.testing import Fault, Reply, StandInServer, free_port

from tests.conftest import stop_process

KEY = "sk-or-v1-PROM-SENTINEL-77aa88bb99cc"
NODE_EXPORTER = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not found (Debian package prometheus: make system-deps)"
)
needs_node_exporter = pytest.mark.skipif(
    NODE_EXPORTER is None,
    reason="node_exporter not found (Debian package prometheus-node-exporter: make system-deps)",
)
SAMPLE = re.compile(r"^([a-z_]+) (\S+)$", re.M)
OLD = "# an earlier run's metrics\nopenrouter_credits_read_success 1\n"


def run_subprocess(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "openrouter_credits", *args],
        env={**os.environ, "OPENROUTER_API_KEY": KEY},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert KEY not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result


Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(params=["subprocess", "in-process"])
def run(
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Runner:
    """`run_subprocess`, or its twin calling ``cli.main`` in this process (the same
    checks; the in-process form is what mutation testing can see)."""
    if request.param == "subprocess":
        return run_subprocess

    def in_process(*args: str) -> subprocess.CompletedProcess[str]:
        monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
        capsys.readouterr()
        status = cli.main(list(args))
        out, err = capsys.readouterr()
        assert KEY not in out + err
        assert "Traceback" not in err
        return subprocess.CompletedProcess(list(args), status, out, err)

    return in_process


def samples(text: str) -> dict[str, float]:
    return {name: float(value) for name, value in SAMPLE.findall(text)}


def promtool_check(text: str) -> None:
    assert PROMTOOL is not None
    check = subprocess.run(
        [PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60
    )
    assert (check.returncode, check.stdout, check.stderr) == (0, "", "")


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


# --- the text -------------------------------------------------------------------------


def test_success_on_stdout(server: StandInServer, run: Runner) -> None:
    before = time.time()
    result = run("--server-url", server.base_url, "--prometheus")
    assert (result.returncode, result.stderr) == (0, "")
    values = samples(result.stdout)
    assert values.pop(_prometheus.LAST_SUCCESS) >= before - 1
    assert values == {
        _prometheus.PURCHASED: 100.5,
        _prometheus.USED: 25.75,
        _prometheus.REMAINING: 74.75,
        _prometheus.READ_SUCCESS: 1,
    }
    for name in values:
        assert f"# HELP {name} " in result.stdout
        assert f"# TYPE {name} gauge\n{name} " in result.stdout


def test_failure_on_stdout(server: StandInServer, run: Runner) -> None:
    server.script(Reply(403))
    result = run("--server-url", server.base_url, "--prometheus")
    assert result.returncode == 4
    assert samples(result.stdout) == {_prometheus.READ_SUCCESS: 0}
    assert "HTTP 403" in result.stderr and len(result.stderr.splitlines()) == 1


@needs_promtool
@pytest.mark.parametrize("body", [None, {"data": {"total_credits": 1e-05, "total_usage": 12}}])
def test_promtool_accepts_the_text(
    server: StandInServer, body: dict[str, object] | None, run: Runner
) -> None:
    server.script(Reply(body=body))
    promtool_check(run("--server-url", server.base_url, "--prometheus").stdout)
    promtool_check(_prometheus.exposition(None, 1767225600.5))
    promtool_check(_prometheus.exposition(None))


@needs_promtool
def test_promtool_check_bites() -> None:
    """The check above would catch a badly named gauge."""
    assert PROMTOOL is not None
    bad = "# HELP x_total a\n# TYPE x_total gauge\nx_total 1\n"
    check = subprocess.run([PROMTOOL, "check", "metrics"], input=bad.encode(), capture_output=True)
    assert check.returncode != 0


def test_zero_balance_note(server: StandInServer, run: Runner) -> None:
    server.script(Reply(body={"data": {"total_credits": 0, "total_usage": 0}}))
    result = run("--server-url", server.base_url)
    assert result.returncode == 0
    assert result.stderr.startswith("openrouter-credits: note: total credits and total usage")
    assert "not a management key" in result.stderr


# --- the file ---------------------------------------------------------------------------


def test_output_file_is_replaced_whole(server: StandInServer, tmp_path: Path, run: Runner) -> None:
    target = tmp_path / "openrouter.prom"
    target.write_text(OLD)
    target.chmod(0o640)
    result = run("--server-url", server.base_url, "--prometheus", "--output", str(target))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert samples(target.read_text())[_prometheus.REMAINING] == 74.75
    assert target.stat().st_mode & 0o777 == 0o640  # kept
    assert leftovers(tmp_path) == []


def test_new_file_is_readable_by_others(server: StandInServer, tmp_path: Path, run: Runner) -> None:
    target = tmp_path / "openrouter.prom"
    run("--server-url", server.base_url, "--prometheus", "--output", str(target))
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600


def test_failed_read_keeps_the_last_success_time(
    server: StandInServer, tmp_path: Path, run: Runner
) -> None:
    target = tmp_path / "openrouter.prom"
    args = ["--server-url", server.base_url, "--prometheus", "--output", str(target)]
    assert run(*args).returncode == 0
    first = samples(target.read_text())[_prometheus.LAST_SUCCESS]
    server.default = Reply(503, headers={"Retry-After": "0"})
    result = run(*args)
    assert result.returncode == 5
    assert samples(target.read_text()) == {
        _prometheus.READ_SUCCESS: 0,
        _prometheus.LAST_SUCCESS: first,  # no stale figures, only when they were true
    }


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["--timeout", "0"], 64),  # refused by the parser
        (["--title", "caf\u00e9"], 64),  # refused by the client, after the file was opened
        (["--json"], 64),
    ],
)
def test_usage_errors_leave_the_file_alone(
    server: StandInServer, tmp_path: Path, args: list[str], status: int, run: Runner
) -> None:
    target = tmp_path / "openrouter.prom"
    target.write_text(OLD)
    result = run("--server-url", server.base_url, "--prometheus", "--output", str(target), *args)
    assert (result.returncode, result.stdout) == (status, "")
    assert len(result.stderr.splitlines()) == 1
    assert target.read_text() == OLD
    assert leftovers(tmp_path) == []
    assert server.requests == []


def test_output_needs_prometheus(server: StandInServer, tmp_path: Path, run: Runner) -> None:
    result = run("--server-url", server.base_url, "--output", str(tmp_path / "x.prom"))
    assert result.returncode == 64
    assert "--output needs --prometheus" in result.stderr


def _read_only_directory(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        directory = tmp_path / "ro"
        directory.mkdir()
        (directory / "openrouter.prom").write_text(OLD)
        directory.chmod(0o555)
        try:
            yield directory
        finally:
            directory.chmod(0o755)
        return
    # root writes to any mode-0555 directory; /sys (sysfs) refuses even root, if mounted.
    try:
        fd, name = tempfile.mkstemp(dir="/sys")
    except PermissionError:
        yield Path("/sys")
        return
    except OSError as exc:
        pytest.skip(f"running as root and /sys is unusable here ({exc})")
    os.close(fd)
    os.unlink(name)
    pytest.skip("running as root, and /sys takes files: no read-only directory to try")


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    yield from _read_only_directory(tmp_path)


@pytest.mark.parametrize("where", ["missing", "file-as-directory", "directory-as-file"])
def test_unwritable_output_paths(
    server: StandInServer, tmp_path: Path, where: str, run: Runner
) -> None:
    (tmp_path / "plain").write_text("x")
    (tmp_path / "dir").mkdir()
    target = {
        "missing": tmp_path / "nope" / "x.prom",
        "file-as-directory": tmp_path / "plain" / "x.prom",
        "directory-as-file": tmp_path / "dir",
    }[where]
    result = run("--server-url", server.base_url, "--prometheus", "--output", str(target))
    assert (result.returncode, result.stdout) == (73, "")
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"openrouter-credits: cannot write --output {target}: ")
    assert server.requests == []  # checked before reading anything
    assert (tmp_path / "plain").read_text() == "x"
    assert list((tmp_path / "dir").iterdir()) == []


def test_read_only_directory(server: StandInServer, read_only: Path, run: Runner) -> None:
    target = read_only / "openrouter.prom"
    before = target.read_text() if target.exists() else None
    result = run("--server-url", server.base_url, "--prometheus", "--output", str(target))
    assert (result.returncode, result.stdout) == (73, "")
    assert "Permission denied" in result.stderr and len(result.stderr.splitlines()) == 1
    assert (target.read_text() if target.exists() else None) == before
    assert server.requests == []


# --- a real node_exporter ---------------------------------------------------------------


@pytest.fixture
def node_exporter(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """node_exporter on 127.0.0.1 (a free port), textfile collector only, reading a fresh
    directory: (its /metrics URL, the directory). Always stopped."""
    if NODE_EXPORTER is None:
        pytest.skip("node_exporter not found (Debian package prometheus-node-exporter)")
    directory = tmp_path / "textfile"
    directory.mkdir()
    port = free_port()
    log = (tmp_path / "node_exporter.log").open("wb")
    process = subprocess.Popen(
        [
            NODE_EXPORTER,
            f"--web.listen-address=127.0.0.1:{port}",
            "--collector.disable-defaults",
            "--collector.textfile",
            f"--collector.textfile.directory={directory}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url, timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("node_exporter did not start") from None
                time.sleep(0.1)
        yield url, directory
    finally:
        stop_process(process)
        log.close()


@needs_node_exporter
@needs_promtool
def test_node_exporter_serves_the_gauges(
    server: StandInServer, node_exporter: tuple[str, Path], run: Runner
) -> None:
    url, directory = node_exporter
    target = directory / "openrouter.prom"
    args = ["--server-url", server.base_url, "--prometheus", "--output", str(target)]
    assert run(*args).returncode == 0
    promtool_check(target.read_text())
    scraped = samples(httpx.get(url, timeout=10).text)
    assert scraped["node_textfile_scrape_error"] == 0
    assert scraped[_prometheus.PURCHASED] == 100.5
    assert scraped[_prometheus.USED] == 25.75
    assert scraped[_prometheus.REMAINING] == 74.75
    assert scraped[_prometheus.READ_SUCCESS] == 1
    last = scraped[_prometheus.LAST_SUCCESS]

    server.default = Reply(fault=Fault.NO_HEADERS)  # a hung API, cut by --deadline
    assert run(*args, "--deadline", "1").returncode == 6
    promtool_check(target.read_text())
    scraped = samples(httpx.get(url, timeout=10).text)
    assert scraped["node_textfile_scrape_error"] == 0
    assert scraped[_prometheus.READ_SUCCESS] == 0
    assert scraped[_prometheus.LAST_SUCCESS] == last
    assert _prometheus.REMAINING not in scraped
