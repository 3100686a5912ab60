"""The spis spraw (register of cases per JRWA class, year and unit) and the metryka sprawy (KPA art. 66a).

The metryka is generated from the audit trail: every event whose object is the case, every event carrying
``details["case_id"] == case.pk`` (documents, approvals, signatures, dispatch, receipts) and the events of the
letters in the case (registration, dekretacja, reads). An action without a label here is shown with a generic
label and its code — never hidden.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.models import AuditEvent
from core.pdf import render_pdf
from documents.models import Case, IncomingEntry, JrwaClass

ACTION_LABELS = {
    "documents.case.opened": gettext_lazy("opened the case"),
    "documents.case.viewed": gettext_lazy("read the case"),
    "documents.entry.viewed": gettext_lazy("read the letter"),
    "documents.document.viewed": gettext_lazy("read the document"),
    "documents.entry.registered": gettext_lazy("registered the letter"),
    "documents.entry.assigned_unit": gettext_lazy("assigned to the unit"),
    "documents.entry.assigned_clerk": gettext_lazy("assigned to the clerk"),
    "documents.entry.priority": gettext_lazy("changed the priority"),
    "documents.case.reassigned": gettext_lazy("assigned the case to another clerk"),
    "documents.case.priority": gettext_lazy("changed the priority"),
    "documents.case.entry_attached": gettext_lazy("attached a letter to the case"),
    "documents.case.party_added": gettext_lazy("added a party"),
    "documents.document.drafted": gettext_lazy("prepared a draft"),
    "documents.document.handed_over": gettext_lazy("handed over a document"),
    "documents.document.version_added": gettext_lazy("prepared a new version of the draft"),
    "documents.document.submitted": gettext_lazy("submitted for approval"),
    "documents.document.approved": gettext_lazy("approved"),
    "documents.approval.approved": gettext_lazy("approved"),
    "documents.document.returned": gettext_lazy("returned for correction"),
    "documents.approval.returned": gettext_lazy("returned for correction"),
    "documents.document.reopened": gettext_lazy("returned the draft for editing"),
    "documents.document.cancelled": gettext_lazy("cancelled the document"),
    "documents.document.signed": gettext_lazy("signed"),
    "documents.document.dispatched": gettext_lazy("sent"),
    "documents.shipment.registered": gettext_lazy("sent"),
    "documents.receipt.attached": gettext_lazy("delivered"),
    "documents.case.suspended": gettext_lazy("suspended the case"),
    "documents.case.resumed": gettext_lazy("resumed the case"),
    "documents.case.closed": gettext_lazy("closed the case"),
    "documents.case.reopened": gettext_lazy("re-opened the case"),
    "documents.case.reclassified": gettext_lazy("changed the classification"),
    "documents.case.archive_listed": gettext_lazy("put on a hand-over list"),
    "documents.case.archived": gettext_lazy("handed over to the office archive"),
    "documents.case.disposal_listed": gettext_lazy("put on a disposal list"),
    "documents.case.disposed": gettext_lazy("disposed of"),
    "documents.case.package_exported": gettext_lazy("exported the archival package"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else _("other action (%(action)s)") % {"action": action}


# --- metryka -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetrykaRow:
    lp: int
    person: str
    at: datetime.datetime
    activity: str
    action: str
    document: str


@dataclass
class Metryka:
    case: Case
    rows: list[MetrykaRow] = field(default_factory=list)


def case_events(case: Case):
    """The audit events of a case (see the module doc), oldest first."""
    entries = {str(pk): rpw for pk, rpw in _entry_numbers(case).items()}
    q = Q(object_type="documents.case", object_id=str(case.pk)) | Q(details__case_id=case.pk)
    if entries:
        q |= Q(object_type="documents.incomingentry", object_id__in=list(entries))
    return AuditEvent.objects.filter(q).select_related("actor").order_by("seq"), entries


def _entry_numbers(case: Case) -> dict[int, str]:
    return {e.pk: e.rpw_number for e in IncomingEntry.objects.filter(case=case).only("pk", "year", "number")}


def metryka(*, case: Case) -> Metryka:
    """The metryka of a case the caller has already opened through ``access_case`` (which logged the read)."""
    events, entries = case_events(case)
    result = Metryka(case=case)
    for lp, event in enumerate(events, start=1):
        details = event.details if isinstance(event.details, dict) else {}
        document = str(details.get("document") or "")
        if not document and event.object_type == "documents.incomingentry":
            document = entries.get(event.object_id, "")
        person = event.actor.get_full_name() if event.actor else ""
        result.rows.append(
            MetrykaRow(
                lp=lp,
                person=person or event.actor_label,
                at=timezone.localtime(event.occurred_at),
                activity=action_label(event.action),
                action=event.action,
                document=document,
            )
        )
    return result


# --- spis spraw --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpisRow:
    lp: int
    mark: str
    title: str
    sender: str
    letter_reference: str
    letter_date: datetime.date | None
    opened_on: datetime.date
    closed_on: datetime.date | None
    remarks: str


@dataclass
class SpisSpraw:
    unit: object
    jrwa: JrwaClass
    year: int
    rows: list[SpisRow] = field(default_factory=list)


def spis_spraw(*, cases, unit, jrwa: JrwaClass, year: int) -> SpisSpraw:
    """The spis spraw of ``jrwa`` in ``unit`` for ``year`` over ``cases`` (the caller's visible cases)."""
    qs = cases.filter(unit=unit, jrwa=jrwa, year=year).select_related("origin_entry__sender").order_by("number")
    result = SpisSpraw(unit=unit, jrwa=jrwa, year=year)
    for case in qs:
        entry = case.origin_entry
        remarks = []
        if case.closing_manner:
            remarks.append(str(Case.ClosingManner(case.closing_manner).label))
        if case.status == Case.Status.SUSPENDED:
            remarks.append(_("suspended"))
        if case.previous_marks:
            remarks.append(_("previous mark: %(marks)s") % {"marks": ", ".join(case.previous_marks)})
        result.rows.append(
            SpisRow(
                lp=case.number,
                mark=case.mark,
                title=case.title,
                sender=(entry.sender.display_name if entry else ""),
                letter_reference=(entry.letter_reference if entry else ""),
                letter_date=(entry.letter_date if entry else None),
                opened_on=case.opened_on,
                closed_on=case.closed_on,
                remarks="; ".join(remarks),
            )
        )
    return result


# --- PDF ---------------------------------------------------------------------------------------------------


def metryka_pdf(report: Metryka) -> bytes:
    with translation.override("pl"):
        html = render_to_string("documents/cases/pdf_metryka.html", {"metryka": report, "case": report.case})
    return render_pdf(html)


def spis_spraw_pdf(report: SpisSpraw) -> bytes:
    with translation.override("pl"):
        html = render_to_string("documents/cases/pdf_spis_spraw.html", {"spis": report})
    return render_pdf(html)
