"""Reminder screens and API: the wizard, review, confirm; permissions; errors; the logged detail read."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from core.models import AuditEvent
from finance.models.collection import CollectionRun, Reminder
from tests.finance.conftest_reminders import *  # noqa: F403
from tests.finance.conftest_reminders import CUTOFF, ISSUE

pytestmark = pytest.mark.django_db
D = Decimal


def test_wizard_review_and_confirm(client, collector, debtor, jrwa_3130, bank_profile):
    party, _ = debtor("200.00")
    small, _ = debtor("50.00")
    client.force_login(collector)
    response = client.post(reverse("finance:reminder-runs"), {"cutoff_date": "31.05.2026", "issue_date": "01.06.2026"})
    assert response.status_code == 302
    run = CollectionRun.objects.get()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert party.display_name in page.content.decode()
    (r,) = run.reminders.all()
    client.post(reverse("finance:reminder-action", args=[r.pk, "exclude"]), {"reason": "x"})
    r.refresh_from_db()
    assert r.status == Reminder.Status.EXCLUDED
    client.post(reverse("finance:reminder-action", args=[r.pk, "include"]))
    client.post(reverse("finance:reminder-run-action", args=[run.pk, "add"]), {"party": str(small.pk)})
    assert run.reminders.count() == 2
    client.post(reverse("finance:reminder-run-action", args=[run.pk, "confirm"]))
    run.refresh_from_db()
    assert run.status == CollectionRun.Status.ISSUED
    assert set(run.reminders.values_list("status", flat=True)) == {"issued"}
    detail = client.get(reverse("finance:reminder", args=[r.pk]))
    assert detail.status_code == 200
    assert AuditEvent.objects.filter(action="finance.reminder.viewed").count() == 1
    pdf = client.get(reverse("finance:reminder-pdf", args=[r.pk]))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_wizard_bad_dates_show_error(client, collector):
    client.force_login(collector)
    response = client.post(reverse("finance:reminder-runs"), {"cutoff_date": "01.06.2026", "issue_date": "01.06.2026"})
    assert response.status_code == 400
    assert gettext("The cut-off date must be before the issue date.") in response.content.decode()
    assert CollectionRun.objects.count() == 0


@pytest.mark.parametrize(("name", "args"), [("finance:reminder-runs", []), ("finance:reminder", [1])])
def test_screens_refused_to_others(client, nobody, name, args):
    client.force_login(nobody)
    assert client.get(reverse(name, args=args)).status_code in (403, 404)
    client.logout()
    assert client.get(reverse(name, args=args)).status_code == 302


def test_api_create_detail_confirm_and_filters(client, collector, debtor, jrwa_3130, bank_profile):
    party, _ = debtor("200.00")
    client.force_login(collector)
    response = client.post(
        "/api/v1/finance/reminder-runs/", {"cutoff_date": str(CUTOFF), "issue_date": str(ISSUE)},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["progress_done"], body["progress_total"]) == ("proposed", 1, 1)
    run_id = body["id"]
    reminders = client.get("/api/v1/finance/reminders/", {"party": party.pk}).json()["results"]
    assert [(x["party"], x["principal"], x["reason"]) for x in reminders] == [(party.pk, "200.00", "threshold")]
    response = client.post(f"/api/v1/finance/reminder-runs/{run_id}/confirm/")
    assert response.status_code == 200
    assert response.json()["status"] == "issued"
    detail = client.get(f"/api/v1/finance/reminders/{reminders[0]['id']}/").json()
    assert detail["number"] == "UP/2026/000001"
    assert detail["items"][0]["principal"] == "200.00"
    again = client.post(f"/api/v1/finance/reminder-runs/{run_id}/confirm/")
    assert again.status_code == 400
    assert again.json()["code"] == "invalid_transition"


def test_api_closed_period_is_a_clear_error(client, collector, debtor):
    from finance.models import AccountingPeriod

    debtor("200.00")
    AccountingPeriod.objects.create(year=2026, month=6, closed_at=datetime.datetime(2026, 7, 1, tzinfo=datetime.UTC))
    client.force_login(collector)
    response = client.post(
        "/api/v1/finance/reminder-runs/", {"cutoff_date": str(CUTOFF), "issue_date": str(ISSUE)},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["code"] == "period_closed"
    assert CollectionRun.objects.count() == 0


def test_api_refused_without_permission(client, nobody):
    client.force_login(nobody)
    assert client.get("/api/v1/finance/reminder-runs/").status_code == 403
    assert client.get("/api/v1/finance/information-notices/").status_code == 403
    assert client.get("/api/v1/finance/reminders/1/").status_code in (403, 404)
