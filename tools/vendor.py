"""Vendor the client into another repository: ``make vendor DEST=<dir> [PACKAGE=<name>]``.

``python tools/vendor.py DEST [--package NAME]`` writes ``DEST/NAME/``: the package with
the generated code as a real ``_generated`` subpackage, ``LICENSE`` and ``VENDORED.md``
(provenance and a sha256 per file). Left out: the commands (``cli/`` and the modules that
import it); kept: ``testing/``, for the other project's tests. Nothing is rewritten: every
import inside is relative, and an absolute ``openrouter_credits`` import is refused. A new
copy is built beside the target and swapped in; only a copy this script made (it holds
``VENDORED.md``) is replaced. Standard library only. CONTRIBUTING.md, "Releasing".
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
    """``file:line: statement`` for every import of ``package`` by its absolute name: it
    would load the installed package (or fail) instead of the vendored copy."""
    found: list[str] = []
    for path in (p for p in files if p.suffix == ".py"):
        for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            if any(name == package or name.startswith(package + ".") for name in names):
                found.append(f"{path}:{node.lineno}: {ast.unparse(node)}")
    return found


def _excluded_imports(package_dir: Path, files: Iterable[Path]) -> list[str]:
    """Relative imports, inside the vendored files, of the commands' subpackage."""
    return [line for rel in files for line in _commands_imports(package_dir, rel)]


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def provenance(root: Path = ROOT) -> Provenance:
    """The version, spec hash, generator, commit and date of the package in ``root``."""
    text = (root / "overlays" / SOURCE_PACKAGE / "_version.py").read_text(encoding="utf-8")
    version = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", text, re.MULTILINE)
    lock = (root / "requirements" / "dev.txt").read_text(encoding="utf-8")
    generator = re.search(r"^openapi-python-client==(\S+)", lock, re.MULTILINE)
    if not version or not generator:
        raise VendorError(f"{root}: no __version__ in _version.py or generator pin in dev.txt")
    commit = _git(root, "rev-parse", "HEAD")
    paths = ["overlays/" + SOURCE_PACKAGE, "generated", "openapi.yaml"]
    if commit and _git(root, "status", "--porcelain", "--", *paths):
        commit += " (with uncommitted changes to the vendored files)"
    stamp = (
        _git(root, "show", "-s", "--format=%ct", "HEAD") if commit else None
    ) or os.environ.get("SOURCE_DATE_EPOCH", "")
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return Provenance(
        version=version.group(1),
        spec_sha256=hashlib.sha256((root / "openapi.yaml").read_bytes()).hexdigest(),
        generator=f"openapi-python-client {generator.group(1)}",
        commit=commit or "unknown (not a git checkout)",
        date=datetime.fromtimestamp(int(stamp), UTC).strftime("%Y-%m-%d")
        if stamp.isdigit()
        else "unknown",
        dependencies=tuple(project["project"]["dependencies"]),
    )


def _note(package: str, origin: Provenance, hashes: list[tuple[Path, str]]) -> str:
    files = "".join(f"{digest}  {rel.as_posix()}\n" for rel, digest in hashes)
    deps = ", ".join(f"`{d}`" for d in origin.dependencies)
    return f"""# Vendored: openrouter-credits {origin.version}

This directory is a copy of the `openrouter_credits` package, vendored as `{package}`
by `make vendor` in the openrouter-credits repository. Do not edit it here: change the
source there and vendor again (the copy is replaced as a whole).

- version: {origin.version}
- spec: openapi.yaml, sha256 {origin.spec_sha256}
- generator: {origin.generator}
- source commit: {origin.commit}
- date: {origin.date}
- run-time dependencies (install them in this project): {deps}
- left out: the commands (`{COMMANDS}/` and the modules that import it)

Every import inside is relative, so the package works under any name. The generated
code (`_generated/`) is not `mypy --strict` clean: exclude it from strict checks.

## Files (sha256)

```
{files}```
"""


def vendor(dest: Path, package: str = SOURCE_PACKAGE, root: Path = ROOT) -> Path:
    """Vendor the package in ``root`` to ``dest/package``; return that directory."""
    if not package.isidentifier() or keyword.iskeyword(package) or not package.isascii():
        raise VendorError(
            f"--package {package!r}: not a Python package name (one identifier, no dots: "
            "DEST says where it goes)"
        )
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
    parser = argparse.ArgumentParser(prog="vendor.py", description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="the folder to put the package folder in")
    parser.add_argument("--package", default=SOURCE_PACKAGE, help="the name to vendor it as")
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
