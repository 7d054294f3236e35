"""``make test-matrix``: the wheel at both ends of its dependency ranges, on each CPython here.

``python tools/matrix.py --wheel WHEEL [--python 3.X] [--resolution lowest] [-- PYTEST ARGS]``;
exit status 1 when a cell fails, 2 when none ran. What a cell does and what the subset
leaves out: docs/maintaining/dependency-matrix.md.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]
WORK: Final = ROOT / "build" / "matrix"
LOCK: Final = ROOT / "requirements" / "dev.txt"  # the test-only packages' pins
UV: Final = str(Path(sys.executable).parent / "uv")
RESOLUTIONS: Final = ("lowest", "highest")
VERSIONS: Final = tuple(f"3.{minor}" for minor in range(11, 16))  # requires-python's floor up
#: What the subset needs besides the package (pyyaml: tests read openapi.yaml).
TEST_REQUIREMENTS: Final = (
    *("pytest", "pytest-asyncio", "pytest-xdist", "hypothesis", "trustme", "pyyaml"),
)
#: Left out of the subset: the official SDK's comparisons (installing it would steer the
#: resolution), the commands against the monitoring daemons and Prometheus' own tools.
SUBSET: Final = ("tests/client", "tests/http", "tests/testing", "tests/cli")
LEFT_OUT: Final = (
    "tests/client/test_conformance.py",
    "tests/client/test_dropin.py",
    "tests/cli/test_plugin_daemons.py",
    "tests/cli/test_prometheus.py",
)
#: The run-time packages each cell reports.
SHOWN: Final = ("httpx", "httpcore", "anyio", "h11", "attrs")
_PYENV: Final = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
#: uv looks on PATH; pyenv's shims run only the version selected, its folders run theirs.
ENV: Final = {
    **os.environ,
    "UV_PYTHON_DOWNLOADS": "never",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PATH": os.pathsep.join([os.environ["PATH"], *map(str, sorted(_PYENV.glob("*/bin")))]),
}


def classifier_versions() -> list[str]:
    """The Pythons pyproject.toml's classifiers promise."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pattern = r"Programming Language :: Python :: (3\.\d+)"
    return [m.group(1) for c in project["classifiers"] if (m := re.fullmatch(pattern, c))]


def interpreter(version: str) -> str | None:
    """The CPython ``version`` uv finds, or None."""
    command = [UV, "python", "find", "--system", f"cpython@{version}"]
    done = subprocess.run(command, env=ENV, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def pins(text: str) -> dict[str, str]:
    """The versions a lock or a freeze pins, by normalized name."""
    found = re.finditer(r"^([A-Za-z0-9_.-]+)==([^ ;\\\n]+)", text, re.MULTILINE)
    return {re.sub(r"[-_.]+", "-", m[1]).lower(): m[2] for m in found}


def run_cell(name: str, python: str, resolution: str, wheel: Path, pytest: list[str]) -> str:
    """Make the cell's venv and run the subset in it; the versions of :data:`SHOWN` it got.
    CalledProcessError when a step fails; the log is ``WORK/<name>.log``."""
    venv, log = WORK / name, WORK / f"{name}.log"
    log.unlink(missing_ok=True)

    def step(*args: str | Path) -> None:
        with log.open("a") as out:
            print("$", *args, file=out, flush=True)
            subprocess.run(
                args, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=ENV, check=True
            )

    step(UV, "venv", "--quiet", "--clear", "--python", python, venv)
    install: list[str | Path] = [UV, "pip", "install", "--python", venv]
    step(*install, "--resolution", resolution, "--only-binary", ":all:", wheel)
    freeze = [UV, "pip", "freeze", "--python", str(venv)]
    run_time = pins(subprocess.run(freeze, capture_output=True, text=True, check=True).stdout)
    constraints = WORK / f"{name}-constraints.txt"
    lines = (f"{n}=={v}" for n, v in {**pins(LOCK.read_text()), **run_time}.items())
    constraints.write_text("\n".join(sorted(lines)) + "\n")
    step(*install, "-c", constraints, *TEST_REQUIREMENTS)
    python = str(venv / "bin" / "python")
    # The package under test is the installed wheel, never the source tree.
    step(
        python, "-c", f"import openrouter_credits as p; assert p.__file__.startswith({str(venv)!r})"
    )
    ignores = [f"--ignore={path}" for path in LEFT_OUT]
    step(python, "-m", "pytest", "-o", "pythonpath=.", "-p", "no:cacheprovider", "-q",
         "-n", os.environ.get("MATRIX_WORKERS", "3"), "--dist", "loadfile", *ignores,
         *SUBSET, *pytest)  # fmt: skip
    return " ".join(f"{n}={run_time.get(n, '-')}" for n in SHOWN)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="append", default=[], help="only this 3.X (repeatable)")
    parser.add_argument("--resolution", action="append", choices=RESOLUTIONS, default=[])
    parser.add_argument("--wheel", type=Path, required=True)
    parser.add_argument("pytest_args", nargs="*")
    args = parser.parse_args(argv)
    start = time.monotonic()
    cells = []
    promised = classifier_versions()
    for version in args.python or sorted({*VERSIONS, *promised}, key=lambda v: int(v[2:])):
        python = interpreter(version)
        if python:
            cells += [(f"py{version}-{r}", python, r) for r in args.resolution or RESOLUTIONS]
        elif version in (*args.python, *promised):
            print(f"SKIP python{version}: no CPython {version} found on this machine", flush=True)
    if not cells:
        print("make test-matrix: no cell to run", file=sys.stderr)
        return 2
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"{len(cells)} cells, logs in {WORK}/", flush=True)
    failed = []
    for name, python, resolution in cells:
        began = time.monotonic()
        try:
            shown = run_cell(name, python, resolution, args.wheel.resolve(), args.pytest_args)
        except subprocess.CalledProcessError:
            failed.append(name)
            shown = "\n" + "".join((WORK / f"{name}.log").read_text().splitlines(True)[-40:])
        verdict = "FAIL" if name in failed else "ok  "
        print(f"{verdict} {name:<16} {time.monotonic() - began:5.0f} s  {shown}", flush=True)
    summary = f"{len(cells) - len(failed)}/{len(cells)} cells passed"
    summary += f" in {time.monotonic() - start:.0f} s"
    print(f"test-matrix: {summary}" + (f"; failed: {' '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
