"""Vendor the client into another repository: ``make vendor DEST=<dir> [PACKAGE=<name>]``.

``python tools/vendor.py DEST [--package NAME]`` writes ``DEST/NAME/``: the package without
its commands (``cli/`` and the modules that import it), the generated code as a real
``_generated`` subpackage, ``LICENSE`` and ``VENDORED.md`` (its provenance).
Standard library only. CONTRIBUTING.md, "Releasing".
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import keyword
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_PACKAGE = "openrouter_credits"
#: The note written into the vendored package; its presence marks a vendored copy.
NOTE = "VENDORED.md"


class VendorError(Exception):
    """Vendoring is not possible as asked; the message says why."""


def _imports_commands(module: Path) -> bool:
    """Whether a top-level module imports the commands: ``from .cli ...``, ``from . import cli``."""
    return any(
        name.partition(".")[0] == "cli"
        for node in ast.walk(ast.parse(module.read_bytes()))
        if isinstance(node, ast.ImportFrom) and node.level == 1
        for name in ([node.module] if node.module else [alias.name for alias in node.names])
    )


def source_files(package_dir: Path) -> list[Path]:
    """The files to vendor, relative to ``package_dir``, sorted; symlinks are followed."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(package_dir, followlinks=True):
        here = Path(folder).relative_to(package_dir)
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and here / d != Path("cli"))
        found += [here / name for name in sorted(files) if not name.endswith(".pyc")]
    top = [rel for rel in found if len(rel.parts) == 1 and rel.suffix == ".py"]
    entry_points = {rel for rel in top if _imports_commands(package_dir / rel)}
    return [rel for rel in found if rel not in entry_points]


def _search(pattern: str, path: Path) -> str:
    found = re.search(pattern, path.read_text(encoding="utf-8"), re.MULTILINE)
    if not found:
        raise VendorError(f"{path}: nothing matches {pattern}")
    return found[1]


def version(root: Path = ROOT) -> str:
    return _search(r'^__version__ = "(.+)"', root / "overlays" / SOURCE_PACKAGE / "_version.py")


def dependencies(root: Path = ROOT) -> str:
    return ", ".join(
        tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    )


def _note(package: str, root: Path) -> str:
    generator = _search(r"^openapi-python-client==(\S+)", root / "requirements" / "dev.txt")
    describe = ["git", "-C", str(root), "describe", "--always", "--dirty"]
    commit = subprocess.run(describe, capture_output=True, text=True).stdout.strip()
    spec = hashlib.sha256((root / "openapi.yaml").read_bytes()).hexdigest()
    return f"""# Vendored: openrouter-credits {version(root)}

This directory is a copy of the `openrouter_credits` package, vendored as `{package}`
by `make vendor` in the openrouter-credits repository. Do not edit it here: change the
source there and vendor again (the copy is replaced as a whole).

- spec: openapi.yaml, sha256 {spec}
- generator: openapi-python-client {generator}
- source commit: {commit or "unknown (not a git checkout)"}
- run-time dependencies (install them in this project): {dependencies(root)}
- left out: the commands (`cli/` and the modules that import it)

Every import inside is relative, so the package works under any name. The generated
code (`_generated/`) is not `mypy --strict` clean: exclude it from strict checks.
"""


def vendor(dest: Path, package: str = SOURCE_PACKAGE, root: Path = ROOT) -> Path:
    """Vendor the package in ``root`` to ``dest/package``; return that directory."""
    if not package.isidentifier() or keyword.iskeyword(package):
        raise VendorError(
            f"--package {package!r}: not a Python package name (one identifier, no dots: "
            "DEST says where it goes)"
        )
    source = root / "overlays" / SOURCE_PACKAGE
    files = source_files(source)
    target = dest / package
    if target.is_symlink() or (target.exists() and not (target / NOTE).is_file()):
        raise VendorError(f"{target} exists and is not a vendored copy (no {NOTE}): not touched")
    shutil.rmtree(target, ignore_errors=True)
    for rel in files:
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / rel, target / rel)
    shutil.copyfile(root / "LICENSE", target / "LICENSE")
    (target / NOTE).write_text(_note(package, root), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vendor.py", description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="the folder to put the package folder in")
    parser.add_argument("--package", default=SOURCE_PACKAGE, help="the name to vendor it as")
    args = parser.parse_args(argv)
    try:
        target = vendor(args.dest, args.package)
    except (VendorError, OSError) as exc:
        print(f"vendor: error: {exc}", file=sys.stderr)
        return 1
    print(f"vendored openrouter-credits {version()} as {args.package!r} into {target}")
    print(f"  its run-time dependencies, to install there: {dependencies()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
