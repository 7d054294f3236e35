"""``openrouter-credits --prometheus [--output FILE]`` (:mod:`openrouter_credits.cli._prometheus`):
the exact exposition after a success and after a failure, reading back the last success
time, and :class:`AtomicFile`'s promises, in process; the text checked by ``promtool check
metrics`` and served by a real node_exporter (textfile collector), the atomic write and bad
output paths, as a subprocess and in process (`command`); the exact lines around
``--prometheus`` and ``--output``, in process (`run`). node_exporter and promtool come from
Debian (``make system-deps``); without them those tests skip, saying why."""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from openrouter_credits.cli import _prometheus
from openrouter_credits.cli._prometheus import AtomicFile, Figures, exposition, last_success
from openrouter_credits.testing import Fault, Reply, StandInServer, free_port

from tests.conftest import stop_process

from .conftest import PROG, InProcess, Runner, at

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
SUCCESS_TEXT = """\
# HELP openrouter_purchased_credits Total credits purchased (total_credits of GET /credits).
# TYPE openrouter_purchased_credits gauge
openrouter_purchased_credits 100.5
# HELP openrouter_used_credits Total credits used (total_usage of GET /credits).
# TYPE openrouter_used_credits gauge
openrouter_used_credits 25.75
# HELP openrouter_remaining_credits Credits remaining: total credits minus total usage.
# TYPE openrouter_remaining_credits gauge
openrouter_remaining_credits 74.75
# HELP openrouter_credits_read_success 1 if the last read of GET /credits succeeded, 0 if it failed.
# TYPE openrouter_credits_read_success gauge
openrouter_credits_read_success 1
# HELP openrouter_credits_last_success_timestamp_seconds Unix time of the last successful read of GET /credits.
# TYPE openrouter_credits_last_success_timestamp_seconds gauge
openrouter_credits_last_success_timestamp_seconds 1767225600.25
"""  # noqa: E501
FAILURE_TEXT = """\
# HELP openrouter_credits_read_success 1 if the last read of GET /credits succeeded, 0 if it failed.
# TYPE openrouter_credits_read_success gauge
openrouter_credits_read_success 0
"""
LAST_SUCCESS_TEXT = """\
# HELP openrouter_credits_last_success_timestamp_seconds Unix time of the last successful read of GET /credits.
# TYPE openrouter_credits_last_success_timestamp_seconds gauge
openrouter_credits_last_success_timestamp_seconds 1767225600.0
"""  # noqa: E501


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


# --- the exposition and the atomic file, in process -----------------------------------


def test_exposition_after_a_success() -> None:
    assert exposition(Figures(100.5, 25.75, 74.75, 1767225600.25)) == SUCCESS_TEXT


def test_exposition_after_a_failure() -> None:
    assert exposition(None) == FAILURE_TEXT
    assert exposition(None, 1767225600.0) == FAILURE_TEXT + LAST_SUCCESS_TEXT


def test_numbers_are_shortest_floats() -> None:
    text = exposition(Figures(1e-05, 1e16, -3.0, 0.5))
    assert "openrouter_purchased_credits 1e-05\n" in text
    assert "openrouter_used_credits 1e+16\n" in text
    assert "openrouter_remaining_credits -3.0\n" in text


def test_last_success_reads_back_what_was_written(tmp_path: Path) -> None:
    path = tmp_path / "x.prom"
    path.write_text(SUCCESS_TEXT, encoding="utf-8")
    assert last_success(str(path)) == 1767225600.25
    path.write_text(FAILURE_TEXT + LAST_SUCCESS_TEXT, encoding="utf-8")
    assert last_success(str(path)) == 1767225600.0


@pytest.mark.parametrize(
    "content",
    [
        FAILURE_TEXT.encode(),  # no last success yet
        b"openrouter_credits_last_success_timestamp_seconds -5\n",  # not a valid time
        b"openrouter_credits_last_success_timestamp_seconds 12 extra\n",
        b"\xff\xfe" + LAST_SUCCESS_TEXT.encode(),  # not UTF-8
        b"#" * 100_000 + b"\n" + LAST_SUCCESS_TEXT.encode(),  # beyond the first 64 KiB
    ],
    ids=["none", "negative", "trailing-words", "not-utf8", "too-far"],
)
def test_last_success_ignores_what_is_not_a_valid_time(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.prom"
    path.write_bytes(content)
    assert last_success(str(path)) is None


def test_last_success_of_a_missing_file(tmp_path: Path) -> None:
    assert last_success(str(tmp_path / "missing.prom")) is None
    assert last_success(str(tmp_path)) is None  # a directory


def test_an_existing_directory_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError) as caught:
        AtomicFile(str(tmp_path)).open()
    error = caught.value
    assert (error.errno, error.strerror, error.filename) == (
        errno.EISDIR,
        "is a directory",
        str(tmp_path),
    )
    assert list(tmp_path.iterdir()) == []


def test_commit_replaces_the_file_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "x.prom"
    target.write_text("old\n", encoding="utf-8")
    with AtomicFile(str(target)) as file:
        assert len(list(tmp_path.iterdir())) == 2  # the temporary file, next to it
        file.commit("new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.prom"]


def test_without_commit_nothing_changes(tmp_path: Path) -> None:
    target = tmp_path / "x.prom"
    with AtomicFile(str(target)) as file:
        pass
    file.discard()  # again: nothing to do, nothing closed
    os.fstat(1)
    assert list(tmp_path.iterdir()) == []


def test_the_temporary_file_is_hidden_and_not_prom(tmp_path: Path) -> None:
    """Named .NAME.*.tmp: the textfile collector reads only *.prom; and if it is gone
    before the end (someone cleaned up), leaving still works."""
    with AtomicFile(str(tmp_path / "x.prom")):
        (temp,) = tmp_path.iterdir()
        assert re.fullmatch(r"\.x\.prom\.[^.]+\.tmp", temp.name), temp.name
        temp.unlink()
    assert list(tmp_path.iterdir()) == []


def test_commit_outside_the_with_block_is_refused(tmp_path: Path) -> None:
    file = AtomicFile(str(tmp_path / "x.prom"))
    file.discard()  # before open: closes nothing
    os.fstat(1)  # standard output is still open
    message = "AtomicFile.commit outside its with block, or twice"
    with pytest.raises(RuntimeError) as caught:
        file.commit("x")
    assert str(caught.value) == message
    with file:
        file.commit("x\n")
        with pytest.raises(RuntimeError):
            file.commit("y\n")
    assert (tmp_path / "x.prom").read_text(encoding="utf-8") == "x\n"


def test_a_failed_commit_cannot_be_retried_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "x.prom"
    with AtomicFile(str(target)) as file:
        target.mkdir()  # the rename into place will fail
        with pytest.raises(IsADirectoryError):
            file.commit("x\n")
        with pytest.raises(RuntimeError, match="outside its with block, or twice"):
            file.commit("x\n")
    assert [p.name for p in tmp_path.iterdir()] == ["x.prom"]
    assert list(target.iterdir()) == []


# --- the text, end to end -------------------------------------------------------------


def test_success_on_stdout(server: StandInServer, command: Runner) -> None:
    before = time.time()
    result = command(*at(server, "--prometheus"))
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


def test_failure_on_stdout(server: StandInServer, command: Runner) -> None:
    server.script(Reply(403))
    result = command(*at(server, "--prometheus"))
    assert result.returncode == 4
    assert samples(result.stdout) == {_prometheus.READ_SUCCESS: 0}
    assert "HTTP 403" in result.stderr and len(result.stderr.splitlines()) == 1


@needs_promtool
@pytest.mark.parametrize("body", [None, {"data": {"total_credits": 1e-05, "total_usage": 12}}])
def test_promtool_accepts_the_text(
    server: StandInServer, body: dict[str, object] | None, command: Runner
) -> None:
    server.script(Reply(body=body))
    promtool_check(command(*at(server, "--prometheus")).stdout)
    promtool_check(_prometheus.exposition(None, 1767225600.5))
    promtool_check(_prometheus.exposition(None))


@needs_promtool
def test_promtool_check_bites() -> None:
    """The check above would catch a badly named gauge."""
    assert PROMTOOL is not None
    bad = "# HELP x_total a\n# TYPE x_total gauge\nx_total 1\n"
    check = subprocess.run([PROMTOOL, "check", "metrics"], input=bad.encode(), capture_output=True)
    assert check.returncode != 0


# --- the file -------------------------------------------------------------------------


def test_output_file_is_replaced_whole(
    server: StandInServer, tmp_path: Path, command: Runner
) -> None:
    target = tmp_path / "openrouter.prom"
    target.write_text(OLD)
    target.chmod(0o640)
    result = command(*at(server, "--prometheus", "--output", str(target)))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert samples(target.read_text())[_prometheus.REMAINING] == 74.75
    assert target.stat().st_mode & 0o777 == 0o640  # kept
    assert leftovers(tmp_path) == []


def test_new_file_is_readable_by_others(
    server: StandInServer, tmp_path: Path, command: Runner
) -> None:
    target = tmp_path / "openrouter.prom"
    command(*at(server, "--prometheus", "--output", str(target)))
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600


def test_failed_read_keeps_the_last_success_time(
    server: StandInServer, tmp_path: Path, command: Runner
) -> None:
    target = tmp_path / "openrouter.prom"
    args = ["--server-url", server.base_url, "--prometheus", "--output", str(target)]
    assert command(*args).returncode == 0
    first = samples(target.read_text())[_prometheus.LAST_SUCCESS]
    server.default = Reply(503, headers={"Retry-After": "0"})
    result = command(*args)
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
    server: StandInServer, tmp_path: Path, args: list[str], status: int, command: Runner
) -> None:
    target = tmp_path / "openrouter.prom"
    target.write_text(OLD)
    result = command(*at(server, "--prometheus", "--output", str(target), *args))
    assert (result.returncode, result.stdout) == (status, "")
    assert len(result.stderr.splitlines()) == 1
    assert target.read_text() == OLD
    assert leftovers(tmp_path) == []
    assert server.requests == []


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
    server: StandInServer, tmp_path: Path, where: str, command: Runner
) -> None:
    (tmp_path / "plain").write_text("x")
    (tmp_path / "dir").mkdir()
    target = {
        "missing": tmp_path / "nope" / "x.prom",
        "file-as-directory": tmp_path / "plain" / "x.prom",
        "directory-as-file": tmp_path / "dir",
    }[where]
    result = command(*at(server, "--prometheus", "--output", str(target)))
    assert (result.returncode, result.stdout) == (73, "")
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"openrouter-credits: cannot write --output {target}: ")
    assert server.requests == []  # checked before reading anything
    assert (tmp_path / "plain").read_text() == "x"
    assert list((tmp_path / "dir").iterdir()) == []


def test_read_only_directory(server: StandInServer, read_only: Path, command: Runner) -> None:
    target = read_only / "openrouter.prom"
    before = target.read_text() if target.exists() else None
    result = command(*at(server, "--prometheus", "--output", str(target)))
    assert (result.returncode, result.stdout) == (73, "")
    assert "Permission denied" in result.stderr and len(result.stderr.splitlines()) == 1
    assert (target.read_text() if target.exists() else None) == before
    assert server.requests == []


# --- a real node_exporter -------------------------------------------------------------


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
    server: StandInServer, node_exporter: tuple[str, Path], command: Runner
) -> None:
    url, directory = node_exporter
    target = directory / "openrouter.prom"
    args = ["--server-url", server.base_url, "--prometheus", "--output", str(target)]
    assert command(*args).returncode == 0
    promtool_check(target.read_text())
    scraped = samples(httpx.get(url, timeout=10).text)
    assert scraped["node_textfile_scrape_error"] == 0
    assert scraped[_prometheus.PURCHASED] == 100.5
    assert scraped[_prometheus.USED] == 25.75
    assert scraped[_prometheus.REMAINING] == 74.75
    assert scraped[_prometheus.READ_SUCCESS] == 1
    last = scraped[_prometheus.LAST_SUCCESS]

    server.default = Reply(fault=Fault.NO_HEADERS)  # a hung API, cut by --deadline
    assert command(*args, "--deadline", "1").returncode == 6
    promtool_check(target.read_text())
    scraped = samples(httpx.get(url, timeout=10).text)
    assert scraped["node_textfile_scrape_error"] == 0
    assert scraped[_prometheus.READ_SUCCESS] == 0
    assert scraped[_prometheus.LAST_SUCCESS] == last
    assert _prometheus.REMAINING not in scraped


RULES = Path(_prometheus.__file__).with_name(_prometheus.RULES_FILE)
RULES_TESTS = Path(__file__).with_name("prometheus-rules.test.yml")


@needs_promtool
def test_shipped_rules_pass_promtool_check_and_their_unit_tests() -> None:
    """``promtool check rules``, then ``promtool test rules`` with the cases of
    prometheus-rules.test.yml: series that cross the days-left line and series that do
    not, a top-up, nothing left, low, stale."""
    assert PROMTOOL is not None
    for command in (["check", "rules", str(RULES)], ["test", "rules", str(RULES_TESTS)]):
        done = subprocess.run(
            [PROMTOOL, *command], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
    for name in (_prometheus.USED, _prometheus.REMAINING, _prometheus.LAST_SUCCESS):
        assert name in RULES.read_text()


def test_prometheus_rules_prints_the_shipped_rules(command: Runner, server: StandInServer) -> None:
    """No key, no request: the file as it is, status 0."""
    done = command("--prometheus-rules", "--server-url", server.base_url, key=None)
    assert (done.returncode, done.stdout, done.stderr) == (0, RULES.read_text(), "")
    assert server.requests == []


# --- exact lines around --prometheus and --output, in process ---------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--output", "x.prom"], "--output needs --prometheus"),
        (["--prometheus", "--json"], "--prometheus and --json cannot be combined"),
    ],
)
def test_option_conflicts(
    server: StandInServer, run: InProcess, args: list[str], says: str
) -> None:
    assert run(*at(server, *args)) == (64, "", f"{PROG}error: {says} (see --help)\n")
    assert server.requests == []


def test_output_in_a_missing_directory(
    server: StandInServer, run: InProcess, tmp_path: Path
) -> None:
    target = tmp_path / "nope" / "x.prom"
    assert run(*at(server, "--prometheus", "--output", str(target))) == (
        73,
        "",
        f"{PROG}cannot write --output {target}: cannot create a file in {target.parent}: "
        "No such file or directory\n",
    )


def test_output_that_is_a_directory(server: StandInServer, run: InProcess, tmp_path: Path) -> None:
    assert run(*at(server, "--prometheus", "--output", str(tmp_path))) == (
        73,
        "",
        f"{PROG}cannot write --output {tmp_path}: it is a directory\n",
    )
    assert list(tmp_path.iterdir()) == []


def test_failed_read_publishes_only_the_success_gauge(
    server: StandInServer, run: InProcess
) -> None:
    server.script(Reply(401, body={"error": {"code": 401, "message": "revoked"}}))
    assert run(*at(server, "--prometheus")) == (
        3,
        FAILURE_TEXT,
        f"{PROG}the API key was rejected (HTTP 401: revoked); "
        "check OPENROUTER_API_KEY or --api-key-file\n",
    )


def test_failed_read_with_output_writes_the_gauge_to_the_file(
    server: StandInServer, run: InProcess, tmp_path: Path
) -> None:
    target = tmp_path / "x.prom"
    server.script(Reply(403))
    status, out, _ = run(*at(server, "--prometheus", "--output", str(target)))
    assert (status, out) == (4, "")
    assert target.read_text(encoding="utf-8") == FAILURE_TEXT


@contextmanager
def _directory_appears(server: StandInServer, target: Path) -> Iterator[None]:
    """While the command waits for the server (which delays its reply), a directory takes
    the --output path: the temporary file was made, its rename will fail."""

    def make() -> None:
        deadline = time.monotonic() + 10
        while not server.requests and time.monotonic() < deadline:
            time.sleep(0.005)
        target.mkdir()
        (target / "inside").write_text("x", encoding="utf-8")

    thread = threading.Thread(target=make)
    thread.start()
    try:
        yield
    finally:
        thread.join()


@pytest.mark.parametrize(
    ("reply", "status", "first"),
    [
        (Reply(delay=0.5), 73, ""),
        (
            Reply(403, body={"error": {"code": 403, "message": "no"}}, delay=0.5),
            73,
            "the API key may not read credits (HTTP 403: no); GET /credits needs a management "
            "key: https://openrouter.ai/docs/guides/overview/auth/management-api-keys; and ",
        ),
    ],
    ids=["after-a-read", "after-a-failed-read"],
)
def test_output_that_cannot_be_renamed_into_place(
    server: StandInServer, run: InProcess, tmp_path: Path, reply: Reply, status: int, first: str
) -> None:
    target = tmp_path / "x.prom"
    server.script(reply)
    with _directory_appears(server, target):
        result = run(*at(server, "--prometheus", "--output", str(target)))
    assert result == (
        status,
        "",
        f"{PROG}{first}cannot write --output {target}: it is a directory\n",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.prom"]  # no temporary file left
