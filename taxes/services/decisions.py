"""Decision documents and their life after issue (issue 8 points 6 and 7).

* :func:`decision_render` — the decision as PDF (templates/taxes/decisions/decision_pdf.html, WeasyPrint) and as
  XML (``taxes/data/decision/decision-magistrat-1.xsd``, validated), with the payment QR code.
* :func:`decision_hand_over` — the PDF becomes an outgoing document in EZD (``source_app="taxes"``,
  ``source_ref="decision:<id>"``) in the run's collective case, the declaration's case or the per-year collective
  case (JRWA 3120); the decision becomes ISSUED. Idempotent: a decision with a document is skipped.
* :func:`decisions_dispatch` — sign and dispatch the handed-over documents by the documents app's channel rule.
* :func:`on_receipt` — the receipt handler: delivery → DELIVERED, the effective due dates (OP art. 47 §2, weekend /
  holiday shift) and the charge posted to finance (przypis on delivery), once.
* :func:`decisions_mark_final` — delivered decisions whose 14-day appeal period has passed become FINAL.

Every function checks ``taxes.assess_taxes`` (receipts and the nightly job act as ``system:taxes``), writes an
audit event and owns its transaction; status changes go through :func:`_transition` (``Decision.TRANSITIONS``).
"""

from __future__ import annotations

import base64
import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.services.audit import audit_log
from taxes.domain.installments import Installment, due_dates_after_delivery, split_amount
from taxes.models import Decision, DecisionInstallment
from taxes.models.reference import Tax

logger = logging.getLogger(__name__)

PERM = "taxes.assess_taxes"
SYSTEM = "system:taxes"
APPEAL_DAYS = 14
XSD_PATH = Path(__file__).resolve().parent.parent / "data" / "decision" / "decision-magistrat-1.xsd"
XML_NS = "urn:magistrat:taxes:decision:1"
JRWA_COLLECTIVE = "3120"
S = Decision.Status

LEGAL_BASIS = {
    Tax.PROPERTY: "art. 6 ust. 1–7 ustawy z dnia 12 stycznia 1991 r. o podatkach i opłatach lokalnych",
    Tax.AGRICULTURAL: "art. 6a ustawy z dnia 15 listopada 1984 r. o podatku rolnym",
    Tax.FOREST: "art. 6 ustawy z dnia 30 października 2002 r. o podatku leśnym",
    Tax.TRANSPORT: "art. 9–11 ustawy z dnia 12 stycznia 1991 r. o podatkach i opłatach lokalnych",
}
GENERAL_BASIS = "art. 21 § 1 pkt 2 i art. 207 ustawy z dnia 29 sierpnia 1997 r. – Ordynacja podatkowa"


def _require(actor) -> None:
    if not (actor is not None and getattr(actor, "is_active", False) and actor.has_perm(PERM)):
        raise ApplicationError(_("You may not issue tax decisions."), code="forbidden")


def _shift(day: datetime.date) -> datetime.date:
    from finance.services.accounts import effective_due_date

    return effective_due_date(day)


def status_transition(obj, to: str, *, actor, action: str, fields: dict | None = None, details: dict | None = None):
    """The one place a decision's status changes (a tax decision, a waste fee decision: ``obj`` with ``status``,
    ``number`` and its model's ``TRANSITIONS`` / ``Status``); the caller holds the transaction and the row lock.
    Audit ``<action>.<to>``."""
    model = type(obj)
    if to not in model.TRANSITIONS[obj.status]:
        raise ApplicationError(
            _("A decision in the state %(state)s cannot become %(to)s.")
            % {"state": obj.get_status_display(), "to": model.Status(to).label},
            code="invalid_transition",
        )
    old = obj.status
    obj.status = to
    for name, value in (fields or {}).items():
        setattr(obj, name, value)
    obj.save(update_fields=["status", *(fields or {})])
    audit_log(
        actor=actor, action=f"{action}.{to}", obj=obj,
        details={"number": obj.number, "from": old, "to": to, **(details or {})},
    )  # fmt: skip
    return obj


def _transition(decision: Decision, to: str, *, actor, fields: dict | None = None, details: dict | None = None):
    return status_transition(decision, to, actor=actor, action="taxes.decision", fields=fields, details=details)


# --- rendering ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRow:
    tax: str
    object: str
    category: str
    base: Decimal
    rate: Decimal
    months: int
    share: str
    amount: Decimal
    tax_label: str = ""
    category_name: str = ""


@dataclass(frozen=True)
class InstallmentRow:
    number: int
    due_date: datetime.date
    effective_due_date: datetime.date | None
    amount: Decimal


@dataclass(frozen=True)
class DecisionView:
    """Everything the PDF and the XML show (read once from the database)."""

    decision: Decision
    organ: str
    office: str
    addressee: str
    address: str
    co_obligors: tuple[str, ...]
    items: tuple[ItemRow, ...]
    taxes: tuple[tuple[str, str, Decimal], ...]  # (code, label, rounded amount)
    installments: tuple[InstallmentRow, ...]
    legal_basis: tuple[str, ...]
    qr_png_base64: str


def organ_name() -> str:
    """The tax organ (wójt / burmistrz / prezydent miasta): setting ``TAXES_ORGAN``."""
    return getattr(settings, "TAXES_ORGAN", "") or "Wójt Gminy"


def qr_png(payload: str) -> bytes:
    """The payment QR code (Polish bank-transfer format, the decision's ``qr_payload``) as a PNG."""
    import io

    import segno

    out = io.BytesIO()
    # a fixed mask: segno's choice of the best of 8 masks is 80 % of the time of a code (any mask is valid ISO 18004)
    segno.make(payload, error="m", micro=False, mask=0).save(out, kind="png", scale=4, border=2)
    return out.getvalue()


def _address(party) -> str:
    address = getattr(party, "registered_address", None)
    return str(address) if address else ""


def _category_names() -> dict[str, str]:
    """Rate category code → its name (as in the resolution), for the calculation table."""
    from taxes.models import RateCategory

    return dict(RateCategory.objects.values_list("code", "name"))


def decision_view(decision: Decision) -> DecisionView:
    decision = Decision.objects.select_related("party__registered_address").get(pk=decision.pk)
    categories = _category_names()
    items = tuple(
        ItemRow(
            tax=i.tax,
            object=str(i.object),
            category=i.category,
            tax_label=str(Tax(i.tax).label) if i.tax in Tax.values else i.tax,
            category_name=categories.get(i.category, i.category),
            base=i.base,
            rate=i.rate,
            months=i.months,
            share=i.share,
            amount=i.amount,
        )
        for i in decision.items.select_related("object").order_by("tax", "id")
    )
    taxes = tuple((t.tax, str(Tax(t.tax).label), t.amount) for t in decision.taxes.order_by("tax"))
    installments = tuple(
        InstallmentRow(i.number, i.due_date, i.effective_due_date, i.amount)
        for i in decision.installments.order_by("number")
    )
    basis = (*(LEGAL_BASIS[Tax(code)] for code, _l, _a in taxes), GENERAL_BASIS)
    if decision.kind in (Decision.Kind.CHANGING, Decision.Kind.ENDING):
        from taxes.services.changes import change_basis

        basis = change_basis(decision)
    return DecisionView(
        decision=decision,
        organ=organ_name(),
        office=getattr(settings, "MAGISTRAT_OFFICE_NAME", ""),
        addressee=decision.party.display_name,
        address=_address(decision.party),
        co_obligors=tuple(p.display_name for p in decision.co_obligors.order_by("pk")),
        items=items,
        taxes=taxes,
        installments=installments,
        legal_basis=basis,
        qr_png_base64=base64.b64encode(qr_png(decision.qr_payload)).decode() if decision.qr_payload else "",
    )


def decision_html(decision: Decision) -> str:
    view = decision_view(decision)
    return render_to_string("taxes/decisions/decision_pdf.html", {"v": view, "d": view.decision})


@cache
def _schema():
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(XSD_PATH)))


def _money(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01'))}"


def decision_xml(decision: Decision, view: DecisionView | None = None) -> bytes:
    """The decision in our documented layout (docs/integrations/tax-decision.md), validated against the XSD."""
    from lxml import etree

    v = view or decision_view(decision)
    d = v.decision
    ns = f"{{{XML_NS}}}"

    def sub(parent, tag, text=None, **attrs):
        el = etree.SubElement(parent, ns + tag, {k: str(a) for k, a in attrs.items()})
        if text is not None:
            el.text = str(text)
        return el

    root = etree.Element(ns + "Decision", nsmap={None: XML_NS}, version="1")
    sub(root, "Number", d.number)
    sub(root, "Kind", d.kind)
    sub(root, "Year", d.year)
    sub(root, "IssueDate", (d.issue_date or timezone.localdate()).isoformat())
    sub(root, "Organ", v.organ)
    addressee = sub(root, "Addressee", id=d.party_id)
    sub(addressee, "Name", v.addressee)
    if v.address:
        sub(addressee, "Address", v.address)
    for co in d.co_obligors.order_by("pk"):
        jointly = sub(root, "JointlyLiable", id=co.pk)
        sub(jointly, "Name", co.display_name)
    period = sub(root, "Period")
    sub(period, "From", d.period_from.isoformat())
    sub(period, "To", d.period_to.isoformat())
    basis = sub(root, "LegalBasis")
    for text in v.legal_basis:
        sub(basis, "Provision", text)
    items = sub(root, "Items")
    for i in v.items:
        item = sub(items, "Item", tax=i.tax)
        sub(item, "Object", i.object)
        sub(item, "Category", i.category)
        sub(item, "Base", i.base)
        sub(item, "Rate", i.rate)
        sub(item, "Months", i.months)
        sub(item, "Share", i.share)
        sub(item, "Amount", i.amount)
    taxes = sub(root, "Taxes")
    for code, _label, amount in v.taxes:
        sub(taxes, "Tax", _money(amount), code=code)
    sub(root, "Total", _money(d.total))
    if d.changes_id:  # a changing / ending decision (taxes.services.changes)
        changes = sub(root, "Changes")
        sub(changes, "Number", d.changes.number)
        if d.changes.issue_date:
            sub(changes, "IssueDate", d.changes.issue_date.isoformat())
        sub(changes, "PreviousTotal", _money(d.changes.total))
        sub(changes, "Difference", _money(d.total - d.changes.total))
    installments = sub(root, "Installments")
    for i in v.installments:
        attrs = {"number": i.number, "due": i.due_date.isoformat()}
        if i.effective_due_date:
            attrs["effectiveDue"] = i.effective_due_date.isoformat()
        sub(installments, "Installment", _money(i.amount), **attrs)
    payment = sub(root, "Payment")
    sub(payment, "BankAccount", d.bank_account)
    if d.qr_payload:
        sub(payment, "QrPayload", d.qr_payload)
    content = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    schema = _schema()
    if not schema.validate(etree.fromstring(content)):
        raise ApplicationError(
            _("The decision XML does not match its schema: %(error)s") % {"error": str(schema.error_log.last_error)},
            code="invalid_xml",
        )
    return content


def decision_render(decision: Decision) -> tuple[bytes, bytes]:
    """(PDF bytes, XML bytes) of ``decision``; pure reading, nothing is written."""
    from core.pdf import render_pdf
    from taxes.services.rendering import decision_document_html

    view = decision_view(decision)
    return render_pdf(decision_document_html(view), compact_ua=True), decision_xml(decision, view)


# --- hand-over to EZD -----------------------------------------------------------------------------------------


def _collective_case(*, actor, decision: Decision):
    """The run's collective case, the declaration's case, else the per-year collective case under JRWA 3120 in
    the actor's unit (opened when missing)."""
    from documents.models import Case, JrwaClass
    from documents.services.cases import case_open

    if decision.run_id and decision.run.case_id:
        return decision.run.case
    if decision.declaration_id and decision.declaration.case_id:
        return decision.declaration.case
    title = f"Wymiar podatków lokalnych na {decision.year} r. – decyzje"
    case = Case.objects.filter(jrwa__symbol=JRWA_COLLECTIVE, title=title).order_by("pk").first()
    if case is not None:
        return case
    unit = getattr(actor, "org_unit", None)
    if unit is None:
        raise ApplicationError(_("You are not assigned to an organisational unit."), code="no_unit")
    jrwa = JrwaClass.objects.filter(symbol=JRWA_COLLECTIVE, is_leaf=True).order_by("-version__is_current", "-pk")
    if not jrwa.exists():
        raise ApplicationError(_("The JRWA class 3120 is missing."), code="no_jrwa")
    case = case_open(actor=actor, unit=unit, jrwa=jrwa.first(), title=title)
    if decision.run_id:
        type(decision.run).objects.filter(pk=decision.run_id, case__isnull=True).update(case=case)
    return case


def decision_hand_over(*, actor, decision: Decision, pdf: bytes | None = None, xml: bytes | None = None) -> Decision:
    """Render the decision and hand the PDF over to EZD as an outgoing document (kind ``decision``, recipients: the
    addressee and the jointly liable), the decision's XML attached beside the PDF in the CRD document that is sealed
    and delivered electronically; DRAFT → ISSUED with ``issue_date`` (today when not set). Idempotent.
    ``pdf`` / ``xml``: the decision's documents when rendered already (the batch path of
    :func:`decisions_hand_over`)."""
    from documents.models.outgoing import DocumentKind
    from documents.services.outgoing import outgoing_create

    _require(actor)
    decision = Decision.objects.select_related("run", "declaration").get(pk=decision.pk)
    if decision.document_id:
        return decision
    if decision.status != S.DRAFT:
        raise ApplicationError(_("Only a draft decision can be handed over."), code="invalid_transition")
    if not decision.number:
        raise ApplicationError(_("The decision has no number."), code="no_number")
    if pdf is None:
        pdf, xml = decision_render(decision)
    elif xml is None:
        xml = decision_xml(decision)
    with transaction.atomic():
        locked = (
            Decision.objects.select_for_update(of=("self",)).select_related("run", "declaration").get(pk=decision.pk)
        )
        if locked.document_id:
            return locked
        case = _collective_case(actor=actor, decision=locked)
        recipients = [locked.party, *locked.co_obligors.order_by("pk")]
        document = outgoing_create(
            case=case, document=pdf, file_name=f"{locked.number.replace('/', '-')}.pdf", mime="application/pdf",
            title=_("Tax decision %(number)s") % {"number": locked.number}, kind=DocumentKind.DECISION,
            recipients=recipients, source_app="taxes", source_ref=f"decision:{locked.pk}", actor=actor,
            attachments=[(f"{locked.number.replace('/', '-')}.xml", "application/xml", xml)],
        )  # fmt: skip
        _transition(
            locked, S.ISSUED, actor=actor,
            fields={"document": document, "issue_date": locked.issue_date or timezone.localdate()},
            details={"document": document.pk, "case": case.mark},
        )  # fmt: skip
    return locked


def decisions_hand_over(*, actor, decision_ids: Sequence[int], batch_size: int | None = None) -> dict:
    """Hand over many decisions: the PDFs (and the validated XML) of ``batch_size`` drafts at a time rendered
    together (``taxes.services.rendering.decisions_render``), then each decision handed over in its own transaction.
    A decision with a document is skipped (not rendered again); failures are collected, the others go on."""
    from taxes.services.rendering import BATCH_SIZE, decisions_render

    ids = list(decision_ids)
    try:
        _require(actor)
    except ApplicationError as exc:
        return {"handed_over": 0, "skipped": 0, "errors": [{"decision": pk, "error": str(exc.message)} for pk in ids]}
    done, skipped, errors = 0, 0, []
    size = batch_size or BATCH_SIZE
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        rows = {
            pk: (document_id, status, number)
            for pk, document_id, status, number in Decision.objects.filter(pk__in=chunk).values_list(
                "pk", "document_id", "status", "number"
            )
        }
        renderable = [pk for pk in chunk if pk in rows and not rows[pk][0] and rows[pk][1] == S.DRAFT and rows[pk][2]]
        rendered = decisions_render(renderable, batch_size=size) if renderable else {}
        for pk in chunk:
            try:
                if pk not in rows:
                    raise Decision.DoesNotExist(_("The decision does not exist."))
                if rows[pk][0] or rows[pk][1] != S.DRAFT:
                    skipped += 1  # handed over already, or issued / cancelled otherwise: nothing to do
                    continue
                result = rendered.get(pk)
                if isinstance(result, ApplicationError):
                    raise result
                # not renderable (not a draft, no number): decision_hand_over refuses it before rendering
                decision_hand_over(actor=actor, decision=Decision(pk=pk), pdf=result.pdf if result else None,
                                   xml=result.xml if result else None)  # fmt: skip
                done += 1
            except (ApplicationError, Decision.DoesNotExist) as exc:
                errors.append({"decision": pk, "error": str(getattr(exc, "message", exc))[:300]})
    return {"handed_over": done, "skipped": skipped, "errors": errors}


def decisions_dispatch(*, actor, decision_ids: Sequence[int], edoreczenia=None, epuap=None) -> dict:
    """Sign (e-seal) and dispatch the documents of handed-over decisions by the documents app's channel rule
    (e-Doręczenia address → e-Doręczenia, ePUAP box → ePUAP, else registered post). A dispatched document is
    skipped; each decision is done in its own transactions."""
    from documents.models import OutgoingDocument
    from documents.services.dispatch import document_dispatch
    from documents.services.signing import document_sign

    _require(actor)
    if Decision.objects.filter(pk__in=list(decision_ids), document__isnull=True).exists():  # nothing written
        raise ApplicationError(_("A decision not yet issued cannot be dispatched."), code="not_issued")
    dispatcher = actor if actor.has_perm("documents.dispatch_mail") else SYSTEM
    signed = dispatched = 0
    errors = []
    decisions = (
        Decision.objects.filter(pk__in=list(decision_ids), document__isnull=False)
        .exclude(document__status=OutgoingDocument.Status.DISPATCHED)
        .select_related("document")
        .order_by("pk")
    )
    for decision in decisions:
        document = decision.document
        try:
            if document.status != OutgoingDocument.Status.SIGNED:
                document_sign(actor=actor, document=document)
                signed += 1
            document_dispatch(actor=dispatcher, document=document, edoreczenia=edoreczenia, epuap=epuap)
            dispatched += 1
        except ApplicationError as exc:
            errors.append({"decision": decision.pk, "error": str(exc.message)[:300]})
    audit_log(
        actor=actor, action="taxes.decisions.dispatched", obj=None,
        details={"signed": signed, "dispatched": dispatched, "failed": [e["decision"] for e in errors]},
    )  # fmt: skip
    return {"signed": signed, "dispatched": dispatched, "errors": errors}


# --- delivery → due dates → finance ---------------------------------------------------------------------------


def effective_installments(decision: Decision, delivered_on: datetime.date) -> list[Installment]:
    """The decision's installments with the due dates after delivery (OP art. 47 §2 + art. 12 §5)."""
    rows = [
        Installment(i.number, i.due_date, _shift(i.due_date), i.amount)
        for i in decision.installments.order_by("number")
    ]
    return due_dates_after_delivery(rows, delivered_on, _shift)


def split_per_tax(taxes: Sequence[tuple[str, Decimal]], installments: Sequence[Decimal], rounding: str = "grosze"):
    """Split the joint installments over the taxes of the decision: each tax but the last is split by
    :func:`split_amount`, the last gets what remains of each installment (so every installment and every tax adds
    up exactly). Returns {tax: [amount per installment]}."""
    taxes = [(t, Decimal(a)) for t, a in taxes if Decimal(a) != 0]
    if not taxes:
        return {}
    n = len(installments)
    result: dict[str, list[Decimal]] = {}
    taken = [Decimal(0)] * n
    for code, amount in taxes[:-1]:
        parts = split_amount(amount, n, rounding)
        result[code] = parts
        taken = [a + b for a, b in zip(taken, parts, strict=True)]
    last_code, last_amount = taxes[-1]
    rest = [Decimal(i) - t for i, t in zip(installments, taken, strict=True)]
    if any(r < 0 for r in rest) or sum(rest) != last_amount:
        rest = split_amount(last_amount, n, rounding)
    result[last_code] = rest
    return result


def _receivable_type(tax: str, party):
    from finance.models import ReceivableType

    suffix = "person" if party.kind == party.Kind.PERSON else "legal"
    return ReceivableType.objects.get(code=f"{tax}_tax_{suffix}")


def _rounding(year: int) -> str:
    from taxes.models import YearSettings

    settings_row = YearSettings.objects.filter(year=year).first()
    return settings_row.installment_rounding if settings_row else "grosze"


def unit_account_ref(party, co_obligors) -> str:
    """The finance account of a decision unit: the addressee's own account (no reference) when he is liable alone;
    for jointly liable holders (co-owners, spouses) an account of their own, ``unit:<sorted party ids>``, so that a
    co-obligor is never made liable for — nor shown — the addressee's other, sole obligations of the year."""
    if not co_obligors:
        return ""
    return "unit:" + "-".join(str(pk) for pk in sorted({party.pk, *(p.pk for p in co_obligors)}))


def _post_to_finance(decision: Decision, actor) -> list[int]:
    """Per tax one obligor account of the party (co-obligors: the jointly liable) with a charge entry whose
    installments are the decision's installments with their effective due dates."""
    from finance.services.accounts import account_get_or_create, charge_post

    if decision.kind in (Decision.Kind.CHANGING, Decision.Kind.ENDING):  # the difference (taxes.services.changes)
        from taxes.services.changes import post_difference

        return post_difference(decision, actor)
    installments = list(decision.installments.order_by("number"))
    taxes = [(t.tax, t.amount) for t in decision.taxes.order_by("tax")]
    per_tax = split_per_tax(taxes, [i.amount for i in installments], _rounding(decision.year))
    co_obligors = list(decision.co_obligors.all())
    entries = []
    for code, parts in per_tax.items():
        account = account_get_or_create(
            party=decision.party, receivable_type=_receivable_type(code, decision.party), year=decision.year,
            co_obligors=co_obligors, source_app="taxes", source_ref=unit_account_ref(decision.party, co_obligors),
        )  # fmt: skip
        schedule = [(i.effective_due_date or i.due_date, p) for i, p in zip(installments, parts, strict=True) if p != 0]
        entry = charge_post(
            actor=None if isinstance(actor, str) else actor, account=account, amount=sum(p for _d, p in schedule),
            installments=schedule, value_date=decision.delivered_on,
            description=f"{Tax(code).label} {decision.year}, decyzja {decision.number}",
            source_ref=f"decision:{decision.pk}:{code}",
        )  # fmt: skip
        entries.append(entry.pk)
    return entries


def decision_delivered(*, decision_id: int, delivered_on: datetime.date, actor=SYSTEM) -> Decision:
    """ISSUED → DELIVERED: the effective due dates and the charge posted to finance, in one transaction.
    A second receipt (already delivered or later) changes nothing."""
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision_id)
        if decision.status != S.ISSUED or decision.posted_at is not None:
            return decision
        effective = {i.number: i.due for i in effective_installments(decision, delivered_on)}
        rows = list(decision.installments.all())
        for row in rows:
            if decision.kind in (Decision.Kind.CHANGING, Decision.Kind.ENDING) and row.effective_due_date:
                continue  # an installment already due when a changing decision was drafted stays as it was
            row.effective_due_date = effective[row.number]
        DecisionInstallment.objects.bulk_update(rows, ["effective_due_date"])
        decision.delivered_on = delivered_on
        entries = _post_to_finance(decision, actor)
        _transition(
            decision, S.DELIVERED, actor=actor, fields={"delivered_on": delivered_on, "posted_at": timezone.now()},
            details={
                "delivered_on": delivered_on,
                "due_dates": [effective[n].isoformat() for n in sorted(effective)],
                "entries": entries,
            },
        )  # fmt: skip
    return decision


def on_receipt(event) -> None:
    """documents.events receipt handler for source_app "taxes" (refs ``decision:<id>``; others are ignored)."""
    ref = event.source_ref or ""
    if ref.startswith("decision:"):
        decision_delivered(decision_id=int(ref.split(":", 1)[1]), delivered_on=event.delivered_on)


def final_on(delivered_on: datetime.date) -> datetime.date:
    """The day the decision becomes final: the day after the 14-day appeal period (OP art. 223 §2), whose end is
    shifted past Saturdays and holidays (art. 12 §5)."""
    return _shift(delivered_on + datetime.timedelta(days=APPEAL_DAYS)) + datetime.timedelta(days=1)


def decisions_mark_final(today: datetime.date | None = None, *, actor=SYSTEM) -> int:
    """Delivered decisions whose appeal period has passed by ``today`` become FINAL (``final_on``). Nightly task.
    A decision with a timely appeal still pending (``taxes.services.appeals``) waits for the SKO's ruling."""
    from taxes.services.appeals import pending_appeal_decision_ids

    today = today or timezone.localdate()
    count = 0
    cutoff = today - datetime.timedelta(days=APPEAL_DAYS)
    candidates = Decision.objects.filter(status=S.DELIVERED, delivered_on__lte=cutoff).exclude(
        pk__in=pending_appeal_decision_ids()
    )
    for pk in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            decision = Decision.objects.select_for_update().get(pk=pk)
            if decision.status != S.DELIVERED:
                continue
            day = final_on(decision.delivered_on)
            if day > today:
                continue
            _transition(decision, S.FINAL, actor=actor, fields={"final_on": day})
            count += 1
    return count


def decision_document_read(*, actor, decision: Decision, fmt: str) -> bytes:
    """The PDF or XML of a decision for download; the read is logged (``taxes.decision.read``)."""
    _require(actor)
    content = decision_render(decision)[0] if fmt == "pdf" else decision_xml(decision)
    with transaction.atomic():
        audit_log(actor=actor, action="taxes.decision.read", obj=decision, details={"format": fmt})
    return content
