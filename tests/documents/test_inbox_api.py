"""API of the inbox area: /api/v1/documents/inbox/, queue/, reports/deadlines/, dekretacja, reassign, priority."""

import datetime

import pytest
from rest_framework.test import APIClient

from core import roles
from core.models import AuditEvent
from documents.models import Assignment, IncomingEntry, Priority
from tests.factories import CaseFactory, IncomingEntryFactory, OrgUnitFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/documents/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def so_unit(db):
    return OrgUnitFactory(symbol="SO", name="Spraw Obywatelskich")


@pytest.fixture
def so_clerk(make_user, so_unit):
    return make_user(roles.POPULATION_CLERK, username="ewidencja-so", org_unit=so_unit)


def test_inbox_api_sorted(api, tax_clerk, pd_unit, jrwa_3120):
    a = CaseFactory(
        unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, priority=Priority.LOW, due_date=datetime.date(2026, 1, 1)
    )
    b = CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, priority=Priority.URGENT, due_date=None)
    api.force_authenticate(tax_clerk)
    body = api.get(API + "inbox/").json()
    assert [c["mark"] for c in body["cases"]] == [b.mark, a.mark]
    assert body["cases"][1]["state"] == "overdue"
    assert body["counters"]["cases"] == 2
    assert body["entries"] == []


def test_inbox_api_refuses_anonymous_and_registry(api, registry_clerk):
    assert api.get(API + "inbox/").status_code in (401, 403)
    api.force_authenticate(registry_clerk)
    assert api.get(API + "inbox/").status_code == 403


def test_queue_api_only_supervised(api, head, tax_clerk, so_clerk, pd_unit, so_unit, jrwa_3120):
    own = CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk)
    CaseFactory(unit=so_unit, jrwa=jrwa_3120, owner=so_clerk)
    api.force_authenticate(head)
    assert [c["mark"] for c in api.get(API + "queue/").json()["cases"]] == [own.mark]
    assert api.get(API + f"queue/?unit={so_unit.pk}").json() == {"cases": [], "entries": []}
    assert api.get(API + f"queue/?clerk={so_clerk.pk}").json() == {"cases": [], "entries": []}
    assert api.get(API + "queue/?unit=abc").json()["code"] == "invalid"
    api.force_authenticate(tax_clerk)
    assert api.get(API + "queue/").status_code == 403


def test_deadline_report_api(api, head, tax_clerk, pd_unit, jrwa_3120):
    CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, due_date=datetime.date(2025, 12, 30))
    CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, due_date=datetime.date(2026, 1, 7))
    api.force_authenticate(head)
    body = api.get(API + "reports/deadlines/?day=2025-12-31&days=3").json()
    assert body["horizon"] == "2026-01-07"
    assert body["totals"] == {"overdue": 1, "due_today": 0, "due_soon": 1}
    assert body["by_clerk"] == [
        {"id": tax_clerk.pk, "label": tax_clerk.display_name, "overdue": 1, "due_today": 0, "due_soon": 1}
    ]
    body = api.get(API + "reports/deadlines/?day=2025-12-31&days=2").json()
    assert body["totals"] == {"overdue": 1, "due_today": 0, "due_soon": 0}
    bad = api.get(API + "reports/deadlines/?days=-1")
    assert bad.status_code == 400
    assert "days" in bad.json()["errors"]
    api.force_authenticate(tax_clerk)
    assert api.get(API + "reports/deadlines/").status_code == 403


def test_assign_via_api(api, registry_clerk, head, tax_clerk, fn_unit):
    entry = IncomingEntryFactory()
    api.force_authenticate(registry_clerk)
    r = api.post(API + f"entries/{entry.pk}/assignments/", {"unit": fn_unit.pk, "instruction": "do FN"}, format="json")
    assert r.status_code == 201
    assert r.json()["unit"] == "FN"
    assert r.json()["level"] == 1
    api.force_authenticate(head)
    r = api.post(
        API + f"entries/{entry.pk}/assignments/",
        {"clerk": tax_clerk.pk, "deadline": "2026-03-20"},
        format="json",
    )
    assert r.status_code == 201
    assert r.json()["clerk"]["id"] == tax_clerk.pk
    assert r.json()["level"] == 2
    history = api.get(API + f"entries/{entry.pk}/assignments/").json()
    assert [(h["level"], h["unit"], h["instruction"]) for h in history] == [(1, "FN", "do FN"), (2, "FN", "")]
    entry.refresh_from_db()
    assert entry.status == IncomingEntry.Status.ASSIGNED_CLERK
    assert entry.due_date == datetime.date(2026, 3, 20)


def test_assign_api_errors_write_nothing(api, head, so_clerk, so_unit, pd_unit, tax_clerk, registry_clerk):
    entry = IncomingEntryFactory(assigned_unit=pd_unit, status="assigned_unit")
    foreign = IncomingEntryFactory(assigned_unit=so_unit, status="assigned_unit")
    before = AuditEvent.objects.filter(action__startswith="documents.entry.assigned").count()
    api.force_authenticate(head)
    url = API + f"entries/{entry.pk}/assignments/"
    r = api.post(url, {"unit": pd_unit.pk, "clerk": tax_clerk.pk}, format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid"
    assert "unit" in r.json()["errors"]
    r = api.post(url, {"clerk": so_clerk.pk}, format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "forbidden"
    r = api.post(url, {"clerk": 999999}, format="json")
    assert r.status_code == 400
    assert "clerk" in r.json()["errors"]
    r = api.post(API + f"entries/{foreign.pk}/assignments/", {"clerk": so_clerk.pk}, format="json")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert api.get(API + f"entries/{foreign.pk}/assignments/").status_code == 404
    api.force_authenticate(tax_clerk)  # sees it? no: not assigned to him, not his unit's free letter
    assert api.post(url, {"unit": pd_unit.pk}, format="json").status_code == 403
    assert Assignment.objects.count() == 0
    assert AuditEvent.objects.filter(action__startswith="documents.entry.assigned").count() == before


def test_reassign_and_priority_api(api, head, tax_clerk, make_user, pd_unit, so_unit, so_clerk, jrwa_3120):
    second = make_user(roles.TAX_CLERK, username="referent-2", org_unit=pd_unit)
    case = CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk)
    entry = IncomingEntryFactory(assigned_unit=pd_unit, status="assigned_unit")
    api.force_authenticate(head)
    r = api.post(API + f"cases/{case.pk}/reassign/", {"clerk": second.pk, "reason": "urlop"}, format="json")
    assert r.status_code == 200
    assert r.json()["owner"]["id"] == second.pk
    r = api.post(API + f"cases/{case.pk}/reassign/", {"clerk": second.pk}, format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "no_change"
    r = api.post(API + f"cases/{case.pk}/priority/", {"priority": Priority.URGENT}, format="json")
    assert r.status_code == 200
    assert r.json()["priority"] == Priority.URGENT
    r = api.post(API + f"cases/{case.pk}/priority/", {"priority": 9}, format="json")
    assert r.status_code == 400
    assert "priority" in r.json()["errors"]
    r = api.post(API + f"entries/{entry.pk}/priority/", {"priority": Priority.HIGH}, format="json")
    assert r.status_code == 200
    assert r.json()["priority"] == Priority.HIGH

    foreign = CaseFactory(unit=so_unit, jrwa=jrwa_3120, owner=so_clerk)
    r = api.post(API + f"cases/{foreign.pk}/priority/", {"priority": Priority.HIGH}, format="json")
    assert r.status_code == 404
    foreign.refresh_from_db()
    assert foreign.priority == Priority.NORMAL

    api.force_authenticate(tax_clerk)
    assert api.post(API + f"cases/{case.pk}/priority/", {"priority": 0}, format="json").status_code == 403
    assert api.post(API + f"cases/{case.pk}/reassign/", {"clerk": tax_clerk.pk}, format="json").status_code == 403
