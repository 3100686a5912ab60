"""Waste fee properties and declarations (issue 9 point 2): recording with validation against the resolution in
force, the late flag (art. 6m ust. 1), accept (supersedes the earlier one) / reject, screens, API, permissions."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from core import roles
from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from taxes.hooks.waste import seed_demo
from taxes.models import WasteDeclaration, WasteProperty
from taxes.selectors_waste import waste_declarations_in_force
from taxes.services.waste_declarations import (
    current_fee,
    declaration_fee,
    waste_declaration_accept,
    waste_declaration_record,
    waste_declaration_reject,
    waste_property_create,
)
from tests.factories import AddressFactory, PersonFactory

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(make_user):
    return make_user(roles.TAX_CLERK, username="referent-odpady")


@pytest.fixture
def outsider(make_user):
    return make_user(roles.REGISTRY_CLERK, username="kancelaria-odpady")


@pytest.fixture
def resolution(db):
    seed_demo()


@pytest.fixture
def prop(clerk):
    return waste_property_create(
        actor=clerk, identifier="ODP/0001", address=AddressFactory(), kind=WasteProperty.Kind.RESIDENTIAL
    )


@pytest.fixture
def payer(db):
    return PersonFactory(first_names="Jan", surname="Kowalski")


@pytest.fixture
def record(clerk, prop, payer, resolution):
    def _record(**kwargs):
        params = {
            "actor": clerk, "property": prop, "payer": payer, "filed_on": datetime.date(2025, 1, 10),
            "effective_from": datetime.date(2025, 1, 1), "purpose": WasteDeclaration.Purpose.FIRST,
            "method": "per_resident", "residents": 4, "water_m3": None, "dwelling_m2": None, "households": None,
            "selective": True, "composts": True, "exemptions": [], "containers": [],
        }  # fmt: skip
        return waste_declaration_record(**{**params, **kwargs})

    return _record


def counts():
    return (
        WasteProperty.objects.count(),
        WasteDeclaration.objects.count(),
        AuditEvent.objects.filter(action__startswith="taxes.waste_").count(),
    )


# --- properties ----------------------------------------------------------------------------------------------------


def test_property_create_audited(prop, clerk):
    assert (prop.identifier, prop.kind, prop.dwelling_m2) == ("ODP/0001", "residential", None)
    event = AuditEvent.objects.get(action="taxes.waste_property.create")
    assert event.details["identifier"] == "ODP/0001"


def test_property_duplicate_and_unknown_address_refused(prop, clerk):
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        waste_property_create(actor=clerk, identifier="ODP/0001", address=AddressFactory(), kind="residential")
    assert exc.value.errors["identifier"] == [
        _("The identifier %(identifier)s is already used by another property.") % {"identifier": "ODP/0001"}
    ]
    with pytest.raises(ServiceValidationError) as exc:
        waste_property_create(actor=clerk, identifier="ODP/0002", address=999999, kind="residential")
    assert exc.value.errors["address"] == [_("The address does not exist; choose an address from the register.")]
    assert counts() == before


def test_property_create_forbidden_without_permission(outsider):
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        waste_property_create(actor=outsider, identifier="ODP/9", address=AddressFactory(), kind="residential")
    assert exc.value.code == "forbidden"
    assert counts() == before


# --- recording -----------------------------------------------------------------------------------------------------


def test_e7_four_residents_composting_fee_140(record, clerk, prop):
    declaration = record(event_date=datetime.date(2025, 1, 2))
    assert declaration.status == WasteDeclaration.Status.RECEIVED
    assert (declaration.deadline, declaration.late) == (datetime.date(2025, 1, 16), False)
    assert declaration.number == f"DO/{declaration.pk}/2025"
    fee = declaration_fee(declaration)
    assert (fee.exact, fee.total) == (D("140.00"), D("140.00"))
    assert [(line.kind, line.quantity, line.rate, line.amount) for line in fee.lines] == [
        ("base", D("4"), D("38.00"), D("152.00")),
        ("discount", D("4"), D("3.00"), D("-12.00")),
    ]
    assert current_fee(prop, datetime.date(2025, 3, 1)) == (None, None)  # not accepted yet
    waste_declaration_accept(actor=clerk, declaration=declaration)
    in_force, fee = current_fee(prop, datetime.date(2025, 3, 1))
    assert (in_force, fee.total) == (declaration, D("140.00"))


def test_negative_residents_refused_nothing_written(record):
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        record(residents=-1)
    message = _("The number of residents cannot be negative (%(value)s).") % {"value": -1}
    assert exc.value.message == message
    assert exc.value.errors == {"residents": [message]}
    assert counts() == before


def test_method_not_allowed_and_missing_data_refused(record):
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        record(method="per_m3", residents=None, water_m3="12.5", composts=False)
    assert exc.value.errors["method"] == [
        _("The resolution does not allow the method %(method)s; allowed: %(allowed)s.")
        % {"method": _("per m³ of water"), "allowed": _("per resident")}
    ]
    with pytest.raises(ServiceValidationError) as exc:
        record(residents=None, composts=False)
    assert exc.value.errors["missing"] == [
        _("The method %(method)s needs %(data)s.") % {"method": _("per resident"), "data": _("the number of residents")}
    ]
    with pytest.raises(ServiceValidationError) as exc:
        record(effective_from=datetime.date(2024, 12, 1))
    assert exc.value.errors["effective_from"] == [
        _("No waste fee resolution is in force on %(date)s.") % {"date": "01.12.2024"}
    ]
    assert counts() == before


@pytest.mark.parametrize(
    ("filed_on", "late"), [(datetime.date(2025, 7, 10), False), (datetime.date(2025, 7, 14), True)]
)
def test_change_late_flag(record, clerk, filed_on, late):
    waste_declaration_accept(actor=clerk, declaration=record())
    change = record(
        purpose=WasteDeclaration.Purpose.CHANGE, residents=5, filed_on=filed_on,
        effective_from=datetime.date(2025, 6, 20), event_date=datetime.date(2025, 6, 20),
    )  # fmt: skip
    assert (change.effective_from, change.deadline, change.late) == (
        datetime.date(2025, 6, 1), datetime.date(2025, 7, 10), late)  # fmt: skip


def test_first_deadline_shifted_past_the_weekend(record):
    # 14 days from 2.08.2025 is Saturday 16.08 → Monday 18.08 (15.08 is a holiday anyway)
    declaration = record(event_date=datetime.date(2025, 8, 2), filed_on=datetime.date(2025, 8, 18),
                         effective_from=datetime.date(2025, 8, 1))  # fmt: skip
    assert (declaration.deadline, declaration.late) == (datetime.date(2025, 8, 18), False)


def test_change_without_accepted_declaration_refused(record):
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        record(purpose=WasteDeclaration.Purpose.CHANGE)
    assert exc.value.errors["purpose"] == [
        _("A change or a correction needs an earlier accepted declaration of the property.")
    ]
    assert counts() == before


# --- accept / reject -----------------------------------------------------------------------------------------------


def test_accept_supersedes_and_keeps_history(record, clerk, prop):
    first = waste_declaration_accept(actor=clerk, declaration=record())
    change = record(purpose=WasteDeclaration.Purpose.CHANGE, residents=5, filed_on=datetime.date(2025, 7, 8),
                    effective_from=datetime.date(2025, 6, 1), event_date=datetime.date(2025, 6, 20))  # fmt: skip
    assert change.previous == first
    waste_declaration_accept(actor=clerk, declaration=change)
    first.refresh_from_db()
    change.refresh_from_db()
    assert (first.status, first.superseded_by, first.residents) == ("accepted", change, 4)
    assert (change.status, change.superseded_by, change.decided_by) == ("accepted", None, clerk)
    assert waste_declarations_in_force(prop, datetime.date(2025, 5, 31)).first() == first
    assert waste_declarations_in_force(prop, datetime.date(2025, 6, 1)).first() == change
    assert current_fee(prop, datetime.date(2025, 6, 15))[1].total == D("175.00")  # 5 × (38 − 3)
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        waste_declaration_accept(actor=clerk, declaration=change)
    assert exc.value.code == "invalid_state"
    assert counts() == before


def test_reject_keeps_reason(record, clerk):
    declaration = record()
    with pytest.raises(ServiceValidationError):
        waste_declaration_reject(actor=clerk, declaration=declaration, reason="  ")
    rejected = waste_declaration_reject(actor=clerk, declaration=declaration, reason="Brak podpisu")
    rejected.refresh_from_db()
    assert (rejected.status, rejected.decision_reason) == ("rejected", "Brak podpisu")
    assert AuditEvent.objects.get(action="taxes.waste_declaration.reject").details == {"reason": "Brak podpisu"}
    with pytest.raises(ApplicationError):
        waste_declaration_accept(actor=clerk, declaration=rejected)


def test_decisions_forbidden_without_permission(record, outsider):
    declaration = record()
    before = counts()
    for call in (
        lambda: waste_declaration_accept(actor=outsider, declaration=declaration),
        lambda: waste_declaration_reject(actor=outsider, declaration=declaration, reason="x"),
    ):
        with pytest.raises(ApplicationError) as exc:
            call()
        assert exc.value.code == "forbidden"
    declaration.refresh_from_db()
    assert declaration.status == "received"
    assert counts() == before


# --- screens -------------------------------------------------------------------------------------------------------


def test_screens_record_accept_and_fee_shown(client, clerk, prop, payer, resolution):
    client.force_login(clerk)
    response = client.get(reverse("taxes:waste-property-list"))
    assert response.status_code == 200
    assert "ODP/0001" in response.content.decode()
    url = reverse("taxes:waste-declaration-record", args=[prop.pk])
    form = {
        "party_query": payer.pesel, "purpose": "first", "filed_on": "2025-01-10", "effective_from": "2025-01-01",
        "event_date": "2025-01-02", "method": "per_resident", "residents": "4", "selective": "on", "composts": "on",
    }  # fmt: skip
    response = client.post(url, {**form, "residents": "-1"})
    assert response.status_code == 422
    assert (_("The number of residents cannot be negative (%(value)s).") % {"value": -1}) in response.content.decode()
    assert WasteDeclaration.objects.count() == 0
    response = client.post(url, form)
    assert response.status_code == 302
    declaration = WasteDeclaration.objects.get()
    response = client.post(reverse("taxes:waste-declaration-accept", args=[declaration.pk]))
    assert response.status_code == 302
    response = client.get(reverse("taxes:waste-property-detail", args=[prop.pk]))
    assert response.status_code == 200
    assert '<strong data-testid="waste-fee">140.00 zł</strong>' in response.content.decode()


def test_screen_reject_keeps_reason(client, clerk, record):
    declaration = record()
    client.force_login(clerk)
    response = client.post(reverse("taxes:waste-declaration-reject", args=[declaration.pk]), {"reason": "Brak podpisu"})
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert (declaration.status, declaration.decision_reason) == ("rejected", "Brak podpisu")


def test_screens_forbidden_without_permission(client, outsider, record, prop):
    declaration = record()
    client.force_login(outsider)
    for url in (reverse("taxes:waste-property-list"), reverse("taxes:waste-property-detail", args=[prop.pk]),
                reverse("taxes:waste-declaration-record", args=[prop.pk])):  # fmt: skip
        assert client.get(url).status_code == 403
    for name in ("taxes:waste-declaration-accept", "taxes:waste-declaration-reject"):
        assert client.post(reverse(name, args=[declaration.pk]), {"reason": "x"}).status_code == 403
    assert client.post(reverse("taxes:waste-property-create"), {"identifier": "X"}).status_code == 403
    declaration.refresh_from_db()
    assert declaration.status == "received"


# --- API -----------------------------------------------------------------------------------------------------------


def api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_property_and_declaration_flow(clerk, payer, resolution):
    client = api(clerk)
    response = client.post("/api/v1/taxes/waste/properties/", {"identifier": "ODP/0100", "address": 999999,
                                                                "kind": "residential"}, format="json")  # fmt: skip
    assert response.status_code == 400
    address = AddressFactory()
    response = client.post("/api/v1/taxes/waste/properties/", {"identifier": "ODP/0100", "address": address.pk,
                                                                "kind": "residential"}, format="json")  # fmt: skip
    assert response.status_code == 201
    prop_id = response.json()["id"]
    body = {
        "property": prop_id, "payer": payer.pk, "filed_on": "2025-01-10", "effective_from": "2025-01-01",
        "purpose": "first", "method": "per_resident", "residents": -1, "composts": True,
    }  # fmt: skip
    response = client.post("/api/v1/taxes/waste/declarations/", body, format="json")
    assert response.status_code == 400
    assert WasteDeclaration.objects.count() == 0
    response = client.post("/api/v1/taxes/waste/declarations/", {**body, "residents": 4}, format="json")
    assert response.status_code == 201
    pk = response.json()["id"]
    assert client.get(f"/api/v1/taxes/waste/declarations/{pk}/").json()["monthly_fee"] == "140.00"
    response = client.post(f"/api/v1/taxes/waste/declarations/{pk}/accept/", format="json")
    assert (response.status_code, response.json()["status"]) == (200, "accepted")
    detail = client.get(f"/api/v1/taxes/waste/properties/{prop_id}/").json()
    assert (detail["declaration_in_force"], detail["monthly_fee"]) == (pk, "140.00")
    change = {"residents": 5, "purpose": "change", "filed_on": "2025-07-14", "effective_from": "2025-06-01",
              "event_date": "2025-06-20"}  # fmt: skip
    second = client.post("/api/v1/taxes/waste/declarations/", {**body, **change}, format="json")
    assert (second.status_code, second.json()["late"], second.json()["deadline"]) == (201, True, "2025-07-10")
    response = client.post(f"/api/v1/taxes/waste/declarations/{second.json()['id']}/reject/", {"reason": "Błąd"},
                           format="json")  # fmt: skip
    assert (response.json()["status"], response.json()["decision_reason"]) == ("rejected", "Błąd")
    assert len(client.get("/api/v1/taxes/waste/declarations/").json()) == 2


def test_api_forbidden_without_permission(outsider, record, prop):
    declaration = record()
    client = api(outsider)
    assert client.get("/api/v1/taxes/waste/properties/").status_code == 403
    assert client.get(f"/api/v1/taxes/waste/properties/{prop.pk}/").status_code == 403
    assert client.get("/api/v1/taxes/waste/declarations/").status_code == 403
    assert client.post(f"/api/v1/taxes/waste/declarations/{declaration.pk}/accept/").status_code == 403
    assert client.post(f"/api/v1/taxes/waste/declarations/{declaration.pk}/reject/", {"reason": "x"}).status_code == 403
    declaration.refresh_from_db()
    assert declaration.status == "received"
