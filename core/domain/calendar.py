"""Counting legal time limits (pure; the holidays come in as a set of dates).

KPA art. 57 (and Ordynacja podatkowa art. 12, worded the same):

* §1 — a limit in days: the day of the event that starts it is not counted; the limit ends when the last day ends.
  So a 14-day limit from an event on 3 March ends on 17 March (``start + 14 days``).
* §3 — a limit in months ends on the day of the last month that corresponds by number to the start day; if that
  month has no such day, on its last day (31 January + 1 month → 28/29 February).
* §4 — if the end falls on a public holiday or a Saturday, the limit ends on the next working day.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Collection


def is_working_day(day: datetime.date, holidays: Collection[datetime.date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def next_working_day(day: datetime.date, holidays: Collection[datetime.date]) -> datetime.date:
    """``day`` itself if it is a working day, else the first working day after it (art. 57 §4)."""
    while not is_working_day(day, holidays):
        day += datetime.timedelta(days=1)
    return day


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def deadline(
    start: datetime.date,
    *,
    days: int = 0,
    months: int = 0,
    holidays: Collection[datetime.date] = (),
    shift: bool = True,
) -> datetime.date:
    """The last day of a limit of ``days`` days or ``months`` months counted from the event on ``start``."""
    if days < 0 or months < 0 or (days and months):
        raise ValueError("give either days or months, not negative")
    end = add_months(start, months) if months else start + datetime.timedelta(days=days)
    return next_working_day(end, holidays) if shift else end


def working_days_between(start: datetime.date, end: datetime.date, holidays: Collection[datetime.date]) -> int:
    """Working days d with start < d <= end (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += is_working_day(day, holidays)
    return count
