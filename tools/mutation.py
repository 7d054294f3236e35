"""``make mutation``: mutmut over the hand-written package, and the per-module table.

What mutmut cannot do: the package laid out as mutmut names modules (``build/mutation/``),
each mutant's tests cut to its module's budget, the run's pytest plugin (``-p
tools.mutation``), the table without the equivalents of ``tools/mutation-equivalents.toml``.
``python tools/mutation.py run|table [MODULE ...]``: docs/maintaining/mutation-testing.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import pytest

ROOT: Final = Path(__file__).resolve().parent.parent
STAGE: Final = ROOT / "build" / "mutation"
PACKAGE: Final = "openrouter_credits"
EQUIVALENTS: Final = ROOT / "tools" / "mutation-equivalents.toml"
TOOL: Final = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]
#: mutmut's configuration; the stage links to what it copies into mutants/ besides src/.
CONFIG: Final = TOOL["mutmut"]
LINKED: Final = ("tests", "pyproject.toml", *CONFIG["also_copy"])
#: The seconds of recorded tests a mutant runs, its module's topic tests first: what keeps a
#: whole run under 30 minutes (pyproject.toml, [tool.mutation]).
BUDGET_SECONDS: Final[float] = TOOL["mutation"]["budget-seconds"]
BUDGET_BY_MODULE: Final[dict[str, float]] = TOOL["mutation"]["budget-by-module"]
TOPICS: Final = {
    module: tuple(f"tests/{p}" for p in paths)
    for module, paths in TOOL["mutation"]["topics"].items()
}
KILLED: Final = frozenset({"killed", "caught by type check", "suspicious", "segfault"})
NOT_RUN: Final = frozenset({"not checked", "skipped", "check was interrupted by user"})


def module_of(name: str) -> str:
    """``openrouter_credits.cli.x__money__mutmut_3`` → ``cli`` (subpackages: ``a.b``)."""
    parts = name.removeprefix(PACKAGE + ".").split(".")
    return ".".join(p for p in parts if not p.startswith(("x_", "xǁ")))


def selected(name: str, modules: Sequence[str]) -> bool:
    """Whether mutant ``name`` is in one of ``modules`` (a subpackage holds its modules)."""
    module = module_of(name)
    return not modules or any(module == m or module.startswith(m + ".") for m in modules)


def _order(module: str, durations: Mapping[str, float]) -> Any:
    """Topic tests first, then the rest, each group fastest first."""
    topics = TOPICS.get(module, ())
    return lambda test: (not test.startswith(topics), durations.get(test, 0.0), test)


def within_budget(function: str, tests: Iterable[str], durations: Mapping[str, float]) -> set[str]:
    """The tests a mutant of ``function`` runs: in :func:`_order` until their recorded seconds
    pass the module's budget (at least one)."""
    module = module_of(function)
    chosen: set[str] = set()
    spent = 0.0
    for test in sorted(tests, key=_order(module, durations)):
        spent += durations.get(test, 0.0)
        if chosen and spent > BUDGET_BY_MODULE.get(module, BUDGET_SECONDS):
            break
        chosen.add(test)
    return chosen


# --- the run's pytest plugin (pyproject.toml: -p tools.mutation) -------------------------


def in_order(items: list[Any], mutant: str, durations: Mapping[str, float]) -> None:
    """A mutant's tests in :func:`_order` (``-x`` stops at the first kill); mutmut's own
    runs (stats, clean, forced fail) keep pytest's order."""
    if "__mutmut_" in mutant:
        key = _order(module_of(mutant), durations)
        items.sort(key=lambda item: key(item.nodeid))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[Any]) -> None:
    from hypothesis import settings

    stats = Path("mutmut-stats.json")  # mutmut's record; the run's cwd is mutants/
    durations = json.loads(stats.read_text())["duration_by_test"] if stats.exists() else {}
    in_order(items, os.environ.get("MUTANT_UNDER_TEST", ""), durations)
    for item in items:  # the same verdict on every run, in less time
        test = getattr(item, "obj", None)
        chosen = getattr(test, "_hypothesis_internal_use_settings", None)
        if chosen is not None:
            fewer = min(chosen.max_examples, 30)
            new = settings(chosen, max_examples=fewer, derandomize=True, database=None)
            test._hypothesis_internal_use_settings = new  # type: ignore[union-attr]
    gc.freeze()  # what collection made is never garbage: each gc.collect() below skips it


def pytest_configure(config: Any) -> None:
    # The collector runs between tests only: free to run anywhere, it crashed mutmut's
    # stats run (SIGSEGV in the trampoline's ContextVar.set; finalizers of dropped clients).
    gc.disable()


def pytest_runtest_setup(item: Any) -> None:
    gc.collect()
    # _checks caches each model's check plan: left filled, the plan-making code would be
    # reached by the first test only, and its mutants would go unseen.
    from openrouter_credits import _checks

    getattr(_checks, "_PLANS", {}).clear()


def pytest_runtest_logreport(report: Any) -> None:
    # mutmut's stats time a test's call only; a mutant waits for its setup and teardown too
    # (servers, the gc.collect above): its budget and time limit count the whole test.
    if report.when != "call" and os.environ.get("MUTANT_UNDER_TEST") == "stats":
        from mutmut.state import state

        durations = state().duration_by_test
        durations[report.nodeid] = durations.get(report.nodeid, 0.0) + report.duration


# --- running ------------------------------------------------------------------------------


def budgeted_mutmut(args: Sequence[str]) -> None:
    """mutmut's command line, with each function's tests cut by :func:`within_budget` once
    its stats are in. Leans on mutmut's ``collect_or_load_stats`` and ``state`` (mutmut is
    pinned: an upgrade without them fails here, loudly)."""
    import mutmut.__main__ as mutmut_main
    from mutmut.state import state

    collect = mutmut_main.collect_or_load_stats

    def collect_then_cut(*positional: Any, **keywords: Any) -> None:
        collect(*positional, **keywords)
        selected = state().tests_by_mangled_function_name
        for function, tests in selected.items():
            selected[function] = within_budget(function, tests, state().duration_by_test)

    mutmut_main.collect_or_load_stats = collect_then_cut
    mutmut_main.cli(args=list(args), prog_name="mutmut")


def run(modules: Sequence[str], workers: int) -> int:
    """A fresh build/mutation/ (the package copied under src/, links to the rest), then
    mutmut in it."""
    shutil.rmtree(STAGE, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "overlays" / PACKAGE, STAGE / "src" / PACKAGE, ignore=ignore)
    for name in LINKED:
        (STAGE / name).symlink_to(ROOT / name)
    names = [f"{PACKAGE}.{m}.*" for m in modules]
    command = ["mutmut", "run", "--max-children", str(workers), *names]
    print("+ cd build/mutation && " + " ".join(command), flush=True)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.call([sys.executable, "-m", "tools.mutation", *command], cwd=STAGE, env=env)


# --- results ------------------------------------------------------------------------------


def load_mutants() -> dict[str, str]:
    """Every mutant of the last run and mutmut's word for its status."""
    from mutmut.stats import status_by_exit_code

    found = {}
    for meta in sorted((STAGE / "mutants" / "src").rglob("*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        found.update({name: str(status_by_exit_code[code]) for name, code in codes.items()})
    return found


def load_equivalents(path: Path = EQUIVALENTS) -> dict[tuple[str, ...], str]:
    """(function, before, after) → the reason it is equivalent."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {tuple(m): g["reason"] for g in data["equivalent"] for m in g["mutants"]}


def equivalent_key(
    mutant: str, diff: str, equivalents: Mapping[tuple[str, ...], str]
) -> tuple[str, ...] | None:
    """The entry ``mutant`` matches (its function, and the removed and the added lines of
    its diff, each stripped), or None."""
    function = mutant.rpartition("__mutmut_")[0].rpartition(".")[2]
    lines = [line for line in diff.splitlines() if not line.startswith(("---", "+++"))]
    before, after = ("\n".join(x[1:].strip() for x in lines if x[:1] == s) for s in "-+")
    for key in ((function, before, after), (function, "*", "*")):
        if key in equivalents:
            return key
    return None


COLUMNS: Final = ("tried", "killed", "survived", "no tests", "timed out", "equiv.")


def _line(label: str, row: Counter[str]) -> str:
    real = row["tried"] - row["equiv."]
    score = f"{100 * (row['killed'] + row['timed out']) / real:.1f} %" if real > 0 else "-"
    line = f"{label:<16}" + "".join(f"{row[c]:>10}" for c in COLUMNS) + f"{score:>10}"
    return line + (f"{row['not run']:>10}" if row["not run"] else "")


def report(modules: Sequence[str]) -> int:
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    mutants = {m: s for m, s in load_mutants().items() if selected(m, modules)}
    if not mutants:
        print("tools/mutation.py: no results under build/mutation/ (run: make mutation)")
        return 1
    equivalents = load_equivalents()
    rows: dict[str, Counter[str]] = {}
    survivors: Counter[str] = Counter()
    used = set()
    os.chdir(STAGE)  # mutmut's diffs read mutants/ from here
    for mutant, status in mutants.items():
        row = rows.setdefault(module_of(mutant), Counter())
        row["not run" if status in NOT_RUN else "tried"] += 1
        if status in KILLED or status == "timeout":
            row["killed" if status in KILLED else "timed out"] += 1
        elif status not in NOT_RUN:
            diff = str(get_diff_for_mutant(mutant))
            key = equivalent_key(mutant, diff, equivalents)
            used.add(key)
            row["equiv." if key else "no tests" if status == "no tests" else "survived"] += 1
            if not key:
                survivors[mutant.rpartition("__mutmut_")[0]] += 1
    for function, n in sorted(survivors.items()):
        print(f"survivors: {n:>3}  {function}")
    print("\n" + f"{'module':<16}" + "".join(f"{c:>10}" for c in (*COLUMNS, "score", "not run")))
    for module in sorted(rows):
        print(_line(module, rows[module]))
    print(_line("total", sum(rows.values(), Counter())))
    print("score = (killed + timed out) / (tried - equiv.); equivalents from " + EQUIVALENTS.name)
    if not modules and not any(row["not run"] for row in rows.values()):
        for stale in sorted(equivalents.keys() - used):
            print(f"note: equivalent entry matches no surviving mutant: {stale[0]}: {stale[1]}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["mutmut"]:  # run()'s command, inside build/mutation/
        budgeted_mutmut(argv[1:])
        return 0
    parser = argparse.ArgumentParser(prog="tools/mutation.py", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("run", "table"))
    parser.add_argument("modules", nargs="*", metavar="MODULE", help="e.g. cli _redact")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="(run)")
    args = parser.parse_intermixed_args(argv)
    package = ROOT / "overlays" / PACKAGE
    paths = {m: package / m.replace(".", "/") for m in args.modules}
    unknown = [m for m, p in paths.items() if not (p.is_dir() or p.with_suffix(".py").exists())]
    if unknown:
        parser.error(f"not a module of {package.relative_to(ROOT)}: {', '.join(unknown)}")
    code = run(args.modules, args.workers) if args.command == "run" else 0
    if code:
        print(f"tools/mutation.py: mutmut exited with {code}", file=sys.stderr)
    return report(args.modules) or code


if __name__ == "__main__":
    sys.exit(main())
