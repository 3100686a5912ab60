"""Dekretacja: who may assign to a unit and to a clerk, standing rules, re-assigning cases, priorities."""

import pytest

from core import roles
from core.exceptions import ApplicationError
from core.models import AuditEvent
from documents.models import AssignmentRule, Case, IncomingEntry, Priority
from documents.services.assignment import (
    assign_by_rules,
    assign_to_clerk,
    assign_to_unit,
    case_reassign,
    case_set_priority,
    entry_set_priority,
)
from tests.factories import CaseFactory, IncomingEntryFactory, OrgUnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def so_unit(db):
    return OrgUnitFactory(symbol="SO", name="Spraw Obywatelskich")


@pytest.fixture
def so_clerk(make_user, so_unit):
    return make_user(roles.POPULATION_CLERK, username="ewidencja-so", org_unit=so_unit)


def test_registry_assigns_to_unit_then_head_to_clerk(registry_clerk, head, tax_clerk, fn_unit):
    entry = IncomingEntryFactory(form_code="IN-1")
    first = assign_to_unit(actor=registry_clerk, entry=entry, unit=fn_unit, instruction="wg właściwości")
    assert (first.level, first.to_unit, first.by_user) == (1, fn_unit, registry_clerk)
    assert entry.status == IncomingEntry.Status.ASSIGNED_UNIT
    assert entry.assigned_unit == fn_unit

    second = assign_to_clerk(actor=head, entry=entry, clerk=tax_clerk, instruction="proszę o wymiar")
    entry.refresh_from_db()
    assert (second.level, second.to_user, second.to_unit) == (2, tax_clerk, fn_unit)
    assert (entry.status, entry.assigned_to, entry.instruction) == (
        IncomingEntry.Status.ASSIGNED_CLERK,
        tax_clerk,
        "proszę o wymiar",
    )
    actions = list(
        AuditEvent.objects.filter(object_type="documents.incomingentry", object_id=str(entry.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["documents.entry.assigned_unit", "documents.entry.assigned_clerk"]


def test_clerk_cannot_assign_and_nothing_is_written(tax_clerk, fn_unit):
    entry = IncomingEntryFactory()
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as exc:
        assign_to_unit(actor=tax_clerk, entry=entry, unit=fn_unit)
    assert exc.value.code == "forbidden"
    entry.refresh_from_db()
    assert entry.assigned_unit is None
    assert entry.assignments.count() == 0
    assert AuditEvent.objects.count() == before


def test_head_cannot_assign_to_a_clerk_outside_his_units(registry_clerk, head, fn_unit, so_clerk):
    entry = IncomingEntryFactory()
    assign_to_unit(actor=registry_clerk, entry=entry, unit=fn_unit)
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError, match=r"nie pracuje w komórce|does not work in a unit"):
        assign_to_clerk(actor=head, entry=entry, clerk=so_clerk)
    entry.refresh_from_db()
    assert entry.assigned_to is None
    assert entry.assignments.count() == 1
    assert AuditEvent.objects.count() == before


def test_head_of_another_unit_cannot_assign(make_user, registry_clerk, fn_unit, so_unit, tax_clerk):
    other_head = make_user(roles.HEAD_OF_UNIT, username="kierownik-so", org_unit=so_unit)
    so_unit.head = other_head
    so_unit.save()
    entry = IncomingEntryFactory()
    assign_to_unit(actor=registry_clerk, entry=entry, unit=fn_unit)
    with pytest.raises(ApplicationError):
        assign_to_clerk(actor=other_head, entry=entry, clerk=tax_clerk)
    with pytest.raises(ApplicationError):
        assign_to_unit(actor=other_head, entry=entry, unit=so_unit)


def test_clerk_level_needs_a_unit_first(head, tax_clerk):
    entry = IncomingEntryFactory()
    with pytest.raises(ApplicationError) as exc:
        assign_to_clerk(actor=head, entry=entry, clerk=tax_clerk)
    assert exc.value.code == "no_unit"


def test_head_passes_entry_on_to_the_right_unit(registry_clerk, head, fn_unit, so_unit):
    entry = IncomingEntryFactory()
    assign_to_unit(actor=registry_clerk, entry=entry, unit=fn_unit)
    assign_to_unit(actor=head, entry=entry, unit=so_unit, instruction="nie nasza właściwość")
    entry.refresh_from_db()
    assert entry.assigned_unit == so_unit
    assert [a.to_unit.symbol for a in entry.assignments.all()] == ["FN", "SO"]


def test_multi_level_assignment_levels_increase(registry_clerk, head, tax_clerk, make_user, pd_unit, fn_unit):
    colleague = make_user(roles.TAX_CLERK, username="referent-2", org_unit=pd_unit)
    entry = IncomingEntryFactory()
    assign_to_unit(actor=registry_clerk, entry=entry, unit=fn_unit)
    assign_to_clerk(actor=head, entry=entry, clerk=tax_clerk)
    third = assign_to_clerk(actor=head, entry=entry, clerk=colleague)
    assert third.level == 3
    entry.refresh_from_db()
    assert entry.assigned_to == colleague


def test_rules_assign_by_form_code(fn_unit, so_unit):
    AssignmentRule.objects.create(name="meldunki", form_code="ZGL-ZAM", unit=so_unit, order=1)
    rule = AssignmentRule.objects.create(name="IN-1 → FN", form_code="IN-1", unit=fn_unit, instruction="IN-1", order=2)
    entry = IncomingEntryFactory(form_code="in-1")
    assignment = assign_by_rules(entry=entry)
    assert assignment.rule == rule
    assert assignment.level == 1
    assert assignment.by_user is None
    entry.refresh_from_db()
    assert (entry.assigned_unit, entry.status) == (fn_unit, IncomingEntry.Status.ASSIGNED_UNIT)
    event = AuditEvent.objects.get(action="documents.entry.assigned_unit", object_id=str(entry.pk))
    assert event.actor_label == "system:dekretacja"
    assert event.details["rule"] == "IN-1 → FN"
    assert assign_by_rules(entry=entry) is None  # idempotent
    assert entry.assignments.count() == 1


def test_rules_skip_inactive_and_conditionless_rules(fn_unit):
    AssignmentRule.objects.create(name="wyłączona", form_code="IN-1", unit=fn_unit, is_active=False)
    AssignmentRule.objects.create(name="bez warunku", unit=fn_unit)
    entry = IncomingEntryFactory(form_code="IN-1", title="Informacja IN-1")
    assert assign_by_rules(entry=entry) is None
    entry.refresh_from_db()
    assert entry.assigned_unit is None
    assert entry.status == IncomingEntry.Status.REGISTERED


def test_rules_by_channel_and_title(fn_unit):
    AssignmentRule.objects.create(name="e-mail o podatkach", channel="email", title_contains="podatek", unit=fn_unit)
    paper = IncomingEntryFactory(title="Podatek od nieruchomości")
    assert assign_by_rules(entry=paper) is None
    email = IncomingEntryFactory(channel="email", title="PODATEK od nieruchomości — pytanie")
    assert assign_by_rules(entry=email).to_unit == fn_unit


def test_entry_in_a_case_cannot_be_reassigned(registry_clerk, fn_unit, tax_clerk):
    case = CaseFactory(unit=fn_unit, owner=tax_clerk)
    entry = IncomingEntryFactory(status=IncomingEntry.Status.IN_CASE, case=case)
    with pytest.raises(ApplicationError) as exc:
        assign_to_unit(actor=registry_clerk, entry=entry, unit=fn_unit)
    assert exc.value.code == "entry_in_case"


def test_case_reassign_by_head(head, tax_clerk, make_user, pd_unit, fn_unit):
    colleague = make_user(roles.TAX_CLERK, username="referent-3", org_unit=pd_unit)
    case = CaseFactory(unit=fn_unit, owner=tax_clerk)
    case_reassign(actor=head, case=case, clerk=colleague, reason="urlop")
    case.refresh_from_db()
    assert case.owner == colleague
    event = AuditEvent.objects.get(action="documents.case.reassigned")
    assert event.details == {
        "case_id": case.pk,
        "mark": case.mark,
        "from": "referent-pd",
        "to": "referent-3",
        "reason": "urlop",
    }


def test_case_reassign_refused_for_clerk_and_closed_case(head, tax_clerk, make_user, pd_unit, fn_unit):
    colleague = make_user(roles.TAX_CLERK, username="referent-4", org_unit=pd_unit)
    case = CaseFactory(unit=fn_unit, owner=tax_clerk)
    with pytest.raises(ApplicationError):
        case_reassign(actor=tax_clerk, case=case, clerk=colleague)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    with pytest.raises(ApplicationError) as exc:
        case_reassign(actor=head, case=case, clerk=colleague)
    assert exc.value.code == "case_closed"
    case.refresh_from_db()
    assert case.owner == tax_clerk


def test_priorities(head, tax_clerk, registry_clerk, fn_unit):
    case = CaseFactory(unit=fn_unit, owner=tax_clerk)
    case_set_priority(actor=head, case=case, priority=Priority.URGENT)
    case.refresh_from_db()
    assert case.priority == Priority.URGENT
    with pytest.raises(ApplicationError):
        case_set_priority(actor=tax_clerk, case=case, priority=Priority.LOW)
    with pytest.raises(ApplicationError) as exc:
        case_set_priority(actor=head, case=case, priority=99)
    assert exc.value.code == "invalid"
    entry = IncomingEntryFactory()
    assign_to_unit(actor=registry_clerk, entry=entry, unit=fn_unit)
    entry_set_priority(actor=head, entry=entry, priority=Priority.HIGH)
    entry.refresh_from_db()
    assert entry.priority == Priority.HIGH
