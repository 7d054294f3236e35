"""``make mutation``: what it runs (pyproject.toml's ``[tool.mutmut]``) and what
tools/mutation.py adds: each mutant's tests topic first, within its module's budget, and
the equivalents file (docs/maintaining/mutation-testing.md).
"""

from __future__ import annotations

from fnmatch import fnmatch
from typing import Any, Final

import pytest

from tools.mutation import (
    BUDGET_BY_MODULE,
    CONFIG,
    ROOT,
    TOPICS,
    equivalent_key,
    in_order,
    load_equivalents,
    module_of,
    selected,
    within_budget,
)

ARGS: Final = CONFIG["pytest_add_cli_args"]
IGNORED: Final = tuple(a.removeprefix("--ignore=") for a in ARGS if a.startswith("--ignore="))
DESELECTED: Final = [a.removeprefix("--deselect=") for a in ARGS if a.startswith("--deselect=")]


def test_every_test_left_out_exists_and_no_topic_is_left_out() -> None:
    """A renamed file must not silently join the run, nor a topic file drop out of it."""
    assert IGNORED and DESELECTED
    paths = [*IGNORED, *(test.partition("::")[0] for test in DESELECTED)]
    assert [path for path in paths if not (ROOT / path).exists()] == []
    topics = {path for paths in TOPICS.values() for path in paths}
    assert [path for path in topics if not (ROOT / path).exists()] == []
    assert [path for path in topics if path.startswith(IGNORED)] == []


def mutated(path: str) -> bool:
    return not any(fnmatch(f"src/{path}", pattern) for pattern in CONFIG["do_not_mutate"])


def test_the_hand_written_modules_are_mutated_and_the_rest_not() -> None:
    package = ROOT / "overlays" / "openrouter_credits"
    modules = {p.relative_to(package.parent).as_posix() for p in package.rglob("*.py")}
    assert "openrouter_credits/_redact.py" in modules
    assert not mutated("openrouter_credits/_generated/models/get_credits_data.py")
    kept = {m for m in modules if mutated(m)}
    assert {"openrouter_credits/_redact.py", "openrouter_credits/client.py"} <= kept
    assert not {m for m in kept if "testing" in m or "_generated" in m or "__init__" in m}
    assert {f"openrouter_credits/{m.replace('.', '/')}.py" for m in TOPICS} <= kept


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


class _Item:
    def __init__(self, nodeid: str) -> None:
        self.nodeid = nodeid


def test_a_mutants_tests_run_topic_first_then_fastest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(TOPICS, "cli.x", ("tests/topic.py",))
    assert module_of("openrouter_credits.cli.x.xǁCǁm__mutmut_1") == "cli.x"
    assert selected("openrouter_credits.cli.x.x_f__mutmut_1", ["cli"])  # a subpackage's
    assert not selected("openrouter_credits.client.x_f__mutmut_1", ["cli", "_redact"])
    items: list[Any] = [_Item(n) for n in DURATIONS]
    in_order(items, "openrouter_credits.cli.x.xǁCǁm__mutmut_1", DURATIONS)
    assert [i.nodeid for i in items] == [
        "tests/topic.py::t",
        "tests/a.py::fast",
        "tests/a.py::slow",
    ]
    items = [_Item(n) for n in DURATIONS]
    in_order(items, "stats", DURATIONS)  # mutmut's own runs: pytest's order
    assert [i.nodeid for i in items] == list(DURATIONS)


def test_a_survivor_matches_its_equivalent_entry_by_content() -> None:
    equivalents = load_equivalents()
    assert all(len(key) == 3 and reason for key, reason in equivalents.items())
    diff = (
        "--- a\n+++ b\n@@ -1 +1 @@\n"
        '-        del plain["content-encoding"]\n'
        '+        del plain["CONTENT-ENCODING"]\n'
    )
    name = "openrouter_credits._http.body.x__decoded__mutmut_7"
    assert equivalent_key(name, diff, equivalents) is not None
    assert equivalent_key(name.replace("decoded", "bounded"), diff, equivalents) is None
    assert equivalent_key(name, diff.replace("CONTENT", "XXcontent"), equivalents) is None
