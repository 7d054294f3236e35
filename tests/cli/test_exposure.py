"""Where both commands warn that the management key is exposed: a key file its group or
others may access (``--strict-key-file``: refused, status 3 / UNKNOWN), and a plain
``http://`` server URL to a host that is not this machine (the client's warning, as the
command's line). ``openrouter-credits`` says so on standard error, the plugin in its long
output (the lines after the status line) with its state kept.

The name over http is resolved to the stand-in server on 127.0.0.1 by the test's
`Resolver` (no DNS: any other name fails), so the key goes nowhere else.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from openrouter_credits.cli import _common, _plugin
from openrouter_credits.testing import StandInServer

from ..conftest import Resolver
from .conftest import RUN_TIMEOUT, TABLE, key_env
from .conftest import run as run_subprocess
from .in_process import KEY, PROG, PluginRunner, Runner, at, plugin_runner, runner
from .test_plugin import OK_LINE, STATUS_LINE

NAME = "gateway.internal"
PLAIN_HTTP = (
    f"plain http:// to {NAME}, which is not this machine: the API key (a management key) "
    "would cross the network unencrypted; use https://"
)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Runner:
    return runner(capsys, monkeypatch)


@pytest.fixture
def check(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> PluginRunner:
    return plugin_runner(capsys, monkeypatch)


def key_file(directory: Path, mode: int, name: str = "key") -> Path:
    path = directory / name
    path.write_text(KEY + "\n")
    path.chmod(mode)
    return path


def exposed(path: Path, mode: str, fix: str = "") -> str:
    return f"key file {path} is open to its group or others (mode {mode}); chmod 600 {fix or path}"


def refused(path: Path, mode: str) -> str:
    return exposed(path, mode).replace("; chmod", ": refused (--strict-key-file); chmod")


def plugin_lines(out: str) -> list[str]:
    """The plugin's output as lines: the first a status line, none after it with a ``|``
    (there, it would start performance data)."""
    first, *more = out.removesuffix("\n").split("\n")
    assert STATUS_LINE.fullmatch(first), out
    assert not any("|" in line for line in more), out
    return [first, *more]


# --- openrouter-credits: the key file -------------------------------------------------


def test_a_key_file_others_may_read_is_warned_and_used(
    stand_in: StandInServer, tmp_path: Path
) -> None:
    path = key_file(tmp_path, 0o644)
    result = run_subprocess(*at(stand_in, "--api-key-file", str(path)), key=None)
    assert (result.returncode, result.stdout) == (0, TABLE)
    assert result.stderr == f"{PROG}warning: {exposed(path, '0644')}\n"
    assert stand_in.requests[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o602, 0o610, 0o601, 0o660, 0o777])
def test_any_group_or_other_bit_is_warned(
    server: StandInServer, run: Runner, tmp_path: Path, mode: int
) -> None:
    path = key_file(tmp_path, mode)
    status, out, err = run(*at(server, "--api-key-file", str(path)), key=None)
    assert (status, out) == (0, TABLE)
    assert err == f"{PROG}warning: {exposed(path, f'{mode:04o}')}\n"


@pytest.mark.parametrize("mode", [0o600, 0o400, 0o700])
def test_a_key_file_only_its_owner_may_access_is_silent(
    server: StandInServer, run: Runner, tmp_path: Path, mode: int
) -> None:
    path = key_file(tmp_path, mode)
    for strict in ([], ["--strict-key-file"]):
        assert run(*at(server, "--api-key-file", str(path), *strict), key=None) == (0, TABLE, "")
    assert len(server.requests) == 2


def test_the_file_read_is_judged_not_a_symlink_to_it(
    server: StandInServer, run: Runner, tmp_path: Path
) -> None:
    path = key_file(tmp_path, 0o600)
    link = tmp_path / "link"
    link.symlink_to(path)  # a symlink's own mode (0777) says nothing
    assert run(*at(server, "--api-key-file", str(link)), key=None) == (0, TABLE, "")
    path.chmod(0o644)
    assert run(*at(server, "--api-key-file", str(link)), key=None)[2] == (
        f"{PROG}warning: {exposed(link, '0644')}\n"
    )


def test_the_fix_is_a_command_that_can_be_pasted(
    server: StandInServer, run: Runner, tmp_path: Path
) -> None:
    path = key_file(tmp_path, 0o644, name="my key")
    status, _, err = run(*at(server, "--api-key-file", str(path)), key=None)
    assert status == 0
    assert err == f"{PROG}warning: {exposed(path, '0644', fix=repr(str(path)))}\n"


def test_strict_refuses_a_key_file_others_may_read(stand_in: StandInServer, tmp_path: Path) -> None:
    path = key_file(tmp_path, 0o640)
    args = at(stand_in, "--strict-key-file", "--api-key-file", str(path))
    result = run_subprocess(*args, key=None)
    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr == f"{PROG}{refused(path, '0640')}\n"
    assert stand_in.requests == []


def test_an_empty_or_bad_key_file_is_only_its_own_error(
    server: StandInServer, run: Runner, tmp_path: Path
) -> None:
    path = tmp_path / "key"
    path.write_text("\n")
    path.chmod(0o644)
    for strict in ([], ["--strict-key-file"]):
        status, _, err = run(*at(server, "--api-key-file", str(path), *strict), key=None)
        assert (status, err) == (3, f"{PROG}no API key: key file {path} is empty\n")
    assert server.requests == []


def test_standard_input_and_the_environment_are_exempt(server: StandInServer, run: Runner) -> None:
    strict = "--strict-key-file"
    assert run(*at(server, strict, "--api-key-file", "-"), key=None, stdin=KEY) == (0, TABLE, "")
    assert run(*at(server, strict)) == (0, TABLE, "")
    assert len(server.requests) == 2


def test_systems_without_posix_modes_are_exempt(
    server: StandInServer, run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = key_file(tmp_path, 0o644)
    monkeypatch.setattr(_common, "POSIX_MODES", False)
    args = at(server, "--strict-key-file", "--api-key-file", str(path))
    assert run(*args, key=None) == (0, TABLE, "")
    assert os.name == "posix"  # where the suite runs, the check is on (the tests above)


# --- check_openrouter_credits: the key file -------------------------------------------


def plugin_subprocess(*args: str) -> tuple[int, str, str]:
    """``python -m openrouter_credits.check ARGS`` without OPENROUTER_API_KEY."""
    result = subprocess.run(
        [sys.executable, "-m", "openrouter_credits.check", *args],
        env=key_env(None),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert KEY not in result.stdout + result.stderr
    return result.returncode, result.stdout, result.stderr


def test_the_plugin_warns_in_its_long_output(stand_in: StandInServer, tmp_path: Path) -> None:
    path = key_file(tmp_path, 0o644)
    state, out, err = plugin_subprocess(
        "-w", "10:", "-c", "5:", "--api-key-file", str(path), *at(stand_in)
    )
    assert (state, err) == (0, "")
    assert plugin_lines(out) == [OK_LINE, f"warning: {exposed(path, '0644')}"]


@pytest.mark.parametrize(
    ("warning", "critical", "state"), [("10:", "5:", 0), ("80:", "5:", 1), ("90:", "80:", 2)]
)
def test_the_plugin_keeps_its_state(
    server: StandInServer,
    check: PluginRunner,
    tmp_path: Path,
    warning: str,
    critical: str,
    state: int,
) -> None:
    path = key_file(tmp_path, 0o604)
    args = ["-w", warning, "-c", critical, "--api-key-file", str(path)]
    got, out = check(*args, *at(server), key=None)
    assert got == state
    first, *more = plugin_lines(out)
    assert first.startswith(f"CREDITS {_plugin.STATES[state]} - ")
    assert more == [f"warning: {exposed(path, '0604')}"]


def test_the_plugin_is_silent_with_0600(
    server: StandInServer, check: PluginRunner, tmp_path: Path
) -> None:
    path = key_file(tmp_path, 0o600)
    assert check("-w", "10:", "-c", "5:", "--api-key-file", str(path), *at(server)) == (
        0,
        OK_LINE + "\n",
    )


def test_the_plugin_in_strict_mode_is_unknown(
    server: StandInServer, check: PluginRunner, tmp_path: Path
) -> None:
    path = key_file(tmp_path, 0o644)
    args = ["-w", "10:", "-c", "5:", "--strict-key-file", "--api-key-file", str(path)]
    assert check(*args, *at(server), key=None) == (
        3,
        f"CREDITS UNKNOWN - {refused(path, '0644')}\n",
    )
    assert server.requests == []


# --- plain http:// to a host that is not this machine ---------------------------------


def named(server: StandInServer) -> str:
    return server.base_url.replace("127.0.0.1", NAME, 1)


@pytest.mark.parametrize("verbose", [[], ["--verbose"]])
def test_the_command_says_the_clients_warning_once(
    server: StandInServer, run: Runner, resolver: Resolver, verbose: list[str]
) -> None:
    resolver.loopback.add(NAME)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, out, err = run("--server-url", named(server), *verbose)
    assert (status, out) == (0, TABLE)
    assert err == f"{PROG}{PLAIN_HTTP}\n"  # the line, and not Python's warning too
    assert caught == []
    assert set(resolver.asked) == {NAME}  # the key went to the stand-in server only
    assert [r.headers["host"] for r in server.requests] == [f"{NAME}:{server.port}"]


def test_the_plugin_says_the_clients_warning_in_its_long_output(
    server: StandInServer, check: PluginRunner, resolver: Resolver
) -> None:
    resolver.loopback.add(NAME)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        state, out = check("-w", "10:", "-c", "5:", "--server-url", named(server))
    assert (state, caught) == (0, [])
    assert plugin_lines(out) == [OK_LINE, PLAIN_HTTP]
    assert set(resolver.asked) == {NAME}
    assert len(server.requests) == 1


def test_both_warnings_in_one_run(
    server: StandInServer, run: Runner, check: PluginRunner, resolver: Resolver, tmp_path: Path
) -> None:
    resolver.loopback.add(NAME)
    path = key_file(tmp_path, 0o644)
    args = ["--api-key-file", str(path), "--server-url", named(server)]
    status, _, err = run(*args, key=None)
    assert (status, err) == (0, f"{PROG}warning: {exposed(path, '0644')}\n{PROG}{PLAIN_HTTP}\n")
    state, out = check("-w", "10:", "-c", "5:", *args, key=None)
    assert state == 0
    assert plugin_lines(out) == [OK_LINE, f"warning: {exposed(path, '0644')}", PLAIN_HTTP]


def test_loopback_over_http_is_silent(
    server: StandInServer, run: Runner, check: PluginRunner
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert run(*at(server)) == (0, TABLE, "")
        assert check("-w", "10:", "-c", "5:", *at(server)) == (0, OK_LINE + "\n")
