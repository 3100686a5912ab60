"""Shared fixtures of the population tests: the demo gmina's TERYT and a population clerk."""

from pathlib import Path

import pytest

from core import roles
from core.models import Locality, Street
from core.services.parties import AddressInput
from core.services.teryt_import import teryt_import

FIXTURES = Path(__file__).resolve().parents[2] / "core" / "fixtures" / "teryt_demo"


@pytest.fixture
def demo_teryt(db):
    """The fictional gmina Magistrowo (TERC 1499013) with its localities and streets."""
    teryt_import(
        actor="test",
        terc=(FIXTURES / "TERC.csv").read_bytes(),
        simc=(FIXTURES / "SIMC.csv").read_bytes(),
        ulic=(FIXTURES / "ULIC.csv").read_bytes(),
    )


@pytest.fixture
def town_street(demo_teryt):
    """A street of the town Magistrowo."""
    return Street.objects.filter(locality__name="Magistrowo").order_by("sym_ul").first()


@pytest.fixture
def make_address(town_street):
    """make_address(building="12", flat="3") → AddressInput in Magistrowo."""

    def _make(building: str = "12", flat: str = "", street: Street | None = None) -> AddressInput:
        street = street or town_street
        return AddressInput(
            locality_id=street.locality_id,
            street_id=street.pk,
            building_number=building,
            flat_number=flat,
            postal_code="05-990",
        )

    return _make


@pytest.fixture
def village_without_streets(demo_teryt):
    return Locality.objects.filter(streets__isnull=True, gmina__code__startswith="149901").order_by("sym").first()


@pytest.fixture
def population_clerk(make_user):
    return make_user(roles.POPULATION_CLERK, username="ewidencja-test")
