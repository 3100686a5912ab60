"""The state of one installment as of any date, replayed from its events (pure; no ORM).

Events are the installment's own entries in date order: reductions (odpis) and restorations (the part of a
reduced installment that had already been paid and became an overpayment), and allocations of payments or
overpayment credits to its principal and interest.

**Interest convention** (OP art. 53 §4, 55 §2, 63 §1 — the one the whole engine uses):

* interest accrues from the day after the effective due date;
* at each payment date ``d`` (a day with an allocation to this installment) the interest accrued since the previous
  payment (or since the due date) up to ``d`` inclusive is computed on the principal outstanding in that interval
  (piecewise when a reduction changed it in between), **rounded to full złoty with the minimum applied**
  (:func:`~finance.domain.interest.rounded_interest`) and added to the interest carried;
* the payment is split between principal and that carried interest (art. 55 §2, done by the allocation) and the
  unpaid interest is carried forward with its grosze (art. 63 §3);
* new interest accrues on the remaining principal from the day after ``d``;
* as of a date with no payment, the interest owed is the carried interest plus the accrual since the last payment
  (or the due date) rounded the same way — i.e. what a payment on that date would be split against.

A reduction takes effect from its value date (interest on the reduced part stops that day).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from finance.domain.interest import ONE_DAY, RatePeriod, interest_exact, rounded_interest
from finance.domain.rounding import ZERO

REDUCTION = "reduction"
RESTORATION = "restoration"  # paid principal given back as an overpayment (raises principal outstanding)
PRINCIPAL_PAID = "principal_paid"
INTEREST_PAID = "interest_paid"
_PAYMENT_KINDS = (PRINCIPAL_PAID, INTEREST_PAID)


@dataclass(frozen=True)
class InstallmentEvent:
    date: datetime.date
    kind: str
    amount: Decimal


@dataclass(frozen=True)
class InstallmentState:
    principal: Decimal  # outstanding
    interest: Decimal  # owed as of the date (carried + rounded accrual since the last payment)
    interest_carried: Decimal  # fixed at payments and not yet paid
    interest_accrual_exact: Decimal  # unrounded accrual since the last payment / due date
    principal_paid: Decimal
    interest_paid: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


def installment_state(
    *,
    amount: Decimal,
    charged_on: datetime.date,
    due_date: datetime.date,
    events: Sequence[InstallmentEvent],
    as_of: datetime.date,
    rates: Sequence[RatePeriod],
    minimum: Decimal,
    interest_applies: bool = True,
) -> InstallmentState:
    """Replay ``events`` (any order; sorted here, stable) up to ``as_of`` inclusive."""
    if as_of < charged_on:
        return InstallmentState(ZERO, ZERO, ZERO, ZERO, ZERO, ZERO)
    principal = Decimal(amount)
    carried = ZERO
    accrued = Decimal(0)
    cursor = due_date + ONE_DAY  # first day not yet accrued
    principal_paid = interest_paid = ZERO

    def accrue(until: datetime.date) -> None:
        nonlocal accrued, cursor
        if interest_applies and until >= cursor and principal > 0:
            accrued += interest_exact(principal, cursor, until, rates)
        cursor = max(cursor, until + ONE_DAY)

    ordered = sorted((e for e in events if e.date <= as_of), key=lambda e: e.date)
    i = 0
    while i < len(ordered):
        day = ordered[i].date
        same_day = []
        while i < len(ordered) and ordered[i].date == day:
            same_day.append(ordered[i])
            i += 1
        if any(e.kind in _PAYMENT_KINDS for e in same_day):
            accrue(day)
            carried += rounded_interest(accrued, minimum)
            accrued = Decimal(0)
        else:
            accrue(day - ONE_DAY)
        for e in same_day:
            if e.kind == REDUCTION:
                principal -= e.amount
            elif e.kind == RESTORATION:
                principal += e.amount
            elif e.kind == PRINCIPAL_PAID:
                principal -= e.amount
                principal_paid += e.amount
            elif e.kind == INTEREST_PAID:
                carried -= e.amount
                interest_paid += e.amount
            else:
                raise ValueError(f"Unknown installment event {e.kind!r}")
    accrue(as_of)
    return InstallmentState(
        principal=principal,
        interest=carried + rounded_interest(accrued, minimum),
        interest_carried=carried,
        interest_accrual_exact=accrued,
        principal_paid=principal_paid,
        interest_paid=interest_paid,
    )
