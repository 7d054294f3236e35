"""Threshold ranges and performance data, as the Monitoring Plugins Development Guidelines
define them (https://www.monitoring-plugins.org/doc/guidelines.html#THRESHOLDFORMAT).

A range ``[@]start:end`` alerts when a value is outside ``start..end`` (both inclusive), or
inside it with ``@``. ``start`` may be ``~`` (minus infinity) and defaults to 0 without a
colon; an empty ``end`` is plus infinity. So ``10`` alerts outside 0..10, ``10:`` below 10,
``~:10`` above 10, ``@10:20`` inside 10..20. The README's Monitoring section shows the
check's use of them.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

import attrs

__all__ = ["Range", "parse_range", "perf_number"]

# Numbers as performance data allows them (the class [-0-9.]): no exponent, no sign "+".
_NUMBER: Final = r"-?(?:\d+(?:\.\d*)?|\.\d+)"
_RANGE: Final = re.compile(
    rf"(?P<inside>@)?(?:(?P<start>{_NUMBER}|~):)?(?P<end>{_NUMBER})?", re.ASCII
)


@attrs.frozen
class Range:
    """A parsed threshold range; ``None`` bounds are infinite. ``text`` is as given."""

    text: str
    start: Decimal | None
    end: Decimal | None
    inside: bool = False

    def alerts(self, value: Decimal) -> bool:
        """Whether ``value`` raises this threshold's alert."""
        outside = (self.start is not None and value < self.start) or (
            self.end is not None and value > self.end
        )
        return not outside if self.inside else outside

    @property
    def below(self) -> Decimal | None:
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
        start = Decimal(0)
    else:
        start = Decimal(start_text)
    end = Decimal(end_text) if end_text else None
    if start is not None and end is not None and start > end:
        raise ValueError(f"threshold range {text!r}: the start is greater than the end")
    return Range(text, start, end, inside=match["inside"] is not None)


def perf_number(value: int | float | Decimal) -> str:
    """``value`` in plain decimal notation (``0.00001``, never ``1e-05``), as performance
    data and the status line need it; floats are taken at their shortest repr, without a
    trailing ``.0`` (the client reads a JSON ``1`` in a number field as ``1.0``)."""
    number = value if isinstance(value, Decimal) else Decimal(repr(value))
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text.lstrip("-").strip("0.") == "" else text
