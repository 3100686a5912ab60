"""The assessment engine of the local taxes (issue 8 point 4): pure functions, no ORM.

Inputs are plain dataclasses built by the caller from the register and the reference data:

* :class:`TaxableItem` — one object version's taxable description for a taxpayer (tax, rate code, unit, base,
  exemption, months of the obligation in the period, share);
* :class:`YearRates` — the rates of the year (code → Decimal, from the resolutions), the rye and wood prices and the
  hectare multipliers;
* :class:`Conventions` — the gmina's settings for the year (``taxes.models.YearSettings``).

The results (:class:`ItemResult`, :class:`TaxResult`, :class:`JointResult`) carry everything a decision needs: the
calculation per object (base, rate, exact amount, exemption kept), the exact sum (4 decimals) and the tax rounded to
full złoty (OP art. 63 §1). Payment schedules are in :mod:`taxes.domain.installments`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
ONE = Decimal("1")
EXACT = Decimal("0.0001")
ZLOTY = Decimal("1")

PROPERTY, AGRICULTURAL, FOREST, TRANSPORT = "property", "agricultural", "forest", "transport"

# Units of a rate category (taxes.models.RateCategory.Unit).
M2, HA, PERCENT, VEHICLE, HA_CONV = "m2", "ha", "percent", "vehicle", "ha_conv"

# Agricultural tax (upr art. 4): a farm pays 2.5 dt of rye per ha przeliczeniowy, other land 5 dt per ha fizyczny.
# Forest tax (upl art. 4): 0.220 m³ of wood per ha; forests in reserves and national parks −50 %.
RYE_DT_FARM = Decimal("2.5")
RYE_DT_OTHER = Decimal("5")
WOOD_M3_PER_HA = Decimal("0.220")
RESERVE_FACTOR = Decimal("0.5")
LOW_HEIGHT_FACTOR = Decimal("0.5")
AGRI_FARM, AGRI_OTHER = "agri_farm", "agri_other"
FOREST_CODE, FOREST_RESERVE_CODE = "forest", "forest_reserve"

# Proration conventions (YearSettings.proration).
PRORATE_ITEMS, PRORATE_ROUNDED = "items", "rounded"


class EngineError(ValueError):
    """Missing input the engine cannot assume (a rate, a price, a multiplier); ``code`` names it."""

    def __init__(self, message: str, *, code: str, item: object = None) -> None:
        super().__init__(message)
        self.code = code
        self.item = item


def round_tax(amount: Decimal) -> Decimal:
    """OP art. 63 §1: a tax amount to full złoty — fractions below 50 gr dropped, from 50 gr up."""
    return Decimal(amount).quantize(ZLOTY, rounding=ROUND_HALF_UP)


def exact(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(EXACT, rounding=ROUND_HALF_UP)


# --- inputs --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaxableItem:
    """One object version, for one taxpayer, in the period.

    ``area`` is m² (land, buildings), ha (land under water, agricultural land, forest); ``area_low`` is the part of a
    building's usable area with a height of 1.40–2.20 m, *included* in ``area`` and counted at 50 % (taxable area =
    area − area_low + 50 % × area_low). ``value`` is a structure's value. ``months`` are the months of the
    obligation in the period (see :func:`obligation_months`), ``share`` the fraction of the tax charged to this
    taxpayer (1 for joint and several liability — co-owners get the whole tax). ``ref`` is the caller's key
    (e.g. the ObjectVersion id), returned unchanged in the result.
    """

    tax: str
    category: str
    unit: str
    area: Decimal = ZERO
    area_low: Decimal = ZERO
    value: Decimal = ZERO
    land_type: str = ""
    land_class: str = ""
    reserve: bool = False
    vehicle: VehicleData | None = None
    exemption: str = ""
    months: int = 12
    share: Decimal = ONE
    ref: object = None


@dataclass(frozen=True)
class VehicleData:
    """What the transport tax class depends on (see :func:`taxes.domain.vehicles.vehicle_category`)."""

    kind: str  # truck, tractor, trailer, bus
    mass_kg: int = 0
    axles: int = 0
    air_suspension: bool = False
    seats: int = 0
    year: int | None = None


@dataclass(frozen=True)
class YearRates:
    """Rates of a tax year: ``rates`` code → rate (the resolutions), the rye price (zł/dt) and wood price (zł/m³),
    ``multipliers`` (land_type, land_class, district) → ha przeliczeniowe per ha."""

    year: int
    rates: Mapping[str, Decimal] = field(default_factory=dict)
    rye_price: Decimal | None = None
    wood_price: Decimal | None = None
    multipliers: Mapping[tuple[str, str, int], Decimal] = field(default_factory=dict)

    def rate(self, code: str, item: object = None) -> Decimal:
        """The rate of ``code``: the resolution's rate, or for the agricultural and forest taxes the statutory rate
        derived from the rye / wood price when the council has not set one."""
        if code in self.rates:
            return Decimal(self.rates[code])
        derived = self._derived(code)
        if derived is None:
            raise EngineError(f"No rate for the category {code} in {self.year}.", code="rate_missing", item=item)
        return derived

    def _derived(self, code: str) -> Decimal | None:
        if code in (AGRI_FARM, AGRI_OTHER) and self.rye_price is not None:
            return exact(self.rye_price * (RYE_DT_FARM if code == AGRI_FARM else RYE_DT_OTHER))
        if code in (FOREST_CODE, FOREST_RESERVE_CODE) and self.wood_price is not None:
            rate = exact(self.wood_price * WOOD_M3_PER_HA)
            return exact(rate * RESERVE_FACTOR) if code == FOREST_RESERVE_CODE else rate
        return None


@dataclass(frozen=True)
class Conventions:
    """The gmina's settings for the year (``YearSettings``); defaults are the documented ones."""

    tax_district: int = 2
    installment_rounding: str = "grosze"  # or "zloty_first"
    proration: str = PRORATE_ITEMS  # or PRORATE_ROUNDED
    joint_round_each_tax: bool = True
    single_payment_threshold: Decimal = Decimal("100.00")
    no_decision_threshold: Decimal = Decimal("6.10")


DEFAULT_CONVENTIONS = Conventions()


# --- outputs -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemResult:
    item: TaxableItem
    base: Decimal  # m², ha, ha przeliczeniowe, value or number of vehicles
    rate: Decimal  # per unit of base (structures: percent)
    annual: Decimal  # exact (4 decimals), before proration and share; 0 when exempt
    amount: Decimal  # exact (4 decimals), × months/12 × share
    exemption: str = ""


@dataclass(frozen=True)
class TaxResult:
    tax: str
    items: tuple[ItemResult, ...]
    exact: Decimal  # Σ amounts (4 decimals)
    amount: Decimal  # rounded to full złoty (OP art. 63 §1)
    farm: bool | None = None  # agricultural tax: assessed as a gospodarstwo rolne


@dataclass(frozen=True)
class JointResult:
    """Łączne zobowiązanie pieniężne (upr art. 6c) or a single tax: the taxes of one decision and their total."""

    taxes: tuple[TaxResult, ...]
    total: Decimal

    @property
    def joint(self) -> bool:
        return len(self.taxes) > 1


# --- months --------------------------------------------------------------------------------------------------------


def obligation_start(event: datetime.date) -> datetime.date:
    """The obligation starts on the 1st day of the month after the event (upol art. 6 ust. 1, upr art. 6a)."""
    return datetime.date(event.year + event.month // 12, event.month % 12 + 1, 1)


def obligation_months(
    year: int, *, arose_on: datetime.date | None = None, ceased_on: datetime.date | None = None
) -> int:
    """Months of ``year`` in which the obligation exists: from the month after ``arose_on`` (the event) to the month
    of ``ceased_on`` (inclusive — it ends with the end of that month). ``None`` = before / after the year."""
    first = 1
    if arose_on is not None:
        start = obligation_start(arose_on)
        if start.year > year:
            return 0
        first = start.month if start.year == year else 1
    last = 12
    if ceased_on is not None:
        if ceased_on.year < year:
            return 0
        last = ceased_on.month if ceased_on.year == year else 12
    return max(0, last - first + 1)


# --- items ---------------------------------------------------------------------------------------------------------


def converted_hectares(
    item: TaxableItem, multipliers: Mapping[tuple[str, str, int], Decimal], district: int
) -> Decimal:
    """Hectares przeliczeniowe of an agricultural item (upr art. 4 ust. 5–7): orchards use the arable multipliers
    (III → IIIa, IV → IVa); fish ponds with salmonids and built-up agricultural land count 1.0, other ponds 0.20."""
    land_type, land_class = item.land_type, item.land_class
    fixed = {"pond_salmon": ONE, "built_up": ONE, "pond_other": Decimal("0.20")}
    if land_type in fixed:
        return exact(Decimal(item.area) * fixed[land_type])
    if land_type == "orchard":
        land_type, land_class = "arable", {"III": "IIIa", "IV": "IVa"}.get(land_class, land_class)
    key = (land_type, land_class, district)
    if key not in multipliers:
        raise EngineError(
            f"No hectare multiplier for {land_type} class {land_class} in district {district}.",
            code="multiplier_missing",
            item=item,
        )
    return exact(Decimal(item.area) * Decimal(multipliers[key]))


def is_farm(items: Iterable[TaxableItem], rates: YearRates, district: int) -> bool:
    """Gospodarstwo rolne: the taxpayer's agricultural land exceeds 1 ha fizyczny or 1 ha przeliczeniowy."""
    items = [i for i in items if i.tax == AGRICULTURAL]
    physical = sum((Decimal(i.area) for i in items), ZERO)
    if physical > ONE:
        return True
    converted = sum((converted_hectares(i, rates.multipliers, district) for i in items), ZERO)
    return converted > ONE


def item_base(item: TaxableItem) -> Decimal:
    """The base of a non-agricultural item: a building's taxable area, a structure's value, else the area; 1 per
    vehicle."""
    if item.unit == VEHICLE:
        return ONE
    if item.unit == PERCENT:
        return Decimal(item.value)
    if item.area_low:
        area, low = Decimal(item.area), Decimal(item.area_low)
        return exact(area - low + low * LOW_HEIGHT_FACTOR)
    return Decimal(item.area)


def assess_item(
    item: TaxableItem, rates: YearRates, conventions: Conventions = Conventions(), *, farm: bool | None = None
) -> ItemResult:
    """The amount of one item. Agricultural items need ``farm`` (see :func:`is_farm`)."""
    if item.tax == AGRICULTURAL:
        if farm:
            base, code = converted_hectares(item, rates.multipliers, conventions.tax_district), AGRI_FARM
        else:
            base, code = Decimal(item.area), AGRI_OTHER
    elif item.tax == FOREST:
        base, code = Decimal(item.area), FOREST_RESERVE_CODE if item.reserve else FOREST_CODE
        if item.reserve and FOREST_RESERVE_CODE not in rates.rates and FOREST_CODE in rates.rates:
            rate = exact(Decimal(rates.rates[FOREST_CODE]) * RESERVE_FACTOR)
            return _item_result(item, base, rate)
    else:
        base, code = item_base(item), item.category
    rate = rates.rate(code, item)
    if item.unit == PERCENT:
        return _item_result(item, base, rate, divisor=Decimal(100))
    return _item_result(item, base, rate)


def _item_result(item: TaxableItem, base: Decimal, rate: Decimal, divisor: Decimal = ONE) -> ItemResult:
    if item.exemption:
        return ItemResult(item, base, rate, ZERO, ZERO, item.exemption)
    annual = exact(base * rate / divisor)
    amount = exact(annual * Decimal(item.months) / 12 * Decimal(item.share))
    return ItemResult(item, base, rate, annual, amount)


def assess_tax(
    tax: str,
    items: Sequence[TaxableItem],
    rates: YearRates,
    conventions: Conventions = Conventions(),
    *,
    farm: bool | None = None,
) -> TaxResult:
    """One tax of one taxpayer: Σ items (exact) → full złoty.

    Proration (``conventions.proration``): ``items`` (default) prorates each unrounded item and rounds the sum once;
    ``rounded`` rounds the annual tax of the items sharing the same months first, prorates it, and rounds the sum
    (E1: bought 10.06.2025 → 6 months → 363 with ``items``, 364 with ``rounded``). ``farm`` overrides the
    gospodarstwo test for the agricultural tax.
    """
    items = [i for i in items if i.tax == tax]
    if tax == AGRICULTURAL and farm is None:
        farm = is_farm(items, rates, conventions.tax_district)
    results = tuple(assess_item(i, rates, conventions, farm=farm) for i in items)
    total = exact(sum((r.amount for r in results), ZERO))
    if conventions.proration == PRORATE_ROUNDED:
        groups: dict[int, Decimal] = {}
        for r in results:
            groups[r.item.months] = groups.get(r.item.months, ZERO) + r.annual * Decimal(r.item.share)
        amount = round_tax(sum((round_tax(a) * Decimal(m) / 12 for m, a in groups.items()), ZERO))
    else:
        amount = round_tax(total)
    return TaxResult(tax, results, total, amount, farm if tax == AGRICULTURAL else None)


def joint_liability(natural_person: bool, taxes: Iterable[str]) -> bool:
    """Łączne zobowiązanie pieniężne (upr art. 6c): a natural person liable for the agricultural tax and for the
    property and/or forest tax in the gmina."""
    taxes = set(taxes)
    return natural_person and AGRICULTURAL in taxes and bool(taxes & {PROPERTY, FOREST})


def assess_taxpayer(
    items: Sequence[TaxableItem],
    rates: YearRates,
    conventions: Conventions = Conventions(),
    *,
    natural_person: bool = True,
) -> list[JointResult]:
    """All taxes of one taxpayer, grouped into decisions: one joint decision (agricultural + property/forest) for a
    natural person when :func:`joint_liability`, otherwise one result per tax. Within a joint decision each tax is
    rounded separately and the total is their sum (``joint_round_each_tax``, default), or the total is the exact sum
    rounded once. Transport tax is always separate."""
    taxes = [t for t in (PROPERTY, AGRICULTURAL, FOREST, TRANSPORT) if any(i.tax == t for i in items)]
    results = {t: assess_tax(t, items, rates, conventions) for t in taxes}
    if joint_liability(natural_person, taxes):
        joint = [results[t] for t in (AGRICULTURAL, PROPERTY, FOREST) if t in results]
        decisions = [joint_result(joint, conventions)]
        decisions += [joint_result([results[TRANSPORT]], conventions)] if TRANSPORT in results else []
        return decisions
    return [joint_result([results[t]], conventions) for t in taxes]


def joint_result(taxes: Sequence[TaxResult], conventions: Conventions = Conventions()) -> JointResult:
    if conventions.joint_round_each_tax or len(taxes) == 1:
        total = sum((t.amount for t in taxes), ZERO)
    else:
        total = round_tax(sum((t.exact for t in taxes), ZERO))
    return JointResult(tuple(taxes), Decimal(total).quantize(ZLOTY))
