"""Read-only selectors for the portal's notifications: installments falling due on a day, per obligor.

Plain dataclasses out; the portal never reads finance models itself.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from finance.models import AccountEntry, ObligorAccount
from finance.selectors import account_states


@dataclass(frozen=True)
class DueInstallment:
    installment_id: int
    number: int
    party_ids: tuple[int, ...]  # the obligor and the co-obligors (joint liability)
    receivable: str
    year: int
    due_date: datetime.date  # the effective due date (OP art. 12 §5)
    amount: Decimal  # the installment's amount
    outstanding: Decimal  # principal still unpaid as of the day asked about


def installments_due_on(day: datetime.date, *, as_of: datetime.date) -> list[DueInstallment]:
    """Installments whose effective due date is ``day`` and whose principal is not paid in full as of ``as_of``.

    The reminder 7 days before asks ``installments_due_on(today + 7, as_of=today)``, the one on the day
    ``installments_due_on(today, as_of=today)``. Ordered by installment id."""
    accounts = list(
        ObligorAccount.objects.filter(
            entries__kind=AccountEntry.Kind.CHARGE, entries__installments__effective_due_date=day
        )
        .distinct()
        .select_related("receivable_type")
        .prefetch_related("co_obligors")
        .order_by("id")
    )
    result: list[DueInstallment] = []
    for start in range(0, len(accounts), 1000):
        chunk = accounts[start : start + 1000]
        states = account_states(chunk, as_of=as_of)
        for account in chunk:
            parties = (account.party_id, *sorted(p.pk for p in account.co_obligors.all() if p.pk != account.party_id))
            for inst in states[account.pk].installments:
                if inst.effective_due_date != day or inst.state.principal <= 0:
                    continue
                result.append(
                    DueInstallment(
                        installment_id=inst.id,
                        number=inst.number,
                        party_ids=parties,
                        receivable=account.receivable_type.name,
                        year=account.year,
                        due_date=inst.effective_due_date,
                        amount=inst.amount,
                        outstanding=inst.state.principal,
                    )
                )
    return sorted(result, key=lambda d: d.installment_id)
