"""Payments: registration at the cash desk and allocation of an identified payment (OP art. 62, 55 §2).

``payment_allocate`` is the one place where money is put on obligors' accounts; the bank statement import calls
it for every identified credit. It locks the payment and every account of the payer (as obligor or co-obligor,
in id order), computes the open items as of the payment date, allocates with the pure
:func:`finance.domain.allocation.allocate`, and writes in one transaction:

* ``allocation`` entries (principal / interest / costs) with the payment, journal ``payment_bank`` (133/221) or
  ``payment_cash`` (101/221) per component with the receivable type's paragraf (interest 0910, costs 0640);
* for interest, first the ``interest`` entry — the przypis of interest on the payment date, journal 221/720 0910;
* an ``overpayment`` entry for the remainder (journal with the principal paragraf);
* ``payment.status = allocated`` and an audit event.

It is idempotent: an allocated payment is returned as it was allocated.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from finance import selectors
from finance.domain.allocation import Allocation, AllocationResult, CostItem, OpenInstallment, allocate
from finance.domain.rounding import ZERO, to_grosz
from finance.models import AccountEntry, ObligorAccount, Payment
from finance.services.accounts import lock_accounts
from finance.services.ledger import post_event

K = AccountEntry.Kind
C = AccountEntry.Component
FAR_FUTURE = datetime.date(9000, 12, 31)


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


@dataclass
class OpenItems:
    """Everything a party owes as of a date, in the shape the allocation needs, with where each item lives."""

    installments: list[OpenInstallment]
    costs: list[CostItem]
    account_of_installment: dict[int, ObligorAccount]
    account_of_cost: dict[int, ObligorAccount]
    overpayment: dict[int, Decimal]  # account id → overpayment as of the date


def open_items(accounts: list[ObligorAccount], *, on: datetime.date) -> OpenItems:
    """Open installments (principal never above what is still unpaid after entries dated later — a payment
    booked out of date order is never allocated twice) and open reminder costs, oldest first."""
    ctx = selectors._Context(on)
    installments, costs = [], []
    by_inst, by_cost, overpayment = {}, {}, {}
    cost_dates = {}
    for account in accounts:
        now = selectors.account_state(account, as_of=on, ctx=ctx)
        latest = {
            v.id: v.state.principal for v in selectors.account_state(account, as_of=FAR_FUTURE, ctx=ctx).installments
        }
        overpayment[account.pk] = now.overpayment
        for v in now.installments:
            principal = max(min(v.state.principal, latest.get(v.id, v.state.principal)), ZERO)
            interest = max(v.state.interest, ZERO)
            if principal + interest > 0:
                installments.append(
                    OpenInstallment(
                        id=v.id,
                        receivable_type=account.receivable_type.code,
                        due_date=v.effective_due_date,
                        principal=principal,
                        interest=interest if principal > 0 or interest > 0 else ZERO,
                    )
                )
                by_inst[v.id] = account
        for c in now.cost_items:
            costs.append(c)
            by_cost[c.id] = account
    if by_cost:
        cost_dates = dict(AccountEntry.objects.filter(pk__in=by_cost).values_list("pk", "value_date"))
    costs.sort(key=lambda c: (cost_dates.get(c.id), c.id))
    return OpenItems(installments, costs, by_inst, by_cost, overpayment)


def write_allocations(
    *,
    allocations: list[Allocation],
    items: OpenItems,
    day: datetime.date,
    event: str,
    description: str,
    actor,
    payment: Payment | None = None,
    source_account: ObligorAccount | None = None,
) -> list[AccountEntry]:
    """Entries and journal for allocations of a payment (``event`` = payment_bank / payment_cash /
    unidentified_resolved) or of an overpayment credited from ``source_account`` (``event`` =
    overpayment_credit, journal 221 source / 221 target)."""
    written: list[AccountEntry] = []
    booked = timezone.localdate()
    for a in allocations:
        if a.target == "cost":
            account, installment_id = items.account_of_cost[a.item_id], None
        else:
            account, installment_id = items.account_of_installment[a.item_id], a.item_id
        common = {"booked_on": booked, "created_by": _user(actor), "value_date": day, "payment": payment}
        if a.component == C.INTEREST:
            przypis = post_event(
                event="interest", component="interest", amount=a.amount, date=day,
                description=_("Interest charged on the payment date"), obligor_account=account, actor=actor,
            )  # fmt: skip
            written.append(AccountEntry.objects.create(
                account=account, kind=K.INTEREST, component=C.INTEREST, amount=a.amount,
                installment_id=installment_id, description=_("Late-payment interest"), journal_entry=przypis,
                counter_account=source_account, **common,
            ))  # fmt: skip
        if source_account is None:
            journal = post_event(
                event=event, component=a.component, amount=a.amount, date=day, description=description,
                obligor_account=account, actor=actor,
            )  # fmt: skip
        else:
            journal = post_event(
                event=event, component=a.component, amount=a.amount, date=day, description=description,
                obligor_account=source_account, counter_obligor_account=account,
                receivable_type=account.receivable_type, actor=actor,
            )  # fmt: skip
            written.append(AccountEntry.objects.create(
                account=source_account, kind=K.OVERPAYMENT_CREDIT, component=C.OVERPAYMENT, amount=a.amount,
                counter_account=account, installment=None, description=description[:500],
                journal_entry=journal, **common,
            ))  # fmt: skip
        written.append(AccountEntry.objects.create(
            account=account, kind=K.ALLOCATION, component=a.component, amount=a.amount,
            installment_id=installment_id, counter_account=source_account, description=description[:500],
            journal_entry=journal, **common,
        ))  # fmt: skip
    return written


def _overpayment_account(payment: Payment, accounts: list[ObligorAccount], allocations, items) -> ObligorAccount:
    if payment.indicated_type_id:
        typed = [a for a in accounts if a.receivable_type_id == payment.indicated_type_id]
        if typed:
            return max(typed, key=lambda a: (a.party_id == payment.party_id, a.year, a.pk))
    for a in reversed(allocations):
        return items.account_of_cost[a.item_id] if a.target == "cost" else items.account_of_installment[a.item_id]
    return max(accounts, key=lambda a: (a.party_id == payment.party_id, a.year, a.pk))


def _result_of(payment: Payment) -> AllocationResult:
    allocations, remainder = [], ZERO
    for e in payment.entries.order_by("id"):
        if e.kind == K.ALLOCATION:
            target = "cost" if e.component == C.COSTS else "installment"
            allocations.append(Allocation(target, e.installment_id or 0, e.component, e.amount))
        elif e.kind == K.OVERPAYMENT:
            remainder += e.amount
    return AllocationResult(allocations=allocations, remainder=remainder)


def payment_allocate(*, payment: Payment, actor=None, event: str | None = None) -> AllocationResult:
    """Allocate an identified payment over every account of its payer (see the module docstring).

    ``event`` overrides the journal event (default ``payment_bank`` / ``payment_cash`` by the source; the bank
    import passes ``unidentified_resolved`` for money that waited on account 240)."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status == Payment.Status.ALLOCATED:
            return _result_of(payment)
        if payment.status == Payment.Status.RETURNED:
            raise ApplicationError(_("The payment has been returned to the payer."), code="invalid")
        if payment.party_id is None:
            raise ApplicationError(_("The payer of this payment is not identified."), code="unidentified")
        if payment.amount <= 0:
            raise ApplicationError(_("The amount must be positive."), code="invalid")
        account_ids = [a.pk for a in selectors.party_accounts(payment.party)]
        if not account_ids:
            raise ApplicationError(_("The payer has no account with the office."), code="no_account")
        locked = lock_accounts(account_ids)
        accounts = [locked[pk] for pk in sorted(locked)]
        for a in accounts:  # select_for_update cannot join nullable relations on PostgreSQL
            a.receivable_type  # noqa: B018 — load once, used for every entry
        day = payment.payment_date
        items = open_items(accounts, on=day)
        result = allocate(
            amount=payment.amount,
            payment_date=day,
            installments=items.installments,
            costs=items.costs,
            indicated_type=payment.indicated_type.code if payment.indicated_type_id else None,
        )
        event = event or ("payment_cash" if payment.source == Payment.Source.CASH else "payment_bank")
        description = _("Payment of %(date)s") % {"date": f"{day:%d.%m.%Y}"}
        written = write_allocations(
            allocations=result.allocations, items=items, day=day, event=event, description=description,
            actor=actor, payment=payment,
        )  # fmt: skip
        if result.remainder > 0:
            account = _overpayment_account(payment, accounts, result.allocations, items)
            journal = post_event(
                event=event, component="overpayment", amount=result.remainder, date=day,
                description=_("Overpayment"), obligor_account=account, actor=actor,
            )  # fmt: skip
            written.append(AccountEntry.objects.create(
                account=account, kind=K.OVERPAYMENT, component=C.OVERPAYMENT, amount=result.remainder,
                value_date=day, booked_on=timezone.localdate(), payment=payment, description=_("Overpayment"),
                journal_entry=journal, created_by=_user(actor),
            ))  # fmt: skip
        payment.status = Payment.Status.ALLOCATED
        payment.save(update_fields=["status"])
        audit_log(
            actor=actor or "system", action="finance.payment.allocated", obj=payment,
            details={
                "amount": str(payment.amount), "party": payment.party_id, "entries": [e.pk for e in written],
                "overpayment": str(result.remainder),
            },
        )  # fmt: skip
    return result


def payment_register_cash(
    *, actor, party, amount, payment_date: datetime.date, indicated_type=None, title: str = ""
) -> Payment:
    """A payment at the office's cash desk (OP art. 60 §1 pkt 1: paid on the day it is paid in), allocated at once."""
    if not actor.has_perm("finance.manage_payments"):
        raise ApplicationError(_("You may not register payments."), code="forbidden")
    errors: dict[str, list[str]] = {}
    try:
        amount = Decimal(str(amount))
    except Exception:  # any malformed number
        errors["amount"] = [_("Enter an amount.")]
    else:
        if amount != to_grosz(amount):
            errors["amount"] = [_("Amounts are in złoty and grosze.")]
        elif amount <= 0:
            errors["amount"] = [_("The amount must be positive.")]
    if payment_date > timezone.localdate():
        errors["payment_date"] = [_("The payment date cannot be in the future.")]
    if party is None:
        errors["party"] = [_("Choose the payer.")]
    if errors:
        raise ServiceValidationError(_("Correct the payment."), errors=errors)
    with transaction.atomic():
        payment = Payment.objects.create(
            source=Payment.Source.CASH, party=party, indicated_type=indicated_type, amount=amount,
            payment_date=payment_date, received_on=payment_date, title=title[:500],
            status=Payment.Status.UNIDENTIFIED, created_by=_user(actor),
        )  # fmt: skip
        audit_log(actor=actor, action="finance.payment.cash_registered", obj=payment, details={"amount": str(amount)})
        payment_allocate(payment=payment, actor=actor)
        payment.refresh_from_db()
    return payment


def allocation_summary(entries) -> dict[str, Decimal]:
    """Σ per component of allocation entries (for screens and the API)."""
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for e in entries:
        if e.kind in (K.ALLOCATION, K.OVERPAYMENT):
            out[e.component] += e.amount
    return dict(out)
