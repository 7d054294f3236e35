"""Where the command's key comes from, and that it is never shown; the exact lines of
each source's failures in process (``cli.main``)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openrouter_credits.testing import Reply, StandInServer

from .conftest import (
    IN,
    KEY,
    PROG,
    SUB,
    TABLE,
    InProcess,
    Runner,
    at,
    one_line,
    pick,
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


@pytest.mark.parametrize(
    ("args", "how"),
    [
        (["--api-key", KEY], SUB),
        ([f"--api-key={KEY}"], IN),
        (["--api-key"], IN),
        ([KEY], SUB),  # a key given as a plain argument by mistake is not echoed back
        (["--api-key-fil", KEY], IN),  # no abbreviations: never a prefix of --api-key-file
    ],
)
def test_key_arguments_are_refused_and_not_echoed(
    server: StandInServer, call: Runner, args: list[str], how: str
) -> None:
    result = pick(how, call)(*at(server, *args))
    assert (result.returncode, result.stdout) == (64, "")
    one_line(result.stderr)
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
