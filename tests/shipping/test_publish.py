"""``make publish`` to a real package index, then install from it and run the command.

A pypiserver runs on 127.0.0.1 with uploads behind a generated htpasswd file (passlib)
and no fallback to any other index. The run-time dependencies (``make wheelhouse``:
wheels pinned by requirements/dev.txt) are put on it beside the package, as an internal
index would mirror them, so the fresh virtual environment installs everything from this
one index and nothing else: pip runs with no configuration files and no ``PIP_*``
variables. The installed ``openrouter-credits`` command then calls the stand-in server.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from openrouter_credits import __version__
from openrouter_credits.testing import StandInServer, free_port

from ..conftest import stop_process

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 300.0
START_TIMEOUT = 30.0
USER = "publisher"
KEY = "sk-or-v1-PUBLISH-SENTINEL-5e6f7a8b"
EXAMPLE = {"total_credits": 100.5, "total_usage": 25.75, "remaining": 74.75}
WHEEL = f"openrouter_credits-{__version__}-py3-none-any.whl"
SDIST = f"openrouter_credits-{__version__}.tar.gz"


@dataclass(frozen=True)
class Index:
    url: str  # the upload URL; ``url + "simple/"`` is the index pip reads
    password: str
    packages: Path
    log: Path


def _make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        # RECORD_RELEASE=no: a publish to this throwaway index is no release to record.
        ["make", "--no-print-directory", "-C", str(ROOT), "RECORD_RELEASE=no", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        check=False,
    )


def _write_htpasswd(path: Path, user: str, password: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # passlib imports 'crypt'
        from passlib.apache import HtpasswdFile  # type: ignore[import-untyped]

    htpasswd = HtpasswdFile(str(path), new=True, default_scheme="sha256_crypt")
    htpasswd.set_password(user, password)
    htpasswd.save()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"pypiserver exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    pytest.fail(f"pypiserver did not answer within {START_TIMEOUT} s:\n{log.read_text()}")


#: An index whose upload limit is lower than a stock pypiserver's (the parameter, in bytes).
_LOWER_LIMIT = (
    "import runpy, sys, pypiserver.bottle as b; b.BaseRequest.MEMFILE_MAX = int(sys.argv.pop(1)); "
    "runpy.run_module('pypiserver', run_name='__main__')"
)


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    """A stock pypiserver on 127.0.0.1 holding the run-time dependencies; uploads need a
    login."""
    with serve_index(tmp_path) as served:
        yield served


@contextlib.contextmanager
def serve_index(tmp_path: Path, limit: int | None = None) -> Iterator[Index]:
    """The index: stock, or with ``limit`` bytes as its in-memory upload limit."""
    done = _make("wheelhouse")
    assert done.returncode == 0, done.stdout + done.stderr
    packages = tmp_path / "packages"
    packages.mkdir(parents=True)
    deps = sorted((ROOT / ".venv" / "wheelhouse").glob("*.whl"))
    assert {p.name.split("-")[0] for p in deps} >= {"httpx", "attrs"}
    for wheel in deps:
        shutil.copy(wheel, packages)
    password = secrets.token_urlsafe(24)
    htpasswd = tmp_path / "htpasswd"
    _write_htpasswd(htpasswd, USER, password)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tmp_path / "pypiserver.log"
    # A stock pypiserver: its upload limit (100 KiB in memory) as it comes.
    server = [str(ROOT / ".venv" / "bin" / "pypi-server"), "run", "--interface", "127.0.0.1"]
    if limit is not None:
        server = [sys.executable, "-c", _LOWER_LIMIT, str(limit), *server[1:]]
    options = ["--port", str(port), "--authenticate", "update", "--passwords", str(htpasswd)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*server, *options, "--disable-fallback", str(packages)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        _wait_until_up(url, process, log)
        yield Index(url=url, password=password, packages=packages, log=log)
    finally:
        stop_process(process)


def _twine_env(index: Index, password: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINE_")}
    env.update(
        TWINE_REPOSITORY_URL=index.url,
        TWINE_USERNAME=USER,
        TWINE_PASSWORD=index.password if password is None else password,
    )
    return env


def _pip_env() -> dict[str, str]:
    """No pip configuration at all: the one index on the command line is all pip sees."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def test_publish_install_from_the_index_and_run_the_command(index: Index, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    done = _make("publish", f"DIST={dist}", env=_twine_env(index))
    output = done.stdout + done.stderr
    assert done.returncode == 0, output + index.log.read_text()
    assert index.password not in output
    for name in (WHEEL, SDIST):  # what was built and checked is what the index holds
        assert (index.packages / name).read_bytes() == (dist / name).read_bytes()

    again = _make("publish", f"DIST={dist}", env=_twine_env(index))
    assert again.returncode != 0
    assert (
        "make publish: the upload failed (HTTP 409): this version is already on the index"
        in again.stderr
    ), again.stdout + again.stderr

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=TIMEOUT)
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--no-cache-dir", "--only-binary=:all:"]
    install = subprocess.run(
        [*pip, "--index-url", index.url + "simple/", f"openrouter-credits=={__version__}"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=_pip_env(),
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    assert f"openrouter-credits-{__version__}" in install.stdout.replace("_", "-")
    assert f"Looking in indexes: {index.url}simple/\n" in install.stdout  # and no other
    assert "Looking in links" not in install.stdout

    where = subprocess.run(
        [str(python), "-c", "import openrouter_credits as o; print(o.__file__, o.__version__)"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=True,
    )
    location, version = where.stdout.split()
    assert Path(location).is_relative_to(venv) and version == __version__

    command = venv / "bin" / "openrouter-credits"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OPENROUTER_API_KEY": KEY}
    shown = subprocess.run(
        [str(command), "--version"], capture_output=True, text=True, timeout=60, env=env
    )
    assert shown.stdout.strip() == f"openrouter-credits {__version__}"
    with StandInServer() as server:
        run = subprocess.run(
            [str(command), "--server-url", server.base_url, "--json"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=tmp_path,
            check=False,
        )
        requests = server.requests
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == EXAMPLE
    assert KEY not in run.stdout + run.stderr
    assert len(requests) == 1
    assert requests[0].path == "/api/v1/credits"
    assert requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert requests[0].headers["user-agent"].startswith(f"openrouter-credits/{__version__} ")


def test_publish_with_a_wrong_password_is_refused_and_not_echoed(
    index: Index, tmp_path: Path
) -> None:
    wrong = "wrong-" + secrets.token_urlsafe(16)
    done = _make("publish", f"DIST={tmp_path / 'dist'}", env=_twine_env(index, wrong))
    assert done.returncode != 0
    assert wrong not in done.stdout + done.stderr
    assert "make publish: the upload failed (HTTP 403): the index refused the login" in (
        done.stderr
    ), done.stdout + done.stderr
    assert not (index.packages / WHEEL).exists()


def test_an_upload_too_large_for_the_index_says_so(tmp_path: Path) -> None:
    # pypiserver's bottle keeps each part under its limit in memory and refuses the upload
    # once they add up to more: an index whose limit just holds the wheel alone refuses it
    # with its description and fields (the wheel is reproducible: this build is the one
    # make publish makes).
    probe = tmp_path / "probe"
    built = _make("wheel", f"DIST={probe}")
    assert built.returncode == 0, built.stdout + built.stderr
    limit = (probe / WHEEL).stat().st_size + 64
    with serve_index(tmp_path / "small", limit) as index:
        done = _make("publish", f"DIST={tmp_path / 'dist'}", env=_twine_env(index))
        assert done.returncode != 0
        assert (
            "make publish: the upload failed (HTTP 400): the index refused the upload's size or "
            "form: a stock pypiserver holds at most 100 KiB per upload in memory" in done.stderr
        ), done.stdout + done.stderr
        assert "raise the index's limit, or shrink the wheel" in done.stderr
        assert not (index.packages / WHEEL).exists()


def test_publish_needs_the_repository_url(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINE_")}
    done = _make("publish", f"DIST={tmp_path / 'dist'}", env=env)
    assert done.returncode != 0
    assert "set TWINE_REPOSITORY_URL" in done.stderr
    assert not (tmp_path / "dist").exists()  # refused before building


def test_publish_refuses_credentials_in_the_url(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINE_")}
    env["TWINE_REPOSITORY_URL"] = "http://user:s3cret-in-url@127.0.0.1:9/"
    done = _make("publish", f"DIST={tmp_path / 'dist'}", env=env)
    assert done.returncode != 0
    assert "must not hold credentials" in done.stderr
    assert "s3cret-in-url" not in done.stdout + done.stderr
