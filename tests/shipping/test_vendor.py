"""``make vendor``: the package copied into another project under another name.

The main test vendors it as ``acme_vendor.orc`` into a temporary project and calls the
stand-in server through it, sync and async, in a Python where the installed
``openrouter_credits`` (this checkout's editable install) cannot be imported: only the
temporary project and a folder holding only the run-time dependencies (httpx, attrs and
what they need) are on its ``sys.path``: ``python -I -S``, so no ``.pth`` file runs.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from openrouter_credits import __version__
from openrouter_credits.testing import Reply, StandInServer
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tools import vendor

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-or-v1-VENDOR-SENTINEL-0a1b2c3d"
TIMEOUT = 60.0

# Runs in `python -I -S -B`: no site module, so no .pth file puts overlays/ on sys.path; its
# only other path is a folder with the run-time dependencies (httpx, attrs, ...) alone.
CALLER = r"""
import asyncio, importlib.util, json, sys
project, deps, base_url, key = sys.argv[1:5]
sys.path[:0] = [project]
sys.path.append(deps)
assert importlib.util.find_spec("openrouter_credits") is None, "the installed package leaked in"

import acme_vendor.orc as orc
from acme_vendor.orc import OpenRouter, errors

out = {"file": orc.__file__, "version": orc.__version__}
modules = sorted(m for m in sys.modules if m.split(".")[0] == "openrouter_credits")
out["absolute_modules"] = modules
with OpenRouter(api_key=key, server_url=base_url, retry_config=None) as client:
    res = client.credits.get_credits(x_open_router_title="Acme")
    out["sync"] = [res.data.total_credits, res.data.total_usage]
    try:
        client.credits.get_credits()
    except errors.UnauthorizedResponseError as exc:
        out["error"] = [type(exc).__module__, exc.status_code, exc.data.error.message]

async def call():
    async with OpenRouter(api_key=key, server_url=base_url) as client:
        res = await client.credits.get_credits_async()
        return [res.data.total_credits, res.data.total_usage]

out["async"] = asyncio.run(call())
print(json.dumps(out))
"""


def make_vendor(dest: Path, package: str | None) -> subprocess.CompletedProcess[str]:
    args = ["make", "--no-print-directory", "-C", str(ROOT), "vendor", f"DEST={dest}"]
    if package is not None:
        args.append(f"PACKAGE={package}")
    return subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, check=False)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary project with the client vendored as ``acme_vendor.orc``."""
    root = tmp_path_factory.mktemp("acme")
    (root / "acme_vendor").mkdir()
    (root / "acme_vendor" / "__init__.py").write_text('"""Acme\'s vendored code."""\n')
    done = make_vendor(root / "acme_vendor", "orc")
    assert done.returncode == 0, done.stderr
    assert "vendored openrouter-credits" in done.stdout
    return root


def _closure(requirements: list[str]) -> list[metadata.Distribution]:
    """The installed distributions ``requirements`` need, transitively (markers applied)."""
    seen: dict[str, metadata.Distribution] = {}
    pending = [Requirement(r) for r in requirements]
    while pending:
        req = pending.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        seen[name] = metadata.distribution(name)
        pending.extend(Requirement(r) for r in seen[name].requires or [])
    return list(seen.values())


def _top_level(dist: metadata.Distribution) -> set[str]:
    """The importable top-level names a distribution installs."""
    names = set()
    for file in dist.files or []:
        first = file.parts[0]
        if len(file.parts) == 1 and file.suffix == ".py":
            names.add(file.stem)
        elif len(file.parts) > 1 and first.isidentifier() and first != "__pycache__":
            names.add(first)  # a package; not '..' (scripts) or 'name-1.0.dist-info'
    return names


@pytest.fixture(scope="module")
def runtime_deps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the run-time dependencies only (links into this environment)."""
    folder = tmp_path_factory.mktemp("deps")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for dist in _closure(project["dependencies"]):
        for name in _top_level(dist):
            source = Path(str(dist.locate_file(name)))
            source = source if source.exists() else source.with_suffix(".py")
            (folder / source.name).symlink_to(source)
    assert not (folder / "openrouter_credits").exists()
    return folder


def test_vendored_copy_serves_sync_and_async_without_the_installed_package(
    project: Path, runtime_deps: Path
) -> None:
    with StandInServer() as server:
        server.script(Reply(), Reply(status=401))
        args = [str(project), str(runtime_deps), server.base_url, KEY]
        done = subprocess.run(
            [sys.executable, "-I", "-S", "-B", "-c", CALLER, *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            cwd=project,
        )
        assert done.returncode == 0, done.stderr
        requests = server.requests
    out = json.loads(done.stdout)
    assert Path(out["file"]).is_relative_to(project / "acme_vendor" / "orc")
    assert out["version"] == __version__
    assert out["absolute_modules"] == []
    assert out["sync"] == [100.5, 25.75]
    assert out["async"] == [100.5, 25.75]
    assert out["error"] == ["acme_vendor.orc.errors", 401, "Missing Authentication header"]
    assert len(requests) == 3
    first = requests[0]
    assert first.path == "/api/v1/credits"
    assert first.headers["authorization"] == f"Bearer {KEY}"
    assert first.headers["x-openrouter-title"] == "Acme"
    assert first.headers["user-agent"].startswith(f"openrouter-credits/{__version__} ")


def test_vendored_tree_is_self_contained(project: Path) -> None:
    target = project / "acme_vendor" / "orc"
    files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert not [p for p in target.rglob("*") if p.is_symlink()]
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc")]
    assert not [f for f in files if f.startswith("cli/")] and "__main__.py" not in files
    for expected in ("__init__.py", "client.py", "testing/__init__.py", "LICENSE", "VENDORED.md"):
        assert expected in files
    assert "_generated/__init__.py" in files
    assert "_generated/api/credits_/get_credits.py" in files
    source = ROOT / "overlays" / "openrouter_credits"
    for rel in vendor.source_files(source):
        assert (target / rel).read_bytes() == (source / rel).read_bytes(), rel


def test_vendored_note_names_version_spec_and_generator(project: Path) -> None:
    note = (project / "acme_vendor" / "orc" / vendor.NOTE).read_text()
    spec_sha = hashlib.sha256((ROOT / "openapi.yaml").read_bytes()).hexdigest()
    generator = next(
        line.split("==")[1].split()[0]
        for line in (ROOT / "requirements" / "dev.txt").read_text().splitlines()
        if line.startswith("openapi-python-client==")
    )
    assert f"# Vendored: openrouter-credits {__version__}" in note
    assert "vendored as `orc`" in note
    assert f"sha256 {spec_sha}" in note
    assert f"openapi-python-client {generator}" in note
    assert "httpx" in note and "attrs" in note


def test_vendoring_again_replaces_the_copy(tmp_path: Path) -> None:
    assert make_vendor(tmp_path, None).returncode == 0
    target = tmp_path / "openrouter_credits"  # the default name
    (target / "stale.py").write_text("raise RuntimeError\n")
    done = make_vendor(tmp_path, None)
    assert done.returncode == 0, done.stderr
    assert not (target / "stale.py").exists()
    assert (target / "__init__.py").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["openrouter_credits"]


def test_vendoring_refuses_to_overwrite_what_it_did_not_write(tmp_path: Path) -> None:
    mine = tmp_path / "orc"
    mine.mkdir()
    (mine / "keep.py").write_text("x = 1\n")
    done = make_vendor(tmp_path, "orc")
    assert done.returncode != 0
    assert "is not a vendored copy" in done.stderr
    assert sorted(p.name for p in mine.iterdir()) == ["keep.py"]


@pytest.mark.parametrize("name", ["acme.orc", "class", "1orc", "or-c"])
def test_vendoring_rejects_a_name_that_is_not_a_package_name(tmp_path: Path, name: str) -> None:
    done = make_vendor(tmp_path, name)
    assert done.returncode != 0
    assert "not a Python package name" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_make_vendor_without_dest_prints_usage() -> None:
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "vendor"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode != 0
    assert "usage: make vendor DEST=<dir> [PACKAGE=<name>]" in done.stderr


def test_the_commands_and_their_entry_points_are_left_out(tmp_path: Path) -> None:
    package = ROOT / "overlays" / "openrouter_credits"
    files = {str(rel) for rel in vendor.source_files(package)}
    assert not {"__main__.py", "check.py"} & files
    assert not [f for f in files if f.startswith("cli/")]
    assert {"client.py", "testing/__init__.py", "_http/attempt.py"} <= files
    root = tmp_path / "repo"
    copy_repo(root)
    (root / "overlays" / "openrouter_credits" / "entry.py").write_text("from . import cli\n")
    assert "entry.py" not in {
        str(rel) for rel in vendor.source_files(root / "overlays" / "openrouter_credits")
    }


def copy_repo(root: Path) -> None:
    """The parts of this repository that vendoring reads, copied to ``root``."""
    shutil.copytree(
        ROOT / "overlays" / "openrouter_credits",
        root / "overlays" / "openrouter_credits",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        symlinks=False,
    )
    for name in ("openapi.yaml", "pyproject.toml", "requirements/dev.txt", "LICENSE"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, root / name)
