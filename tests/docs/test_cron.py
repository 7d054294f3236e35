"""docs/monitoring.md's cron job, run as cron runs it: ``env -i PATH=... sh -c '<line>'``
with the ``PATH`` the file sets and a stub ``mail``; once with the credits below the
minimum (it mails "top up") and once with the server down (the failure line is the job's
output, which cron mails to ``MAILTO``).

What the test changes in the line, and only that: ``/usr/local/bin`` (where pip puts the
commands) is a directory holding this checkout's ``openrouter-credits`` and the stub
``mail``; the key file is a temporary one; ``--server-url`` points at a stand-in server.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Final

from openrouter_credits.testing import Reply, StandInServer, free_port

from .console import ROOT, VENV_BIN, blocks

PAGE: Final = ROOT / "docs" / "monitoring.md"
PIP_BIN: Final = "/usr/local/bin"
CRON_DEFAULT_PATH: Final = "/usr/bin:/bin"


def crontab() -> tuple[dict[str, str], str]:
    """The documented file's variables and its one job's command (after the user field)."""
    (block,) = [b for b in blocks(PAGE) if b.lang == "crontab"]
    variables: dict[str, str] = {}
    jobs = []
    for line in block.text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        assignment = re.fullmatch(r"([A-Z_]+)=(.*)", line)
        if assignment:
            variables[assignment.group(1)] = assignment.group(2)
        else:
            jobs.append(line.split(None, 6)[6])  # minute hour day month weekday user command
    (command,) = jobs
    return variables, command


def run_job(tmp_path: Path, server_url: str) -> tuple[subprocess.CompletedProcess[str], str]:
    variables, command = crontab()
    bin_dir = tmp_path / "usr-local-bin"
    bin_dir.mkdir(exist_ok=True)
    for name in ("openrouter-credits",):
        if not (bin_dir / name).exists():
            (bin_dir / name).symlink_to(VENV_BIN / name)
    mail_log = tmp_path / "mail.log"
    mail = bin_dir / "mail"
    mail.write_text(
        f"#!/bin/sh\n{{ printf 'mail'; printf ' [%s]' \"$@\"; printf '\\n'; cat; }} >> {mail_log}\n"
    )
    mail.chmod(0o755)
    key = tmp_path / "key"
    key.write_text("sk-or-v1-cron-example\n")
    key.chmod(0o600)
    path = variables.get("PATH", CRON_DEFAULT_PATH).replace(PIP_BIN, str(bin_dir))
    line = command.replace("/etc/openrouter/key", str(key)).replace(
        "openrouter-credits ", f"openrouter-credits --server-url {server_url} ", 1
    )
    job = subprocess.run(
        ["env", "-i", f"PATH={path}", "sh", "-c", line],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    return job, mail_log.read_text() if mail_log.exists() else ""


def test_the_job_finds_the_command_as_cron_would() -> None:
    variables, command = crontab()
    program = command.split()[0]
    on_path = variables.get("PATH", CRON_DEFAULT_PATH).split(":")
    assert program.startswith("/") or PIP_BIN in on_path, (
        f"cron's PATH {':'.join(on_path)} does not reach {program} where pip installs it"
    )


def test_credits_below_the_minimum_mail_top_up(tmp_path: Path) -> None:
    low = Reply(body={"data": {"total_credits": 10, "total_usage": 9}})
    with StandInServer() as server:
        server.default = low
        job, mail = run_job(tmp_path, server.base_url)
        assert len(server.requests) == 1
    assert job.stdout == ""  # the table went to /dev/null
    assert job.stderr == (
        "openrouter-credits: remaining credits 1.0000 are below --min-remaining 5.0000\n"
    )
    assert mail == "mail [-s] [OpenRouter: top up] [ops@example.org]\n" + (
        "OpenRouter credits below 5: top up\n"
    )


def test_a_failure_reaches_the_job_output_and_mails_no_top_up(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1"  # nothing listens: the server is down
    job, mail = run_job(tmp_path, url)
    assert mail == ""
    assert job.stdout == ""
    assert job.stderr.startswith(
        f"openrouter-credits: network error: GET {url}/credits failed after 3 attempts: "
    ), job.stderr
    assert job.stderr.count("\n") == 1
    assert "sk-or-v1-cron-example" not in job.stdout + job.stderr
