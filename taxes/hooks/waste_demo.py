"""Demo data of the waste fee (issue 9 point 8): properties at the residents' registered addresses, accepted
declarations with a realistic share of discrepancies, the water utility's and the collector's CSV files imported,
the verification of the last full month (findings in the queue) and its charges posted. Deterministic
(``random.Random(seed)``) and idempotent: a second run adds nothing."""

from __future__ import annotations

import datetime
import random

PREFIX = "ODP/D/"
DEFAULT_SIZE = 600
DEFAULT_SEED = 9
FIRST_MONTH = datetime.date(2025, 1, 1)  # the demo resolution's start (taxes.hooks.waste)


def _months_back(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 - n
    return datetime.date(index // 12, index % 12 + 1, 1)


def _address_text(address) -> str:
    """The address as the water utility / collector writes it (matched by taxes.services.waste_verify)."""
    place = address.street.full_name if address.street_id else (
        address.locality.name if address.locality_id else address.locality_name)  # fmt: skip
    if not address.street_id and address.street_name:
        place = address.street_name
    number = address.building_number + (f"/{address.flat_number}" if address.flat_number else "")
    town = address.locality.name if address.locality_id else address.locality_name
    return f"{place} {number}, {town}"


def _addresses(today: datetime.date, size: int) -> list[tuple[int, int, int]]:
    """(address id, registered residents, payer party id) of up to ``size`` residential addresses, in a stable order."""
    from population.models import Registration
    from population.selectors import in_force_on, resident_counts_by_address

    counts = {
        (
            c.locality_id,
            c.street_id,
            c.building_number.strip().upper(),
            (c.flat_number or "").strip().upper(),
        ): c.residents
        for c in resident_counts_by_address(on=today)
    }
    first: dict[tuple, tuple[int, int]] = {}
    rows = (
        Registration.objects.filter(in_force_on(today))
        .order_by("pk")
        .values_list("locality_id", "street_id", "building_number", "flat_number", "address_id", "resident__party_id")
    )
    for locality, street, building, flat, address_id, party_id in rows.iterator(chunk_size=2000):
        key = (locality, street, (building or "").strip().upper(), (flat or "").strip().upper())
        first.setdefault(key, (address_id, party_id))
    result = [(address_id, counts.get(key, 1), party_id) for key, (address_id, party_id) in sorted(
        first.items(), key=lambda item: item[1][0])]  # fmt: skip
    return result[:size]


def seed_demo(*, actor=None, stdout=None, size: int = DEFAULT_SIZE, seed: int = DEFAULT_SEED, today=None) -> str:
    from django.db import transaction
    from django.utils import timezone

    from core.models import Address, Party
    from taxes.hooks.demo_decisions import _assessor
    from taxes.models import CollectionContract, WasteProperty, WaterReading
    from taxes.selectors_waste import waste_rates_on
    from taxes.services.waste_charges import waste_charges_post
    from taxes.services.waste_declarations import (
        waste_declaration_accept,
        waste_declaration_record,
        waste_property_create,
    )
    from taxes.services.waste_verify import contracts_import, waste_verify, water_import

    if actor is None or not (actor.has_perm("taxes.manage_register") and actor.has_perm("taxes.assess_taxes")):
        actor = _assessor()
    if actor is None:
        return "waste demo: skipped (no user allowed to assess taxes)"
    today = today or timezone.localdate()
    last = _months_back(today.replace(day=1), 1)
    months = [_months_back(last, n) for n in (2, 1, 0)]
    if months[0] < FIRST_MONTH or waste_rates_on(months[0]) is None:
        return "waste demo: skipped (no waste fee resolution in force)"
    effective = months[0]
    rng = random.Random(seed)  # noqa: S311 (demo data)
    created = declared = 0
    water_rows, contract_rows = [], []
    with transaction.atomic():
        before = (WaterReading.objects.count(), CollectionContract.objects.count())
        addresses = _addresses(today, size)
        existing = {
            p.identifier: p for p in WasteProperty.objects.filter(identifier__startswith=PREFIX).select_related(
                "address__street", "address__locality")}  # fmt: skip
        objects = Address.objects.select_related("street", "locality").in_bulk([a for a, _n, _p in addresses])
        parties = Party.objects.in_bulk([p for _a, _n, p in addresses])
        for n, (address_id, registered, party_id) in enumerate(addresses, start=1):
            identifier = f"{PREFIX}{n:05d}"
            # the draws happen whether or not the property exists, so a second run sees the same data
            share, composts, selective_draw, mixed_draw, water_draw = (rng.random() for _i in range(5))
            fewer = rng.randint(1, 3)
            per_person = rng.uniform(2.5, 4.0)
            if identifier in existing:
                prop = existing[identifier]
                mixed = prop.kind == WasteProperty.Kind.MIXED
            else:
                mixed = mixed_draw < 0.02 or n % 50 == 3  # a few mixed-use, at least one
                kind = WasteProperty.Kind.MIXED if mixed else WasteProperty.Kind.RESIDENTIAL
                prop = waste_property_create(actor=actor, identifier=identifier, address=objects[address_id],
                                             kind=kind)  # fmt: skip
                created += 1
                if share < 0.95:  # ~5 % never declared
                    residents = registered
                    if (share >= 0.85 or n % 20 == 2) and registered > 1:  # ~10 % declare fewer people than registered
                        residents = max(1, registered - fewer)
                    containers = [{"capacity_l": 120, "frequency": 2, "count": 1}] if mixed else []
                    declaration = waste_declaration_record(
                        actor=actor, property=prop, payer=parties[party_id], filed_on=effective + datetime.timedelta(
                            days=9), effective_from=effective, purpose="first", method="per_resident",
                        residents=residents, selective=selective_draw >= 0.03, composts=composts < 0.30,
                        containers=containers,
                    )  # fmt: skip
                    waste_declaration_accept(actor=actor, declaration=declaration)
                    declared += 1
            text = _address_text(prop.address)
            heavy = water_draw < 0.04 or n % 50 == 5  # a few use far more water than the declared people could
            for month in months:
                m3 = registered * (per_person * (3 if heavy else 1))
                water_rows.append(f"WM-{prop.identifier};{text};{month:%Y-%m};{m3:.3f}")
            if mixed:
                bigger = water_draw < 0.5 or n % 100 == 3  # about half contracted more than declared
                capacity = 240 if bigger else 120
                contract_rows.append(f"{text};{capacity};2;1;{effective:%Y-%m-%d};")
        water_csv = ("meter_point;address;period;m3\n" + "\n".join(water_rows) + "\n").encode()
        water_name = f"woda-{months[0]:%Y%m}-{last:%Y%m}.csv"
        if water_rows:
            water_import(actor=actor, content=water_csv, file_name=water_name)
        if contract_rows:
            contracts_csv = "address;capacity_l;frequency;count;valid_from;valid_to\n" + "\n".join(contract_rows) + "\n"
            contracts_import(actor=actor, content=contracts_csv.encode(), file_name=f"umowy-{last:%Y%m}.csv")
        verified = waste_verify(month=last)
        charges = waste_charges_post(actor=actor, month=last)
    return (
        f"waste demo: {created} new properties, {declared} declarations accepted, "
        f"{WaterReading.objects.count() - before[0]} water readings and "
        f"{CollectionContract.objects.count() - before[1]} contracts imported, "
        f"{verified['created']} new findings for {last:%m.%Y}, {charges['posted']} charges posted"
    )


def register() -> None:
    from core import demo

    demo.register_seeder("taxes-waste-demo", seed_demo, order=80)
