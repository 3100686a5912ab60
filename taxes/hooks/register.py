"""Hooks of the register area (menu entries, the demo seeder), called from TaxesConfig.ready."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

DEMO_PRECINCT = "Demo"
DEMO_TAXPAYERS = 30


def seed_demo(*, actor=None, stdout=None, size: int = DEMO_TAXPAYERS) -> str:
    """A small tax register for the demo gmina: ``size`` taxpayers (demo persons first, then organisations) with
    houses and land, a farm, a forest, a truck, co-owners and a spouse, through the real services. Objects are keyed
    by parcel ``<n>/D`` in the precinct "Demo", so running it twice adds nothing."""
    import datetime
    from decimal import Decimal as D

    from django.utils import timezone

    from core.exceptions import ApplicationError
    from core.models import Party
    from taxes.models import Liability, RateCategory, TaxObject
    from taxes.services.register import object_create

    if actor is None or not actor.has_perm("taxes.manage_register"):
        actor = _clerk()
    if actor is None:
        return "taxes-register: skipped (no user allowed to maintain the register)"
    codes = {"land_other", "land_business", "building_residential", "building_business", "agri_farm", "forest",
             "truck_3_5_5_5"}  # fmt: skip
    if RateCategory.objects.filter(code__in=codes).count() < len(codes):
        return "taxes-register: skipped (rate categories missing — run migrate)"
    people = list(Party.objects.filter(kind=Party.Kind.PERSON).order_by("pk")[:size])
    firms = list(Party.objects.exclude(kind=Party.Kind.PERSON).order_by("pk")[: max(0, size - len(people))])
    parties = people + firms
    done = set(TaxObject.objects.filter(precinct=DEMO_PRECINCT).values_list("parcel", flat=True))
    jan = datetime.date(timezone.localdate().year - 1, 1, 1)
    R, K = Liability.Role, TaxObject.Kind
    created = 0

    def add(n, suffix, kind, version, liabilities, identifier=""):
        nonlocal created
        parcel = f"{n + 1}/{suffix}" if kind != K.VEHICLE else ""
        key = parcel or identifier
        if key in done or (kind == K.VEHICLE and TaxObject.objects.filter(identifier=identifier).exists()):
            return
        try:
            object_create(actor=actor, kind=kind, precinct=DEMO_PRECINCT if parcel else "", parcel=parcel,
                          identifier=identifier, version={"valid_from": jan, **version},
                          liabilities=liabilities)  # fmt: skip
            created += 1
        except ApplicationError as exc:
            if stdout:
                stdout.write(f"demo tax object {key} skipped: {exc.message}\n")

    for n, party in enumerate(parties):
        own = [{"party": party, "role": R.OWNER, "valid_from": jan}]
        if party.kind != Party.Kind.PERSON:
            add(n, "D", K.BUILDING, {"category": "building_business", "area": D(200 + 13 * n)}, own)
            add(n, "DG", K.LAND, {"category": "land_business", "area": D(1000 + 50 * n)}, own)
            continue
        area = D(60 + 7 * (n % 15)) + D("0.5")
        if n % 6 == 1 and n + 1 < len(people):  # a married couple: joint property
            liabilities = [*own, {"party": people[n + 1], "role": R.SPOUSE, "valid_from": jan}]
        elif n % 6 == 3 and n + 1 < len(people):  # co-owners, half each
            half = {"role": R.CO_OWNER, "share_numerator": 1, "share_denominator": 2, "valid_from": jan}
            liabilities = [{"party": party, **half}, {"party": people[n + 1], **half}]
        else:
            liabilities = own
        add(n, "D", K.BUILDING, {"category": "building_residential", "area": area,
                                 "area_low": D(n % 4 * 3)}, liabilities)  # fmt: skip
        add(n, "DG", K.LAND, {"category": "land_other", "area": D(600 + 40 * n)}, liabilities)
        if n % 10 == 2:
            add(n, "R", K.AGRICULTURAL, {"category": "agri_farm", "area": D("3.4500") + n, "land_type": "arable",
                                         "land_class": "IVa"}, own)  # fmt: skip
        if n % 10 == 5:
            add(n, "L", K.FOREST, {"category": "forest", "area": D("1.2000") + n}, own)
        if n % 15 == 7:
            add(n, "", K.VEHICLE, {"category": "truck_3_5_5_5", "vehicle_mass_kg": 5000, "vehicle_axles": 2},
                own, identifier=f"DEMO{n:04d}")  # fmt: skip
    return f"taxes-register: {created} tax objects for {len(parties)} taxpayers"


def _clerk():
    """The demo's tax clerk (the register is kept by the tax clerk, not by the administrator who runs the demo)."""
    from core import roles
    from core.models import User

    return User.objects.filter(groups__name=roles.TAX_CLERK, is_active=True).order_by("pk").first()


def register() -> None:
    from core import demo
    from core.navigation import MenuItem
    from core.navigation import register as add

    add(MenuItem("taxes-register", _("Tax register"), "taxes:register-search", "taxes.view_taxobject", 70))
    demo.register_seeder("taxes-register", seed_demo, order=70)
