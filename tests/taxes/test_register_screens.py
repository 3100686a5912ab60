"""Screens and API of the tax register: permissions (403/404), forms, the taxpayer card with finance data."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.test import APIClient

from core.models import AuditEvent
from finance.models import ReceivableType
from finance.services.accounts import account_get_or_create, charge_post
from taxes.models import Liability, ObjectVersion, TaxObject
from tests.factories import PersonFactory
from tests.taxes.conftest_register import *  # noqa: F403
from tests.taxes.conftest_register import JAN, counts

D = Decimal
pytestmark = pytest.mark.django_db


def _urls(house, liability):
    return [
        ("get", reverse("taxes:register-search")),
        ("get", reverse("taxes:object-create")),
        ("get", reverse("taxes:object-detail", args=[house.pk])),
        ("post", reverse("taxes:object-version-add", args=[house.pk])),
        ("post", reverse("taxes:object-end", args=[house.pk])),
        ("post", reverse("taxes:object-liability-add", args=[house.pk])),
        ("post", reverse("taxes:object-liability-end", args=[house.pk, liability.pk])),
        ("get", reverse("taxes:taxpayer-card", args=[liability.party_id])),
    ]


def test_views_refuse_anonymous_and_unprivileged(client, house, registry_clerk):
    li = house.liabilities.get()
    for method, url in _urls(house, li):
        assert getattr(client, method)(url).status_code == 302, url
    client.force_login(registry_clerk)
    before = counts()
    for method, url in _urls(house, li):
        assert getattr(client, method)(url).status_code == 403, url
    assert counts() == before


def test_api_refuses_anonymous_and_unprivileged(house, registry_clerk):
    api = APIClient()
    li = house.liabilities.get()
    urls = [
        ("get", reverse("api-taxes-objects")), ("post", reverse("api-taxes-objects")),
        ("get", reverse("api-taxes-object", args=[house.pk])),
        ("post", reverse("api-taxes-object-versions", args=[house.pk])),
        ("post", reverse("api-taxes-object-end", args=[house.pk])),
        ("post", reverse("api-taxes-object-liabilities", args=[house.pk])),
        ("get", reverse("api-taxes-taxpayer", args=[li.party_id])),
    ]  # fmt: skip
    for method, url in urls:
        assert getattr(api, method)(url).status_code in (401, 403), url
    api.force_authenticate(registry_clerk)
    before = counts()
    for method, url in urls:
        assert getattr(api, method)(url, {}, format="json").status_code == 403, url
    assert counts() == before


def test_missing_object_and_taxpayer_are_404(client, tax_clerk, categories):
    client.force_login(tax_clerk)
    assert client.get(reverse("taxes:object-detail", args=[999999])).status_code == 404
    assert client.get(reverse("taxes:taxpayer-card", args=[999999])).status_code == 404
    api = APIClient()
    api.force_authenticate(tax_clerk)
    assert api.get(reverse("api-taxes-object", args=[999999])).status_code == 404
    assert api.get(reverse("api-taxes-taxpayer", args=[999999])).status_code == 404


def test_search_by_pesel_parcel_registration(client, tax_clerk, house, owner):
    client.force_login(tax_clerk)
    for q in (owner.pesel, "12/3", "Testowo 12/3", owner.surname, "B-1"):
        response = client.get(reverse("taxes:register-search"), {"q": q})
        assert response.status_code == 200
        assert [o.pk for o, _h in response.context["rows"]] == [house.pk], q
    assert AuditEvent.objects.filter(action="taxes.register.searched").count() == 5
    response = client.get(reverse("taxes:register-search"), {"q": "nie ma takiego"})
    assert response.context["rows"] == []


def test_object_detail_shows_history(client, tax_clerk, house, owner):
    client.force_login(tax_clerk)
    response = client.post(reverse("taxes:object-version-add", args=[house.pk]), {
        "valid_from": "2025-07-01", "category": house.versions.get().category_id, "area": "99.5"})  # fmt: skip
    assert response.status_code == 302
    response = client.get(reverse("taxes:object-detail", args=[house.pk]))
    assert [(v.valid_from, v.valid_to) for v in response.context["versions"]] == [
        (JAN, datetime.date(2025, 6, 30)),
        (datetime.date(2025, 7, 1), None),
    ]
    assert "30.06.2025" in response.content.decode()


def test_form_refusal_shows_message_and_writes_nothing(client, tax_clerk, house):
    client.force_login(tax_clerk)
    before = counts()
    response = client.post(reverse("taxes:object-end", args=[house.pk]), {"valid_to": "2025-06-15"})
    assert response.status_code == 422
    assert (
        _("The validity must end on the last day of a month (given: %(date)s).") % {"date": "15.06.2025"}
        in response.content.decode()
    )
    assert counts() == before


def test_object_create_form(client, tax_clerk, owner, categories):
    client.force_login(tax_clerk)
    response = client.post(reverse("taxes:object-create"), {
        "kind": "land", "precinct": "Testowo", "parcel": "44/1", "party": owner.pk, "role": "owner",
        "share_numerator": 1, "share_denominator": 1, "valid_from": "2025-02-01",
        "category": categories["land_other"].pk, "area": "-1"})  # fmt: skip
    assert response.status_code == 422
    assert TaxObject.objects.count() == 0
    response = client.post(reverse("taxes:object-create"), {
        "kind": "land", "precinct": "Testowo", "parcel": "44/1", "party": owner.pk, "role": "owner",
        "share_numerator": 1, "share_denominator": 1, "valid_from": "2025-02-01",
        "category": categories["land_other"].pk, "area": "812"})  # fmt: skip
    assert response.status_code == 302
    obj = TaxObject.objects.get()
    assert obj.versions.get().area == D("812")


def test_liability_add_form_refuses_shares_above_one(client, tax_clerk, house):
    client.force_login(tax_clerk)
    other = PersonFactory()
    before = counts()
    response = client.post(reverse("taxes:object-liability-add", args=[house.pk]), {
        "party": other.pk, "role": "co_owner", "share_numerator": 1, "share_denominator": 2,
        "valid_from": "2025-03-01"})  # fmt: skip
    assert response.status_code == 422
    assert counts() == before


def test_taxpayer_card_shows_objects_and_finance_and_logs(client, tax_clerk, house, owner):
    account = account_get_or_create(party=owner, receivable_type=ReceivableType.objects.get(
        code="property_tax_person"), year=2025)  # fmt: skip
    charge_post(actor=tax_clerk, account=account, amount=D("400.00"),
                installments=[(datetime.date(2025, 3, 15), D("200.00")), (datetime.date(2025, 5, 15), D("200.00"))],
                value_date=datetime.date(2025, 2, 1), description="Decyzja")  # fmt: skip
    client.force_login(tax_clerk)
    before = AuditEvent.objects.count()
    response = client.get(reverse("taxes:taxpayer-card", args=[owner.pk]))
    assert response.status_code == 200
    card = response.context["card"]
    assert [h.object for h in card.current] == [house]
    assert card.total.principal == D("400.00")
    assert [i.amount for i in card.accounts[0].installments] == [D("200.00"), D("200.00")]
    assert card.total.interest > 0  # overdue since 2025 (as of today)
    actions = list(AuditEvent.objects.filter(seq__gt=0).order_by("-seq").values_list("action", flat=True)[:2])
    assert AuditEvent.objects.count() == before + 2
    assert set(actions) == {"taxes.taxpayer.viewed", "finance.party_accounts.viewed"}
    assert "400,00" in response.content.decode()


def test_taxpayer_card_without_finance_permission_hides_finance(client, make_user, house, owner):
    from django.contrib.auth.models import Permission

    from core import roles

    user = make_user(roles.REGISTRY_CLERK, username="tylko-podatki")
    user.user_permissions.add(Permission.objects.get(codename="view_taxobject"))
    client.force_login(user)
    response = client.get(reverse("taxes:taxpayer-card", args=[owner.pk]))
    assert response.status_code == 200
    assert response.context["card"].finance_visible is False
    assert not AuditEvent.objects.filter(action="finance.party_accounts.viewed").exists()


def test_api_create_detail_version_liability_end_card(tax_clerk, owner, categories):
    api = APIClient()
    api.force_authenticate(tax_clerk)
    body = {"kind": "building", "precinct": "Testowo", "parcel": "5/5", "identifier": "",
            "version": {"valid_from": "2025-01-01", "category": "building_residential", "area": "100.00"},
            "liabilities": [{"party": owner.pk, "role": "co_owner", "share_numerator": 1, "share_denominator": 2,
                             "valid_from": "2025-01-01"}]}  # fmt: skip
    response = api.post(reverse("api-taxes-objects"), body, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    bad = api.post(reverse("api-taxes-object-liabilities", args=[pk]), {
        "party": PersonFactory().pk, "role": "co_owner", "share_numerator": 2, "share_denominator": 3,
        "valid_from": "2025-02-01"}, format="json")  # fmt: skip
    assert bad.status_code == 400
    assert "share_numerator" in bad.json()["errors"]
    ok = api.post(
        reverse("api-taxes-object-versions", args=[pk]),
        {"valid_from": "2025-04-01", "category": "building_residential", "area": "120"},
        format="json",
    )
    assert ok.status_code == 201
    end = api.post(reverse("api-taxes-object-end", args=[pk]), {"valid_to": "2025-10-31"}, format="json")
    assert end.status_code == 200
    detail = api.get(reverse("api-taxes-object", args=[pk])).json()
    assert [(v["valid_from"], v["valid_to"]) for v in detail["versions"]] == [
        ("2025-01-01", "2025-03-31"),
        ("2025-04-01", "2025-10-31"),
    ]
    assert detail["liabilities"][0]["valid_to"] == "2025-10-31"
    found = api.get(reverse("api-taxes-objects"), {"q": owner.pesel}).json()
    assert [r["id"] for r in found["results"]] == [pk]
    card = api.get(reverse("api-taxes-taxpayer", args=[owner.pk])).json()
    assert card["current_objects"] == []
    assert card["historical_objects"][0]["object"]["id"] == pk
    assert card["finance"]["total"]["principal"] == "0.00"
    assert AuditEvent.objects.filter(action="taxes.taxpayer.viewed", object_id=str(owner.pk)).exists()
    assert Liability.objects.count() == 1
    assert ObjectVersion.objects.count() == 2


def test_demo_seeder_is_idempotent(tax_clerk, categories):
    from taxes.hooks.register import seed_demo

    for _i in range(8):
        PersonFactory()
    seed_demo(actor=tax_clerk, size=8)
    first = counts()[:3]
    assert first[0] >= 16
    assert Liability.objects.filter(role=Liability.Role.SPOUSE).exists()
    assert Liability.objects.filter(role=Liability.Role.CO_OWNER).exists()
    seed_demo(actor=tax_clerk, size=8)
    assert counts()[:3] == first
    assert timezone.localdate()


def test_vehicle_without_a_class_gets_it_from_its_data_by_api_and_screen(client, tax_clerk, owner, categories):
    api = APIClient()
    api.force_authenticate(tax_clerk)
    liability = [{"party": owner.pk, "role": "owner", "valid_from": "2025-01-01"}]
    body = {"kind": "vehicle", "identifier": "WGM 1234A", "liabilities": liability,
            "version": {"valid_from": "2025-01-01", "category": "", "vehicle_kind": "truck", "vehicle_mass_kg": 18000,
                        "vehicle_axles": 2, "vehicle_air_suspension": True}}  # fmt: skip
    response = api.post(reverse("api-taxes-objects"), body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["versions"][0]["category"] == "truck_2ax_15_plus_air"
    before = counts()
    body["identifier"], body["version"]["vehicle_mass_kg"] = "WGM 1235A", 3000  # not taxable
    refused = api.post(reverse("api-taxes-objects"), body, format="json")
    assert refused.status_code == 400
    assert counts() == before
    client.force_login(tax_clerk)
    page = client.post(reverse("taxes:object-create"), {
        "kind": "vehicle", "identifier": "WGM 1236A", "party": owner.pk, "role": "owner", "share_numerator": 1,
        "share_denominator": 1, "valid_from": "2025-01-01", "vehicle_kind": "bus", "vehicle_seats": 30,
        "vehicle_mass_kg": 12000})  # fmt: skip
    assert page.status_code == 302, page.content.decode()[-2000:]
    bus = TaxObject.objects.get(identifier="WGM 1236A")
    assert ObjectVersion.objects.get(object=bus).category.code == "bus_22_plus"
