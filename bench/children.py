"""Fresh interpreters for the import and memory measurements, in two install profiles.

*user*: click, rich and pygments hidden, as in a user's install of this package (httpx
without its ``cli`` extra); *dev*: this .venv as it is. See BENCHMARKS.md, section 2.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Final

# httpx imports its command line (click, rich, pygments) when they are importable; they are
# in the dev toolchain but not in a user's install of this package (httpx without its `cli`
# extra). The "user install" profile hides them from the measured interpreter.
CLI_EXTRAS: Final = ("click", "rich", "pygments")

PROFILES: Final = {
    "user": "user install (httpx without its CLI extras)",
    "dev": "this .venv as it is (httpx also imports its CLI: click, rich, pygments)",
}


def prelude(profile: str) -> str:
    if profile != "user":
        return ""
    names = ", ".join(repr(n) for n in CLI_EXTRAS)
    return f"import sys\nfor _n in ({names},):\n    sys.modules[_n] = None\n"


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    # Measure imports from cached bytecode, as an installed package runs: the first run
    # may write __pycache__ (git-ignored) where the environment forbade it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def run_child(code: str, *flags: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, *flags, "-c", code],
        capture_output=True,
        text=True,
        env=child_env(),
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child python failed:\n{code}\n{done.stderr[-2000:]}")
    return done


def child_float(code: str, profile: str) -> float:
    """The number ``code`` prints, run in a fresh interpreter of ``profile``."""
    return float(run_child(prelude(profile) + code).stdout.strip())
