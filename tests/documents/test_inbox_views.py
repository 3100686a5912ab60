"""Screens of the inbox area: the clerk's inbox, the unit's queue, "as the clerk", dekretacja, reports."""

import datetime

import pytest
from django.urls import reverse

from core import roles
from core.models import AuditEvent
from documents.models import Assignment, Case, IncomingEntry, Priority
from tests.factories import CaseFactory, IncomingEntryFactory, OrgUnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def so_unit(db):
    return OrgUnitFactory(symbol="SO", name="Spraw Obywatelskich")


@pytest.fixture
def so_clerk(make_user, so_unit):
    return make_user(roles.POPULATION_CLERK, username="ewidencja-so", org_unit=so_unit)


@pytest.fixture
def so_head(make_user, so_unit):
    user = make_user(roles.HEAD_OF_UNIT, username="kierownik-so", org_unit=so_unit)
    so_unit.head = user
    so_unit.save(update_fields=["head"])
    return user


def test_inbox_lists_my_letters_and_cases_only(client, tax_clerk, so_clerk, pd_unit, so_unit, jrwa_3120):
    mine = IncomingEntryFactory(
        title="Wniosek o ulgę", assigned_unit=pd_unit, assigned_to=tax_clerk, status="assigned_clerk"
    )
    IncomingEntryFactory(title="Cudzy wniosek", assigned_unit=so_unit, assigned_to=so_clerk, status="assigned_clerk")
    case = CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, title="Moja sprawa")
    CaseFactory(unit=so_unit, jrwa=jrwa_3120, owner=so_clerk, title="Cudza sprawa")
    client.force_login(tax_clerk)

    page = client.get(reverse("documents:inbox")).content.decode()
    assert mine.rpw_number in page
    assert "Cudzy wniosek" not in page

    cases_tab = client.get(reverse("documents:inbox") + "?tab=cases", HTTP_HX_REQUEST="true")
    body = cases_tab.content.decode()
    assert case.mark in body
    assert "Cudza sprawa" not in body
    assert "<html" not in body  # an HTMX fragment


def test_inbox_needs_handle_case(client, registry_clerk):
    client.force_login(registry_clerk)
    assert client.get(reverse("documents:inbox")).status_code == 403


def test_queue_shows_only_supervised_units(client, head, tax_clerk, so_clerk, pd_unit, so_unit, jrwa_3120):
    own = CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk)
    other = CaseFactory(unit=so_unit, jrwa=jrwa_3120, owner=so_clerk)
    client.force_login(head)
    page = client.get(reverse("documents:queue")).content.decode()
    assert own.mark in page
    assert other.mark not in page
    assert reverse("documents:inbox-as", args=[tax_clerk.pk]) in page
    # filtering by another unit's id never shows it
    page = client.get(reverse("documents:queue") + f"?unit={so_unit.pk}").content.decode()
    assert other.mark not in page


def test_clerk_cannot_open_the_queue(client, tax_clerk):
    client.force_login(tax_clerk)
    assert client.get(reverse("documents:queue")).status_code == 403
    assert client.get(reverse("documents:inbox-as", args=[tax_clerk.pk])).status_code == 403


def test_view_as_the_clerk_is_read_only_and_logged(client, head, tax_clerk, pd_unit, jrwa_3120):
    case = CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, due_date=datetime.date(2020, 1, 2))
    IncomingEntryFactory(assigned_unit=pd_unit, assigned_to=tax_clerk, status="assigned_clerk")
    client.force_login(head)
    response = client.get(reverse("documents:inbox-as", args=[tax_clerk.pk]) + "?tab=cases")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="viewing-as"' in body
    assert case.mark in body
    assert '<form method="post"' not in body.split('id="inbox-tab"')[1]  # no action in the clerk's view
    event = AuditEvent.objects.get(action="documents.queue.viewed_as")
    assert (event.actor_id, event.object_id, event.details["cases"], event.details["entries"]) == (
        head.pk,
        str(tax_clerk.pk),
        1,
        1,
    )


def test_view_as_refused_outside_supervised_units(client, head, so_clerk, so_head, tax_clerk):
    client.force_login(head)
    assert client.get(reverse("documents:inbox-as", args=[so_clerk.pk])).status_code == 404
    assert client.get(reverse("documents:inbox-as", args=[99999])).status_code == 404
    client.force_login(so_head)
    assert client.get(reverse("documents:inbox-as", args=[tax_clerk.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="documents.queue.viewed_as").exists()


def test_head_sets_priority_and_reassigns_from_the_queue(client, head, tax_clerk, make_user, pd_unit, jrwa_3120):
    second = make_user(roles.TAX_CLERK, username="referent-2", org_unit=pd_unit)
    case = CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk)
    entry = IncomingEntryFactory(assigned_unit=pd_unit, status="assigned_unit")
    client.force_login(head)

    r = client.post(reverse("documents:queue-case-priority", args=[case.pk]), {"priority": Priority.URGENT})
    assert r.status_code == 302
    r = client.post(reverse("documents:queue-entry-priority", args=[entry.pk]), {"priority": Priority.HIGH})
    assert r.status_code == 302
    r = client.post(reverse("documents:queue-case-reassign", args=[case.pk]), {"clerk": second.pk, "reason": "urlop"})
    assert r.status_code == 302
    case.refresh_from_db()
    entry.refresh_from_db()
    assert (case.priority, case.owner_id, entry.priority) == (Priority.URGENT, second.pk, Priority.HIGH)


def test_reassign_refusal_shows_the_message_and_changes_nothing(client, head, tax_clerk, pd_unit, jrwa_3120):
    case = CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, status=Case.Status.CLOSED)
    client.force_login(head)
    before = AuditEvent.objects.filter(action="documents.case.reassigned").count()
    r = client.post(reverse("documents:queue-case-reassign", args=[case.pk]), {"clerk": head.pk})
    assert r.status_code == 422
    case.refresh_from_db()
    assert case.owner_id == tax_clerk.pk
    assert AuditEvent.objects.filter(action="documents.case.reassigned").count() == before


def test_dekretacja_screen_registry_to_unit_then_head_to_clerk(client, registry_clerk, head, tax_clerk, fn_unit):
    entry = IncomingEntryFactory()
    client.force_login(registry_clerk)
    page = client.get(reverse("documents:entry-assign", args=[entry.pk])).content.decode()
    assert 'data-testid="assign-unit-form"' in page
    assert 'data-testid="assign-clerk-form"' not in page
    r = client.post(
        reverse("documents:entry-assign", args=[entry.pk]),
        {"action": "unit", "unit-unit": fn_unit.pk, "unit-instruction": "wg właściwości"},
    )
    assert r.status_code == 302

    client.force_login(head)
    page = client.get(reverse("documents:entry-assign", args=[entry.pk])).content.decode()
    assert 'data-testid="assign-clerk-form"' in page
    r = client.post(
        reverse("documents:entry-assign", args=[entry.pk]),
        {"action": "clerk", "clerk-clerk": tax_clerk.pk, "clerk-instruction": "pilne", "clerk-deadline": "20.03.2026"},
    )
    assert r.status_code == 302
    entry.refresh_from_db()
    assert (entry.assigned_to_id, entry.status, entry.due_date) == (
        tax_clerk.pk,
        IncomingEntry.Status.ASSIGNED_CLERK,
        datetime.date(2026, 3, 20),
    )
    history = client.get(reverse("documents:entry-assignments", args=[entry.pk])).content.decode()
    assert "wg właściwości" in history
    assert "pilne" in history
    assert "20.03.2026" in history


def test_dekretacja_refused_for_an_entry_of_another_unit(client, head, so_unit, so_clerk):
    entry = IncomingEntryFactory(assigned_unit=so_unit, status="assigned_unit")
    client.force_login(head)
    assert client.get(reverse("documents:entry-assign", args=[entry.pk])).status_code == 404
    r = client.post(reverse("documents:entry-assign", args=[entry.pk]), {"action": "clerk", "clerk-clerk": so_clerk.pk})
    assert r.status_code == 404
    assert Assignment.objects.count() == 0


def test_dekretacja_to_a_clerk_outside_the_unit_shows_the_error(client, head, so_clerk, pd_unit):
    entry = IncomingEntryFactory(assigned_unit=pd_unit, status="assigned_unit")
    client.force_login(head)
    r = client.post(reverse("documents:entry-assign", args=[entry.pk]), {"action": "clerk", "clerk-clerk": so_clerk.pk})
    assert r.status_code == 422  # not even offered: the choice is invalid
    assert Assignment.objects.count() == 0


def test_deadline_report_screen_and_csv(client, head, tax_clerk, pd_unit, jrwa_3120):
    case = CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, due_date=datetime.date(2025, 12, 30))
    CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, due_date=datetime.date(2026, 1, 8))
    client.force_login(head)
    page = client.get(reverse("documents:deadline-report") + "?day=31.12.2025&days=3").content.decode()
    assert case.mark in page
    assert "07.01.2026" in page
    csv_body = client.get(reverse("documents:deadline-report-csv") + "?day=31.12.2025").content.decode("utf-8")
    lines = csv_body.lstrip("\ufeff").strip().splitlines()
    assert len(lines) == 2
    assert lines[1].split(";")[0] == case.mark
    assert lines[1].split(";")[4:6] == ["30.12.2025", "-1"]


def test_deadline_report_for_the_administrator_covers_all_units_and_escapes_formulas(
    client, admin_user_, tax_clerk, so_clerk, pd_unit, so_unit, jrwa_3120
):
    CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, due_date=datetime.date(2025, 12, 30))
    CaseFactory(
        unit=so_unit, jrwa=jrwa_3120, owner=so_clerk, due_date=datetime.date(2025, 12, 29), title="=HYPERLINK()"
    )
    client.force_login(admin_user_)
    body = client.get(reverse("documents:deadline-report-csv") + "?day=31.12.2025").content.decode("utf-8")
    rows = [line.split(";") for line in body.lstrip("\ufeff").strip().splitlines()[1:]]
    assert [(r[2], r[1]) for r in rows] == [("SO", "'=HYPERLINK()"), ("PD", rows[1][1])]
    filtered = client.get(reverse("documents:deadline-report-csv") + f"?day=31.12.2025&unit={so_unit.pk}")
    assert len(filtered.content.decode("utf-8").strip().splitlines()) == 2


def test_deadline_report_refused_to_a_clerk(client, tax_clerk):
    client.force_login(tax_clerk)
    assert client.get(reverse("documents:deadline-report")).status_code == 403
    assert client.get(reverse("documents:deadline-report-csv")).status_code == 403


def test_rules_list_for_the_registry(client, registry_clerk, tax_clerk, fn_unit):
    from documents.models import AssignmentRule

    AssignmentRule.objects.create(name="Deklaracje IN-1", form_code="IN-1", unit=fn_unit)
    AssignmentRule.objects.create(name="Wyłączona", form_code="X", unit=fn_unit, is_active=False)
    client.force_login(registry_clerk)
    page = client.get(reverse("documents:assignment-rules")).content.decode()
    assert "Deklaracje IN-1" in page
    assert "Wyłączona" not in page
    client.force_login(tax_clerk)
    assert client.get(reverse("documents:assignment-rules")).status_code == 403


def test_demo_seeders_are_idempotent(make_user, fn_unit, pd_unit):
    from documents.hooks.inbox import seed_assignments, seed_rules
    from documents.models import AssignmentRule
    from documents.services.assignment import assign_by_rules

    head = make_user(roles.HEAD_OF_UNIT, username="kierownik", org_unit=fn_unit)
    fn_unit.head = head
    fn_unit.save(update_fields=["head"])
    clerk = make_user(roles.TAX_CLERK, username="referent", org_unit=pd_unit)
    assert seed_rules() == "2 assignment rules"
    assert seed_rules() == "0 assignment rules"
    entry = IncomingEntryFactory(form_code="IN-1")
    assign_by_rules(entry=entry)
    assert AssignmentRule.objects.count() == 2
    assert seed_assignments() == "1 letters assigned to referent"
    assert seed_assignments() == "0 letters assigned to referent"
    entry.refresh_from_db()
    assert (entry.assigned_unit_id, entry.assigned_to_id) == (fn_unit.pk, clerk.pk)
