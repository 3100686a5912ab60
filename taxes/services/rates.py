"""Resolutions (uchwały) and their rates, checked against the statutory maximum (and minimum) of the year.

Every service checks ``taxes.manage_rates``, owns its transaction and writes an audit event; a refusal writes
nothing."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from taxes.models import MaxRate, Rate, RateCategory, Resolution, Tax

PERM = "taxes.manage_rates"
MIN_YEAR, MAX_YEAR = 2000, 2100


def _require(actor) -> None:
    if actor is None or not getattr(actor, "is_active", False) or not actor.has_perm(PERM):
        raise ApplicationError(_("You may not manage the tax rates."), code="forbidden")


def unit_label(unit: str) -> str:
    return {
        RateCategory.Unit.M2: _("zł per m²"),
        RateCategory.Unit.HA: _("zł per ha"),
        RateCategory.Unit.PERCENT: _("percent of value"),
        RateCategory.Unit.VEHICLE: _("zł per vehicle"),
        RateCategory.Unit.HA_CONVERTED: _("zł per ha przeliczeniowy"),
    }.get(unit, "")


def format_rate(value: Decimal) -> str:
    """1.5000 → "1.50", 61.9014 → "61.9014" (at least two decimals, trailing zeros beyond them dropped)."""
    value = Decimal(value)
    text = f"{value.normalize():f}"
    whole, _sep, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def _year(year) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        value = 0
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise ServiceValidationError(_("Enter a valid tax year."), errors={"year": [_("Enter a valid tax year.")]})
    return value


def rate_check(*, year: int, category: RateCategory, rate: Decimal) -> str:
    """The refusal message for ``rate`` of ``category`` in ``year`` (empty when allowed): above the maximum, below
    the statutory minimum, negative, or no maximum known for the year (an administrator adds it first)."""
    if rate < 0:
        return _("The rate cannot be negative.")
    limit = MaxRate.objects.filter(year=year, category=category).first()
    if limit is None:
        return _("There is no maximum rate of %(category)s for %(year)s; an administrator must enter it first.") % {
            "category": category.name,
            "year": year,
        }
    params = {"rate": format_rate(rate), "unit": unit_label(category.unit), "year": year}
    if rate > limit.maximum:
        return _("The rate %(rate)s exceeds the maximum %(maximum)s %(unit)s for %(year)s.") % {
            **params,
            "maximum": format_rate(limit.maximum),
        }
    if rate < limit.minimum:
        return _("The rate %(rate)s is below the statutory minimum %(minimum)s %(unit)s for %(year)s.") % {
            **params,
            "minimum": format_rate(limit.minimum),
        }
    return ""


def resolution_create(
    *, actor, year: int, tax: str, number: str, adopted_on: datetime.date, publication: str = ""
) -> Resolution:
    """The council's resolution setting the rates of ``tax`` for ``year`` (one per tax and year)."""
    _require(actor)
    year = _year(year)
    errors: dict[str, list[str]] = {}
    if tax not in Tax.values:
        errors["tax"] = [_("Choose a tax.")]
    if not (number or "").strip():
        errors["number"] = [_("Enter the number of the resolution.")]
    if not isinstance(adopted_on, datetime.date):
        errors["adopted_on"] = [_("Enter the date of adoption.")]
    if errors:
        raise ServiceValidationError(_("Correct the resolution."), errors=errors)
    with transaction.atomic():
        if Resolution.objects.select_for_update().filter(year=year, tax=tax).exists():
            msg = _("A resolution on this tax for %(year)s is already recorded.") % {"year": year}
            raise ServiceValidationError(msg, errors={"tax": [msg]})
        resolution = Resolution.objects.create(
            year=year, tax=tax, number=number.strip(), adopted_on=adopted_on, publication=(publication or "").strip(),
            created_by=actor,
        )  # fmt: skip
        audit_log(
            actor=actor,
            action="taxes.resolution.create",
            obj=resolution,
            details={"year": year, "tax": tax, "number": resolution.number, "adopted_on": adopted_on.isoformat()},
        )
    return resolution


def _decimal(rate) -> Decimal:
    try:
        value = Decimal(str(rate))
    except (InvalidOperation, TypeError, ValueError):
        value = None
    if value is None or not value.is_finite() or value.as_tuple().exponent < -4:
        msg = _("Enter the rate as a number with at most 4 decimal places.")
        raise ServiceValidationError(msg, errors={"rate": [msg]})
    return value


def rate_set(*, actor, resolution: Resolution, category: RateCategory, rate) -> Rate:
    """Set (or change) the rate of ``category`` in ``resolution``; refused above the year's maximum or below its
    statutory minimum (the limit is shown) and for a category of another tax — nothing is written then."""
    _require(actor)
    rate = _decimal(rate)
    if category.tax != resolution.tax:
        msg = _("The category %(category)s belongs to another tax.") % {"category": category.name}
        raise ServiceValidationError(msg, errors={"category": [msg]})
    refusal = rate_check(year=resolution.year, category=category, rate=rate)
    if refusal:
        raise ServiceValidationError(refusal, errors={"rate": [refusal]})
    with transaction.atomic():
        existing = Rate.objects.select_for_update().filter(resolution=resolution, category=category).first()
        old = existing.rate if existing else None
        if existing:
            existing.rate = rate
            existing.save(update_fields=["rate"])
            obj = existing
        else:
            obj = Rate.objects.create(resolution=resolution, category=category, rate=rate)
        audit_log(
            actor=actor,
            action="taxes.rate.set",
            obj=obj,
            details={
                "resolution": resolution.pk, "year": resolution.year, "category": category.code,
                "rate": str(rate), "previous": None if old is None else str(old),
            },
        )  # fmt: skip
    return obj


@dataclass(frozen=True)
class CopyResult:
    copied: list[Rate]
    skipped: list[str]  # category codes already set in the target year


def rates_copy_from_year(*, actor, year: int, from_year: int, index: Decimal | None = None) -> CopyResult:
    """Copy the rates of ``from_year`` into the resolutions already recorded for ``year`` (same tax), optionally
    multiplied by ``index`` (rounded half up to the grosz). Rates already set in ``year`` are kept. Every copied
    rate is checked against the maximum of ``year``: if any is refused, nothing is written and the refusals are
    listed per category code."""
    _require(actor)
    year, from_year = _year(year), _year(from_year)
    targets = {r.tax: r for r in Resolution.objects.filter(year=year)}
    if not targets:
        msg = _("Record the resolutions for %(year)s first.") % {"year": year}
        raise ServiceValidationError(msg, errors={"year": [msg]})
    sources = Rate.objects.filter(resolution__year=from_year, resolution__tax__in=list(targets)).select_related(
        "category", "resolution"
    )
    present = set(Rate.objects.filter(resolution__year=year).values_list("category__code", flat=True))
    planned, skipped, errors = [], [], {}
    for source in sources:
        if source.category.code in present:
            skipped.append(source.category.code)
            continue
        rate = source.rate
        if index is not None:
            rate = (rate * Decimal(index)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        refusal = rate_check(year=year, category=source.category, rate=rate)
        if refusal:
            errors[source.category.code] = [refusal]
        planned.append(Rate(resolution=targets[source.resolution.tax], category=source.category, rate=rate))
    if errors:
        raise ServiceValidationError(_("Some rates exceed the limits of %(year)s.") % {"year": year}, errors=errors)
    with transaction.atomic():
        copied = [Rate.objects.create(resolution=r.resolution, category=r.category, rate=r.rate) for r in planned]
        for _tax, resolution in targets.items():
            audit_log(
                actor=actor,
                action="taxes.rate.copy",
                obj=resolution,
                details={
                    "from_year": from_year, "index": None if index is None else str(index),
                    "categories": [r.category.code for r in copied if r.resolution_id == resolution.pk],
                },
            )  # fmt: skip
    return CopyResult(copied, skipped)
