"""/api/v1/population/: residents, registrations and counts (issue 3, point 8). Data built through the services."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from core.domain.identifiers import generate_pesel
from core.models import AuditEvent, Party, Street
from core.services.parties import AddressInput, PartyInput, party_create
from population.models import Registration, Resident
from population.services import (
    ResidentInput,
    registration_register,
    resident_create,
    resident_record_death,
)
from tests.factories import LocalityFactory, OrganisationFactory

D = datetime.date
TODAY = D(2026, 11, 20)  # service calls made directly in the tests use this "today"; everything here is earlier
URL = "/api/v1/population"


@pytest.fixture
def api(population_clerk):
    client = APIClient()
    client.force_authenticate(population_clerk)
    return client


@pytest.fixture
def streets(demo_teryt):
    """Three streets of the town Magistrowo, by TERYT ULIC identifier."""
    return {s.sym_ul: s for s in Street.objects.filter(locality__sym="9900001", sym_ul__in=["90001", "90003", "90006"])}


def _address(street: Street, building: str, flat: str = "") -> AddressInput:
    return AddressInput(
        locality_id=street.locality_id,
        street_id=street.pk,
        building_number=building,
        flat_number=flat,
        postal_code="05-990",
    )


def _resident(actor, first, surname, birth, sex, serial, citizenship="PL") -> Resident:
    party = party_create(
        actor=actor,
        data=PartyInput(
            kind="person", pesel=generate_pesel(birth, sex, serial), first_names=first, surname=surname, sex=sex
        ),
    )
    return resident_create(actor=actor, party=party, data=ResidentInput(citizenship=citizenship))


def _register(actor, resident, address, start, kind="permanent", planned_end=None) -> Registration:
    return registration_register(
        actor=actor,
        resident=resident,
        kind=kind,
        address=address,
        start_date=start,
        planned_end_date=planned_end,
        today=TODAY,
    )


@pytest.fixture
def people(population_clerk, streets):
    """Kościuszki 5/2: Wiśniewska + Wiśniewski; Słoneczna 7: Łukasz Żak (moved in 2026-06-10 from Kościuszki 5/2);
    Szkolna 1: Olena Kovalenko (UA, temporary stay); Bogdan Nowak deceased (was at Szkolna 1)."""
    clerk = population_clerk
    kosc, slon, szk = streets["90001"], streets["90003"], streets["90006"]
    anna = _resident(clerk, "Anna Maria", "Wiśniewska", D(1980, 4, 2), "F", 11)
    jan = _resident(clerk, "Jan", "Wiśniewski", D(1978, 1, 30), "M", 21)
    zak = _resident(clerk, "Łukasz", "Żak", D(1990, 12, 1), "M", 31)
    olena = _resident(clerk, "Olena", "Kovalenko", D(1995, 5, 5), "F", 41, citizenship="UA")
    nowak = _resident(clerk, "Bogdan", "Nowak", D(1940, 2, 2), "M", 51)
    for person in (anna, jan, zak):
        _register(clerk, person, _address(kosc, "5", "2"), D(2015, 3, 1))
    _register(clerk, zak, _address(slon, "7"), D(2026, 6, 10))
    _register(clerk, olena, _address(szk, "1"), D(2026, 1, 15), "temporary", D(2027, 1, 14))
    _register(clerk, nowak, _address(szk, "1"), D(1970, 1, 1))
    resident_record_death(actor=clerk, resident=nowak, death_date=D(2025, 12, 24), today=TODAY)
    return {"anna": anna, "jan": jan, "zak": zak, "olena": olena, "nowak": nowak}


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["results"]]


# --- GET /residents/ -------------------------------------------------------------------------------------------


def test_list_shows_the_current_permanent_address(api, people, streets):
    body = api.get(f"{URL}/residents/").json()

    assert body["count"] == 5
    items = {item["surname"]: item for item in body["results"]}
    assert list(items) == ["Kovalenko", "Nowak", "Wiśniewska", "Wiśniewski", "Żak"]
    anna = items["Wiśniewska"]
    assert {k: v for k, v in anna.items() if k != "permanent_address"} == {
        "id": people["anna"].pk,
        "party_id": people["anna"].party_id,
        "pesel": generate_pesel(D(1980, 4, 2), "F", 11),
        "first_names": "Anna Maria",
        "surname": "Wiśniewska",
        "birth_date": "1980-04-02",
        "sex": "F",
        "status": "active",
        "citizenship": "PL",
    }
    assert anna["permanent_address"]["one_line"] == "ul. Kościuszki 5/2, 05-990 Magistrowo"
    assert anna["permanent_address"]["locality_sym"] == "9900001"
    assert items["Żak"]["permanent_address"]["one_line"] == "ul. Słoneczna 7, 05-990 Magistrowo"
    # A temporary stay is not a permanent address; a dead person's registrations ended.
    assert items["Kovalenko"]["permanent_address"] is None
    assert items["Nowak"]["permanent_address"] is None
    assert (items["Nowak"]["status"], items["Kovalenko"]["citizenship"]) == ("deceased", "UA")


def test_list_address_as_of_a_date(api, people):
    items = {i["surname"]: i for i in api.get(f"{URL}/residents/", {"on": "2026-06-09"}).json()["results"]}
    assert items["Żak"]["permanent_address"]["one_line"] == "ul. Kościuszki 5/2, 05-990 Magistrowo"
    items = {i["surname"]: i for i in api.get(f"{URL}/residents/", {"on": "2025-12-23"}).json()["results"]}
    assert items["Nowak"]["permanent_address"]["one_line"] == "ul. Szkolna 1, 05-990 Magistrowo"


def test_list_query_count_does_not_grow_with_the_page(api, people, population_clerk, streets):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(f"{URL}/residents/").status_code == 200
        return len(ctx.captured_queries)

    queries()  # the user's permissions are loaded once and cached
    assert queries() == 3  # count, page, permanent addresses in force (one query for the whole page)
    for n in range(6):
        extra = _resident(population_clerk, "Ewa", f"Dąbrowska{n}", D(1985, 1, n + 1), "F", 100 + n)
        _register(population_clerk, extra, _address(streets["90003"], str(20 + n), "1"), D(2020, 1, 1))
    assert queries() == 3


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "wisniewsk"}, ["anna", "jan"]),
        ({"q": "ŻAK łukasz"}, ["zak"]),
        ({"q": "anna wiśniewska"}, ["anna"]),
        ({"q": "800402"}, ["anna"]),
        ({"status": "deceased"}, ["nowak"]),
        ({"citizenship": "ua"}, ["olena"]),
        ({"foreigners": "true"}, ["olena"]),
        ({"locality": "9900001", "street": "90001"}, ["anna", "jan"]),
        ({"locality": "9900001", "street": "90001", "on": "2026-06-09"}, ["anna", "jan", "zak"]),
        ({"locality": "9900001", "street": "90003", "building": "7"}, ["zak"]),
        ({"locality": "9900001", "street": "90006"}, ["olena"]),
        ({"locality": "9900001", "street": "90006", "on": "2025-12-23"}, ["nowak"]),
        ({"locality": "9900002"}, []),
    ],
)
def test_list_filters(api, people, params, expected):
    wanted = sorted(people[name].pk for name in expected)
    assert sorted(_ids(api.get(f"{URL}/residents/", params))) == wanted


def test_locality_and_street_may_be_given_by_id(api, people, streets):
    street = streets["90001"]
    params = {"locality": str(street.locality_id), "street": str(street.pk)}
    assert sorted(_ids(api.get(f"{URL}/residents/", params))) == sorted([people["anna"].pk, people["jan"].pk])


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        (
            {"locality": "9999999"},
            {"locality": ["Nieznana miejscowość 9999999: podaj jej identyfikator SIMC (7 cyfr) lub id."]},
        ),
        (
            {"locality": "9900002", "street": "90001"},
            {"street": ["Nieznana ulica 90001 w tej miejscowości: podaj jej id lub identyfikator ULIC."]},
        ),
        ({"status": "alive"}, {"status": ['"alive" nie jest poprawnym wyborem.']}),
        ({"citizenship": "POL"}, None),
        ({"on": "10.06.2026"}, None),
    ],
)
def test_bad_filters_are_field_errors(api, people, params, errors):
    response = api.get(f"{URL}/residents/", params)
    body = response.json()
    assert response.status_code == 400
    assert (body["detail"], body["code"]) == ("Dane zawierają błędy.", "invalid")
    if errors is None:
        assert list(body["errors"]) == list(params)
    else:
        assert body["errors"] == errors


# --- POST /residents/ ------------------------------------------------------------------------------------------


def test_create_resident_with_a_new_person(api, demo_teryt, population_clerk):
    pesel = generate_pesel(D(2001, 7, 8), "F", 362)
    payload = {
        "person": {"kind": "person", "pesel": pesel, "first_names": "Zofia", "surname": "Żółkiewska"},
        "citizenship": "pl",
        "family_name": "Żółkiewska",
        "father_name": "Stanisław",
        "mother_name": "Łucja",
        "birth_place": "Magistrowo",
    }
    response = api.post(f"{URL}/residents/", payload, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    resident = Resident.objects.select_related("party").get()
    assert body["id"] == resident.pk
    assert (body["party"]["pesel"], body["party"]["birth_date"], body["party"]["sex"]) == (pesel, "2001-07-08", "F")
    assert (body["citizenship"], body["status"], body["mother_name"], body["registrations"]) == (
        "PL",
        "active",
        "Łucja",
        [],
    )
    actions = list(AuditEvent.objects.exclude(action="teryt.imported").order_by("seq").values_list("action", "actor"))
    assert actions == [("party.created", population_clerk.pk), ("resident.created", population_clerk.pk)]


def test_create_resident_for_a_person_of_the_party_register(api, demo_teryt, population_clerk):
    party = party_create(
        actor=population_clerk,
        data=PartyInput(
            kind="person", pesel=generate_pesel(D(1960, 10, 10), "M", 5), first_names="Jerzy", surname="Król"
        ),
    )
    response = api.post(f"{URL}/residents/", {"party_id": party.pk, "citizenship": "DE"}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["party"]["id"] == party.pk
    assert Resident.objects.get(party=party).citizenship == "DE"
    # The party was read through the logged selector.
    assert AuditEvent.objects.filter(action="party.viewed", object_id=str(party.pk)).count() == 1

    again = api.post(f"{URL}/residents/", {"party_id": party.pk}, format="json")
    assert again.status_code == 400
    assert again.json()["errors"] == {"party_id": ["Ta osoba jest już w rejestrze mieszkańców."]}
    assert Resident.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"party_id": ["Podaj party_id (osoba z rejestru podmiotów) albo person (nowa osoba)."]}),
        ({"party_id": 999999}, {"party_id": ["Nie ma takiej osoby w rejestrze podmiotów."]}),
        (
            {"person": {"kind": "organisation", "name": "Kółko Rolnicze"}},
            {"person.kind": ["Tylko osoba fizyczna może być mieszkańcem."]},
        ),
        (
            {"person": {"kind": "person", "pesel": "44051401358", "first_names": "Jan", "surname": "Nowak"}},
            {"person.pesel": ["Błędna cyfra kontrolna PESEL: powinna być 9, jest 8."]},
        ),
        (
            {
                "person": {"kind": "person", "pesel": "44051401359", "first_names": "Jan", "surname": "Nowak"},
                "citizenship": "P1",
            },
            {"citizenship": ["Obywatelstwo podaj jako dwuliterowy kod kraju (PL, UA, DE…; XX = bezpaństwowiec)."]},
        ),
    ],
)
def test_create_resident_refusals_change_nothing(api, demo_teryt, payload, errors):
    before = (Party.objects.count(), Resident.objects.count(), AuditEvent.objects.count())
    response = api.post(f"{URL}/residents/", payload, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "Dane zawierają błędy.", "code": "invalid", "errors": errors}
    assert (Party.objects.count(), Resident.objects.count(), AuditEvent.objects.count()) == before


def test_a_new_person_needs_the_permission_to_add_parties(make_user, demo_teryt):
    from django.contrib.auth.models import Permission

    user = make_user()
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="population", codename__in=["view_resident", "add_resident"])
    )
    client = APIClient()
    client.force_authenticate(user)
    payload = {
        "person": {"kind": "person", "pesel": generate_pesel(D(1990, 1, 1), "M", 1), "first_names": "A", "surname": "B"}
    }

    response = client.post(f"{URL}/residents/", payload, format="json")

    assert response.status_code == 403
    assert (Party.objects.count(), Resident.objects.count()) == (0, 0)


def test_an_organisation_from_the_party_register_is_refused(api, demo_teryt):
    organisation = OrganisationFactory()
    response = api.post(f"{URL}/residents/", {"party_id": organisation.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"party_id": ["Tylko osoba fizyczna może być mieszkańcem."]}
    assert Resident.objects.count() == 0


# --- GET /residents/{id}/ --------------------------------------------------------------------------------------


def test_detail_has_the_history_and_logs_the_read(api, people, population_clerk):
    zak = people["zak"]
    response = api.get(f"{URL}/residents/{zak.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["party"]["surname"], body["status"], body["is_foreigner"]) == ("Żak", "active", False)
    history = [
        (r["kind"], r["address"]["one_line"], r["start_date"], r["end_date"], r["end_reason"], r["registered_by"])
        for r in body["registrations"]
    ]
    assert history == [
        ("permanent", "ul. Słoneczna 7, 05-990 Magistrowo", "2026-06-10", None, "", population_clerk.username),
        (
            "permanent",
            "ul. Kościuszki 5/2, 05-990 Magistrowo",
            "2015-03-01",
            "2026-06-10",
            "replaced",
            population_clerk.username,
        ),
    ]
    events = AuditEvent.objects.filter(action="resident.viewed")
    assert [(e.object_id, e.actor_id, e.details) for e in events] == [
        (str(zak.pk), population_clerk.pk, {"purpose": "api"})
    ]


def test_missing_resident_is_a_404_without_audit(api, people):
    before = AuditEvent.objects.count()
    response = api.get(f"{URL}/residents/999999/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Nie znaleziono.", "code": "not_found", "errors": {}}
    assert AuditEvent.objects.count() == before


# --- POST /residents/{id}/registrations/, deregister, extend ---------------------------------------------------


def test_register_a_new_permanent_address_replaces_the_old(api, people, streets, population_clerk):
    jan = people["jan"]
    old = Registration.objects.get(resident=jan)
    payload = {
        "kind": "permanent",
        "address": {
            "locality_id": streets["90006"].locality_id,
            "street_id": streets["90006"].pk,
            "building_number": "3a",
            "flat_number": "",
            "postal_code": "05-990",
        },
        "start_date": "2026-10-01",
        "form": "electronic",
        "legal_basis": "art. 28 ustawy o ewidencji ludności",
    }
    response = api.post(f"{URL}/residents/{jan.pk}/registrations/", payload, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["building_number"], body["start_date"], body["end_date"], body["form"]) == (
        "permanent",
        "3A",
        "2026-10-01",
        None,
        "electronic",
    )
    assert body["address"]["one_line"] == "ul. Szkolna 3a, 05-990 Magistrowo"
    old.refresh_from_db()
    assert (old.end_date, old.end_reason) == (D(2026, 10, 1), "replaced")


def _registration_payload(street, **overrides):
    payload = {
        "kind": "temporary",
        "address": {
            "locality_id": street.locality_id,
            "street_id": street.pk,
            "building_number": "9",
            "postal_code": "05-990",
        },
        "start_date": "2026-10-01",
        "planned_end_date": "2027-03-31",
    }
    return {**payload, **overrides}


@pytest.mark.parametrize(
    ("who", "overrides", "errors"),
    [
        (
            "anna",
            {"planned_end_date": None},
            {"planned_end_date": ["Pobyt czasowy wymaga planowanej daty zakończenia."]},
        ),
        ("anna", {"start_date": "FUTURE"}, {"start_date": ["Data FUTURE jest datą przyszłą."]}),
        ("nowak", {}, {"resident": ["Nie można zameldować osoby zmarłej."]}),
        ("anna", {"kind": "holiday"}, {"kind": ['"holiday" nie jest poprawnym wyborem.']}),
        (
            "anna",
            {"address": {"building_number": "9", "postal_code": "05-990"}},
            {"address.locality": ["Wybierz miejscowość z rejestru TERYT."]},
        ),
    ],
)
def test_registration_refusals_are_field_errors_and_change_nothing(api, people, streets, who, overrides, errors):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    if overrides.get("start_date") == "FUTURE":
        overrides = {**overrides, "start_date": tomorrow.isoformat(), "planned_end_date": "2099-01-01"}
        errors = {"start_date": [f"Data {tomorrow:%d.%m.%Y} jest datą przyszłą."]}
    before = list(Registration.objects.order_by("pk").values_list("pk", "end_date"))

    response = api.post(
        f"{URL}/residents/{people[who].pk}/registrations/",
        _registration_payload(streets["90003"], **overrides),
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Dane zawierają błędy.", "code": "invalid", "errors": errors}
    assert list(Registration.objects.order_by("pk").values_list("pk", "end_date")) == before


def test_address_outside_the_gmina_is_refused(api, people):
    elsewhere = LocalityFactory()
    payload = _registration_payload(
        Street(locality=elsewhere),
        address={"locality_id": elsewhere.pk, "building_number": "1", "postal_code": "00-001"},
    )
    response = api.post(f"{URL}/residents/{people['anna'].pk}/registrations/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["address.locality"]


def test_registering_for_a_missing_resident_is_a_404(api, people, streets):
    response = api.post(
        f"{URL}/residents/999999/registrations/", _registration_payload(streets["90003"]), format="json"
    )
    assert response.status_code == 404
    assert Registration.objects.count() == 6


def test_deregister(api, people, population_clerk):
    registration = Registration.objects.get(resident=people["anna"])
    response = api.post(f"{URL}/registrations/{registration.pk}/deregister/", {"end_date": "2026-06-10"}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["end_date"], body["end_reason"], body["ended_by"]) == (
        "2026-06-10",
        "deregistered",
        population_clerk.username,
    )
    event = AuditEvent.objects.get(action="registration.ended", object_id=str(registration.pk))
    assert event.actor_id == population_clerk.pk

    again = api.post(f"{URL}/registrations/{registration.pk}/deregister/", {"end_date": "2026-06-11"}, format="json")
    assert again.status_code == 400
    assert again.json()["errors"] == {"registration": ["To zameldowanie zakończyło się już 10.06.2026."]}
    registration.refresh_from_db()
    assert registration.end_date == D(2026, 6, 10)


def test_deregister_refusals(api, people):
    registration = Registration.objects.get(resident=people["jan"])
    before = AuditEvent.objects.count()
    response = api.post(f"{URL}/registrations/{registration.pk}/deregister/", {"end_date": "2015-02-28"}, format="json")
    assert response.json()["errors"] == {"end_date": ["Wymeldowanie nie może poprzedzać zameldowania (01.03.2015)."]}
    response = api.post(f"{URL}/registrations/{registration.pk}/deregister/", {}, format="json")
    assert response.json()["errors"] == {"end_date": ["To pole jest wymagane."]}
    response = api.post(f"{URL}/registrations/999999/deregister/", {"end_date": "2026-06-10"}, format="json")
    assert response.status_code == 404
    registration.refresh_from_db()
    assert (registration.end_date, AuditEvent.objects.count()) == (None, before)


def test_extend_a_temporary_stay(api, people):
    temporary = Registration.objects.get(resident=people["olena"])
    response = api.post(
        f"{URL}/registrations/{temporary.pk}/extend/", {"planned_end_date": "2027-07-14"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["planned_end_date"] == "2027-07-14"

    response = api.post(
        f"{URL}/registrations/{temporary.pk}/extend/", {"planned_end_date": "2027-07-01"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "planned_end_date": ["Nowy termin musi być późniejszy niż obecny (14.07.2027)."]
    }

    permanent = Registration.objects.get(resident=people["anna"])
    response = api.post(
        f"{URL}/registrations/{permanent.pk}/extend/", {"planned_end_date": "2030-01-01"}, format="json"
    )
    assert response.json()["errors"] == {"registration": ["Przedłużyć można tylko pobyt czasowy."]}
    temporary.refresh_from_db()
    assert temporary.planned_end_date == D(2027, 7, 14)


# --- GET /registrations/ ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"resident": "zak"}, [("zak", "2026-06-10"), ("zak", "2015-03-01")]),
        ({"kind": "temporary"}, [("olena", "2026-01-15")]),
        (
            {"in_force_on": "2026-06-09", "locality": "9900001", "kind": "permanent"},
            [("anna", "2015-03-01"), ("jan", "2015-03-01"), ("zak", "2015-03-01")],
        ),
        (
            {"in_force_on": "2026-06-10", "kind": "permanent"},
            [("zak", "2026-06-10"), ("anna", "2015-03-01"), ("jan", "2015-03-01")],
        ),
        ({"locality": "9900002"}, []),
    ],
)
def test_registration_list_filters(api, people, params, expected):
    if "resident" in params:
        params = {**params, "resident": people[params["resident"]].pk}
    names = {p.pk: name for name, p in people.items()}
    response = api.get(f"{URL}/registrations/", params)
    assert response.status_code == 200, response.json()
    got = [(names[r["resident_id"]], r["start_date"]) for r in response.json()["results"]]
    assert sorted(got) == sorted(expected)
    assert [start for _name, start in got] == sorted((start for _name, start in got), reverse=True)  # newest first


def test_registration_list_items_name_the_resident(api, people):
    item = api.get(f"{URL}/registrations/", {"kind": "temporary"}).json()["results"][0]
    assert (item["resident_name"], item["planned_end_date"], item["locality_sym"]) == (
        "Olena Kovalenko",
        "2027-01-14",
        "9900001",
    )


# --- counts ----------------------------------------------------------------------------------------------------


def test_counts_per_flat_on_a_date(api, people, streets):
    def counts(on):
        response = api.get(f"{URL}/counts/", {"on": on, "locality": "9900001"})
        assert response.status_code == 200, response.json()
        return [
            (c["street_name"], c["building_number"], c["flat_number"], c["residents"])
            for c in response.json()["results"]
        ]

    assert counts("2026-06-09") == [
        ("ul. Kościuszki", "5", "2", 3),
        ("ul. Szkolna", "1", "", 1),
    ]
    assert counts("2026-06-10") == [
        ("ul. Kościuszki", "5", "2", 2),
        ("ul. Słoneczna", "7", "", 1),
        ("ul. Szkolna", "1", "", 1),
    ]
    item = api.get(f"{URL}/counts/", {"on": "2026-06-10"}).json()["results"][0]
    assert (item["locality_sym"], item["locality_name"]) == ("9900001", "Magistrowo")


def test_count_at_one_address(api, people):
    def count(**params):
        response = api.get(f"{URL}/counts/address/", {"locality": "9900001", **params})
        assert response.status_code == 200, response.json()
        return response.json()

    body = count(street="90001", building="5", flat="2", on="2026-06-09")
    assert body == {
        "locality_id": people["anna"].registrations.get().locality_id,
        "street_id": body["street_id"],
        "building_number": "5",
        "flat_number": "2",
        "on": "2026-06-09",
        "count": 3,
    }
    assert count(street="90001", building="5", flat="2", on="2026-06-10")["count"] == 2
    assert count(street="90001", building="5", on="2026-06-10")["count"] == 2  # the whole building
    assert count(street="90001", building="5", flat="3", on="2026-06-10")["count"] == 0
    assert count(street="90001", building="5", flat="2", on="2015-02-28")["count"] == 0
    assert count(street="90006", building="1", on="2025-12-23")["count"] == 1  # Nowak
    assert count(street="90006", building="1", on="2025-12-24")["count"] == 0  # Nowak died that day
    assert count(street="90006", building="1", on="2026-01-15")["count"] == 1  # Olena, temporary stay


def test_count_at_an_address_needs_the_street_where_the_locality_has_streets(api, people, village_without_streets):
    response = api.get(f"{URL}/counts/address/", {"locality": "9900001", "building": "5"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"street": ["Wybierz ulicę: ta miejscowość ma ulice w rejestrze TERYT."]}
    response = api.get(f"{URL}/counts/address/", {"locality": "9900001", "street": "90001"})
    assert response.json()["errors"] == {"building": ["To pole jest wymagane."]}

    response = api.get(f"{URL}/counts/address/", {"locality": village_without_streets.sym, "building": "5"})
    assert response.status_code == 200
    assert (response.json()["street_id"], response.json()["count"]) == (None, 0)


def test_the_endpoints_are_in_the_openapi_schema_with_their_filters(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()

    paths = {p for p in schema["paths"] if p.startswith("/api/v1/population/")}
    assert paths >= {
        "/api/v1/population/residents/",
        "/api/v1/population/residents/{id}/",
        "/api/v1/population/residents/{id}/registrations/",
        "/api/v1/population/registrations/",
        "/api/v1/population/registrations/{id}/deregister/",
        "/api/v1/population/registrations/{id}/extend/",
        "/api/v1/population/counts/",
        "/api/v1/population/counts/address/",
    }

    def params(path):
        return [p["name"] for p in schema["paths"][path]["get"]["parameters"]]

    assert params("/api/v1/population/residents/") == [
        "building", "citizenship", "foreigners", "locality", "on", "page", "page_size", "q", "status", "street",
    ]  # fmt: skip
    assert params("/api/v1/population/registrations/") == [
        "in_force_on", "kind", "locality", "page", "page_size", "resident",
    ]  # fmt: skip
    assert set(params("/api/v1/population/counts/address/")) == {"building", "flat", "locality", "on", "street"}


def test_a_street_id_of_five_digits_is_not_taken_for_a_ulic_symbol(api, people, streets):
    """An id as long as a TERYT ULIC symbol (5 digits) that is no symbol of the locality: the street of that id."""
    from core.models import Street

    known = streets["90001"]
    twin = Street.objects.create(
        pk=54321,
        locality=known.locality,
        sym_ul="90999",
        feature=known.feature,
        name_1=f"{known.name_1} Bis",
        state_date=known.state_date,
    )
    params = {"locality": str(known.locality_id), "street": str(twin.pk)}
    assert _ids(api.get(f"{URL}/residents/", params)) == []  # a known street with nobody registered: no error
