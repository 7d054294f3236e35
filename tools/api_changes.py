"""The API change report: what changed between two API descriptions, for this client's users.

``python -m tools.api_changes [--old PATH | --old git:REV] [--new PATH] [--base-version V]``

Compares two OpenAPI 3.x descriptions of this package's slice (by default the last
release's, ``spec/released/openapi.yaml``, against ``openapi.yaml``) operation by operation
and classifies each change for code written against the generated client: ``breaking``
(code that worked may now fail), ``feature`` (something new to use) or ``docs`` (a
description or example). It prints one line per change and the version bump they call for.
Why a differ of our own, the rules and the 0.x policy: docs/maintaining/api-changes.md.

Unreadable files, files that are not OpenAPI 3.x descriptions, and descriptions without
the credits operation are one ``api-changes: error: <file>: ...`` line, exit status 1.
"""

from __future__ import annotations

import argparse
import enum
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tools import semver
from tools.spec import HTTP_METHODS, KEEP_OPERATION_IDS, SpecError, _component, _string_keys

RELEASED_SPEC = Path("spec/released/openapi.yaml")
RELEASED_VERSION = Path("spec/released/version")
#: Keys that only document: a change to them is ``docs``.
DOC_KEYS = frozenset({"description", "summary", "title", "example", "examples", "externalDocs"})
#: Operation keys the report covers one by one; a change to any other is "review by hand".
OPERATION_KEYS = frozenset(
    {"parameters", "requestBody", "responses", "servers", "security", "operationId", "tags"}
    | DOC_KEYS
    | {"deprecated"}
)
#: Root keys the report covers one by one (components through the operations that use them).
ROOT_KEYS = frozenset({"paths", "components", "servers", "security", "info", "tags"} | DOC_KEYS)


class ApiChangesError(Exception):
    """A file that cannot be compared: unreadable, not an API description, no credits operation."""


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
    def level(self) -> semver.Level:
        return {
            Kind.DOCS: semver.Level.PATCH,
            Kind.OTHER: semver.Level.PATCH,
            Kind.FEATURE: semver.Level.MINOR,
            Kind.BREAKING: semver.Level.MAJOR,
        }[self]


@dataclass(frozen=True, order=True)
class Change:
    """One line of the report: ``kind  where: what``."""

    kind: Kind
    where: str  # the operation ("GET /credits"), or "servers", "security", ...
    what: str

    def line(self) -> str:
        return f"{self.kind.label:<9} {self.where}: {self.what}"


def required_level(changes: list[Change]) -> semver.Level:
    return max((c.kind.level for c in changes), default=semver.Level.NONE)


# --- loading -------------------------------------------------------------------------


def load_description(path: Path, label: str | None = None) -> dict[str, Any]:
    """The description at ``path``, checked to be OpenAPI 3.x with the credits operation."""
    name = label or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ApiChangesError(f"{name}: cannot read: {exc}") from None
    try:
        doc = _string_keys(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise ApiChangesError(f"{name}: not valid YAML: {problem}{where}") from None
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


def git_file(spec: str, root: Path) -> tuple[Path, str, tempfile.TemporaryDirectory[str]]:
    """``git:REV`` → a temporary copy of ``openapi.yaml`` at REV (and its label)."""
    rev = spec.removeprefix("git:")
    label = f"openapi.yaml at {rev}"
    run = subprocess.run(
        ["git", "show", f"{rev}:openapi.yaml"], cwd=root, capture_output=True, check=False
    )
    if run.returncode != 0:
        message = run.stderr.decode(errors="replace").strip().splitlines()
        raise ApiChangesError(f"{label}: cannot read: {message[-1] if message else 'git failed'}")
    folder = tempfile.TemporaryDirectory(prefix="api-changes-")
    path = Path(folder.name) / "openapi.yaml"
    path.write_bytes(run.stdout)
    return path, label, folder


# --- walking the description ---------------------------------------------------------


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield f"{method.upper()} {path}", item, item[method]


def _resolve(doc: dict[str, Any], node: Any) -> Any:
    """Follow local ``$ref`` chains; sibling keys of a ``$ref`` (3.1) win over the target's."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen:
            return {}
        seen.add(ref)
        try:
            kind, name = _component(ref)
        except SpecError:
            return node
        target = ((doc.get("components") or {}).get(kind) or {}).get(name)
        if target is None:
            return node
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **siblings} if siblings else target
    return node


class Direction(enum.Enum):
    """Who produces the data: the user (request) or the server (response)."""

    REQUEST = "request"
    RESPONSE = "response"


class _Differ:
    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []

    def add(self, kind: Kind, where: str, what: str) -> None:
        self.changes.append(Change(kind, where, what))

    def docs(self, where: str, label: str, old: Any, new: Any) -> None:
        if not (isinstance(old, dict) and isinstance(new, dict)):
            return
        for key in sorted(DOC_KEYS):
            if old.get(key) != new.get(key):
                verb = "added" if key not in old else "removed" if key not in new else "changed"
                self.add(Kind.DOCS, where, f"{label}{' ' if label else ''}{key} {verb}")

    # -- the document -------------------------------------------------------------------

    def run(self) -> list[Change]:
        old_ops = {key: (item, op) for key, item, op in _operations(self.old)}
        new_ops = {key: (item, op) for key, item, op in _operations(self.new)}
        for key in sorted(old_ops.keys() - new_ops.keys()):
            self.add(Kind.BREAKING, key, "operation removed")
        for key in sorted(new_ops.keys() - old_ops.keys()):
            self.add(Kind.FEATURE, key, "operation added")
        for key in sorted(old_ops.keys() & new_ops.keys()):
            self.operation(key, *old_ops[key], *new_ops[key])
        self.servers("servers", self.old.get("servers"), self.new.get("servers"))
        self.root_security()
        old_info, new_info = self.old.get("info") or {}, self.new.get("info") or {}
        if old_info.get("version") != new_info.get("version"):
            self.add(
                Kind.DOCS,
                "info",
                f"API version {old_info.get('version')} → {new_info.get('version')}",
            )
        self.docs("info", "", old_info, new_info)
        for key in sorted((self.old.keys() | self.new.keys()) - ROOT_KEYS):
            if self.old.get(key) != self.new.get(key):
                self.add(Kind.OTHER, key, "changed (not classified: review it by hand)")
        return sorted(set(self.changes), key=lambda c: (-c.kind, c.where, c.what))

    def operation(
        self,
        where: str,
        old_item: dict[str, Any],
        old: dict[str, Any],
        new_item: dict[str, Any],
        new: dict[str, Any],
    ) -> None:
        if old.get("operationId") != new.get("operationId"):
            self.add(
                Kind.BREAKING,
                where,
                f"operationId {old.get('operationId')} → {new.get('operationId')} "
                "(the generated function is renamed)",
            )
        if bool(old.get("deprecated")) != bool(new.get("deprecated")):
            self.add(Kind.DOCS, where, "deprecated" if new.get("deprecated") else "undeprecated")
        if old.get("tags") != new.get("tags"):
            self.add(Kind.DOCS, where, f"tags {old.get('tags')} → {new.get('tags')}")
        self.docs(where, "", old, new)
        self.parameters(
            where, self._params(old_item, old, self.old), self._params(new_item, new, self.new)
        )
        self.request_body(where, old.get("requestBody"), new.get("requestBody"))
        self.responses(where, old.get("responses") or {}, new.get("responses") or {})
        self.servers(
            where,
            old.get("servers") or old_item.get("servers"),
            new.get("servers") or new_item.get("servers"),
        )
        self.security(where, old.get("security"), new.get("security"))
        for key in sorted((old.keys() | new.keys()) - OPERATION_KEYS):
            if old.get(key) != new.get(key):
                self.add(Kind.OTHER, where, f"{key} changed (not classified: review it by hand)")

    # -- parameters ---------------------------------------------------------------------

    @staticmethod
    def _params(
        item: dict[str, Any], op: dict[str, Any], doc: dict[str, Any]
    ) -> dict[tuple[str, str], dict[str, Any]]:
        out: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*(item.get("parameters") or []), *(op.get("parameters") or [])]:
            param = _resolve(doc, raw)
            if isinstance(param, dict) and "name" in param:
                out[(str(param.get("in")), str(param["name"]))] = param
        return out

    def parameters(
        self,
        where: str,
        old: dict[tuple[str, str], dict[str, Any]],
        new: dict[tuple[str, str], dict[str, Any]],
    ) -> None:
        for place, name in sorted(old.keys() | new.keys()):
            label = f"{place} parameter {name}"
            before, after = old.get((place, name)), new.get((place, name))
            if after is None:
                self.add(Kind.BREAKING, where, f"{label} removed")
            elif before is None:
                if after.get("required"):
                    self.add(Kind.BREAKING, where, f"{label} added (required)")
                else:
                    self.add(Kind.FEATURE, where, f"{label} added (optional)")
            else:
                if not before.get("required") and after.get("required"):
                    self.add(Kind.BREAKING, where, f"{label} made required")
                elif before.get("required") and not after.get("required"):
                    self.add(Kind.FEATURE, where, f"{label} made optional")
                self.docs(where, label, before, after)
                self.schema(
                    where, label, "", before.get("schema"), after.get("schema"), Direction.REQUEST
                )

    def request_body(self, where: str, old_raw: Any, new_raw: Any) -> None:
        old, new = _resolve(self.old, old_raw), _resolve(self.new, new_raw)
        if old is None and new is None:
            return
        if new is None:
            self.add(Kind.BREAKING, where, "request body removed")
            return
        if old is None:
            kind = Kind.BREAKING if new.get("required") else Kind.FEATURE
            self.add(kind, where, "request body added")
            return
        if not old.get("required") and new.get("required"):
            self.add(Kind.BREAKING, where, "request body made required")
        self.docs(where, "request body", old, new)
        self.content(where, "request body", old, new, Direction.REQUEST)

    # -- responses ----------------------------------------------------------------------

    def responses(self, where: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        for status in sorted(old.keys() | new.keys()):
            if status not in new:
                self.add(Kind.BREAKING, where, f"response {status} removed")
            elif status not in old:
                self.add(Kind.FEATURE, where, f"response {status} added")
            else:
                before, after = _resolve(self.old, old[status]), _resolve(self.new, new[status])
                self.docs(where, f"response {status}", before, after)
                self.content(where, f"response {status}", before, after, Direction.RESPONSE)

    def content(
        self, where: str, label: str, old: dict[str, Any], new: dict[str, Any], direction: Direction
    ) -> None:
        old_content, new_content = old.get("content") or {}, new.get("content") or {}
        for media in sorted(old_content.keys() | new_content.keys()):
            if media not in new_content:
                self.add(Kind.BREAKING, where, f"{label}: {media} body removed")
            elif media not in old_content:
                self.add(Kind.FEATURE, where, f"{label}: {media} body added")
            else:
                before, after = old_content[media], new_content[media]
                self.docs(where, f"{label} {media}", before, after)
                self.schema(
                    where, f"{label} body", "", before.get("schema"), after.get("schema"), direction
                )

    # -- schemas ------------------------------------------------------------------------

    @staticmethod
    def _types(schema: dict[str, Any]) -> tuple[frozenset[str], str | None]:
        raw = schema.get("type")
        types = {raw} if isinstance(raw, str) else set(raw) if isinstance(raw, list) else set()
        if not types and isinstance(schema.get("properties"), dict):
            types = {"object"}
        if schema.get("nullable") is True:  # OpenAPI 3.0
            types.add("null")
        fmt = schema.get("format")
        return frozenset(types), fmt if isinstance(fmt, str) else None

    @staticmethod
    def _show(types: frozenset[str], fmt: str | None) -> str:
        text = " | ".join(sorted(types, key=lambda t: (t == "null", t))) or "any"
        return f"{text} ({fmt})" if fmt else text

    def schema(
        self,
        where: str,
        label: str,
        field: str,
        old_raw: Any,
        new_raw: Any,
        direction: Direction,
        depth: int = 0,
    ) -> None:
        old, new = _resolve(self.old, old_raw), _resolve(self.new, new_raw)
        if not isinstance(old, dict) or not isinstance(new, dict) or depth > 32:
            if old != new and depth <= 32:
                self.add(Kind.BREAKING, where, f"{label}: {field or 'schema'} replaced")
            return
        name = f"field {field}" if field else "body" if label.endswith("body") else "schema"
        prefix = f"{label}: {name}" if label else name
        old_types, new_types = self._types(old), self._types(new)
        if old_types != new_types:
            widened = old_types[0] <= new_types[0] and old_types[1] == new_types[1]
            kind = Kind.FEATURE if direction is Direction.REQUEST and widened else Kind.BREAKING
            self.add(
                kind,
                where,
                f"{prefix} type {self._show(*old_types)} → {self._show(*new_types)}",
            )
        old_enum, new_enum = old.get("enum"), new.get("enum")
        if isinstance(old_enum, list) and isinstance(new_enum, list):
            for value in [v for v in new_enum if v not in old_enum]:
                kind = Kind.BREAKING if direction is Direction.RESPONSE else Kind.FEATURE
                self.add(kind, where, f"{prefix} enum value {value!r} added")
            for value in [v for v in old_enum if v not in new_enum]:
                self.add(Kind.BREAKING, where, f"{prefix} enum value {value!r} removed")
        elif (old_enum is None) != (new_enum is None):
            kind = (
                Kind.FEATURE
                if new_enum is None and direction is Direction.REQUEST
                else Kind.BREAKING
            )
            self.add(kind, where, f"{prefix} enum {'removed' if new_enum is None else 'added'}")
        self.docs(where, prefix, old, new)
        self.properties(where, label, field, old, new, direction, depth)
        if "items" in old or "items" in new:
            self.schema(
                where, label, f"{field}[]", old.get("items"), new.get("items"), direction, depth + 1
            )
        for combinator in ("allOf", "oneOf", "anyOf"):
            before, after = old.get(combinator) or [], new.get(combinator) or []
            if len(before) != len(after):
                self.add(Kind.BREAKING, where, f"{prefix} {combinator} changed")
                continue
            for index, (b, a) in enumerate(zip(before, after, strict=True)):
                self.schema(
                    where, label, f"{field}<{combinator}[{index}]>", b, a, direction, depth + 1
                )

    def properties(
        self,
        where: str,
        label: str,
        field: str,
        old: dict[str, Any],
        new: dict[str, Any],
        direction: Direction,
        depth: int,
    ) -> None:
        old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
        old_req, new_req = set(old.get("required") or []), set(new.get("required") or [])
        for name in sorted(old_props.keys() | new_props.keys()):
            path = f"{field}.{name}" if field else name
            prefix = f"{label}: field {path}" if label else f"field {path}"
            if name not in new_props:
                self.add(Kind.BREAKING, where, f"{prefix} removed")
            elif name not in old_props:
                required = name in new_req
                if direction is Direction.RESPONSE:
                    note = "always present" if required else "optional"
                    self.add(Kind.FEATURE, where, f"{prefix} added ({note})")
                else:
                    kind = Kind.BREAKING if required else Kind.FEATURE
                    self.add(
                        kind, where, f"{prefix} added ({'required' if required else 'optional'})"
                    )
            else:
                was, now = name in old_req, name in new_req
                if was and not now:
                    kind = Kind.BREAKING if direction is Direction.RESPONSE else Kind.FEATURE
                    self.add(kind, where, f"{prefix} made optional")
                elif now and not was:
                    kind = Kind.FEATURE if direction is Direction.RESPONSE else Kind.BREAKING
                    self.add(kind, where, f"{prefix} made required")
                self.schema(
                    where, label, path, old_props[name], new_props[name], direction, depth + 1
                )

    # -- servers and security -----------------------------------------------------------

    def servers(self, where: str, old: Any, new: Any) -> None:
        old_urls = [s.get("url") for s in old or [] if isinstance(s, dict)]
        new_urls = [s.get("url") for s in new or [] if isinstance(s, dict)]
        for url in [u for u in old_urls if u not in new_urls]:
            self.add(Kind.BREAKING, where, f"server {url} removed")
        for url in [u for u in new_urls if u not in old_urls]:
            self.add(Kind.FEATURE, where, f"server {url} added")
        if old_urls and new_urls and old_urls[0] != new_urls[0] and new_urls[0] in old_urls:
            self.add(Kind.BREAKING, where, f"default server {old_urls[0]} → {new_urls[0]}")

    @staticmethod
    def _requirements(security: Any) -> set[frozenset[str]]:
        return {frozenset(r) for r in security or [] if isinstance(r, dict)}

    def security(self, where: str, old: Any, new: Any) -> None:
        if old is None and new is None:
            return
        before = self._requirements(old if old is not None else self.old.get("security"))
        after = self._requirements(new if new is not None else self.new.get("security"))
        self._compare_requirements(where, before, after)

    def _compare_requirements(
        self, where: str, before: set[frozenset[str]], after: set[frozenset[str]]
    ) -> None:
        show = " or ".join(sorted(" + ".join(sorted(r)) or "none" for r in after)) or "none"
        if before == after:
            return
        if after >= before:
            self.add(Kind.FEATURE, where, f"security: now accepts {show}")
        else:
            self.add(Kind.BREAKING, where, f"security: now requires {show}")

    def root_security(self) -> None:
        self._compare_requirements(
            "security",
            self._requirements(self.old.get("security")),
            self._requirements(self.new.get("security")),
        )
        old_schemes = (self.old.get("components") or {}).get("securitySchemes") or {}
        new_schemes = (self.new.get("components") or {}).get("securitySchemes") or {}
        for name in sorted(old_schemes.keys() & new_schemes.keys()):
            before, after = old_schemes[name], new_schemes[name]
            strip = {k: v for k, v in before.items() if k not in DOC_KEYS}
            if strip != {k: v for k, v in after.items() if k not in DOC_KEYS}:
                self.add(Kind.BREAKING, "security", f"scheme {name} changed")
            self.docs("security", f"scheme {name}", before, after)


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every change from ``old`` to ``new``, worst first."""
    return _Differ(old, new).run()


# --- the report ----------------------------------------------------------------------


def report(changes: list[Change], old_label: str, new_label: str, base_version: str | None) -> str:
    lines = [f"API changes from {old_label} to {new_label}:"]
    lines += [f"  {c.line()}" for c in changes] or ["  none"]
    lines.append(semver.advice(required_level(changes), base_version))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--old", default=str(RELEASED_SPEC), help="a file, or git:REV for openapi.yaml at REV"
    )
    parser.add_argument("--new", default="openapi.yaml")
    parser.add_argument(
        "--base-version", help=f"the version --old belongs to (default: {RELEASED_VERSION})"
    )
    args = parser.parse_args(argv)
    root = Path.cwd()
    holder: tempfile.TemporaryDirectory[str] | None = None
    try:
        if args.old.startswith("git:"):
            old_path, old_label, holder = git_file(args.old, root)
        else:
            old_path, old_label = Path(args.old), args.old
        base = args.base_version
        if base is None and args.old == str(RELEASED_SPEC) and RELEASED_VERSION.exists():
            base = RELEASED_VERSION.read_text(encoding="utf-8").strip()
            old_label = f"{old_label} (release {base})"
        old = load_description(old_path, old_label.split(" (")[0])
        new = load_description(Path(args.new))
        sys.stdout.write(report(compare(old, new), old_label, args.new, base))
    except ApiChangesError as exc:
        print(f"api-changes: error: {exc}", file=sys.stderr)
        return 1
    finally:
        if holder is not None:
            holder.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
