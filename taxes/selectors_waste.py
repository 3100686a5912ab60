"""Reads of the waste fee reference data: the GUS income figure and the resolution in force on a day, and its rates
as the input of the pure computation (``taxes.domain.waste.WasteRates``)."""

from __future__ import annotations

import datetime

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


def declarations_in_force(month: datetime.date, property_ids=None) -> list:
    """Per property the accepted declaration in force in ``month`` (the 1st of it): the latest accepted one (by its
    month, then the latest recorded) whose ``effective_from`` is not after the month and which is not superseded by
    an accepted declaration effective by then. One query, rows streamed (the charge run and the verification)."""
    from taxes.models import WasteDeclaration

    month = month.replace(day=1)
    accepted = WasteDeclaration.Status.ACCEPTED
    qs = (
        WasteDeclaration.objects.filter(status=accepted, effective_from__lte=month)
        .exclude(superseded_by__status=accepted, superseded_by__effective_from__lte=month)
        .select_related("property__address", "payer")
        .order_by("property_id", "-effective_from", "-id")
    )
    if property_ids is not None:
        qs = qs.filter(property_id__in=property_ids)
    result: dict[int, object] = {}
    for declaration in qs.iterator(chunk_size=2000):  # the first per property (DISTINCT ON is PostgreSQL's only)
        result.setdefault(declaration.property_id, declaration)
    return list(result.values())
