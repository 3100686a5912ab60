"""Monthly charges of the waste fee (opłata za gospodarowanie odpadami komunalnymi, issue 9 point 6) on the payers'
finance accounts (receivable type ``waste_fee``).

* :func:`waste_charges_post` — the fee of one month for every property with an accepted declaration in force in that
  month: ``taxes.domain.waste.monthly_fee`` under the resolution in force on the 1st of the month, one charge with
  one installment due on the resolution's due day of the month (the finance installment keeps the nominal day and
  its effective due date shifted past a weekend or holiday, OP art. 12 §5). Idempotent by the charge's
  ``source_ref`` ``waste:<declaration id>:<YYYY-MM>``: a month already charged for the property is skipped, so a
  second run posts nothing. Each declaration in its own transaction: a failure is counted and the rest go on.
* :func:`waste_charges_correct` — after a declaration changing the data of months already charged is accepted
  (art. 6m ust. 2: the changed fee applies for the month in which the change occurred; E7), the difference of each
  charged month from ``from_month``: a further charge ``waste:<declaration>:<YYYY-MM>:correction`` or a reduction
  (odpis) of the month's charges with the same ``source_ref``.

Both check ``taxes.assess_taxes`` (a system actor — the Celery task — may post) and write an audit event."""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.services.audit import audit_log
from taxes.domain import waste as domain
from taxes.models import WasteDeclaration, WasteProperty, WasteResolution
from taxes.selectors_waste import declarations_in_force, declared_of, waste_rates_on, waste_resolution_on

PERM = "taxes.assess_taxes"
SYSTEM = "system:taxes"
RECEIVABLE_TYPE = "waste_fee"
ZERO = Decimal("0")
ACCEPTED = WasteDeclaration.Status.ACCEPTED


def _require(actor) -> None:
    if isinstance(actor, str):  # the system (the monthly Celery task)
        return
    if actor is None or not getattr(actor, "is_active", False) or not actor.has_perm(PERM):
        raise ApplicationError(_("You may not post the waste fee charges."), code="forbidden")


def _finance_actor(actor):
    """The user recorded on the finance entries (None: the system, or a user without finance rights)."""
    if isinstance(actor, str) or not actor.has_perm("finance.post_entries"):
        return None
    return actor


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_label(month: datetime.date) -> str:
    return f"{month:%Y-%m}"


def charge_ref(declaration_id: int, month: datetime.date) -> str:
    return f"waste:{declaration_id}:{month_label(month)}"


def correction_ref(declaration_id: int, month: datetime.date) -> str:
    return f"{charge_ref(declaration_id, month)}:correction"


def due_date(resolution: WasteResolution, month: datetime.date) -> datetime.date:
    """The nominal due date of a month's fee: the resolution's due day (the month's last day when shorter)."""
    last = calendar.monthrange(month.year, month.month)[1]
    return month.replace(day=min(resolution.due_day, last))


def _month_entries(property_id: int, month: datetime.date):
    """The finance entries (charges and reductions, not reversed) of the property's waste fee for ``month``."""
    from finance.models import AccountEntry

    ids = WasteDeclaration.objects.filter(property_id=property_id).values_list("pk", flat=True)
    refs = [ref for pk in ids for ref in (charge_ref(pk, month), correction_ref(pk, month))]
    return list(
        AccountEntry.objects.filter(
            source_ref__in=refs,
            kind__in=(AccountEntry.Kind.CHARGE, AccountEntry.Kind.REDUCTION),
            reversed_by__isnull=True,
        ).order_by("pk")
    )


def _account(payer, month: datetime.date):
    from finance.models import ReceivableType
    from finance.services.accounts import account_get_or_create

    return account_get_or_create(
        party=payer, receivable_type=ReceivableType.objects.get(code=RECEIVABLE_TYPE), year=month.year,
        source_app="taxes",
    )  # fmt: skip


def _fee(declaration: WasteDeclaration, month: datetime.date) -> tuple[Decimal, WasteResolution]:
    resolution = waste_resolution_on(month)
    rates = waste_rates_on(month)
    if resolution is None or rates is None:
        raise ApplicationError(
            _("No waste fee resolution is in force on %(date)s.") % {"date": f"{month:%d.%m.%Y}"}, code="invalid"
        )
    if resolution.payment_frequency != WasteResolution.Frequency.MONTHLY:
        raise ApplicationError(
            _("The resolution %(number)s sets quarterly payments; only monthly charges are posted.")
            % {"number": resolution.number},
            code="invalid",
        )
    try:
        return domain.monthly_fee(declared_of(declaration), rates).total, resolution
    except domain.WasteFeeError as error:
        raise ApplicationError(str(error), code="invalid") from error


def _post_one(*, actor, declaration: WasteDeclaration, month: datetime.date) -> tuple[str, dict]:
    """Post the month's fee of one declaration in its own transaction: ("posted" | "skipped" | "zero", details)."""
    from finance.services.accounts import charge_post, effective_due_date

    with transaction.atomic():
        WasteProperty.objects.select_for_update().get(pk=declaration.property_id)  # one poster per property
        if _month_entries(declaration.property_id, month):
            return "skipped", {}
        amount, resolution = _fee(declaration, month)
        if amount <= 0:
            return "zero", {}
        due = due_date(resolution, month)
        entry = charge_post(
            actor=_finance_actor(actor), account=_account(declaration.payer, month), amount=amount,
            installments=[(due, amount)], value_date=month,
            description=_("Waste fee %(month)s, declaration %(number)s")
            % {"month": f"{month:%m.%Y}", "number": declaration.number or declaration.pk},
            source_ref=charge_ref(declaration.pk, month),
        )  # fmt: skip
        details = {
            "declaration": declaration.pk, "month": month_label(month), "amount": str(amount),
            "due_date": effective_due_date(due).isoformat(), "entry": entry.pk,
        }  # fmt: skip
        audit_log(actor=actor, action="taxes.waste_charge.posted", obj=declaration, details=details)
    return "posted", details


def waste_charges_post(*, actor, month: datetime.date) -> dict:
    """Charge the waste fee of ``month`` (any day of it) for every property with an accepted declaration in force.
    Returns the counts ``{"posted", "skipped", "zero", "errors"}``; a month already charged for a property is skipped,
    a zero fee posts nothing, a declaration whose fee cannot be computed or posted is counted in errors (recorded in
    the run's audit event) and the others go on."""
    _require(actor)
    month = month_start(month)
    counts = {"posted": 0, "skipped": 0, "zero": 0, "errors": 0}
    failures = []
    for declaration in declarations_in_force(month):
        try:
            outcome, _details = _post_one(actor=actor, declaration=declaration, month=month)
        except ApplicationError as error:
            counts["errors"] += 1
            failures.append({"declaration": declaration.pk, "message": str(error.message)})
            continue
        counts[outcome] += 1
    with transaction.atomic():
        audit_log(
            actor=actor, action="taxes.waste_charges.run", object_type="taxes.wastecharges",
            object_id=month_label(month), details={**counts, "month": month_label(month), "failures": failures},
        )  # fmt: skip
    return counts


def _charged_months(property_id: int, from_month: datetime.date) -> list[datetime.date]:
    from finance.models import AccountEntry

    ids = WasteDeclaration.objects.filter(property_id=property_id).values_list("pk", flat=True)
    query = Q()
    for pk in ids:
        query |= Q(source_ref__startswith=f"waste:{pk}:")
    if not query:
        return []
    months = set()
    refs = AccountEntry.objects.filter(query, kind=AccountEntry.Kind.CHARGE, reversed_by__isnull=True).values_list(
        "source_ref", flat=True
    )
    for ref in refs:
        parts = ref.split(":")
        if len(parts) >= 3:
            year, month = (int(p) for p in parts[2].split("-"))
            day = datetime.date(year, month, 1)
            if day >= from_month:
                months.add(day)
    return sorted(months)


def _reduce(*, actor, charges, amount: Decimal, ref: str, description: str) -> list[int]:
    """Reduce the month's charges by ``amount``, the latest charge first, each by at most what is left of it."""
    from finance.models import AccountEntry
    from finance.services.accounts import reduction_post

    written = []
    left = amount
    for charge in sorted(charges, key=lambda c: c.pk, reverse=True):
        if left <= 0:
            break
        reduced = sum(
            (
                e.amount
                for e in AccountEntry.objects.filter(
                    installment__charge=charge, kind=AccountEntry.Kind.REDUCTION, reversed_by__isnull=True
                )
            ),
            ZERO,
        )
        take = min(left, charge.amount - reduced)
        if take <= 0:
            continue
        entries = reduction_post(
            actor=_finance_actor(actor), charge=charge, amount=take, value_date=timezone.localdate(),
            description=description, source_ref=ref,
        )  # fmt: skip
        written += [e.pk for e in entries]
        left -= take
    return written


def waste_charges_correct(*, actor, property: WasteProperty, from_month: datetime.date) -> list[dict]:
    """Bring every month of ``property`` already charged from ``from_month`` to the fee of the declaration now in
    force in it: the difference to what is charged (charges − reductions) is charged (``…:correction``, due on the
    month's due day) or reduced. Months not yet charged are left to :func:`waste_charges_post`; a month whose fee
    is unchanged posts nothing (safe twice). Returns one row per corrected month; all or nothing."""
    from finance.models import AccountEntry
    from finance.services.accounts import charge_post

    _require(actor)
    from_month = month_start(from_month)
    rows = []
    with transaction.atomic():
        WasteProperty.objects.select_for_update().get(pk=property.pk)
        for month in _charged_months(property.pk, from_month):
            entries = _month_entries(property.pk, month)
            charges = [e for e in entries if e.kind == AccountEntry.Kind.CHARGE]
            charged = sum((e.amount for e in charges), ZERO) - sum(
                (e.amount for e in entries if e.kind == AccountEntry.Kind.REDUCTION), ZERO
            )
            in_force = declarations_in_force(month, property_ids=[property.pk])
            if in_force:
                declaration = in_force[0]
                amount, resolution = _fee(declaration, month)
            else:
                declaration, amount, resolution = None, ZERO, waste_resolution_on(month)
            difference = amount - charged
            if difference == 0:
                continue
            ref_id = declaration.pk if declaration is not None else int(charges[-1].source_ref.split(":")[1])
            ref = correction_ref(ref_id, month)
            description = _("Waste fee %(month)s, correction after the declaration %(number)s") % {
                "month": f"{month:%m.%Y}",
                "number": (declaration.number or declaration.pk) if declaration else "—",
            }
            if difference > 0:
                entry = charge_post(
                    actor=_finance_actor(actor), account=_account(declaration.payer, month), amount=difference,
                    installments=[(due_date(resolution, month), difference)], value_date=timezone.localdate(),
                    description=description, source_ref=ref,
                )  # fmt: skip
                written = [entry.pk]
            else:
                written = _reduce(actor=actor, charges=charges, amount=-difference, ref=ref, description=description)
            rows.append({"month": month_label(month), "difference": str(difference), "entries": written})
        audit_log(
            actor=actor, action="taxes.waste_charge.corrected", obj=property,
            details={"from_month": month_label(from_month), "months": rows},
        )  # fmt: skip
    return rows
