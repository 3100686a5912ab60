"""Hooks of the rates area (menu entry, demo seeder), called from TaxesConfig.ready."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def seed_demo(*, actor=None, stdout=None) -> str:
    """Resolutions at the statutory maximum rates for every tax and every year that has maximum rates seeded (the
    demo gmina adopts the caps, like the worked examples), and the default year settings. Idempotent."""
    import datetime

    from django.db import transaction

    from taxes.models import MaxRate, Rate, Resolution, Tax, YearSettings

    created = 0
    with transaction.atomic():
        for year in sorted(set(MaxRate.objects.values_list("year", flat=True))):
            YearSettings.objects.get_or_create(year=year)
            for n, tax in enumerate(Tax.values, start=1):
                resolution, new = Resolution.objects.get_or_create(
                    year=year,
                    tax=tax,
                    defaults={
                        "number": f"XII/{100 + n}/{year - 1}",
                        "adopted_on": datetime.date(year - 1, 11, 25),
                        "publication": f"Dz. Urz. Woj. {year - 1} poz. {1000 + n}",
                        "created_by": actor,
                    },
                )
                created += new
                have = set(resolution.rates.values_list("category_id", flat=True))
                Rate.objects.bulk_create(
                    [
                        Rate(resolution=resolution, category_id=m.category_id, rate=m.maximum)
                        for m in MaxRate.objects.filter(year=year, category__tax=tax)
                        if m.category_id not in have
                    ]
                )
    return f"tax resolutions: {created} new"


def register() -> None:
    from core import demo
    from core.navigation import MenuItem
    from core.navigation import register as register_menu

    register_menu(MenuItem("taxes-rates", _("Tax rates"), "taxes:rates", "taxes.view_resolution", 71))
    demo.register_seeder("taxes-rates", seed_demo, order=70)
