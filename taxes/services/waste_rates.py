"""Waste fee resolutions (uchwały w sprawie opłaty za gospodarowanie odpadami komunalnymi), their rates and
exemptions. Every rate is checked against the statutory cap (ucpg art. 6k ust. 2a) on the day the resolution takes
effect: a percentage of the GUS average monthly disposable income per person of the previous year (``WasteIncome``,
the latest whose publication is on or before that day), truncated to the grosz — computed by
``taxes.domain.waste.caps``.

Every service checks ``taxes.manage_waste_rates``, owns its transaction and writes an audit event; a refusal writes
nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from taxes.models import WasteExemption, WasteMethod, WasteRate, WasteResolution
from taxes.selectors_waste import income_on

PERM = "taxes.manage_waste_rates"
MIN_MULTIPLIER, MAX_MULTIPLIER = Decimal("2"), Decimal("4")
GROSZ = Decimal("0.01")
# The rate kinds with a statutory cap and their names in ``taxes.domain.waste`` (ucpg art. 6k ust. 2a); a container
# rate has no cap here (the percentage per capacity is not verified in the domain reference, §8).
CAPPED_KINDS = {
    WasteRate.Kind.PER_RESIDENT: "resident",
    WasteRate.Kind.PER_M3: "water",
    WasteRate.Kind.PER_M2: "area",
    WasteRate.Kind.PER_HOUSEHOLD: "household",
    WasteRate.Kind.COTTAGE: "cottage",
}


def _require(actor) -> None:
    if actor is None or not getattr(actor, "is_active", False) or not actor.has_perm(PERM):
        raise ApplicationError(_("You may not manage the waste fee rates."), code="forbidden")


def pln(value: Decimal) -> str:
    """63.34 → "63,34 zł" (Polish decimal comma)."""
    return f"{Decimal(value):.2f} zł".replace(".", ",")


def kind_label(kind: str) -> str:
    return {
        WasteRate.Kind.PER_RESIDENT: _("per resident per month"),
        WasteRate.Kind.PER_M3: _("per m³ of water per month"),
        WasteRate.Kind.PER_M2: _("per m² of dwelling per month"),
        WasteRate.Kind.PER_HOUSEHOLD: _("per household per month"),
        WasteRate.Kind.CONTAINER: _("per container per month"),
        WasteRate.Kind.COTTAGE: _("per holiday cottage per year"),
    }.get(kind, "")


def rate_cap(kind: str, income: Decimal) -> Decimal | None:
    """The cap of a rate of ``kind`` for ``income``, truncated to the grosz (None: no cap for the kind)."""
    from taxes.domain.waste import caps

    method = CAPPED_KINDS.get(kind)
    return None if method is None else caps(Decimal(income)).of(method)


def _cap_percent(kind: str) -> str:
    from taxes.domain.waste import CAP_PERCENT

    return f"{CAP_PERCENT[CAPPED_KINDS[kind]]:f}".replace(".", ",")


def waste_rate_check(*, day: datetime.date, kind: str, rate: Decimal) -> str:
    """The refusal message for ``rate`` of ``kind`` in a resolution taking effect on ``day`` (empty when allowed)."""
    if rate < 0:
        return _("The rate cannot be negative.")
    if kind not in CAPPED_KINDS:
        return ""
    income = income_on(day)
    if income is None:
        return _(
            "There is no GUS disposable income figure applying on %(date)s, so the statutory cap is unknown; an "
            "administrator must enter it first."
        ) % {"date": f"{day:%d.%m.%Y}"}
    cap = rate_cap(kind, income.amount)
    if rate > cap:
        return _(
            "The rate %(rate)s %(unit)s exceeds the statutory cap %(cap)s on %(date)s (%(percent)s%% of the GUS "
            "disposable income %(income)s for %(year)s)."
        ) % {
            "rate": pln(rate),
            "unit": kind_label(kind),
            "cap": pln(cap),
            "date": f"{day:%d.%m.%Y}",
            "percent": _cap_percent(kind),
            "income": pln(income.amount),
            "year": income.year,
        }
    return ""


def _amount(value, field: str, message: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        result = None
    if result is None or not result.is_finite() or result.as_tuple().exponent < -2:
        raise ServiceValidationError(message, errors={field: [message]})
    return result


def waste_resolution_create(
    *,
    actor,
    number: str,
    adopted_on: datetime.date,
    valid_from: datetime.date,
    methods: list[str],
    valid_to: datetime.date | None = None,
    publication: str = "",
    payment_frequency: str = WasteResolution.Frequency.MONTHLY,
    due_day: int = 15,
    non_selective_multiplier=Decimal("2"),
    composting_discount=Decimal("0"),
    composting_basis: str = WasteResolution.DiscountBasis.PER_PERSON,
) -> WasteResolution:
    """The council's waste resolution from ``valid_from``; its periods never overlap another resolution's."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    if not (number or "").strip():
        errors["number"] = [_("Enter the number of the resolution.")]
    if not isinstance(adopted_on, datetime.date):
        errors["adopted_on"] = [_("Enter the date of adoption.")]
    if not isinstance(valid_from, datetime.date):
        errors["valid_from"] = [_("Enter the date the resolution applies from.")]
    elif valid_to is not None and (not isinstance(valid_to, datetime.date) or valid_to < valid_from):
        errors["valid_to"] = [_("The end of the period cannot be before its start.")]
    methods = list(dict.fromkeys(methods or []))
    if not methods or any(m not in WasteMethod.values for m in methods):
        errors["methods"] = [_("Choose at least one method for residential properties.")]
    if payment_frequency not in WasteResolution.Frequency.values:
        errors["payment_frequency"] = [_("Choose the payment frequency.")]
    if not isinstance(due_day, int) or isinstance(due_day, bool) or not 1 <= due_day <= 31:
        errors["due_day"] = [_("Enter the due day as a day of the month (1–31).")]
    if composting_basis not in WasteResolution.DiscountBasis.values:
        errors["composting_basis"] = [_("Choose whether the composting discount is per person or per household.")]
    multiplier = _amount(
        non_selective_multiplier, "non_selective_multiplier", _("Enter the multiplier as a number (2 to 4).")
    )
    if not MIN_MULTIPLIER <= multiplier <= MAX_MULTIPLIER:
        errors["non_selective_multiplier"] = [
            _("The fee for non-selective collection must be 2 to 4 times the basic rate; %(value)s is not allowed.")
            % {"value": f"{multiplier.normalize():f}".replace(".", ",")}
        ]
    discount = _amount(composting_discount, "composting_discount", _("Enter the discount in zł (e.g. 3.00)."))
    if discount < 0:
        errors["composting_discount"] = [_("The composting discount cannot be negative.")]
    if errors:
        raise ServiceValidationError(next(iter(errors.values()))[0], errors=errors)
    with transaction.atomic():
        # Serialise creations: lock the existing resolutions, then look for an overlap.
        others = list(WasteResolution.objects.select_for_update().all())
        for other in others:
            if (other.valid_to is None or other.valid_to >= valid_from) and (
                valid_to is None or other.valid_from <= valid_to
            ):
                earlier_end = other.valid_to if other.valid_from < valid_from else valid_to
                if earlier_end is None and other.valid_from != valid_from:
                    continue  # an open-ended earlier resolution ends where the next one starts
                msg = _("The period overlaps the resolution %(number)s valid from %(date)s.") % {
                    "number": other.number,
                    "date": f"{other.valid_from:%d.%m.%Y}",
                }
                raise ServiceValidationError(msg, errors={"valid_from": [msg]})
        resolution = WasteResolution.objects.create(
            number=number.strip(), adopted_on=adopted_on, publication=(publication or "").strip(),
            valid_from=valid_from, valid_to=valid_to, methods=methods, payment_frequency=payment_frequency,
            due_day=due_day, non_selective_multiplier=multiplier, composting_discount=discount,
            composting_basis=composting_basis, created_by=actor,
        )  # fmt: skip
        audit_log(
            actor=actor,
            action="taxes.waste_resolution.create",
            obj=resolution,
            details={
                "number": resolution.number, "valid_from": valid_from.isoformat(),
                "valid_to": valid_to.isoformat() if valid_to else None, "methods": methods,
                "multiplier": str(multiplier), "composting_discount": str(discount),
            },
        )  # fmt: skip
    return resolution


def waste_rate_set(
    *, actor, resolution: WasteResolution, kind: str, rate, capacity_l: int | None = None, frequency: int | None = None
) -> WasteRate:
    """Set (or change) a rate of ``resolution``; refused when negative or above the statutory cap on the
    resolution's ``valid_from`` (the cap is named in the message) — nothing is written then. A container rate needs
    its capacity (l) and the number of collections per month."""
    _require(actor)
    if kind not in WasteRate.Kind.values:
        msg = _("Choose the kind of the rate.")
        raise ServiceValidationError(msg, errors={"kind": [msg]})
    rate = _amount(rate, "rate", _("Enter the rate in zł with at most 2 decimal places.")).quantize(GROSZ)
    if kind == WasteRate.Kind.CONTAINER:
        errors = {}
        if not isinstance(capacity_l, int) or isinstance(capacity_l, bool) or capacity_l <= 0:
            errors["capacity_l"] = [_("Enter the capacity of the container in litres.")]
        if not isinstance(frequency, int) or isinstance(frequency, bool) or frequency <= 0:
            errors["frequency"] = [_("Enter the number of collections per month.")]
        if errors:
            raise ServiceValidationError(next(iter(errors.values()))[0], errors=errors)
    elif capacity_l is not None or frequency is not None:
        msg = _("Only a container rate has a capacity and a collection frequency.")
        raise ServiceValidationError(msg, errors={"capacity_l": [msg]})
    refusal = waste_rate_check(day=resolution.valid_from, kind=kind, rate=rate)
    if refusal:
        raise ServiceValidationError(refusal, errors={"rate": [refusal]})
    with transaction.atomic():
        existing = (
            WasteRate.objects.select_for_update()
            .filter(resolution=resolution, kind=kind, capacity_l=capacity_l, frequency=frequency)
            .first()
        )
        old = existing.rate if existing else None
        if existing:
            existing.rate = rate
            existing.save(update_fields=["rate"])
            obj = existing
        else:
            obj = WasteRate.objects.create(
                resolution=resolution, kind=kind, rate=rate, capacity_l=capacity_l, frequency=frequency
            )
        audit_log(
            actor=actor,
            action="taxes.waste_rate.set",
            obj=obj,
            details={
                "resolution": resolution.pk, "kind": kind, "capacity_l": capacity_l, "frequency": frequency,
                "rate": str(rate), "previous": None if old is None else str(old),
            },
        )  # fmt: skip
    return obj


def waste_exemption_set(
    *,
    actor,
    resolution: WasteResolution,
    code: str,
    name: str,
    percent=None,
    amount=None,
    basis: str = WasteResolution.DiscountBasis.PER_HOUSEHOLD,
) -> WasteExemption:
    """Set (or change) an optional exemption of ``resolution``: a percentage of the fee (0–100] or an amount per
    month per person or per household (``basis``)."""
    _require(actor)
    code, name = (code or "").strip(), (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = [_("Enter the code of the exemption.")]
    if not name:
        errors["name"] = [_("Enter the name of the exemption.")]
    if basis not in WasteResolution.DiscountBasis.values:
        errors["basis"] = [_("Choose whether the exemption amount is per person or per household.")]
    if (percent is None) == (amount is None):
        errors["percent"] = [_("Give either a percentage or an amount of the exemption.")]
    else:
        if percent is not None:
            percent = _amount(percent, "percent", _("Enter the percentage with at most 2 decimal places."))
            if not Decimal("0") < percent <= Decimal("100"):
                errors["percent"] = [_("The percentage must be above 0 and at most 100.")]
        else:
            amount = _amount(amount, "amount", _("Enter the amount in zł with at most 2 decimal places."))
            if amount <= 0:
                errors["amount"] = [_("The amount must be above zero.")]
    if errors:
        raise ServiceValidationError(next(iter(errors.values()))[0], errors=errors)
    with transaction.atomic():
        exemption, created = WasteExemption.objects.select_for_update().update_or_create(
            resolution=resolution,
            code=code,
            defaults={"name": name, "percent": percent, "amount": amount, "basis": basis},
        )
        audit_log(
            actor=actor,
            action="taxes.waste_exemption.set",
            obj=exemption,
            details={
                "resolution": resolution.pk, "code": code, "created": created,
                "percent": None if percent is None else str(percent), "amount": None if amount is None else str(amount),
                "basis": basis,
            },
        )  # fmt: skip
    return exemption
