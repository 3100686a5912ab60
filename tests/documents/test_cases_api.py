"""/api/v1/documents/: cases, JRWA, metryka and spis spraw."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core import roles
from core.models import AuditEvent
from documents.models import Case, IncomingEntry, JrwaClass
from documents.services.cases import case_open, case_transition
from tests.factories import IncomingEntryFactory

D = datetime.date


@pytest.fixture
def api(tax_clerk):
    client = APIClient()
    client.force_authenticate(tax_clerk)
    return client


@pytest.fixture
def c3120(db):
    return JrwaClass.objects.get(version__is_current=True, symbol="3120")


def _open(clerk, unit, jrwa, title="Sprawa"):
    return case_open(actor=clerk, unit=unit, jrwa=jrwa, title=title, opened_on=D(2026, 3, 2))


@pytest.mark.django_db
def test_open_and_read_a_case(api, tax_clerk, pd_unit):
    response = api.post(
        reverse("api-documents-case-list"),
        {"unit": pd_unit.pk, "jrwa": "3120", "title": "Podatek od nieruchomości", "opened_on": "2026-03-02"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["mark"], body["status"], body["owner"], body["due_date"]) == (
        "PD.3120.1.2026",
        "open",
        tax_clerk.username,
        "2026-04-02",
    )
    assert body["allowed_transitions"] == ["closed", "suspended"]
    detail = api.get(reverse("api-documents-case-detail", args=[body["id"]]))
    assert detail.status_code == 200
    assert detail.json()["jrwa_title"] == "Wymiar podatków i opłat (podatek od nieruchomości)"
    assert AuditEvent.objects.filter(action="documents.case.viewed", object_id=str(body["id"])).count() == 1


@pytest.mark.django_db
def test_open_refusals(api, pd_unit, fn_unit):
    before = (Case.objects.count(), AuditEvent.objects.count())
    bad_class = api.post(
        reverse("api-documents-case-list"), {"unit": pd_unit.pk, "jrwa": "312", "title": "x"}, format="json"
    )
    assert bad_class.status_code == 400
    assert bad_class.json()["code"] == "invalid"
    assert list(bad_class.json()["errors"]) == ["jrwa"]
    other_unit = api.post(
        reverse("api-documents-case-list"), {"unit": fn_unit.pk, "jrwa": "3120", "title": "x"}, format="json"
    )
    assert (other_unit.status_code, other_unit.json()["code"]) == (400, "forbidden")
    assert (Case.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.django_db
def test_open_from_entry_via_api(api, tax_clerk, pd_unit):
    entry = IncomingEntryFactory(
        assigned_unit=pd_unit, assigned_to=tax_clerk, status=IncomingEntry.Status.ASSIGNED_CLERK
    )
    response = api.post(
        reverse("api-documents-case-list"),
        {"unit": pd_unit.pk, "jrwa": "3120", "title": "Z pisma", "entry": entry.pk},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["entries"] == [{"id": entry.pk, "rpw_number": entry.rpw_number, "title": entry.title}]
    assert response.json()["opened_on"] == timezone.localdate().isoformat()


@pytest.mark.django_db
def test_list_filters_and_visibility(api, tax_clerk, head, pd_unit, fn_unit, c3120, make_user):
    mine = _open(tax_clerk, pd_unit, c3120)
    other = _open(head, fn_unit, c3120, title="Sprawa FN")
    case_transition(actor=tax_clerk, case=mine, to="suspended", on=D(2026, 3, 3))
    marks = [c["mark"] for c in api.get(reverse("api-documents-case-list")).json()["results"]]
    assert marks == [mine.mark]  # the FN case of the head is not visible to the PD clerk
    head_api = APIClient()
    head_api.force_authenticate(head)
    all_marks = {c["mark"] for c in head_api.get(reverse("api-documents-case-list")).json()["results"]}
    assert all_marks == {mine.mark, other.mark}
    filtered = head_api.get(reverse("api-documents-case-list"), {"status": "suspended", "unit": pd_unit.pk})
    assert [c["mark"] for c in filtered.json()["results"]] == [mine.mark]
    assert head_api.get(reverse("api-documents-case-list"), {"status": "bogus"}).status_code == 400
    assert api.get(reverse("api-documents-case-detail", args=[other.pk])).status_code == 404


@pytest.mark.django_db
def test_transition_and_reclassify(api, tax_clerk, pd_unit, c3120):
    case = _open(tax_clerk, pd_unit, c3120)
    url = reverse("api-documents-case-transition", args=[case.pk])
    refused = api.post(url, {"to": "closed"}, format="json")
    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {"closed_on", "manner"}
    done = api.post(url, {"to": "closed", "closed_on": "2026-03-20", "manner": "decision"}, format="json")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["closed_on"]) == ("closed", "2026-03-20")
    reopened = api.post(url, {"to": "reopened"}, format="json")
    assert reopened.json()["status"] == "reopened"
    moved = api.post(reverse("api-documents-case-reclassify", args=[case.pk]), {"jrwa": "3121"}, format="json")
    assert moved.status_code == 200
    assert (moved.json()["mark"], moved.json()["previous_marks"]) == ("PD.3121.1.2026", ["PD.3120.1.2026"])


@pytest.mark.django_db
def test_metryka_json_and_pdf(api, tax_clerk, pd_unit, c3120):
    case = _open(tax_clerk, pd_unit, c3120)
    case_transition(actor=tax_clerk, case=case, to="closed", on=D(2026, 3, 20), manner="letter")
    body = api.get(reverse("api-documents-case-metryka", args=[case.pk])).json()
    assert body["mark"] == "PD.3120.1.2026"
    assert [r["action"] for r in body["rows"]] == [
        "documents.case.opened",
        "documents.case.closed",
        "documents.case.viewed",
    ]
    assert [r["lp"] for r in body["rows"]] == [1, 2, 3]
    pdf = api.get(reverse("api-documents-case-metryka", args=[case.pk]), {"format": "pdf"})
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


@pytest.mark.django_db
def test_jrwa_and_spis_spraw(api, tax_clerk, pd_unit, c3120):
    classes = api.get(reverse("api-documents-jrwa-list")).json()
    assert len(classes) == 46
    c1431 = classes_by(classes, "1431")
    assert (c1431["is_leaf"], c1431["procedure"]) == (True, "public_information")
    _open(tax_clerk, pd_unit, c3120, title="Pierwsza")
    second = _open(tax_clerk, pd_unit, c3120, title="Druga")
    case_transition(actor=tax_clerk, case=second, to="closed", on=D(2026, 3, 10), manner="decision")
    url = reverse("api-documents-spis-spraw")
    body = api.get(url, {"unit": pd_unit.pk, "jrwa": "3120", "year": 2026}).json()
    assert (body["unit"], body["jrwa"], body["year"]) == ("PD", "3120", 2026)
    assert [(r["lp"], r["title"], r["opened_on"], r["closed_on"]) for r in body["rows"]] == [
        (1, "Pierwsza", "2026-03-02", None),
        (2, "Druga", "2026-03-02", "2026-03-10"),
    ]
    assert api.get(url, {"unit": pd_unit.pk}).status_code == 400
    pdf = api.get(url, {"unit": pd_unit.pk, "jrwa": "3120", "year": 2026, "format": "pdf"})
    assert pdf.content.startswith(b"%PDF-")


def classes_by(classes, symbol):
    return next(c for c in classes if c["symbol"] == symbol)


@pytest.mark.django_db
def test_api_refuses_without_permission(nobody, make_user, pd_unit, c3120, tax_clerk):
    case = _open(tax_clerk, pd_unit, c3120)
    client = APIClient()
    client.force_authenticate(nobody)
    assert client.get(reverse("api-documents-case-list")).status_code == 403
    assert client.post(reverse("api-documents-case-transition", args=[case.pk]), {"to": "suspended"}).status_code == 403
    registry = make_user(roles.REGISTRY_CLERK, username="kancelaria-2")
    client.force_authenticate(registry)
    assert client.get(reverse("api-documents-jrwa-list")).status_code == 200
    assert client.get(reverse("api-documents-case-detail", args=[case.pk])).status_code == 403
    case.refresh_from_db()
    assert case.status == "open"
