"""Where the command's key comes from, and that it is never shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from openrouter_credits.testing import Reply, StandInServer

from .conftest import (
    IN,
    KEY,
    SUB,
    TABLE,
    Runner,
    at,
    one_line,
    pick,
    run_subprocess,
)

# --- the key ------------------------------------------------------------------------


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
