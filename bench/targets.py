"""The report's last section: the ratios the package aims at, and whether a run met them.

The targets and why they are what they are: BENCHMARKS.md. A ``--quick`` run lists them
but does not judge them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final

from bench.cells import TIMES, fmt_ratio, ratio, table, verdict
from bench.per_call import Contender

TARGET_PER_CALL: Final = 1.05
TARGET_IMPORT: Final = 1.15
TARGET_SDK_SLOWER: Final = 3.0


def targets(
    per_call: Sequence[Contender],
    imports: Mapping[tuple[str, str], float | None],
    quick: bool,
) -> list[str]:
    by = {c.key: c for c in per_call}
    nothing = Contender("", "", None)
    raw, pkg, sdk = by.get("raw", nothing), by.get("package", nothing), by.get("sdk", nothing)
    sdk_wall = ratio(sdk.wall, pkg.wall) if sdk.call else math.nan
    sdk_cpu = ratio(sdk.cpu, pkg.cpu) if sdk.call else math.nan
    wall = ratio(pkg.wall, raw.wall)
    cpu = ratio(pkg.cpu, raw.cpu)
    gen_wall = ratio(by.get("generated", nothing).wall, raw.wall)
    imp_user = ratio(imports.get(("openrouter_credits", "user")), imports.get(("httpx", "user")))
    imp_dev = ratio(imports.get(("openrouter_credits", "dev")), imports.get(("httpx", "dev")))
    per_call_target = f"`get_credits()` ≤ {TARGET_PER_CALL}{TIMES} raw httpx"
    import_target = f"`openrouter_credits` ≤ {TARGET_IMPORT}{TIMES} `httpx`"
    sdk_target = f"official SDK ≥ {TARGET_SDK_SLOWER:g}{TIMES} slower per call"
    checks = [  # label, measured ratio, whether it meets the target
        (f"per call, wall: {per_call_target}", wall, wall <= TARGET_PER_CALL),
        (f"per call, CPU: {per_call_target}", cpu, cpu <= TARGET_PER_CALL),
        (f"import, user install: {import_target}", imp_user, imp_user <= TARGET_IMPORT),
        (f"import, this .venv: {import_target}", imp_dev, imp_dev <= TARGET_IMPORT),
        (f"{sdk_target}, wall", sdk_wall, sdk_wall >= TARGET_SDK_SLOWER),
        (f"{sdk_target}, CPU", sdk_cpu, sdk_cpu >= TARGET_SDK_SLOWER),
    ]
    return [
        "## Ratios and targets",
        "",
        f"- *{TIMES} raw*: this package's time per call over raw httpx's "
        f"(1.00{TIMES} = no cost over the floor; the generated call alone: "
        + fmt_ratio(gen_wall)
        + " wall).",
        f"- *{TIMES} httpx* (import): importing this package over importing httpx alone, which "
        "this package cannot avoid.",
        "- *SDK slower*: the official SDK's time per call over this package's.",
        "",
        table(
            ["target", "measured", "verdict"],
            [[label, fmt_ratio(value), verdict(value, ok, quick)] for label, value, ok in checks],
        ),
    ]
