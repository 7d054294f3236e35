"""Slice the upstream OpenRouter description down to this package's operations.

``python tools/spec.py UPSTREAM [--out openapi.yaml] [--overlays overlays]``

1. Keep the operations named in ``KEEP_OPERATION_IDS`` (and every component they
   reference, transitively), plus ``openapi``, ``info``, ``servers``, root
   ``security`` (and the security schemes it names), the tags the kept operations use,
   ``externalDocs`` and the root retry extensions. Everything else is dropped.
2. Apply the OpenAPI Overlay 1.0 documents ``overlays/*.overlay.yaml`` in file-name
   order, with RFC 9535 JSONPath (``jsonpath-rfc9535``).
3. Write the result deterministically: keys sorted, block style, fixed width.

Errors (unreadable files, an overlay that is malformed, a target that matches nothing)
raise :class:`SpecError` with a message naming the file and the action; the command
line prints that message and exits 1.
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonpath_rfc9535 as jsonpath
import yaml

#: The operationIds this package keeps. The one setting to change to keep more.
KEEP_OPERATION_IDS: tuple[str, ...] = ("getCredits",)
#: Root keys copied as they are (when present).
KEEP_ROOT_KEYS: tuple[str, ...] = (
    "openapi",
    "info",
    "servers",
    "security",
    "externalDocs",
    "x-speakeasy-retries",
    "x-retry-strategy",
)
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
OVERLAY_GLOB = "*.overlay.yaml"


class SpecError(Exception):
    """A problem with the upstream description or an overlay document."""


def load_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML: {exc}") from exc


def _refs(node: Any) -> Iterator[str]:
    """Every ``$ref`` string below ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve_component(doc: dict[str, Any], ref: str) -> tuple[str, str]:
    parts = ref.split("/")
    if len(parts) != 4 or parts[:2] != ["#", "components"]:
        raise SpecError(f"unsupported $ref {ref!r}: only '#/components/<kind>/<name>'")
    kind, name = parts[2], parts[3].replace("~1", "/").replace("~0", "~")
    if name not in doc.get("components", {}).get(kind, {}):
        raise SpecError(f"$ref {ref!r} names a component the description does not have")
    return kind, name


def slice_spec(
    upstream: dict[str, Any], keep: tuple[str, ...] = KEEP_OPERATION_IDS
) -> dict[str, Any]:
    """Return a new description holding only the operations in ``keep``."""
    if not isinstance(upstream, dict) or not isinstance(upstream.get("paths"), dict):
        raise SpecError("the upstream description has no 'paths' mapping")
    out: dict[str, Any] = {k: copy.deepcopy(upstream[k]) for k in KEEP_ROOT_KEYS if k in upstream}
    paths: dict[str, Any] = {}
    found: set[str] = set()
    for path, item in upstream["paths"].items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict) and operation.get("operationId") in keep:
                found.add(operation["operationId"])
                paths.setdefault(path, {})[method] = copy.deepcopy(operation)
        if path in paths and "parameters" in item:
            paths[path]["parameters"] = copy.deepcopy(item["parameters"])
    missing = [op for op in keep if op not in found]
    if missing:
        raise SpecError(f"operationId(s) not found upstream: {', '.join(missing)}")
    out["paths"] = paths

    # Components reachable from the kept paths, transitively.
    components: dict[str, dict[str, Any]] = {}
    pending = list(_refs(paths))
    while pending:
        kind, name = _resolve_component(upstream, pending.pop())
        if name in components.get(kind, {}):
            continue
        body = copy.deepcopy(upstream["components"][kind][name])
        components.setdefault(kind, {})[name] = body
        pending.extend(_refs(body))

    # Security schemes named by root or operation security requirements.
    requirements = list(upstream.get("security", []))
    for item in paths.values():
        for operation in item.values():
            if isinstance(operation, dict):
                requirements.extend(operation.get("security", []))
    schemes = upstream.get("components", {}).get("securitySchemes", {})
    for requirement in requirements:
        for scheme in requirement:
            if scheme not in schemes:
                raise SpecError(f"security scheme {scheme!r} is not defined upstream")
            components.setdefault("securitySchemes", {})[scheme] = copy.deepcopy(schemes[scheme])
    if components:
        out["components"] = components

    used_tags = {
        t
        for item in paths.values()
        for op in item.values()
        if isinstance(op, dict)
        for t in op.get("tags", [])
    }
    tags = [copy.deepcopy(t) for t in upstream.get("tags", []) if t.get("name") in used_tags]
    if tags:
        out["tags"] = tags
    return out


# --- OpenAPI Overlay 1.0 -------------------------------------------------------------


def _merge(target: Any, update: Any) -> Any:
    """Overlay 1.0 update semantics: objects merge recursively, arrays append."""
    if isinstance(target, dict) and isinstance(update, dict):
        for key, value in update.items():
            target[key] = _merge(target[key], value) if key in target else copy.deepcopy(value)
        return target
    if isinstance(target, list):
        target.extend(
            copy.deepcopy(update) if isinstance(update, list) else [copy.deepcopy(update)]
        )
        return target
    return copy.deepcopy(update)


def apply_overlay(doc: dict[str, Any], overlay: Any, source: str) -> None:
    """Apply one Overlay 1.0 document to ``doc`` in place."""
    if not isinstance(overlay, dict) or not str(overlay.get("overlay", "")).startswith("1."):
        raise SpecError(f"{source}: not an Overlay 1.x document (needs 'overlay: 1.0.0')")
    actions = overlay.get("actions")
    if not isinstance(actions, list) or not actions:
        raise SpecError(f"{source}: 'actions' must be a non-empty list")
    for index, action in enumerate(actions, start=1):
        where = f"{source}: action {index}"
        if not isinstance(action, dict) or not isinstance(action.get("target"), str):
            raise SpecError(f"{where}: needs a 'target' JSONPath string")
        target = action["target"]
        where = f"{where} (target {target})"
        remove = action.get("remove", False)
        if not isinstance(remove, bool):
            raise SpecError(f"{where}: 'remove' must be true or false")
        if remove == ("update" in action):
            raise SpecError(f"{where}: needs exactly one of 'update' or 'remove: true'")
        try:
            nodes = jsonpath.find(target, doc)
        except jsonpath.JSONPathError as exc:
            raise SpecError(f"{where}: invalid JSONPath: {exc}") from exc
        if not nodes:
            raise SpecError(f"{where}: the target matches nothing")
        if remove:
            # Delete deepest/last first so earlier locations stay valid.
            for node in sorted(nodes, key=lambda n: n.location, reverse=True):
                if node.parent is None:
                    raise SpecError(f"{where}: cannot remove the document root")
                del node.parent.value[node.location[-1]]
            continue
        for node in nodes:
            if not isinstance(node.value, (dict, list)):
                raise SpecError(f"{where}: update needs an object or array target")
            if isinstance(node.value, dict) and not isinstance(action["update"], dict):
                raise SpecError(f"{where}: an object target needs an object 'update'")
            _merge(node.value, action["update"])


def overlay_files(folder: Path) -> list[Path]:
    """The overlay documents in the order they are applied: sorted by file name."""
    return sorted(folder.glob(OVERLAY_GLOB), key=lambda p: p.name)


def build(upstream_path: Path, overlays_dir: Path) -> str:
    upstream = load_yaml(upstream_path)
    doc = slice_spec(upstream)
    for path in overlay_files(overlays_dir):
        apply_overlay(doc, load_yaml(path), str(path))
    return dump(doc)


def dump(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(
        doc, sort_keys=True, allow_unicode=True, default_flow_style=False, width=100
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("upstream", type=Path, help="the full upstream OpenAPI description")
    parser.add_argument("--overlays", type=Path, default=Path("overlays"))
    parser.add_argument("--out", type=Path, default=Path("openapi.yaml"), help="'-' for stdout")
    args = parser.parse_args(argv)
    try:
        text = build(args.upstream, args.overlays)
    except SpecError as exc:
        print(f"spec: error: {exc}", file=sys.stderr)
        return 1
    if str(args.out) == "-":
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
