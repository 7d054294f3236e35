"""Vendor the client into another repository: ``make vendor DEST=<dir> [PACKAGE=<name>]``.

``python tools/vendor.py DEST [--package NAME]`` writes ``DEST/NAME/`` (``NAME`` defaults
to ``openrouter_credits``): one self-contained package made of the hand-written overlays
(``overlays/openrouter_credits``) with the generated code as a real ``_generated``
subpackage (the repository's symlink is resolved). It works under any name and at any
depth (``acme_vendor.orc``) because every import inside the package is relative; the
script checks that and refuses to vendor code with an absolute ``openrouter_credits``
import. Nothing is rewritten.

Left out: the commands, the ``cli/`` subpackage, and the top-level modules that import it
(their entry points, ``__main__.py`` and ``check.py``): they belong to the installed
distribution, not to a library copy; ``__pycache__`` and compiled files. Kept: ``testing/``,
the stand-in server, for the vendoring project's own tests.

Added: ``VENDORED.md`` (the package version, the ``openapi.yaml`` sha256, the generator
version, the source commit and date, the run-time dependencies, a sha256 per file) and
``LICENSE`` (MIT asks for its notice in every copy).

Re-running replaces an earlier vendored copy (a directory holding ``VENDORED.md``);
anything else already at ``DEST/NAME`` is left alone and is an error. The new copy is
written beside the target and swapped in, so a failure leaves the old one as it was.
Standard library only, so any Python 3.11+ runs it.
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
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

__all__ = [
    "COMMANDS",
    "NOTE",
    "SOURCE_PACKAGE",
    "Provenance",
    "VendorError",
    "absolute_imports",
    "main",
    "provenance",
    "source_files",
    "vendor",
]

ROOT = Path(__file__).resolve().parent.parent
SOURCE_PACKAGE = "openrouter_credits"
#: The subpackage that is not vendored: the commands and what only they use. The top-level
#: modules that import it (their entry points, ``__main__.py`` and ``check.py``) go with it.
COMMANDS = "cli"
#: The note written into the vendored package; its presence marks a vendored copy.
NOTE = "VENDORED.md"
_SKIPPED_DIRS = frozenset({"__pycache__"})
_SKIPPED_SUFFIXES = (".pyc", ".pyo")


class VendorError(Exception):
    """Vendoring is not possible as asked; the message says why."""


@dataclass(frozen=True)
class Provenance:
    """Where a vendored copy came from."""

    version: str
    spec_sha256: str
    generator: str
    commit: str
    date: str
    dependencies: tuple[str, ...]


def source_files(package_dir: Path) -> list[Path]:
    """The files to vendor, relative to ``package_dir``, sorted; symlinks are followed."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(package_dir, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith("."))
        here = Path(folder).relative_to(package_dir)
        for name in sorted(files):
            if name.endswith(_SKIPPED_SUFFIXES) or name.startswith("."):
                continue
            rel = here / name
            if rel.parts[0] == COMMANDS or (
                here == Path(".") and _imports_commands(package_dir, rel)
            ):
                continue
            found.append(rel)
    return found


def _commands_imports(package_dir: Path, rel: Path) -> list[str]:
    """The relative imports of the commands' subpackage in the module ``rel``."""
    if rel.suffix != ".py":
        return []
    path = package_dir / rel
    tree = ast.parse(path.read_bytes(), filename=str(path))
    depth = len(rel.parts) - 1  # how many levels below the package root
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == depth + 1:
            first = (node.module or "").split(".")[0]
            if (first or None) == COMMANDS or (
                not first and COMMANDS in {a.name for a in node.names}
            ):
                found.append(f"{rel}:{node.lineno}: {ast.unparse(node)}")
    return found


def _imports_commands(package_dir: Path, rel: Path) -> bool:
    return bool(_commands_imports(package_dir, rel))


def absolute_imports(files: Iterable[Path], package: str = SOURCE_PACKAGE) -> list[str]:
    """``file:line: statement`` for every import of ``package`` by its absolute name.

    Such an import would load the installed package (or fail) instead of the vendored
    copy. Text in docstrings and comments is not an import and is not reported.
    """
    found: list[str] = []
    for path in files:
        if path.suffix != ".py":
            continue
        tree = ast.parse(path.read_bytes(), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            if any(name == package or name.startswith(package + ".") for name in names):
                found.append(f"{path}:{node.lineno}: {ast.unparse(node)}")
    return found


def _excluded_imports(package_dir: Path, files: Iterable[Path]) -> list[str]:
    """Relative imports, inside the vendored files, of the commands' subpackage."""
    return [line for rel in files for line in _commands_imports(package_dir, rel)]


def _read_version(package_dir: Path) -> str:
    text = (package_dir / "_version.py").read_text(encoding="utf-8")
    match = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", text, re.MULTILINE)
    if not match:
        raise VendorError(f"{package_dir / '_version.py'}: no __version__ = '...' line")
    return match.group(1)


def _generator_version(root: Path) -> str:
    requirements = root / "requirements" / "dev.txt"
    for line in requirements.read_text(encoding="utf-8").splitlines():
        name, _, version = line.strip().partition("==")
        if name.strip().lower().replace("_", "-") == "openapi-python-client" and version:
            return f"openapi-python-client {version.split()[0]}"
    raise VendorError(f"{requirements}: openapi-python-client is not pinned there")


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def provenance(root: Path = ROOT) -> Provenance:
    """The version, spec hash, generator, commit and date of the package in ``root``."""
    package_dir = root / "overlays" / SOURCE_PACKAGE
    spec = root / "openapi.yaml"
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    commit = _git(root, "rev-parse", "HEAD")
    if commit:
        paths = ["overlays/" + SOURCE_PACKAGE, "generated", "openapi.yaml"]
        if _git(root, "status", "--porcelain", "--", *paths):
            commit += " (with uncommitted changes to the vendored files)"
        stamp = _git(root, "show", "-s", "--format=%ct", "HEAD")
    else:
        commit, stamp = "unknown (not a git checkout)", None
    stamp = stamp or os.environ.get("SOURCE_DATE_EPOCH")
    date = (
        datetime.fromtimestamp(int(stamp), UTC).strftime("%Y-%m-%d")
        if stamp and stamp.isdigit()
        else "unknown"
    )
    return Provenance(
        version=_read_version(package_dir),
        spec_sha256=hashlib.sha256(spec.read_bytes()).hexdigest(),
        generator=_generator_version(root),
        commit=commit,
        date=date,
        dependencies=tuple(project["project"]["dependencies"]),
    )


def _note(package: str, origin: Provenance, hashes: list[tuple[Path, str]]) -> str:
    deps = ", ".join(f"`{d}`" for d in origin.dependencies)
    lines = [
        f"# Vendored: openrouter-credits {origin.version}",
        "",
        f"This directory is a copy of the `openrouter_credits` package, vendored as `{package}`",
        "by `make vendor` in the openrouter-credits repository. Do not edit it here: change the",
        "source there and vendor again (the copy is replaced as a whole).",
        "",
        f"- version: {origin.version}",
        f"- spec: openapi.yaml, sha256 {origin.spec_sha256}",
        f"- generator: {origin.generator}",
        f"- source commit: {origin.commit}",
        f"- date: {origin.date}",
        f"- run-time dependencies (install them in this project): {deps}",
        f"- left out: the commands (`{COMMANDS}/` and the modules that import it)",
        "",
        "Every import inside is relative, so the package works under any name. The generated",
        "code (`_generated/`) is not `mypy --strict` clean: exclude it from strict checks.",
        "",
        "## Files (sha256)",
        "",
        "```",
        *(f"{digest}  {rel.as_posix()}" for rel, digest in hashes),
        "```",
        "",
    ]
    return "\n".join(lines)


def _check_package_name(package: str) -> None:
    if not package.isidentifier() or keyword.iskeyword(package) or not package.isascii():
        raise VendorError(
            f"--package {package!r}: not a Python package name (one identifier, no dots: "
            "DEST says where it goes)"
        )


def vendor(dest: Path, package: str = SOURCE_PACKAGE, root: Path = ROOT) -> Path:
    """Vendor the package in ``root`` to ``dest/package``; return that directory."""
    _check_package_name(package)
    source = root / "overlays" / SOURCE_PACKAGE
    if not (source / "__init__.py").is_file():
        raise VendorError(f"{source}: not the openrouter_credits package")
    if not (source / "_generated" / "__init__.py").is_file():
        raise VendorError(f"{source / '_generated'}: missing (it links to generated/)")
    files = source_files(source)
    bad = absolute_imports(source / rel for rel in files)
    if bad:
        raise VendorError(
            "absolute imports of openrouter_credits would not follow the vendored copy "
            "(make them relative):\n  " + "\n  ".join(bad)
        )
    bad = _excluded_imports(source, files)
    if bad:
        raise VendorError(
            "a vendored module imports the commands' subpackage, which is left out:\n  "
            + "\n  ".join(bad)
        )
    target = dest / package
    if target.is_symlink() or (target.exists() and not (target / NOTE).is_file()):
        raise VendorError(f"{target} exists and is not a vendored copy (no {NOTE}): not touched")
    origin = provenance(root)

    dest.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{package}.vendoring-", dir=dest))
    try:
        built = staging / package
        hashes: list[tuple[Path, str]] = []
        for rel in files:
            data = (source / rel).read_bytes()
            if rel.suffix == ".py":
                compile(data, str(source / rel), "exec", dont_inherit=True)
            out = built / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            hashes.append((rel, hashlib.sha256(data).hexdigest()))
        shutil.copyfile(root / "LICENSE", built / "LICENSE")
        (built / NOTE).write_text(_note(package, origin, hashes), encoding="utf-8")
        previous = staging / "previous"
        if target.exists():
            target.rename(previous)
        try:
            built.rename(target)
        except OSError:
            if previous.exists():
                previous.rename(target)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="vendor.py", description=(__doc__ or "").splitlines()[0].rstrip(".")
    )
    parser.add_argument("dest", type=Path, help="the folder to put the package folder in")
    parser.add_argument(
        "--package",
        default=SOURCE_PACKAGE,
        help=f"the package (folder) name to vendor it as (default: {SOURCE_PACKAGE})",
    )
    args = parser.parse_args(argv)
    try:
        target = vendor(args.dest, args.package)
        origin = provenance()
    except (VendorError, OSError, SyntaxError) as exc:
        print(f"vendor: error: {exc}", file=sys.stderr)
        return 1
    print(f"vendored openrouter-credits {origin.version} as {args.package!r} into {target}")
    print(f"  its run-time dependencies, to install there: {', '.join(origin.dependencies)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
