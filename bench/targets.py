"""The report's last section: the ratios the package aims at, and whether a run met them.

The targets and why they are what they are: BENCHMARKS.md. A ``--quick`` run lists them
but does not judge them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final

from bench.cells import TIMES, fmt_ratio, ratio, table, verdict
from bench.commands import Command
from bench.imports import BASELINE
from bench.per_call import Contender

TARGET_PER_CALL: Final = 1.05
TARGET_SDK_SLOWER: Final = 3.0
TARGET_IMPORT_MS: Final = 10.0  # over `import httpx, attrs, httpcore`, user install
TARGET_COMMAND: Final = 1.20
TARGET_COMMAND_VS_SDK: Final = 0.6


def _ms(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:+.1f} ms"


def _at_most(label: str, value: float, limit: float) -> tuple[str, float, str, bool]:
    return label, value, fmt_ratio(value), value <= limit


def targets(
    per_call: Sequence[Contender],
    imports: Mapping[tuple[str, str], float | None],
    commands: Sequence[Command],
    quick: bool,
) -> list[str]:
    by = {c.key: c for c in per_call}
    nothing = Contender("", "", None)
    raw, pkg, sdk = by.get("raw", nothing), by.get("package", nothing), by.get("sdk", nothing)
    araw, apkg = by.get("async-raw", nothing), by.get("async-package", nothing)
    floor = f"≤ {TARGET_PER_CALL}{TIMES} raw httpx"
    judged = [  # label, measured, as shown, whether it meets the target
        _at_most(
            f"per call, {mode}, {what}: `{call}()` {floor}",
            ratio(getattr(ours, what.lower()), getattr(base, what.lower())),
            TARGET_PER_CALL,
        )
        for mode, call, ours, base in (
            ("sync", "get_credits", pkg, raw),
            ("async", "get_credits_async", apkg, araw),
        )
        for what in ("CPU", "wall")
    ]
    for what in ("CPU", "wall"):
        value = ratio(getattr(sdk, what.lower()), getattr(pkg, what.lower()))
        label = f"official SDK ≥ {TARGET_SDK_SLOWER:g}{TIMES} slower per call, {what}"
        judged.append((label, value, fmt_ratio(value), value >= TARGET_SDK_SLOWER))
    package, baseline = imports.get(("openrouter_credits", "user")), imports.get((BASELINE, "user"))
    over = math.nan if package is None or baseline is None else package - baseline
    label = f"import, user install: `openrouter_credits` ≤ `{BASELINE}` + {TARGET_IMPORT_MS:g} ms"
    judged.append((label, over, _ms(over), over <= TARGET_IMPORT_MS))
    runs = {c.key: c for c in commands}
    floor_run = runs.get("raw")
    for key, name in (("cli", "`openrouter-credits --json`"), ("plugin", "the plugin")):
        run = runs.get(key)
        for what in ("wall", "CPU"):
            value = math.nan
            if run is not None and floor_run is not None:
                value = ratio(getattr(run, what.lower()), getattr(floor_run, what.lower()))
            label = f"whole run, {what}: {name} ≤ {TARGET_COMMAND}{TIMES} the raw httpx script"
            judged.append(_at_most(label, value, TARGET_COMMAND))
    cli, sdk_run = runs.get("cli"), runs.get("sdk")
    for what in ("wall", "CPU"):
        value = math.nan
        if cli is not None and sdk_run is not None:
            value = ratio(getattr(cli, what.lower()), getattr(sdk_run, what.lower()))
        label = (
            f"whole run, {what}: `openrouter-credits --json` ≤ {TARGET_COMMAND_VS_SDK}{TIMES} "
            "the official SDK's example"
        )
        judged.append(_at_most(label, value, TARGET_COMMAND_VS_SDK))
    return [
        "## Ratios and targets",
        "",
        table(
            ["target", "measured", "verdict"],
            [[label, shown, verdict(value, ok, quick)] for label, value, shown, ok in judged],
        ),
    ]
