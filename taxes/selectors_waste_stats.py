"""Statistics of the waste fee (issue 9 point 7): declared vs registered residents per locality, the fee charged
and paid per month of a year, the share of composting properties. Set-based reads (a fixed number of queries,
none per property); the finance figures are read from ``finance.AccountEntry`` READ-ONLY by the ORM (no finance
selector aggregates by the waste fee's ``source_ref`` ``waste:<declaration>:<YYYY-MM>[:correction]``).

* **Residents** — on the 1st of the month: the declared residents of the declarations in force
  (``taxes.selectors_waste.declarations_in_force``) and the residents registered at the properties' addresses,
  counted as the nightly verification counts them (``registered_by_address``: distinct persons with a
  registration of stay in force, permanent or temporary; a property address without a flat number counts all the
  flats of the building), summed per locality of the property; beside them all the residents registered in the
  locality.
* **Fees** — per month of the year (the month of the charge's ``source_ref``, so a correction counts in the month
  it corrects): charged = charges − reductions (odpisy) of the ``waste:`` refs, paid = the payments allocated to
  the principal of those charges' installments; reversed entries (storno) are left out.
* **Composting** — residential properties whose declaration in force declares composting, of all residential
  properties, per locality and overall (a property without a declaration in force counts as not composting)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from taxes.models import WasteProperty
from taxes.selectors_waste import address_key, declarations_in_force, registered_by_address

ZERO = Decimal("0.00")


def _locality(address) -> tuple:
    name = address.locality.name if address.locality_id else (address.locality_name or "")
    return (address.locality_id, name)


@dataclass(frozen=True)
class LocalityResidents:
    locality: str
    properties: int
    declarations: int
    declared: int
    registered: int
    registered_total: int

    @property
    def difference(self) -> int:
        return self.registered - self.declared


@dataclass(frozen=True)
class MonthFees:
    month: datetime.date
    charged: Decimal
    reduced: Decimal
    paid: Decimal

    @property
    def net(self) -> Decimal:
        return self.charged - self.reduced


@dataclass(frozen=True)
class Composting:
    locality: str
    residential: int
    composting: int

    @property
    def share(self) -> Decimal:
        """Percent, to one decimal place (0 when there is no residential property)."""
        if not self.residential:
            return Decimal("0.0")
        return (Decimal(100) * self.composting / self.residential).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _properties():
    return list(WasteProperty.objects.select_related("address__locality").order_by("pk"))


def residents_by_locality(month: datetime.date, *, properties=None, in_force=None) -> list[LocalityResidents]:
    """Per locality (by name), on the 1st of ``month``: the waste fee properties, the declarations in force, the
    residents they declare, the residents registered at those properties and all registered in the locality."""
    from population.selectors import resident_counts_by_address

    month = month.replace(day=1)
    properties = _properties() if properties is None else properties
    in_force = {d.property_id: d for d in declarations_in_force(month)} if in_force is None else in_force
    registered = registered_by_address(month)
    totals: dict[int, int] = defaultdict(int)
    for c in resident_counts_by_address(on=month):
        totals[c.locality_id] += c.residents
    rows: dict[tuple, list[int]] = {}
    for p in properties:
        key = _locality(p.address)
        row = rows.setdefault(key, [0, 0, 0, 0])
        row[0] += 1
        row[3] += registered.get(address_key(p.address), 0)
        declaration = in_force.get(p.pk)
        if declaration is not None:
            row[1] += 1
            row[2] += declaration.residents or 0
    return sorted(
        (LocalityResidents(locality=name, properties=r[0], declarations=r[1], declared=r[2], registered=r[3],
                           registered_total=totals.get(lid, 0) if lid else 0)
         for (lid, name), r in rows.items()),
        key=lambda x: (x.locality.casefold(), x.locality),
    )  # fmt: skip


def _ref_month(ref: str, value_date: datetime.date | None = None) -> datetime.date | None:
    """The month a waste fee entry belongs to: the month in its ref (``waste:<declaration>:<YYYY-MM>[:correction]``),
    or — a holiday cottage's annual fee (``waste:<declaration>:<YYYY>:annual[:correction]``) — the month of the
    charge's value date (the first month of the year with a declaration)."""
    parts = ref.split(":")
    if len(parts) < 3:
        return None
    if len(parts) >= 4 and parts[3] == "annual":
        return value_date.replace(day=1) if value_date is not None else None
    try:
        year, month = parts[2].split("-")
        return datetime.date(int(year), int(month), 1)
    except ValueError:
        return None


def fees_by_month(year: int) -> list[MonthFees]:
    """The twelve months of ``year``: charged, reduced (odpisy) and paid (allocated to principal) of the waste fee's
    charges, by the month in their ``source_ref`` (the cottages' annual fee in the month it was charged for). Three
    grouped queries."""
    from django.db.models import Q

    from finance.models import AccountEntry

    K = AccountEntry.Kind
    of_year = Q(source_ref__contains=f":{year}-") | Q(source_ref__contains=f":{year}:annual")
    refs = AccountEntry.objects.filter(of_year, source_ref__startswith="waste:", reversed_by__isnull=True)
    charged: dict[datetime.date, Decimal] = defaultdict(lambda: ZERO)
    reduced: dict[datetime.date, Decimal] = defaultdict(lambda: ZERO)
    paid: dict[datetime.date, Decimal] = defaultdict(lambda: ZERO)
    # a reduction's value date is its own day: the annual fee's month is the value date of the charge it reduces
    for kind, target, date_field in (
        (K.CHARGE, charged, "value_date"), (K.REDUCTION, reduced, "installment__charge__value_date"),
    ):  # fmt: skip
        rows = refs.filter(kind=kind).values("source_ref", date_field).annotate(total=Sum("amount")).order_by()
        for row in rows:
            month = _ref_month(row["source_ref"], row[date_field])
            if month is not None and month.year == year:
                target[month] += row["total"]
    of_year_charge = Q(installment__charge__source_ref__contains=f":{year}-") | Q(
        installment__charge__source_ref__contains=f":{year}:annual"
    )
    allocations = (
        AccountEntry.objects.filter(
            of_year_charge, kind=K.ALLOCATION, component=AccountEntry.Component.PRINCIPAL, reversed_by__isnull=True,
            installment__charge__source_ref__startswith="waste:",
        )
        .values("installment__charge__source_ref", "installment__charge__value_date")
        .annotate(total=Sum("amount"))
        .order_by()
    )  # fmt: skip
    for row in allocations:
        month = _ref_month(row["installment__charge__source_ref"], row["installment__charge__value_date"])
        if month is not None and month.year == year:
            paid[month] += row["total"]
    months = [datetime.date(year, m, 1) for m in range(1, 13)]
    return [MonthFees(month=m, charged=charged[m], reduced=reduced[m], paid=paid[m]) for m in months]


def composting_by_locality(month: datetime.date, *, properties=None, in_force=None) -> tuple[list, Composting]:
    """Per locality and overall, on the 1st of ``month``: the residential properties and those whose declaration in
    force declares composting."""
    month = month.replace(day=1)
    properties = _properties() if properties is None else properties
    in_force = {d.property_id: d for d in declarations_in_force(month)} if in_force is None else in_force
    rows: dict[str, list[int]] = {}
    for p in properties:
        if p.kind != WasteProperty.Kind.RESIDENTIAL:
            continue
        row = rows.setdefault(_locality(p.address)[1], [0, 0])
        row[0] += 1
        declaration = in_force.get(p.pk)
        row[1] += 1 if declaration is not None and declaration.composts else 0
    per_locality = [Composting(locality=name, residential=r[0], composting=r[1])
                    for name, r in sorted(rows.items(), key=lambda x: (x[0].casefold(), x[0]))]  # fmt: skip
    overall = Composting(locality="", residential=sum(r.residential for r in per_locality),
                         composting=sum(r.composting for r in per_locality))  # fmt: skip
    return per_locality, overall


@dataclass(frozen=True)
class WasteStats:
    year: int
    month: datetime.date
    residents: list[LocalityResidents]
    fees: list[MonthFees]
    composting: list[Composting]
    composting_overall: Composting


def waste_stats(*, year: int, month: int) -> WasteStats:
    """All three statistics: the residents and the composting on the 1st of ``month`` of ``year``, the fees of the
    twelve months of ``year``."""
    day = datetime.date(year, month, 1)
    properties = _properties()
    in_force = {d.property_id: d for d in declarations_in_force(day)}
    composting, overall = composting_by_locality(day, properties=properties, in_force=in_force)
    return WasteStats(year=year, month=day, fees=fees_by_month(year), composting=composting,
                      composting_overall=overall,
                      residents=residents_by_locality(day, properties=properties, in_force=in_force))  # fmt: skip
