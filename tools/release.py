"""The release rules (``make api-changes``, ``check-release``, ``release-record``,
``changelog``): what changed since the release ``spec/released/`` records (the API
description, the public API as griffe reads it, ``generated/``), and whether the version and
CHANGELOG.md say so.
docs/maintaining/api-changes.md and CONTRIBUTING.md, "Releasing".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import griffe
from packaging.version import Version

from tools import api_changes
from tools.api_changes import Change, Kind, Level, next_version
from tools.spec import SpecError

RELEASED = Path("spec/released")
VERSION_FILE = Path("overlays/openrouter_credits/_version.py")
CHANGELOG = Path("CHANGELOG.md")
_VERSION = re.compile(r'^__version__ = "([^"]+)"$', re.MULTILINE)
_HEADING = re.compile(r"^## (\S+)(.*)$", re.MULTILINE)
_LABELS = {Kind.BREAKING: "Breaking", Kind.FEATURE: "New", Kind.OTHER: "Changed", Kind.DOCS: "Docs"}


def generated_digest(root: Path) -> str:
    """sha256 over ``generated/``'s file names and contents (``__pycache__`` left out)."""
    digest = hashlib.sha256()
    folder = root / "generated"
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if "__pycache__" not in path.parts:
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _search(pattern: re.Pattern[str], root: Path, file: Path, missing: str) -> re.Match[str]:
    found = pattern.search(_read(root / file))
    if not found:
        raise ValueError(f"{file}: no {missing}")
    return found


def current_version(root: Path) -> str:
    return _search(_VERSION, root, VERSION_FILE, "'__version__ = \"X.Y.Z\"' line").group(1)


# --- the public API ---------------------------------------------------------------------

#: Left out of the record: the same for every object (added back by ``_griffe``).
_DEFAULTS = {"lineno": 0, "public": True, "annotation": None, "default": None}


def _public(obj: griffe.Object | griffe.Alias) -> dict[str, Any] | None:
    try:
        target = obj.final_target if isinstance(obj, griffe.Alias) else obj
    except griffe.AliasResolutionError:  # a name from outside the package
        return None
    data: dict[str, Any] = {"kind": target.kind.value, "name": obj.name}
    if isinstance(target, griffe.Function):
        data["parameters"] = [
            {"name": p.name, "kind": p.kind.value}
            | ({"annotation": str(p.annotation)} if p.annotation else {})
            | ({"default": str(p.default)} if p.default is not None else {})
            for p in target.parameters
        ]
        data["returns"] = target.returns and str(target.returns)
    elif isinstance(target, griffe.Attribute) and target.annotation:
        data["annotation"] = str(target.annotation)
    elif isinstance(target, griffe.Class):
        data["bases"] = [str(base) for base in target.bases]
    members = {
        name: _public(member)
        for name, member in sorted(target.members.items())
        if member.is_public and not (member.is_alias and member.is_module)
    }
    if any(members.values()):
        data["members"] = {name: found for name, found in members.items() if found}
    return data


def public_api(root: Path) -> dict[str, Any]:
    """The public API of the package under ``root/overlays``."""
    package = griffe.load(
        "openrouter_credits", search_paths=[root / "overlays"], resolve_external=False
    )
    return _public(package) or {}


def _griffe(api: dict[str, Any]) -> griffe.Object:
    def hook(data: dict[str, Any]) -> Any:
        return griffe.json_decoder(_DEFAULTS | data if "kind" in data else data)

    module: griffe.Object = json.loads(json.dumps(api), object_hook=hook)
    return module


def _flat(api: dict[str, Any], path: str = "openrouter_credits") -> dict[str, str]:
    """``path`` → the node's own facts (without its members); parameters as ``path(name)``."""
    own = {k: v for k, v in api.items() if k not in ("members", "parameters")}
    out = {path: json.dumps(own, sort_keys=True)}
    for param in api.get("parameters", []):
        out[f"{path}({param['name']})"] = json.dumps(param, sort_keys=True)
    for name, member in api.get("members", {}).items():
        out.update(_flat(member, f"{path}.{name}"))
    return out


def compare_public_api(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Public API changes, classified for users' code (removed or narrowed: breaking)."""
    changes, broken = [], set()
    for breakage in griffe.find_breaking_changes(_griffe(old), _griffe(new)):
        path = breakage.obj.path
        if breakage.kind.name.startswith("PARAMETER"):  # a parameter is the old or new value
            path += f"({getattr(breakage.old_value, 'name', None) or breakage.new_value.name})"
        broken.add(path)
        changes.append(
            Change(Kind.BREAKING, "public API", f"{path}: {breakage.kind.value.lower()}")
        )
    before, after = _flat(old), _flat(new)
    for path in after.keys() - broken:
        if before.get(path) != after[path]:
            kind, verb = (Kind.FEATURE, "added") if path not in before else (Kind.OTHER, "changed")
            changes.append(Change(kind, "public API", f"{path} {verb}"))
    return sorted(changes, key=lambda c: (-c.kind, c.what))


@dataclass(frozen=True)
class State:
    released: str
    current: str
    changes: list[Change]
    generated_changed: bool
    top: str  # the version CHANGELOG.md's top entry names
    top_note: str  # the rest of its heading: "(unreleased)"

    @property
    def level(self) -> Level:
        level = api_changes.required_level(self.changes)
        return max(level, Level.PATCH) if self.generated_changed else level

    @property
    def version(self) -> str:
        """The version these changes need: the current one if bumped enough."""
        needed = next_version(self.released, self.level)
        return self.current if Version(self.current) >= Version(needed) else needed


def state(root: Path) -> State:
    released = _read(root / RELEASED / "version").strip()
    Version(released)  # checked (InvalidVersion is a ValueError)
    old = api_changes.load_description(root / RELEASED / "openapi.yaml")
    changes = api_changes.compare(old, api_changes.load_description(root / "openapi.yaml"))
    old_api = json.loads(_read(root / RELEASED / "public-api.json"))
    changes += compare_public_api(old_api, public_api(root))
    recorded = _read(root / RELEASED / "generated.sha256").strip()
    top = _search(_HEADING, root, CHANGELOG, "'## <version>' entry")
    changed = recorded != generated_digest(root)
    notes = top.group(1), top.group(2).strip()
    return State(released, current_version(root), changes, changed, *notes)


def changes(root: Path, old: str | None) -> str:
    """The API change report to ``openapi.yaml`` from ``old``, or from the last release (then
    with the version bump from it)."""
    base = None if old else _read(root / RELEASED / "version").strip()
    label = old or f"{RELEASED}/openapi.yaml (release {base})"
    before = api_changes.load_description(old or root / RELEASED / "openapi.yaml")
    after = api_changes.load_description(root / "openapi.yaml")
    return api_changes.report(api_changes.compare(before, after), label, "openapi.yaml", base)


def check(root: Path) -> tuple[bool, str]:
    s = state(root)
    since = f"since {s.released} (the last release, recorded in {RELEASED}/)"
    if s.level is Level.NONE:
        return True, f"release check: no API, public API or generated/ change {since}\n"
    lines = [f"release check: changes {since}:", *(f"  {c.line()}" for c in s.changes)]
    if s.generated_changed:
        lines.append(f"  {'fix':<9} generated/: changed (the generated code differs)")
    lines.append(api_changes.advice(s.level, s.released))
    problems = []
    if s.version != s.current:
        problems.append(
            f'{VERSION_FILE} says {s.current}: set __version__ = "{s.version}" '
            f"({s.level.meaning} since {s.released} need at least {s.version})"
        )
    if s.top != s.version:
        problems.append(
            f"{CHANGELOG}'s top entry is {s.top}: add a '## {s.version} (unreleased)' entry at "
            "the top ('make changelog' drafts it from this report)"
        )
    if not problems:
        return True, "\n".join([*lines, f"release check: ok: {s.current} covers these changes\n"])
    lines += [f"release check: FAILED: {p}" for p in problems]
    if s.top == s.released and "unreleased" in s.top_note:
        lines.append(
            f"release check: CHANGELOG.md marks {s.released} unreleased: if it was never "
            "published, 'make release-record' makes this tree its baseline instead"
        )
    return False, "\n".join(lines) + "\n"


def record(root: Path) -> str:
    version = current_version(root)
    files = {
        "version": f"{version}\n",
        "openapi.yaml": _read(root / "openapi.yaml"),
        "public-api.json": json.dumps(public_api(root), indent=1, ensure_ascii=False) + "\n",
        "generated.sha256": f"{generated_digest(root)}\n",
    }
    (root / RELEASED).mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / RELEASED / name).write_text(text, encoding="utf-8", newline="\n")
    return f"release record: {RELEASED}/ now records {version}: commit it\n"


def changelog(root: Path) -> str:
    s = state(root)
    if s.level is Level.NONE:
        return f"changelog: nothing changed since {s.released}: no entry to draft\n"
    lines = [f"## {s.version} (unreleased)", ""]
    lines += [f"- {_LABELS[c.kind]}: {c.where}: {c.what}." for c in s.changes]
    if s.generated_changed:
        lines.append("- Regenerated `generated/` from the updated `openapi.yaml`.")
    entry = "\n".join(lines) + "\n"
    if s.top == s.version:
        return (
            f"changelog: {CHANGELOG} already has a {s.version} entry: left as it is. "
            f"The draft, to merge by hand:\n\n{entry}"
        )
    text = _read(root / CHANGELOG)
    start = _search(_HEADING, root, CHANGELOG, "'## <version>' entry").start()
    (root / CHANGELOG).write_text(text[:start] + entry + "\n" + text[start:], encoding="utf-8")
    hint = (
        "" if s.version == s.current else f', and set __version__ = "{s.version}" in {VERSION_FILE}'
    )
    return f"changelog: drafted a {s.version} entry at the top of {CHANGELOG}: edit it{hint}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.release", description=__doc__)
    parser.add_argument("command", choices=("changes", "check", "record", "changelog"))
    parser.add_argument("--old", help="(changes) the description to compare with")
    args = parser.parse_args(argv)
    try:
        if args.command == "changes":
            sys.stdout.write(changes(Path.cwd(), args.old))
        elif args.command == "check":
            ok, text = check(Path.cwd())
            (sys.stdout if ok else sys.stderr).write(text)
            return 0 if ok else 1
        else:
            sys.stdout.write((record if args.command == "record" else changelog)(Path.cwd()))
    except (SpecError, OSError, ValueError) as exc:
        print(f"release: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
