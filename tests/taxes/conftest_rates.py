"""Fixtures of the rates-area tests (``from tests.taxes.conftest_rates import *``).

The reference data (taxes/data/*.csv) is loaded by ``reference_sync`` after migrate, so the categories and the
maximum rates 2024–2026 are in the test database."""

import datetime

import pytest

from core import roles
from core.models import AuditEvent
from taxes.models import Rate, RateCategory, Resolution
from taxes.services.rates import resolution_create


@pytest.fixture
def rates_admin(make_user):
    return make_user(roles.ADMINISTRATOR, username="admin-stawki-test")


@pytest.fixture
def rates_clerk(make_user):
    """A tax clerk: sees resolutions, may not change rates."""
    return make_user(roles.TAX_CLERK, username="referent-stawki-test")


@pytest.fixture
def resolution_2026(rates_admin):
    return resolution_create(
        actor=rates_admin,
        year=2026,
        tax="property",
        number="XV/120/2025",
        adopted_on=datetime.date(2025, 11, 27),
        publication="Dz. Urz. Woj. 2025 poz. 4321",
    )


@pytest.fixture
def rate_category():
    return lambda code: RateCategory.objects.get(code=code)


@pytest.fixture
def rate_counts():
    def counts():
        return (
            Resolution.objects.count(),
            Rate.objects.count(),
            AuditEvent.objects.filter(action__startswith="taxes.r").count(),
        )

    return counts
