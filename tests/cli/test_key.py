"""Where the command's key comes from, that it is never shown (the exact lines of each
source's failures in process, ``cli.main``), and the warnings where it is exposed: a key
file its group or others may access (refused with ``--strict-key-file``), plain
``http://`` to a host that is not this machine (the client's warning, as the command's
line). The name over http is resolved to the stand-in server on 127.0.0.1 by the test's
`Resolver` (no DNS: any other name fails), so the key goes nowhere else."""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import pytest
from openrouter_credits.cli import _common
from openrouter_credits.testing import Reply, StandInServer

from ..client.test_plain_http import said
from ..conftest import Resolver
from .conftest import (
    IN,
    KEY,
    NAME,
    PROG,
    SUB,
    TABLE,
    InProcess,
    Runner,
    at,
    exposed,
    key_file,
    named,
    one_line,
    pick,
    refused,
    run_subprocess,
)

# --- the key --------------------------------------------------------------------------


def test_api_key_file(server: StandInServer, tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text(KEY + "\n")
    result = run_subprocess(
        *at(server, "--api-key-file", str(path)), key="sk-or-v1-from-env-not-used"
    )
    assert (result.returncode, result.stdout) == (0, TABLE)
    (request,) = server.requests
    assert request.headers["authorization"] == f"Bearer {KEY}"


def test_api_key_from_stdin(server: StandInServer) -> None:
    result = run_subprocess(*at(server, "--api-key-file", "-"), key=None, stdin=KEY + "\r\n")
    assert (result.returncode, result.stdout) == (0, TABLE)
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_missing_key(server: StandInServer) -> None:
    result = run_subprocess(*at(server), key=None)
    assert (result.returncode, result.stdout) == (3, "")
    assert "OPENROUTER_API_KEY" in one_line(result.stderr)
    assert server.requests == []


@pytest.mark.parametrize(("content", "how"), [("", SUB), ("\n", IN), ("  \n\n", IN)])
def test_empty_key_file(
    server: StandInServer, call: Runner, tmp_path: Path, content: str, how: str
) -> None:
    path = tmp_path / "key"
    path.write_text(content)
    result = pick(how, call)(*at(server, "--api-key-file", str(path)))
    assert (result.returncode, result.stdout) == (3, "")
    assert "is empty" in one_line(result.stderr)
    assert server.requests == []


def test_unreadable_key_file(server: StandInServer, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-key"
    result = run_subprocess(*at(server, "--api-key-file", str(missing)))
    assert (result.returncode, result.stdout) == (3, "")
    assert str(missing) in one_line(result.stderr)
    directory = run_subprocess(*at(server, "--api-key-file", str(tmp_path)))
    assert directory.returncode == 3
    one_line(directory.stderr)
    assert server.requests == []


def test_key_with_characters_http_forbids(server: StandInServer) -> None:
    bad = "sk-or-v1-BAD\x01KEY"
    result = run_subprocess(*at(server), key=bad, secrets=(bad, "BAD\\x01KEY"))
    assert result.returncode == 3
    assert "characters HTTP does not allow" in one_line(result.stderr)
    assert server.requests == []


#: What refusing a key argument says: never the key, always where a key may come from.
NOT_SUPPORTED = (
    "--api-key is not supported: a key on the command line shows in process lists; "
    "set OPENROUTER_API_KEY or use --api-key-file (see --help)"
)


@pytest.mark.parametrize(
    ("args", "how", "says"),
    [
        (["--api-key", KEY], SUB, NOT_SUPPORTED),
        ([f"--api-key={KEY}"], IN, NOT_SUPPORTED),
        (["--api-key"], IN, NOT_SUPPORTED),
        # a key given as a plain argument by mistake is not echoed back
        ([KEY], SUB, "1 unexpected argument (not shown) (see --help)"),
        # no abbreviations: never a prefix of --api-key-file
        (
            ["--api-key-fil", KEY],
            IN,
            "unrecognized option --api-key-fil; 1 unexpected argument (not shown) (see --help)",
        ),
    ],
)
def test_key_arguments_are_refused_and_not_echoed(
    server: StandInServer, call: Runner, args: list[str], how: str, says: str
) -> None:
    result = pick(how, call)(*at(server, *args))  # both runners check KEY is in no output
    assert (result.returncode, result.stdout) == (64, "")
    assert result.stderr == f"{PROG}error: {says}\n"
    assert server.requests == []


def test_key_quoted_by_the_server_is_redacted(server: StandInServer) -> None:
    body = {"error": {"code": 401, "message": f"unknown key {KEY}"}}
    server.script(Reply(401, body=body))
    result = run_subprocess(*at(server))  # run_subprocess() checks KEY is in no output
    assert result.returncode == 3
    assert "[redacted]" in one_line(result.stderr)


# --- in process: exact lines ----------------------------------------------------------


def test_missing_key_line(server: StandInServer, run: InProcess) -> None:
    assert run(*at(server), key=None) == (
        3,
        "",
        f"{PROG}no API key: set OPENROUTER_API_KEY or use --api-key-file PATH (a management key)\n",
    )
    assert server.requests == []


def test_key_file_and_standard_input(server: StandInServer, run: InProcess, tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text(f"\n  {KEY}\n", encoding="utf-8")
    assert run(*at(server, "--api-key-file", str(path)), key=None)[0] == 0
    assert run(*at(server, "--api-key-file", "-"), key=None, stdin=f"{KEY}\n")[0] == 0
    assert [r.headers["authorization"] for r in server.requests] == [f"Bearer {KEY}"] * 2


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"  \n", "no API key: key file {path} is empty"),
        (b"\xff\xfe\x00", "cannot read the API key from key file {path}: 'utf-8' codec"),
        (b"sk-a\rb", "the API key from key file {path} contains characters HTTP does not allow"),
    ],
    ids=["empty", "not-utf8", "carriage-return"],
)
def test_bad_key_file(
    server: StandInServer, run: InProcess, tmp_path: Path, content: bytes, says: str
) -> None:
    path = tmp_path / "key"
    path.write_bytes(content)
    status, out, err = run(*at(server, "--api-key-file", str(path)), key=None)
    assert (status, out) == (3, "")
    assert err.startswith(PROG + says.format(path=path))
    assert server.requests == []


def test_key_file_that_is_a_directory(
    server: StandInServer, run: InProcess, tmp_path: Path
) -> None:
    status, _, err = run(*at(server, "--api-key-file", str(tmp_path)), key=None)
    assert status == 3
    assert err == f"{PROG}cannot read the API key from key file {tmp_path}: Is a directory\n"


def test_empty_standard_input(server: StandInServer, run: InProcess) -> None:
    status, _, err = run(*at(server, "--api-key-file", "-"), key=None, stdin="")
    assert (status, err) == (3, f"{PROG}no API key: standard input is empty\n")


def test_environment_key_with_a_line_break_inside(server: StandInServer, run: InProcess) -> None:
    status, _, err = run(*at(server), key="sk-a\nb")
    assert status == 3
    assert err == (
        f"{PROG}the API key from OPENROUTER_API_KEY contains characters HTTP does not allow\n"
    )


def test_ctrl_c_while_reading_the_key_exits_130(
    run: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Interrupted(io.StringIO):
        def read(self, size: int | None = -1) -> str:
            raise KeyboardInterrupt

    monkeypatch.setattr("sys.stdin", Interrupted())
    assert run("--api-key-file", "-", key=None) == (130, "", "")


# --- the key exposed: a key file others may access ------------------------------------


def test_a_key_file_others_may_read_is_warned_and_used(
    server: StandInServer, tmp_path: Path
) -> None:
    path = key_file(tmp_path, 0o644)
    result = run_subprocess(*at(server, "--api-key-file", str(path)), key=None)
    assert (result.returncode, result.stdout) == (0, TABLE)
    assert result.stderr == f"{PROG}warning: {exposed(path, '0644')}\n"
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o602, 0o610, 0o601, 0o660, 0o777])
def test_any_group_or_other_bit_is_warned(
    server: StandInServer, run: InProcess, tmp_path: Path, mode: int
) -> None:
    path = key_file(tmp_path, mode)
    status, out, err = run(*at(server, "--api-key-file", str(path)), key=None)
    assert (status, out) == (0, TABLE)
    assert err == f"{PROG}warning: {exposed(path, f'{mode:04o}')}\n"


@pytest.mark.parametrize("mode", [0o600, 0o400, 0o700])
def test_a_key_file_only_its_owner_may_access_is_silent(
    server: StandInServer, run: InProcess, tmp_path: Path, mode: int
) -> None:
    path = key_file(tmp_path, mode)
    for strict in ([], ["--strict-key-file"]):
        assert run(*at(server, "--api-key-file", str(path), *strict), key=None) == (0, TABLE, "")
    assert len(server.requests) == 2


def test_the_file_read_is_judged_not_a_symlink_to_it(
    server: StandInServer, run: InProcess, tmp_path: Path
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
    server: StandInServer, run: InProcess, tmp_path: Path
) -> None:
    path = key_file(tmp_path, 0o644, name="my key")
    status, _, err = run(*at(server, "--api-key-file", str(path)), key=None)
    assert status == 0
    assert err == f"{PROG}warning: {exposed(path, '0644', fix=repr(str(path)))}\n"


def test_strict_refuses_a_key_file_others_may_read(server: StandInServer, tmp_path: Path) -> None:
    path = key_file(tmp_path, 0o640)
    args = at(server, "--strict-key-file", "--api-key-file", str(path))
    result = run_subprocess(*args, key=None)
    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr == f"{PROG}{refused(path, '0640')}\n"
    assert server.requests == []


def test_an_empty_or_bad_key_file_is_only_its_own_error(
    server: StandInServer, run: InProcess, tmp_path: Path
) -> None:
    path = tmp_path / "key"
    path.write_text("\n")
    path.chmod(0o644)
    for strict in ([], ["--strict-key-file"]):
        status, _, err = run(*at(server, "--api-key-file", str(path), *strict), key=None)
        assert (status, err) == (3, f"{PROG}no API key: key file {path} is empty\n")
    assert server.requests == []


def test_standard_input_and_the_environment_are_exempt(
    server: StandInServer, run: InProcess
) -> None:
    strict = "--strict-key-file"
    assert run(*at(server, strict, "--api-key-file", "-"), key=None, stdin=KEY) == (0, TABLE, "")
    assert run(*at(server, strict)) == (0, TABLE, "")
    assert len(server.requests) == 2


def test_systems_without_posix_modes_are_exempt(
    server: StandInServer, run: InProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = key_file(tmp_path, 0o644)
    monkeypatch.setattr(_common, "POSIX_MODES", False)
    args = at(server, "--strict-key-file", "--api-key-file", str(path))
    assert run(*args, key=None) == (0, TABLE, "")
    assert os.name == "posix"  # where the suite runs, the check is on (the tests above)


# --- the key exposed: plain http:// to a host that is not this machine -----------------


@pytest.mark.parametrize("verbose", [[], ["--verbose"]])
def test_plain_http_to_a_name_is_the_clients_warning_as_one_line(
    server: StandInServer, run: InProcess, resolver: Resolver, verbose: list[str]
) -> None:
    resolver.loopback.add(NAME)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, out, err = run("--server-url", named(server), *verbose)
    assert (status, out) == (0, TABLE)
    assert err == f"{PROG}{said(NAME)}\n"  # the line, and not Python's warning too
    assert caught == []
    assert set(resolver.asked) == {NAME}  # the key went to the stand-in server only
    assert [r.headers["host"] for r in server.requests] == [f"{NAME}:{server.port}"]


def test_both_warnings_in_one_run(
    server: StandInServer, run: InProcess, resolver: Resolver, tmp_path: Path
) -> None:
    resolver.loopback.add(NAME)
    path = key_file(tmp_path, 0o644)
    status, _, err = run("--api-key-file", str(path), "--server-url", named(server), key=None)
    assert (status, err) == (0, f"{PROG}warning: {exposed(path, '0644')}\n{PROG}{said(NAME)}\n")


def test_loopback_over_http_is_silent(server: StandInServer, run: InProcess) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert run(*at(server)) == (0, TABLE, "")
