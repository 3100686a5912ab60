"""Hooks of the waste fee area (demo seeder), called from TaxesConfig.ready."""

from __future__ import annotations

DEMO_NUMBER = "XIV/98/2024"
DEMO_CONTAINER_RATES = (  # (capacity l, collections per month, zł per container per month)
    (120, 2, "28.00"),
    (240, 2, "52.00"),
    (1100, 4, "310.00"),
)


def seed_demo(*, actor=None, stdout=None) -> str:
    """The demo gmina's waste resolution from 1.01.2025: per resident 38.00 zł a month, composting discount 3.00 zł
    per person, non-selective collection ×2, paid monthly by the 15th, container rates for non-residential
    properties and a holiday cottage rate; a large-family exemption. Idempotent."""
    import datetime
    from decimal import Decimal

    from django.db import transaction

    from taxes.models import WasteExemption, WasteMethod, WasteRate, WasteResolution

    with transaction.atomic():
        resolution, new = WasteResolution.objects.get_or_create(
            valid_from=datetime.date(2025, 1, 1),
            defaults={
                "number": DEMO_NUMBER,
                "adopted_on": datetime.date(2024, 11, 28),
                "publication": "Dz. Urz. Woj. 2024 poz. 9876",
                "methods": [WasteMethod.PER_RESIDENT],
                "payment_frequency": WasteResolution.Frequency.MONTHLY,
                "due_day": 15,
                "non_selective_multiplier": Decimal("2"),
                "composting_discount": Decimal("3.00"),
                "composting_basis": WasteResolution.DiscountBasis.PER_PERSON,
                "created_by": actor,
            },
        )
        rates = [(WasteRate.Kind.PER_RESIDENT, None, None, "38.00"), (WasteRate.Kind.COTTAGE, None, None, "180.00")]
        rates += [(WasteRate.Kind.CONTAINER, cap, freq, rate) for cap, freq, rate in DEMO_CONTAINER_RATES]
        for kind, capacity, frequency, rate in rates:
            WasteRate.objects.get_or_create(
                resolution=resolution,
                kind=kind,
                capacity_l=capacity,
                frequency=frequency,
                defaults={"rate": Decimal(rate)},
            )
        WasteExemption.objects.get_or_create(
            resolution=resolution,
            code="large_family",
            defaults={"name": "Rodzina wielodzietna (Karta Dużej Rodziny)", "percent": Decimal("20.00")},
        )
    return f"waste fee resolutions: {int(new)} new"


def register() -> None:
    from core import demo

    demo.register_seeder("taxes-waste", seed_demo, order=72)
