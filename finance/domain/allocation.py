"""Allocation of one payment (OP art. 62 §1, §1a and art. 55 §2), a pure function.

Order:

1. reminder costs (koszty upomnienia) first, oldest first (art. 62 §1a);
2. arrears — installments whose effective due date is before the payment date — one at a time: the oldest arrear
   of the indicated receivable type (a payment to an account dedicated to a type counts as an indication), and
   when there is none (or no indication), the oldest arrear overall; repeated while money and arrears remain;
3. current installments: those of the indicated type first, then the earliest due.

Within one installment, an amount that does not cover principal + interest (as of the payment date) is split
proportionally between them (art. 55 §2) with :func:`~finance.domain.rounding.split_proportional` (principal part
half-up to the grosz, interest = remainder; E5). Grosze are kept (art. 63 §3). What is left is an overpayment.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from finance.domain.rounding import ZERO, split_proportional, to_grosz

PRINCIPAL = "principal"
INTEREST = "interest"
COSTS = "costs"


@dataclass(frozen=True)
class CostItem:
    id: int
    amount: Decimal  # outstanding


@dataclass(frozen=True)
class OpenInstallment:
    id: int
    receivable_type: str
    due_date: datetime.date  # effective (working-day) due date
    principal: Decimal  # outstanding
    interest: Decimal = ZERO  # owed as of the payment date (rounded, art. 63 §1)


@dataclass(frozen=True)
class Allocation:
    target: str  # "cost" or "installment"
    item_id: int
    component: str  # principal / interest / costs
    amount: Decimal


@dataclass(frozen=True)
class AllocationResult:
    allocations: list[Allocation] = field(default_factory=list)
    remainder: Decimal = ZERO  # overpayment

    @property
    def allocated(self) -> Decimal:
        return sum((a.amount for a in self.allocations), ZERO)


def _cover(remaining: Decimal, inst: OpenInstallment) -> list[Allocation]:
    owed = inst.principal + inst.interest
    if remaining >= owed:
        principal, interest = inst.principal, inst.interest
    else:
        principal, interest = split_proportional(remaining, inst.principal, inst.interest)
    return [
        Allocation("installment", inst.id, component, amount)
        for component, amount in ((PRINCIPAL, principal), (INTEREST, interest))
        if amount > 0
    ]


def allocate(
    *,
    amount: Decimal,
    payment_date: datetime.date,
    installments: Sequence[OpenInstallment],
    costs: Sequence[CostItem] = (),
    indicated_type: str | None = None,
) -> AllocationResult:
    """Allocate ``amount`` paid on ``payment_date``; see the module docstring for the order."""
    amount = to_grosz(amount)
    if amount <= 0:
        raise ValueError("A payment must be positive")
    remaining = amount
    result: list[Allocation] = []

    for cost in costs:
        if remaining <= 0:
            break
        take = min(remaining, cost.amount)
        if take > 0:
            result.append(Allocation("cost", cost.id, COSTS, take))
            remaining -= take

    def key(inst: OpenInstallment):
        return (inst.due_date, inst.id)

    open_items = [i for i in installments if i.principal + i.interest > 0]
    arrears = sorted((i for i in open_items if i.due_date < payment_date), key=key)
    current = sorted((i for i in open_items if i.due_date >= payment_date), key=key)

    while remaining > 0 and arrears:
        indicated = [i for i in arrears if indicated_type and i.receivable_type == indicated_type]
        inst = (indicated or arrears)[0]
        arrears.remove(inst)
        parts = _cover(remaining, inst)
        result.extend(parts)
        remaining -= sum((p.amount for p in parts), ZERO)

    if indicated_type:
        current.sort(key=lambda i: (i.receivable_type != indicated_type, i.due_date, i.id))
    for inst in current:
        if remaining <= 0:
            break
        parts = _cover(remaining, inst)
        result.extend(parts)
        remaining -= sum((p.amount for p in parts), ZERO)

    return AllocationResult(allocations=result, remainder=remaining)
