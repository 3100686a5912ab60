"""Privacy of the residents register (issue 3, point 7).

Only the population clerk (ewidencja ludności) and the administrator see residents; a tax clerk, an
accountant, the registry (kancelaria), a head of unit and a resident of the portal are refused by the API,
and a refused request writes nothing. Every read of a resident's details is one `resident.viewed` event.
"""

import datetime

import pytest
from rest_framework.test import APIClient

from core import roles
from core.domain.identifiers import generate_pesel
from core.exceptions import NotFoundOrForbidden
from core.models import AuditEvent, Party
from core.services.parties import AddressInput, PartyInput, party_create
from population.models import Registration, Resident
from population.selectors import access_resident_by_id, resident_search
from population.services import ResidentInput, registration_register, resident_create

D = datetime.date
URL = "/api/v1/population"
REFUSED_ROLES = [roles.TAX_CLERK, roles.ACCOUNTANT, roles.REGISTRY_CLERK, roles.HEAD_OF_UNIT, roles.RESIDENT]
ALLOWED_ROLES = [roles.POPULATION_CLERK, roles.ADMINISTRATOR]


@pytest.fixture
def resident(population_clerk, town_street):
    party = party_create(
        actor=population_clerk,
        data=PartyInput(
            kind="person", pesel=generate_pesel(D(1984, 9, 17), "F", 204), first_names="Grażyna", surname="Kwiatkowska"
        ),
    )
    resident = resident_create(actor=population_clerk, party=party, data=ResidentInput(family_name="Zielińska"))
    address = AddressInput(
        locality_id=town_street.locality_id,
        street_id=town_street.pk,
        building_number="4",
        flat_number="12",
        postal_code="05-990",
    )
    registration_register(
        actor=population_clerk,
        resident=resident,
        kind="temporary",
        address=address,
        start_date=D(2026, 2, 1),
        planned_end_date=D(2027, 1, 31),
        today=D(2026, 11, 20),
    )
    return resident


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _state():
    registrations = list(Registration.objects.order_by("pk").values_list("pk", "end_date", "planned_end_date"))
    return (Party.objects.count(), Resident.objects.count(), registrations, AuditEvent.objects.count())


def _requests(resident, town_street):
    registration = resident.registrations.get()
    address = {"locality_id": town_street.locality_id, "street_id": town_street.pk, "building_number": "1"}
    return [
        ("get", f"{URL}/residents/", {}),
        ("get", f"{URL}/residents/", {"q": resident.party.pesel}),
        ("get", f"{URL}/residents/{resident.pk}/", {}),
        ("post", f"{URL}/residents/", {"party_id": resident.party_id}),
        (
            "post",
            f"{URL}/residents/{resident.pk}/registrations/",
            {"kind": "permanent", "address": {**address, "postal_code": "05-990"}, "start_date": "2026-03-01"},
        ),
        ("post", f"{URL}/registrations/{registration.pk}/deregister/", {"end_date": "2026-03-01"}),
        ("post", f"{URL}/registrations/{registration.pk}/extend/", {"planned_end_date": "2027-12-31"}),
        ("get", f"{URL}/registrations/", {}),
        ("get", f"{URL}/registrations/", {"resident": resident.pk}),
        ("get", f"{URL}/counts/", {}),
        ("get", f"{URL}/counts/address/", {"locality": "9900001", "street": town_street.sym_ul, "building": "4"}),
    ]


@pytest.mark.parametrize("role", REFUSED_ROLES)
def test_other_roles_cannot_reach_residents_through_the_api(role, make_user, resident, town_street):
    user = make_user(role)
    if role == roles.RESIDENT:  # even a resident asking about themselves: the portal has its own narrow views
        user.party = resident.party
        user.save(update_fields=["party"])
    client = _client(user)
    before = _state()

    for method, url, data in _requests(resident, town_street):
        response = getattr(client, method)(url, data, format="json") if method == "post" else client.get(url, data)
        assert response.status_code in (403, 404), f"{role}: {method.upper()} {url} → {response.status_code}"
        assert set(response.json()) == {"detail", "code", "errors"}
        assert "Kwiatkowska" not in response.content.decode()

    assert _state() == before
    assert not AuditEvent.objects.filter(action="resident.viewed").exists()


def test_tax_clerk_is_refused_with_403_and_the_common_shape(make_user, resident):
    response = _client(make_user(roles.TAX_CLERK)).get(f"{URL}/residents/{resident.pk}/")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Nie masz uprawnień do wykonania tej czynności.",
        "code": "permission_denied",
        "errors": {},
    }


def test_anonymous_is_refused(resident):
    before = _state()
    for url in (f"{URL}/residents/", f"{URL}/residents/{resident.pk}/", f"{URL}/counts/"):
        assert APIClient().get(url).status_code == 401
    assert _state() == before


@pytest.mark.parametrize("role", REFUSED_ROLES)
def test_selectors_refuse_other_roles_the_same_way_as_a_missing_resident(role, make_user, resident):
    user = make_user(role)
    with pytest.raises(NotFoundOrForbidden):
        access_resident_by_id(user=user, resident_id=resident.pk)
    with pytest.raises(NotFoundOrForbidden):
        resident_search(user=user, query="Kwiatkowska")
    assert not AuditEvent.objects.filter(action="resident.viewed").exists()


@pytest.mark.parametrize("role", ALLOWED_ROLES)
def test_population_clerk_and_administrator_see_residents(role, make_user, resident):
    user = make_user(role)
    client = _client(user)

    listing = client.get(f"{URL}/residents/")
    assert listing.status_code == 200
    assert [r["id"] for r in listing.json()["results"]] == [resident.pk]
    assert not AuditEvent.objects.filter(action="resident.viewed").exists()  # a list is not a read of details

    for _ in range(2):
        detail = client.get(f"{URL}/residents/{resident.pk}/")
        assert detail.status_code == 200
        assert detail.json()["family_name"] == "Zielińska"
    events = AuditEvent.objects.filter(action="resident.viewed")
    assert [(e.object_type, e.object_id, e.actor_id, e.actor_label) for e in events] == [
        ("population.resident", str(resident.pk), user.pk, user.username)
    ] * 2

    assert client.get(f"{URL}/registrations/", {"resident": resident.pk}).status_code == 200
    assert client.get(f"{URL}/counts/").status_code == 200


def test_every_detail_read_is_one_event_and_refused_reads_none(make_user, resident):
    clerk = make_user(roles.POPULATION_CLERK)
    tax_clerk = make_user(roles.TAX_CLERK)
    _client(clerk).get(f"{URL}/residents/{resident.pk}/")
    _client(tax_clerk).get(f"{URL}/residents/{resident.pk}/")
    _client(clerk).get(f"{URL}/residents/{resident.pk + 1000}/")  # missing: nothing read, nothing logged

    events = AuditEvent.objects.filter(action="resident.viewed")
    assert [(e.object_id, e.actor_id) for e in events] == [(str(resident.pk), clerk.pk)]


# --- the back-office page of a resident ------------------------------------------------------------------------


@pytest.mark.parametrize("role", REFUSED_ROLES)
def test_other_roles_cannot_open_the_residents_page(role, make_user, resident, client):
    client.force_login(make_user(role))
    before = _state()

    for url in (f"/population/residents/{resident.pk}/", "/population/residents/"):
        response = client.get(url)
        assert response.status_code in (403, 404), f"{role}: {url} → {response.status_code}"
        assert "Kwiatkowska" not in response.content.decode()

    assert _state() == before


@pytest.mark.parametrize("role", ALLOWED_ROLES)
def test_opening_the_residents_page_is_one_logged_read(role, make_user, resident, client):
    user = make_user(role)
    client.force_login(user)

    response = client.get(f"/population/residents/{resident.pk}/")

    assert response.status_code == 200
    assert "Kwiatkowska" in response.content.decode()
    events = AuditEvent.objects.filter(action="resident.viewed")
    assert [(e.object_id, e.actor_id) for e in events] == [(str(resident.pk), user.pk)]
