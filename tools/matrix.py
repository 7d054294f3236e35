"""``make test-matrix``: the built wheel, installed as pip would install it elsewhere, tested.

For every CPython >= 3.11 on this machine (the ``Programming Language :: Python :: 3.X``
classifiers of pyproject.toml must be among them: one missing prints a ``SKIP`` line) and
for both ends of the declared dependency ranges, a fresh venv gets the wheel from the
package's own metadata with uv:

- ``lowest``: ``--resolution lowest``, every run-time dependency (direct and transitive:
  httpx, httpcore, anyio, h11, attrs, ...) at the lowest version its range allows;
- ``highest``: ``--resolution highest``, the newest the index serves.

Both with ``--only-binary :all:`` (the lowest releases of idna or certifi have no
Python 3 sdist that builds; their oldest wheels stand for them). Then the test-only
packages of :data:`TEST_REQUIREMENTS`, at the dev lock's versions, constrained so that
they cannot move a run-time package. Then :data:`SUBSET` of the suite runs against the
installed wheel (not the source tree), on pytest-xdist workers.
docs/maintaining/dependency-matrix.md says what the subset leaves out and why.

``python tools/matrix.py [--python 3.12] [--resolution lowest] [-- PYTEST ARGS]``; exit
status 1 when any cell fails, 2 when none ran.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]
WORK: Final = ROOT / "build" / "matrix"
UV: Final = Path(sys.executable).parent / "uv"
RESOLUTIONS: Final = ("lowest", "highest")
#: The oldest Python this package supports: requires-python's floor.
FLOOR: Final = (3, 11)
NEWEST_TRIED: Final = (3, 15)

#: What the subset needs besides the package (versions: the dev lock's).
TEST_REQUIREMENTS: Final = ("pytest", "pytest-asyncio", "pytest-xdist", "hypothesis", "trustme")
TEST_REQUIREMENTS_FILES: Final = ("pyyaml",)  # tests/client/test_retries.py reads openapi.yaml

#: The client, the HTTP layer (TLS, deadlines, bodies), the stand-in server and the
#: commands. Left out: the official SDK's comparisons (installing it would steer the
#: resolution), the commands against the monitoring daemons and Prometheus' own tools
#: (system packages; the slowest files), and the tooling, spec, shipping and docs suites
#: (they test this repository, not the installed wheel).
SUBSET: Final = ("tests/client", "tests/http", "tests/testing", "tests/cli")
LEFT_OUT: Final = (
    "tests/client/test_conformance.py",
    "tests/client/test_dropin.py",
    "tests/cli/test_plugin_daemons.py",
    "tests/cli/test_prometheus.py",
)
#: The run-time packages each cell reports.
SHOWN: Final = ("httpx", "httpcore", "anyio", "h11", "attrs")


@dataclass
class Cell:
    python: str  # "3.12"
    executable: Path
    resolution: str
    passed: bool = False
    seconds: float = 0.0
    versions: dict[str, str] = field(default_factory=dict)
    log: Path = WORK

    @property
    def name(self) -> str:
        return f"py{self.python}-{self.resolution}"


def _run(args: Sequence[str | Path], log: Path, **kwargs: object) -> None:
    """Run ``args``, appending its output to ``log``; CalledProcessError on failure."""
    with log.open("a") as out:
        out.write(f"$ {' '.join(map(str, args))}\n")
        out.flush()
        subprocess.run(
            [str(a) for a in args], stdout=out, stderr=subprocess.STDOUT, check=True, **kwargs
        )  # type: ignore[call-overload]


def _interpreter(version: str) -> Path | None:
    """A working CPython ``version`` on PATH or under ~/.pyenv/versions (shims may not run)."""
    candidates = [shutil.which(f"python{version}")]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += [str(p) for p in sorted(pyenv.glob(f"{version}.*/bin/python{version}"))]
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print(sys.implementation.name, *sys.version_info[:2])"],
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0 and probe.stdout.split() == ["cpython", *version.split(".")]:
            return Path(candidate)
    return None


def classifier_versions() -> list[str]:
    """The Pythons pyproject.toml's classifiers promise."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = (
        re.fullmatch(r"Programming Language :: Python :: (3\.\d+)", c)
        for c in project["classifiers"]
    )
    return [m.group(1) for m in found if m]


def pythons(only: Sequence[str]) -> tuple[dict[str, Path], list[str]]:
    """The interpreters to test, and the promised or asked-for versions not found."""
    promised = classifier_versions()
    wanted = list(only) or sorted(
        {*promised, *(f"3.{minor}" for minor in range(FLOOR[1], NEWEST_TRIED[1] + 1))},
        key=lambda v: int(v.split(".")[1]),
    )
    found: dict[str, Path] = {}
    missing: list[str] = []
    for version in wanted:
        executable = _interpreter(version)
        if executable is not None:
            found[version] = executable
        elif version in promised or version in only:
            missing.append(version)
    return found, missing


def build_wheel() -> Path:
    dist = WORK / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", dist, ROOT],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("*.whl")
    return wheel


def lock_pins() -> dict[str, str]:
    """``name==version`` of every package in the dev lock, by normalized name."""
    pins = {}
    for line in (ROOT / "requirements" / "dev.txt").read_text().splitlines():
        match = re.match(r"([A-Za-z0-9_.-]+)==([^ ;\\]+)", line)
        if match:
            pins[_normal(match.group(1))] = f"{match.group(1)}=={match.group(2)}"
    return pins


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _installed(venv: Path) -> dict[str, str]:
    frozen = subprocess.run(
        [UV, "pip", "freeze", "--python", venv / "bin" / "python"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        _normal(name): version
        for name, _, version in (line.partition("==") for line in frozen.splitlines())
        if version
    }


def run_cell(cell: Cell, wheel: Path, workers: int, pytest_args: Sequence[str]) -> Cell:
    start = time.monotonic()
    venv = WORK / cell.name
    cell.log = WORK / f"{cell.name}.log"
    cell.log.unlink(missing_ok=True)
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "VIRTUAL_ENV": str(venv)}
    python = venv / "bin" / "python"
    try:
        _run(
            [UV, "venv", "--quiet", "--clear", "--python", cell.executable, venv], cell.log, env=env
        )
        _run(
            [UV, "pip", "install", "--python", python, "--resolution", cell.resolution,
             "--only-binary", ":all:", wheel],
            cell.log,
            env=env,
        )  # fmt: skip
        run_time = _installed(venv)
        cell.versions = {name: run_time.get(name, "-") for name in SHOWN}
        constraints = WORK / f"{cell.name}-constraints.txt"
        pins = lock_pins()
        lines = [f"{name}=={version}" for name, version in run_time.items()]
        lines += [pin for name, pin in pins.items() if name not in run_time]
        constraints.write_text("\n".join(sorted(lines)) + "\n")
        _run(
            [UV, "pip", "install", "--python", python, "-c", constraints,
             *TEST_REQUIREMENTS, *TEST_REQUIREMENTS_FILES],
            cell.log,
            env=env,
        )  # fmt: skip
        # The package under test is the installed wheel, never the source tree.
        _run(
            [python, "-c", "import openrouter_credits as p, sys; "
             f"sys.exit(not p.__file__.startswith({str(venv)!r}))"],
            cell.log,
        )  # fmt: skip
        ignores = [f"--ignore={path}" for path in LEFT_OUT]
        _run(
            [python, "-m", "pytest", "-o", "pythonpath=.", "-p", "no:cacheprovider", "-q",
             "-n", str(workers), "--dist", "loadfile", *ignores, *SUBSET, *pytest_args],
            cell.log,
            cwd=ROOT,
            env={**env, "PYTHONDONTWRITEBYTECODE": "1"},
        )  # fmt: skip
        cell.passed = True
    except subprocess.CalledProcessError:
        cell.passed = False
    cell.seconds = time.monotonic() - start
    return cell


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="append", default=[], help="only this 3.X (repeatable)")
    parser.add_argument("--resolution", action="append", choices=RESOLUTIONS, default=[])
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MATRIX_JOBS", "1")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("MATRIX_WORKERS", "3")))
    parser.add_argument("pytest_args", nargs="*")
    args = parser.parse_args(argv)
    start = time.monotonic()
    found, missing = pythons(args.python)
    for version in missing:
        print(f"SKIP python{version}: no CPython {version} found on this machine", flush=True)
    cells = [
        Cell(version, executable, resolution)
        for version, executable in found.items()
        for resolution in args.resolution or RESOLUTIONS
    ]
    if not cells:
        print("make test-matrix: no cell to run", file=sys.stderr)
        return 2
    WORK.mkdir(parents=True, exist_ok=True)
    wheel = build_wheel()
    print(f"{len(cells)} cells, {args.jobs} at a time, logs in {WORK}/", flush=True)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(run_cell, c, wheel, args.workers, args.pytest_args) for c in cells]
        for future in concurrent.futures.as_completed(futures):
            cell = future.result()
            shown = " ".join(f"{k}={v}" for k, v in cell.versions.items())
            verdict = "ok  " if cell.passed else "FAIL"
            print(f"{verdict} {cell.name:<16} {cell.seconds:5.0f} s  {shown}", flush=True)
            if not cell.passed:
                print("".join(cell.log.read_text().splitlines(keepends=True)[-40:]), flush=True)
    failed = [cell.name for cell in cells if not cell.passed]
    summary = f"{len(cells) - len(failed)}/{len(cells)} cells passed"
    summary += f" in {time.monotonic() - start:.0f} s"
    print(f"test-matrix: {summary}" + (f"; failed: {' '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
