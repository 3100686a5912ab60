"""The "My data" export (issue 10 point 7, RODO art. 15): everything the office holds about a resident as a ZIP.

The ZIP holds one JSON file per area (party data, residents register, tax objects, declarations, decisions, account
history, cases and letters, consents, the log of who accessed the data) plus the PDFs of the decisions and letters
the office sent, and a ``README.txt`` in Polish describing the files. Everything is read for the resident's own party
only — the function never takes an id from a request.

Where the owning app has a portal selector, it is used (``core.selectors_portal``, ``population.selectors_portal``,
``finance.selectors``). The taxes, finance entries and documents reads below are this module's own, because the
portal selectors of those apps (``taxes/finance/documents.selectors_portal``) were being written at the same time;
each read is filtered by the party and is set-based (a bounded number of queries).
"""

from __future__ import annotations

import datetime
import io
import json
import re
import zipfile
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from core import selectors_portal as core_sel
from core.models import Party
from core.services.audit import audit_log
from documents.models import Case, DocumentVersion, OutgoingDocument, Shipment
from finance import selectors as finance_sel
from finance.models import AccountEntry
from population import selectors_portal as population_sel
from portal.models import Notification, NotificationConsent
from taxes.models import (
    Decision,
    DecisionInstallment,
    DecisionItem,
    Declaration,
    Liability,
    ObjectVersion,
    WasteDecision,
    WasteDeclaration,
)
from taxes.selectors_portal import decisions_visible_to, waste_decisions_visible_to

ACCESS_LOG_LIMIT = 5000
# Letters and decisions the resident may receive: signed (handed over for dispatch) or dispatched. Drafts and
# documents in approval are the office's working papers, not yet "held about" the resident as sent letters.
SENT_STATUSES = (OutgoingDocument.Status.SIGNED, OutgoingDocument.Status.DISPATCHED)


@dataclass
class Export:
    """The sections of the export (JSON-ready) and the PDFs to put beside them."""

    generated_at: datetime.datetime
    sections: dict[str, object] = field(default_factory=dict)
    pdfs: dict[str, bytes] = field(default_factory=dict)  # path in the ZIP → content
    document_files: dict[int, str] = field(default_factory=dict)  # outgoing document id → its PDF's path


def _iso(value):
    return value.isoformat() if value else None


def _safe(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z._-]+", "_", text).strip("_") or "dokument"


# --- taxes -------------------------------------------------------------------------------------------------------


def _tax_objects(party: Party) -> list[dict]:
    liabilities = (
        Liability.objects.filter(party=party)
        .select_related("object__address")
        .prefetch_related(
            Prefetch(
                "object__versions",
                queryset=ObjectVersion.objects.select_related("category").order_by("valid_from", "pk"),
            )
        )
        .order_by("object_id", "valid_from", "pk")
    )
    rows = []
    for li in liabilities:
        obj = li.object
        rows.append(
            {
                "object_id": obj.pk,
                "kind": obj.get_kind_display(),
                "precinct": obj.precinct,
                "parcel": obj.parcel,
                "identifier": obj.identifier,
                "address": obj.address.one_line if obj.address_id else "",
                "description": obj.description,
                "role": li.get_role_display(),
                "share": f"{li.share_numerator}/{li.share_denominator}",
                "valid_from": _iso(li.valid_from),
                "valid_to": _iso(li.valid_to),
                "versions": [
                    {
                        "valid_from": _iso(v.valid_from),
                        "valid_to": _iso(v.valid_to),
                        "category": str(v.category),
                        "area": v.area,
                        "value": v.value,
                        "land_type": v.land_type,
                        "land_class": v.land_class,
                    }
                    for v in obj.versions.all()
                ],
            }
        )
    return rows


def _declarations(party: Party) -> dict:
    taxes = [
        {
            "id": d.pk,
            "form": d.form,
            "purpose": d.get_purpose_display(),
            "year": d.year,
            "filed_on": _iso(d.filed_on),
            "event_date": _iso(d.event_date),
            "status": d.get_status_display(),
            "late": d.late,
            "content": d.payload,
            "why_rejected": d.decision_reason,
        }
        for d in Declaration.objects.filter(party=party).order_by("-filed_on", "-pk")
    ]
    waste = [
        {
            "id": d.pk,
            "number": d.number,
            "property": d.property.identifier,
            "address": d.property.address.one_line,
            "filed_on": _iso(d.filed_on),
            "effective_from": _iso(d.effective_from),
            "purpose": d.get_purpose_display(),
            "status": d.get_status_display(),
            "method": d.get_method_display() if d.method else "",
            "residents": d.residents,
            "water_m3": d.water_m3,
            "dwelling_m2": d.dwelling_m2,
            "households": d.households,
            "selective": d.selective,
            "composts": d.composts,
            "exemptions": d.exemption_codes,
            "containers": d.containers,
        }
        for d in WasteDeclaration.objects.filter(payer=party)
        .exclude(purpose=WasteDeclaration.Purpose.DECISION)
        .select_related("property__address")
        .order_by("-filed_on", "-pk")
    ]
    return {"taxes": taxes, "waste_fee": waste}


LETTERS_VISIBLE = (Shipment.Status.SENT, Shipment.Status.DELIVERED, Shipment.Status.DEEMED_DELIVERED,
                   Shipment.Status.RETURNED)  # fmt: skip
LETTERS_DELIVERED = (Shipment.Status.DELIVERED, Shipment.Status.DEEMED_DELIVERED)


def _latest_pdfs(document_ids: set[int]) -> dict[int, bytes]:
    """The PDF of the newest version of each outgoing document that was signed or dispatched."""
    if not document_ids:
        return {}
    sent = set(
        OutgoingDocument.objects.filter(pk__in=document_ids, status__in=SENT_STATUSES).values_list("pk", flat=True)
    )
    found: dict[int, bytes] = {}
    for doc_id, pdf in (
        DocumentVersion.objects.filter(document_id__in=sent)
        .order_by("document_id", "-number")
        .values_list("document_id", "pdf")
    ):
        if doc_id not in found and pdf:
            found[doc_id] = bytes(pdf)
    return found


def _decisions(party: Party, export: Export) -> dict:
    decisions = list(
        Decision.objects.filter(pk__in=decisions_visible_to(party).values("pk"))  # delivered ones only (as the pages)
        .select_related("party")
        .prefetch_related(
            Prefetch("items", queryset=DecisionItem.objects.select_related("object").order_by("tax", "pk")),
            Prefetch("installments", queryset=DecisionInstallment.objects.order_by("number")),
            "taxes",
        )
        .order_by("-year", "-issue_date", "-pk")
    )
    waste = list(
        WasteDecision.objects.filter(pk__in=waste_decisions_visible_to(party).values("pk"))
        .select_related("property__address")
        .order_by("-issue_date", "-pk")
    )
    pdfs = _latest_pdfs(
        {d.document_id for d in decisions if d.document_id} | {w.document_id for w in waste if w.document_id}
    )
    tax_rows = []
    for d in decisions:
        pdf_name = ""
        if d.document_id in pdfs:
            pdf_name = f"pdf/decyzja-{d.pk}-{_safe(d.number or str(d.year))}.pdf"
            export.pdfs[pdf_name] = pdfs[d.document_id]
            export.document_files[d.document_id] = pdf_name
        tax_rows.append(
            {
                "id": d.pk,
                "number": d.number,
                "kind": d.get_kind_display(),
                "year": d.year,
                "addressee": d.party.display_name,
                "jointly_liable": d.party_id != party.pk,
                "period_from": _iso(d.period_from),
                "period_to": _iso(d.period_to),
                "issue_date": _iso(d.issue_date),
                "status": d.get_status_display(),
                "delivered_on": _iso(d.delivered_on),
                "final_on": _iso(d.final_on),
                "total": d.total,
                "bank_account": d.bank_account,
                "taxes": [{"tax": t.get_tax_display(), "amount": t.amount} for t in d.taxes.all()],
                "computation": [
                    {
                        "tax": i.get_tax_display(),
                        "object": str(i.object.identifier or i.object.parcel or i.object.pk),
                        "category": i.category,
                        "base": i.base,
                        "rate": i.rate,
                        "months": i.months,
                        "share": i.share,
                        "amount": i.amount,
                    }
                    for i in d.items.all()
                ],
                "installments": [
                    {
                        "number": i.number,
                        "due_date": _iso(i.due_date),
                        "effective_due_date": _iso(i.effective_due_date),
                        "amount": i.amount,
                    }
                    for i in d.installments.all()
                ],
                "pdf": pdf_name,
            }
        )
    waste_rows = []
    for w in waste:
        pdf_name = ""
        if w.document_id in pdfs:
            pdf_name = f"pdf/decyzja-odpady-{w.pk}-{_safe(w.number)}.pdf"
            export.pdfs[pdf_name] = pdfs[w.document_id]
            export.document_files[w.document_id] = pdf_name
        waste_rows.append(
            {
                "id": w.pk,
                "number": w.number,
                "property": w.property.identifier,
                "address": w.property.address.one_line,
                "effective_from": _iso(w.effective_from),
                "method": w.get_method_display() if w.method else "",
                "residents": w.residents,
                "monthly_fee": w.monthly_fee,
                "estimated": w.estimated,
                "justification": w.justification,
                "status": w.get_status_display(),
                "issue_date": _iso(w.issue_date),
                "delivered_on": _iso(w.delivered_on),
                "pdf": pdf_name,
            }
        )
    return {
        "taxes": tax_rows,
        "waste_fee": waste_rows,
        "_ids": [d.pk for d in decisions],
        "_waste_ids": [w.pk for w in waste],
    }


# --- finance -----------------------------------------------------------------------------------------------------


def _accounts(party: Party, today: datetime.date) -> list[dict]:
    accounts = finance_sel.party_accounts(party)
    states = finance_sel.account_states(accounts, as_of=today)
    entries: dict[int, list[dict]] = {}
    for e in (
        AccountEntry.objects.filter(account__in=accounts)
        .select_related("installment", "payment")
        .order_by("account_id", "value_date", "pk")
    ):
        entries.setdefault(e.account_id, []).append(
            {
                "value_date": _iso(e.value_date),
                "booked_on": _iso(e.booked_on),
                "kind": e.get_kind_display(),
                "component": e.get_component_display(),
                "amount": e.amount,
                "installment": e.installment.number if e.installment_id else None,
                "payment_date": _iso(e.payment.payment_date) if e.payment_id else None,
                "description": e.description,
            }
        )
    rows = []
    for account in accounts:
        state = states[account.pk]
        rows.append(
            {
                "id": account.pk,
                "receivable": account.receivable_type.name,
                "year": account.year,
                "as_obligor": account.party_id == party.pk,
                "balance_on": today.isoformat(),
                "principal_due": state.principal,
                "arrears": state.arrears,
                "interest_to_date": state.interest,
                "reminder_costs": state.costs,
                "overpayment": state.overpayment,
                "installments": [
                    {
                        "number": i.number,
                        "due_date": _iso(i.due_date),
                        "effective_due_date": _iso(i.effective_due_date),
                        "amount": i.amount,
                        "outstanding": i.state.principal,
                        "interest": i.state.interest,
                        "paid": i.state.principal_paid,
                    }
                    for i in state.installments
                ],
                "entries": entries.get(account.pk, []),
            }
        )
    return rows


# --- documents ---------------------------------------------------------------------------------------------------


def _cases_and_letters(party: Party, export: Export) -> dict:
    cases = list(Case.objects.filter(parties=party).select_related("unit").order_by("-opened_on", "-pk").distinct())
    # the letters sent to the party (as on the "my cases" pages); their files only once delivered to him (or deemed
    # delivered): a letter still waiting in his box is opened on its page, which records the delivery
    letters = list(
        OutgoingDocument.objects.filter(shipments__party=party, shipments__status__in=LETTERS_VISIBLE)
        .select_related("case")
        .prefetch_related(Prefetch("shipments", queryset=Shipment.objects.filter(party=party).order_by("pk")))
        .order_by("-signed_at", "-pk")
        .distinct()
    )
    delivered = set(
        Shipment.objects.filter(party=party, status__in=LETTERS_DELIVERED, document__in=letters).values_list(
            "document_id", flat=True
        )
    )
    pdfs = _latest_pdfs({d.pk for d in letters if d.pk not in export.document_files and d.pk in delivered})
    letter_rows = []
    for d in letters:
        pdf_name = export.document_files.get(d.pk, "")
        if d.pk in pdfs:
            pdf_name = f"pdf/pismo-{d.pk}.pdf"
            export.pdfs[pdf_name] = pdfs[d.pk]
        letter_rows.append(
            {
                "id": d.pk,
                "title": d.title,
                "case_mark": d.case.mark,
                "signed_at": _iso(d.signed_at),
                "status": d.get_status_display(),
                "shipments": [
                    {"channel": s.get_channel_display() if s.channel else "", "status": s.get_status_display()}
                    for s in d.shipments.all()
                ],
                "pdf": pdf_name,
            }
        )
    return {
        "cases": [
            {
                "id": c.pk,
                "mark": c.mark,
                "title": c.title,
                "unit": c.unit.name,
                "status": c.get_status_display(),
                "opened_on": _iso(c.opened_on),
                "due_date": _iso(c.due_date),
                "closed_on": _iso(c.closed_on),
            }
            for c in cases
        ],
        "letters": letter_rows,
        "_case_ids": [c.pk for c in cases],
        "_letter_ids": [d.pk for d in letters],
    }


# --- consents ----------------------------------------------------------------------------------------------------


def _consents(party: Party) -> dict:
    """The contact consents of the party register, the portal's notification consents (every change kept, with the
    text shown and the times) and the notifications sent."""
    data = core_sel.party_data(party)
    consents = [
        {
            "channel": c.get_channel_display(),
            "topic": c.get_topic_display(),
            "granted": c.granted,
            "address": c.address,
            "consent_text": c.consent_text,
            "granted_at": _iso(c.granted_at),
            "withdrawn_at": _iso(c.withdrawn_at),
            "recorded_at": _iso(c.created_at),
        }
        for c in NotificationConsent.objects.filter(party=party).order_by("created_at", "pk")
    ]
    sent = [
        {
            "channel": n.get_channel_display(),
            "topic": n.get_topic_display(),
            "address": n.address,
            "subject": n.subject,
            "status": n.get_status_display(),
            "sent_at": _iso(n.sent_at),
        }
        for n in Notification.objects.filter(party=party).order_by("created_at", "pk")
    ]
    return {
        "contact": {"email_consent": data["email_consent"], "phone_consent": data["phone_consent"]},
        "notifications": consents,
        "notifications_sent": sent,
    }


# --- the whole export --------------------------------------------------------------------------------------------


def collect(party: Party, *, today: datetime.date | None = None) -> Export:
    """Everything the office holds about ``party`` (pure read; nothing is logged here — see :func:`build_zip`)."""
    today = today or timezone.localdate()
    export = Export(generated_at=timezone.now())
    decisions = _decisions(party, export)
    cases = _cases_and_letters(party, export)
    accounts = _accounts(party, today)
    resident_id = population_sel.resident_id_of(party)
    related = {
        "population.resident": [resident_id] if resident_id else [],
        "finance.obligoraccount": [a["id"] for a in accounts],
        "taxes.decision": decisions.pop("_ids"),
        "taxes.wastedecision": decisions.pop("_waste_ids"),
        "documents.case": cases.pop("_case_ids"),
        "documents.outgoingdocument": cases.pop("_letter_ids"),
    }
    export.sections = {
        "party": core_sel.party_data(party),
        "residency": population_sel.residency_data(party),
        "tax_objects": _tax_objects(party),
        "declarations": _declarations(party),
        "decisions": decisions,
        "accounts": accounts,
        "cases": cases,
        "consents": _consents(party),
        "access_log": core_sel.access_log(party=party, related=related, limit=ACCESS_LOG_LIMIT),
    }
    return export


FILES = {
    "party": "01-dane-osobowe.json",
    "residency": "02-ewidencja-ludnosci.json",
    "tax_objects": "03-przedmioty-opodatkowania.json",
    "declarations": "04-deklaracje.json",
    "decisions": "05-decyzje.json",
    "accounts": "06-konta-i-platnosci.json",
    "cases": "07-sprawy-i-pisma.json",
    "consents": "08-zgody.json",
    "access_log": "09-dostep-do-danych.json",
}


def _readme(export: Export, party: Party) -> str:
    lines = [
        _("Data held by the office about: %(name)s") % {"name": party.display_name},
        _("Generated: %(when)s") % {"when": timezone.localtime(export.generated_at).strftime("%d.%m.%Y %H:%M")},
        "",
        _("Files:"),
        f"  {FILES['party']} – " + _("your data in the register of persons and the history of its changes"),
        f"  {FILES['residency']} – " + _("your entry in the residents register and the registrations of stay"),
        f"  {FILES['tax_objects']} – " + _("the real estate, land, forests and vehicles you are taxed for"),
        f"  {FILES['declarations']} – " + _("your tax declarations and information and waste-fee declarations"),
        f"  {FILES['decisions']} – " + _("the decisions issued to you, with the computation and the installments"),
        f"  {FILES['accounts']} – " + _("your taxpayer accounts: charges, payments, arrears, interest"),
        f"  {FILES['cases']} – " + _("the cases in which you are a party and the letters sent to you"),
        f"  {FILES['consents']} – " + _("your consents to contact and notifications"),
        f"  {FILES['access_log']} – " + _("who in the office read or changed your data and when"),
        "  pdf/ – " + _("the decisions and letters the office sent you (PDF)"),
        "",
        _("Amounts are in złoty with a dot as the decimal separator; dates as YYYY-MM-DD."),
    ]
    if len(export.sections.get("access_log") or []) >= ACCESS_LOG_LIMIT:
        lines.append(
            _("The access log lists the %(n)s most recent events; ask the office for the full log.")
            % {"n": ACCESS_LOG_LIMIT}
        )
    return "\r\n".join(lines) + "\r\n"


def build_zip(*, actor, party: Party, today: datetime.date | None = None) -> bytes:
    """The ZIP of everything the office holds about ``party``, for the resident ``actor`` (their own party).

    The export is logged (``portal.mydata.exported``, with the number of records per section)."""
    if getattr(actor, "party_id", None) != party.pk:
        from core.exceptions import NotFoundOrForbidden

        raise NotFoundOrForbidden("not found")
    export = collect(party, today=today)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(export, party).encode("utf-8"))
        for key, name in FILES.items():
            payload = {
                "generated_at": export.generated_at.isoformat(),
                "section": key,
                "data": export.sections[key],
            }
            archive.writestr(name, json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
        for name, content in sorted(export.pdfs.items()):
            archive.writestr(name, content)
    counts = {
        key: (len(value) if isinstance(value, list) else sum(len(v) for v in value.values() if isinstance(v, list)))
        for key, value in export.sections.items()
        if isinstance(value, list | dict)
    }
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="portal.mydata.exported",
            obj=party,
            details={"counts": counts, "pdfs": len(export.pdfs)},
        )
    return buffer.getvalue()


def zip_name(party: Party, today: datetime.date | None = None) -> str:
    today = today or timezone.localdate()
    return f"moje-dane-{today:%Y-%m-%d}.zip"
