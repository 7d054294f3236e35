"""The forecast's arithmetic (``cli/_forecast.py``) on readings at given times: which
readings are kept, the burn rate from usage only, the days left, the bound on readings."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openrouter_credits.cli._forecast import MAX_READINGS, Forecast, Reading, forecast, keep

HOUR = 3600.0
DAY = 24 * HOUR
T0 = 1_800_000_000.0


def at(hours: float, usage: float, credits: float = 100.0) -> Reading:
    return Reading(T0 + hours * HOUR, usage, credits)


def test_one_reading_gives_no_rate() -> None:
    assert forecast([at(0, 10)]) == Forecast(None, None)


def test_two_readings_at_the_same_time_give_no_rate() -> None:
    assert forecast([at(0, 10), at(0, 10)]) == Forecast(None, None)


def test_rate_per_day_and_days_left() -> None:
    # 12 credits used in 12 hours: 24 a day; 60 remaining: 2.5 days.
    assert forecast([at(0, 28), at(6, 34), at(12, 40)]) == Forecast(24.0, 2.5)


def test_no_use_gives_no_days_left() -> None:
    assert forecast([at(0, 40), at(12, 40)]) == Forecast(0.0, None)


def test_a_top_up_is_no_negative_use() -> None:
    """Credits bought between readings raise what remains, not the rate (from usage)."""
    readings = [at(0, 40, 100), at(12, 52, 200)]
    assert forecast(readings) == Forecast(24.0, (200 - 52) / 24.0)


@pytest.mark.parametrize("usage", [100.0, 100.5])
def test_nothing_left_is_zero_days_whatever_the_rate(usage: float) -> None:
    assert forecast([at(0, usage)]).days_left == 0.0  # one reading: no rate
    assert forecast([at(0, usage), at(1, usage)]) == Forecast(0.0, 0.0)


def test_keep_drops_readings_older_than_the_window() -> None:
    old, inside, new = at(-25, 1), at(-24, 2), at(0, 3)
    assert keep([old, inside], new, DAY) == [inside, new]


def test_keep_puts_a_late_reading_in_its_place() -> None:
    """Overlapping runs may record out of order: each reading goes where its time says."""
    assert keep([at(-1, 1), at(2, 4)], at(0, 3), DAY) == [at(-1, 1), at(0, 3), at(2, 4)]


def test_keep_orders_readings_by_time() -> None:
    assert keep([at(-1, 2), at(-2, 1)], at(0, 3), DAY) == [at(-2, 1), at(-1, 2), at(0, 3)]


def test_a_fall_in_usage_starts_the_history_again() -> None:
    """Usage never falls for one account: readings before a fall are someone else's."""
    assert keep([at(-2, 50), at(-1, 60)], at(0, 5), DAY) == [at(0, 5)]
    assert keep([at(-3, 50), at(-2, 4), at(-1, 5)], at(0, 6), DAY) == [
        at(-2, 4),
        at(-1, 5),
        at(0, 6),
    ]


def test_keep_thins_evenly_beyond_the_bound() -> None:
    """One reading a minute for a day: at most MAX_READINGS kept, the first and the newest
    among them, and no gap more than a few times the even spacing."""
    readings: list[Reading] = []
    for minute in range(24 * 60):
        readings = keep(readings, at(minute / 60, minute), DAY)
    assert len(readings) == MAX_READINGS
    assert readings[0] == at(0, 0) and readings[-1] == at((24 * 60 - 1) / 60, 24 * 60 - 1)
    gaps = [b.time - a.time for a, b in itertools.pairwise(readings)]
    assert max(gaps) <= 3 * DAY / MAX_READINGS


@given(
    st.lists(
        st.tuples(st.floats(0, 1000), st.floats(0, 50)),
        min_size=1,
        max_size=3 * MAX_READINGS,
    )
)
def test_keep_is_bounded_ordered_and_ends_with_the_new_reading(
    steps: list[tuple[float, float]],
) -> None:
    readings: list[Reading] = []
    now, usage = T0, 0.0
    for hours, used in steps:
        now, usage = now + hours * 60, usage + used
        new = Reading(now, usage, 100.0)
        readings = keep(readings, new, DAY)
        assert readings[-1] == new  # in time order
        assert len(readings) <= MAX_READINGS
        assert all(a.time < b.time for a, b in itertools.pairwise(readings))
        assert all(now - r.time <= DAY for r in readings)
