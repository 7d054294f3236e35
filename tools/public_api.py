"""The public API of ``openrouter_credits`` as text, and how two such snapshots differ.

``python -m tools.public_api`` prints the snapshot of the package in ``./overlays``.

The snapshot is one ``key: value`` line per fact a user's code can depend on: each name in
the package's ``__all__`` (and, for the modules it lists, theirs), each class's bases,
public methods, properties and annotated attributes, and each parameter of each callable
(kind, position, required or optional, annotation) and its return annotation.
``spec/released/public-api.txt`` holds the last release's (``make release-record``);
``make check`` compares it with the tree's (tools/release.py). The rules: CONTRIBUTING.md.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
import types
from pathlib import Path
from typing import Any

import attrs

from tools.api_changes import Change, Kind

PACKAGE = "openrouter_credits"
#: Dunder methods that are part of the API (context managers, calls, iteration).
PUBLIC_DUNDERS = frozenset(
    {"__init__", "__call__", "__enter__", "__exit__", "__aenter__", "__aexit__", "__iter__"}
)
HEADER = "# The public API of openrouter_credits (tools/public_api.py; make release-record)\n"


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _public(cls: type) -> bool:
    return not any(part.startswith("_") for part in cls.__qualname__.split("."))


#: ``self.name =`` in ``__init__``: instance attributes no class annotation declares.
_SELF_ASSIGN = re.compile(r"^\s*self\.([a-z]\w*)\s*[:=][^=]", re.MULTILINE)


def _instance_attributes(cls: type) -> list[str]:
    init = vars(cls).get("__init__")
    try:
        source = inspect.getsource(init) if inspect.isfunction(init) else ""
    except (OSError, TypeError):
        source = ""
    return sorted(set(_SELF_ASSIGN.findall(source)))


def _annotation(value: Any) -> str:
    if value is inspect.Parameter.empty:
        return "unannotated"
    return value if isinstance(value, str) else inspect.formatannotation(value)


def _signature(key: str, func: Any, out: dict[str, str]) -> None:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        out[key] = "callable"
        return
    out[key] = "callable"
    position = 0
    for index, param in enumerate(signature.parameters.values()):
        if index == 0 and param.name in ("self", "cls"):
            continue
        kind = param.kind.description.replace(" ", "-")
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            position += 1
            kind = f"{kind} {position}"
        required = "optional" if param.default is not param.empty else "required"
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            required = "optional"
        out[f"{key}({param.name})"] = f"{kind}, {required}, {_annotation(param.annotation)}"
    out[f"{key} ->"] = _annotation(signature.return_annotation)


def _class(key: str, cls: type, out: dict[str, str]) -> None:
    out[key] = "class"
    bases = [_qualname(c) for c in cls.__mro__[1:] if c is not object and _public(c)]
    out[f"{key} bases"] = ", ".join(bases) or "object"
    for name in sorted(dir(cls)):
        if name.startswith("_") and name not in PUBLIC_DUNDERS:
            continue
        owner = next((c for c in cls.__mro__ if name in vars(c)), None)
        if owner is None or owner.__module__ == "builtins":
            continue
        raw = vars(owner)[name]
        member = f"{key}.{name}"
        if isinstance(raw, property):
            out[member] = "property"
            if raw.fget is not None:
                out[f"{member} ->"] = _annotation(inspect.signature(raw.fget).return_annotation)
        elif isinstance(raw, staticmethod | classmethod):
            _signature(member, getattr(cls, name), out)
        elif inspect.isfunction(raw):
            _signature(member, raw, out)
        elif not isinstance(raw, types.MemberDescriptorType):
            out[member] = "attribute"
    annotations: dict[str, Any] = {}
    for owner in reversed(cls.__mro__):
        if owner.__module__.startswith(PACKAGE):
            annotations.update(getattr(owner, "__annotations__", {}))
    for owner in cls.__mro__:
        if owner.__module__.startswith(PACKAGE):
            for name in _instance_attributes(owner):
                out.setdefault(f"{key}.{name}", "attribute")
    if attrs.has(cls):
        annotations.update({f.name: f.type for f in attrs.fields(cls)})
    for name, annotation in annotations.items():
        if not name.startswith("_"):
            out[f"{key}.{name}"] = f"attribute {_annotation(annotation)}"


def _walk(key: str, obj: Any, out: dict[str, str], seen: dict[int, str]) -> None:
    if (inspect.isclass(obj) or inspect.isfunction(obj)) and id(obj) in seen:
        out[key] = f"same as {seen[id(obj)]}"  # re-exported: its members are listed once
        return
    if inspect.isclass(obj) or inspect.isfunction(obj):
        seen[id(obj)] = key
    if isinstance(obj, types.ModuleType):
        out[key] = "module"
        for name in getattr(obj, "__all__", []):
            _walk(f"{key}.{name}", getattr(obj, name), out, seen)
    elif inspect.isclass(obj):
        _class(key, obj, out)
    elif callable(obj):
        _signature(key, obj, out)
    else:
        out[key] = f"value {type(obj).__name__}"


def snapshot(root: Path) -> dict[str, str]:
    """The public API of the package under ``root/overlays`` (imported from there)."""
    overlays = str(root.resolve() / "overlays")
    if sys.path[:1] != [overlays]:
        sys.path.insert(0, overlays)
    module = importlib.import_module(PACKAGE)
    if not str(Path(module.__file__ or "").resolve()).startswith(overlays):
        raise RuntimeError(f"{PACKAGE} was imported from {module.__file__}, not {overlays}")
    out: dict[str, str] = {}
    seen: dict[int, str] = {}
    _walk(PACKAGE, module, out, seen)
    # Public submodules that declare __all__ (client, testing, ...), even if not re-exported.
    for info in pkgutil.iter_modules(module.__path__):
        if not info.name.startswith("_") and f"{PACKAGE}.{info.name}" not in out:
            submodule = importlib.import_module(f"{PACKAGE}.{info.name}")
            if hasattr(submodule, "__all__"):
                _walk(f"{PACKAGE}.{info.name}", submodule, out, seen)
    return out


def dump(api: dict[str, str]) -> str:
    return HEADER + "".join(f"{key}: {value}\n" for key, value in sorted(api.items()))


def load(text: str) -> dict[str, str]:
    api: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition(": ")
            api[key] = value
    return api


def _is_parameter(key: str) -> bool:
    return key.endswith(")") and "(" in key


def compare(old: dict[str, str], new: dict[str, str]) -> list[Change]:
    """Public API changes, classified for users' code (removed or narrowed: breaking)."""
    where = "public API"
    changes: list[Change] = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if after is None:
            changes.append(Change(Kind.BREAKING, where, f"{key} removed"))
        elif before is None:
            owner = key.split("(")[0]
            if _is_parameter(key) and ", required," in after and owner in old:
                changes.append(Change(Kind.BREAKING, where, f"{key} added (required)"))
            else:
                changes.append(Change(Kind.FEATURE, where, f"{key} added"))
        elif key.endswith(" bases"):
            kept = set(before.split(", ")) <= set(after.split(", "))
            kind = Kind.FEATURE if kept else Kind.BREAKING
            changes.append(Change(kind, where, f"{key}: {before} → {after}"))
        elif _is_parameter(key) and before.replace(", required,", ", optional,") == after:
            changes.append(Change(Kind.FEATURE, where, f"{key} made optional"))
        else:
            changes.append(Change(Kind.BREAKING, where, f"{key}: {before} → {after}"))
    return sorted(changes, key=lambda c: (-c.kind, c.what))


if __name__ == "__main__":
    sys.stdout.write(dump(snapshot(Path.cwd())))
