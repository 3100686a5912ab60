"""Factories of the tax register: TaxObject, ObjectVersion, Liability (and RateCategory rows by code)."""

import datetime
from decimal import Decimal

import factory

from taxes.models import Liability, ObjectVersion, RateCategory, TaxObject
from tests.factories.core import PersonFactory

CATEGORIES = {
    "land_other": ("property", "Grunty pozostałe", "m2"),
    "land_business": ("property", "Grunty związane z działalnością gospodarczą", "m2"),
    "building_residential": ("property", "Budynki mieszkalne", "m2"),
    "building_business": ("property", "Budynki związane z działalnością gospodarczą", "m2"),
    "agri_farm": ("agricultural", "Grunty gospodarstwa rolnego", "ha_conv"),
    "forest": ("forest", "Lasy", "ha"),
    "truck_3_5_5_5": ("transport", "Samochody ciężarowe 3,5–5,5 t", "vehicle"),
}


def category(code: str) -> RateCategory:
    """The rate category by code (the rates area's reference data; created here when missing)."""
    tax, name, unit = CATEGORIES[code]
    return RateCategory.objects.get_or_create(code=code, defaults={"tax": tax, "name": name, "unit": unit})[0]


class TaxObjectFactory(factory.django.DjangoModelFactory[TaxObject]):
    class Meta:
        model = TaxObject

    kind = TaxObject.Kind.LAND
    precinct = "Testowo"
    parcel = factory.Sequence(lambda n: f"{n + 1}/1")
    identifier = ""


class ObjectVersionFactory(factory.django.DjangoModelFactory[ObjectVersion]):
    class Meta:
        model = ObjectVersion

    object = factory.SubFactory(TaxObjectFactory)
    valid_from = datetime.date(2025, 1, 1)
    category = factory.LazyFunction(lambda: category("land_other"))
    area = Decimal("1000.0000")


class LiabilityFactory(factory.django.DjangoModelFactory[Liability]):
    class Meta:
        model = Liability

    object = factory.SubFactory(TaxObjectFactory)
    party = factory.SubFactory(PersonFactory)
    role = Liability.Role.OWNER
    valid_from = datetime.date(2025, 1, 1)
