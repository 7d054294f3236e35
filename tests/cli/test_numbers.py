"""The commands' numbers (``Exact``, ``minus`` and ``shown`` in
:mod:`openrouter_credits.cli._common`), in process: decimal arithmetic on the shortest repr
of a float, and the one formatter the table, the status line and the perfdata print with.
The commands' output with them: test_output.py and test_plugin.py."""

from __future__ import annotations

import pytest
from openrouter_credits.cli._common import Exact, minus, shown


@pytest.mark.parametrize(
    ("total", "usage", "remaining"),
    [
        (0.3, 0.1, 0.2),  # not 0.19999999999999998
        (100.5, 25.75, 74.75),
        (1, 1.00001, -1e-05),
        (1e-05, 2e-05, -1e-05),
        (1e16, 0.5, 1e16),  # the nearest float to 9999999999999999.5
        (5, 0, 5.0),
    ],
)
def test_minus_is_decimal_arithmetic(total: float, usage: float, remaining: float) -> None:
    assert minus(total, usage) == remaining


@pytest.mark.parametrize(
    ("text", "places", "coefficient"),
    [
        ("10", 0, 10),
        ("-2.5", 1, -25),
        (".5", 1, 5),
        ("2.", 0, 2),
        ("2E+3", 0, 2000),
        ("1e-05", 5, 1),
        ("-0.000", 3, 0),
    ],
)
def test_exact_reads_decimal_text(text: str, places: int, coefficient: int) -> None:
    exact = Exact(text)
    assert (exact.coefficient, exact.places) == (coefficient, places)


def test_exact_compares_by_value() -> None:
    assert Exact(0.1) < Exact("0.10000000000000001")  # a float at its repr, not its binary
    assert Exact("1.50") == Exact(1.5)
    assert Exact(-3) < Exact("-2.999") < Exact(0) < Exact("1e-9")
    assert Exact(10) > Exact("9.99")
    assert Exact(1) != 1


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
        (Exact("1.50"), "1.5"),
        (Exact("-0.000"), "0"),
        (Exact("2E+3"), "2000"),
    ],
)
def test_every_digit_without_places(value: float | Exact, text: str) -> None:
    assert shown(value) == text


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (12345.678912, 4, "12,345.6789"),
        (1234567, 4, "1,234,567.0000"),
        (-2.5, 4, "-2.5000"),
        (0.00004, 4, "0.0000"),
        (-1e-05, 4, "0.0000"),  # rounds to zero: no sign
        (-0.004, 2, "0.00"),
        (0.00005, 4, "0.0000"),  # half to even
        (0.00015, 4, "0.0002"),
        (0.125, 2, "0.12"),
        (0.375, 2, "0.38"),
        (-0.375, 2, "-0.38"),
        (2.5, 0, "2"),
        (999.99995, 4, "1,000.0000"),
        (1e-05, 0, "0"),
    ],
)
def test_rounded_to_places(value: float, places: int, text: str) -> None:
    assert shown(value, places, grouping=True) == text
    assert shown(value, places) == text.replace(",", "")
