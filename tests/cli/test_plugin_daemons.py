"""The monitoring plugin run by a real Icinga 2 and a real Nagios 4 (Debian's, from
``make system-deps``; without them these tests skip, saying why), with the definitions
exactly as the monitoring docs show them, against the stand-in server on 127.0.0.1.

Each daemon runs once, as a temporary instance: its own configuration, state and spool
directories under ``tmp_path``, no network listener (Icinga's API is not enabled; the
external command pipe and Nagios's query socket are files in ``tmp_path``), run as the
test's own user, stopped (its whole process group) before the test ends. Around the
documented definitions the test supplies what a site has: the host, Nagios's
``generic-service`` template, ``PluginDir``/``$USER1$`` (a directory holding a
``check_openrouter_credits`` that runs this checkout's plugin with ``--server-url`` of the
stand-in server), and services of its own using the documented command for the other
states. Nagios's command names the key file, and its service the state file, as a site
would (under ``/etc/nagios4``, ``/var/lib/nagios4``): those two paths are the only text
changed, to files in ``tmp_path``. The test then reads what each daemon recorded (Icinga's
perfdata files, Nagios's ``status.dat``): OK, WARNING, CRITICAL and UNKNOWN each once, and
CRITICAL by ``--critical-days`` while the balance alone is OK.
"""

from __future__ import annotations

import contextlib
import grp
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from openrouter_credits.testing import Reply, StandInServer

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-or-v1-DAEMON-SENTINEL-0d1e2a3b4c5f"
ICINGA2 = shutil.which("icinga2")
NAGIOS4 = shutil.which("nagios4") or shutil.which("nagios")
#: How long a daemon may take to run the five checks (they take about a second).
RECORD_TIMEOUT = 60.0
USER = pwd.getpwuid(os.getuid()).pw_name
GROUP = grp.getgrgid(os.getgid()).gr_name
PLUGIN = Path(sys.executable).parent / "check_openrouter_credits"
#: The stand-in's account while the daemons check: 73.75 remaining of 100.50.
CREDITS = {"total_credits": 100.5, "total_usage": 26.75}


class Result(NamedTuple):
    state: str
    output: str
    perfdata: str


def documented_block(marker: str) -> str:
    """The one fenced block of the user docs (README.md, docs/) that contains ``marker``."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
    blocks: list[str] = [
        block
        for page in pages
        if page.exists()
        for block in re.findall(r"^```[a-z]*\n(.*?)^```$", page.read_text(), re.M | re.S)
        if marker in block
    ]
    assert len(blocks) == 1, f"{len(blocks)} documented blocks contain {marker!r}"
    return blocks[0]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StandInServer, Path]]:
    """The stand-in server, the key file, the plugin directory, and a state file holding a
    reading taken by a real run a moment before the daemons' (usage 25.75, then 26.75)."""
    folder = tmp_path_factory.mktemp("site")
    with StandInServer() as server:
        (folder / "key").write_text(KEY + "\n")
        (folder / "key").chmod(0o600)
        plugins = folder / "plugins"
        plugins.mkdir()
        wrapper = plugins / "check_openrouter_credits"
        wrapper.write_text(f'#!/bin/sh\nexec {PLUGIN} --server-url {server.base_url} "$@"\n')
        wrapper.chmod(0o755)
        seeded = subprocess.run(
            [str(wrapper), "--api-key-file", str(folder / "key"), "--state-file",
             str(folder / "days.state"), "--critical-days", "3"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert seeded.stdout.startswith("CREDITS OK - 74.75 remaining"), seeded
        server.default = Reply(body={"data": CREDITS})
        yield server, folder


def running(pgid: int) -> list[int]:
    """The processes of group ``pgid`` that are not zombies."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            alive.append(int(stat.parent.name))
    return alive


def run_daemon(
    args: list[str], env: dict[str, str], folder: Path, poll: Callable[[], dict[str, Result]]
) -> dict[str, Result]:
    """Start the daemon in a session of its own, call ``poll`` until it returns five
    results, then stop the whole process group and check nothing of it still runs."""
    with open(folder / "daemon.out", "wb") as out:
        daemon = subprocess.Popen(
            args, env=env, cwd=folder, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    results: dict[str, Result] = {}
    try:
        give_up = time.monotonic() + RECORD_TIMEOUT
        while len(results) < 5 and time.monotonic() < give_up and daemon.poll() is None:
            time.sleep(0.2)
            results = poll()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait(timeout=15)
        for _ in range(50):
            if not running(daemon.pid):
                break
            time.sleep(0.1)
    log = (folder / "daemon.out").read_text(errors="replace")
    assert running(daemon.pid) == [], f"the daemon left processes running\n{log}"
    assert len(results) == 5, f"the daemon recorded {sorted(results)}\n{log}"
    for result in results.values():
        assert KEY not in result.output + result.perfdata
    return results


def daemon_env(**more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENROUTER_API_KEY"}
    return {**env, **more}


def check_results(results: dict[str, Result], documented: str) -> None:
    """The five states, the text of each and the days-left perfdata."""
    line = "73.75 remaining of 100.50"
    ok = results[documented]
    assert ok.state == "OK", ok
    # A busy daemon may run the check twice (scheduled and forced) before its result is
    # read: the second reading finds no use since the first, which is as right.
    first, second = "no days-left forecast yet", "no use in the last 24h: no days-left forecast"
    assert re.match(rf"CREDITS OK - {line}, ({first}|{second})", ok.output), ok
    assert (results["warning"].state, results["critical"].state) == ("WARNING", "CRITICAL")
    assert results["warning"].output.startswith(f"CREDITS WARNING - {line}")
    assert results["critical"].output.startswith(f"CREDITS CRITICAL - {line}")
    assert results["unknown"].state == "UNKNOWN"
    assert results["unknown"].output.startswith("CREDITS UNKNOWN - ")
    days = results["days-left"]
    assert days.state == "CRITICAL", days
    assert re.match(
        rf"CREDITS CRITICAL - at [0-9.]+ credits/day, [0-9.]+ days left "
        rf"\(below --critical-days 3\), {line}",
        days.output,
    ), days
    assert "remaining=73.75;10:;5:" in days.perfdata  # the balance alone: OK
    assert re.search(r"days_left=[0-9.]+;7:;3:;0", days.perfdata), days


# --- Icinga 2 ----------------------------------------------------------------------------

ICINGA_SITE = """\
const NodeName = "openrouter-test"
const PluginDir = "{plugins}"
include <itl>

object CheckerComponent "checker" {{ }}
object ExternalCommandListener "command" {{ command_path = "{here}/icinga2.cmd" }}
object PerfdataWriter "perfdata" {{
  service_perfdata_path = "{here}/service-perfdata"
  service_temp_path = "{here}/service-perfdata.tmp"
  host_perfdata_path = "{here}/host-perfdata"
  host_temp_path = "{here}/host-perfdata.tmp"
  service_format_template = {template}
  rotation_interval = 1s
}}

object Host NodeName {{
  check_command = "dummy"
  enable_active_checks = false
  vars.openrouter_credits_key_file = "{here}/key"
  vars.openrouter_credits_state_file = "{here}/documented.state"
}}

include "documented.conf"

template Service "more" {{
  host_name = NodeName
  check_command = "openrouter_credits"
}}
object Service "warning" {{
  import "more"
  vars.openrouter_credits_warning = "80:"
  vars.openrouter_credits_critical = "50:"
  vars.openrouter_credits_state_file = "{here}/warning.state"
}}
object Service "critical" {{
  import "more"
  vars.openrouter_credits_warning = "90:"
  vars.openrouter_credits_critical = "80:"
  vars.openrouter_credits_state_file = "{here}/critical.state"
}}
object Service "unknown" {{
  import "more"
  vars.openrouter_credits_key_file = "{here}/missing.key"
}}
object Service "days-left" {{
  import "more"
  vars.openrouter_credits_state_file = "{here}/days.state"
}}
"""
ICINGA_TEMPLATE = "\t".join(
    f"{name}::$service.{field}$"
    for name, field in [
        ("SERVICEDESC", "name"),
        ("SERVICESTATE", "state"),
        ("SERVICEOUTPUT", "output"),
        ("SERVICEPERFDATA", "perfdata"),
    ]
)
ICINGA_PATHS = ("DataDir", "LogDir", "CacheDir", "SpoolDir", "InitRunDir")
ICINGA_FILES = {
    "PidPath": "icinga2.pid",
    "StatePath": "icinga2.state",
    "ObjectsPath": "icinga2.debug",
    "VarsPath": "icinga2.vars",
    "ModAttrPath": "modified-attributes.conf",
}
ICINGA_SERVICES = ("openrouter-credits", "warning", "critical", "unknown", "days-left")


@pytest.mark.skipif(
    ICINGA2 is None, reason="icinga2 not found (Debian package icinga2-bin: make system-deps)"
)
def test_icinga2_runs_the_documented_definitions(
    site: tuple[StandInServer, Path], tmp_path: Path
) -> None:
    assert ICINGA2 is not None
    _, folder = site
    here = tmp_path
    shutil.copy2(folder / "key", here / "key")  # its mode too: 0600, as documented
    shutil.copyfile(folder / "days.state", here / "days.state")
    (here / "documented.conf").write_text(documented_block('object CheckCommand "openrouter'))
    (here / "icinga2.conf").write_text(
        ICINGA_SITE.format(
            here=here, plugins=folder / "plugins", template=json.dumps(ICINGA_TEMPLATE)
        )
    )
    defines = [f"-DConfiguration.{name}={here / name}" for name in ICINGA_PATHS]
    defines += [f"-DConfiguration.{name}={here / file}" for name, file in ICINGA_FILES.items()]
    for name in ICINGA_PATHS:
        (here / name).mkdir()
    pipe = here / "icinga2.cmd"

    def poll() -> dict[str, Result]:
        results = {}
        for path in sorted(here.glob("service-perfdata*")):
            for line in path.read_text().splitlines():
                fields = dict(f.split("::", 1) for f in line.split("\t"))
                results[fields["SERVICEDESC"]] = Result(
                    fields["SERVICESTATE"], fields["SERVICEOUTPUT"], fields["SERVICEPERFDATA"]
                )
        missing = [name for name in ICINGA_SERVICES if name not in results]
        if missing and pipe.exists():
            force = "".join(
                f"[{int(time.time())}] SCHEDULE_FORCED_SVC_CHECK;openrouter-test;{name};"
                f"{int(time.time())}\n"
                for name in missing
            )
            with contextlib.suppress(OSError):  # no reader yet
                fd = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
                try:
                    os.write(fd, force.encode())
                finally:
                    os.close(fd)
        return results

    args = [ICINGA2, "daemon", "-c", str(here / "icinga2.conf"), *defines]
    env = daemon_env(ICINGA2_USER=USER, ICINGA2_GROUP=GROUP)
    results = run_daemon(args, env, here, poll)
    check_results(results, "openrouter-credits")


# --- Nagios 4 ----------------------------------------------------------------------------

NAGIOS_CFG = """\
cfg_file={here}/site.cfg
cfg_file={here}/documented.cfg
cfg_file={here}/more.cfg
resource_file={here}/resource.cfg
log_file={here}/nagios.log
status_file={here}/status.dat
status_update_interval=1
object_cache_file={here}/objects.cache
precached_object_file={here}/objects.precache
temp_file={here}/nagios.tmp
temp_path={here}
lock_file={here}/nagios.pid
check_result_path={here}/checkresults
check_result_reaper_frequency=1
command_file={here}/nagios.cmd
query_socket={here}/nagios.qh
nagios_user={user}
nagios_group={group}
retain_state_information=0
use_syslog=0
enable_notifications=0
check_for_updates=0
service_inter_check_delay_method=n
host_inter_check_delay_method=n
"""
NAGIOS_SITE = {
    "timeperiod": {
        "timeperiod_name": "24x7",
        "alias": "always",
        **{
            day: "00:00-24:00"
            for day in (
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
                "sunday",
            )
        },
    },
    "command": {"command_name": "nothing", "command_line": "/bin/true"},
    "contact": {
        "contact_name": "nobody",
        "service_notification_period": "24x7",
        "host_notification_period": "24x7",
        "service_notification_options": "n",
        "host_notification_options": "n",
        "service_notification_commands": "nothing",
        "host_notification_commands": "nothing",
    },
    "host": {
        "host_name": "localhost",
        "address": "127.0.0.1",
        "max_check_attempts": "1",
        "check_period": "24x7",
        "contacts": "nobody",
        "notification_period": "24x7",
        "active_checks_enabled": "0",
    },
    "service": {
        "name": "generic-service",
        "register": "0",
        "max_check_attempts": "1",
        "check_interval": "15",
        "retry_interval": "1",
        "check_period": "24x7",
        "notification_period": "24x7",
        "contacts": "nobody",
    },
}
NAGIOS_STATES = {"0": "OK", "1": "WARNING", "2": "CRITICAL", "3": "UNKNOWN"}


def nagios_objects(objects: list[tuple[str, dict[str, str]]]) -> str:
    return "".join(
        f"define {kind} {{\n" + "".join(f"    {k} {v}\n" for k, v in fields.items()) + "}\n"
        for kind, fields in objects
    )


def nagios_status(path: Path) -> dict[str, Result]:
    """The checked services of a ``status.dat``."""
    results = {}
    text = path.read_text(errors="replace") if path.exists() else ""
    for block in re.findall(r"^servicestatus \{\n(.*?)^\t\}", text, re.M | re.S):
        fields = dict(line.strip().split("=", 1) for line in block.splitlines() if "=" in line)
        if fields.get("has_been_checked") == "1":
            results[fields["service_description"]] = Result(
                NAGIOS_STATES[fields["current_state"]],
                fields["plugin_output"],
                fields["performance_data"],
            )
    return results


@pytest.mark.skipif(
    NAGIOS4 is None, reason="nagios4 not found (Debian package nagios4-core: make system-deps)"
)
def test_nagios4_runs_the_documented_definitions(
    site: tuple[StandInServer, Path], tmp_path: Path
) -> None:
    assert NAGIOS4 is not None
    _, folder = site
    here = tmp_path
    (here / "checkresults").mkdir()
    shutil.copyfile(folder / "days.state", here / "days.state")
    documented = documented_block("define command {")
    # The site's own paths, where the docs name Debian's: the only text changed.
    documented = documented.replace("/etc/nagios4/openrouter.key", str(folder / "key"))
    documented = documented.replace("/var/lib/nagios4/", f"{here}/")
    (here / "documented.cfg").write_text(documented)
    (here / "nagios.cfg").write_text(NAGIOS_CFG.format(here=here, user=USER, group=GROUP))
    (here / "resource.cfg").write_text(f"$USER1$={folder / 'plugins'}\n")
    (here / "site.cfg").write_text(nagios_objects(list(NAGIOS_SITE.items())))
    more = {
        "warning": f"-w 80: -c 50: --state-file {here}/warning.state",
        "critical": f"-w 90: -c 80: --state-file {here}/critical.state",
        # as in the Icinga site: a port found free could be another test's server by then
        "unknown": f"-w 10: -c 5: --api-key-file {here}/missing.key",
        "days-left": f"-w 10: -c 5: --state-file {here}/days.state --critical-days 3 "
        "--warning-days 7",
    }
    services = [
        (
            "service",
            {
                "use": "generic-service",
                "host_name": "localhost",
                "service_description": name,
                "check_command": f"check_openrouter_credits!{arguments}",
            },
        )
        for name, arguments in more.items()
    ]
    (here / "more.cfg").write_text(nagios_objects(services))
    verified = subprocess.run(
        [NAGIOS4, "-v", str(here / "nagios.cfg")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout
    args = [NAGIOS4, str(here / "nagios.cfg")]
    results = run_daemon(args, daemon_env(), here, lambda: nagios_status(here / "status.dat"))
    check_results(results, "OpenRouter credits")
