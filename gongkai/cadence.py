"""Turns a cadence (month, quarter, half-year, year) and a date into calendar periods and due dates."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

MONTHS = {"month": 1, "quarter": 3, "half-year": 6, "year": 12}


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (Jan 31 + 1 month = Feb 28 or 29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def period_start(day: date, every: str) -> date:
    size = MONTHS[every]
    month = (day.month - 1) // size * size + 1
    return date(day.year, month, 1)


def period_end(day: date, every: str) -> date:
    return add_months(period_start(day, every), MONTHS[every]) - timedelta(days=1)


def next_due(last: date, kind: str, every: str) -> date:
    """Fixed items are renewed `every` after the last one; periodic ones need one item in each period, so the
    next is due by the end of the period after the last item's."""
    if kind == "fixed":
        return add_months(last, MONTHS[every])
    return period_end(add_months(period_start(last, every), MONTHS[every]), every)
