"""``python -m openrouter_credits.testing``: the stand-in server scripted from the command line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import openrouter_credits
import pytest
from openrouter_credits.testing import EXAMPLE_CREDITS, Fault, Reply
from openrouter_credits.testing._cli import main, parse

OVERLAYS = Path(openrouter_credits.__file__).resolve().parent.parent
ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join([str(OVERLAYS), *filter(None, [os.environ.get("PYTHONPATH")])]),
}
COMMAND = [sys.executable, "-m", "openrouter_credits.testing"]


@contextmanager
def running(*argv: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """The command started with ``argv``; its base URL (first line) and the process."""
    with subprocess.Popen(
        [*COMMAND, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV
    ) as process:
        try:
            assert process.stdout is not None
            base_url = process.stdout.readline().strip()
            assert base_url.startswith("http://127.0.0.1:"), process.communicate(timeout=5.0)
            yield base_url, process
        finally:
            if process.poll() is None:
                process.kill()


def statuses(base_url: str, count: int) -> list[int]:
    with httpx.Client(timeout=5.0) as client:
        return [client.get(base_url + "/credits").status_code for _ in range(count)]


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_default_run_serves_the_example_and_stops_quietly(stop_signal: signal.Signals) -> None:
    with running("--port", "0") as (base_url, process):
        assert base_url.endswith("/api/v1")
        response = httpx.get(base_url + "/credits", timeout=5.0)
        assert response.json() == EXAMPLE_CREDITS
        assert httpx.get(base_url + "/nope", timeout=5.0).status_code == 404
        process.send_signal(stop_signal)
        out, err = process.communicate(timeout=5.0)
    assert process.returncode == 0
    assert (out, err) == ("", "")  # quiet: nothing per request, no traceback


def test_a_scripted_run() -> None:
    argv = ["--status", "500", "--times", "2", "--then", "429", "--header", "Retry-After: 0"]
    with running(*argv, "--then", "--credits", "7", "--usage", "1.5") as (base_url, process):
        assert statuses(base_url, 3) == [500, 500, 429]
        with httpx.Client(timeout=5.0) as client:
            for _ in range(2):  # the last reply keeps being served
                assert client.get(base_url + "/credits").json() == {
                    "data": {"total_credits": 7.0, "total_usage": 1.5}
                }
        process.terminate()


def test_wire_faults_and_delays_from_the_command_line() -> None:
    argv = ["--fault", "reset", "--then", "--fault", "no-headers", "--then", "--delay", "0.3"]
    with running(*argv, "--times", "1") as (base_url, process):
        url = base_url + "/credits"
        with httpx.Client(timeout=httpx.Timeout(5.0, read=0.2)) as client:
            with pytest.raises(httpx.ReadError):
                client.get(url)
            with pytest.raises(httpx.ReadTimeout):
                client.get(url)
            with pytest.raises(httpx.ReadTimeout):
                client.get(url)  # the delay
            assert client.get(url).json() == EXAMPLE_CREDITS  # --times on the last: then 200
        process.terminate()


def test_port_in_use_is_an_error_not_a_traceback() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        run = subprocess.run(
            [*COMMAND, "--port", port], capture_output=True, text=True, env=ENV, timeout=30
        )
    assert run.returncode == 1
    assert (run.stdout, run.stderr.startswith(f"cannot listen on 127.0.0.1:{port}: ")) == ("", True)
    assert "Traceback" not in run.stderr


def test_a_port_past_65535_is_an_error_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--port", "70000"]) == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", "cannot listen on 127.0.0.1:70000: bind(): port must be 0-65535.\n")


# -- parsing (in-process) -----------------------------------------------------------------


def test_parse_defaults() -> None:
    assert parse([]) == ("127.0.0.1", 0, [], Reply())


def test_parse_builds_each_reply() -> None:
    first = "--host 127.0.0.2 --port 8099 --status 503 --header Retry-After:1 --times 3"
    then = "--fault trickle --trickle-interval 0.5 --usage 99"
    html = ["--body", "<p>down</p>", "--content-type", "text/html", "--delay", "2"]
    host, port, script, default = parse([*first.split(), "--then", *html, "--then", *then.split()])
    assert (host, port) == ("127.0.0.2", 8099)
    assert script == [
        *[Reply(503, headers={"Retry-After": "1"})] * 3,
        Reply(body="<p>down</p>", content_type="text/html", delay=2.0),
    ]
    assert default == Reply(
        body={"data": {"total_credits": 100.5, "total_usage": 99.0}},
        fault=Fault.TRICKLE,
        trickle_interval=0.5,
    )
    assert parse(["--status", "500", "--times", "2"])[2:] == ([Reply(500)] * 2, Reply())
    assert [parse(["--fault", fault.value])[3].fault for fault in Fault] == list(Fault)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--status", "42"], "status must be a three-digit HTTP status, got 42"),
        (["--status", "ok"], "argument --status: invalid int value: 'ok'"),
        (["--times", "0"], "--times must be 1 or more"),
        (["--delay", "-1"], "delay and trickle_interval must be finite and not negative"),
        (["--trickle-interval", "inf"], "delay and trickle_interval must be finite and not"),
        (["--fault", "hang"], "argument --fault: invalid choice: 'hang'"),
        (["--header", "Retry-After 1"], "argument --header: 'Retry-After 1' is not 'Name: value'"),
        (["--body", "x", "--credits", "1"], "--body and --credits/--usage exclude each other"),
        (["--then", "--port", "8080"], "--host and --port go before the first --then"),
        (["--then", "201", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_options_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m openrouter_credits.testing ")
    assert message in err
    assert "Traceback" not in err


def test_help_lists_every_fault(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert all(fault.value in out for fault in Fault)
    assert "--then [STATUS]" in out
