"""Reads of the waste fee reference data: the GUS income figure and the resolution in force on a day, and its rates
as the input of the pure computation (``taxes.domain.waste.WasteRates``)."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Q

from taxes.domain import waste as domain
from taxes.models import WasteIncome, WasteRate, WasteResolution

#: the model's method / rate kind → the name in ``taxes.domain.waste``
DOMAIN_METHOD = {
    WasteRate.Kind.PER_RESIDENT: domain.RESIDENT,
    WasteRate.Kind.PER_M3: domain.WATER,
    WasteRate.Kind.PER_M2: domain.AREA,
    WasteRate.Kind.PER_HOUSEHOLD: domain.HOUSEHOLD,
}
DOMAIN_BASIS = {
    WasteResolution.DiscountBasis.PER_PERSON: domain.PER_PERSON,
    WasteResolution.DiscountBasis.PER_HOUSEHOLD: domain.PER_HOUSEHOLD,
}


def income_on(day: datetime.date) -> WasteIncome | None:
    """The GUS income figure whose caps apply on ``day`` (the latest published on or before it)."""
    return WasteIncome.objects.filter(applies_from__lte=day).order_by("-applies_from").first()


def waste_resolution_on(day: datetime.date) -> WasteResolution | None:
    """The resolution in force on ``day``: the latest with ``valid_from`` ≤ day whose ``valid_to`` (if any) is not
    before the day (an open-ended resolution ends where the next one starts)."""
    return (
        WasteResolution.objects.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("-valid_from")
        .first()
    )


def waste_rates_on(day: datetime.date) -> domain.WasteRates | None:
    """The rates in force on ``day`` for ``taxes.domain.waste.monthly_fee`` (None: no resolution). The water
    method's household cap is that of the income figure applying on ``day`` (None when no figure is known)."""
    resolution = waste_resolution_on(day)
    if resolution is None:
        return None
    rates, containers, cottage = {}, {}, None
    for rate in resolution.rates.all():
        if rate.kind == WasteRate.Kind.CONTAINER:
            containers[(rate.capacity_l, rate.frequency)] = rate.rate
        elif rate.kind == WasteRate.Kind.COTTAGE:
            cottage = rate.rate
        else:
            rates[DOMAIN_METHOD[rate.kind]] = rate.rate
    exemptions = {
        e.code: domain.Exemption(
            code=e.code,
            kind=domain.PERCENT if e.percent is not None else domain.AMOUNT,
            value=e.percent if e.percent is not None else e.amount,
            basis=DOMAIN_BASIS[e.basis],
        )
        for e in resolution.exemptions.all()
    }
    income = income_on(day)
    return domain.WasteRates(
        methods=tuple(DOMAIN_METHOD[m] for m in resolution.methods),
        rates=rates,
        multiplier=resolution.non_selective_multiplier,
        composting_discount=resolution.composting_discount,
        composting_basis=DOMAIN_BASIS[resolution.composting_basis],
        exemptions=exemptions,
        cottage_rate=cottage,
        container_rates=containers,
        water_cap=None if income is None else domain.caps(income.amount).water_household,
    )


def waste_declarations_in_force(prop, day: datetime.date):
    """The accepted declarations of ``prop`` applying on or before ``day``, the one in force first (the latest month
    it applies from, then the latest filed); superseded ones stay as the history of the earlier months."""
    from taxes.models import WasteDeclaration

    return WasteDeclaration.objects.filter(
        property=prop, status=WasteDeclaration.Status.ACCEPTED, effective_from__lte=day
    ).order_by("-effective_from", "-filed_on", "-id")


def declared_of(declaration) -> domain.Declared:
    """A declaration's data as the input of ``taxes.domain.waste.monthly_fee`` (containers stored as
    ``{"capacity_l", "frequency", "count"}`` or as ``[capacity, frequency, count]``; count 1 when left out)."""
    from taxes.models import WasteProperty

    containers = []
    for row in declaration.containers or []:
        if isinstance(row, dict):
            capacity, frequency, count = row.get("capacity_l"), row.get("frequency"), row.get("count", 1)
        else:
            capacity, frequency, count = [*row, 1][:3]
        containers.append(domain.Container(int(capacity), int(frequency), int(count)))
    return domain.Declared(
        method=DOMAIN_METHOD.get(declaration.method, declaration.method or ""),
        residents=declaration.residents,
        water_m3=declaration.water_m3,
        area_m2=declaration.dwelling_m2,
        households=declaration.households if declaration.households is not None else 1,
        selective=declaration.selective,
        composts=declaration.composts,
        exemptions=tuple(declaration.exemption_codes or ()),
        cottage=declaration.property.kind == WasteProperty.Kind.COTTAGE,
        containers=tuple(containers),
    )


def in_force_queryset(month: datetime.date, property_ids=None):
    """The accepted declarations that may be in force in ``month`` (the 1st of it), per property the one in force
    first: effective by the 1st, not superseded by an accepted declaration effective by then, ordered by property,
    then the latest month, then the latest recorded (a decision under art. 6o is a row like the others). The caller
    keeps the first row of each property (DISTINCT ON is PostgreSQL's only): :func:`declarations_in_force`,
    :func:`in_force_rows`."""
    from taxes.models import WasteDeclaration

    month = month.replace(day=1)
    accepted = WasteDeclaration.Status.ACCEPTED
    qs = (
        WasteDeclaration.objects.filter(status=accepted, effective_from__lte=month)
        .exclude(superseded_by__status=accepted, superseded_by__effective_from__lte=month)
        .order_by("property_id", "-effective_from", "-id")
    )
    if property_ids is not None:
        qs = qs.filter(property_id__in=list(property_ids))
    return qs


def declarations_in_force(month: datetime.date, property_ids=None, *, only: tuple[str, ...] = ()) -> list:
    """Per property the accepted declaration in force in ``month`` (:func:`in_force_queryset`), as model instances:
    with the property's address and the payer, or — ``only`` given — just those columns and the property's row (the
    charge run over 100 000 properties: ~5 s instead of ~25 s). One query, rows streamed."""
    qs = in_force_queryset(month, property_ids)
    qs = qs.select_related("property").only(*only) if only else qs.select_related("property__address", "payer")
    result: dict[int, object] = {}
    for declaration in qs.iterator(chunk_size=2000):
        result.setdefault(declaration.property_id, declaration)
    return list(result.values())


def in_force_rows(month: datetime.date, fields: tuple[str, ...], property_ids=None):
    """Per property the declaration in force in ``month`` as a plain tuple of ``fields`` (the first two must be
    ``"id", "property_id"``), streamed in the order of the properties without building model instances (the nightly
    verification)."""
    last = None
    for row in in_force_queryset(month, property_ids).values_list(*fields).iterator(chunk_size=2000):
        if row[1] != last:
            last = row[1]
            yield row


def registered_by_address(day: datetime.date) -> dict[tuple, int]:
    """(locality id, street id, BUILDING, FLAT) → distinct residents registered on ``day``; the key with flat None
    sums all the flats of the building (the nightly verification and the statistics)."""
    from population.selectors import resident_counts_by_address

    counts: dict[tuple, int] = defaultdict(int)
    for c in resident_counts_by_address(on=day):
        building = (c.locality_id, c.street_id, (c.building_number or "").strip().upper())
        counts[(*building, (c.flat_number or "").strip().upper())] += c.residents
        counts[(*building, None)] += c.residents
    return counts


def address_key(address) -> tuple:
    """The key of ``registered_by_address`` for a property's address."""
    return (address.locality_id, address.street_id, (address.building_number or "").strip().upper(),
            (address.flat_number or "").strip().upper() or None)  # fmt: skip
