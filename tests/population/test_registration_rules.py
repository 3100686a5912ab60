"""The rules of registrations of stay (issue 3, point 2), each with its message, and no side effect on refusal."""

import datetime

import pytest

from core.models import AuditEvent
from core.services.parties import AddressInput
from population.models import Registration, Resident
from population.services import (
    ResidentInput,
    registration_deregister,
    registration_extend,
    registration_register,
    registrations_expire_due,
    resident_create,
    resident_record_death,
    resident_record_emigration,
)
from tests.factories import OrganisationFactory, PersonFactory

D = datetime.date
TODAY = D(2026, 11, 20)


@pytest.fixture
def resident(population_clerk, demo_teryt):
    person = PersonFactory(birth_date=D(1980, 3, 15), sex="F", pesel=None, registered_address=None)
    return resident_create(actor=population_clerk, party=person, data=ResidentInput(citizenship="pl"))


def _register(actor, resident, address, start, kind="permanent", planned_end=None):
    return registration_register(
        actor=actor,
        resident=resident,
        kind=kind,
        address=address,
        start_date=start,
        planned_end_date=planned_end,
        today=TODAY,
    )


def _snapshot():
    return (Registration.objects.count(), AuditEvent.objects.count())


def test_resident_is_created_for_a_person_only(population_clerk, resident):
    assert (resident.citizenship, resident.status, resident.is_foreigner) == ("PL", "active", False)
    assert AuditEvent.objects.filter(action="resident.created", object_id=str(resident.pk)).count() == 1
    from core.exceptions import ServiceValidationError

    with pytest.raises(ServiceValidationError) as err:
        resident_create(actor=population_clerk, party=OrganisationFactory())
    assert err.value.errors == {"party": ["Tylko osoba fizyczna może być mieszkańcem."]}
    with pytest.raises(ServiceValidationError) as err:
        resident_create(actor=population_clerk, party=resident.party)
    assert err.value.errors == {"party": ["Ta osoba jest już w rejestrze mieszkańców."]}


def test_new_permanent_registration_ends_the_old_one_the_same_day(population_clerk, resident, make_address):
    first = _register(population_clerk, resident, make_address("1"), D(2020, 1, 10))
    second = _register(population_clerk, resident, make_address("2", "5"), D(2026, 6, 1))

    first.refresh_from_db()
    assert (first.end_date, first.end_reason) == (D(2026, 6, 1), "replaced")
    assert (second.end_date, second.building_number, second.flat_number) == (None, "2", "5")
    assert Registration.objects.filter(resident=resident, end_date__isnull=True).count() == 1


def test_temporary_stay_coexists_with_permanent(population_clerk, resident, make_address):
    perm = _register(population_clerk, resident, make_address("1"), D(2020, 1, 10))
    temp = _register(population_clerk, resident, make_address("7"), D(2026, 9, 1), "temporary", D(2027, 6, 30))

    perm.refresh_from_db()
    assert perm.end_date is None
    assert temp.planned_end_date == D(2027, 6, 30)


@pytest.mark.parametrize(
    ("_case", "start", "kind", "planned_end", "field", "message"),
    [
        ("future", D(2026, 11, 21), "permanent", None, "start_date", "Data 21.11.2026 jest datą przyszłą."),
        (
            "before birth",
            D(1980, 3, 14),
            "permanent",
            None,
            "start_date",
            "Data 14.03.1980 jest wcześniejsza niż data urodzenia (15.03.1980).",
        ),
        (
            "temporary without end",
            D(2026, 1, 1),
            "temporary",
            None,
            "planned_end_date",
            "Pobyt czasowy wymaga planowanej daty zakończenia.",
        ),
        (
            "end before start",
            D(2026, 1, 1),
            "temporary",
            D(2026, 1, 1),
            "planned_end_date",
            "Planowane zakończenie musi przypadać po rozpoczęciu pobytu.",
        ),
    ],
)
def test_date_rules(_case, start, kind, planned_end, field, message, population_clerk, resident, make_address):
    from core.exceptions import ServiceValidationError

    before = _snapshot()
    with pytest.raises(ServiceValidationError) as err:
        _register(population_clerk, resident, make_address(), start, kind, planned_end)
    assert err.value.errors == {field: [message]}
    assert _snapshot() == before


def test_deceased_person_cannot_be_registered(population_clerk, resident, make_address):
    from core.exceptions import ServiceValidationError

    reg = _register(population_clerk, resident, make_address(), D(2020, 1, 1))
    resident_record_death(actor=population_clerk, resident=resident, death_date=D(2026, 10, 1), today=TODAY)
    reg.refresh_from_db()
    assert (reg.end_date, reg.end_reason) == (D(2026, 10, 1), "death")

    before = _snapshot()
    with pytest.raises(ServiceValidationError) as err:
        _register(population_clerk, resident, make_address("3"), D(2026, 11, 1))
    assert err.value.errors == {"resident": ["Nie można zameldować osoby zmarłej."]}
    assert _snapshot() == before


def test_new_registration_cannot_begin_before_the_current_one(population_clerk, resident, make_address):
    from core.exceptions import ServiceValidationError

    _register(population_clerk, resident, make_address(), D(2024, 5, 1))
    with pytest.raises(ServiceValidationError) as err:
        _register(population_clerk, resident, make_address("9"), D(2024, 4, 30))
    assert err.value.errors == {
        "start_date": ["Obecne zameldowanie rozpoczęło się 01.05.2024; nowe nie może rozpocząć się wcześniej."]
    }


def test_address_outside_the_gmina_is_refused(population_clerk, resident):
    from core.exceptions import ServiceValidationError
    from tests.factories import StreetFactory

    elsewhere = StreetFactory()
    with pytest.raises(ServiceValidationError) as err:
        _register(
            population_clerk,
            resident,
            AddressInput(
                locality_id=elsewhere.locality_id, street_id=elsewhere.pk, building_number="1", postal_code="00-001"
            ),
            D(2026, 1, 1),
        )
    assert list(err.value.errors) == ["address.locality"]


def test_deregistration_rules(population_clerk, resident, make_address):
    from core.exceptions import ServiceValidationError

    reg = _register(population_clerk, resident, make_address(), D(2025, 2, 1))
    with pytest.raises(ServiceValidationError) as err:
        registration_deregister(actor=population_clerk, registration=reg, end_date=D(2025, 1, 31), today=TODAY)
    assert err.value.errors == {"end_date": ["Wymeldowanie nie może poprzedzać zameldowania (01.02.2025)."]}
    with pytest.raises(ServiceValidationError):
        registration_deregister(actor=population_clerk, registration=reg, end_date=D(2026, 11, 21), today=TODAY)

    registration_deregister(actor=population_clerk, registration=reg, end_date=D(2026, 6, 10), today=TODAY)
    reg.refresh_from_db()
    assert (reg.end_date, reg.end_reason, reg.ended_by) == (D(2026, 6, 10), "deregistered", population_clerk)
    with pytest.raises(ServiceValidationError) as err:
        registration_deregister(actor=population_clerk, registration=reg, end_date=D(2026, 6, 11), today=TODAY)
    assert err.value.errors == {"registration": ["To zameldowanie zakończyło się już 10.06.2026."]}


def test_temporary_stay_expires_on_its_planned_end_unless_extended(population_clerk, resident, make_address):
    other = resident_create(actor=population_clerk, party=PersonFactory(birth_date=D(1990, 1, 1), pesel=None))
    a = _register(population_clerk, resident, make_address("1"), D(2026, 1, 1), "temporary", D(2026, 6, 30))
    b = _register(population_clerk, other, make_address("2"), D(2026, 1, 1), "temporary", D(2026, 6, 30))
    registration_extend(actor=population_clerk, registration=b, planned_end_date=D(2026, 12, 31))

    assert registrations_expire_due(today=D(2026, 6, 29)) == 0
    assert registrations_expire_due(today=D(2026, 6, 30)) == 1
    assert registrations_expire_due(today=D(2026, 6, 30)) == 0  # safe to run twice
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.end_date, a.end_reason) == (D(2026, 6, 30), "expired")
    assert b.end_date is None
    assert AuditEvent.objects.filter(action="registration.ended", object_id=str(a.pk)).count() == 1


def test_extension_must_be_later(population_clerk, resident, make_address):
    from core.exceptions import ServiceValidationError

    reg = _register(population_clerk, resident, make_address(), D(2026, 1, 1), "temporary", D(2026, 12, 31))
    with pytest.raises(ServiceValidationError) as err:
        registration_extend(actor=population_clerk, registration=reg, planned_end_date=D(2026, 12, 31))
    assert err.value.errors == {"planned_end_date": ["Nowy termin musi być późniejszy niż obecny (31.12.2026)."]}


def test_emigration_ends_registrations_and_return_reactivates(population_clerk, resident, make_address):
    reg = _register(population_clerk, resident, make_address(), D(2020, 1, 1))
    resident_record_emigration(actor=population_clerk, resident=resident, departure_date=D(2025, 3, 1), today=TODAY)
    reg.refresh_from_db()
    resident.refresh_from_db()
    assert (reg.end_date, reg.end_reason, resident.status) == (D(2025, 3, 1), "emigration", "emigrated")

    _register(population_clerk, resident, make_address("4"), D(2026, 2, 1))
    resident.refresh_from_db()
    assert (resident.status, resident.status_date) == (Resident.Status.ACTIVE, D(2026, 2, 1))


def test_database_refuses_two_open_permanent_registrations(resident, make_address, population_clerk):
    from django.db import IntegrityError, transaction

    reg = _register(population_clerk, resident, make_address(), D(2020, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(
            resident=resident,
            kind="permanent",
            address=reg.address,
            locality=reg.locality,
            street=reg.street,
            building_number="1",
            start_date=D(2021, 1, 1),
        )
