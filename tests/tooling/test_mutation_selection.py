"""``make mutation`` runs every test file that exercises the package in-process, each
mutant against its module's topic tests first, within the module's budget.

A test file missing from ``tools/mutation.py``'s ``TEST_FILES`` is never run against a
mutant: the behaviours only it pins show up as survivors
(docs/maintaining/mutation-testing.md). Each test file is either selected or listed in
``NOT_SELECTED``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import pytest

from tools.mutation import (
    BUDGET_BY_MODULE,
    MODULES,
    NOT_SELECTED,
    PLUGIN_SOURCE,
    ROOT,
    TEST_FILES,
    TOPICS,
    within_budget,
)


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


class _Item:
    def __init__(self, nodeid: str) -> None:
        self.nodeid = nodeid


DURATIONS: Final = {"tests/a.py::slow": 2.0, "tests/a.py::fast": 0.1, "tests/topic.py::t": 1.5}


def test_a_mutants_tests_are_topic_first_then_fastest_within_its_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(TOPICS, "_x", ("tests/topic.py",))
    monkeypatch.setattr("tools.mutation.BUDGET_SECONDS", 3.0)
    chosen = within_budget("openrouter_credits._x.x_f", DURATIONS, DURATIONS)
    assert chosen == {"tests/topic.py::t", "tests/a.py::fast"}  # 1.6 s; +2.0 s is past 3
    # One test is always run, however slow; a module's own budget counts.
    assert within_budget(
        "openrouter_credits._x.x_f", ["tests/a.py::slow"], {"tests/a.py::slow": 9.0}
    ) == {"tests/a.py::slow"}
    monkeypatch.setitem(BUDGET_BY_MODULE, "_x", 4.0)
    assert len(within_budget("openrouter_credits._x.xǁCǁm", DURATIONS, DURATIONS)) == 3


def test_a_mutants_tests_run_topic_first_then_fastest(monkeypatch: pytest.MonkeyPatch) -> None:
    plugin: dict[str, Any] = {}
    exec(PLUGIN_SOURCE, plugin)  # the pytest plugin the mutation run writes into its stage
    plugin["_DURATIONS"].update(DURATIONS)
    monkeypatch.setenv("MUTATION_TOPICS", json.dumps({"_x": ["tests/topic.py"]}))
    monkeypatch.setenv("MUTANT_UNDER_TEST", "openrouter_credits._x.x_f__mutmut_1")
    items = [_Item(n) for n in DURATIONS]
    plugin["_in_order"](items)
    assert [i.nodeid for i in items] == [
        "tests/topic.py::t",
        "tests/a.py::fast",
        "tests/a.py::slow",
    ]
    monkeypatch.setenv("MUTANT_UNDER_TEST", "stats")  # mutmut's own runs: pytest's order
    items = [_Item(n) for n in DURATIONS]
    plugin["_in_order"](items)
    assert [i.nodeid for i in items] == list(DURATIONS)
