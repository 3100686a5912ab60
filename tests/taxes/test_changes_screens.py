"""Screens and API of the changes during the year: permissions, the old / new / difference shown, issue, detect,
self-assessments."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from rest_framework.test import APIClient

from core import roles
from core.templatetags.magistrat import money
from taxes.models import Decision, Declaration, TaxObject
from taxes.services import changes as svc
from tests.taxes.conftest_changes import *  # noqa: F403
from tests.taxes.conftest_changes import counts, make_object

D = Decimal
day = datetime.date


@pytest.fixture
def draft(delivered_2025, ch_clerk):
    e1 = delivered_2025["e1"]
    make_object(ch_clerk, TaxObject.Kind.BUILDING, "2/1", {"category": "building_residential", "area": D("100")},
                [e1], valid_from=day(2025, 7, 1))  # fmt: skip
    result = svc.changes_detect(actor=ch_clerk, year=2025, party_ids=[e1.pk], issue_date=day(2025, 7, 1))
    return Decision.objects.get(pk=result["created"][0])


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_list_and_detail_show_old_new_and_difference(client, ch_clerk, draft):
    client.force_login(ch_clerk)
    listing = client.get(reverse("taxes:change-list"), {"year": 2025}).content.decode()
    assert "FN.3120.1.2025/000001" in listing
    for amount in ("727", "786", "59"):
        assert money(D(amount)) in listing
    page = client.get(reverse("taxes:change-detail", args=[draft.pk])).content.decode()
    assert _("Previous and new tax") in page
    assert money(D("211.25")) in page
    response = client.post(reverse("taxes:change-issue", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.number) == (Decision.Status.ISSUED, "FN.3120.1.2025/000003")


def test_detect_from_the_screen(client, ch_clerk, delivered_2025):
    client.force_login(ch_clerk)
    e1 = delivered_2025["e1"]
    response = client.post(reverse("taxes:change-list"), {"year": 2025, "parties": f"{e1.pk}"}, follow=True)
    assert response.status_code == 200
    assert Decision.objects.filter(kind__in=svc.CHANGE_KINDS).count() == 0  # nothing changed
    response = client.post(reverse("taxes:change-list"), {"year": 2025, "parties": "x"})
    assert response.status_code == 400
    assert escape(_("Give the taxpayers' ids separated by commas.")) in response.content.decode()


@pytest.mark.parametrize("role", [roles.REGISTRY_CLERK, roles.ACCOUNTANT])
def test_others_are_refused_and_nothing_is_written(client, make_user, draft, role):
    user = make_user(role, username=f"inny-{role}")
    client.force_login(user)
    before = counts()
    assert client.get(reverse("taxes:change-list")).status_code == 403
    assert client.get(reverse("taxes:change-detail", args=[draft.pk])).status_code == 403
    assert client.post(reverse("taxes:change-issue", args=[draft.pk])).status_code == 403
    assert client.get(reverse("taxes:self-assessment-list")).status_code == 403
    api = api_for(user)
    assert api.get("/api/v1/taxes/changes/").status_code == 403
    assert api.post(f"/api/v1/taxes/changes/{draft.pk}/issue/").status_code == 403
    assert api.post("/api/v1/taxes/changes/detect/", {"year": 2025, "parties": [draft.party_id]},
                    format="json").status_code == 403  # fmt: skip
    assert counts() == before
    draft.refresh_from_db()
    assert draft.status == Decision.Status.DRAFT


def test_api_list_detail_issue(ch_clerk, draft):
    api = api_for(ch_clerk)
    rows = api.get("/api/v1/taxes/changes/", {"year": 2025}).json()
    assert [(r["id"], r["kind"], r["total"], r["previous_total"], r["difference"]) for r in rows] == [
        (draft.pk, "changing", "786.00", "727.00", "59.00")]  # fmt: skip
    assert rows[0]["per_tax"] == [{"tax": "property", "old": "727.00", "new": "786.00", "difference": "59.00"}]
    detail = api.get(f"/api/v1/taxes/changes/{draft.pk}/").json()
    assert [i["amount"] for i in detail["installments"]] == ["181.75", "181.75", "211.25", "211.25"]
    issued = api.post(f"/api/v1/taxes/changes/{draft.pk}/issue/").json()
    assert (issued["status"], issued["number"]) == ("issued", "FN.3120.1.2025/000003")
    again = api.post(f"/api/v1/taxes/changes/{draft.pk}/issue/")
    assert again.status_code == 400


def test_api_detect_is_idempotent(ch_clerk, draft):
    api = api_for(ch_clerk)
    body = {"year": 2025, "parties": [draft.party_id]}
    first = api.post("/api/v1/taxes/changes/detect/", body, format="json").json()
    # issued today (after 2025): every installment is due, the difference is one payment — the draft is replaced
    assert (len(first["created"]), first["cancelled"]) == (1, [draft.pk])
    second = api.post("/api/v1/taxes/changes/detect/", body, format="json").json()
    assert (second["created"], second["kept"]) == ([], first["created"])
    assert api.post("/api/v1/taxes/changes/detect/", {"year": 2025, "parties": []}, format="json").status_code == 400


def test_self_assessments_screen_and_api(client, ch_clerk, register_2025_ch, company):
    make_object(ch_clerk, TaxObject.Kind.BUILDING, "9/1", {"category": "building_business", "area": D("500")},
                [company])  # fmt: skip
    declaration = Declaration.objects.create(form="DN-1", party=company, year=2025, filed_on=day(2025, 1, 20),
                                             status=Declaration.Status.ACCEPTED)  # fmt: skip
    client.force_login(ch_clerk)
    page = client.get(reverse("taxes:self-assessment-list"), {"year": 2025}).content.decode()
    assert _("Accepted declarations not posted") in page
    response = client.post(reverse("taxes:self-assessment-post", args=[declaration.pk]), follow=True)
    assert money(D("17000")) in response.content.decode()
    rows = api_for(ch_clerk).get("/api/v1/taxes/self-assessments/", {"year": 2025}).json()
    assert [(r["form"], r["total"], len(r["installments"])) for r in rows] == [("DN-1", "17000.00", 12)]
    before = counts()
    again = api_for(ch_clerk).post("/api/v1/taxes/self-assessments/", {"declaration": declaration.pk}, format="json")
    assert again.status_code == 201
    assert counts() == before
