"""The package's shape (CONTRIBUTING.md, "Layout"): no import cycle, counting imports under
``TYPE_CHECKING`` and inside functions, and no module using another module's private names;
only the commands (``cli/``) import the commands."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import openrouter_credits

PACKAGE: Final = Path(openrouter_credits.__file__).resolve().parent
NAME: Final = "openrouter_credits"


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "_generated":
            continue
        dotted = ".".join((NAME, *rel.with_suffix("").parts)).removesuffix(".__init__")
        found[dotted] = path
    return found


MODULES: Final = modules()


def imports(name: str, path: Path) -> Iterator[tuple[str, str | None, int]]:
    """(module imported, name taken from it or None, line) for every import in the module,
    wherever it stands; only this package's modules."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                whole = f"{source}.{alias.name}"
                if whole in MODULES:
                    yield whole, None, node.lineno
                elif source in MODULES:
                    yield source, alias.name, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    yield alias.name, None, node.lineno


def graph() -> dict[str, set[str]]:
    return {
        name: {target for target, _, _ in imports(name, path) if target != name}
        for name, path in MODULES.items()
    }


def cycle_from(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the list of modules around it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_package_has_no_import_cycle() -> None:
    assert len(MODULES) > 20
    assert cycle_from(graph()) is None, " -> ".join(cycle_from(graph()) or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycle_from({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_from({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_module_uses_another_modules_private_names() -> None:
    """Neither ``from .x import _name`` nor ``x._name`` on a module ``x`` of the package."""
    used = []
    for name, path in MODULES.items():
        aliases = {}
        for source, taken, line in imports(name, path):
            if taken is None:
                aliases[source.rpartition(".")[2]] = source
            elif is_private(taken):
                used.append(f"{path.relative_to(PACKAGE)}:{line}: {source}.{taken}")
        tree = ast.parse(path.read_bytes())
        for node in ast.walk(tree):
            if isinstance(node, ast.alias) and node.asname and node.name in aliases:
                aliases[node.asname] = aliases[node.name]
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and is_private(node.attr)
            ):
                used.append(
                    f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value.id}.{node.attr}"
                )
    assert used == []


def absolute(node: ast.AST) -> ast.Import | ast.ImportFrom | None:
    """``node`` if it imports the package by its absolute name."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and not node.level:
        names = [node.module or ""]
    else:
        return None
    return node if any(name.partition(".")[0] == NAME for name in names) else None


def test_the_package_imports_itself_only_relatively() -> None:
    """So that a vendored copy (tools/vendor.py) works under any name, nothing rewritten."""
    found = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}: {ast.unparse(node)}"
        for path in [*MODULES.values(), *(PACKAGE / "_generated").rglob("*.py")]
        for node in filter(None, map(absolute, ast.walk(ast.parse(path.read_bytes()))))
    ]
    assert found == []


def in_commands(name: str) -> bool:
    return name == f"{NAME}.cli" or name.startswith(f"{NAME}.cli.")


def test_only_the_commands_import_the_commands() -> None:
    outside = [
        name
        for name, targets in graph().items()
        if not in_commands(name) and any(in_commands(t) for t in targets)
    ]
    assert sorted(outside) == [f"{NAME}.__main__", f"{NAME}.check"]
