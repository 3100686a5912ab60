"""Back-office screens of the residents register (issue 3, point 9): search, card, forms, permissions."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import roles
from core.domain.identifiers import generate_pesel
from core.models import AuditEvent, Locality, Party, Street
from population.models import Registration, Resident
from tests.factories import AddressFactory, PersonFactory
from tests.factories.population import RegistrationFactory, ResidentFactory

D = datetime.date
TODAY = timezone.localdate()
PERMANENT, TEMPORARY = Registration.Kind.PERMANENT, Registration.Kind.TEMPORARY


@pytest.fixture
def streets(demo_teryt):
    """Kościuszki and Słoneczna in the town Magistrowo."""
    return Street.objects.get(sym_ul="90001"), Street.objects.get(sym_ul="90003")


def _address(street, building="12", flat=""):
    return AddressFactory(street=street, building_number=building, flat_number=flat, postal_code="05-990")


def _resident(surname, first="Anna", *, birth=None, sex="F", serial=1, citizenship="PL", **kwargs):
    birth = birth or D(1980, 3, 15)
    party = PersonFactory(
        surname=surname,
        first_names=first,
        birth_date=birth,
        sex=sex,
        pesel=generate_pesel(birth, sex, serial),
        registered_address=None,
    )
    return ResidentFactory(party=party, citizenship=citizenship, **kwargs)


@pytest.fixture
def kowalska(streets):
    """Anna Żółkiewska-Kowalska, permanently at Kościuszki 12/3 since 2020, temporarily at Słoneczna 5."""
    resident = _resident("Żółkiewska-Kowalska", birth=D(1980, 3, 15), serial=123)
    RegistrationFactory(
        resident=resident,
        address=_address(streets[0], "1"),
        start_date=D(2010, 1, 1),
        end_date=D(2020, 1, 1),
        end_reason="replaced",
    )
    RegistrationFactory(resident=resident, address=_address(streets[0], "12", "3"), start_date=D(2020, 1, 1))
    RegistrationFactory(
        resident=resident,
        kind=TEMPORARY,
        address=_address(streets[1], "5"),
        start_date=D(2025, 1, 1),
        planned_end_date=TODAY + datetime.timedelta(days=100),
    )
    return resident


def _html(response) -> str:
    return response.content.decode()


def _counts():
    return (
        AuditEvent.objects.count(),
        Party.objects.count(),
        Resident.objects.count(),
        Registration.objects.count(),
        list(Registration.objects.order_by("pk").values_list("end_date", "planned_end_date")),
        list(Resident.objects.order_by("pk").values_list("status", "status_date")),
    )


# --- search -------------------------------------------------------------------------------------


@pytest.fixture
def people(kowalska, streets):
    nowak = _resident("Nowak", "Jan", birth=D(1975, 5, 5), sex="M", serial=7)
    RegistrationFactory(resident=nowak, address=_address(streets[1], "8"), start_date=D(2015, 1, 1))
    bondar = _resident("Bondar", "Olena", birth=D(1990, 2, 2), serial=9, citizenship="UA")
    RegistrationFactory(resident=bondar, address=_address(streets[0], "12", "7"), start_date=D(2023, 1, 1))
    moved = _resident("Wyjechał", "Piotr", birth=D(1970, 1, 1), sex="M", serial=11, status=Resident.Status.EMIGRATED)
    RegistrationFactory(
        resident=moved, address=_address(streets[0], "12"), start_date=D(2000, 1, 1), end_date=D(2024, 1, 1)
    )
    return {"kowalska": kowalska, "nowak": nowak, "bondar": bondar, "moved": moved}


def _names(response) -> list[str]:
    return [r.party.surname for r in response.context["page"].object_list]


def test_list_shows_everybody_with_the_address_in_force(client, population_clerk, people):
    client.force_login(population_clerk)
    response = client.get(reverse("population:resident-list"))
    assert response.status_code == 200
    assert _names(response) == ["Bondar", "Nowak", "Wyjechał", "Żółkiewska-Kowalska"]
    html = _html(response)
    assert "4 osoby w ewidencji ludności." in html
    assert "ul. Kościuszki 12/3, 05-990 Magistrowo" in html
    assert "ul. Słoneczna 5, 05-990 Magistrowo" in html  # the temporary stay, marked as such
    assert "ul. Kościuszki 1," not in html  # ended in 2020
    assert "niezameldowany" in html  # Wyjechał: no registration in force
    assert not AuditEvent.objects.filter(action="resident.searched").exists()  # browsing is not a search


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "800315"}, ["Żółkiewska-Kowalska"]),  # PESEL prefix
        ({"q": "zolkiewska"}, ["Żółkiewska-Kowalska"]),  # accent-insensitive
        ({"q": "ŻÓŁKIEWSKA anna"}, ["Żółkiewska-Kowalska"]),
        ({"q": "nowak jan"}, ["Nowak"]),
        ({"status": "emigrated"}, ["Wyjechał"]),
        ({"citizenship": "ua"}, ["Bondar"]),
        ({"foreigners": "on"}, ["Bondar"]),
    ],
)
def test_search_by_pesel_name_status_and_citizenship(client, population_clerk, people, params, expected):
    client.force_login(population_clerk)
    response = client.get(reverse("population:resident-list"), params)
    assert response.status_code == 200
    assert _names(response) == expected


def test_search_by_address_of_a_registration_in_force(client, population_clerk, people, streets):
    client.force_login(population_clerk)
    kosciuszki = streets[0]
    params = {"locality": kosciuszki.locality_id, "street": kosciuszki.pk}
    assert _names(client.get(reverse("population:resident-list"), params)) == ["Bondar", "Żółkiewska-Kowalska"]
    params["building"] = "12"
    assert _names(client.get(reverse("population:resident-list"), params)) == ["Bondar", "Żółkiewska-Kowalska"]
    params["building"] = "1"  # Kowalska lived at no. 1 until 2020
    assert _names(client.get(reverse("population:resident-list"), params)) == []
    slon = streets[1]
    response = client.get(reverse("population:resident-list"), {"locality": slon.locality_id, "street": slon.pk})
    assert _names(response) == ["Nowak", "Żółkiewska-Kowalska"]  # a temporary stay counts as well


def test_a_street_of_another_locality_is_ignored_after_the_locality_changes(client, population_clerk, people, streets):
    client.force_login(population_clerk)
    village = Locality.objects.get(name="Dębina")
    response = client.get(reverse("population:resident-list"), {"locality": village.pk, "street": streets[0].pk})
    assert response.status_code == 200
    assert response.context["form"].errors == {}
    assert _names(response) == []


def test_search_is_logged_with_its_criteria(client, population_clerk, people):
    client.force_login(population_clerk)
    client.get(reverse("population:resident-list"), {"q": "nowak", "foreigners": ""})
    event = AuditEvent.objects.get(action="resident.searched")
    assert event.details == {"query": "nowak", "results": 1}


def test_foreigners_tab(client, population_clerk, people):
    client.force_login(population_clerk)
    response = client.get(reverse("population:resident-list"), {"foreigners": "on"})
    html = _html(response)
    assert "1 cudzoziemiec na liście." in html
    assert re.search(r'data-testid="tab-foreigners"[^>]*aria-current="page"', html)
    assert not re.search(r'data-testid="tab-all"[^>]*aria-current="page"', html)
    assert '<input type="hidden" name="foreigners" value="on">' in html  # HTMX searches stay on the tab


def test_bad_citizenship_code_is_explained_and_lists_nobody(client, population_clerk, people):
    client.force_login(population_clerk)
    response = client.get(reverse("population:resident-list"), {"citizenship": "U1"})
    assert response.status_code == 200
    assert "Wpisz dwuliterowy kod kraju (PL, UA, DE…)." in _html(response)
    assert _names(response) == []


def test_htmx_search_answers_with_the_results_only(client, population_clerk, people):
    client.force_login(population_clerk)
    response = client.get(reverse("population:resident-list"), {"q": "nowak"}, HTTP_HX_REQUEST="true")
    html = _html(response)
    assert response.status_code == 200
    assert "<html" not in html
    assert 'data-testid="resident-table"' in html
    assert "1 mieszkaniec spełnia kryteria." in html
    assert response["Vary"].count("HX-Request") == 1


def test_htmx_search_by_locality_brings_its_street_options(client, population_clerk, people, streets):
    client.force_login(population_clerk)
    town = streets[0].locality
    response = client.get(reverse("population:resident-list"), {"locality": town.pk}, HTTP_HX_REQUEST="true")
    html = _html(response)
    oob = html.split('<div id="street-field" hx-swap-oob="true">', 1)[1]
    options = re.findall(r'<option value="(\d+)"', oob)
    assert sorted(int(pk) for pk in options) == sorted(town.streets.values_list("pk", flat=True))
    assert "hx-swap-oob" not in _html(client.get(reverse("population:resident-list"), {"locality": town.pk}))


def _many(streets, numbers):
    for i in numbers:
        resident = _resident(f"Nazwisko{i:03d}", birth=D(1950 + i % 50, 1 + i % 12, 1 + i % 28), serial=i)
        RegistrationFactory(resident=resident, address=_address(streets[i % 2], str(i + 1)), start_date=D(2020, 1, 1))
        if i % 3 == 0:
            RegistrationFactory(
                resident=resident,
                kind=TEMPORARY,
                address=_address(streets[1], "99"),
                start_date=D(2024, 1, 1),
                planned_end_date=TODAY + datetime.timedelta(days=30),
            )


def _list_queries(client, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("population:resident-list"), params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_the_rows(client, population_clerk, streets, django_assert_max_num_queries):
    client.force_login(population_clerk)
    _many(streets, range(3))
    few = _list_queries(client)
    _many(streets, range(3, 43))  # more than a page
    with django_assert_max_num_queries(10):
        response = client.get(reverse("population:resident-list"))
    assert len(response.context["page"].object_list) == 25
    assert _list_queries(client) == few
    assert _list_queries(client, {"page": "2"}) == few
    # a search writes its audit event, a fixed number of queries more
    assert _list_queries(client, {"q": "nazwisko"}) == _list_queries(client, {"q": "nazwisko0"})


# --- the card -----------------------------------------------------------------------------------


def test_card_shows_person_history_and_logs_the_read(client, population_clerk, kowalska):
    registration = kowalska.registrations.get(start_date=D(2020, 1, 1))
    registration.registered_by = population_clerk
    registration.save()
    client.force_login(population_clerk)
    response = client.get(reverse("population:resident-detail", args=[kowalska.pk]))
    assert response.status_code == 200
    html = _html(response)
    assert "Anna Żółkiewska-Kowalska" in html
    assert generate_pesel(D(1980, 3, 15), "F", 123) in html
    assert "15.03.1980" in html
    assert "polskie" in html
    for text in ("pobyt stały", "pobyt czasowy", "ul. Kościuszki 1, 05-990 Magistrowo", "01.01.2010", "01.01.2020"):
        assert text in html
    assert "zastąpione nowym zameldowaniem" in html  # the end reason of the first registration
    assert "formularz papierowy w urzędzie" in html
    assert population_clerk.display_name in html
    assert html.count("Wymelduj") == 2  # the two registrations in force
    assert html.count(">Przedłuż<") == 1  # only the temporary one
    for url in ("registration-create", "resident-death", "resident-emigration"):
        assert reverse(f"population:{url}", args=[kowalska.pk]) in html
    event = AuditEvent.objects.get(action="resident.viewed")
    assert event.object_id == str(kowalska.pk)
    assert event.actor == population_clerk


def test_card_of_a_deceased_person_offers_no_actions(client, population_clerk, streets):
    resident = _resident("Zmarła", status=Resident.Status.DECEASED, status_date=D(2024, 5, 5))
    client.force_login(population_clerk)
    html = _html(client.get(reverse("population:resident-detail", args=[resident.pk])))
    assert "zmarły 05.05.2024" in html
    assert reverse("population:registration-create", args=[resident.pk]) not in html
    assert reverse("population:resident-death", args=[resident.pk]) not in html


def test_card_of_a_missing_resident_is_404_and_nothing_is_logged(client, population_clerk, db):
    client.force_login(population_clerk)
    assert client.get(reverse("population:resident-detail", args=[999])).status_code == 404
    assert client.get(reverse("population:registration-deregister", args=[999])).status_code == 404
    assert not AuditEvent.objects.exists()


# --- adding a person --------------------------------------------------------------------------------


def test_add_an_existing_party_by_pesel(client, population_clerk, db):
    pesel = generate_pesel(D(1985, 7, 1), "M", 42)
    party = PersonFactory(pesel=pesel, birth_date=D(1985, 7, 1), sex="M", first_names="Adam", surname="Lis")
    client.force_login(population_clerk)
    response = client.post(
        reverse("population:resident-create"),
        {"source": "existing", "pesel": pesel, "citizenship": "pl", "father_name": "Jan", "birth_place": "Radom"},
    )
    resident = Resident.objects.get(party=party)
    assert response.status_code == 302
    assert response["Location"] == reverse("population:resident-detail", args=[resident.pk])
    assert (resident.citizenship, resident.father_name, resident.birth_place) == ("PL", "Jan", "Radom")
    page = client.get(response["Location"])
    assert "Adam Lis wpisano do ewidencji ludności." in _html(page)


def test_add_a_new_person_creates_the_party_too(client, population_clerk, db):
    pesel = generate_pesel(D(2001, 12, 24), "F", 5)
    client.force_login(population_clerk)
    response = client.post(
        reverse("population:resident-create"),
        {"source": "new", "pesel": pesel, "first_names": "Olena", "surname": "Bondar", "citizenship": "UA"},
    )
    assert response.status_code == 302
    resident = Resident.objects.get(party__pesel=pesel)
    assert (resident.party.surname, resident.party.birth_date, resident.party.sex) == ("Bondar", D(2001, 12, 24), "F")
    assert resident.citizenship == "UA"
    assert set(AuditEvent.objects.values_list("action", flat=True)) == {"party.created", "resident.created"}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"source": "existing", "pesel": ""}, "pesel", "Podaj numer PESEL osoby."),
        ({"source": "existing", "pesel": "8003151234"}, "pesel", "PESEL musi mieć 11 cyfr, a ten ma 10."),
        (
            {"source": "existing", "pesel": generate_pesel(D(1999, 9, 9), "M", 1)},
            "pesel",
            f"Nie ma osoby o numerze PESEL {generate_pesel(D(1999, 9, 9), 'M', 1)} w rejestrze podmiotów",
        ),
        (
            {"source": "new", "pesel": "", "first_names": "Jan", "surname": "Nowy"},
            "birth_date",
            "Dla osoby bez numeru PESEL",
        ),
        (
            {"source": "new", "pesel": "", "surname": "Nowy", "birth_date": "01.01.1990"},
            "first_names",
            "Imię jest wymagane.",
        ),
        (
            {"source": "new", "first_names": "Jan", "surname": "Nowy", "birth_date": "01.01.1990", "citizenship": "P1"},
            "citizenship",
            "Obywatelstwo podaj jako dwuliterowy kod kraju",
        ),
    ],
)
def test_add_person_errors_are_shown_next_to_the_field(client, population_clerk, db, data, field, message):
    client.force_login(population_clerk)
    before = _counts()
    response = client.post(reverse("population:resident-create"), {"citizenship": "PL", **data})
    assert response.status_code == 422
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert "Dane zawierają błędy. Popraw zaznaczone pola i zapisz ponownie." in _html(response)
    assert _counts() == before  # in particular no party left behind by a refused resident


def test_a_person_already_in_the_register_is_refused(client, population_clerk, kowalska):
    client.force_login(population_clerk)
    before = _counts()
    response = client.post(
        reverse("population:resident-create"),
        {"source": "existing", "pesel": kowalska.party.pesel, "citizenship": "PL"},
    )
    assert response.status_code == 422
    assert response.context["form"].errors["pesel"] == ["Ta osoba jest już w rejestrze mieszkańców."]
    assert _counts() == before


# --- registrations ------------------------------------------------------------------------------


def _register_data(at, **overrides):
    data = {
        "kind": "permanent",
        "locality": at.locality_id,
        "street": at.pk,
        "building_number": "7a",
        "flat_number": "2",
        "postal_code": "05-990",
        "start_date": "01.03.2026",
        "planned_end_date": "",
        "form": "paper",
        "legal_basis": "umowa najmu",
    }
    data.update(overrides)
    return data


def test_register_a_permanent_stay_replaces_the_current_one(client, population_clerk, kowalska, streets):
    client.force_login(population_clerk)
    old = kowalska.registrations.get(kind=PERMANENT, end_date__isnull=True)
    response = client.post(reverse("population:registration-create", args=[kowalska.pk]), _register_data(streets[1]))
    assert response.status_code == 302
    assert response["Location"] == reverse("population:resident-detail", args=[kowalska.pk])
    new = kowalska.registrations.get(kind=PERMANENT, end_date__isnull=True)
    assert (new.street, new.building_number, new.flat_number) == (streets[1], "7A", "2")
    assert (new.start_date, new.legal_basis, new.registered_by) == (D(2026, 3, 1), "umowa najmu", population_clerk)
    old.refresh_from_db()
    assert (old.end_date, old.end_reason) == (D(2026, 3, 1), "replaced")
    page = _html(client.get(response["Location"]))
    assert "Zameldowano na pobyt stały pod adresem ul. Słoneczna 7a/2, 05-990 Magistrowo od 01.03.2026." in page


def test_register_form_offers_only_the_gminas_localities_and_street_options(client, population_clerk, kowalska):
    client.force_login(population_clerk)
    response = client.get(reverse("population:registration-create", args=[kowalska.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    assert sorted(loc.name for loc in form.fields["locality"].queryset) == sorted(
        Locality.objects.filter(gmina__code__startswith="149901").values_list("name", flat=True)
    )
    assert form["start_date"].value() == TODAY
    assert f'hx-get="{reverse("core:street-options")}"' in _html(response)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"kind": "temporary"}, "planned_end_date", "Pobyt czasowy wymaga planowanej daty zakończenia."),
        (
            {"kind": "temporary", "planned_end_date": "01.02.2026"},
            "planned_end_date",
            "Planowane zakończenie musi przypadać po rozpoczęciu pobytu.",
        ),
        ({"start_date": "01.01.2999"}, "start_date", "Data 01.01.2999 jest datą przyszłą."),
        (
            {"start_date": "01.01.1970"},
            "start_date",
            "Data 01.01.1970 jest wcześniejsza niż data urodzenia (15.03.1980).",
        ),
        (
            {"start_date": "01.01.2019"},
            "start_date",
            "Obecne zameldowanie rozpoczęło się 01.01.2020; nowe nie może rozpocząć się wcześniej.",
        ),
        ({"street": ""}, "street", "Wybierz ulicę: ta miejscowość ma ulice w rejestrze TERYT."),
        ({"postal_code": "05990x"}, "postal_code", "Kod pocztowy musi mieć postać 00-000."),
        ({"building_number": ""}, "building_number", "To pole jest wymagane."),
        ({"start_date": "31.02.2026"}, "start_date", "Wpisz poprawną datę."),
    ],
)
def test_register_rule_violations_are_shown_next_to_the_field(
    client, population_clerk, kowalska, streets, overrides, field, message
):
    client.force_login(population_clerk)
    before = _counts()
    response = client.post(
        reverse("population:registration-create", args=[kowalska.pk]), _register_data(streets[1], **overrides)
    )
    assert response.status_code == 422
    assert response.context["form"].errors[field] == [message]
    assert message in _html(response)
    after = _counts()
    assert after[0] == before[0] + 1  # only the logged read of the resident
    assert after[1:] == before[1:]


def test_register_a_street_of_another_locality_is_refused(client, population_clerk, kowalska, streets):
    client.force_login(population_clerk)
    village = Locality.objects.get(name="Dębina")
    response = client.post(
        reverse("population:registration-create", args=[kowalska.pk]),
        _register_data(streets[0], locality=village.pk),
    )
    assert response.status_code == 422
    assert response.context["form"].errors["street"] == [
        "Wybierz poprawną wartość. Podana nie jest jednym z dostępnych wyborów."
    ]


def test_register_outside_the_gmina_is_not_offered(client, population_clerk, kowalska, streets):
    elsewhere = AddressFactory()  # a locality of another gmina
    client.force_login(population_clerk)
    response = client.post(
        reverse("population:registration-create", args=[kowalska.pk]),
        _register_data(streets[0], locality=elsewhere.locality_id, street=elsewhere.street_id),
    )
    assert response.status_code == 422
    assert "locality" in response.context["form"].errors


def test_a_deceased_person_cannot_be_registered(client, population_clerk, streets):
    resident = _resident("Zmarła", status=Resident.Status.DECEASED, status_date=D(2024, 5, 5))
    client.force_login(population_clerk)
    response = client.post(reverse("population:registration-create", args=[resident.pk]), _register_data(streets[0]))
    assert response.status_code == 422
    assert response.context["form"].non_field_errors() == ["Nie można zameldować osoby zmarłej."]
    assert not resident.registrations.exists()


def test_deregister(client, population_clerk, kowalska):
    registration = kowalska.registrations.get(kind=PERMANENT, end_date__isnull=True)
    client.force_login(population_clerk)
    url = reverse("population:registration-deregister", args=[registration.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "ul. Kościuszki 12/3, 05-990 Magistrowo" in _html(page)
    response = client.post(url, {"end_date": "15.08.2026", "reason": "decision"})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert (registration.end_date, registration.end_reason, registration.ended_by) == (
        D(2026, 8, 15),
        "decision",
        population_clerk,
    )
    page = _html(client.get(response["Location"]))
    assert "Wymeldowano z adresu ul. Kościuszki 12/3, 05-990 Magistrowo z dniem 15.08.2026." in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"end_date": "31.12.2019"}, "end_date", "Wymeldowanie nie może poprzedzać zameldowania (01.01.2020)."),
        ({"end_date": "01.01.2999"}, "end_date", "Data 01.01.2999 jest datą przyszłą."),
        ({"end_date": ""}, "end_date", "To pole jest wymagane."),
    ],
)
def test_deregister_errors(client, population_clerk, kowalska, data, field, message):
    registration = kowalska.registrations.get(kind=PERMANENT, end_date__isnull=True)
    client.force_login(population_clerk)
    before = _counts()
    response = client.post(
        reverse("population:registration-deregister", args=[registration.pk]), {"reason": "deregistered", **data}
    )
    assert response.status_code == 422
    assert response.context["form"].errors[field] == [message]
    assert _counts()[1:] == before[1:]


def test_deregister_an_ended_registration_is_refused(client, population_clerk, kowalska):
    ended = kowalska.registrations.get(end_date=D(2020, 1, 1))
    client.force_login(population_clerk)
    response = client.post(
        reverse("population:registration-deregister", args=[ended.pk]),
        {"end_date": "01.02.2026", "reason": "deregistered"},
    )
    assert response.status_code == 422
    assert response.context["form"].non_field_errors() == ["To zameldowanie zakończyło się już 01.01.2020."]


def test_extend_a_temporary_stay(client, population_clerk, kowalska):
    temporary = kowalska.registrations.get(kind=TEMPORARY)
    client.force_login(population_clerk)
    url = reverse("population:registration-extend", args=[temporary.pk])
    assert client.get(url).status_code == 200
    new_end = TODAY + datetime.timedelta(days=400)
    response = client.post(url, {"planned_end_date": new_end.strftime("%d.%m.%Y")})
    assert response.status_code == 302
    temporary.refresh_from_db()
    assert temporary.planned_end_date == new_end
    assert f"Pobyt czasowy kończy się teraz {new_end:%d.%m.%Y}." in _html(client.get(response["Location"]))


def test_extend_errors(client, population_clerk, kowalska):
    temporary = kowalska.registrations.get(kind=TEMPORARY)
    permanent = kowalska.registrations.get(kind=PERMANENT, end_date__isnull=True)
    client.force_login(population_clerk)
    response = client.post(
        reverse("population:registration-extend", args=[temporary.pk]), {"planned_end_date": "01.01.2025"}
    )
    assert response.status_code == 422
    assert response.context["form"].errors["planned_end_date"] == [
        f"Nowy termin musi być późniejszy niż obecny ({temporary.planned_end_date:%d.%m.%Y})."
    ]
    response = client.post(
        reverse("population:registration-extend", args=[permanent.pk]), {"planned_end_date": "01.01.2030"}
    )
    assert response.status_code == 422
    assert response.context["form"].non_field_errors() == ["Przedłużyć można tylko pobyt czasowy."]


def test_record_death(client, population_clerk, kowalska):
    client.force_login(population_clerk)
    url = reverse("population:resident-death", args=[kowalska.pk])
    assert "Wszystkie zameldowania w mocy kończą się z dniem zgonu" in _html(client.get(url))
    response = client.post(url, {"death_date": "02.02.2026"})
    assert response.status_code == 302
    kowalska.refresh_from_db()
    assert (kowalska.status, kowalska.status_date) == ("deceased", D(2026, 2, 2))
    assert not kowalska.registrations.filter(end_date__isnull=True).exists()
    assert set(kowalska.registrations.filter(end_reason="death").values_list("end_date", flat=True)) == {D(2026, 2, 2)}
    assert "Zapisano zgon; zameldowania w mocy zakończyły się 02.02.2026." in _html(client.get(response["Location"]))


def test_record_death_errors(client, population_clerk, kowalska):
    client.force_login(population_clerk)
    url = reverse("population:resident-death", args=[kowalska.pk])
    response = client.post(url, {"death_date": "01.01.1970"})
    assert response.status_code == 422
    assert response.context["form"].errors["death_date"] == ["Data zgonu poprzedza datę urodzenia."]
    kowalska.refresh_from_db()
    assert kowalska.status == "active"


def test_record_emigration(client, population_clerk, kowalska):
    client.force_login(population_clerk)
    url = reverse("population:resident-emigration", args=[kowalska.pk])
    response = client.post(url, {"departure_date": "03.03.2026"})
    assert response.status_code == 302
    kowalska.refresh_from_db()
    assert (kowalska.status, kowalska.status_date) == ("emigrated", D(2026, 3, 3))
    assert not kowalska.registrations.filter(end_date__isnull=True).exists()


def test_record_emigration_date_errors_go_to_the_departure_date(client, population_clerk, kowalska):
    client.force_login(population_clerk)
    url = reverse("population:resident-emigration", args=[kowalska.pk])
    response = client.post(url, {"departure_date": "01.01.1970"})
    assert response.status_code == 422
    assert response.context["form"].errors["departure_date"] == [
        "Data 01.01.1970 jest wcześniejsza niż data urodzenia (15.03.1980)."
    ]
    kowalska.status = Resident.Status.EMIGRATED
    kowalska.save()
    response = client.post(url, {"departure_date": "01.01.2026"})
    assert response.status_code == 422
    assert response.context["form"].non_field_errors() == ["Wyjazd za granicę może zgłosić tylko aktywny mieszkaniec."]


# --- permissions --------------------------------------------------------------------------------


def test_tax_clerk_is_refused_everywhere_and_nothing_is_logged_or_changed(client, clerk, kowalska, streets):
    client.force_login(clerk)
    permanent = kowalska.registrations.get(kind=PERMANENT, end_date__isnull=True)
    temporary = kowalska.registrations.get(kind=TEMPORARY)
    before = _counts()
    gets = [
        reverse("population:resident-list"),
        reverse("population:resident-list") + "?q=kowalska",
        reverse("population:resident-detail", args=[kowalska.pk]),
        reverse("population:resident-create"),
        reverse("population:registration-create", args=[kowalska.pk]),
        reverse("population:registration-deregister", args=[permanent.pk]),
        reverse("population:registration-extend", args=[temporary.pk]),
        reverse("population:resident-death", args=[kowalska.pk]),
        reverse("population:resident-emigration", args=[kowalska.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 403, url
    posts = [
        (
            reverse("population:resident-create"),
            {"source": "new", "surname": "X", "first_names": "Y", "birth_date": "01.01.1990", "citizenship": "PL"},
        ),
        (reverse("population:registration-create", args=[kowalska.pk]), _register_data(streets[1])),
        (
            reverse("population:registration-deregister", args=[permanent.pk]),
            {"end_date": "01.02.2026", "reason": "deregistered"},
        ),
        (reverse("population:registration-extend", args=[temporary.pk]), {"planned_end_date": "01.01.2030"}),
        (reverse("population:resident-death", args=[kowalska.pk]), {"death_date": "01.02.2026"}),
        (reverse("population:resident-emigration", args=[kowalska.pk]), {"departure_date": "01.02.2026"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert _counts() == before


def test_head_of_unit_sees_statistics_but_not_residents(client, make_user, kowalska):
    client.force_login(make_user(roles.HEAD_OF_UNIT))
    assert client.get(reverse("population:resident-list")).status_code == 403
    assert client.get(reverse("population:resident-detail", args=[kowalska.pk])).status_code == 403
    html = _html(client.get(reverse("population:statistics")))
    assert 'data-nav="population-stats"' in html
    assert 'data-nav="residents"' not in html


def test_menu_entries_for_the_population_clerk(client, population_clerk, db):
    client.force_login(population_clerk)
    html = _html(client.get(reverse("population:resident-list")))
    assert f'href="{reverse("population:resident-list")}" class="nav-link nav-link-active"' in html
    assert 'data-nav="residents">Mieszkańcy</a>' in html
    assert 'data-nav="population-stats">Statystyka ludności</a>' in html
