"""Threshold ranges (:mod:`openrouter_credits.cli._thresholds`), in process: the range
arithmetic the plugin's state rests on, and its refusals. The numbers it prints:
test_numbers.py."""

from __future__ import annotations

import pytest
from openrouter_credits.cli._common import Exact
from openrouter_credits.cli._thresholds import Range, parse_range

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
    assert [v for v in alerting + quiet if threshold.alerts(Exact(v))] == alerting


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("10", Range("10", Exact(0), Exact(10))),
        ("10:", Range("10:", Exact(10), None)),
        ("~:10", Range("~:10", None, Exact(10))),
        ("-5:.5", Range("-5:.5", Exact(-5), Exact("0.5"))),
        ("@1.5:2.", Range("@1.5:2.", Exact("1.5"), Exact(2), inside=True)),
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
    assert parse_range("10:").below == Exact(10)
    assert parse_range("-2.5:").below == Exact("-2.5")
    assert [parse_range(t).below for t in ("10", "@10:", "10:20", "~:", "~:5")] == [None] * 5
