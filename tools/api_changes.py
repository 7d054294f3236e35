"""The API change report: what changed between two API descriptions, for this client's users.

``python -m tools.api_changes [--old PATH | --old git:REV] [--new PATH]``

Compares two descriptions of this package's slice (by default the last release's,
``spec/released/openapi.yaml``, against ``openapi.yaml``) operation by operation, prints
one classified line per change and the version bump they call for. The rules, the 0.x
policy and why a differ of our own: docs/maintaining/api-changes.md. Bad input is one
``api-changes: error: <file>: ...`` line, exit status 1.
"""

from __future__ import annotations

import argparse
import enum
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from tools.spec import HTTP_METHODS, KEEP_OPERATION_IDS, SpecError, component, load_yaml

RELEASED_SPEC = Path("spec/released/openapi.yaml")
RELEASED_VERSION = Path("spec/released/version")
#: Keys that only document: a change to them is ``docs``.
DOC_KEYS = frozenset({"description", "summary", "title", "example", "examples", "externalDocs"})
DOC_KEYS |= {"tags", "deprecated"}
#: What the rules cover; a change to anything else (an operation's servers or security, the
#: root security, an enum, a request body, ...) is ``review``: read it and decide.
ROOT_KEYS = DOC_KEYS | {"paths", "components", "servers", "info"}
OPERATION_KEYS = DOC_KEYS | {"parameters", "responses", "operationId"}
SCHEMA_KEYS = DOC_KEYS | {"type", "format", "nullable", "properties", "required"}
REVIEW = "changed (not classified: review it by hand)"


class ApiChangesError(Exception):
    """A file that cannot be compared: unreadable, not an API description, no credits operation."""


# --- versions (Semantic Versioning; before 1.0 a breaking change bumps the minor number) ---


class Level(enum.IntEnum):
    """The size of a change, or of a version bump."""

    NONE = 0
    PATCH = 1
    MINOR = 2
    MAJOR = 3

    @property
    def meaning(self) -> str:
        return ("no change", "fixes or docs", "new features", "breaking changes")[self]


def parse(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion as exc:
        raise ValueError(f"not a version: {text!r}") from exc


def next_version(current: str, level: Level) -> str:
    """The version after ``current`` for changes of ``level`` (``current`` for NONE)."""
    major, minor, micro = (*parse(current).release, 0, 0)[:3]
    if level is Level.NONE:
        return current
    if major == 0:  # 0.x: breaking bumps the minor number, anything else the patch number
        return f"0.{minor + 1}.0" if level is Level.MAJOR else f"0.{minor}.{micro + 1}"
    if level is Level.MAJOR:
        return f"{major + 1}.0.0"
    return f"{major}.{minor + 1}.0" if level is Level.MINOR else f"{major}.{minor}.{micro + 1}"


def covered(released: str, current: str) -> Level:
    """The largest change that going from ``released`` to ``current`` may carry."""
    fits = [lv for lv in Level if lv and parse(next_version(released, lv)) <= parse(current)]
    return max(fits, default=Level.NONE)


def advice(level: Level, base: str | None) -> str:
    """The 'Version bump' line printed under a report: the number that changes, and why."""
    if level is Level.NONE:
        return "Version bump: none (nothing changed)."
    if base is None:
        return f"Version bump: {level.name.lower()} ({level.meaning})."
    target = next_version(base, level)
    pairs = zip((*parse(base).release, 0, 0), (*parse(target).release, 0, 0), strict=False)
    number = ("major", "minor", "patch")[next(i for i, (a, b) in enumerate(pairs) if a != b)]
    zero = ""
    if parse(base).major == 0 and level is not Level.PATCH:
        bumps = "a breaking change bumps the minor" if level is Level.MAJOR else ""
        zero = f"; before 1.0 {bumps or 'features and fixes bump the patch'} number"
    return f"Version bump: {base} → {target}, the {number} number ({level.meaning}{zero})."


# --- the changes -------------------------------------------------------------------------


class Kind(enum.IntEnum):
    """How a change affects code written against the client (higher is worse)."""

    DOCS = 1
    OTHER = 2  # not classified by the rules: review it by hand; counts as a fix
    FEATURE = 3
    BREAKING = 4

    @property
    def label(self) -> str:
        return "review" if self is Kind.OTHER else self.name.lower()

    @property
    def level(self) -> Level:
        return (Level.PATCH, Level.PATCH, Level.MINOR, Level.MAJOR)[self - 1]


@dataclass(frozen=True, order=True)
class Change:
    """One line of the report: ``kind  where: what``."""

    kind: Kind
    where: str  # the operation ("GET /credits"), or "servers", "security", ...
    what: str

    def line(self) -> str:
        return f"{self.kind.label:<9} {self.where}: {self.what}"


def required_level(changes: list[Change]) -> Level:
    return max((c.kind.level for c in changes), default=Level.NONE)


def load_description(path: Path, label: str | None = None) -> dict[str, Any]:
    """The description at ``path``, checked to be OpenAPI 3.x with the credits operation."""
    try:
        return parse_description(path.read_text(encoding="utf-8"), label or str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise ApiChangesError(f"{label or path}: cannot read: {exc}") from None


def parse_description(text: str, name: str) -> dict[str, Any]:
    try:
        doc = load_yaml(name, text)
    except SpecError as exc:
        raise ApiChangesError(str(exc)) from None
    version = doc.get("openapi") if isinstance(doc, dict) else None
    if not isinstance(version, str) or not version.startswith("3."):
        raise ApiChangesError(f"{name}: not an OpenAPI 3.x description (no 'openapi: 3.x' field)")
    if not isinstance(doc.get("paths"), dict):
        raise ApiChangesError(f"{name}: not an OpenAPI 3.x description (no 'paths' mapping)")
    found = {op.get("operationId") for _, _, op in _operations(doc)}
    missing = [op for op in KEEP_OPERATION_IDS if op not in found]
    if missing:
        raise ApiChangesError(f"{name}: has no {', '.join(missing)} operation")
    checked: dict[str, Any] = doc
    return checked


def at_revision(rev: str) -> dict[str, Any]:
    """``openapi.yaml`` as git has it at ``rev``."""
    name = f"openapi.yaml at {rev}"
    run = subprocess.run(["git", "show", f"{rev}:openapi.yaml"], capture_output=True, text=True)
    if run.returncode != 0:
        message = run.stderr.strip().splitlines() or ["git failed"]
        raise ApiChangesError(f"{name}: cannot read: {message[-1]}")
    return parse_description(run.stdout, name)


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    for path, item in (doc.get("paths") or {}).items():
        for method in HTTP_METHODS if isinstance(item, dict) else ():
            if isinstance(item.get(method), dict):
                yield f"{method.upper()} {path}", item, item[method]


def _resolve(doc: dict[str, Any], node: Any) -> Any:
    """Follow local ``$ref`` chains; sibling keys of a ``$ref`` (3.1) win over the target's."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"] not in seen:
        seen.add(node["$ref"])
        try:
            target = component(doc, node["$ref"])
        except SpecError:
            return node
        if target is None:
            return node
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _pairs(old: Any, new: Any) -> Iterator[tuple[Any, Any, Any]]:
    """(key, old value, new value) over both mappings' keys, sorted; None where absent."""
    old, new = old or {}, new or {}
    for key in sorted(old.keys() | new.keys()):
        yield key, old.get(key), new.get(key)


def _types(schema: dict[str, Any]) -> str:
    """``number (double)``, ``string | null``: the type a generated field is read as."""
    raw = schema.get("type")
    types = {raw} if isinstance(raw, str) else set(raw) if isinstance(raw, list) else set()
    if not types and isinstance(schema.get("properties"), dict):
        types = {"object"}
    if schema.get("nullable") is True:  # OpenAPI 3.0
        types.add("null")
    text = " | ".join(sorted(types, key=lambda t: (t == "null", t))) or "any"
    return f"{text} ({schema['format']})" if isinstance(schema.get("format"), str) else text


class _Differ:
    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old, self.new = old, new
        self.changes: set[Change] = set()
        self.response = True  # comparing what the server sends (False: what the client sends)

    def add(self, kind: Kind, where: str, what: str) -> None:
        self.changes.add(Change(kind, where, what))

    def present(self, where: str, what: str, old: Any, new: Any) -> bool:
        """Removed (breaking) or added (a feature); True when there in both."""
        if old is None or new is None:
            kind, verb = (Kind.BREAKING, "removed") if new is None else (Kind.FEATURE, "added")
            self.add(kind, where, f"{what}{' ' if what else ''}{verb}")
        return old is not None and new is not None

    def member(self, where: str, what: str, old: Any, new: Any, was: bool, now: bool) -> bool:
        """A parameter or body field: removed, added, made required or optional. Fewer values
        a reader may meet, or more a sender must give, break code: ``self.response`` says
        which side the client is on. True when there in both."""
        response = self.response
        if new is None:
            self.add(Kind.BREAKING, where, f"{what} removed")
        elif old is None:
            note = ("always present" if response else "required") if now else "optional"
            kind = Kind.BREAKING if now and not response else Kind.FEATURE
            self.add(kind, where, f"{what} added ({note})")
        elif was != now:
            kind = Kind.BREAKING if now != response else Kind.FEATURE
            self.add(kind, where, f"{what} made {'required' if now else 'optional'}")
        return old is not None and new is not None

    def docs(self, where: str, label: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        for key in sorted(k for k in DOC_KEYS if old.get(k) != new.get(k)):
            verb = "added" if key not in old else "removed" if key not in new else "changed"
            self.add(Kind.DOCS, where, f"{label}{' ' if label else ''}{key} {verb}")

    def others(self, where: str, label: str, old: Any, new: Any, keys: frozenset[str]) -> None:
        for key, before, after in _pairs(old, new):
            if key not in keys and before != after:
                self.add(Kind.OTHER, where, f"{label}{key} {REVIEW}")

    def run(self) -> list[Change]:
        old_ops = {key: (item, op) for key, item, op in _operations(self.old)}
        new_ops = {key: (item, op) for key, item, op in _operations(self.new)}
        for key, before, after in _pairs(old_ops, new_ops):
            if self.present(key, "operation", before, after):
                self.operation(key, *before, *after)
        old_urls = [s.get("url") for s in self.old.get("servers") or [] if isinstance(s, dict)]
        new_urls = [s.get("url") for s in self.new.get("servers") or [] if isinstance(s, dict)]
        for url in dict.fromkeys(old_urls + new_urls):
            self.present(
                "servers", f"server {url}", url in old_urls or None, url in new_urls or None
            )
        if old_urls and new_urls and old_urls[0] != new_urls[0] and new_urls[0] in old_urls:
            self.add(Kind.BREAKING, "servers", f"default server {old_urls[0]} → {new_urls[0]}")
        old_info, new_info = self.old.get("info") or {}, self.new.get("info") or {}
        if old_info.get("version") != new_info.get("version"):
            versions = f"{old_info.get('version')} → {new_info.get('version')}"
            self.add(Kind.DOCS, "info", f"API version {versions}")
        self.docs("info", "", old_info, new_info)
        for key, before, after in _pairs(self.old, self.new):
            if key not in ROOT_KEYS and before != after:
                self.add(Kind.OTHER, key, REVIEW)
        old_schemes, new_schemes = (
            (d.get("components") or {}).get("securitySchemes") for d in (self.old, self.new)
        )
        self.others("security", "scheme ", old_schemes, new_schemes, frozenset())
        return sorted(self.changes, key=lambda c: (-c.kind, c.where, c.what))

    def operation(self, where: str, *items: dict[str, Any]) -> None:
        old_item, old, new_item, new = items
        if old.get("operationId") != new.get("operationId"):
            ids = f"{old.get('operationId')} → {new.get('operationId')}"
            self.add(Kind.BREAKING, where, f"operationId {ids} (the generated function is renamed)")
        self.docs(where, "", old, new)
        self.others(
            where, "path item ", old_item, new_item, frozenset({*HTTP_METHODS, "parameters"})
        )
        self.others(where, "", old, new, OPERATION_KEYS)
        self.response = False
        params = [self.params(self.old, old_item, old), self.params(self.new, new_item, new)]
        for (place, name), before, after in _pairs(*params):
            label = f"{place} parameter {name}"
            required = [bool(p and p.get("required")) for p in (before, after)]
            if self.member(where, label, before, after, *required):
                self.docs(where, label, before, after)
                self.schema(where, label, "", before.get("schema"), after.get("schema"))
        self.response = True
        for status, before, after in _pairs(old.get("responses"), new.get("responses")):
            label = f"response {status}"
            if self.present(where, label, before, after):
                before, after = _resolve(self.old, before), _resolve(self.new, after)
                self.docs(where, label, before, after)
                for media, body, new_body in _pairs(before.get("content"), after.get("content")):
                    if self.present(where, f"{label}: {media} body", body, new_body):
                        self.docs(where, f"{label} {media}", body, new_body)
                        schemas = body.get("schema"), new_body.get("schema")
                        self.schema(where, f"{label} body", "", *schemas)

    @staticmethod
    def params(doc: dict[str, Any], *owners: dict[str, Any]) -> dict[tuple[str, str], Any]:
        """A path item's and its operation's parameters by (place, name)."""
        found = [_resolve(doc, p) for owner in owners for p in owner.get("parameters") or []]
        return {(str(p.get("in")), str(p["name"])): p for p in found if "name" in p}

    def schema(self, where: str, label: str, field: str, old_raw: Any, new_raw: Any) -> None:
        """A parameter's or a response body's schema, field by field."""
        old, new = _resolve(self.old, old_raw), _resolve(self.new, new_raw)
        if field.count(".") > 32:  # a recursive schema: deep enough
            return
        if not isinstance(old, dict) or not isinstance(new, dict):
            if old != new:
                self.add(Kind.BREAKING, where, f"{label}: {field or 'schema'} replaced")
            return
        name = f"field {field}" if field else "body" if label.endswith("body") else "schema"
        prefix = f"{label}: {name}"
        if _types(old) != _types(new):
            # A parameter that now takes more is a feature; any other retyping breaks code.
            old_types, new_types = set(_types(old).split(" | ")), set(_types(new).split(" | "))
            widened = old_types <= new_types and old.get("format") == new.get("format")
            kind = Kind.FEATURE if widened and not self.response else Kind.BREAKING
            self.add(kind, where, f"{prefix} type {_types(old)} → {_types(new)}")
        self.docs(where, prefix, old, new)
        self.others(where, f"{prefix} ", old, new, SCHEMA_KEYS)
        required = [set(s.get("required") or []) for s in (old, new)]
        for prop, before, after in _pairs(old.get("properties"), new.get("properties")):
            path = f"{field}.{prop}" if field else prop
            was, now = (prop in names for names in required)
            if self.member(where, f"{label}: field {path}", before, after, was, now):
                self.schema(where, label, path, before, after)


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every change from ``old`` to ``new``, worst first."""
    return _Differ(old, new).run()


def report(changes: list[Change], old_label: str, new_label: str, base_version: str | None) -> str:
    lines = [f"API changes from {old_label} to {new_label}:"]
    lines += [f"  {c.line()}" for c in changes] or ["  none"]
    lines.append(advice(required_level(changes), base_version))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--old", default=str(RELEASED_SPEC), help="a file, or git:REV")
    parser.add_argument("--new", default="openapi.yaml")
    args = parser.parse_args(argv)
    base, label, git = None, args.old, args.old.startswith("git:")
    if args.old == str(RELEASED_SPEC) and RELEASED_VERSION.exists():  # the bump from there
        base = RELEASED_VERSION.read_text(encoding="utf-8").strip()
        label = f"{args.old} (release {base})"
    try:
        old = at_revision(args.old[4:]) if git else load_description(Path(args.old))
        new = load_description(Path(args.new))
    except ApiChangesError as exc:
        print(f"api-changes: error: {exc}", file=sys.stderr)
        return 1
    label = f"openapi.yaml at {args.old[4:]}" if git else label
    sys.stdout.write(report(compare(old, new), label, args.new, base))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
