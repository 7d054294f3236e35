"""The cells of the report's Markdown tables: figures, ratios, verdicts, and the table."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Final

from bench.settings import NOT_INSTALLED

TIMES: Final = "\N{MULTIPLICATION SIGN}"


class Medians:
    """``wall`` and ``cpu``: the medians of what was measured (``walls``, ``cpus``), NaN
    when nothing was."""

    walls: list[float]
    cpus: list[float]

    @property
    def wall(self) -> float:
        return statistics.median(self.walls) if self.walls else math.nan

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus) if self.cpus else math.nan


def ratio(a: float | None, b: float | None) -> float:
    if a is None or b is None or not b or math.isnan(a) or math.isnan(b):
        return math.nan
    return a / b


def fmt(value: float | None, digits: int = 1, suffix: str = "") -> str:
    if value is None or math.isnan(value):
        return NOT_INSTALLED
    return f"{value:,.{digits}f}{suffix}"


def fmt_ratio(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f}{TIMES}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(value: float, ok: bool, quick: bool) -> str:
    if math.isnan(value):
        return "not measured"
    if quick:
        return "(quick run: not judged)"
    return "**met**" if ok else "**missed**"
