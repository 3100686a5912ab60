"""Back-office screens of cases, the metryka (labels from the audit trail) and the spis spraw."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core import roles
from core.models import AuditEvent
from core.services.audit import audit_log
from documents.models import Case, IncomingEntry, JrwaClass
from documents.services.case_reports import action_label, metryka, spis_spraw
from documents.services.cases import case_open, case_transition
from tests.factories import IncomingEntryFactory

D = datetime.date


@pytest.fixture
def c3120(db):
    return JrwaClass.objects.get(version__is_current=True, symbol="3120")


def _open(clerk, unit, jrwa, title="Sprawa", **kw):
    return case_open(actor=clerk, unit=unit, jrwa=jrwa, title=title, opened_on=D(2026, 3, 2), **kw)


@pytest.mark.django_db
def test_open_case_screen_from_entry(client, tax_clerk, pd_unit, c3120):
    entry = IncomingEntryFactory(
        assigned_unit=pd_unit,
        assigned_to=tax_clerk,
        status=IncomingEntry.Status.ASSIGNED_CLERK,
        title="Wniosek o ulgę",
    )
    client.force_login(tax_clerk)
    page = client.get(reverse("documents:case-open"), {"entry": entry.pk})
    assert page.status_code == 200
    assert entry.rpw_number in page.content.decode()
    response = client.post(
        reverse("documents:case-open"),
        {"entry": entry.pk, "unit": pd_unit.pk, "jrwa": c3120.pk, "title": "Wniosek o ulgę"},
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:case-detail", args=[case.pk])
    assert case.origin_entry == entry
    detail = client.get(response["Location"]).content.decode()
    assert case.mark == f"PD.3120.1.{timezone.localdate().year}"
    assert case.mark in detail
    assert entry.rpw_number in detail


@pytest.mark.django_db
def test_open_case_screen_shows_refusal(client, tax_clerk, fn_unit, c3120):
    client.force_login(tax_clerk)
    with translation.override("en"):
        response = client.post(
            reverse("documents:case-open"),
            {"unit": fn_unit.pk, "jrwa": c3120.pk, "title": "Obcy referat"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 422
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_case_detail_offers_only_allowed_actions_and_logs_the_read(client, tax_clerk, pd_unit, c3120, make_user):
    case = _open(tax_clerk, pd_unit, c3120)
    client.force_login(tax_clerk)
    html = client.get(reverse("documents:case-detail", args=[case.pk])).content.decode()
    assert f'action="{reverse("documents:case-transition", args=[case.pk])}"' in html
    assert 'value="suspended"' in html
    assert 'value="reopened"' not in html
    assert AuditEvent.objects.filter(action="documents.case.viewed", object_id=str(case.pk)).count() == 1
    # a colleague of another unit does not see the case at all
    outsider = make_user(roles.TAX_CLERK, username="obcy")
    client.force_login(outsider)
    assert client.get(reverse("documents:case-detail", args=[case.pk])).status_code == 404
    assert client.post(reverse("documents:case-transition", args=[case.pk]), {"to": "suspended"}).status_code == 404


@pytest.mark.django_db
def test_transition_and_reclassify_screens(client, tax_clerk, pd_unit, c3120):
    case = _open(tax_clerk, pd_unit, c3120)
    client.force_login(tax_clerk)
    url = reverse("documents:case-transition", args=[case.pk])
    client.post(url, {"to": "closed", "on": "", "manner": ""})
    case.refresh_from_db()
    assert case.status == "open"  # refused: no date, no manner
    client.post(url, {"to": "closed", "on": "20.03.2026", "manner": "decision"})
    case.refresh_from_db()
    assert (case.status, case.closed_on) == ("closed", D(2026, 3, 20))
    closed_page = client.get(reverse("documents:case-detail", args=[case.pk])).content.decode()
    assert 'value="reopened"' in closed_page
    assert 'value="suspended"' not in closed_page
    assert "20.03.2026" in closed_page
    client.post(url, {"to": "reopened"})
    other = JrwaClass.objects.get(version__is_current=True, symbol="3121")
    client.post(reverse("documents:case-reclassify", args=[case.pk]), {"jrwa": other.pk})
    case.refresh_from_db()
    assert (case.status, case.mark, case.previous_marks) == ("reopened", "PD.3121.1.2026", ["PD.3120.1.2026"])


@pytest.mark.django_db
def test_metryka_labels_every_event_of_the_case(tax_clerk, pd_unit, c3120):
    entry = IncomingEntryFactory(assigned_unit=pd_unit, assigned_to=tax_clerk, status="assigned_clerk")
    audit_log(actor=tax_clerk, action="documents.entry.assigned_clerk", obj=entry, details={})
    case = _open(tax_clerk, pd_unit, c3120, entry=entry)
    audit_log(
        actor=tax_clerk,
        action="documents.document.signed",
        object_type="documents.outgoingdocument",
        object_id=7,
        details={"case_id": case.pk, "document": "PD.3120.1.2026/1"},
    )
    audit_log(actor=tax_clerk, action="documents.something.new", obj=case, details={"case_id": case.pk})
    case_transition(actor=tax_clerk, case=case, to="closed", on=timezone.localdate(), manner="letter")
    audit_log(actor=tax_clerk, action="documents.case.opened", details={"case_id": case.pk + 1000})  # another case
    with translation.override("en"):
        rows = metryka(case=case).rows
    assert [(r.lp, r.activity, r.document) for r in rows] == [
        (1, "assigned to the clerk", entry.rpw_number),
        (2, "opened the case", entry.rpw_number),
        (3, "signed", "PD.3120.1.2026/1"),
        (4, "other action (documents.something.new)", ""),
        (5, "closed the case", ""),
    ]
    assert {r.person for r in rows} == {tax_clerk.get_full_name() or tax_clerk.username}


def test_action_labels_fall_back_to_a_generic_label():
    with translation.override("en"):
        assert action_label("documents.case.viewed") == "read the case"
        assert action_label("x.y") == "other action (x.y)"


@pytest.mark.django_db
def test_metryka_and_spis_screens_and_pdfs(client, tax_clerk, pd_unit, c3120):
    entry = IncomingEntryFactory(
        assigned_unit=pd_unit,
        assigned_to=tax_clerk,
        status="assigned_clerk",
        letter_reference="AB/12/2026",
        letter_date=D(2026, 2, 27),
    )
    first = _open(tax_clerk, pd_unit, c3120, title="Z pisma", entry=entry)
    case_transition(actor=tax_clerk, case=first, to="closed", on=timezone.localdate(), manner="decision")
    _open(tax_clerk, pd_unit, c3120, title="Ad hoc")
    year = first.year
    with translation.override("en"):
        report = spis_spraw(cases=Case.objects.all(), unit=pd_unit, jrwa=c3120, year=year)
    assert [(r.lp, r.title, r.sender, r.letter_reference, r.letter_date, r.remarks) for r in report.rows] == [
        (1, "Z pisma", entry.sender.display_name, "AB/12/2026", D(2026, 2, 27), "decision"),
        (2, "Ad hoc", "", "", None, ""),
    ]
    client.force_login(tax_clerk)
    html = client.get(reverse("documents:spis-spraw"), {"unit": pd_unit.pk, "jrwa": c3120.pk, "year": year})
    assert "AB/12/2026" in html.content.decode()
    assert "27.02.2026" in html.content.decode()
    pdf = client.get(reverse("documents:spis-spraw-pdf"), {"unit": pd_unit.pk, "jrwa": c3120.pk, "year": year})
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF-")
    assert client.get(reverse("documents:spis-spraw-pdf")).status_code == 404
    metryka_page = client.get(reverse("documents:case-metryka", args=[first.pk]))
    assert metryka_page.status_code == 200
    assert client.get(reverse("documents:case-metryka-pdf", args=[first.pk])).content.startswith(b"%PDF-")


@pytest.mark.django_db
def test_list_and_jrwa_screens(client, tax_clerk, pd_unit, c3120):
    case = _open(tax_clerk, pd_unit, c3120)
    client.force_login(tax_clerk)
    page = client.get(reverse("documents:case-list"), {"status": "open", "jrwa": "3120"}).content.decode()
    assert case.mark in page
    empty = client.get(reverse("documents:case-list"), {"status": "closed"}).content.decode()
    assert case.mark not in empty
    jrwa = client.get(reverse("documents:jrwa-list")).content.decode()
    assert "1431" in jrwa
    assert "gmina-2011-demo" in jrwa
