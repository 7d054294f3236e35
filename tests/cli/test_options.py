"""How ``openrouter-credits``'s connection options shape the read, in process
(``cli.main``) against the stand-in server: ``--deadline`` counted from the start and
bounding the retry budget, ``--timeout`` per attempt (in seconds), ``--no-retries``.

tests/cli/test_deadline.py runs ``--deadline`` as a subprocess; these are its in-process twins
and the cases a subprocess cannot set up (a key that is slow to arrive).
"""

from __future__ import annotations

import pytest
from openrouter_credits.cli import _credits as cli
from openrouter_credits.testing import Fault, Reply, StandInServer

from .conftest import KEY, PROG, InProcess, SlowStdin, at


def test_deadline_counts_from_the_start(
    server: StandInServer, run: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key that took the whole --deadline to read leaves no time for the request."""
    monkeypatch.setattr("sys.stdin", SlowStdin(KEY + "\n", 1.0))
    assert run(*at(server, "--deadline", "1", "--api-key-file", "-"), key=None) == (
        6,
        "",
        f"{PROG}timeout: no complete response within the overall deadline of 1 s\n",
    )


def test_deadline_ends_a_hung_read(server: StandInServer, run: InProcess) -> None:
    server.default = Reply(fault=Fault.NO_HEADERS)
    assert run(*at(server, "--deadline", "0.5", "--timeout", "20")) == (
        6,
        "",
        f"{PROG}timeout: no complete response within the overall deadline of 0.5 s\n",
    )


def test_deadline_is_the_retry_budget(server: StandInServer, run: InProcess) -> None:
    """A 503 asking for a 30 s wait is reported at once: no retry fits in the deadline."""
    server.default = Reply(503, headers={"Retry-After": "30"})
    status, out, err = run(*at(server, "--deadline", "3"))
    assert (status, out) == (5, "")
    assert err.startswith(f"{PROG}server error: unexpected response: HTTP 503")
    assert len(server.requests) == 1


def test_without_a_deadline_retries_follow_the_policy(
    server: StandInServer, run: InProcess
) -> None:
    server.script(
        Reply(503, headers={"Retry-After": "0"}), Reply(503, headers={"Retry-After": "0"})
    )
    assert run(*at(server))[0] == 0
    assert len(server.requests) == 3


def test_no_retries_sends_one_attempt(server: StandInServer, run: InProcess) -> None:
    server.default = Reply(503, headers={"Retry-After": "0"})
    assert run(*at(server, "--no-retries")) == (
        5,
        "",
        f"{PROG}server error: unexpected response: HTTP 503 Service Unavailable, "
        "content-type none, body '' (0 bytes)\n",
    )
    assert len(server.requests) == 1


def test_timeout_applies_to_each_attempt_under_a_deadline(
    server: StandInServer, run: InProcess
) -> None:
    """--timeout 2 with --deadline 10: the hung first attempt times out, the retry succeeds
    (2 s for a local answer: room for a busy machine)."""
    server.script(Reply(fault=Fault.NO_HEADERS))
    status, _, err = run(*at(server, "--timeout", "2", "--deadline", "10"))
    assert (status, err) == (0, "")
    assert len(server.requests) == 2


def test_bad_server_url_is_shown_as_given(run: InProcess) -> None:
    """The option is renamed in the message, not in the URL it quotes."""
    url = "ftp://server_url x"
    assert run("--server-url", url) == (
        64,
        "",
        f"{PROG}error: --server-url {url!r} must be an http:// or https:// URL with a host\n",
    )


def test_timeout_ends_a_slow_attempt(server: StandInServer, run: InProcess) -> None:
    server.script(Reply(delay=5.0))  # far past it, even on a busy machine (not waited for)
    status, out, err = run(*at(server, "--timeout", "0.2", "--no-retries"))
    assert (status, out) == (6, "")
    assert err.startswith(f"{PROG}timeout: GET ") and "timed out after 1 attempt:" in err


# --- --timeout ------------------------------------------------------------------------


def test_timeout_is_in_seconds(server: StandInServer, run: InProcess) -> None:
    server.script(Reply(delay=0.5))
    assert run(*at(server, "--timeout", "5", "--no-retries"))[0] == 0
    server.script(Reply(delay=3.0))
    status, out, err = run(*at(server, "--timeout", "0.25", "--no-retries"))
    assert (status, out) == (6, "")
    assert err.startswith(f"{PROG}timeout: GET ") and "timed out after 1 attempt:" in err


def test_help_states_the_default_timeout(run: InProcess) -> None:
    status, out, _ = run("--help")
    assert status == 0
    assert "(default: 30)" in " ".join(out.split())


def test_help_keeps_its_own_line_breaks_and_lists_every_exit_status(run: InProcess) -> None:
    out = run("--help")[1]
    assert (
        "\n\nShow an OpenRouter account's total credits, total usage and remaining credits\n"
        "(total minus usage), from GET /credits. Needs a management key: OPENROUTER_API_KEY\n"
        "or --api-key-file (never an argument: process lists show those).\n\n"
    ) in out
    statuses = "\n".join(f"  {code:>3}  {text}" for code, text in cli.EXIT_STATUSES.items())
    assert f"\nexit statuses:\n{statuses}\n\nexamples:\n" in out
    assert (
        "\n  openrouter-credits --api-key-file - --min-remaining 5 < key.txt;"
        " [ $? = 2 ] && alert ...\n" in out
    )
