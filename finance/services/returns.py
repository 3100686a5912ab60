"""Returning an unidentified payment to the payer (the money waited on account 240 and belongs to nobody here).

``payment_return`` books Wn 240 / Ma 133 (posting rule ``unidentified_returned``) and creates a
:class:`~finance.models.RefundOrder` bound to the payment, to the account the money came from, which goes out with
the other refunds in the next Elixir-O export. The payment becomes ``returned``. One transaction, locked, audited.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from finance.domain import nrb
from finance.models import Payment, RefundOrder
from finance.services.ledger import post_event


def payment_return(*, actor, payment: Payment, reason: str, target_account: str = "") -> RefundOrder:
    if not actor.has_perm("finance.manage_payments"):
        raise ApplicationError(_("You may not resolve payments."), code="forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceValidationError(_("The data contain errors."), errors={"reason": [_("Give the reason.")]})
    with transaction.atomic():
        locked = Payment.objects.select_for_update(of=("self",)).select_related("statement_line").get(pk=payment.pk)
        if locked.status != Payment.Status.UNIDENTIFIED:
            raise ApplicationError(_("Only an unidentified payment can be returned."), code="not_unidentified")
        target = nrb.normalise(target_account or locked.payer_account)
        if not target or not nrb.is_valid(target):
            raise ServiceValidationError(
                _("The data contain errors."),
                errors={"target_account": [_("Give the payer's account number (NRB).")]},
            )
        line = locked.statement_line
        recipient = (line.counterparty_name if line else "") or _("Payer")
        today = timezone.localdate()
        journal = post_event(
            event="unidentified_returned",
            component="any",
            amount=locked.amount,
            date=today,
            description=_("Return of unidentified payment %(id)s") % {"id": locked.pk},
            actor=actor,
        )
        order = RefundOrder.objects.create(
            payment=locked,
            party=locked.party,
            amount=locked.amount,
            target_account=target,
            recipient_name=recipient[:300],
            title=(
                _("Return of payment of %(date)s: %(reason)s")
                % {"date": f"{locked.payment_date:%d.%m.%Y}", "reason": reason}
            )[:140],
            created_by=actor,
        )
        locked.status = Payment.Status.RETURNED
        locked.save(update_fields=["status"])
        audit_log(
            actor=actor,
            action="finance.payment.returned",
            obj=locked,
            details={"amount": str(locked.amount), "to": target, "reason": reason, "journal": journal.pk,
                     "refund_order": order.pk},
        )  # fmt: skip
    payment.status = locked.status
    return order
