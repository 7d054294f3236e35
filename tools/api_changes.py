"""The API change report: what changed between two API descriptions, for this client's users,
and the version bump it calls for (``make api-changes`` prints it: ``tools/release.py``).
The rules and the 0.x policy: docs/maintaining/api-changes.md.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import Version

from tools.spec import HTTP_METHODS, KEEP_OPERATION_IDS, SpecError, component, load_yaml, operations

#: Keys that only document: a change to them is ``docs``.
DOC_KEYS = {"description", "summary", "title", "example", "examples", "externalDocs", "tags"}
DOC_KEYS |= {"deprecated"}
#: What the rules cover; a change to anything else (an operation's servers or security, the
#: root security, an enum, a request body, ...) is ``review``: read it and decide.
OPERATION_KEYS = DOC_KEYS | {"parameters", "responses", "operationId"}
SCHEMA_KEYS = DOC_KEYS | {"type", "format", "properties", "required"}
REVIEW = "changed (not classified: review it by hand)"


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


def _bump(current: str, level: Level) -> Level:
    """The number ``level`` bumps: before 1.0 a breaking change bumps the minor number and
    anything else the patch number."""
    return Level(max(level - 1, 1)) if Version(current).major == 0 and level else level


def next_version(current: str, level: Level) -> str:
    """The version after ``current`` for changes of ``level`` (``current`` for NONE)."""
    major, minor, patch = (*Version(current).release, 0, 0)[:3]
    bumped = (current, f"{major}.{minor}.{patch + 1}", f"{major}.{minor + 1}.0", f"{major + 1}.0.0")
    return bumped[_bump(current, level)]


def advice(level: Level, base: str | None) -> str:
    """The 'Version bump' line printed under a report: the number that changes, and why."""
    if level is Level.NONE:
        return "Version bump: none (nothing changed)."
    if base is None:
        return f"Version bump: {level.name.lower()} ({level.meaning})."
    number = _bump(base, level).name.lower()
    zero = ""
    if Version(base).major == 0 and level is not Level.PATCH:
        bumps = "a breaking change bumps the minor" if level is Level.MAJOR else ""
        zero = f"; before 1.0 {bumps or 'features and fixes bump the patch'} number"
    target = next_version(base, level)
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
        return Level(max(self - 1, 1))


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


def _classify(rule: str, old: Any, new: Any) -> tuple[Kind, str]:
    """One change (``old`` or ``new`` None: absent) for code written against the client.

    ``rule``: ``item`` an operation, response, media type or server; ``sent`` a response
    field and ``taken`` a parameter (the value: required); ``type``; ``docs``; ``review``;
    ``renamed`` the operationId.
    """
    if rule in ("docs", "review"):
        verb = "added" if old is None else "removed" if new is None else "changed"
        return (Kind.DOCS, verb) if rule == "docs" else (Kind.OTHER, REVIEW)
    if new is None:
        return Kind.BREAKING, "removed"
    if old is None and rule == "item":
        return Kind.FEATURE, "added"
    taken = rule == "taken"  # the client sends it
    if old is None:
        note = ("required" if taken else "always present") if new else "optional"
        return (Kind.BREAKING if new and taken else Kind.FEATURE), f"added ({note})"
    if rule in ("sent", "taken"):
        kind = Kind.BREAKING if new == taken else Kind.FEATURE
        return kind, f"made {'required' if new else 'optional'}"
    changed = f"{old} → {new}"
    if rule == "renamed":
        return Kind.BREAKING, f"{changed} (the generated function is renamed)"
    return Kind.BREAKING, changed  # a field's, a parameter's type; the default server


# --- what the rules compare: where → what → (rule, value, what is compared below it) ---

Node = tuple[str, Any, dict[str, Any]]


def _resolve(doc: dict[str, Any], node: Any) -> Any:
    """Follow local ``$ref`` chains; sibling keys of a ``$ref`` (3.1) win over the target's."""
    for _ in range(16):  # a longer chain is a loop
        ref = node.get("$ref") if isinstance(node, dict) else None
        target = component(doc, ref) if isinstance(ref, str) else None
        if not isinstance(target, dict):
            break
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _types(schema: dict[str, Any]) -> str:
    """``number (double)``, ``string | null``: the type a generated field is read as."""
    raw = schema.get("type")
    types = {raw} if isinstance(raw, str) else set(raw) if isinstance(raw, list) else set()
    text = " | ".join(sorted(types, key=lambda t: (t == "null", t))) or "any"
    return f"{text} ({schema['format']})" if isinstance(schema.get("format"), str) else text


def _keys(node: dict[str, Any], label: str, keys: Iterable[str], rule: str) -> dict[str, Node]:
    return {f"{label} {key}".strip(): (rule, node[key], {}) for key in keys}


def _documented(node: dict[str, Any], label: str, known: Any = None) -> dict[str, Node]:
    """``node``'s documentation keys (docs), and those not ``known`` to the rules (review)."""
    docs = _keys(node, label, DOC_KEYS & node.keys(), "docs")
    return docs | (_keys(node, label, node.keys() - known, "review") if known else {})


def _schema(doc: dict[str, Any], raw: Any, label: str, field: str, sent: bool) -> dict[str, Node]:
    """A parameter's or a body's schema, field by field (``sent``: by the server)."""
    schema = _resolve(doc, raw)
    if not isinstance(schema, dict) or field.count(".") > 32:  # 32: a recursive schema
        return {}
    name = f"field {field}" if field else "body" if label.endswith("body") else "schema"
    out: dict[str, Node] = {f"{label}: {name} type": ("type", _types(schema), {})}
    out |= _documented(schema, f"{label}: {name}", SCHEMA_KEYS)
    required = schema.get("required") or []
    for prop, sub in (schema.get("properties") or {}).items():
        path = f"{field}.{prop}" if field else prop
        below = _schema(doc, sub, label, path, sent)
        out[f"{label}: field {path}"] = ("sent" if sent else "taken", prop in required, below)
    return out


def _operation(doc: dict[str, Any], item: dict[str, Any], op: dict[str, Any]) -> dict[str, Node]:
    out: dict[str, Node] = {"operationId": ("renamed", op.get("operationId"), {})}
    out |= _documented(op, "", OPERATION_KEYS)
    out |= _keys(item, "path item", item.keys() - {*HTTP_METHODS, "parameters"}, "review")
    for raw in [*(item.get("parameters") or []), *(op.get("parameters") or [])]:
        param = _resolve(doc, raw)
        label = f"{param.get('in')} parameter {param.get('name')}"
        below = _documented(param, label)
        below |= _schema(doc, param.get("schema"), label, "", sent=False)
        out[label] = ("taken", bool(param.get("required")), below)
    for status, raw in (op.get("responses") or {}).items():
        response, label = _resolve(doc, raw), f"response {status}"
        below = _documented(response, label)
        for media, body in (response.get("content") or {}).items():
            inner = _documented(body, f"{label} {media}")
            inner |= _schema(doc, body.get("schema"), f"{label} body", "", sent=True)
            below[f"{label}: {media} body"] = ("item", True, inner)
        out[label] = ("item", True, below)
    return out


def _tree(doc: dict[str, Any]) -> dict[str, dict[str, Node]]:
    tree: dict[str, dict[str, Node]] = {
        key: {"": ("docs" if key in DOC_KEYS | {"info"} else "review", value, {})}
        for key, value in doc.items()
        if key not in ("paths", "components", "servers")
    }
    for path, method, item, op in operations(doc):
        tree[f"{method.upper()} {path}"] = {"operation": ("item", True, _operation(doc, item, op))}
    urls = [s.get("url") for s in doc.get("servers") or [] if isinstance(s, dict)]
    tree["servers"] = {f"server {url}": ("item", True, {}) for url in urls}
    tree["servers"] |= {"default server": ("type", urls[0], {})} if urls else {}
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    tree.setdefault("security", {}).update(_keys(schemes, "scheme", schemes.keys(), "review"))
    return tree


def _diff(where: str, old: dict[str, Node], new: dict[str, Node]) -> Iterator[Change]:
    """What changed; below something added or removed, nothing more is said."""
    for what in sorted(old.keys() | new.keys()):
        before, after = old.get(what), new.get(what)
        if before is None or after is None or before[1] != after[1]:
            rule = (after or before)[0]  # type: ignore[index]
            kind, said = _classify(rule, before and before[1], after and after[1])
            yield Change(kind, where, f"{what} {said}".strip())
        if before and after:
            yield from _diff(where, before[2], after[2])


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every change from ``old`` to ``new``, worst first."""
    trees = _tree(old), _tree(new)
    wheres = trees[0].keys() | trees[1].keys()
    changes = [c for w in wheres for c in _diff(w, trees[0].get(w, {}), trees[1].get(w, {}))]
    return sorted(changes, key=lambda c: (-c.kind, c.where, c.what))


# --- reading descriptions, the report ------------------------------------------------------


def load_description(path: Path | str) -> dict[str, Any]:
    """The description at ``path``, checked: OpenAPI 3.x, with the credits operation."""
    doc = load_yaml(Path(path))
    if not isinstance(doc, dict) or not str(doc.get("openapi")).startswith("3."):
        raise SpecError(f"{path}: not an OpenAPI 3.x description (no 'openapi: 3.x' field)")
    missing = set(KEEP_OPERATION_IDS) - {op.get("operationId") for *_, op in operations(doc)}
    if missing:
        raise SpecError(f"{path}: has no {', '.join(sorted(missing))} operation")
    return doc


def report(changes: list[Change], old_label: str, new_label: str, base_version: str | None) -> str:
    lines = [f"API changes from {old_label} to {new_label}:"]
    lines += [f"  {c.line()}" for c in changes] or ["  none"]
    lines.append(advice(required_level(changes), base_version))
    return "\n".join(lines) + "\n"
