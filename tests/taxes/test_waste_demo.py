"""The waste fee demo seeder (issue 9 point 8): properties at the residents' addresses, declarations with
discrepancies, water and contracts imported, findings of each kind for the last full month, charges posted;
a second run adds nothing."""

import datetime

import pytest

from core import roles
from finance.models import AccountEntry
from taxes.hooks.waste import seed_demo as seed_resolution
from taxes.hooks.waste_demo import seed_demo
from taxes.models import (
    CollectionContract,
    VerificationFinding,
    WasteDeclaration,
    WasteProperty,
    WaterReading,
)
from tests.factories import AddressFactory
from tests.factories.population import RegistrationFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2025, 7, 10)
JUNE = datetime.date(2025, 6, 1)


@pytest.fixture
def clerk(make_user):
    seed_resolution()
    return make_user(roles.TAX_CLERK, username="odpady-demo")


@pytest.fixture
def town(db):
    for n in range(30):
        address = AddressFactory(building_number=str(n + 1))
        for _i in range(3):
            RegistrationFactory(address=address, start_date=datetime.date(2020, 1, 1))


def state():
    return (
        WasteProperty.objects.count(),
        WasteDeclaration.objects.count(),
        WaterReading.objects.count(),
        CollectionContract.objects.count(),
        VerificationFinding.objects.count(),
        AccountEntry.objects.filter(source_ref__startswith="waste:").count(),
    )


def test_demo_counts_findings_of_each_kind_and_idempotent(clerk, town):
    seed_demo(actor=clerk, size=25, today=TODAY)
    properties, declarations, readings, contracts, findings, charges = state()
    assert properties == 25
    assert 20 <= declarations < 25  # a few never declared
    assert declarations == WasteDeclaration.objects.filter(status=WasteDeclaration.Status.ACCEPTED).count()
    assert readings == 25 * 3  # three months per meter
    assert contracts >= 1
    assert WaterReading.objects.filter(property__isnull=True).count() == 0
    kinds = set(VerificationFinding.objects.filter(month=JUNE).values_list("kind", flat=True))
    assert kinds == {VerificationFinding.Kind.RESIDENTS, VerificationFinding.Kind.WATER,
                     VerificationFinding.Kind.CONTAINERS}  # fmt: skip
    assert charges == declarations  # one June charge per declared property
    assert WasteProperty.objects.filter(kind=WasteProperty.Kind.MIXED).exists()
    assert WasteDeclaration.objects.filter(residents__lt=3).exists()

    again = seed_demo(actor=clerk, size=25, today=TODAY)
    assert again == (
        "waste demo: 0 new properties, 0 declarations accepted, 0 water readings and 0 contracts imported, "
        "0 new findings for 06.2025, 0 charges posted"
    )
    assert state() == (properties, declarations, readings, contracts, findings, charges)


def test_demo_composting_share_and_accepted_declarations_charged(clerk, town):
    seed_demo(actor=clerk, size=25, today=TODAY)
    declarations = WasteDeclaration.objects.all()
    composting = declarations.filter(composts=True).count()
    assert 0 < composting < declarations.count()
    assert not WasteDeclaration.objects.exclude(effective_from=datetime.date(2025, 4, 1)).exists()


def test_skipped_without_resolution(make_user, town):
    user = make_user(roles.TAX_CLERK, username="odpady-demo2")
    assert "skipped" in seed_demo(actor=user, size=5, today=TODAY)
    assert state() == (0, 0, 0, 0, 0, 0)
