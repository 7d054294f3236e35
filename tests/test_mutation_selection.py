"""``make mutation`` runs every test file that exercises the package in-process.

A test file missing from ``tools/mutation.py``'s ``TEST_FILES`` is never run against a
mutant: the behaviours only it pins show up as survivors (CONTRIBUTING.md, "Mutation
testing"). Each test file is either selected or listed in ``NOT_SELECTED``.
"""

from __future__ import annotations

from pathlib import Path

from tools.mutation import MODULES, NOT_SELECTED, ROOT, TEST_FILES, TOPICS


def listed(path: Path, names: tuple[str, ...]) -> bool:
    relative = path.relative_to(ROOT).as_posix()
    return any(relative == name or relative.startswith(f"{name}/") for name in names)


def test_every_test_file_is_selected_or_left_out_on_purpose() -> None:
    files = sorted((ROOT / "tests").rglob("test_*.py"))
    assert files
    unlisted = [
        f.relative_to(ROOT).as_posix()
        for f in files
        if not listed(f, TEST_FILES) and not listed(f, NOT_SELECTED)
    ]
    assert unlisted == []


def test_no_test_file_is_both_selected_and_left_out() -> None:
    assert set(TEST_FILES).isdisjoint(NOT_SELECTED)
    assert all((ROOT / name).exists() for name in TEST_FILES + NOT_SELECTED)


def test_each_modules_topic_tests_exist_and_are_selected() -> None:
    """A module's topic tests run first for its mutants; a renamed file must not drop out."""
    assert set(TOPICS) <= set(MODULES)
    for module, paths in TOPICS.items():
        for name in paths:
            path = ROOT / name
            assert path.exists(), f"{module}: {name} does not exist"
            assert listed(path, TEST_FILES), f"{module}: {name} is not in TEST_FILES"
