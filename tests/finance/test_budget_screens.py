"""Screens and API of the budget area: the plan, Rb-27S (screen, CSV, XML, JSON), the dashboard (inline SVG with
tables, JSON) and their permissions."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from lxml import etree

from finance.models import BudgetPlanLine
from finance.services import budget_reports as br
from tests.finance.conftest_budget import *  # noqa: F403

pytestmark = pytest.mark.django_db
D = Decimal
API = "/api/v1/finance/"


def test_pages_refuse_anonymous_and_unprivileged(client, tax_clerk, today):
    urls = [
        reverse("finance:budget-plan"),
        reverse("finance:budget-rb27s"),
        reverse("finance:budget-dashboard"),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(tax_clerk)
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.post(reverse("finance:budget-plan-import"), {"year": 2026}).status_code == 403
    for url in ("budget-plan/?year=2026", "reports/rb27s/?year=2026&period_end=2026-03-31", "dashboard/"):
        response = client.get(API + url)
        assert response.status_code == 403
        assert response.json()["code"]
    assert client.post(API + "budget-plan/", {"year": 2026}).status_code == 403
    assert BudgetPlanLine.objects.count() == 0


def test_plan_screen_set_and_import(client, accountant, today):
    client.force_login(accountant)
    page = client.get(reverse("finance:budget-plan"), {"year": 2026})
    assert page.status_code == 200
    assert _("Revenue plan") in page.content.decode()
    saved = client.post(
        reverse("finance:budget-plan"),
        {"year": 2026, "dzial": "756", "rozdzial": "75616", "paragraf": "0310", "amount": "1000,00"},
    )
    assert saved.status_code == 302
    refused = client.post(
        reverse("finance:budget-plan"),
        {"year": 2026, "dzial": "756", "rozdzial": "90002", "paragraf": "0310", "amount": "1"},
    )
    assert refused.status_code == 400
    assert _("A rozdział starts with the digits of its dział.") in refused.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("plan.csv", b"dzial;rozdzial;paragraf;amount\n900;90002;0490;-1\n")
    response = client.post(reverse("finance:budget-plan-import"), {"year": 2026, "file": bad})
    assert response.status_code == 400
    assert (
        _("Line %(line)d: %(reason)s.") % {"line": 2, "reason": _("amount %(value)s is negative") % {"value": "-1"}}
    ) in response.content.decode()
    good = SimpleUploadedFile("plan.csv", b"dzial;rozdzial;paragraf;amount\n900;90002;0490;3500\n")
    assert client.post(reverse("finance:budget-plan-import"), {"year": 2026, "file": good}).status_code == 302
    page = client.get(reverse("finance:budget-plan"), {"year": 2026}).content.decode()
    assert "4\xa0500,00\xa0zł" in page  # total 1 000,00 + 3 500,00


def test_rb27s_screen_csv_and_xml(client, head_of_unit, budget_scenario):
    client.force_login(head_of_unit)
    page = client.get(reverse("finance:budget-rb27s"), {"year": 2026, "period_end": "31.03.2026"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "3\xa0680,00\xa0zł" in html
    assert "4\xa0170,00\xa0zł" in html
    bad = client.get(reverse("finance:budget-rb27s"), {"year": 2026, "period_end": "30.03.2026"})
    message = _("The period must end on the last day of a month of the report's year.")
    assert escape(message) in bad.content.decode()
    csv = client.get(reverse("finance:budget-rb27s"), {"year": 2026, "period_end": "31.03.2026", "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert "900;90002;0490;3500.00;3000.00;3010.00;0.00;10.00" in csv.content.decode("utf-8-sig").replace(",", ".")
    xml = client.get(reverse("finance:budget-rb27s"), {"year": 2026, "period_end": "31.03.2026", "format": "xml"})
    document = etree.fromstring(xml.content)
    assert etree.XMLSchema(etree.parse(str(br.XSD_PATH))).validate(etree.ElementTree(document))
    assert document.findtext(f"{{{br.XML_NS}}}Razem/{{{br.XML_NS}}}Naleznosci") == "4170.00"


def test_rb27s_api(client, accountant, budget_scenario):
    client.force_login(accountant)
    data = client.get(API + "reports/rb27s/", {"year": 2026, "period_end": "2026-03-31"}).json()
    assert data["totals"] == {
        "dzial": "", "rozdzial": "", "paragraf": "", "plan": "7000.00", "charges": "4170.00", "receipts": "3680.00",
        "arrears": "600.00", "overpayments": "10.00",
    }  # fmt: skip
    assert len(data["lines"]) == 6
    assert data["period_start"] == "2026-01-01"
    xml = client.get(API + "reports/rb27s/", {"year": 2026, "period_end": "2026-03-31", "format": "xml"})
    assert xml.status_code == 200
    assert xml["Content-Type"].startswith("application/xml")
    csv = client.get(API + "reports/rb27s/", {"year": 2026, "period_end": "2026-03-31", "format": "csv"})
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")
    bad = client.get(API + "reports/rb27s/", {"year": 2026, "period_end": "2026-02-27", "format": "csv"})
    assert bad.status_code == 400
    assert "period_end" in bad.json()["errors"]


def test_plan_api(client, accountant, today):
    client.force_login(accountant)
    created = client.post(
        API + "budget-plan/",
        {"year": 2026, "dzial": "756", "rozdzial": "75616", "paragraf": "0310", "amount": "1200.00"},
        content_type="application/json",
    )
    assert created.status_code == 200
    assert created.json()["amount"] == "1200.00"
    refused = client.post(
        API + "budget-plan/",
        {"year": 2026, "dzial": "756", "rozdzial": "75616", "paragraf": "0310", "amount": "-1"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "amount" in refused.json()["errors"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("plan.csv", b"dzial;rozdzial;paragraf;amount\n900;90002;0490;3500\n")
    imported = client.post(API + "budget-plan/import/", {"year": 2026, "file": upload})
    assert imported.json() == {"created": 1, "updated": 0, "unchanged": 0}
    bad = SimpleUploadedFile("plan.csv", b"dzial;rozdzial;paragraf;amount\n900;9000;0490;3500\n")
    rejected = client.post(API + "budget-plan/import/", {"year": 2026, "file": bad})
    assert rejected.status_code == 400
    assert len(rejected.json()["errors"]["file"]) == 1
    listed = client.get(API + "budget-plan/", {"year": 2026}).json()
    assert [(x["paragraf"], x["amount"]) for x in listed] == [("0310", "1200.00"), ("0490", "3500.00")]


def test_dashboard_screen_and_api(client, accountant, budget_scenario):
    client.force_login(accountant)
    page = client.get(reverse("finance:budget-dashboard"), {"year": 2026})
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("<svg") == 3
    assert 'role="img"' in html
    assert "<title" in html
    assert "3\xa0080,00\xa0zł" in html  # March receipts (table and bar title)
    assert "<td>54,55 %</td>" in html  # collection rate, Polish decimal comma
    data = client.get(API + "dashboard/", {"year": 2026}).json()
    assert data["as_of"] == "2026-03-20"
    assert [(x["receivable_type"], x["rate"]) for x in data["collection"]] == [
        ("property_tax_person", "54.55"), ("waste_fee", "100.33")
    ]  # fmt: skip
    assert [x["receipts"] for x in data["receipts_per_month"]][:3] == ["600.00", "0.00", "3080.00"]
    # As of 20.03 A's second installment (due 16.03) is 4 days overdue; C's 100,00 is > 365 days.
    ageing = {x["receivable_type"]: [(b["bucket"], b["amount"], b["count"]) for b in x["buckets"] if b["count"]]
              for x in data["ageing"]}  # fmt: skip
    assert ageing == {"property_tax_legal": [(">365", "100.00", 1)], "property_tax_person": [("0-30", "500.00", 1)]}


def _oversized() -> bytes:
    """A plan file of 2 MB + 1 byte (valid lines; the size alone refuses it)."""
    from finance.services.budget import MAX_PLAN_FILE_BYTES

    head = b"dzial;rozdzial;paragraf;amount;description\n756;75616;0310;100,00;"
    return head + b"x" * (MAX_PLAN_FILE_BYTES + 1 - len(head))


def test_plan_file_above_the_limit_refused_on_the_screen_and_in_the_api(client, accountant, today):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.models import AuditEvent
    from finance.services.budget import MAX_PLAN_FILE_BYTES

    client.force_login(accountant)
    data = _oversized()
    assert len(data) == MAX_PLAN_FILE_BYTES + 1 == 2 * 1024 * 1024 + 1
    message = _("The file is too large (limit %(mb)s MB).") % {"mb": 2}
    audits = AuditEvent.objects.count()
    screen = client.post(
        reverse("finance:budget-plan-import"), {"year": 2026, "file": SimpleUploadedFile("plan.csv", data)}
    )
    assert screen.status_code == 400
    assert escape(message) in screen.content.decode()
    api = client.post(API + "budget-plan/import/", {"year": 2026, "file": SimpleUploadedFile("plan.csv", data)})
    assert api.status_code == 400
    assert api.json()["errors"]["file"] == [message]
    assert BudgetPlanLine.objects.count() == 0
    assert AuditEvent.objects.count() == audits
    # The screen's form refuses it itself (the shared validator), before the file is read.
    from finance.views.budget import PlanImportForm

    form = PlanImportForm({"year": 2026}, {"file": SimpleUploadedFile("plan.csv", data)})
    assert not form.is_valid()
    assert form.errors["file"] == [message]
    # Exactly at the limit the size is accepted (the file's own lines are then checked: a valid one here).
    line = b"dzial;rozdzial;paragraf;amount\n756;75616;0310;100,00\n"
    ok = line + b"\n" * (MAX_PLAN_FILE_BYTES - len(line))
    assert len(ok) == MAX_PLAN_FILE_BYTES
    imported = client.post(API + "budget-plan/import/", {"year": 2026, "file": SimpleUploadedFile("plan.csv", ok)})
    assert imported.status_code == 200, imported.json()
    assert imported.json() == {"created": 1, "updated": 0, "unchanged": 0}
