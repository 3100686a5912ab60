"""Read-side helpers of the taxes app. This module holds the rates area's selectors (rates, prices, multipliers,
year settings) and the bridges into the pure engine (:func:`year_rates`, :func:`conventions_for_year`,
:func:`due_date_shift`); other areas keep their selectors in their own modules."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from taxes.domain.engine import Conventions, YearRates
from taxes.models import CommodityPrice, HectareMultiplier, MaxRate, Rate, Resolution, YearSettings


def rates_for_year(year: int) -> dict[str, Decimal]:
    """Category code → the rate of the council's resolution for ``year``."""
    return dict(Rate.objects.filter(resolution__year=year).values_list("category__code", "rate"))


def max_rates(year: int) -> dict[str, MaxRate]:
    """Category code → the statutory maximum (and minimum) for ``year``."""
    return {m.category.code: m for m in MaxRate.objects.filter(year=year).select_related("category")}


def resolutions_for_year(year: int):
    return Resolution.objects.filter(year=year).order_by("tax")


def _price(kind: str, year: int) -> Decimal | None:
    return CommodityPrice.objects.filter(kind=kind, year=year).values_list("price", flat=True).first()


def rye_price(year: int) -> Decimal | None:
    """The rye price for the agricultural tax of ``year`` (zł/dt), ``None`` when not entered."""
    return _price(CommodityPrice.Kind.RYE, year)


def wood_price(year: int) -> Decimal | None:
    """The wood price for the forest tax of ``year`` (zł/m³), ``None`` when not entered."""
    return _price(CommodityPrice.Kind.WOOD, year)


def hectare_multipliers(on: datetime.date | None = None) -> dict[tuple[str, str, int], Decimal]:
    """(land_type, land_class, district) → multiplier, the row valid on ``on`` (latest ``valid_from`` ≤ ``on``)."""
    qs = HectareMultiplier.objects.all()
    if on is not None:
        qs = qs.filter(valid_from__lte=on)
    table: dict[tuple[str, str, int], Decimal] = {}
    for row in qs.order_by("valid_from"):
        table[(row.land_type, row.land_class, row.district)] = row.multiplier
    return table


def hectare_multiplier(land_type: str, land_class: str, district: int, on: datetime.date | None = None):
    return hectare_multipliers(on).get((land_type, land_class, int(district)))


def year_settings(year: int) -> YearSettings:
    """The settings of ``year``; an unsaved instance with the documented defaults when none is recorded."""
    return YearSettings.objects.filter(year=year).first() or YearSettings(year=year)


def conventions_for_year(year: int) -> Conventions:
    s = year_settings(year)
    return Conventions(
        tax_district=s.tax_district,
        installment_rounding=s.installment_rounding,
        proration=s.proration,
        joint_round_each_tax=s.joint_round_each_tax,
        single_payment_threshold=s.single_payment_threshold,
        no_decision_threshold=s.no_decision_threshold,
    )


def year_rates(year: int) -> YearRates:
    """Everything the engine needs about the rates of ``year`` (one query per table)."""
    return YearRates(
        year=year,
        rates=rates_for_year(year),
        rye_price=rye_price(year),
        wood_price=wood_price(year),
        multipliers=hectare_multipliers(datetime.date(year, 1, 1)),
    )


def due_date_shift(year: int) -> Callable[[datetime.date], datetime.date]:
    """OP art. 12 §5 for dates of ``year`` (and the next, for late deliveries): the pure engine's ``shift``."""
    from core.domain.calendar import next_working_day
    from core.selectors import holidays_between

    holidays = holidays_between(datetime.date(year, 1, 1), datetime.date(year + 1, 12, 31))
    return lambda day: next_working_day(day, holidays)
