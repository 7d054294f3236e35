"""The monitoring plugin's forecast: the burn rate (from ``total_usage`` alone, so a
top-up is no use) and the days left, from the readings :mod:`._state` keeps. Arithmetic on
the times given, no clock; docs/monitoring.md#days-left---state-file has the rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import attrs

__all__ = ["MAX_READINGS", "Forecast", "Reading", "forecast", "keep"]

DAY: Final = 86400.0
#: The most readings kept: a reading every ~15 minutes of a 24 h window, thinned evenly
#: beyond that (the file stays a few kilobytes whatever the check interval).
MAX_READINGS: Final = 100


@attrs.frozen
class Reading:
    """One successful read: Unix time, ``total_usage`` and ``total_credits``."""

    time: float
    usage: float
    credits: float


@attrs.frozen
class Forecast:
    """What the readings say. ``rate`` (credits/day) is ``None`` without two readings at
    different times; ``days_left`` is 0 when nothing remains, else ``None`` then and when
    nothing was used."""

    rate: float | None
    days_left: float | None


def keep(readings: Sequence[Reading], new: Reading, window: float) -> list[Reading]:
    """The readings to store with ``new``, in time order (overlapping runs may record
    them out of order): those at most ``window`` seconds older than ``new``, and none from
    before a fall in usage (not this account's history: it starts again). Beyond
    `MAX_READINGS`, the reading closest to both its neighbours goes first."""
    recent = (r for r in readings if r.time >= new.time - window and r.time != new.time)
    kept = sorted([*recent, new], key=lambda r: r.time)
    falls = [i for i in range(1, len(kept)) if kept[i].usage < kept[i - 1].usage]
    if falls:
        kept = kept[falls[-1] :]
    while len(kept) > MAX_READINGS:
        gap = min(range(1, len(kept) - 1), key=lambda i: kept[i + 1].time - kept[i - 1].time)
        del kept[gap]
    return kept


def forecast(readings: Sequence[Reading]) -> Forecast:
    """The burn rate over ``readings`` (as `keep` returns them, at least one) and the days
    left at it, from the newest reading's remaining credits."""
    first, last = readings[0], readings[-1]
    remaining = last.credits - last.usage
    rate = None
    if last.time > first.time:
        rate = (last.usage - first.usage) / (last.time - first.time) * DAY
    if remaining <= 0:
        return Forecast(rate, 0.0)
    return Forecast(rate, remaining / rate if rate else None)
