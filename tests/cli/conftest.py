"""The commands against the stand-in server: ``openrouter-credits`` as a subprocess
(`run_subprocess`) and in process (`call`, `command` for both, `run` for exact lines); the
monitoring plugin as a subprocess (`plugin_subprocess`, its output checked against the
plugin guidelines' grammar by `checked`); what the key tests share.

Every run goes through a runner that also checks the promises that hold for all of them:
no traceback on standard error, and the API key in no output at all.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from openrouter_credits.cli import _credits as cli
from openrouter_credits.testing import StandInServer

ROOT = Path(__file__).resolve().parents[2]
#: The key every run uses; searched for in every output.
KEY = "sk-or-v1-CLI-SENTINEL-9f8e7d6c5b4a"
TABLE = "total credits  100.5000\ntotal usage     25.7500\nremaining       74.7500\n"
EXAMPLE = {"total_credits": 100.5, "total_usage": 25.75, "remaining": 74.75}
RUN_TIMEOUT = 60.0
PROG = "openrouter-credits: "
MANAGEMENT = "https://openrouter.ai/docs/guides/overview/auth/management-api-keys"


def key_env(key: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENROUTER_API_KEY"}
    if key is not None:
        env["OPENROUTER_API_KEY"] = key
    return env


def check_outputs(stdout: str, stderr: str, *secrets: str) -> None:
    assert "Traceback" not in stderr
    for secret in (KEY, *secrets):
        assert secret not in stdout
        assert secret not in stderr


def run_subprocess(
    *args: str,
    key: str | None = KEY,
    stdin: str | None = None,
    secrets: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """``python -m openrouter_credits ARGS`` with ``OPENROUTER_API_KEY=key`` (unset: None)."""
    result = subprocess.run(
        [sys.executable, "-m", "openrouter_credits", *args],
        env=key_env(key),
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    check_outputs(result.stdout, result.stderr, *secrets)
    return result


Runner = Callable[..., subprocess.CompletedProcess[str]]
SUB, IN = "subprocess", "in-process"


@pytest.fixture
def call(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Runner:
    """`run`'s twin that calls ``cli.main`` in this process: for the variants of a case
    whose first form runs as a subprocess (faster, same code)."""

    def call(*args: str, key: str | None = KEY) -> subprocess.CompletedProcess[str]:
        if key is None:
            monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
        else:
            monkeypatch.setenv("OPENROUTER_API_KEY", key)
        capsys.readouterr()
        status = cli.main(list(args))
        out, err = capsys.readouterr()
        check_outputs(out, err)
        return subprocess.CompletedProcess(list(args), status, out, err)

    return call


def pick(how: str, call: Runner) -> Runner:
    return run_subprocess if how == SUB else call


@pytest.fixture(params=[SUB, IN])
def command(request: pytest.FixtureRequest, call: Runner) -> Runner:
    """`run_subprocess`, then `call`: a test taking it runs both ways (the in-process form
    is what mutation testing can see)."""
    return pick(request.param, call)


Result = tuple[int, str, str]
InProcess = Callable[..., Result]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> InProcess:
    """``cli.main(args)`` in this process with OPENROUTER_API_KEY=key (None: unset) and
    standard input ``stdin``: (status, out, err), for the tests of exact lines."""

    def go(*args: str, key: str | None = KEY, stdin: str | None = None) -> Result:
        if key is None:
            monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
        else:
            monkeypatch.setenv("OPENROUTER_API_KEY", key)
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        capsys.readouterr()
        status = cli.main(list(args))
        out, err = capsys.readouterr()
        check_outputs(out, err)
        return status, out, err

    return go


def at(server: StandInServer, *args: str) -> list[str]:
    return ["--server-url", server.base_url, *args]


def one_line(stderr: str) -> str:
    """The single line a failure prints (prefixed with the program name)."""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("openrouter-credits: ")
    return lines[0]


class SlowStdin(io.StringIO):
    """Standard input that takes ``delay`` seconds to give ``text`` (a key typed slowly)."""

    def __init__(self, text: str, delay: float) -> None:
        super().__init__(text)
        self.delay = delay

    def read(self, size: int | None = -1) -> str:
        time.sleep(self.delay)
        return super().read(size)


# --- the monitoring plugin (test_plugin.py, test_plugin_forecast.py) -----------------

# The guidelines' output: "SERVICE STATUS: text | perfdata", perfdata being
# 'label'=value[UOM];[warn];[crit];[min];[max] separated by spaces; no "|" in the text;
# the value U: undetermined.
_RANGE = r"@?(?:(?:~|-?[0-9.]+):)?(?:-?[0-9.]+)?"
_VALUE = r"(?:-?[0-9.]+(?:s|ms|us|%|B|KB|MB|TB|c)?|U)"
_PERF = rf"[^'= ]+={_VALUE}(?:;{_RANGE}(?:;{_RANGE}(?:;[-0-9.]*){{0,2}})?)?"
STATUS_LINE = re.compile(
    rf"CREDITS (?P<state>OK|WARNING|CRITICAL|UNKNOWN) - (?P<text>[^|\n]+?)"
    rf"(?: \| (?P<perf>{_PERF}(?: {_PERF})*))?"
)
STATUS = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}
UNKNOWN = "CREDITS UNKNOWN - "


def plugin_subprocess(
    *args: str, key: str | None = KEY, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """``python -m openrouter_credits.check ARGS``: (status, state, text); checks the
    grammar, the status matching the state, an empty stderr and no key anywhere."""
    environ = {k: v for k, v in os.environ.items() if k != "OPENROUTER_API_KEY"}
    if key is not None:
        environ["OPENROUTER_API_KEY"] = key
    result = subprocess.run(
        [sys.executable, "-m", "openrouter_credits.check", *args],
        env={**environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    return checked(result.returncode, result.stdout, result.stderr)


def checked(status: int, stdout: str, stderr: str) -> tuple[int, str, str]:
    """(status, state, output without its final newline) after checking the grammar (the
    status line, then any long output lines, none with a ``|``: there it would start
    performance data), the status matching the state, an empty stderr and no key anywhere."""
    assert KEY not in stdout + stderr
    assert stderr == ""
    output = stdout.removesuffix("\n")
    line, *long_output = output.split("\n")
    match = STATUS_LINE.fullmatch(line)
    assert match, f"not a plugin status line: {stdout!r}"
    assert not any("|" in more for more in long_output), stdout
    assert status == STATUS[match["state"]]
    return status, match["state"], output


# --- the key exposed (test_key.py, test_plugin.py) -----------------------------------

#: A name over plain http, resolved to the stand-in server by the test's `Resolver`.
NAME = "gateway.internal"


def named(server: StandInServer) -> str:
    """``server``'s URL under `NAME` instead of 127.0.0.1."""
    return server.base_url.replace("127.0.0.1", NAME, 1)


def key_file(directory: Path, mode: int, key: str = KEY, name: str = "key") -> Path:
    path = directory / name
    path.write_text(key + "\n")
    path.chmod(mode)
    return path


def exposed(path: Path, mode: str, fix: str = "") -> str:
    """What both commands say of a key file of ``mode`` that others may access."""
    return f"key file {path} is open to its group or others (mode {mode}); chmod 600 {fix or path}"


def refused(path: Path, mode: str) -> str:
    """What both commands say when --strict-key-file refuses it."""
    return exposed(path, mode).replace("; chmod", ": refused (--strict-key-file); chmod")
