"""The demo residents (issue 3, point 10): population.demo.seed_population, run by ``manage.py seed_demo``.

The seeding tests use a smaller population (``people=``) to stay quick; the plan itself is checked at full size.
"""

import collections
import datetime
import io

import pytest
from django.db.models import Count

from core import demo as core_demo
from core import roles
from core.domain.identifiers import validate_pesel
from core.models import AuditEvent, Party, Street
from population import demo
from population.models import Registration, Resident
from population.selectors import AddressKey, in_force_on, residents_at

SMALL = 400


@pytest.fixture
def admin(make_user):
    return make_user(roles.ADMINISTRATOR, username="admin-demo")


def _counts() -> dict:
    return {
        "parties": Party.objects.count(),
        "residents": Resident.objects.count(),
        "registrations": Registration.objects.count(),
        "open registrations": Registration.objects.filter(end_date__isnull=True).count(),
        "audit events": AuditEvent.objects.exclude(action="teryt.imported").count(),
    }


def test_the_seeder_is_registered_for_seed_demo():
    assert ("population", demo.seed_population) in core_demo.seeders()


def test_running_twice_creates_everything_once(demo_teryt, admin):
    first = demo.seed_population(actor=admin, stdout=io.StringIO(), people=SMALL)
    counts = _counts()
    second = demo.seed_population(actor=admin, stdout=io.StringIO(), people=SMALL)

    assert _counts() == counts
    assert counts["residents"] == counts["parties"] == SMALL
    assert first == (
        f"Utworzono mieszkańców: {SMALL} (już były: 0), zameldowań: {counts['registrations']}; "
        "pobytów czasowych zakończonych w planowanym terminie: 5."
    )
    assert second == (
        f"Utworzono mieszkańców: 0 (już były: {SMALL}), zameldowań: 0; "
        "pobytów czasowych zakończonych w planowanym terminie: 0."
    )
    assert AuditEvent.objects.filter(action="resident.created", actor=admin).count() == SMALL


def test_demo_residents_are_realistic_and_families_share_a_flat(demo_teryt, admin):
    demo.seed_population(actor=admin, stdout=io.StringIO(), people=SMALL)
    residents = list(Resident.objects.select_related("party"))

    for resident in residents:
        pesel = validate_pesel(resident.party.pesel)
        assert (pesel.birth_date, pesel.sex) == (resident.party.birth_date, resident.party.sex)
        if resident.citizenship == "PL" and resident.party.surname.endswith(("ska", "cka", "dzka")):
            assert resident.party.sex == "F", resident.party
        if resident.citizenship == "PL" and resident.party.surname.endswith(("ski", "cki", "dzki")):
            assert resident.party.sex == "M", resident.party
    by_citizenship = collections.Counter(r.citizenship for r in residents)
    assert set(by_citizenship) == {"PL", "UA", "DE", "VN"}
    assert by_citizenship["UA"] >= 5
    assert any(ch in "".join(r.party.first_names for r in residents) for ch in "ąćęłńóśźż")
    assert collections.Counter(r.status for r in residents).keys() == {"active", "deceased", "emigrated"}

    registrations = Registration.objects.all()
    assert {r.locality.gmina.code[:6] for r in registrations.select_related("locality__gmina")} == {"149901"}
    assert registrations.values("locality").distinct().count() == 6  # the town and the five villages
    assert registrations.filter(locality__name="Magistrowo").values("street").distinct().count() >= 10
    reasons = collections.Counter(registrations.values_list("kind", "end_reason"))
    assert reasons[("permanent", "replaced")] >= 10  # moves within the gmina
    assert reasons[("temporary", "expired")] >= 2
    assert reasons[("temporary", "")] >= 2
    for what in ("death", "emigration", "deregistered"):
        assert reasons[("permanent", what)] >= 2
    # Every person is registered at least once, and nobody has two open registrations of one kind.
    assert Resident.objects.filter(registrations__isnull=True).count() == 0
    assert not (
        Registration.objects.filter(end_date__isnull=True)
        .values("resident", "kind")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )
    # Families share a flat: some flats have 3 or more people on the demo date.
    flats = (
        Registration.objects.filter(in_force_on(demo.DEMO_DATE))
        .exclude(flat_number="")
        .values("locality", "street", "building_number", "flat_number")
        .annotate(n=Count("resident", distinct=True))
    )
    assert flats.filter(n__gte=3).count() >= 5

    # The family of the docs lives at al. Niepodległości 12/4.
    street = Street.objects.get(locality__sym="9900001", sym_ul=demo.SHOWCASE["street"])
    flat = AddressKey(locality_id=street.locality_id, street_id=street.pk, building_number="12", flat_number="4")

    def names(day):
        return sorted(f"{r.party.first_names} {r.party.surname}" for r in residents_at(flat, on=day))

    assert names(demo.DEMO_DATE) == ["Anna Kowalska", "Antoni Kowalski", "Jan Krzysztof Kowalski", "Zofia Kowalska"]
    assert names(datetime.date(2012, 4, 30)) == []
    assert names(datetime.date(2016, 1, 1)) == ["Anna Kowalska", "Jan Krzysztof Kowalski", "Zofia Kowalska"]
    zofia = Resident.objects.get(party__first_names="Zofia", party__surname="Kowalska", mother_name="Anna")
    assert (zofia.father_name, zofia.registrations.get().start_date) == ("Jan", datetime.date(2013, 6, 20))


def test_full_plan_has_about_2000_people_with_unique_valid_pesels(demo_teryt):
    people = demo.plan()

    assert len(people) == demo.TARGET_PEOPLE
    pesels = [p.pesel for p in people]
    assert len(set(pesels)) == len(pesels)
    for person in people:
        assert validate_pesel(person.pesel).birth_date == person.birth_date
        assert person.stays, person
        assert all(person.birth_date <= stay.start <= demo.DEMO_DATE for stay in person.stays)
    by_citizenship = collections.Counter(p.citizenship for p in people)
    assert by_citizenship == {"PL": 1934, "UA": 51, "DE": 10, "VN": 5}
    endings = collections.Counter(p.end[0] for p in people if p.end)
    assert endings == {"death": 25, "emigration": 20, "deregistered": 30}
    # Deterministic: the same plan every time.
    assert [p.pesel for p in demo.plan()] == pesels
