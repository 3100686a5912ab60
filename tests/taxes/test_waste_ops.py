"""The waste fee operations API: water / contracts imports (upload, list, detail with rejected rows), the open
verification findings with their evidence (dismiss, open a case, verify a month now) and the monthly charge run."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext
from rest_framework.test import APIClient

from core import roles
from core.models import AuditEvent
from finance.models import AccountEntry
from taxes.hooks.waste import seed_demo
from taxes.models import VerificationFinding, WasteDeclaration, WasteProperty, WaterImport, WaterReading
from tests.factories import AddressFactory, JrwaClassFactory, OrgUnitFactory, PersonFactory
from tests.factories.population import RegistrationFactory

D = Decimal
pytestmark = pytest.mark.django_db
MARCH = datetime.date(2025, 3, 1)
F = VerificationFinding


@pytest.fixture
def clerk(make_user):
    return make_user(roles.TAX_CLERK, username="odpady-operacje", org_unit=OrgUnitFactory(symbol="FN"))


@pytest.fixture
def outsider(make_user):
    return make_user(roles.REGISTRY_CLERK, username="kancelaria-operacje")


@pytest.fixture
def house(db):
    """Declared per resident with 2 people and 4 composting from January 2025 (38.00 zł − 3.00 zł), 5 registered."""
    seed_demo()
    prop = WasteProperty.objects.create(identifier="ODP/0100", address=AddressFactory(building_number="7"))
    declaration = WasteDeclaration.objects.create(
        property=prop, payer=PersonFactory(), number="DO/100/2025", filed_on=datetime.date(2025, 1, 10),
        effective_from=datetime.date(2025, 1, 1), method="per_resident", residents=2, composts=True,
        status=WasteDeclaration.Status.ACCEPTED,
    )  # fmt: skip
    for _i in range(5):
        RegistrationFactory(address=prop.address)
    return declaration


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def line(prop: WasteProperty) -> str:
    return f"{prop.address.street.full_name} {prop.address.building_number}, 05-123 {prop.address.locality.name}"


def water_file(*rows: str, name="woda-03.csv"):
    content = ("meter_point;address;period;m3\n" + "".join(f"{r}\n" for r in rows)).encode()
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_water_import_upload_list_and_detail(clerk, house):
    client = api(clerk)
    upload = water_file(f"W-1;{line(house.property)};2025-03;30,000", "W-2;ul. Nieznana 1;2025-03;5.5")
    response = client.post("/api/v1/taxes/waste/imports/water/", {"file": upload}, format="multipart")
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("file_name", "rows", "created", "skipped", "unmatched", "status", "errors")} == {
        "file_name": "woda-03.csv", "rows": 2, "created": 2, "skipped": 0, "unmatched": 1, "status": "imported",
        "errors": [],
    }  # fmt: skip
    listed = client.get("/api/v1/taxes/waste/imports/water/").json()
    assert [(i["id"], i["rows"]) for i in listed] == [(body["id"], 2)]
    detail = client.get(f"/api/v1/taxes/waste/imports/water/{body['id']}/")
    assert (detail.status_code, detail.json()["created"]) == (200, 2)
    assert client.get("/api/v1/taxes/waste/imports/contracts/").json() == []
    assert client.get("/api/v1/taxes/waste/imports/other/").status_code == 404


def test_bad_file_refused_nothing_written(clerk, house):
    client = api(clerk)
    upload = SimpleUploadedFile("zly.csv", b"a;b\n1;2\n", content_type="text/csv")
    response = client.post("/api/v1/taxes/waste/imports/water/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert (WaterImport.objects.count(), WaterReading.objects.count()) == (0, 0)
    assert not AuditEvent.objects.filter(action="taxes.waste_water_import").exists()


def test_verify_list_dismiss_and_open_case(clerk, house):
    JrwaClassFactory(symbol="3120", is_leaf=True)
    client = api(clerk)
    client.post("/api/v1/taxes/waste/imports/water/", {"file": water_file(f"W-1;{line(house.property)};2025-03;30")},
                format="multipart")  # fmt: skip
    assert client.post("/api/v1/taxes/waste/verify/", {"month": "2025-13"}, format="json").status_code == 400
    assert F.objects.count() == 0
    response = client.post("/api/v1/taxes/waste/verify/", {"month": "2025-03"}, format="json")
    assert response.json() == {"month": "2025-03", "declarations": 1, "created": 2, "updated": 0}
    rows = client.get("/api/v1/taxes/waste/findings/", {"month": "2025-03"}).json()
    assert sorted((r["kind"], r["declared_value"], r["evidence_value"]) for r in rows) == [
        ("residents", "2.000", "5.000"), ("water", "2.000", "30.000"),
    ]  # fmt: skip
    water = next(r for r in rows if r["kind"] == "water")
    assert (water["details"]["implied_residents"], water["declaration_number"]) == (8, "DO/100/2025")
    assert client.get("/api/v1/taxes/waste/findings/", {"month": "2025-04"}).json() == []
    residents = next(r for r in rows if r["kind"] == "residents")
    response = client.post(f"/api/v1/taxes/waste/findings/{residents['id']}/dismiss/", {"reason": ""}, format="json")
    assert response.status_code == 400
    assert F.objects.get(pk=residents["id"]).status == "open"
    response = client.post(f"/api/v1/taxes/waste/findings/{residents['id']}/dismiss/", {"reason": "Studenci"},
                           format="json")  # fmt: skip
    assert (response.status_code, response.json()["status"], response.json()["reason"]) == (200, "dismissed",
                                                                                             "Studenci")  # fmt: skip
    response = client.post(f"/api/v1/taxes/waste/findings/{water['id']}/open-case/", format="json")
    assert (response.status_code, response.json()["status"]) == (200, "case_opened")
    assert response.json()["case"] is not None
    assert client.get("/api/v1/taxes/waste/findings/", {"kind": "water"}).json() == []


def test_charges_post_month(clerk, house):
    client = api(clerk)
    assert client.post("/api/v1/taxes/waste/charges/", {"month": "marzec"}, format="json").status_code == 400
    assert AccountEntry.objects.count() == 0
    response = client.post("/api/v1/taxes/waste/charges/", {"month": "2025-03"}, format="json")
    assert response.json() == {"month": "2025-03", "posted": 1, "skipped": 0, "zero": 0, "errors": 0}
    assert list(AccountEntry.objects.values_list("amount", flat=True)) == [D("70.00")]
    again = client.post("/api/v1/taxes/waste/charges/", {"month": "2025-03"}, format="json").json()
    assert (again["posted"], again["skipped"]) == (0, 1)


def test_forbidden_without_permission(outsider, house):
    finding = F.objects.create(property=house.property, declaration=house, month=MARCH, kind="residents",
                               declared_value=2, evidence_value=5)  # fmt: skip
    client = api(outsider)
    upload = water_file(f"W-1;{line(house.property)};2025-03;30")
    assert client.post("/api/v1/taxes/waste/imports/water/", {"file": upload}, format="multipart").status_code == 403
    assert client.get("/api/v1/taxes/waste/imports/water/").status_code == 403
    assert client.get("/api/v1/taxes/waste/findings/").status_code == 403
    assert client.post(f"/api/v1/taxes/waste/findings/{finding.pk}/dismiss/", {"reason": "x"}).status_code == 403
    assert client.post(f"/api/v1/taxes/waste/findings/{finding.pk}/open-case/").status_code == 403
    assert client.post("/api/v1/taxes/waste/verify/", {"month": "2025-03"}).status_code == 403
    assert client.post("/api/v1/taxes/waste/charges/", {"month": "2025-03"}).status_code == 403
    assert (WaterImport.objects.count(), AccountEntry.objects.count(), F.objects.count()) == (0, 0, 1)
    finding.refresh_from_db()
    assert finding.status == "open"


# --- screens -------------------------------------------------------------------------------------------------------


def test_screens_import_verify_dismiss_and_charge(client, clerk, house):
    client.force_login(clerk)
    response = client.post("/taxes/waste/imports/upload/", {"kind": "water", "file": water_file("zle")})
    assert response.status_code == 422
    assert WaterImport.objects.count() == 0
    upload = water_file(f"W-1;{line(house.property)};2025-03;30")
    response = client.post("/taxes/waste/imports/upload/", {"kind": "water", "file": upload})
    imported = WaterImport.objects.get()
    assert response["Location"] == f"/taxes/waste/imports/water/{imported.pk}/"
    assert "woda-03.csv" in client.get("/taxes/waste/imports/").content.decode()
    assert client.get(f"/taxes/waste/imports/water/{imported.pk}/").status_code == 200
    assert client.post("/taxes/waste/findings/verify/", {"month": "2025-3"}).status_code == 422
    assert F.objects.count() == 0
    assert client.post("/taxes/waste/findings/verify/", {"month": "2025-03"}).status_code == 302
    assert F.objects.filter(status="open").count() == 2
    page = client.get("/taxes/waste/findings/", {"kind": "water"}).content.decode()
    assert "DO/100/2025" in page
    assert (gettext("%(m3)s m³ (about %(n)s residents)") % {"m3": "30.000", "n": 8}) in page
    finding = F.objects.get(kind="residents")
    assert client.post(f"/taxes/waste/findings/{finding.pk}/dismiss/", {"reason": ""}).status_code == 422
    finding.refresh_from_db()
    assert finding.status == "open"
    assert client.post(f"/taxes/waste/findings/{finding.pk}/dismiss/", {"reason": "Studenci"}).status_code == 302
    finding.refresh_from_db()
    assert (finding.status, finding.reason) == ("dismissed", "Studenci")
    response = client.post("/taxes/waste/charges/", {"month": "2025-03"})
    assert response.status_code == 200
    assert response.context["counts"] == {"posted": 1, "skipped": 0, "zero": 0, "errors": 0}
    assert list(AccountEntry.objects.values_list("amount", flat=True)) == [D("70.00")]


def test_screens_forbidden_without_permission(client, outsider, house):
    client.force_login(outsider)
    assert client.get("/taxes/waste/imports/").status_code == 403
    upload = water_file(f"W-1;{line(house.property)};2025-03;30")
    assert client.post("/taxes/waste/imports/upload/", {"kind": "water", "file": upload}).status_code == 403
    assert client.get("/taxes/waste/findings/").status_code == 403
    assert client.post("/taxes/waste/findings/verify/", {"month": "2025-03"}).status_code == 403
    assert client.post("/taxes/waste/charges/", {"month": "2025-03"}).status_code == 403
    assert (WaterImport.objects.count(), F.objects.count(), AccountEntry.objects.count()) == (0, 0, 0)


def _decision_url(name: str) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name)
    except NoReverseMatch:  # the decisions under art. 6o are another area's screens
        return None


def _clerk_without_assess():
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    user = UserFactory(username="odpady-bez-wymiaru")
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="taxes", codename__in=["view_declaration", "manage_register"]))  # fmt: skip
    user.user_permissions.add(Permission.objects.get(content_type__app_label="core", codename="access_backoffice"))
    return user


def test_queue_by_status_and_the_decision_button(client, clerk, house):
    from taxes.services.waste_verify import finding_open_case, waste_verify

    JrwaClassFactory(symbol="3120", is_leaf=True)
    assert waste_verify(month=MARCH)["created"] == 1
    finding = F.objects.get()
    client.force_login(clerk)
    open_page = client.get("/taxes/waste/findings/")
    assert [f.pk for f in open_page.context["findings"]] == [finding.pk]
    assert open_page.context["status"] == "open"
    decide = _decision_url("taxes:waste-decision-create")
    html = open_page.content.decode()
    assert f"/taxes/waste/findings/{finding.pk}/dismiss/" in html
    if decide:
        assert f"{decide}?finding={finding.pk}" in html
    else:
        assert 'data-testid="waste-finding-decide"' not in html
    finding_open_case(actor=clerk, finding=finding)
    assert list(client.get("/taxes/waste/findings/").context["findings"]) == []
    opened = client.get("/taxes/waste/findings/", {"status": "case_opened"})
    assert [f.pk for f in opened.context["findings"]] == [finding.pk]
    html = opened.content.decode()
    assert f"/taxes/waste/findings/{finding.pk}/dismiss/" not in html
    assert ('data-testid="waste-finding-decide"' in html) is bool(decide)
    rows = api(clerk).get("/api/v1/taxes/waste/findings/", {"status": "case_opened"}).json()
    assert [(r["id"], r["status"]) for r in rows] == [(finding.pk, "case_opened")]
    assert api(clerk).get("/api/v1/taxes/waste/findings/", {"status": "dismissed"}).json() == []
    client.force_login(_clerk_without_assess())
    html = client.get("/taxes/waste/findings/", {"status": "case_opened"}).content.decode()
    assert 'data-testid="waste-finding-decide"' not in html


def test_property_page_links_to_its_decisions(client, clerk, house):
    client.force_login(clerk)
    prop = house.property
    html = client.get(f"/taxes/waste/properties/{prop.pk}/").content.decode()
    listing, create = _decision_url("taxes:waste-decision-list"), _decision_url("taxes:waste-decision-create")
    assert (
        (f"{listing}?property={prop.pk}" in html) if listing else 'data-testid="waste-property-decisions"' not in html
    )
    assert (f"{create}?property={prop.pk}" in html) if create else 'data-testid="waste-property-decide"' not in html
    assert ('data-testid="waste-property-decision-list"' in html) is bool(create)
    client.force_login(_clerk_without_assess())
    assert (
        'data-testid="waste-property-decide"' not in client.get(f"/taxes/waste/properties/{prop.pk}/").content.decode()
    )


def test_shared_month_parsing_and_kinds():
    from taxes.selectors_waste_ops import KINDS, parse_month
    from taxes.services import waste_verify

    assert parse_month("2025-03") == MARCH
    assert [parse_month(v) for v in ("2025-13", "2025-3", "", None, " 2025-12 ")] == [
        None, None, None, None, datetime.date(2025, 12, 1)]  # fmt: skip
    assert KINDS["water"] == (WaterImport, waste_verify.water_import)
    assert KINDS["contracts"][1] is waste_verify.contracts_import
