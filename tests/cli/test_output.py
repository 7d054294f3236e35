"""The command's output: the table, ``--json``, ``--min-remaining``, headers, retries,
help and version, number formatting, and ``make demo``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openrouter_credits import __version__, cli
from openrouter_credits.testing import Reply, StandInServer

from .conftest import (
    EXAMPLE,
    IN,
    KEY,
    ROOT,
    RUN_TIMEOUT,
    SUB,
    TABLE,
    Runner,
    at,
    check_outputs,
    key_env,
    one_line,
    pick,
    run,
)

# --- success ------------------------------------------------------------------------


def test_table(stand_in: StandInServer) -> None:
    result = run(*at(stand_in))
    assert (result.returncode, result.stdout, result.stderr) == (0, TABLE, "")
    (request,) = stand_in.requests
    assert request.path == "/api/v1/credits"
    assert request.headers["authorization"] == f"Bearer {KEY}"


def test_json(stand_in: StandInServer) -> None:
    result = run(*at(stand_in, "--json"))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.count("\n") == 1
    assert json.loads(result.stdout) == EXAMPLE


@pytest.mark.parametrize(
    ("minimum", "status", "how"),
    [("100", 2, SUB), ("74.7501", 2, IN), ("74.75", 0, IN), ("10", 0, SUB), ("-5", 0, IN)],
)
def test_min_remaining(
    stand_in: StandInServer, call: Runner, minimum: str, status: int, how: str
) -> None:
    result = pick(how, call)(*at(stand_in, "--min-remaining", minimum))
    assert result.returncode == status
    assert result.stdout == TABLE  # printed either way
    if status == 2:
        line = one_line(result.stderr)
        assert "74.7500" in line and "below --min-remaining" in line
    else:
        assert result.stderr == ""


def test_min_remaining_with_json(stand_in: StandInServer) -> None:
    result = run(*at(stand_in, "--json", "--min-remaining", "1000"))
    assert result.returncode == 2
    assert json.loads(result.stdout) == EXAMPLE


def test_attribution_headers_reach_the_server(stand_in: StandInServer) -> None:
    args = ["--http-referer", "https://example.org/app", "--title", "Credits Watch"]
    result = run(*at(stand_in, *args, "--categories", "cli-agent, monitoring"))
    assert result.returncode == 0, result.stderr
    (request,) = stand_in.requests
    assert request.headers["http-referer"] == "https://example.org/app"
    assert request.headers["x-openrouter-title"] == "Credits Watch"
    assert request.headers["x-openrouter-categories"] == "cli-agent,monitoring"


def test_verbose_reports_each_retry(stand_in: StandInServer) -> None:
    stand_in.script(Reply(503), Reply(503, headers={"Retry-After": "0"}))
    result = run(*at(stand_in, "-v"))
    assert (result.returncode, result.stdout) == (0, TABLE)
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    pattern = (
        r"openrouter-credits: retrying GET /api/v1/credits after HTTP 503: "
        r"attempt {} of 3 in \d+\.\d\d s"
    )
    assert re.fullmatch(pattern.format(2), lines[0]), lines[0]
    assert re.fullmatch(pattern.format(3), lines[1]), lines[1]
    assert lines[1].endswith(" in 0.00 s")  # Retry-After: 0
    assert len(stand_in.requests) == 3


def test_retries_are_quiet_without_verbose(stand_in: StandInServer) -> None:
    stand_in.script(Reply(503, headers={"Retry-After": "0"}))
    result = run(*at(stand_in))
    assert (result.returncode, result.stdout, result.stderr) == (0, TABLE, "")
    assert len(stand_in.requests) == 2


# --- help and version ----------------------------------------------------------------


def test_version() -> None:
    result = run("--version")
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"openrouter-credits {__version__}\n",
        "",
    )


def test_help_documents_every_exit_status() -> None:
    result = run("--help")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("usage: openrouter-credits")
    for status, meaning in cli.EXIT_STATUSES.items():
        assert re.search(rf"^ +{status} +{re.escape(meaning)}$", result.stdout, re.M), status
    for option in ("--json", "--min-remaining", "--api-key-file", "--server-url", "--timeout"):
        assert option in result.stdout
    for option in ("--no-retries", "--http-referer", "--title", "--categories", "--verbose"):
        assert option in result.stdout
    assert "OPENROUTER_API_KEY" in result.stdout


def test_readme_documents_every_exit_status() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Command line", 1)[1].split("\n## ", 1)[0]
    documented = {int(m) for m in re.findall(r"^\| (\d+) \|", section, re.M)}
    assert documented == set(cli.EXIT_STATUSES)


def test_console_script_is_installed(stand_in: StandInServer) -> None:
    script = Path(sys.executable).parent / "openrouter-credits"
    if not script.exists():
        pytest.skip("the console script is not installed next to this interpreter")
    result = subprocess.run(
        [str(script), *at(stand_in)],
        env=key_env(KEY),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    check_outputs(result.stdout, result.stderr)
    assert (result.returncode, result.stdout) == (0, TABLE)


# --- in process: formatting and arithmetic -------------------------------------------


@pytest.mark.parametrize(
    ("body", "table", "remaining"),
    [
        ({"total_credits": 0.3, "total_usage": 0.1}, ["0.3000", "0.1000", "0.2000"], 0.2),
        ({"total_credits": 10, "total_usage": 12.5}, ["10.0000", "12.5000", "-2.5000"], -2.5),
        ({"total_credits": 5, "total_usage": 2}, ["5.0000", "2.0000", "3.0000"], 3),
        (
            {"total_credits": 12345.678912, "total_usage": 0.00004},
            ["12,345.6789", "0.0000", "12,345.6789"],
            12345.678872,
        ),
        ({"total_credits": 1, "total_usage": 1.00001}, ["1.0000", "1.0000", "0.0000"], -1e-05),
    ],
)
def test_numbers(
    stand_in: StandInServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    body: dict[str, float],
    table: list[str],
    remaining: float,
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    stand_in.default = Reply(body={"data": body})
    assert cli.main(at(stand_in)) == 0
    out = capsys.readouterr().out
    values = [line.split()[-1] for line in out.splitlines()]
    assert values == table
    widths = {len(line) for line in out.splitlines()}
    assert len(widths) == 1  # right-aligned columns
    assert cli.main(at(stand_in, "--json")) == 0
    assert json.loads(capsys.readouterr().out)["remaining"] == remaining


def test_in_process_failure_is_one_line(
    stand_in: StandInServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    stand_in.script(Reply(403))
    assert cli.main(at(stand_in)) == 4
    out, err = capsys.readouterr()
    assert out == ""
    one_line(err)
    check_outputs(out, err)


def test_server_text_cannot_inject_terminal_escapes(
    stand_in: StandInServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    stand_in.script(Reply(401, body={"error": {"code": 401, "message": "\x1b[2Jgone\nnext"}}))
    assert cli.main(at(stand_in)) == 3
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "\\x1b[2Jgone next" in one_line(err)


# --- make demo -----------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_demo() -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "demo"],
        cwd=ROOT,
        env=key_env(None),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,  # a fresh .venv is set up first
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert TABLE in result.stdout
    assert "Traceback" not in result.stderr
