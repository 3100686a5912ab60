"""Fixtures of the register area (``from tests.taxes.conftest_register import *``)."""

import datetime
from decimal import Decimal

import pytest

from core import roles
from core.models import AuditEvent
from taxes.models import Liability, ObjectVersion, TaxObject
from taxes.services.register import object_create
from tests.factories import PersonFactory
from tests.factories.taxes import CATEGORIES, category

D = Decimal
JAN = datetime.date(2025, 1, 1)


@pytest.fixture
def categories(db):
    return {code: category(code) for code in CATEGORIES}


@pytest.fixture
def tax_clerk(make_user):
    return make_user(roles.TAX_CLERK, username="referent-podatkowy-test")


@pytest.fixture
def registry_clerk(make_user):
    """Back-office staff without any taxes permission."""
    return make_user(roles.REGISTRY_CLERK, username="kancelaria-test")


@pytest.fixture
def owner(db):
    return PersonFactory()


@pytest.fixture
def house(tax_clerk, owner, categories):
    """A residential building of 120.50 m² (10 m² low) owned by ``owner`` from 1.01.2025."""
    return object_create(
        actor=tax_clerk, kind=TaxObject.Kind.BUILDING, precinct="Testowo", parcel="12/3", identifier="B-1",
        version={"valid_from": JAN, "category": "building_residential", "area": D("120.50"), "area_low": D("10")},
        liabilities=[{"party": owner, "role": Liability.Role.OWNER, "valid_from": JAN}],
    )  # fmt: skip


def counts() -> tuple[int, int, int, int]:
    """(objects, versions, liabilities, audit events) — unchanged after a refusal."""
    return (TaxObject.objects.count(), ObjectVersion.objects.count(), Liability.objects.count(),
            AuditEvent.objects.count())  # fmt: skip
