"""``make mutation``: mutation testing of the hand-written package with mutmut, and its table.

``python tools/mutation.py run [MODULE ...] [--workers N]`` copies the package into a
staging tree under ``build/mutation/`` laid out as mutmut expects (``src/openrouter_credits``,
with ``generated/`` copied in as ``_generated``, which is never mutated), runs ``mutmut run``
there (each mutant against the tests that reach its function, cut to its module's
budget: :func:`within_budget`), and prints the per-module table.
``python tools/mutation.py table`` prints the table of the last run again;
``python tools/mutation.py survivors [MODULE ...]`` shows the diff of every real survivor.

Mutants that cannot change behaviour are listed, each with a one-line reason, in
``tools/mutation-equivalents.toml``; they are left out of the score and of the survivors.
docs/maintaining/mutation-testing.md says how to read the table and act on survivors.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

ROOT: Final = Path(__file__).resolve().parent.parent
STAGE: Final = ROOT / "build" / "mutation"
PACKAGE: Final = "openrouter_credits"
EQUIVALENTS: Final = ROOT / "tools" / "mutation-equivalents.toml"

#: Modules mutated (the hand-written layer). Not mutated: generated/ (checked by
#: regeneration), testing.py (the stand-in server is test tooling; the tests test it),
#: _version.py, __main__.py, __init__.py (re-exports only).
MODULES: Final = (
    "_body",
    "_calls",
    "_checks",
    "_clamped",
    "_cli_common",
    "_constants",
    "_deadline",
    "_headers",
    "_options",
    "_plugin",
    "_prometheus",
    "_redact",
    "_responses",
    "_retry_core",
    "_thresholds",
    "_transport",
    "cli",
    "client",
    "errors",
    "models",
    "retries",
    "utils",
)
#: Test files that exercise the package in-process. Left out: the packaging, vendoring,
#: spec-slicing, contract (Prism) and benchmark tests, which run other processes or test
#: other code and could not see a mutant anyway, and the stand-in server's own tests
#: (testing.py is not mutated). A subprocess never sees a mutant either: the
#: command line's subprocess tests count only through their in-process twins.
TEST_FILES: Final = (
    "tests/cli",
    "tests/client",
    "tests/reliability",
    "tests/http/test_attempt_budget.py",
    "tests/client/test_body_checks.py",
    "tests/http/test_body_reading.py",
    "tests/http/test_boundaries.py",
    "tests/client/test_category_rules.py",
    "tests/http/test_clamped_streams.py",
    "tests/client/test_client_defaults.py",
    "tests/client/test_closing.py",
    "tests/client/test_conformance.py",
    "tests/cli/test_deadline.py",
    "tests/client/test_debug_and_tls.py",
    "tests/client/test_dropin.py",
    "tests/client/test_no_response.py",
    "tests/client/test_official_messages.py",
    "tests/cli/test_plugin.py",
    "tests/cli/test_prometheus.py",
    "tests/client/test_redaction.py",
    "tests/client/test_retries.py",
    "tests/http/test_slow_servers.py",
    "tests/cli/test_thresholds.py",
)
#: The test files and folders not in TEST_FILES, on purpose (the reasons above).
#: tests/tooling/test_mutation_selection.py fails on a test file in neither list, so a new topic
#: file is not left out of the run by accident (three were: their mutants all survived).
NOT_SELECTED: Final = (
    "tests/docs",
    "tests/spec",
    "tests/tooling/test_bench.py",
    "tests/test_layers.py",
    "tests/spec/test_contract.py",
    "tests/tooling/test_mutation_selection.py",
    "tests/shipping/test_publish.py",
    "tests/testing/test_cli.py",
    "tests/testing/test_faults.py",
    "tests/testing/test_server.py",
    "tests/shipping/test_vendor.py",
    "tests/shipping/test_wheel.py",
)
#: Tests in those files left out: they run make or tools/ (nothing of the package in
#: process), or are load and property sweeps of many seconds whose behaviours faster tests
#: pin too (a mutant is run against every test that reaches it: seconds add up).
DESELECT: Final = (
    # A subprocess and 30 s of waiting when it fails: a mutant can never show in it.
    "tests/cli/test_failures.py::test_ctrl_c_exits_130_quietly",
    "tests/cli/test_output.py::test_demo_does_not_wait_forever_for_the_server",
    "tests/reliability/test_load.py::test_200_concurrent_async_calls_on_one_client",
    "tests/reliability/test_cli_secrets.py::test_command_line_output_never_shows_the_key",
    "tests/reliability/test_load.py::test_8_threads_x_100_calls_on_one_sync_client",
    "tests/reliability/test_properties_responses.py::"
    "test_any_response_ends_in_the_credits_or_a_documented_error",
    "tests/reliability/test_properties_responses.py::test_any_response_ends_the_same_way_async",
)
#: Each mutant runs the tests that reach its function: first its module's own topic tests
#: (below: the tests written for that module's behaviour), then the rest, each group fastest
#: first, until their recorded durations add up to the module's budget in seconds; the rest
#: is not run for that mutant (:func:`within_budget`, applied to mutmut's own record of the
#: tests, so its wall-clock limit per mutant is the budget's too). A killed mutant usually
#: dies in its first few tests; a survivor runs its whole budget, a mutant that hangs a
#: test waits (budget + 10 s) x 2: this is what makes a whole run fit in about 30 minutes.
#: A survivor that only a test beyond the budget would kill shows as a survivor: a test in
#: the module's topic file is the fix.
BUDGET_SECONDS: Final = 3.0
BUDGET_BY_MODULE: Final = {
    "_clamped": 15.0,  # only the slow-server tests show a clamped timeout
    "_deadline": 8.0,
    "_transport": 8.0,
    "_plugin": 5.0,
    "_responses": 5.0,
    "cli": 5.0,
}
TOPICS: Final = {
    "_body": (
        "tests/http/test_body_reading.py",
        "tests/http/test_boundaries.py",
        "tests/reliability/test_large_bodies.py",
    ),
    "_calls": (
        "tests/client/test_retries.py",
        "tests/client/test_no_response.py",
    ),
    "_checks": ("tests/client/test_body_checks.py",),
    "_clamped": (
        "tests/http/test_clamped_streams.py",
        "tests/http/test_slow_servers.py",
        "tests/client/test_debug_and_tls.py",
    ),
    "_cli_common": ("tests/cli/",),
    "_deadline": ("tests/cli/test_deadline.py",),
    "_headers": ("tests/client/test_headers.py", "tests/client/test_category_rules.py"),
    "_options": (
        "tests/client/test_options.py",
        "tests/client/test_dropin.py",
        "tests/client/test_conformance.py",
        "tests/client/test_headers.py",
    ),
    "_plugin": ("tests/cli/test_plugin.py",),
    "_prometheus": ("tests/cli/test_prometheus.py",),
    "_redact": ("tests/client/test_redaction.py",),
    "_responses": (
        "tests/client/test_errors.py",
        "tests/client/test_official_messages.py",
        "tests/client/test_redaction.py",
    ),
    "_retry_core": ("tests/client/test_retries.py",),
    "_thresholds": ("tests/cli/test_thresholds.py", "tests/cli/test_plugin.py"),
    "_transport": (
        "tests/http/test_attempt_budget.py",
        "tests/client/test_no_response.py",
        "tests/http/test_slow_servers.py",
    ),
    "cli": ("tests/cli/",),
    "client": (
        "tests/client/test_options.py",
        "tests/client/test_closing.py",
        "tests/client/test_client_defaults.py",
    ),
    "errors": ("tests/client/test_errors.py", "tests/client/test_official_messages.py"),
    "retries": ("tests/client/test_retries.py",),
}
#: A pytest plugin for the mutation run only (written into the staging tree): Hypothesis
#: tests run fewer, derandomized examples, so a mutant's verdict is the same every run;
#: the body checker's per-class cache is emptied before each test; a mutant's tests run
#: topic first, then fastest first (TOPICS passed in MUTATION_TOPICS).
PLUGIN: Final = "mutation_profile"
PLUGIN_SOURCE: Final = """\
import json
import os
from pathlib import Path
from typing import Any

from hypothesis import settings

_DURATIONS: dict[str, float] = {}


def _durations() -> dict[str, float]:
    # mutmut's own record of each test's duration (the run's cwd is mutants/).
    if not _DURATIONS:
        stats = json.loads(Path("mutmut-stats.json").read_text(encoding="utf-8"))
        _DURATIONS.update(stats["duration_by_test"])
    return _DURATIONS


def _in_order(items: list[Any]) -> None:
    # The tests mutmut chose for this mutant (already cut to the budget, see within_budget
    # in tools/mutation.py) run topic tests first, then fastest first: -x stops at a kill.
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if "__mutmut_" not in mutant or "MUTATION_TOPICS" not in os.environ:
        return  # the stats, clean and forced-fail runs keep pytest's order
    topics = tuple(json.loads(os.environ["MUTATION_TOPICS"]).get(mutant.split(".")[1], ()))
    durations = _durations()
    items.sort(key=lambda i: (not i.nodeid.startswith(topics), durations.get(i.nodeid, 0.0)))


def pytest_runtest_setup(item: Any) -> None:
    # _checks caches each model's check plan; left filled, the plan-making code would run
    # (and count as reached) in the first test only, and its mutants would go unseen.
    from openrouter_credits import _checks

    getattr(_checks, "_PLANS", {}).clear()


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    _in_order(items)
    for item in items:
        test = getattr(item, "obj", None)
        chosen = getattr(test, "_hypothesis_internal_use_settings", None)
        if chosen is not None:
            fewer = min(chosen.max_examples, 30)
            test._hypothesis_internal_use_settings = settings(
                chosen, max_examples=fewer, derandomize=True, database=None
            )
"""
#: Files the selected tests read next to the package.
ALSO_COPY: Final = (
    "docs/migrating.md",
    "docs/command-line.md",
    "openapi.yaml",
    "CHANGELOG.md",
    f"{PLUGIN}.py",
)

SPINNER: Final = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
PROGRESS_SECONDS: Final = 30.0

KILLED: Final = frozenset({"killed", "caught by type check", "suspicious", "segfault"})


@dataclass(frozen=True)
class Mutant:
    name: str  # openrouter_credits.cli.x__money__mutmut_3
    status: str  # mutmut's word: killed, survived, timeout, no tests, ...

    @property
    def module(self) -> str:
        return self.name.removeprefix(PACKAGE + ".").split(".")[0]

    @property
    def function(self) -> str:
        return self.name.rpartition("__mutmut_")[0]


@dataclass(frozen=True)
class Equivalent:
    function: str
    before: str
    after: str
    reason: str


def _exit_status(code: int | None) -> str:
    from mutmut.stats import status_by_exit_code

    return str(status_by_exit_code[code])


# --- staging -------------------------------------------------------------------------


def _pyproject() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    text, n = re.subn(r"(?m)^pythonpath = \[.*\]$", 'pythonpath = ["src", "."]', text)
    if n != 1:
        raise SystemExit("tools/mutation.py: no pytest pythonpath line in pyproject.toml")
    selected = [f for f in TEST_FILES if (ROOT / f).exists()]
    # xdist stays off: mutmut runs and times each mutant's tests in its own process.
    cli_args = ["-p", "no:cacheprovider", "-p", "no:xdist", "-p", PLUGIN, "-q", "-x", "--no-header"]
    cli_args += [f"--deselect={d}" for d in DESELECT]
    mutmut = {
        "source_paths": ["src"],
        "only_mutate": [f"src/{PACKAGE}/{m}.py" for m in MODULES],
        "pytest_add_cli_args": cli_args,
        "pytest_add_cli_args_test_selection": selected,
        "also_copy": list(ALSO_COPY),
        "use_git_change_detection": False,
        # Each mutant's worker is forked from a process that has only collected the tests,
        # not run them: state cached by a run (the body-check plans of _checks) would
        # otherwise hide the mutants of the code that fills it.
        "process_isolation": "forkserver",
        # mutmut's wall-clock limit per mutant: (recorded seconds of its tests, cut to the
        # budget by budgeted_mutmut, + 10) x 2: a survivor is never cut short, a mutant that
        # hangs a test waits under a minute (with every reaching test, up to 5 minutes).
        "timeout_multiplier": 2.0,
        "timeout_constant": 10.0,
    }
    lines = ["", "[tool.mutmut]"] + [f"{k} = {json.dumps(v)}" for k, v in mutmut.items()]
    return text + "\n".join(lines) + "\n"


def stage() -> None:
    """A fresh build/mutation/: src/openrouter_credits (generated/ copied in), tests, config."""
    if STAGE.exists():
        shutil.rmtree(STAGE)
    package = STAGE / "src" / PACKAGE
    ignore = shutil.ignore_patterns("__pycache__", "_generated")
    shutil.copytree(ROOT / "overlays" / PACKAGE, package, ignore=ignore)
    shutil.copytree(ROOT / "generated", package / "_generated", ignore=ignore)
    shutil.copytree(ROOT / "tests", STAGE / "tests", ignore=ignore)
    for name in ALSO_COPY[:-1]:
        (STAGE / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, STAGE / name)
    (STAGE / "pyproject.toml").write_text(_pyproject(), encoding="utf-8")
    (STAGE / f"{PLUGIN}.py").write_text(PLUGIN_SOURCE, encoding="utf-8")


def _restage_tests() -> None:
    """New tests for the last run's mutants: the package must be as it was staged."""
    staged = STAGE / "src" / PACKAGE
    for source in (ROOT / "overlays" / PACKAGE).glob("*.py"):
        if not filecmp.cmp(source, staged / source.name, shallow=False):
            raise SystemExit(
                f"tools/mutation.py: {source.name} changed since the last run: run all"
            )
    shutil.rmtree(STAGE / "tests")
    shutil.copytree(ROOT / "tests", STAGE / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    (STAGE / "pyproject.toml").write_text(_pyproject(), encoding="utf-8")
    (STAGE / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)  # tests are recounted


def within_budget(function: str, tests: Iterable[str], durations: Mapping[str, float]) -> set[str]:
    """The tests a mutant of ``function`` runs: its module's topic tests first, then the
    rest, each group fastest first, until their recorded seconds pass the module's budget
    (at least one test)."""
    module = function.removeprefix(PACKAGE + ".").split(".")[0]
    budget = BUDGET_BY_MODULE.get(module, BUDGET_SECONDS)
    topics = TOPICS.get(module, ())
    ordered = sorted(tests, key=lambda t: (not t.startswith(topics), durations.get(t, 0.0), t))
    chosen: set[str] = set()
    spent = 0.0
    for test in ordered:
        spent += durations.get(test, 0.0)
        if chosen and spent > budget:
            break
        chosen.add(test)
    return chosen


def budgeted_mutmut(args: Sequence[str]) -> None:
    """mutmut's command line, each function's tests cut by :func:`within_budget` once the
    stats are in: mutmut then runs only those for a mutant, and bounds it in wall-clock
    time by their recorded seconds, not by those of every test that reached the function
    (a mutant that hangs a test waited minutes for nothing). Runs inside build/mutation.
    It leans on two names of mutmut's, ``collect_or_load_stats`` and ``state``: mutmut is
    pinned (requirements/mutation.txt), and an upgrade without them fails here, loudly."""
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


def run_mutmut(modules: Sequence[str], workers: int, survivors_only: bool = False) -> int:
    if survivors_only:
        _restage_tests()
        again = [m for m in load_mutants() if m.status not in KILLED | {"timeout"}]
        names = [m.name for m in again if not modules or m.module in modules]
        if not names:
            print("tools/mutation.py: no survivors to run again")
            return 0
    else:
        stage()
        names = [f"{PACKAGE}.{m}.*" for m in modules]
    here = str(Path(__file__).resolve())
    command = [sys.executable, here, "mutmut", "run", "--max-children", str(workers), *names]
    print("+ cd build/mutation && mutmut " + " ".join(command[3:]), flush=True)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "MUTATION_TOPICS": json.dumps(TOPICS)}
    with subprocess.Popen(
        command, cwd=STAGE, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    ) as process:
        assert process.stdout is not None
        with (STAGE / "mutmut-output.log").open("wb") as log:
            _quiet_progress(process.stdout, log)
    return process.returncode


def _quiet_progress(stream: IO[bytes], log: IO[bytes]) -> None:
    """Copy mutmut's output, with its spinner frames (``\\r``-separated) cut to one line
    every PROGRESS_SECONDS; all of it goes to ``log`` (build/mutation/mutmut-output.log)."""
    shown = 0.0
    pending = b""
    last = ""
    while chunk := stream.read1(4096):  # type: ignore[attr-defined]
        log.write(chunk)
        pending += chunk
        *frames, pending = re.split(rb"[\r\n]", pending)
        for raw in frames:
            text = raw.decode("utf-8", "replace").strip()
            if not text:
                continue
            if text[0] in SPINNER:
                last = text[1:].strip()
                if time.monotonic() - shown >= PROGRESS_SECONDS:
                    shown = time.monotonic()
                    print(f"  ... {last}", flush=True)
            else:
                print(text, flush=True)
    if last:
        print(f"  ... {last}", flush=True)


# --- results -------------------------------------------------------------------------


def load_mutants() -> list[Mutant]:
    found: list[Mutant] = []
    for meta in sorted((STAGE / "mutants" / "src").rglob("*.py.meta")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        for name, code in data["exit_code_by_key"].items():
            found.append(Mutant(name, _exit_status(code)))
    return found


def load_equivalents(path: Path = EQUIVALENTS) -> list[Equivalent]:
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        Equivalent(e["function"], e["before"].strip(), e["after"].strip(), e["reason"])
        for e in data.get("equivalent", [])
    ]


def diff(mutant: Mutant) -> str:
    """The unified diff of ``mutant`` against the original function."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    cwd = Path.cwd()
    os.chdir(STAGE)
    try:
        return str(get_diff_for_mutant(mutant.name))
    finally:
        os.chdir(cwd)


def changed_lines(text: str) -> tuple[str, str]:
    """The removed and the added lines of a diff, each stripped, joined by newlines."""
    lines = [line for line in text.splitlines() if not line.startswith(("---", "+++"))]
    before = "\n".join(line[1:].strip() for line in lines if line.startswith("-"))
    after = "\n".join(line[1:].strip() for line in lines if line.startswith("+"))
    return before, after


def is_equivalent(mutant: Mutant, text: str, equivalents: Iterable[Equivalent]) -> bool:
    before, after = changed_lines(text)
    return any(
        e.function == mutant.function
        and ((e.before, e.after) == ("*", "*") or (e.before, e.after) == (before, after))
        for e in equivalents
    )


@dataclass
class Row:
    tried: int = 0
    killed: int = 0
    survived: int = 0
    no_tests: int = 0
    timed_out: int = 0
    equivalent: int = 0
    not_run: int = 0

    @property
    def score(self) -> float | None:
        """Killed (or timed out) among the mutants that are not equivalent."""
        real = self.tried - self.equivalent
        return None if real <= 0 else 100.0 * (self.killed + self.timed_out) / real


def classify(
    mutants: Sequence[Mutant], equivalents: Sequence[Equivalent]
) -> tuple[dict[str, Row], list[tuple[Mutant, str]], set[Equivalent]]:
    """Per-module rows, the real survivors (with diffs), and the equivalents that matched."""
    rows: dict[str, Row] = {}
    survivors: list[tuple[Mutant, str]] = []
    used: set[Equivalent] = set()
    for mutant in mutants:
        row = rows.setdefault(mutant.module, Row())
        status = mutant.status
        if status in ("not checked", "skipped", "check was interrupted by user"):
            row.not_run += 1
            continue
        row.tried += 1
        if status in KILLED:
            row.killed += 1
        elif status == "timeout":
            row.timed_out += 1
        else:
            text = diff(mutant)
            match = [e for e in equivalents if is_equivalent(mutant, text, [e])]
            if match:
                row.equivalent += 1
                used.update(match)
            elif status == "no tests":
                row.no_tests += 1
                survivors.append((mutant, text))
            else:
                row.survived += 1
                survivors.append((mutant, text))
    return rows, survivors, used


def table(rows: dict[str, Row]) -> str:
    head: tuple[str, ...] = ("module", "tried", "killed", "survived", "no tests", "timed out")
    head = (*head, "equiv.", "score", "not run")
    lines = [f"{head[0]:<13}" + "".join(f"{h:>10}" for h in head[1:])]
    total = Row()
    for module in sorted(rows):
        row = rows[module]
        lines.append(_line(module, row))
        for name in (
            "tried",
            "killed",
            "survived",
            "no_tests",
            "timed_out",
            "equivalent",
            "not_run",
        ):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    lines.append(_line("total", total))
    return "\n".join(lines)


def _line(label: str, row: Row) -> str:
    score = "-" if row.score is None else f"{row.score:.1f} %"
    counts = (row.tried, row.killed, row.survived, row.no_tests, row.timed_out, row.equivalent)
    line = f"{label:<13}" + "".join(f"{n:>10}" for n in counts) + f"{score:>10}"
    return line + (f"{row.not_run:>10}" if row.not_run else "")


def report(modules: Sequence[str], show_diffs: bool) -> int:
    mutants = [m for m in load_mutants() if not modules or m.module in modules]
    if not mutants:
        print("tools/mutation.py: no results under build/mutation/ (run: make mutation)")
        return 1
    equivalents = load_equivalents()
    rows, survivors, used = classify(mutants, equivalents)
    if show_diffs:
        for mutant, text in survivors:
            print(f"# {mutant.name} ({mutant.status})\n{text}\n")
    else:
        names = Counter(m.function for m, _ in survivors)
        for function, n in sorted(names.items()):
            print(f"survivors: {n:>3}  {function}")
    not_run = sum(r.not_run for r in rows.values())
    print()
    print(table(rows))
    print(
        "score = (killed + timed out) / (tried - equivalent); "
        f"equivalents from {EQUIVALENTS.relative_to(ROOT)}"
        + (f"; {not_run} mutants not run" if not_run else "")
    )
    complete = {module for module, row in rows.items() if not row.not_run}
    if not modules:
        for stale in [e for e in equivalents if e not in used]:
            if stale.function.removeprefix(PACKAGE + ".").split(".")[0] in complete:
                print(f"note: equivalent entry matches no surviving mutant: {stale.function}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/mutation.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="stage, run mutmut, print the table")
    run.add_argument("modules", nargs="*", metavar="MODULE", help=", ".join(MODULES))
    run.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    run.add_argument(
        "--survivors",
        action="store_true",
        help="run only the last run's survivors again, against the current tests",
    )
    inner = sub.add_parser("mutmut", help="(used by run) mutmut, its tests cut to the budget")
    inner.add_argument("args", nargs=argparse.REMAINDER)
    for name, text in (("table", "the last run's table"), ("survivors", "each survivor's diff")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("modules", nargs="*", metavar="MODULE")
    args = parser.parse_args(argv)
    if args.command == "mutmut":
        budgeted_mutmut(args.args)
        return 0
    unknown = sorted(set(args.modules) - set(MODULES))
    if unknown:
        parser.error(f"not a mutated module: {', '.join(unknown)} (one of {', '.join(MODULES)})")
    if args.command == "run":
        code = run_mutmut(args.modules, args.workers, args.survivors)
        if code != 0:
            print(f"tools/mutation.py: mutmut exited with {code}", file=sys.stderr)
        return report(args.modules, show_diffs=False) or code
    return report(args.modules, show_diffs=args.command == "survivors")


if __name__ == "__main__":
    sys.exit(main())
