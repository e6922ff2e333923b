from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongkai.cadence import MONTHS, add_months, next_due, period_end, period_start


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 1), -3, date(2025, 12, 1)),
    ],
)
def test_add_months_clamps_to_month_end(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("day", "every", "start", "end"),
    [
        (date(2026, 2, 14), "month", date(2026, 2, 1), date(2026, 2, 28)),
        (date(2028, 2, 14), "month", date(2028, 2, 1), date(2028, 2, 29)),
        (date(2026, 11, 20), "quarter", date(2026, 10, 1), date(2026, 12, 31)),
        (date(2026, 4, 1), "quarter", date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 6, 30), "half-year", date(2026, 1, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), "half-year", date(2026, 7, 1), date(2026, 12, 31)),
        (date(2026, 12, 31), "year", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_periods(day, every, start, end):
    assert (period_start(day, every), period_end(day, every)) == (start, end)


def test_due_dates():
    assert next_due(date(2026, 7, 6), "fixed", "half-year") == date(2027, 1, 6)
    assert next_due(date(2026, 11, 10), "periodic", "quarter") == date(2027, 3, 31)  # one in Q1 2027, by its end
    assert next_due(date(2026, 12, 31), "periodic", "month") == date(2027, 1, 31)
    assert next_due(date(2027, 12, 1), "periodic", "year") == date(2028, 12, 31)


@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)), st.sampled_from(sorted(MONTHS)))
def test_every_day_lies_in_exactly_its_period(day, every):
    start, end = period_start(day, every), period_end(day, every)
    assert start <= day <= end
    assert period_start(end, every) == start
    assert (end.month - start.month) % 12 + 1 == MONTHS[every] and start.day == 1
