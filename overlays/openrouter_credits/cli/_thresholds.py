"""Threshold ranges, as the Monitoring Plugins Development Guidelines define them
(https://www.monitoring-plugins.org/doc/guidelines.html#THRESHOLDFORMAT).

A range ``[@]start:end`` alerts when a value is outside ``start..end`` (both inclusive), or
inside it with ``@``. ``start`` may be ``~`` (minus infinity) and defaults to 0 without a
colon; an empty ``end`` is plus infinity. So ``10`` alerts outside 0..10, ``10:`` below 10,
``~:10`` above 10, ``@10:20`` inside 10..20. The README's Monitoring section shows the
check's use of them.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from ._common import Exact

__all__ = ["Range", "parse_range"]

# Numbers as performance data allows them (the class [-0-9.]): no exponent, no sign "+".
_NUMBER: Final = r"-?(?:\d+(?:\.\d*)?|\.\d+)"
_RANGE: Final = re.compile(
    rf"(?P<inside>@)?(?:(?P<start>{_NUMBER}|~):)?(?P<end>{_NUMBER})?", re.ASCII
)


class Range(NamedTuple):
    """A parsed threshold range; ``None`` bounds are infinite. ``text`` is as given."""

    text: str
    start: Exact | None
    end: Exact | None
    inside: bool = False

    def alerts(self, value: Exact) -> bool:
        """Whether ``value`` raises this threshold's alert."""
        outside = (self.start is not None and value < self.start) or (
            self.end is not None and value > self.end
        )
        return not outside if self.inside else outside

    @property
    def below(self) -> Exact | None:
        """For a "below" range (``N:``, alerting under N): N; otherwise ``None``."""
        if self.inside or self.end is not None:
            return None
        return self.start


def parse_range(text: str) -> Range:
    """Parse ``text`` as a guidelines range; ``ValueError`` names what is wrong."""
    match = _RANGE.fullmatch(text)
    has_colon = ":" in text
    if not text or match is None or not (match["end"] or has_colon):
        raise ValueError(
            f"{text!r} is not a threshold range: use N: (alert below N), ~:N (above N), "
            "N:M (outside N..M), @N:M (inside N..M) or N (outside 0..N)"
        )
    start_text, end_text = match["start"], match["end"]
    if start_text == "~":
        start = None
    elif start_text is None:
        start = Exact(0)
    else:
        start = Exact(start_text)
    end = Exact(end_text) if end_text else None
    if start is not None and end is not None and start > end:
        raise ValueError(f"threshold range {text!r}: the start is greater than the end")
    return Range(text, start, end, inside=match["inside"] is not None)
