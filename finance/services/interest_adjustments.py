"""Interest adjustments: periods in which late-payment interest on an account (or one installment) runs at the
reduced rate (OP art. 56a), the increased rate (art. 56b) or not at all (art. 54 §1).

An adjustment is recorded with its legal basis and is never edited; it is cancelled with a reason. It changes no
entry and no journal line: it changes the interest the balances and the allocation compute
(``finance.selectors``). **Interest fixed at a payment is history**: an adjustment applies to an installment only
from the day after the last payment on it recorded before the adjustment (a cancellation likewise only up to the
last payment recorded before the cancellation) — it changes the interest owed from now on and the balance as of
dates after that payment, never an allocation already made.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import user_or_none as _user
from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from finance.models import Installment, InterestAdjustment, ObligorAccount
from finance.services.accounts import lock_accounts

PERM = "finance.post_entries"
LEGAL_BASIS_MAX = InterestAdjustment._meta.get_field("legal_basis").max_length
REASON_MAX = InterestAdjustment._meta.get_field("reason").max_length


def _require(actor) -> None:
    if actor is not None and not actor.has_perm(PERM):
        raise ApplicationError(_("You may not record interest adjustments."), code="forbidden")


def _invalid(field: str, message: str) -> ServiceValidationError:
    return ServiceValidationError(message, errors={field: [message]})


def interest_adjustment_add(
    *,
    actor,
    account: ObligorAccount,
    installment: Installment | None = None,
    kind: str,
    date_from: datetime.date,
    date_to: datetime.date | None = None,
    legal_basis: str,
    reason: str = "",
) -> InterestAdjustment:
    """Record a period of reduced / increased / no interest on ``account`` (or only on ``installment`` of it).

    Refused: an unknown kind, a missing date or legal basis, ``date_to`` before ``date_from``, an installment of
    another account, an installment-only period that ends on or before the installment's effective due date (no
    interest runs then: it would change nothing), a receivable type that bears no interest. Overlapping
    adjustments are allowed (``none`` wins, then the latest-starting one: ``finance.domain.interest_periods``)."""
    _require(actor)
    legal_basis = (legal_basis or "").strip()
    reason = (reason or "").strip()
    if kind not in InterestAdjustment.Kind.values:
        raise _invalid("kind", _("Choose the kind of adjustment."))
    if not isinstance(date_from, datetime.date):
        raise _invalid("date_from", _("Give the first day of the period."))
    if date_to is not None and date_to < date_from:
        raise _invalid("date_to", _("The period cannot end before it starts."))
    if not legal_basis:
        raise _invalid("legal_basis", _("Give the legal basis of the adjustment."))
    if len(legal_basis) > LEGAL_BASIS_MAX:
        raise _invalid("legal_basis", _("The legal basis is too long."))
    if len(reason) > REASON_MAX:
        raise _invalid("reason", _("The reason is too long."))
    with transaction.atomic():
        account = lock_accounts([account.pk]).get(account.pk)
        if account is None:
            raise ApplicationError(_("No such account."), code="not_found")
        if not account.receivable_type.interest_applies:
            raise ApplicationError(_("No late-payment interest is charged on this receivable."), code="invalid")
        if installment is not None:
            installment = Installment.objects.select_related("charge").filter(pk=installment.pk).first()
            if installment is None or installment.charge.account_id != account.pk:
                raise _invalid("installment", _("The installment is not on this account."))
            if date_to is not None and date_to <= installment.effective_due_date:
                raise _invalid(
                    "date_to",
                    _("The period ends before interest on the installment starts (due %(date)s).")
                    % {"date": f"{installment.effective_due_date:%d.%m.%Y}"},
                )
        adjustment = InterestAdjustment.objects.create(
            account=account, installment=installment, kind=kind, date_from=date_from, date_to=date_to,
            legal_basis=legal_basis, reason=reason, created_by=_user(actor),
        )  # fmt: skip
        audit_log(
            actor=actor, action="finance.interest_adjustment.added", obj=account,
            details={
                "adjustment": adjustment.pk, "installment": installment.pk if installment else None, "kind": kind,
                "date_from": date_from.isoformat(), "date_to": date_to.isoformat() if date_to else None,
                "legal_basis": legal_basis, "reason": reason,
            },
        )  # fmt: skip
    return adjustment


def interest_adjustment_cancel(*, actor, adjustment: InterestAdjustment, reason: str) -> InterestAdjustment:
    """Cancel an adjustment (with a reason). Refused when already cancelled. It stops applying from the day after
    the last payment on the installment recorded before the cancellation (from its start when there is none)."""
    _require(actor)
    reason = (reason or "").strip()
    if not reason:
        raise _invalid("reason", _("Give the reason of the cancellation."))
    if len(reason) > REASON_MAX:
        raise _invalid("reason", _("The reason is too long."))
    with transaction.atomic():
        lock_accounts([adjustment.account_id])
        adjustment = InterestAdjustment.objects.select_for_update().get(pk=adjustment.pk)
        if adjustment.cancelled_at is not None:
            raise ApplicationError(_("The adjustment has already been cancelled."), code="already_cancelled")
        adjustment.cancelled_at = timezone.now()
        adjustment.cancelled_by = _user(actor)
        adjustment.cancel_reason = reason
        adjustment.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
        audit_log(
            actor=actor, action="finance.interest_adjustment.cancelled", obj=adjustment.account,
            details={"adjustment": adjustment.pk, "reason": reason},
        )  # fmt: skip
    return adjustment
