"""The release rules: what changed since the last release, and whether the version says so.

``python -m tools.release check``      (make check-release; part of make check and publish)
``python -m tools.release record``     (make release-record; make publish runs it after upload)
``python -m tools.release changelog``  (make changelog: draft the CHANGELOG.md entry)

The last release is recorded in ``spec/released/``: its ``version``, its ``openapi.yaml``,
its public API (``public-api.json``, tools/public_api.py) and a digest of its ``generated/``
(``generated.sha256``), so a fresh clone knows it without network or tags. ``check`` fails
when the API description, the public API or ``generated/`` changed since then and
``_version.py`` and the top ``CHANGELOG.md`` entry do not carry a bump at least that large
(tools/semver.py). CONTRIBUTING "Regenerating" is the guide.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from tools import api_changes, public_api, semver
from tools.api_changes import ApiChangesError, Change, Kind

RELEASED = Path("spec/released")
VERSION_FILE = Path("overlays/openrouter_credits/_version.py")
CHANGELOG = Path("CHANGELOG.md")
_VERSION = re.compile(r'^__version__ = "([^"]+)"$', re.MULTILINE)
_HEADING = re.compile(r"^## (\S+)(.*)$", re.MULTILINE)


class ReleaseError(Exception):
    """A missing or malformed file the release rules need."""


def generated_digest(root: Path) -> str:
    """sha256 over ``generated/``'s file names and contents (``__pycache__`` left out)."""
    digest = hashlib.sha256()
    folder = root / "generated"
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReleaseError(f"{path}: cannot read: {exc}") from None


def current_version(root: Path) -> str:
    found = _VERSION.search(_read(root / VERSION_FILE))
    if not found:
        raise ReleaseError(f"{VERSION_FILE}: no '__version__ = \"X.Y.Z\"' line")
    return found.group(1)


def changelog_top(root: Path) -> tuple[str, str]:
    """The top ``## <version>`` entry's version and the rest of its heading."""
    found = _HEADING.search(_read(root / CHANGELOG))
    if not found:
        raise ReleaseError(f"{CHANGELOG}: no '## <version>' entry")
    return found.group(1), found.group(2).strip()


@dataclass(frozen=True)
class State:
    released: str
    current: str
    changes: list[Change]
    generated_changed: bool

    @property
    def level(self) -> semver.Level:
        level = api_changes.required_level(self.changes)
        return max(level, semver.Level.PATCH) if self.generated_changed else level


def state(root: Path) -> State:
    released = _read(root / RELEASED / "version").strip()
    semver.parse(released)
    try:
        old = api_changes.load_description(root / RELEASED / "openapi.yaml")
        new = api_changes.load_description(root / "openapi.yaml")
    except ApiChangesError as exc:
        raise ReleaseError(str(exc)) from None
    changes = api_changes.compare(old, new)
    old_api = public_api.load(_read(root / RELEASED / "public-api.json"))
    changes += public_api.compare(old_api, public_api.snapshot(root))
    recorded = _read(root / RELEASED / "generated.sha256").strip()
    return State(released, current_version(root), changes, recorded != generated_digest(root))


def _summary(s: State) -> list[str]:
    lines = [f"  {c.line()}" for c in s.changes]
    if s.generated_changed:
        lines.append(f"  {'fix':<9} generated/: changed (the generated code differs)")
    return lines


def check(root: Path) -> tuple[bool, str]:
    s = state(root)
    level = s.level
    since = f"since {s.released} (the last release, recorded in {RELEASED}/)"
    if level is semver.Level.NONE:
        return True, f"release check: no API, public API or generated/ change {since}\n"
    target = semver.next_version(s.released, level)
    top, note = changelog_top(root)
    covered = semver.covered(s.released, s.current)
    lines = [f"release check: changes {since}:", *_summary(s)]
    lines.append(semver.advice(level, s.released))
    problems = []
    if covered < level:
        problems.append(
            f'{VERSION_FILE} says {s.current}: set __version__ = "{target}" '
            f"({level.meaning} since {s.released} need at least {target})"
        )
    want = s.current if covered >= level else target
    if top != want:
        problems.append(
            f"{CHANGELOG}'s top entry is {top}: add a '## {want} (unreleased)' entry at the top "
            "('make changelog' drafts it from this report)"
        )
    if not problems:
        lines.append(f"release check: ok: {s.current} covers these changes")
        return True, "\n".join(lines) + "\n"
    lines += [f"release check: FAILED: {p}" for p in problems]
    if top == s.released and "unreleased" in note:
        lines.append(
            f"release check: CHANGELOG.md marks {s.released} unreleased: if it was never "
            "published, 'make release-record' makes this tree its baseline instead"
        )
    return False, "\n".join(lines) + "\n"


def record(root: Path) -> str:
    version = current_version(root)
    folder = root / RELEASED
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "version": f"{version}\n",
        "openapi.yaml": _read(root / "openapi.yaml"),
        "public-api.json": public_api.dump(public_api.snapshot(root)),
        "generated.sha256": f"{generated_digest(root)}\n",
    }
    written = []
    for name, text in files.items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
            written.append(name)
    if not written:
        return f"release record: {RELEASED}/ already records {version} as it is\n"
    return f"release record: {RELEASED}/ now records {version} ({', '.join(written)}): commit it\n"


_LABELS = {
    Kind.BREAKING: "Breaking",
    Kind.FEATURE: "New",
    Kind.OTHER: "Changed",
    Kind.DOCS: "Docs",
}


def draft(s: State, version: str) -> str:
    lines = [f"## {version} (unreleased)", ""]
    for change in s.changes:
        lines.append(f"- {_LABELS[change.kind]}: {change.where}: {change.what}.")
    if s.generated_changed:
        lines.append("- Regenerated `generated/` from the updated `openapi.yaml`.")
    return "\n".join(lines) + "\n"


def changelog(root: Path) -> str:
    s = state(root)
    if s.level is semver.Level.NONE:
        return f"changelog: nothing changed since {s.released}: no entry to draft\n"
    needed = semver.next_version(s.released, s.level)
    version = s.current if semver.covered(s.released, s.current) >= s.level else needed
    entry = draft(s, version)
    top, _ = changelog_top(root)
    if top == version:
        return (
            f"changelog: {CHANGELOG} already has a {version} entry: left as it is. "
            f"The draft, to merge by hand:\n\n{entry}"
        )
    path = root / CHANGELOG
    text = _read(path)
    start = _HEADING.search(text)
    assert start is not None  # changelog_top found it
    path.write_text(text[: start.start()] + entry + "\n" + text[start.start() :], encoding="utf-8")
    hint = "" if version == s.current else f', and set __version__ = "{version}" in {VERSION_FILE}'
    return f"changelog: drafted a {version} entry at the top of {CHANGELOG}: edit it{hint}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("command", choices=("check", "record", "changelog"))
    args = parser.parse_args(argv)
    root = Path.cwd()
    try:
        if args.command == "check":
            ok, text = check(root)
            (sys.stdout if ok else sys.stderr).write(text)
            return 0 if ok else 1
        sys.stdout.write(record(root) if args.command == "record" else changelog(root))
    except (ReleaseError, ValueError) as exc:
        print(f"release: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
