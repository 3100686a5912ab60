"""residents_at(address, on=date) and counts: correct across history (issue 3, point 3)."""

import datetime

import pytest

from core.models import Address
from population.selectors import AddressKey, resident_count_at, resident_counts_by_address, residents_at
from population.services import (
    ResidentInput,
    registration_deregister,
    registration_register,
    resident_create,
)
from tests.factories import PersonFactory

D = datetime.date
TODAY = D(2026, 11, 20)


def _resident(actor, surname):
    return resident_create(
        actor=actor, party=PersonFactory(surname=surname, birth_date=D(1970, 1, 1), pesel=None), data=ResidentInput()
    )


@pytest.fixture
def family(population_clerk, make_address):
    """Three people at Magistrowo <street> 12/3; one of them de-registered on 10.06.2026."""
    people = [_resident(population_clerk, n) for n in ("Adamska", "Adamski", "Bednarz")]
    regs = [
        registration_register(
            actor=population_clerk,
            resident=p,
            kind="permanent",
            address=make_address("12", "3"),
            start_date=D(2020, 1, 1),
            today=TODAY,
        )
        for p in people
    ]
    registration_deregister(actor=population_clerk, registration=regs[2], end_date=D(2026, 6, 10), today=TODAY)
    return people, regs


def test_someone_who_moved_out_on_10_06_is_counted_on_09_06_and_not_after(family, make_address):
    _people, regs = family
    flat = regs[0].address

    assert [r.party.surname for r in residents_at(flat, on=D(2026, 6, 9))] == ["Adamska", "Adamski", "Bednarz"]
    assert [r.party.surname for r in residents_at(flat, on=D(2026, 6, 10))] == ["Adamska", "Adamski"]
    assert resident_count_at(flat, on=D(2026, 6, 11)) == 2
    assert resident_count_at(flat, on=D(2019, 12, 31)) == 0


def test_address_matching_by_teryt_and_numbers(family, make_address, town_street):
    other_flat = Address(
        locality_id=town_street.locality_id, street_id=town_street.pk, building_number="12", flat_number="4"
    )
    building = AddressKey(locality_id=town_street.locality_id, street_id=town_street.pk, building_number="12")

    assert resident_count_at(other_flat, on=D(2026, 1, 1)) == 0
    assert resident_count_at(building, on=D(2026, 1, 1)) == 3
    lower_case = AddressKey(
        locality_id=town_street.locality_id, street_id=town_street.pk, building_number="12", flat_number="3"
    )
    assert resident_count_at(lower_case, on=D(2026, 1, 1)) == 3


def test_temporary_stays_count_unless_excluded(population_clerk, make_address, family):
    guest = _resident(population_clerk, "Gość")
    registration_register(
        actor=population_clerk,
        resident=guest,
        kind="temporary",
        address=make_address("12", "3"),
        start_date=D(2026, 9, 1),
        planned_end_date=D(2027, 1, 31),
        today=TODAY,
    )
    flat = family[1][0].address
    assert resident_count_at(flat, on=D(2026, 10, 1)) == 3
    assert resident_count_at(flat, on=D(2026, 10, 1), kinds=("permanent",)) == 2


def test_counts_by_address(family, town_street):
    rows = resident_counts_by_address(on=D(2026, 6, 9))
    assert [(r.street_id, r.building_number, r.flat_number, r.residents) for r in rows] == [
        (town_street.pk, "12", "3", 3)
    ]
    rows = resident_counts_by_address(on=D(2026, 6, 10))
    assert [r.residents for r in rows] == [2]
