"""Payment schedules of an assessed tax (pure; the weekend/holiday shift comes in as a function).

``shift`` is a ``Callable[[date], date]`` returning the date itself when it is a working day, else the next working
day (OP art. 12 §5 — Saturdays count as holidays). Build it from core.domain.calendar with the holidays as data:
``lambda d: next_working_day(d, holidays)``.

Conventions (``YearSettings``):

* ``grosze`` (default): equal installments in grosze; each of the first ones is the equal share truncated to the
  grosz and the **last** one absorbs the remainder, so Σ installments = tax exactly (727 → 181.75 × 4; 103 over 3 →
  34.33, 34.33, 34.34);
* ``zloty_first``: whole złoty, the remainder in the **first** one (727 → 184, 181, 181, 181).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, Decimal

from taxes.domain.engine import DEFAULT_CONVENTIONS, Conventions, round_tax

Shift = Callable[[datetime.date], datetime.date]
GROSZ = Decimal("0.01")
ZLOTY = Decimal("1")
DELIVERY_DAYS = 14

NATURAL, LEGAL, TRANSPORT = "natural", "legal", "transport"
NATURAL_DATES = ((3, 15), (5, 15), (9, 15), (11, 15))  # upol art. 6 ust. 7, upr art. 6a, upl art. 6
TRANSPORT_DATES = ((2, 15), (9, 15))  # upol art. 11


@dataclass(frozen=True)
class Installment:
    number: int
    nominal_due: datetime.date  # the statutory date (or the 14th day after delivery)
    due: datetime.date  # shifted off weekends and holidays
    amount: Decimal


@dataclass(frozen=True)
class PaymentPlan:
    """What a decision (or a self-assessment) says about payment: ``decision`` False when the tax does not exceed
    the no-decision threshold (then no installments); ``single`` when paid at once."""

    amount: Decimal
    decision: bool
    single: bool
    installments: tuple[Installment, ...]


def split_amount(amount: Decimal, count: int, rounding: str = "grosze") -> list[Decimal]:
    """``count`` installments summing to ``amount`` exactly (see the module's conventions)."""
    amount = Decimal(amount)
    if count < 1:
        raise ValueError("count must be positive")
    if rounding == "zloty_first":
        part = (amount / count).quantize(ZLOTY, rounding=ROUND_DOWN)
        return [amount - part * (count - 1)] + [part] * (count - 1)
    if rounding != "grosze":
        raise ValueError(f"unknown installment rounding {rounding!r}")
    part = (amount / count).quantize(GROSZ, rounding=ROUND_DOWN)
    return [part] * (count - 1) + [amount - part * (count - 1)]


def _dates(year: int, dates: Sequence[tuple[int, int]]) -> list[datetime.date]:
    return [datetime.date(year, m, d) for m, d in dates]


def natural_person_dates(year: int, start: datetime.date | None = None) -> list[datetime.date]:
    """15.03/15.05/15.09/15.11; for an obligation starting mid-year only the dates on/after its start. When none is
    left (a start after 15 November) the single date is the start itself — the decision is delivered later, so
    OP art. 47 §2 (:func:`due_dates_after_delivery`) sets the real due date."""
    dates = _dates(year, NATURAL_DATES)
    if start is None or start.year < year:
        return dates
    left = [d for d in dates if d >= start]
    return left or [start]


def legal_person_dates(year: int, start: datetime.date | None = None) -> list[datetime.date]:
    """Monthly by the 15th, January by 31 January (upol art. 6 ust. 9); from the month the obligation starts."""
    first = 1 if start is None or start.year < year else start.month
    return [datetime.date(year, 1, 31) if m == 1 else datetime.date(year, m, 15) for m in range(first, 13)]


def transport_dates(year: int, start: datetime.date | None = None) -> list[datetime.date]:
    """upol art. 11: an obligation arising by 1 February — 15.02 and 15.09; arising after 1 February and before
    1 September — within 14 days of arising, and 15.09; arising after 31 August — once, within 14 days."""
    if start is None or start <= datetime.date(year, 2, 1):
        return _dates(year, TRANSPORT_DATES)
    first = start + datetime.timedelta(days=DELIVERY_DAYS)
    if start < datetime.date(year, 9, 1):
        return [first, datetime.date(year, 9, 15)]
    return [first]


def payment_plan(
    amount: Decimal,
    *,
    year: int,
    shift: Shift,
    payer: str = NATURAL,
    start: datetime.date | None = None,
    conventions: Conventions = DEFAULT_CONVENTIONS,
) -> PaymentPlan:
    """The installments of ``amount`` (a tax already rounded to full złoty) for ``payer`` ``natural`` (decision),
    ``legal`` (monthly self-assessment) or ``transport``; ``start`` is the first day of the obligation.

    Natural persons: no decision when the tax ≤ ``no_decision_threshold``; paid once by the first installment date
    when the (rounded) tax ≤ ``single_payment_threshold`` (upol art. 6 ust. 11a — 100.49 → 100 → once, 100.50 → 101
    → installments); otherwise split equally over the dates (see :func:`split_amount`)."""
    amount = round_tax(amount)
    if payer == NATURAL:
        if amount <= conventions.no_decision_threshold:
            return PaymentPlan(amount, False, False, ())
        dates = natural_person_dates(year, start)
        if amount <= conventions.single_payment_threshold:
            dates = dates[:1]
    elif payer == LEGAL:
        dates = legal_person_dates(year, start)
    elif payer == TRANSPORT:
        dates = transport_dates(year, start)
    else:
        raise ValueError(f"unknown payer {payer!r}")
    parts = split_amount(amount, len(dates), conventions.installment_rounding)
    installments = tuple(
        Installment(n, day, shift(day), part) for n, (day, part) in enumerate(zip(dates, parts, strict=True), 1)
    )
    return PaymentPlan(amount, True, len(installments) == 1, installments)


def due_dates_after_delivery(
    installments: Sequence[Installment], delivered_on: datetime.date, shift: Shift
) -> list[Installment]:
    """OP art. 47 §2: an installment due less than 14 days after the decision's delivery is due on the 14th day
    after delivery (delivered 4.03.2024 → 18.03.2024; delivered 1.03 keeps 15.03), shifted off weekends and
    holidays. Amounts are unchanged."""
    limit = delivered_on + datetime.timedelta(days=DELIVERY_DAYS)
    return [
        replace(i, nominal_due=limit, due=shift(limit))
        if i.nominal_due < limit
        else replace(i, due=shift(i.nominal_due))
        for i in installments
    ]
