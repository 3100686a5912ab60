"""Late-payment interest (odsetki za zwłokę, OP art. 53–56; regulation MF of 22.08.2005, §2–2b).

* interest runs from the day after the due date to the day of payment inclusive (art. 53 §4);
* ``principal × days × rate / 365`` (365 also in leap years), computed separately for every rate period;
* only the **sum** is rounded, to full złoty (art. 63 §1);
* it is not charged when the unrounded sum does not exceed the minimum (art. 54 §1 pkt 5, 8.70 zł; a dated
  parameter, passed in).

Rates are passed in as :class:`RatePeriod` (annual rate in percent, in force from ``valid_from``), read from the
dated reference table by the caller — never constants here.
"""

from __future__ import annotations

import datetime
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from finance.domain.rounding import ZERO, to_full_zloty

DAYS_IN_YEAR = Decimal(365)
HUNDRED_TIMES_YEAR = Decimal(36500)
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class RatePeriod:
    valid_from: datetime.date
    rate: Decimal  # annual, in percent (13.5 = 13.5 %)


@dataclass(frozen=True)
class InterestSegment:
    start: datetime.date
    end: datetime.date  # inclusive
    days: int
    rate: Decimal
    amount: Decimal  # unrounded


@dataclass(frozen=True)
class RateTable:
    """Ordered rate periods; accepted wherever a sequence of :class:`RatePeriod` is (computed once)."""

    ordered: tuple[RatePeriod, ...]
    starts: list[datetime.date]
    cumulative: list[Decimal]  # Σ rate × days from the first period's start to the day before each start


def rate_table(rates) -> RateTable:
    """The rates ordered by date with their prefix sums; build it once for many computations."""
    if isinstance(rates, RateTable):
        return rates
    return _ordered(tuple(rates))


@lru_cache(maxsize=64)
def _ordered(rates: tuple[RatePeriod, ...]) -> RateTable:
    ordered = tuple(sorted(rates, key=lambda r: r.valid_from))
    cumulative, total = [], Decimal(0)
    for i, period in enumerate(ordered):
        cumulative.append(total)
        if i + 1 < len(ordered):
            total += period.rate * (ordered[i + 1].valid_from - period.valid_from).days
    return RateTable(ordered, [r.valid_from for r in ordered], cumulative)


def _rate_days(table: RateTable, day: datetime.date) -> Decimal:
    """Σ rate × days over the days from the first rate's start to ``day`` inclusive (0 before it)."""
    i = bisect_right(table.starts, day) - 1
    if i < 0:
        return Decimal(0)
    return table.cumulative[i] + table.ordered[i].rate * ((day - table.starts[i]).days + 1)


def interest_segments(
    principal: Decimal, from_day: datetime.date, to_day: datetime.date, rates: Sequence[RatePeriod]
) -> list[InterestSegment]:
    """The per-rate pieces of interest on ``principal`` for the days ``from_day .. to_day`` inclusive."""
    if to_day < from_day or principal <= 0:
        return []
    table = rate_table(rates)
    ordered, starts = table.ordered, table.starts
    if not ordered or ordered[0].valid_from > from_day:
        raise ValueError(f"No interest rate in force on {from_day:%d.%m.%Y}")
    segments: list[InterestSegment] = []
    first = bisect_right(starts, from_day) - 1
    for i in range(first, len(ordered)):
        period = ordered[i]
        if period.valid_from > to_day:
            break
        period_end = ordered[i + 1].valid_from - ONE_DAY if i + 1 < len(ordered) else to_day
        start, end = max(from_day, period.valid_from), min(to_day, period_end)
        if start > end:
            continue
        days = (end - start).days + 1
        amount = Decimal(principal) * days * period.rate / Decimal(100) / DAYS_IN_YEAR
        segments.append(InterestSegment(start, end, days, period.rate, amount))
    return segments


def interest_exact(
    principal: Decimal, from_day: datetime.date, to_day: datetime.date, rates: Sequence[RatePeriod]
) -> Decimal:
    """Unrounded interest for the days ``from_day .. to_day`` inclusive (0 for an empty period): the sum over the
    rate periods, computed as ``principal × Σ(rate × days) / 100 / 365`` with a prefix sum of rate-days (the same
    value as adding the per-period amounts of :func:`interest_segments`, up to Decimal's 28th digit)."""
    if to_day < from_day or principal <= 0:
        return Decimal(0)
    table = rate_table(rates)
    if not table.ordered or table.starts[0] > from_day:
        raise ValueError(f"No interest rate in force on {from_day:%d.%m.%Y}")
    rate_days = _rate_days(table, to_day) - _rate_days(table, from_day - ONE_DAY)
    return Decimal(principal) * rate_days / HUNDRED_TIMES_YEAR


def rounded_interest(exact: Decimal, minimum: Decimal) -> Decimal:
    """The amount owed for an unrounded interest sum: 0 when it does not exceed the minimum, else full złoty."""
    if exact <= minimum:
        return ZERO
    return to_full_zloty(exact)


def interest_due(
    principal: Decimal,
    due_date: datetime.date,
    paid_on: datetime.date,
    rates: Sequence[RatePeriod],
    minimum: Decimal,
) -> Decimal:
    """Interest owed on ``principal`` due on ``due_date`` (the effective, working-day date) and paid on
    ``paid_on``: the rounded sum over the rate periods, 0 when paid on time or when it does not exceed the
    minimum. E3: 1000.00, 15.05.2025 → 24.06.2025 at 13.5 % = 14.7945 → 15."""
    return rounded_interest(interest_exact(principal, due_date + ONE_DAY, paid_on, rates), minimum)
