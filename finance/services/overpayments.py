"""Overpayments (nadpłaty, OP art. 76, 76a): credited ex officio against the same obligor's arrears with interest
and current liabilities (``overpayment_credit`` entries, journal 221/221), in the order of art. 62 §1 with the
art. 55 §2 split (the same allocation as a payment, as of the crediting date). What cannot be credited is either
kept for future liabilities (not more than the reminder cost in force) or reported as to be refunded — the refund
order itself is written by the refunds service (``RefundOrder``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services.audit import audit_log
from finance import selectors
from finance.domain.allocation import allocate
from finance.domain.rounding import ZERO
from finance.models import AccountEntry
from finance.services.accounts import lock_accounts
from finance.services.payments import open_items, write_allocations


@dataclass
class SettleResult:
    credited: Decimal = ZERO
    kept: Decimal = ZERO  # small overpayments kept for future liabilities (≤ reminder cost)
    to_refund: Decimal = ZERO  # what the refunds service should order back
    entries: list[AccountEntry] = field(default_factory=list)
    refundable: dict[int, Decimal] = field(default_factory=dict)  # account id → amount left to refund


def overpayment_settle(*, party, actor=None, on: datetime.date | None = None) -> SettleResult:
    """Credit the party's overpayments (on every account where it is the obligor) against its open liabilities
    (every account where it is obligor or co-obligor) as of ``on`` (default: today; art. 76a §2 — pass the
    day the overpayment arose when crediting back-dated)."""
    on = on or timezone.localdate()
    result = SettleResult()
    with transaction.atomic():
        ids = [a.pk for a in selectors.party_accounts(party)]
        if not ids:
            return result
        locked = lock_accounts(ids)
        accounts = [locked[pk] for pk in sorted(locked)]
        for a in accounts:
            a.receivable_type  # noqa: B018 — load once
        sources = [a for a in accounts if a.party_id == party.pk]
        description = _("Overpayment credited of %(date)s") % {"date": f"{on:%d.%m.%Y}"}
        for source in sources:
            items = open_items(accounts, on=on)
            available = items.overpayment.get(source.pk, ZERO)
            if available <= 0 or not (items.installments or items.costs):
                continue
            plan = allocate(amount=available, payment_date=on, installments=items.installments, costs=items.costs)
            if not plan.allocations:
                continue
            result.entries += write_allocations(
                allocations=plan.allocations, items=items, day=on, event="overpayment_credit",
                description=description, actor=actor, source_account=source,
            )  # fmt: skip
            result.credited += plan.allocated
        final = open_items(accounts, on=on)
        left = {a.pk: final.overpayment.get(a.pk, ZERO) for a in sources}
        total_left = sum((v for v in left.values() if v > 0), ZERO)
        try:
            small = selectors.parameter("reminder_cost", on)
        except LookupError:
            small = ZERO
        if total_left > small:
            result.to_refund = total_left
            result.refundable = {k: v for k, v in left.items() if v > 0}
        else:
            result.kept = total_left
        if result.entries or total_left:
            audit_log(
                actor=actor or "system", action="finance.overpayment.settled", obj=party,
                details={
                    "on": on.isoformat(), "credited": str(result.credited), "kept": str(result.kept),
                    "to_refund": str(result.to_refund), "entries": [e.pk for e in result.entries],
                },
            )  # fmt: skip
    return result


def overpayments_settle_all(*, on: datetime.date | None = None) -> dict[str, int]:
    """Ex officio (art. 76 §1): credit every obligor's overpayments against his open liabilities. Runs daily;
    idempotent (an obligor with nothing to credit gets no entry). Only parties that ever had an overpayment
    entry on one of their accounts are looked at."""
    from core.models import Party

    on = on or timezone.localdate()
    party_ids = (
        AccountEntry.objects.filter(component=AccountEntry.Component.OVERPAYMENT, value_date__lte=on)
        .values_list("account__party_id", flat=True)
        .distinct()
    )
    counts = {"parties": 0, "credited": 0}
    for party in Party.objects.filter(pk__in=party_ids).order_by("pk"):
        counts["parties"] += 1
        if overpayment_settle(party=party, on=on).entries:
            counts["credited"] += 1
    return counts
