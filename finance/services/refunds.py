"""Refunds of overpayments (OP art. 77, 77b): the refund order, its cancellation and the export to the bank.

* ``refund_order`` — up to the account's overpayment as of today, to the account the money came from (the latest
  payment's ``payer_account``) unless another NRB is given. One transaction: the :class:`RefundOrder`, an
  :class:`AccountEntry` (kind ``refund``, component ``overpayment``) and the journal entry of the ``refund`` rule
  (Wn 221 analytic / Ma 133), with the audit event. The refund is booked on the day it is ordered.
* ``refund_cancel`` — only before the export: a reversal entry (storno) and the mirrored journal entry.
* ``refunds_export`` — one Elixir-O file (``finance.domain.elixir``) for the given ordered refunds, from the office's
  collection account (the active bank profile); the orders become ``exported`` and can never be exported again.

Every refusal happens before anything is written (nothing is left behind: no order, entry, journal, audit event).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.domain.money import format_pln
from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from finance.domain.elixir import Transfer, elixir_file, normalise_nrb, nrb_is_valid
from finance.models import AccountEntry, BankProfile, ObligorAccount, Payment, RefundExport, RefundOrder
from finance.selectors import balance
from finance.services.accounts import money_input
from finance.services.ledger import PeriodClosed, journal_reverse, period_is_closed, post_event

PERM = "finance.manage_refunds"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
Kind = AccountEntry.Kind
Component = AccountEntry.Component


def _require(actor) -> None:
    if actor is None or not actor.has_perm(PERM):
        raise ApplicationError(_("You may not order or export refunds."), code="forbidden")


def _open_period(day: datetime.date) -> None:
    if period_is_closed(day):
        raise PeriodClosed(_("The period %(month)02d.%(year)d is closed.") % {"month": day.month, "year": day.year})


def overpayment_of(account: ObligorAccount, *, as_of: datetime.date) -> Decimal:
    """The overpayment on the account as of a day (``finance.selectors.balance``)."""
    return balance(account, as_of=as_of).overpayment


def _amount(value) -> Decimal:
    return money_input(value)


def latest_payer_account(account: ObligorAccount) -> str:
    """The account the money came from: the payer's account of the latest payment booked on this account."""
    payment = (
        Payment.objects.filter(entries__account=account)
        .exclude(payer_account="")
        .order_by("-payment_date", "-id")
        .first()
    )
    return normalise_nrb(payment.payer_account) if payment else ""


def _title(account: ObligorAccount, reason: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Refund of overpayment: %(type)s %(year)s") % {
            "type": account.receivable_type.name,
            "year": account.year,
        }
    if reason:
        title = f"{title}. {reason}"
    return title[:140]


def refund_order(*, actor, account: ObligorAccount, amount, target_account: str | None = None, reason: str = ""):
    _require(actor)
    amount = _amount(amount)
    today = timezone.localdate()
    _open_period(today)
    target = normalise_nrb(target_account) if target_account else latest_payer_account(account)
    if not target:
        raise ServiceValidationError(
            _("No account to refund to: give the recipient's account number."),
            errors={"target_account": [_("Give the recipient's account number.")]},
        )
    if not nrb_is_valid(target):
        raise ServiceValidationError(
            _("The account number %(nrb)s is not a valid NRB.") % {"nrb": target},
            errors={"target_account": [_("Not a valid account number (NRB).")]},
        )
    with transaction.atomic():
        account = (
            ObligorAccount.objects.select_for_update(of=("self",))
            .select_related("party", "receivable_type")
            .get(pk=account.pk)
        )
        available = overpayment_of(account, as_of=today)
        if amount > available:
            raise ApplicationError(
                _("The refund of %(amount)s exceeds the overpayment of %(available)s.")
                % {"amount": format_pln(amount), "available": format_pln(available)},
                code="exceeds_overpayment",
            )
        title = _title(account, reason.strip())
        journal = post_event(
            event="refund",
            component="principal",
            amount=amount,
            date=today,
            description=title,
            obligor_account=account,
            actor=actor,
        )
        entry = AccountEntry.objects.create(
            account=account,
            kind=Kind.REFUND,
            component=Component.OVERPAYMENT,
            amount=amount,
            value_date=today,
            booked_on=today,
            description=title,
            journal_entry=journal,
            created_by=actor,
        )
        order = RefundOrder.objects.create(
            account=account,
            party=account.party,
            amount=amount,
            target_account=target,
            recipient_name=account.party.display_name[:300],
            title=title,
            entry=entry,
            created_by=actor,
        )
        audit_log(
            actor=actor,
            action="finance.refund.ordered",
            obj=order,
            details={"account": account.pk, "amount": amount, "target_account": target, "reason": reason},
        )
    return order


def refund_cancel(*, actor, order: RefundOrder, reason: str = "") -> RefundOrder:
    """Cancel an ordered (not exported) refund: a storno of its entry and of its journal entry."""
    _require(actor)
    today = timezone.localdate()
    _open_period(today)
    with transaction.atomic():
        order = RefundOrder.objects.select_for_update().get(pk=order.pk)
        if order.status != RefundOrder.Status.ORDERED:
            raise ApplicationError(_("Only a refund that has not been exported can be cancelled."), code="invalid")
        original = order.entry
        journal = journal_reverse(
            original=original.journal_entry,
            date=today,
            description=_("Cancellation: %(title)s") % {"title": order.title},
            actor=actor,
        )
        AccountEntry.objects.create(
            account_id=order.account_id,
            kind=Kind.REVERSAL,
            component=Component.OVERPAYMENT,
            amount=original.amount,
            value_date=today,
            booked_on=today,
            reverses=original,
            description=(_("Cancellation of a refund") + (f": {reason}" if reason else ""))[:500],
            journal_entry=journal,
            created_by=actor,
        )
        order.status = RefundOrder.Status.CANCELLED
        order.save(update_fields=["status"])
        audit_log(actor=actor, action="finance.refund.cancelled", obj=order, details={"reason": reason})
    return order


def _office_profile() -> BankProfile:
    profile = BankProfile.objects.filter(is_active=True).order_by("code").first()
    if profile is None or not nrb_is_valid(profile.office_account):
        raise ApplicationError(
            _("No active bank profile with a valid office account: set one up in the admin."), code="no_bank_profile"
        )
    return profile


def refunds_export(*, actor, orders, execution_date: datetime.date | None = None) -> RefundExport:
    """One Elixir-O file with the given ordered refunds; they become ``exported`` (never exported twice)."""
    _require(actor)
    ids = sorted({o.pk if isinstance(o, RefundOrder) else int(o) for o in orders})
    if not ids:
        raise ApplicationError(_("Choose the refunds to export."), code="invalid")
    execution_date = execution_date or timezone.localdate()
    profile = _office_profile()
    with transaction.atomic():
        locked = list(RefundOrder.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        if len(locked) != len(ids):
            raise ApplicationError(_("Some of the refunds do not exist."), code="not_found")
        done = [o.pk for o in locked if o.status != RefundOrder.Status.ORDERED]
        if done:
            raise ApplicationError(
                _("Refunds already exported or cancelled: %(ids)s.") % {"ids": ", ".join(map(str, done))},
                code="already_exported",
            )
        sender = (settings.MAGISTRAT_OFFICE_NAME, getattr(settings, "MAGISTRAT_OFFICE_ADDRESS", ""))
        content = elixir_file(
            Transfer(
                execution_date=execution_date,
                amount=o.amount,
                sender_account=profile.office_account,
                sender_name=sender,
                recipient_account=o.target_account,
                recipient_name=o.recipient_name,
                title=o.title,
                reference=f"REFUND/{o.pk}",
            )
            for o in locked
        )
        total = sum((o.amount for o in locked), ZERO)
        export = RefundExport.objects.create(
            file_name=f"zwroty-{execution_date:%Y%m%d}-{timezone.localtime():%H%M%S}.pli",
            format="elixir-o",
            content=content,
            total=total,
            created_by=actor,
        )
        RefundOrder.objects.filter(pk__in=ids).update(status=RefundOrder.Status.EXPORTED, export=export)
        audit_log(
            actor=actor,
            action="finance.refund.exported",
            obj=export,
            details={"orders": ids, "total": total, "execution_date": execution_date},
        )
    return export
