"""The clerk's inbox ordering, deadline states and the deadline report counts around weekends and holidays."""

import datetime

import pytest

from core import roles
from core.models import AuditEvent
from documents.models import Case, IncomingEntry, Priority
from documents.services.reports import (
    clerk_inbox,
    deadline_report,
    horizon_for,
    nth_working_day_after,
    previous_working_day,
)
from tests.factories import CaseFactory, IncomingEntryFactory, OrgUnitFactory

pytestmark = pytest.mark.django_db

D = datetime.date
# 31.12.2025 (Wed); 1.01 holiday; 2.01 Fri; 5.01 Mon; 6.01 holiday (Epiphany); 7.01 Wed
NEW_YEAR_EVE = D(2025, 12, 31)


def test_working_day_arithmetic_skips_weekends_and_holidays():
    holidays = {D(2026, 1, 1), D(2026, 1, 6)}
    assert nth_working_day_after(NEW_YEAR_EVE, 1, holidays) == D(2026, 1, 2)
    assert nth_working_day_after(NEW_YEAR_EVE, 2, holidays) == D(2026, 1, 5)
    assert nth_working_day_after(NEW_YEAR_EVE, 3, holidays) == D(2026, 1, 7)
    assert nth_working_day_after(NEW_YEAR_EVE, 0, holidays) == NEW_YEAR_EVE
    assert previous_working_day(D(2026, 1, 7), holidays) == D(2026, 1, 5)
    assert previous_working_day(D(2026, 1, 5), holidays) == D(2026, 1, 2)


def test_horizon_reads_shipped_holidays():
    # 24.12.2025 is a holiday from 2025 on, then 25 and 26 December.
    assert horizon_for(D(2025, 12, 23), 1) == D(2025, 12, 29)
    assert horizon_for(NEW_YEAR_EVE, 3) == D(2026, 1, 7)


def test_inbox_sorted_by_priority_then_due_date(tax_clerk, pd_unit, jrwa_3120):
    day = D(2026, 3, 10)
    low = CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, due_date=D(2026, 3, 1), priority=Priority.LOW)
    late = CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, due_date=D(2026, 4, 1), priority=Priority.HIGH)
    early = CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, due_date=D(2026, 3, 12), priority=Priority.HIGH)
    nodue = CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, due_date=None, priority=Priority.HIGH)
    CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, status=Case.Status.CLOSED)
    suspended = CaseFactory(
        unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, due_date=D(2026, 3, 2), status=Case.Status.SUSPENDED
    )
    entry = IncomingEntryFactory(
        assigned_unit=pd_unit, assigned_to=tax_clerk, status=IncomingEntry.Status.ASSIGNED_CLERK, due_date=day
    )
    IncomingEntryFactory(assigned_unit=pd_unit, assigned_to=tax_clerk, status=IncomingEntry.Status.IN_CASE)

    inbox = clerk_inbox(clerk=tax_clerk, day=day)

    assert [i.obj for i in inbox.cases] == [early, late, nodue, suspended, low]
    assert [(i.days_left, i.state) for i in inbox.cases] == [
        (2, "due_soon"),
        (22, "later"),
        (None, "none"),
        (-8, "stopped"),
        (-9, "overdue"),
    ]
    assert [i.obj for i in inbox.entries] == [entry]
    assert inbox.entries[0].state == "due_today"
    assert inbox.counters == {"entries": 1, "cases": 5, "overdue": 1, "due_today": 1, "due_soon": 1}


def test_deadline_report_counts_around_new_year(head, tax_clerk, fn_unit, pd_unit, jrwa_3120, make_user):
    other_clerk = make_user(roles.TAX_CLERK, username="referent-fn", org_unit=fn_unit, last_name="Aaa")

    def case(owner, unit, due, **kw):
        return CaseFactory(unit=unit, jrwa=jrwa_3120, owner=owner, due_date=due, **kw)

    case(tax_clerk, pd_unit, D(2025, 12, 30))  # overdue
    case(tax_clerk, pd_unit, D(2025, 12, 31))  # due today
    case(tax_clerk, pd_unit, D(2026, 1, 7))  # 3rd working day after: due soon
    case(tax_clerk, pd_unit, D(2026, 1, 8))  # beyond the horizon
    case(tax_clerk, pd_unit, D(2025, 12, 1), status=Case.Status.SUSPENDED)  # time not running
    case(tax_clerk, pd_unit, D(2025, 12, 1), status=Case.Status.CLOSED)
    case(other_clerk, fn_unit, D(2025, 12, 29))  # overdue
    case(other_clerk, fn_unit, D(2026, 1, 2), status=Case.Status.REOPENED)  # due soon
    so = OrgUnitFactory(symbol="SO", name="Spraw Obywatelskich")
    outsider = make_user(roles.POPULATION_CLERK, username="so-clerk", org_unit=so)
    case(outsider, so, D(2025, 12, 1))  # not the head's unit

    events_before = AuditEvent.objects.count()
    report = deadline_report(user=head, day=NEW_YEAR_EVE)

    assert report.horizon == D(2026, 1, 7)
    assert [(r.label, r.overdue, r.due_today, r.due_soon) for r in report.by_unit] == [
        (str(fn_unit), 1, 0, 1),
        (str(pd_unit), 1, 1, 1),
    ]
    assert [(r.key, r.overdue, r.due_within) for r in report.by_clerk] == [
        (other_clerk.pk, 1, 1),
        (tax_clerk.pk, 1, 2),
    ]
    assert report.totals == {"overdue": 2, "due_today": 1, "due_soon": 2}

    one_day = deadline_report(user=head, day=NEW_YEAR_EVE, horizon_days=1)
    assert one_day.horizon == D(2026, 1, 2)
    assert one_day.totals == {"overdue": 2, "due_today": 1, "due_soon": 1}

    admin = make_user(roles.ADMINISTRATOR, username="admin-r")
    assert deadline_report(user=admin, day=NEW_YEAR_EVE).totals["overdue"] == 3
    assert AuditEvent.objects.count() == events_before  # a report writes nothing


def test_deadline_report_empty_for_a_clerk_without_supervision(tax_clerk, pd_unit, jrwa_3120):
    CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, due_date=D(2025, 12, 1))
    assert deadline_report(user=tax_clerk, day=NEW_YEAR_EVE).cases == []
