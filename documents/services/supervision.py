"""Supervision by a head of unit: the unit's queue, the clerks he supervises, a clerk's queue "as the clerk".

Reads only; the actions (re-assigning a case, priorities) are the dekretacja services in
:mod:`documents.services.assignment`. Viewing a clerk's queue is logged (``documents.queue.viewed_as``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet

from core.exceptions import NotFoundOrForbidden
from core.services.audit import audit_log
from documents.models import Case, IncomingEntry
from documents.selectors import cases_visible_to, entries_visible_to, units_supervised_by
from documents.services.reports import INBOX_CASE_STATUSES, Inbox, by_priority_and_due, clerk_inbox


def _handlers_q() -> Q:
    perm = Permission.objects.filter(content_type__app_label="documents", codename="handle_case").first()
    if perm is None:
        return Q(pk__in=[])
    return Q(groups__permissions=perm) | Q(user_permissions=perm) | Q(is_superuser=True)


def clerks_supervised_by(user) -> QuerySet:
    """Active users able to handle cases (``handle_case``) in the units ``user`` supervises."""
    units = units_supervised_by(user)
    if not units:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(_handlers_q(), is_active=True, org_unit_id__in=units)
        .select_related("org_unit")
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


@dataclass
class Queue:
    cases: QuerySet[Case]
    entries: QuerySet[IncomingEntry]


def unit_queue(*, user, unit_id: int | None = None, clerk_id: int | None = None) -> Queue:
    """Every open case and every letter not yet in a case of the units ``user`` supervises, by priority and due date.

    ``unit_id`` outside the supervised units gives an empty queue (never another unit's)."""
    units = units_supervised_by(user)
    if unit_id:
        units = [u for u in units if u == unit_id]
    cases = cases_visible_to(user).filter(unit_id__in=units, status__in=INBOX_CASE_STATUSES)
    entries = (
        entries_visible_to(user)
        .filter(assigned_unit_id__in=units, case__isnull=True)
        .exclude(status__in=(IncomingEntry.Status.IN_CASE, IncomingEntry.Status.CLOSED))
    )
    if clerk_id:
        cases = cases.filter(owner_id=clerk_id)
        entries = entries.filter(assigned_to_id=clerk_id)
    return Queue(
        cases=by_priority_and_due(cases.select_related("unit", "owner", "jrwa")),
        entries=by_priority_and_due(entries.select_related("assigned_unit", "assigned_to", "sender")),
    )


def access_queue_as(*, viewer, clerk_id: int) -> Inbox:
    """The queue of a clerk of a supervised unit, as he sees it (read-only for the viewer); logged.

    A clerk outside the supervised units, an unknown id, or a viewer supervising nothing: NotFoundOrForbidden.
    Cases are limited to those the viewer may see anyway."""
    clerk = clerks_supervised_by(viewer).filter(pk=clerk_id).first()
    if clerk is None:
        raise NotFoundOrForbidden("not found")
    inbox = clerk_inbox(clerk=clerk, within=cases_visible_to(viewer))
    audit_log(
        actor=viewer,
        action="documents.queue.viewed_as",
        obj=clerk,
        details={"clerk": clerk.get_username(), "entries": len(inbox.entries), "cases": len(inbox.cases)},
    )
    return inbox


def report_clerks(user) -> QuerySet:
    """The clerks a deadline report may be filtered by: every case handler for view_all_cases, else the supervised."""
    if user.has_perm("documents.view_all_cases"):
        return (
            get_user_model()
            .objects.filter(_handlers_q(), is_active=True)
            .select_related("org_unit")
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
    return clerks_supervised_by(user)
