"""Threshold ranges and performance-data numbers (:mod:`openrouter_credits.cli._thresholds`),
in process: the range arithmetic the plugin's state rests on, its refusals, and the plain
decimal numbers its perfdata and status line print."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openrouter_credits.cli._thresholds import Range, parse_range, perf_number

RANGE_HELP = (
    "use N: (alert below N), ~:N (above N), N:M (outside N..M), @N:M (inside N..M) "
    "or N (outside 0..N)"
)


@pytest.mark.parametrize(
    ("text", "alerting", "quiet"),
    [
        ("10", ["-1", "10.01"], ["0", "10"]),
        ("10:", ["9.99", "-5"], ["10", "1e9"]),
        ("~:10", ["10.5"], ["-1e9", "10"]),
        ("10:20", ["9", "21"], ["10", "20"]),
        ("@10:20", ["10", "20"], ["9", "21"]),
        ("-5:.5", ["-6", "0.6"], ["-5", "0.5"]),
        ("~:", [], ["-1e9", "1e9"]),
        ("5:5", ["4.99", "5.01"], ["5"]),  # a one-point range is allowed
        ("@5:5", ["5"], ["4.99", "5.01"]),
        ("@~:0", ["-1", "0"], ["0.01"]),
        ("@10", ["0", "10"], ["-0.01", "10.01"]),
        ("@10:", ["10", "1e9"], ["9.99"]),
        ("0", ["-0.01", "0.01"], ["0"]),
    ],
)
def test_ranges(text: str, alerting: list[str], quiet: list[str]) -> None:
    threshold = parse_range(text)
    assert threshold.text == text
    assert [v for v in alerting + quiet if threshold.alerts(Decimal(v))] == alerting


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("10", Range("10", Decimal(0), Decimal(10))),
        ("10:", Range("10:", Decimal(10), None)),
        ("~:10", Range("~:10", None, Decimal(10))),
        ("-5:.5", Range("-5:.5", Decimal(-5), Decimal("0.5"))),
        ("@1.5:2.", Range("@1.5:2.", Decimal("1.5"), Decimal(2), inside=True)),
        ("~:", Range("~:", None, None)),
    ],
)
def test_parsed_bounds(text: str, parsed: Range) -> None:
    assert parse_range(text) == parsed


@pytest.mark.parametrize("text", ["", ":10", "10:x", "+5:", "1e3:", "@", "10::", "~", " 5:", "٣:"])
def test_bad_ranges_say_what_ranges_look_like(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_range(text)
    assert str(caught.value) == f"{text!r} is not a threshold range: {RANGE_HELP}"


@pytest.mark.parametrize("text", ["5:1", "@0.5:.1", "-1:-2"])
def test_start_above_end_is_refused(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_range(text)
    assert str(caught.value) == f"threshold range {text!r}: the start is greater than the end"


def test_below() -> None:
    assert parse_range("10:").below == Decimal(10)
    assert parse_range("-2.5:").below == Decimal("-2.5")
    assert [parse_range(t).below for t in ("10", "@10:", "10:20", "~:", "~:5")] == [None] * 5


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1e-05, "0.00001"),
        (100.5, "100.5"),
        (7, "7"),
        (-0.0, "0"),
        (0, "0"),
        (0.0, "0"),
        (1.0, "1"),
        (10.0, "10"),
        (100, "100"),
        (-2.5, "-2.5"),
        (-1e-05, "-0.00001"),
        (1e16, "10000000000000000"),
        (1e-07, "0.0000001"),  # shorter than format(float, "f")'s six places
        (0.1 + 0.2, "0.30000000000000004"),  # every digit of the float
        (Decimal("1.50"), "1.5"),
        (Decimal("-0.000"), "0"),
        (Decimal("2E+3"), "2000"),
    ],
)
def test_perf_number(value: int | float | Decimal, text: str) -> None:
    assert perf_number(value) == text
