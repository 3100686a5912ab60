"""Screens and API of declarations: list filters, record through the screen, review + accept / reject, from an EZD
entry via the API, refusals write nothing, 403/404 for users without permissions."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.test import APIClient

from taxes.models import Declaration, Liability, ObjectVersion, TaxObject
from taxes.services.declarations import declaration_accept, declaration_record
from tests.factories import CaseFactory
from tests.taxes.conftest_declarations import *  # noqa: F403
from tests.taxes.conftest_declarations import counts, entry_with_xml
from tests.taxes.forms import sample_in1

D = datetime.date
pytestmark = pytest.mark.django_db


def _record(clerk, party, *, form="IN-1", filed_on=None, parcel="7/1", area="500"):
    return declaration_record(
        actor=clerk, form=form, party=party, year=2025, purpose="change", event_date=D(2025, 6, 10),
        filed_on=filed_on or D(2025, 6, 20),
        payload={"taxpayer": {"pesel": party.pesel, "role": "owner", "share": "1/1"},
                 "objects": [{"kind": "land", "precinct": "Testowo", "parcel": parcel, "category": "land_other",
                              "area": area}]},
    )  # fmt: skip


def _management(prefix, total):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000"}  # fmt: skip


def _record_post(taxpayer, co_owner, **over):
    data = {
        "form": "IN-1", "party_query": taxpayer.pesel, "year": "2025", "purpose": "change",
        "event_date": "2025-06-10", "filed_on": "2025-06-20", "role": "co_owner", "share": "1/2",
        **_management("obj", 2), **_management("co", 1),
        "obj-0-kind": "land", "obj-0-event": "acquired", "obj-0-precinct": "Testowo", "obj-0-parcel": "101/2",
        "obj-0-category": "land_other", "obj-0-area": "800",
        "obj-1-kind": "", "obj-1-event": "acquired",
        "co-0-pesel": co_owner.pesel, "co-0-first_name": "Anna", "co-0-surname": "Nowak", "co-0-share": "1/2",
    }  # fmt: skip
    data.update(over)
    return data


def test_list_filters(client, decl_clerk, taxpayer, categories):
    on_time = _record(decl_clerk, taxpayer, parcel="1/1")
    late = _record(decl_clerk, taxpayer, parcel="2/1", filed_on=D(2025, 6, 30))
    client.force_login(decl_clerk)
    url = reverse("taxes:declaration-list")
    assert list(client.get(url).context["page"].object_list) == [late, on_time]
    assert list(client.get(url, {"late": "1"}).context["page"].object_list) == [late]
    assert list(client.get(url, {"late": "0"}).context["page"].object_list) == [on_time]
    assert list(client.get(url, {"form": "DT-1"}).context["page"].object_list) == []
    assert list(client.get(url, {"status": "received"}).context["page"].object_list) == [late, on_time]
    partial = client.get(url, {"late": "1"}, headers={"HX-Request": "true"})
    assert partial.templates[0].name == "taxes/declarations/_results.html"


def test_record_through_the_screen_then_accept_writes_the_proposed_rows(
    client, decl_clerk, taxpayer, co_owner, categories
):
    client.force_login(decl_clerk)
    response = client.post(reverse("taxes:declaration-record"), _record_post(taxpayer, co_owner))
    declaration = Declaration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("taxes:declaration-detail", args=[declaration.pk])
    assert (declaration.form, declaration.party, declaration.deadline, declaration.late) == (
        "IN-1", taxpayer, D(2025, 6, 24), False)  # fmt: skip
    assert declaration.proposal == [{
        "op": "object_create", "kind": "land", "precinct": "Testowo", "parcel": "101/2", "identifier": "",
        "description": "",
        "version": {"valid_from": "2025-07-01", "category": "land_other", "area": "800"},
        "liabilities": [
            {"party": taxpayer.pk, "role": "co_owner", "share_numerator": 1, "share_denominator": 2,
             "valid_from": "2025-07-01"},
            {"party": co_owner.pk, "role": "co_owner", "share_numerator": 1, "share_denominator": 2,
             "valid_from": "2025-07-01"},
        ],
    }]  # fmt: skip
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert len(detail.context["rows"]) == 1
    response = client.post(reverse("taxes:declaration-accept", args=[declaration.pk]))
    assert response.status_code == 302
    obj = TaxObject.objects.get()
    assert (obj.kind, obj.precinct, obj.parcel) == ("land", "Testowo", "101/2")
    version = ObjectVersion.objects.get()
    assert (version.valid_from, version.category.code, version.area) == (D(2025, 7, 1), "land_other", Decimal("800"))
    assert sorted(Liability.objects.values_list("party_id", "role", "share_numerator", "share_denominator")) == \
        sorted([(taxpayer.pk, "co_owner", 1, 2), (co_owner.pk, "co_owner", 1, 2)])  # fmt: skip
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.ACCEPTED


def test_record_refusals_show_messages_and_write_nothing(client, decl_clerk, taxpayer, co_owner, categories):
    client.force_login(decl_clerk)
    before = counts()
    response = client.post(reverse("taxes:declaration-record"),
                           _record_post(taxpayer, co_owner, **{"obj-0-parcel": ""}))  # fmt: skip
    assert response.status_code == 422
    assert response.context["problems"]
    response = client.post(reverse("taxes:declaration-record"),
                           _record_post(taxpayer, co_owner, party_query="00000000000"))  # fmt: skip
    assert response.status_code == 422
    assert response.context["form"].errors["party_query"] == [
        _("No party matches %(query)s.") % {"query": "00000000000"}]  # fmt: skip
    assert counts() == before


def test_record_agricultural_land_and_an_exempt_forest_through_the_screen(client, decl_clerk, taxpayer, categories):
    """The clerk's form gives the same payload as the IR-1 / IL-1 XML: land use, EGiB class, reserve, exemption."""
    client.force_login(decl_clerk)
    data = {
        "form": "IR-1", "party_query": taxpayer.pesel, "year": "2025", "purpose": "change",
        "event_date": "2025-06-10", "filed_on": "2025-06-20", "role": "owner", "share": "1/1",
        **_management("obj", 1), **_management("co", 0),
        "obj-0-kind": "agricultural", "obj-0-event": "acquired", "obj-0-precinct": "Polowo", "obj-0-parcel": "201",
        "obj-0-category": "agri_farm", "obj-0-area": "2.5000", "obj-0-land_type": "arable", "obj-0-land_class": "IIIa",
    }  # fmt: skip
    response = client.post(reverse("taxes:declaration-record"), data)
    assert response.status_code == 302, response.context and response.context.get("problems")
    declaration = Declaration.objects.get()
    assert declaration.proposal[0]["version"] == {
        "valid_from": "2025-07-01",
        "category": "agri_farm",
        "area": "2.5000",
        "land_type": "arable",
        "land_class": "IIIa",
    }
    data.update({"form": "IL-1", "obj-0-kind": "forest", "obj-0-parcel": "77", "obj-0-category": "forest",
                 "obj-0-land_type": "", "obj-0-land_class": "", "obj-0-reserve": "on",
                 "obj-0-exemption": "upl_young_stand"})  # fmt: skip
    response = client.post(reverse("taxes:declaration-record"), data)
    assert response.status_code == 302, response.context and response.context.get("problems")
    forest = Declaration.objects.get(form="IL-1")
    assert forest.proposal[0]["version"] == {"valid_from": "2025-07-01", "category": "forest", "area": "2.5000",
                                             "reserve": True, "exemption": "upl_young_stand"}  # fmt: skip
    declaration_accept(actor=decl_clerk, declaration=forest)
    version = ObjectVersion.objects.get(declaration=forest)
    assert (version.reserve, version.exemption.code) == (True, "upl_young_stand")


def test_reject_through_the_screen_keeps_the_reason(client, decl_clerk, taxpayer, categories):
    declaration = _record(decl_clerk, taxpayer)
    client.force_login(decl_clerk)
    url = reverse("taxes:declaration-reject", args=[declaration.pk])
    before = counts()
    response = client.post(url, {"reason": ""})
    assert response.status_code == 422
    assert counts() == before
    response = client.post(url, {"reason": "Brak podpisu."})
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert (declaration.status, declaration.decision_reason) == (Declaration.Status.REJECTED, "Brak podpisu.")
    # a rejected declaration cannot be accepted: the precise message, nothing written
    before = counts()
    response = client.post(reverse("taxes:declaration-accept", args=[declaration.pk]))
    assert response.status_code == 422
    assert response.context["errors"] == [
        _("A declaration %(status)s cannot be accepted.") % {"status": declaration.get_status_display()}
    ]
    assert counts() == before


def test_from_entry_via_api_and_screen(decl_clerk, taxpayer, co_owner, categories, client):
    entry = entry_with_xml(clerk=decl_clerk, content=sample_in1(taxpayer.pesel, co_owner.pesel))
    entry.case = CaseFactory()
    entry.save(update_fields=["case"])
    api = APIClient()
    api.force_authenticate(decl_clerk)
    response = api.post(reverse("api-taxes-declaration-from-entry"), {"entry": entry.pk}, format="json")
    assert response.status_code == 201, response.content
    declaration = Declaration.objects.get()
    assert (response.json()["id"], declaration.incoming_entry, declaration.party) == (declaration.pk, entry, taxpayer)
    assert len(declaration.proposal) == 2
    # the second time: refused with the message, nothing written
    before = counts()
    client.force_login(decl_clerk)
    response = client.post(reverse("taxes:declaration-from-entry"), {"entry": f"{entry.number}/{entry.year}"})
    assert response.status_code == 422
    assert response.context["entry_form"].errors["entry"] == [_("A declaration from this entry is already recorded.")]
    assert counts() == before
    detail = client.get(reverse("taxes:declaration-detail", args=[declaration.pk]))
    assert detail.context["entry"] == entry
    assert detail.context["original"] is not None
    # accept via the API
    response = api.post(reverse("api-taxes-declaration-accept", args=[declaration.pk]), {}, format="json")
    assert response.status_code == 200
    assert (TaxObject.objects.count(), ObjectVersion.objects.count(), Liability.objects.count()) == (2, 2, 4)


def test_api_record_list_reject(decl_clerk, taxpayer, categories):
    api = APIClient()
    api.force_authenticate(decl_clerk)
    body = {
        "form": "IN-1",
        "purpose": "change",
        "party": taxpayer.pk,
        "year": 2025,
        "event_date": "2025-06-10",
        "filed_on": "2025-06-30",
        "payload": {
            "taxpayer": {"pesel": taxpayer.pesel},
            "objects": [
                {"kind": "land", "precinct": "Testowo", "parcel": "9/9", "category": "land_other", "area": "-5"}
            ],
        },
    }
    before = counts()
    assert api.post(reverse("api-taxes-declarations"), body, format="json").status_code == 400
    assert counts() == before
    body["payload"]["objects"][0]["area"] = "5"
    response = api.post(reverse("api-taxes-declarations"), body, format="json")
    assert response.status_code == 201
    pk = response.json()["id"]
    assert response.json()["late"] is True
    listed = api.get(reverse("api-taxes-declarations"), {"late": "1"}).json()
    assert [r["id"] for r in listed["results"]] == [pk]
    response = api.post(reverse("api-taxes-declaration-reject", args=[pk]), {"reason": "Duplikat."}, format="json")
    assert (response.status_code, response.json()["decision_reason"]) == (200, "Duplikat.")


def test_permissions(client, decl_clerk, outsider, taxpayer, categories, make_user):
    from core import roles

    declaration = _record(decl_clerk, taxpayer)
    urls = [("get", reverse("taxes:declaration-list")), ("get", reverse("taxes:declaration-record")),
            ("post", reverse("taxes:declaration-record")), ("post", reverse("taxes:declaration-from-entry")),
            ("get", reverse("taxes:declaration-detail", args=[declaration.pk])),
            ("post", reverse("taxes:declaration-accept", args=[declaration.pk])),
            ("post", reverse("taxes:declaration-reject", args=[declaration.pk]))]  # fmt: skip
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 302, url
    client.force_login(outsider)
    before = counts()
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 403, url
    api = APIClient()
    api.force_authenticate(outsider)
    api_urls = [("get", reverse("api-taxes-declarations")), ("post", reverse("api-taxes-declarations")),
                ("get", reverse("api-taxes-declaration", args=[declaration.pk])),
                ("post", reverse("api-taxes-declaration-accept", args=[declaration.pk])),
                ("post", reverse("api-taxes-declaration-reject", args=[declaration.pk])),
                ("post", reverse("api-taxes-declaration-from-entry"))]  # fmt: skip
    for method, url in api_urls:
        assert getattr(api, method)(url, {}, format="json").status_code == 403, url
    # an accountant sees declarations but may not change them
    accountant = make_user(roles.ACCOUNTANT, username="ksiegowa-deklaracje")
    client.force_login(accountant)
    assert client.get(reverse("taxes:declaration-detail", args=[declaration.pk])).status_code == 200
    assert client.post(reverse("taxes:declaration-accept", args=[declaration.pk])).status_code == 403
    assert counts() == before
    client.force_login(decl_clerk)
    assert client.get(reverse("taxes:declaration-detail", args=[declaration.pk + 1000])).status_code == 404
    api.force_authenticate(decl_clerk)
    assert api.get(reverse("api-taxes-declaration", args=[declaration.pk + 1000])).status_code == 404
