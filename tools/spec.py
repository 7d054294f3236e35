"""``make spec``: slice the upstream OpenRouter description down to this package's
operations, apply the OpenAPI Overlay documents, write ``openapi.yaml`` deterministically.

``python tools/spec.py UPSTREAM [--out openapi.yaml] [--overlays spec/overlays]``. What is
kept, how overlays merge and the errors (a :class:`SpecError` naming the file and the
action; exit status 1): docs/maintaining/spec.md.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonpath_rfc9535 as jsonpath
import yaml

#: The operationIds this package keeps. The one setting to change to keep more.
KEEP_OPERATION_IDS: tuple[str, ...] = ("getCredits",)
#: Root keys copied as they are (when present).
KEEP_ROOT_KEYS: tuple[str, ...] = ("openapi", "jsonSchemaDialect", "info", "servers", "security")
KEEP_ROOT_KEYS += ("externalDocs", "x-speakeasy-retries", "x-retry-strategy")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
OVERLAY_GLOB = "*.overlay.yaml"
#: Overlay versions understood: 1.0.x, and 1.1.x without its ``copy`` action.
OVERLAY_VERSION = re.compile(r"1\.[01]\.\d+")


class SpecError(Exception):
    """A problem with the upstream description or an overlay document."""


def _string_keys(node: Any) -> Any:
    """JSON's data model: mapping keys are strings (YAML reads ``200:`` as an int)."""
    if isinstance(node, dict):
        return {_key(k): _string_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_string_keys(item) for item in node]
    return node


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


def load_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read: {exc}") from exc
    try:
        return _string_keys(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML: {exc}") from exc


def _refs(node: Any) -> Iterator[str]:
    """Every reference below ``node``: ``$ref`` strings and discriminator mappings."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            elif key == "discriminator" and isinstance(value, dict):
                mapping = value.get("mapping")
                for target in mapping.values() if isinstance(mapping, dict) else ():
                    if isinstance(target, str):
                        # A bare name means a schema (OpenAPI 3.1, Discriminator Object).
                        yield target if "#" in target else f"#/components/schemas/{target}"
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _component(ref: str) -> tuple[str, str]:
    """``#/components/<kind>/<name>`` → ``(kind, name)``; anything else is an error."""
    parts = ref.split("/")
    if len(parts) != 4 or parts[:2] != ["#", "components"]:
        raise SpecError(f"unsupported $ref {ref!r}: only '#/components/<kind>/<name>'")
    name = unquote(parts[3]).replace("~1", "/").replace("~0", "~")
    return unquote(parts[2]), name


def _has_component(doc: dict[str, Any], kind: str, name: str) -> bool:
    components = doc.get("components")
    group = components.get(kind) if isinstance(components, dict) else None
    return isinstance(group, dict) and name in group


def slice_spec(
    upstream: dict[str, Any], keep: tuple[str, ...] = KEEP_OPERATION_IDS
) -> dict[str, Any]:
    """Return a new description holding only the operations in ``keep``."""
    if not isinstance(upstream, dict) or not isinstance(upstream.get("paths"), dict):
        raise SpecError("the upstream description has no 'paths' mapping")
    out: dict[str, Any] = {k: upstream[k] for k in KEEP_ROOT_KEYS if k in upstream}
    paths: dict[str, Any] = {}
    operations: list[dict[str, Any]] = []
    for path, item in upstream["paths"].items():
        for method in HTTP_METHODS if isinstance(item, dict) else ():
            operation = item.get(method)
            if isinstance(operation, dict) and operation.get("operationId") in keep:
                operations.append(operation)
                paths.setdefault(path, {})[method] = operation
        if path in paths:  # The path item's shared fields: parameters, servers, ...
            paths[path].update({k: v for k, v in item.items() if k not in HTTP_METHODS})
    missing = [op for op in keep if op not in {o["operationId"] for o in operations}]
    if missing:
        raise SpecError(f"operationId(s) not found upstream: {', '.join(missing)}")
    out["paths"] = paths

    # Components reachable from the kept paths, transitively, and the security schemes
    # that root or operation security requirements name.
    components: dict[str, dict[str, Any]] = {}
    pending = list(_refs(paths))
    for requirement in [*(upstream.get("security") or [])] + [
        r for op in operations for r in op.get("security") or []
    ]:
        for scheme in requirement:
            if not _has_component(upstream, "securitySchemes", scheme):
                raise SpecError(f"security scheme {scheme!r} is not defined upstream")
            pending.append(f"#/components/securitySchemes/{scheme}")
    while pending:
        ref = pending.pop()
        kind, name = _component(ref)
        if not _has_component(upstream, kind, name):
            raise SpecError(f"$ref {ref!r} names a component the description does not have")
        if name not in components.get(kind, {}):
            components.setdefault(kind, {})[name] = upstream["components"][kind][name]
            pending.extend(_refs(components[kind][name]))
    if components:
        out["components"] = components
    used_tags = {tag for op in operations for tag in op.get("tags") or []}
    tags = [
        t for t in upstream.get("tags") or [] if isinstance(t, dict) and t.get("name") in used_tags
    ]
    if tags:
        out["tags"] = tags
    return copy.deepcopy(out)


def check_refs(doc: dict[str, Any], source: str) -> None:
    """Every reference in ``doc`` points at a component ``doc`` has."""
    for ref in _refs(doc):
        try:
            kind, name = _component(ref)
        except SpecError as exc:
            raise SpecError(f"{source}: {exc}") from None
        if not _has_component(doc, kind, name):
            raise SpecError(
                f"{source}: $ref {ref!r} points at a component the result does not have "
                "(overlays run after slicing: an overlay that adds a $ref must also add "
                "the component it names)"
            )


# --- OpenAPI Overlay 1.0 -------------------------------------------------------------


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    return "an array" if isinstance(value, list) else "a value"


def _merge(target: dict[str, Any], update: dict[str, Any], where: str) -> None:
    """Merge ``update`` into ``target`` as Overlay 1.1 spells out (1.0 leaves it vague)."""
    for key, value in update.items():
        if key not in target:
            target[key] = copy.deepcopy(value)
            continue
        current = target[key]
        if isinstance(current, dict) and isinstance(value, dict):
            _merge(current, value, f"{where}.{key}")
        elif isinstance(current, list) and isinstance(value, list):
            current.extend(copy.deepcopy(value))
        elif _kind(current) == _kind(value) == "a value":
            target[key] = copy.deepcopy(value)
        else:
            raise SpecError(
                f"{where}: cannot merge {_kind(value)} into {_kind(current)} at {key!r}"
            )


def _check_overlay(overlay: Any, source: str) -> list[Any]:
    """The overlay's actions, after checking the document's shape."""
    version = overlay.get("overlay") if isinstance(overlay, dict) else None
    if not isinstance(version, str) or not OVERLAY_VERSION.fullmatch(version):
        raise SpecError(f"{source}: not an Overlay 1.0 document (needs 'overlay: 1.0.0')")
    info = overlay.get("info")
    if not isinstance(info, dict) or not {"title", "version"} <= info.keys():
        raise SpecError(f"{source}: needs an 'info' object with 'title' and 'version'")
    actions = overlay.get("actions")
    if not isinstance(actions, list) or not actions:
        raise SpecError(f"{source}: 'actions' must be a non-empty list")
    return actions


def _array_index(node: jsonpath.JSONPathNode) -> int:
    """Removal order: array items last index first, so the indices left stay valid."""
    last = node.location[-1] if node.location else -1
    return last if isinstance(last, int) else -1


def apply_overlay(doc: dict[str, Any], overlay: Any, source: str) -> None:
    """Apply one Overlay 1.0 document to ``doc`` in place."""
    for index, action in enumerate(_check_overlay(overlay, source), start=1):
        where = f"{source}: action {index}"
        if not isinstance(action, dict) or not isinstance(action.get("target"), str):
            raise SpecError(f"{where}: needs a 'target' JSONPath string")
        target = action["target"]
        where = f"{where} (target {target})"
        if "copy" in action:
            raise SpecError(f"{where}: the Overlay 1.1 'copy' action is not supported")
        remove = action.get("remove", False)
        if not isinstance(remove, bool):
            raise SpecError(f"{where}: 'remove' must be true or false")
        if remove == ("update" in action):
            raise SpecError(f"{where}: needs exactly one of 'update' or 'remove: true'")
        try:
            found = jsonpath.find(target, doc)
        except jsonpath.JSONPathError as exc:
            raise SpecError(f"{where}: invalid JSONPath: {exc}") from exc
        # RFC 9535 may select a node twice ($['a','a']): act on each location once.
        nodes = list({node.location: node for node in found}.values())
        if not nodes:
            raise SpecError(f"{where}: the target matches nothing")
        if remove:
            for node in sorted(nodes, key=_array_index, reverse=True):
                if node.parent is None:
                    raise SpecError(f"{where}: cannot remove the document root")
                container: Any = node.parent.value
                del container[node.location[-1]]
            continue
        update = action["update"]
        for node in nodes:
            value: Any = node.value
            if isinstance(value, dict):
                if not isinstance(update, dict):
                    raise SpecError(f"{where}: an object target needs an object 'update'")
                _merge(value, update, where)
            elif isinstance(value, list):
                items = update if isinstance(update, list) else [update]
                value.extend(copy.deepcopy(items))
            else:
                raise SpecError(
                    f"{where}: update needs an object or array target; to change "
                    f"{node.path()}, target the object that holds it"
                )


def overlay_files(folder: Path) -> list[Path]:
    """The overlay documents in the order they are applied: sorted by file name."""
    if not folder.is_dir():
        raise SpecError(f"{folder}: not a folder of {OVERLAY_GLOB} documents")
    return sorted(folder.glob(OVERLAY_GLOB), key=lambda p: p.name)


def build(
    upstream_path: Path, overlays_dir: Path, keep: tuple[str, ...] = KEEP_OPERATION_IDS
) -> str:
    """``openapi.yaml``'s text: ``upstream_path`` sliced to ``keep``, overlays applied."""
    upstream = load_yaml(upstream_path)
    try:
        doc = slice_spec(upstream, keep)
    except SpecError as exc:
        raise SpecError(f"{upstream_path}: {exc}") from None
    for path in overlay_files(overlays_dir):
        apply_overlay(doc, load_yaml(path), str(path))
        check_refs(doc, str(path))
    return dump(doc)


class _Dumper(yaml.SafeDumper):
    """Never writes anchors and aliases (&id001), even for shared objects."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(doc: dict[str, Any]) -> str:
    return yaml.dump(
        doc,
        Dumper=_Dumper,
        sort_keys=True,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
        line_break="\n",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("upstream", type=Path, help="the full upstream OpenAPI description")
    parser.add_argument("--overlays", type=Path, default=Path("overlays"))
    parser.add_argument("--out", type=Path, default=Path("openapi.yaml"), help="'-' for stdout")
    args = parser.parse_args(argv)
    try:
        text = build(args.upstream, args.overlays)
        if str(args.out) == "-":
            sys.stdout.write(text)
        else:
            try:
                args.out.write_text(text, encoding="utf-8", newline="\n")
            except OSError as exc:
                raise SpecError(f"{args.out}: cannot write: {exc}") from exc
    except SpecError as exc:
        print(f"spec: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
