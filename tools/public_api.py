"""The public API of ``openrouter_credits`` as griffe reads it (what a user's code can
reach), and how two versions differ: docs/maintaining/api-changes.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import griffe

from tools.api_changes import Change, Kind

PACKAGE = "openrouter_credits"
WHERE = "public API"
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


def snapshot(root: Path) -> dict[str, Any]:
    """The public API of the package under ``root/overlays``."""
    package = griffe.load(PACKAGE, search_paths=[root / "overlays"], resolve_external=False)
    return _public(package) or {}


def dump(api: dict[str, Any]) -> str:
    return json.dumps(api, indent=1, ensure_ascii=False) + "\n"


def load(text: str) -> dict[str, Any]:
    return dict(json.loads(text))


def _griffe(api: dict[str, Any]) -> griffe.Object:
    def hook(data: dict[str, Any]) -> Any:
        return griffe.json_decoder(_DEFAULTS | data if "kind" in data else data)

    module: griffe.Object = json.loads(json.dumps(api), object_hook=hook)
    return module


def _flat(api: dict[str, Any], path: str = PACKAGE) -> dict[str, str]:
    """``path`` → the node's own facts (without its members); parameters as ``path(name)``."""
    own = {k: v for k, v in api.items() if k not in ("members", "parameters")}
    out = {path: json.dumps(own, sort_keys=True)}
    for param in api.get("parameters", []):
        out[f"{path}({param['name']})"] = json.dumps(param, sort_keys=True)
    for name, member in api.get("members", {}).items():
        out.update(_flat(member, f"{path}.{name}"))
    return out


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Public API changes, classified for users' code (removed or narrowed: breaking)."""
    changes, broken = [], set()
    for breakage in griffe.find_breaking_changes(_griffe(old), _griffe(new)):
        path = breakage.obj.path
        if breakage.kind.name.startswith("PARAMETER"):  # a parameter is the old or new value
            path += f"({getattr(breakage.old_value, 'name', None) or breakage.new_value.name})"
        broken.add(path)
        changes.append(Change(Kind.BREAKING, WHERE, f"{path}: {breakage.kind.value.lower()}"))
    before, after = _flat(old), _flat(new)
    for path in after.keys() - broken:
        if before.get(path) != after[path]:
            kind, verb = (Kind.FEATURE, "added") if path not in before else (Kind.OTHER, "changed")
            changes.append(Change(kind, WHERE, f"{path} {verb}"))
    return sorted(changes, key=lambda c: (-c.kind, c.what))
