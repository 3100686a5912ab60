import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core import roles
from core.models import AuditEvent, Party
from tests.factories import PersonFactory, StreetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def clerk_api(api, clerk):
    token = Token.objects.create(user=clerk)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def test_token_is_obtained_with_credentials(api, clerk):
    response = api.post("/api/v1/auth/token/", {"username": clerk.username, "password": "haslo-testowe-123"})
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=clerk).key}


def test_wrong_credentials_have_the_common_error_shape(api, clerk):
    response = api.post("/api/v1/auth/token/", {"username": clerk.username, "password": "zle"})
    body = response.json()
    assert response.status_code == 400
    assert set(body) == {"detail", "code", "errors"}
    assert body["code"] == "invalid"


def test_anonymous_gets_401_with_the_common_shape(api):
    response = api.get("/api/v1/parties/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"
    assert set(response.json()) == {"detail", "code", "errors"}


def test_user_without_permission_gets_403(api, nobody):
    api.force_authenticate(nobody)
    response = api.get("/api/v1/parties/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_unknown_api_url_is_a_json_404(api):
    response = api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Nie znaleziono.", "code": "not_found", "errors": {}}


def test_create_person_through_the_api(clerk_api):
    street = StreetFactory()
    payload = {
        "kind": "person",
        "pesel": "02270803624",
        "first_names": "Zofia",
        "surname": "Żółkiewska",
        "address": {
            "locality_id": street.locality_id,
            "street_id": street.pk,
            "building_number": "12A",
            "postal_code": "05-990",
        },
    }
    response = clerk_api.post("/api/v1/parties/", payload, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["birth_date"], body["sex"], body["display_name"]) == ("2002-07-08", "F", "Zofia Żółkiewska")
    assert body["address"]["locality_sym"] == street.locality.sym
    assert Party.objects.get(pk=body["id"]).surname == "Żółkiewska"


def test_invalid_pesel_is_a_field_error(clerk_api):
    response = clerk_api.post(
        "/api/v1/parties/",
        {"kind": "person", "pesel": "44051401358", "first_names": "A", "surname": "B"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Dane zawierają błędy.",
        "code": "invalid",
        "errors": {"pesel": ["Błędna cyfra kontrolna PESEL: powinna być 9, jest 8."]},
    }
    assert Party.objects.count() == 0


def test_serializer_errors_use_the_same_shape(clerk_api):
    response = clerk_api.post("/api/v1/parties/", {"kind": "alien"}, format="json")
    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "invalid"
    assert list(body["errors"]) == ["kind"]


def test_detail_read_is_logged_and_missing_party_is_404(clerk_api, clerk):
    party = PersonFactory()
    response = clerk_api.get(f"/api/v1/parties/{party.pk}/")
    assert response.status_code == 200
    assert response.json()["pesel"] == party.pesel
    assert AuditEvent.objects.filter(action="party.viewed", object_id=str(party.pk), actor=clerk).count() == 1

    response = clerk_api.get("/api/v1/parties/999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_search_by_pesel_and_name(clerk_api):
    a = PersonFactory(surname="Wiśniewska")
    PersonFactory(surname="Nowak")
    assert [p["id"] for p in clerk_api.get("/api/v1/parties/", {"q": a.pesel}).json()["results"]] == [a.pk]
    assert [p["id"] for p in clerk_api.get("/api/v1/parties/", {"q": "wiśniew"}).json()["results"]] == [a.pk]


def test_update_with_put(clerk_api):
    party = PersonFactory(first_names="Jan", surname="Kowalski", registered_address=None)
    response = clerk_api.put(
        f"/api/v1/parties/{party.pk}/",
        {"kind": "person", "pesel": party.pesel, "first_names": "Jan", "surname": "Kowalski-Nowak"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    party.refresh_from_db()
    assert party.surname == "Kowalski-Nowak"


def test_accountant_may_read_but_not_create(api, make_user):
    accountant = make_user(roles.ACCOUNTANT)
    api.force_authenticate(accountant)
    assert api.get("/api/v1/parties/").status_code == 200
    response = api.post("/api/v1/parties/", {"kind": "organisation", "name": "X"}, format="json")
    assert response.status_code == 403
    assert Party.objects.count() == 0


def test_audit_events_need_the_audit_permission(api, clerk, make_user):
    api.force_authenticate(clerk)
    assert api.get("/api/v1/audit-events/").status_code == 403
    api.force_authenticate(make_user(roles.ADMINISTRATOR))
    assert api.get("/api/v1/audit-events/").status_code == 200


def test_openapi_schema_generates_for_staff(api, clerk):
    api.force_authenticate(clerk)
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Magistrat API"
    assert "/api/v1/parties/{id}/" in schema["paths"] or "/api/v1/parties/{pk}/" in schema["paths"]
    assert "ErrorResponse" in schema["components"]["schemas"]


def test_audit_event_carries_request_id_and_ip(clerk_api):
    response = clerk_api.post(
        "/api/v1/parties/",
        {"kind": "organisation", "name": "Ochotnicza Straż Pożarna w Dębinie"},
        format="json",
        HTTP_X_REQUEST_ID="req-abc-123",
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 201
    assert response["X-Request-ID"] == "req-abc-123"
    event = AuditEvent.objects.get(action="party.created")
    assert (event.request_id, event.ip, event.task_id) == ("req-abc-123", "10.1.2.3", "")


def test_search_ignores_case_and_polish_diacritics(clerk_api):
    a = PersonFactory(surname="Żółkiewska-Łęcka", first_names="Małgorzata")
    PersonFactory(surname="Zolkiewicz")
    for query in ("zolkiewska", "ŻÓŁKIEWSKA", "lecka malgorzata", "Łęcka"):
        assert [p["id"] for p in clerk_api.get("/api/v1/parties/", {"q": query}).json()["results"]] == [a.pk], query


def test_pesel_prefix_search_is_a_range(clerk_api):
    from core.selectors import digits_prefix_q

    a = PersonFactory(pesel="44051401359")
    b = PersonFactory(pesel="02270803624")
    assert [p["id"] for p in clerk_api.get("/api/v1/parties/", {"q": "4405"}).json()["results"]] == [a.pk]
    assert [p["id"] for p in clerk_api.get("/api/v1/parties/", {"q": "0227080362"}).json()["results"]] == [b.pk]
    assert str(digits_prefix_q("pesel", "0999")) == "(AND: ('pesel__gte', '0999'), ('pesel__lt', '1000'))"
    assert str(digits_prefix_q("pesel", "99")) == "(AND: ('pesel__gte', '99'))"
