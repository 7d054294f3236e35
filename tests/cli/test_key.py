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
    run,
)

# --- the key ------------------------------------------------------------------------


def test_api_key_file(stand_in: StandInServer, tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text(KEY + "\n")
    result = run(*at(stand_in, "--api-key-file", str(path)), key="sk-or-v1-from-env-not-used")
    assert (result.returncode, result.stdout) == (0, TABLE)
    (request,) = stand_in.requests
    assert request.headers["authorization"] == f"Bearer {KEY}"


def test_api_key_from_stdin(stand_in: StandInServer) -> None:
    result = run(*at(stand_in, "--api-key-file", "-"), key=None, stdin=KEY + "\r\n")
    assert (result.returncode, result.stdout) == (0, TABLE)
    assert stand_in.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_missing_key(stand_in: StandInServer) -> None:
    result = run(*at(stand_in), key=None)
    assert (result.returncode, result.stdout) == (3, "")
    assert "OPENROUTER_API_KEY" in one_line(result.stderr)
    assert stand_in.requests == []


@pytest.mark.parametrize(("content", "how"), [("", SUB), ("\n", IN), ("  \n\n", IN)])
def test_empty_key_file(
    stand_in: StandInServer, call: Runner, tmp_path: Path, content: str, how: str
) -> None:
    path = tmp_path / "key"
    path.write_text(content)
    result = pick(how, call)(*at(stand_in, "--api-key-file", str(path)))
    assert (result.returncode, result.stdout) == (3, "")
    assert "is empty" in one_line(result.stderr)
    assert stand_in.requests == []


def test_unreadable_key_file(stand_in: StandInServer, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-key"
    result = run(*at(stand_in, "--api-key-file", str(missing)))
    assert (result.returncode, result.stdout) == (3, "")
    assert str(missing) in one_line(result.stderr)
    directory = run(*at(stand_in, "--api-key-file", str(tmp_path)))
    assert directory.returncode == 3
    one_line(directory.stderr)
    assert stand_in.requests == []


def test_key_with_characters_http_forbids(stand_in: StandInServer) -> None:
    bad = "sk-or-v1-BAD\x01KEY"
    result = run(*at(stand_in), key=bad, secrets=(bad, "BAD\\x01KEY"))
    assert result.returncode == 3
    assert "characters HTTP does not allow" in one_line(result.stderr)
    assert stand_in.requests == []


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
    stand_in: StandInServer, call: Runner, args: list[str], how: str
) -> None:
    result = pick(how, call)(*at(stand_in, *args))
    assert (result.returncode, result.stdout) == (64, "")
    one_line(result.stderr)
    assert stand_in.requests == []


def test_key_quoted_by_the_server_is_redacted(stand_in: StandInServer) -> None:
    body = {"error": {"code": 401, "message": f"unknown key {KEY}"}}
    stand_in.script(Reply(401, body=body))
    result = run(*at(stand_in))  # run() checks KEY is in no output
    assert result.returncode == 3
    assert "[redacted]" in one_line(result.stderr)
