"""Reads for the clerk's inbox and the deadline reports (overdue / due soon), per unit and per clerk.

Read-only: no writes, no audit events (the lists show marks, titles and dates, not the letters' contents).
Days are counted in calendar days (``days_left``); "due soon" means within the next N *working* days
(Saturdays, Sundays and :class:`core.models.PublicHoliday` rows do not count), the day itself included.
Suspended cases are listed in the inbox but never counted as overdue (the time limit does not run, KPA art. 35 §5).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import F, QuerySet
from django.utils import timezone

from core.domain.calendar import is_working_day
from core.models import OrgUnit
from core.selectors import holidays_between
from documents.models import Case, IncomingEntry
from documents.selectors import cases_visible_to, units_supervised_by

INBOX_CASE_STATUSES = (Case.Status.OPEN, Case.Status.SUSPENDED, Case.Status.REOPENED)
RUNNING_CASE_STATUSES = (Case.Status.OPEN, Case.Status.REOPENED)
DEFAULT_HORIZON = 3
MAX_HORIZON = 60

OVERDUE, DUE_TODAY, DUE_SOON, LATER, NO_DUE, STOPPED = "overdue", "due_today", "due_soon", "later", "none", "stopped"


# --- pure day arithmetic ---------------------------------------------------------------------------------------


def nth_working_day_after(day: datetime.date, n: int, holidays) -> datetime.date:
    """The n-th working day after ``day`` (``day`` itself for n = 0)."""
    while n > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day, holidays):
            n -= 1
    return day


def previous_working_day(day: datetime.date, holidays) -> datetime.date:
    day -= datetime.timedelta(days=1)
    while not is_working_day(day, holidays):
        day -= datetime.timedelta(days=1)
    return day


def deadline_state(due: datetime.date | None, day: datetime.date, horizon: datetime.date, running: bool = True) -> str:
    if not running:
        return STOPPED
    if due is None:
        return NO_DUE
    if due < day:
        return OVERDUE
    if due == day:
        return DUE_TODAY
    if due <= horizon:
        return DUE_SOON
    return LATER


def horizon_for(day: datetime.date, n: int = DEFAULT_HORIZON) -> datetime.date:
    """The last day of "due soon": the n-th working day after ``day`` (reads the public holidays)."""
    holidays = holidays_between(day, day + datetime.timedelta(days=2 * n + 31))
    return nth_working_day_after(day, n, holidays)


def today() -> datetime.date:
    return timezone.localdate()


# --- the inbox -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxItem:
    kind: str  # "entry" | "case"
    obj: IncomingEntry | Case
    due_date: datetime.date | None
    days_left: int | None
    state: str
    priority: int

    @property
    def overdue(self) -> bool:
        return self.state == OVERDUE

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0


@dataclass
class Inbox:
    clerk: object
    day: datetime.date
    horizon: datetime.date
    entries: list[InboxItem] = field(default_factory=list)
    cases: list[InboxItem] = field(default_factory=list)

    def _count(self, state: str) -> int:
        return sum(1 for i in self.entries + self.cases if i.state == state)

    @property
    def counters(self) -> dict[str, int]:
        return {
            "entries": len(self.entries),
            "cases": len(self.cases),
            "overdue": self._count(OVERDUE),
            "due_today": self._count(DUE_TODAY),
            "due_soon": self._count(DUE_SOON),
        }


def by_priority_and_due(qs: QuerySet) -> QuerySet:
    return qs.order_by("-priority", F("due_date").asc(nulls_last=True), "pk")


def _item(kind, obj, day, horizon, running=True) -> InboxItem:
    due = obj.due_date
    return InboxItem(
        kind=kind,
        obj=obj,
        due_date=due,
        days_left=(due - day).days if due else None,
        state=deadline_state(due, day, horizon, running),
        priority=obj.priority,
    )


def clerk_entries(clerk) -> QuerySet[IncomingEntry]:
    """Letters assigned to the clerk and not yet in a case."""
    return by_priority_and_due(
        IncomingEntry.objects.filter(assigned_to=clerk, case__isnull=True)
        .exclude(status__in=(IncomingEntry.Status.IN_CASE, IncomingEntry.Status.CLOSED))
        .select_related("sender", "assigned_unit", "assigned_to")
    )


def clerk_cases(clerk) -> QuerySet[Case]:
    return by_priority_and_due(
        Case.objects.filter(owner=clerk, status__in=INBOX_CASE_STATUSES).select_related("unit", "jrwa", "owner")
    )


def clerk_inbox(*, clerk, day: datetime.date | None = None, within: QuerySet[Case] | None = None) -> Inbox:
    """The clerk's own queue: his letters (not yet in a case) and his open / suspended / re-opened cases,
    each list by priority (highest first), then due date (earliest first, none last).

    ``within`` restricts the cases to a queryset (a supervisor sees only cases he may see)."""
    day = day or today()
    horizon = horizon_for(day)
    cases = clerk_cases(clerk)
    if within is not None:
        cases = cases.filter(pk__in=within.values("pk"))
    inbox = Inbox(clerk=clerk, day=day, horizon=horizon)
    inbox.entries = [_item("entry", e, day, horizon) for e in clerk_entries(clerk)]
    inbox.cases = [_item("case", c, day, horizon, c.status in RUNNING_CASE_STATUSES) for c in cases]
    return inbox


# --- deadline reports ------------------------------------------------------------------------------------------


@dataclass
class DeadlineRow:
    key: int
    label: str
    overdue: int = 0
    due_today: int = 0
    due_soon: int = 0

    @property
    def due_within(self) -> int:
        return self.due_today + self.due_soon


@dataclass
class DeadlineReport:
    day: datetime.date
    horizon_days: int
    horizon: datetime.date
    cases: list[InboxItem] = field(default_factory=list)
    by_unit: list[DeadlineRow] = field(default_factory=list)
    by_clerk: list[DeadlineRow] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        return {
            "overdue": sum(r.overdue for r in self.by_unit),
            "due_today": sum(r.due_today for r in self.by_unit),
            "due_soon": sum(r.due_soon for r in self.by_unit),
        }


def report_scope(user) -> QuerySet[Case]:
    """The cases a deadline report may cover: all for view_all_cases, else the supervised units' cases."""
    if not (user and user.is_authenticated and user.is_active):
        return Case.objects.none()
    if user.has_perm("documents.view_all_cases"):
        return Case.objects.all()
    units = units_supervised_by(user)
    if not units:
        return Case.objects.none()
    return cases_visible_to(user).filter(unit_id__in=units)


def deadline_report(
    *,
    user,
    day: datetime.date | None = None,
    horizon_days: int = DEFAULT_HORIZON,
    unit_id: int | None = None,
    clerk_id: int | None = None,
) -> DeadlineReport:
    """Running cases (open, re-opened) overdue on ``day`` or due by the ``horizon_days``-th working day after it."""
    day = day or today()
    horizon_days = max(0, min(int(horizon_days), MAX_HORIZON))
    horizon = horizon_for(day, horizon_days)
    qs = report_scope(user).filter(status__in=RUNNING_CASE_STATUSES, due_date__isnull=False, due_date__lte=horizon)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if clerk_id:
        qs = qs.filter(owner_id=clerk_id)
    qs = qs.select_related("unit", "owner", "jrwa").order_by("due_date", "-priority", "mark")
    report = DeadlineReport(day=day, horizon_days=horizon_days, horizon=horizon)
    units: dict[int, DeadlineRow] = {}
    clerks: dict[int, DeadlineRow] = {}
    for case in qs:
        item = _item("case", case, day, horizon)
        report.cases.append(item)
        unit_row = units.setdefault(case.unit_id, DeadlineRow(case.unit_id, str(case.unit)))
        clerk_row = clerks.setdefault(case.owner_id, DeadlineRow(case.owner_id, case.owner.display_name))
        for row in (unit_row, clerk_row):
            setattr(row, item.state, getattr(row, item.state) + 1)
    report.by_unit = sorted(units.values(), key=lambda r: r.label)
    report.by_clerk = sorted(clerks.values(), key=lambda r: r.label)
    return report


def report_units(user) -> QuerySet[OrgUnit]:
    if user.has_perm("documents.view_all_cases"):
        return OrgUnit.objects.filter(is_active=True)
    return OrgUnit.objects.filter(pk__in=units_supervised_by(user))
