"""Reads of the documents app that other apps and the views use. Who sees what:

* cases — ``documents.view_all_cases``: every case; a head of unit (``supervise_unit``): the cases of the units
  he heads and their sub-units (and of his own unit); a clerk (``handle_case``): the cases he handles and those
  of his own unit.
* incoming entries — ``documents.view_register`` (registry desk): the whole register; otherwise the entries
  assigned to the user, to his unit, or to the units he supervises.

Opening a case or an entry with its documents (personal data) goes through ``access_case`` / ``access_entry``,
which check and log the read. A missing object and a forbidden one raise the same NotFoundOrForbidden.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from core.exceptions import NotFoundOrForbidden
from core.models import OrgUnit
from core.services.audit import audit_log
from documents.models import Case, IncomingEntry, OutgoingDocument


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def units_supervised_by(user) -> list[int]:
    """Ids of the units ``user`` supervises: those he heads (and, with supervise_unit, his own), with sub-units."""
    if not _active(user) or not user.has_perm("documents.supervise_unit"):
        return []
    roots = set(OrgUnit.objects.filter(head=user).values_list("pk", flat=True))
    if user.org_unit_id:
        roots.add(user.org_unit_id)
    result, frontier = set(roots), set(roots)
    while frontier:
        frontier = set(OrgUnit.objects.filter(parent__in=frontier).values_list("pk", flat=True)) - result
        result |= frontier
    return sorted(result)


def cases_visible_to(user) -> QuerySet[Case]:
    if not _active(user):
        return Case.objects.none()
    if user.has_perm("documents.view_all_cases"):
        return Case.objects.all()
    q = Q(pk__in=[])
    supervised = units_supervised_by(user)
    if supervised:
        q |= Q(unit_id__in=supervised)
    if user.has_perm("documents.handle_case"):
        q |= Q(owner=user)
        if user.org_unit_id:
            q |= Q(unit_id=user.org_unit_id)
    return Case.objects.filter(q)


def entries_visible_to(user) -> QuerySet[IncomingEntry]:
    if not _active(user):
        return IncomingEntry.objects.none()
    if user.has_perm("documents.view_register") or user.has_perm("documents.view_all_cases"):
        return IncomingEntry.objects.all()
    q = Q(assigned_to=user)
    supervised = units_supervised_by(user)
    if supervised:
        q |= Q(assigned_unit_id__in=supervised)
    if user.has_perm("documents.handle_case") and user.org_unit_id:
        q |= Q(assigned_unit_id=user.org_unit_id, assigned_to__isnull=True)
    return IncomingEntry.objects.filter(q)


def documents_visible_to(user) -> QuerySet[OutgoingDocument]:
    """Outgoing documents of visible cases, plus those the user must approve or sign."""
    if not _active(user):
        return OutgoingDocument.objects.none()
    return OutgoingDocument.objects.filter(
        Q(case__in=cases_visible_to(user)) | Q(approval_steps__approver=user)
    ).distinct()


def can_supervise(user, unit_id: int) -> bool:
    return unit_id in units_supervised_by(user)


def access_case(*, user, case_id: int, purpose: str = "") -> Case:
    case = cases_visible_to(user).select_related("unit", "jrwa", "owner").filter(pk=case_id).first()
    if case is None:
        raise NotFoundOrForbidden("not found")
    audit_log(actor=user, action="documents.case.viewed", obj=case, details={"purpose": purpose} if purpose else {})
    return case


def access_entry(*, user, entry_id: int, purpose: str = "") -> IncomingEntry:
    entry = (
        entries_visible_to(user).select_related("sender", "assigned_unit", "assigned_to").filter(pk=entry_id).first()
    )
    if entry is None:
        raise NotFoundOrForbidden("not found")
    audit_log(actor=user, action="documents.entry.viewed", obj=entry, details={"purpose": purpose} if purpose else {})
    return entry


def access_document(*, user, document_id: int, purpose: str = "") -> OutgoingDocument:
    """A visible outgoing document (``documents_visible_to``), the read logged with the case id (metryka)."""
    document = (
        documents_visible_to(user).select_related("case", "case__unit", "template").filter(pk=document_id).first()
    )
    if document is None:
        raise NotFoundOrForbidden("not found")
    details = {"case_id": document.case_id, "document": document.pk, "title": document.title}
    audit_log(
        actor=user,
        action="documents.document.viewed",
        obj=document,
        details={**details, "purpose": purpose} if purpose else details,
    )
    return document
