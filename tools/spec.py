"""``make spec``: ``python tools/spec.py UPSTREAM [--overlays DIR] [--out FILE]`` applies the
overlays to the upstream description, slices it to this package's operations and writes
``openapi.yaml`` deterministically, or exits 1 with one line: docs/maintaining/spec.md.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonpath_rfc9535 as jsonpath
import yaml

#: The operationIds this package keeps. The one setting to change to keep more.
KEEP_OPERATION_IDS: tuple[str, ...] = ("getCredits",)
#: Root keys copied as they are (when present).
KEEP_ROOT_KEYS: tuple[str, ...] = ("openapi", "info", "servers", "security", "externalDocs")
KEEP_ROOT_KEYS += ("x-speakeasy-retries", "x-retry-strategy")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class SpecError(Exception):
    """A problem with an API description or an overlay document, naming the file."""


def load_yaml(path: Path) -> Any:
    """The YAML file at ``path`` as JSON data: a round trip through JSON makes mapping keys
    strings (YAML reads ``200:`` as an int)."""
    try:
        return json.loads(json.dumps(yaml.safe_load(path.read_text("utf-8")), default=str))
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read: {exc}") from None
    except (yaml.YAMLError, TypeError, ValueError) as exc:
        raise SpecError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from None


def _refs(node: Any) -> list[str]:
    """Every ``$ref`` string below ``node`` (JSON escapes any quote inside a string)."""
    return re.findall(r'"\$ref": "([^"\\]*)"', json.dumps(node))


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(path, method, path item, operation) for each operation ``doc`` describes."""
    for path, item in (doc.get("paths") or {}).items():
        for method in HTTP_METHODS if isinstance(item, dict) else ():
            if isinstance(item.get(method), dict):
                yield path, method, item, item[method]


def component(doc: dict[str, Any], ref: str) -> Any:
    """What ``#/components/<kind>/<name>`` names in ``doc``: None for anything else."""
    parts = ref.split("/")
    if len(parts) != 4 or parts[:2] != ["#", "components"]:
        return None
    group = (doc.get("components") or {}).get(parts[2])
    return group.get(parts[3]) if isinstance(group, dict) else None


def slice_spec(
    upstream: dict[str, Any], keep: tuple[str, ...] = KEEP_OPERATION_IDS
) -> dict[str, Any]:
    """Return a new description holding only the operations in ``keep``."""
    if not isinstance(upstream, dict) or not isinstance(upstream.get("paths"), dict):
        raise SpecError("the upstream description has no 'paths' mapping")
    out: dict[str, Any] = {k: upstream[k] for k in KEEP_ROOT_KEYS if k in upstream}
    paths: dict[str, Any] = {}
    kept: list[dict[str, Any]] = []
    for path, method, item, operation in operations(upstream):
        if operation.get("operationId") in keep:
            kept.append(operation)
            shared = {k: v for k, v in item.items() if k not in HTTP_METHODS}  # parameters, ...
            paths.setdefault(path, shared)[method] = operation
    missing = [op for op in keep if op not in {o["operationId"] for o in kept}]
    if missing:
        raise SpecError(f"operationId(s) not found upstream: {', '.join(missing)}")
    out["paths"] = paths

    # The components the kept paths reference, transitively, and the security schemes
    # that root or operation security requirements name.
    requirements = [*(upstream.get("security") or [])]
    requirements += [r for op in kept for r in op.get("security") or []]
    pending = [f"#/components/securitySchemes/{name}" for r in requirements for name in r]
    pending += _refs(paths)
    components: dict[str, dict[str, Any]] = {}
    while pending:
        ref = pending.pop()
        found = component(upstream, ref)
        if found is None:
            raise SpecError(
                f"$ref {ref!r} names a component neither upstream nor an overlay defines "
                "(only '#/components/<kind>/<name>' references are supported)"
            )
        kind, name = ref.split("/")[2:]
        if name not in components.setdefault(kind, {}):
            components[kind][name] = found
            pending.extend(_refs(found))
    out["components"] = components
    used_tags = {tag for op in kept for tag in op.get("tags") or []}
    out["tags"] = [t for t in upstream.get("tags") or [] if t.get("name") in used_tags]
    return copy.deepcopy(out)


# --- OpenAPI Overlay 1.0 -------------------------------------------------------------


def _merge(target: Any, update: Any) -> Any:
    """``update`` merged into ``target`` as Overlay 1.1 spells out (1.0 leaves it vague):
    objects merge, arrays concatenate (anything else is appended), values replace."""
    if isinstance(target, dict) and isinstance(update, dict):
        for key, value in update.items():
            target[key] = _merge(target[key], value) if key in target else copy.deepcopy(value)
        return target
    if isinstance(target, list):
        target.extend(copy.deepcopy(update if isinstance(update, list) else [update]))
        return target
    return copy.deepcopy(update)


def apply_overlay(doc: dict[str, Any], overlay: Any, source: str) -> None:
    """Apply one Overlay 1.0 document to ``doc`` in place."""
    version = overlay.get("overlay") if isinstance(overlay, dict) else None
    if not str(version).startswith("1.0.") or not isinstance(overlay.get("info"), dict):
        raise SpecError(f"{source}: not an Overlay 1.0 document ('overlay: 1.0.0', 'info')")
    if not isinstance(overlay.get("actions"), list) or not overlay["actions"]:
        raise SpecError(f"{source}: 'actions' must be a non-empty list")
    for index, action in enumerate(overlay["actions"], start=1):
        where = f"{source}: action {index}"
        if not isinstance(action, dict) or not isinstance(action.get("target"), str):
            raise SpecError(f"{where}: needs a 'target' JSONPath string")
        where = f"{where} (target {action['target']})"
        remove = action.get("remove") is True  # then 'update' has no effect (Overlay 1.0)
        if not remove and "update" not in action:
            raise SpecError(f"{where}: needs an 'update' or 'remove: true'")
        try:
            found = jsonpath.find(action["target"], doc)
        except jsonpath.JSONPathError as exc:
            raise SpecError(f"{where}: invalid JSONPath: {exc}") from None
        # RFC 9535 may select a node twice ($['a','a']): act on each location once, array
        # items last index first, so that removing one leaves the others' indices valid.
        nodes = {node.location: node for node in found}
        if not nodes:
            raise SpecError(f"{where}: the target matches nothing")
        update = action.get("update")
        for location in sorted(nodes, reverse=True):
            node, value = nodes[location], nodes[location].value
            if remove:
                if node.parent is None:
                    raise SpecError(f"{where}: cannot remove the document root")
                container: Any = node.parent.value
                del container[node.location[-1]]
            elif isinstance(value, list) or (isinstance(value, dict) and isinstance(update, dict)):
                _merge(value, update)
            else:
                raise SpecError(
                    f"{where}: an update merges an object into an object or appends to an "
                    f"array; to change {node.path()}, target the object that holds it"
                )


def build(upstream_path: Path, overlays_dir: Path) -> str:
    """``openapi.yaml``'s text: ``upstream_path`` with the overlays applied, then sliced."""
    doc = load_yaml(upstream_path)
    if not overlays_dir.is_dir():
        raise SpecError(f"{overlays_dir}: not a folder of *.overlay.yaml documents")
    for path in sorted(overlays_dir.glob("*.overlay.yaml"), key=lambda p: p.name):
        apply_overlay(doc, load_yaml(path), str(path))
    try:
        return dump(slice_spec(doc))
    except SpecError as exc:
        raise SpecError(f"{upstream_path}: {exc}") from None


def dump(doc: dict[str, Any]) -> str:
    """Keys sorted, block style, folded at 100, no anchors (a JSON round trip unshares)."""
    plain = json.loads(json.dumps(doc))
    return yaml.safe_dump(plain, sort_keys=True, allow_unicode=True, width=100, line_break="\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("upstream", type=Path, help="the full upstream OpenAPI description")
    parser.add_argument("--overlays", type=Path, default=Path("spec/overlays"))
    parser.add_argument("--out", type=Path, default=Path("openapi.yaml"))
    args = parser.parse_args(argv)
    try:
        text = build(args.upstream, args.overlays)
        args.out.write_text(text, encoding="utf-8", newline="\n")
    except (SpecError, OSError) as exc:
        print(f"spec: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
