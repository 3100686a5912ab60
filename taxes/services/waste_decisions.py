"""Decisions determining the waste fee (decyzja określająca wysokość opłaty, ucpg art. 6o; issue 9 point 5).

When a property has no declaration or the clerk doubts the declared data (typically a verification finding), the
wójt determines the fee by a decision from the evidence (residents registered, water consumed, containers
contracted) or a justified estimate:

* :func:`waste_decision_suggest` — the data proposed from the evidence of a verification finding;
* :func:`waste_decision_draft` — a DRAFT validated with the pure domain against the resolution in force in the month
  it applies from, numbered ``ODP-D/<year>/<serial>``, in the finding's / declaration's case or a new case (JRWA 3120);
* :func:`waste_decision_issue` — PDF + XML (``taxes/data/waste/waste-decision-1.xsd``) handed over to EZD,
  DRAFT → ISSUED; :func:`waste_decision_dispatch` signs and dispatches it; :func:`waste_decision_cancel` a draft;
* :func:`on_waste_decision_receipt` / :func:`waste_decision_delivered` — ISSUED → DELIVERED once: the decision enters
  the fee register as a ``WasteDeclaration`` of purpose DECISION (accepted, superseding the declarations in force like
  an accepted declaration does) and finance is brought in line (charged months corrected, missing months charged
  with their original due dates: the decision is declaratory). The decided fee applies until a later declaration of a
  change of data supersedes the register row (art. 6o ust. 2).

Every action checks ``taxes.assess_taxes`` (the receipt acts as ``system:taxes``), owns its transaction and writes
an audit event; a refusal writes nothing."""

from __future__ import annotations

import base64
import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from taxes.domain import waste as domain
from taxes.models import VerificationFinding, WasteDecision, WasteDeclaration, WasteMethod, WasteProperty
from taxes.selectors_waste import (
    DOMAIN_METHOD,
    declarations_in_force,
    declared_of,
    waste_declarations_in_force,
    waste_rates_on,
    waste_resolution_on,
)
from taxes.services.waste_declarations import checked_data

logger = logging.getLogger(__name__)

PERM = "taxes.assess_taxes"
SYSTEM = "system:taxes"
REF_PREFIX = "waste-decision:"
NUMBER_PREFIX = "ODP-D"
JRWA_CASE = "3120"
XSD_PATH = Path(__file__).resolve().parent.parent / "data" / "waste" / "waste-decision-1.xsd"
XML_NS = "urn:magistrat:taxes:waste-decision:1"
S = WasteDecision.Status
OPEN_STATUSES = (S.DRAFT, S.ISSUED)
LEGAL_BASIS = (
    "art. 6o ust. 1 ustawy z dnia 13 września 1996 r. o utrzymaniu czystości i porządku w gminach",
    "art. 207 ustawy z dnia 29 sierpnia 1997 r. – Ordynacja podatkowa w związku z art. 6q ust. 1 ustawy o utrzymaniu "
    "czystości i porządku w gminach",
)
DATA_FIELDS = (
    "method", "residents", "water_m3", "dwelling_m2", "households", "selective", "composts", "exemption_codes",
    "containers",
)  # fmt: skip


def _require(actor) -> None:
    if isinstance(actor, str):
        return
    if actor is None or not getattr(actor, "is_active", False) or not actor.has_perm(PERM):
        raise ApplicationError(_("You may not issue waste fee decisions."), code="forbidden")


def _refuse(field: str, message: str):
    raise ServiceValidationError(message, errors={field: [message]})


def _transition(decision: WasteDecision, to: str, *, actor, fields: dict | None = None, details: dict | None = None):
    """The one place a decision's status changes (the caller holds the transaction and the row lock)."""
    from taxes.services.decisions import status_transition

    return status_transition(decision, to, actor=actor, action="taxes.waste_decision", fields=fields, details=details)


def number_of(year: int, serial: int) -> str:
    """``ODP-D/2025/00001``: the prefix, the year of the draft, a serial per year (counter
    ``taxes:waste-decision:<year>``)."""
    return f"{NUMBER_PREFIX}/{year}/{serial:05d}"


def open_decision(prop: WasteProperty) -> WasteDecision | None:
    """The property's decision not cancelled and not yet delivered (at most one), if any."""
    return WasteDecision.objects.filter(property=prop, status__in=OPEN_STATUSES).order_by("pk").first()


# --- proposed data -------------------------------------------------------------------------------------------------


def _data_of(source) -> dict:
    """The data fields of a declaration or decision as keyword arguments of :func:`waste_decision_draft`."""
    return {
        "method": source.method or "",
        "residents": source.residents,
        "water_m3": source.water_m3,
        "dwelling_m2": source.dwelling_m2,
        "households": source.households,
        "selective": source.selective,
        "composts": source.composts,
        "exemptions": list(source.exemption_codes or ()),
        "containers": [dict(c) if isinstance(c, dict) else c for c in (source.containers or ())],
    }


def contracted_containers(prop: WasteProperty, month: datetime.date) -> list[dict]:
    """The collector's contracts of ``prop`` valid on ``month`` as containers (summed per capacity and frequency)."""
    from taxes.models import CollectionContract

    summed: dict[tuple[int, int], int] = {}
    contracts = CollectionContract.objects.filter(property=prop, valid_from__lte=month).exclude(valid_to__lt=month)
    for c in contracts.order_by("capacity_l", "frequency", "pk"):
        summed[(c.capacity_l, c.frequency)] = summed.get((c.capacity_l, c.frequency), 0) + c.count
    return [{"capacity_l": cap, "frequency": freq, "count": count} for (cap, freq), count in summed.items()]


def waste_decision_suggest(*, finding: VerificationFinding) -> dict:
    """The keyword arguments of :func:`waste_decision_draft` proposed from the evidence of ``finding``: residents →
    the number registered (per resident); water → the declared method with the data implied by the water consumed (a
    justified estimate); containers → the contracted containers. The rest is kept from the declaration; the fee applies
    from the finding's month; the justification cites the evidence."""
    declaration = finding.declaration
    data = _data_of(declaration)
    month = finding.month
    details = finding.details or {}
    estimated = False
    facts = {
        "number": declaration.number or declaration.pk,
        "date": f"{month:%d.%m.%Y}",
        "month": f"{month:%m.%Y}",
        "declared": f"{finding.declared_value.normalize():f}",
        "evidence": f"{finding.evidence_value.normalize():f}",
    }
    if finding.kind == VerificationFinding.Kind.RESIDENTS:
        registered = int(details.get("registered", finding.evidence_value))
        data.update(method=WasteMethod.PER_RESIDENT, residents=registered)
        justification = _(
            "According to the residents register, %(registered)s persons were registered at the address of the "
            "property on %(date)s, while the declaration %(number)s states %(declared)s. The fee is determined for the "
            "number of residents registered."
        ) % {**facts, "registered": registered}
    elif finding.kind == VerificationFinding.Kind.WATER:
        estimated = True
        m3 = Decimal(str(details.get("m3", finding.evidence_value)))
        if data["method"] == WasteMethod.PER_M3:
            data["water_m3"] = m3.quantize(Decimal("0.01"))
        else:
            data["residents"] = int(details.get("implied_residents") or data["residents"] or 0)
        justification = _(
            "In %(month)s the property consumed %(m3)s m³ of water according to the water utility, more than "
            "%(limit)s m³ a month per each of the %(declared)s residents stated in the declaration %(number)s; the "
            "consumption corresponds to at least %(implied)s residents. The fee is determined by a justified estimate "
            "from the water consumed."
        ) % {
            **facts,
            "m3": f"{m3.normalize():f}",
            "limit": details.get("m3_per_person", "—"),
            "implied": details.get("implied_residents", "—"),
        }
    else:
        data["containers"] = contracted_containers(finding.property, month)
        justification = (
            _(
                "The waste collection contracts valid on %(date)s provide for %(evidence)s litres of containers a "
                "month, while the declaration %(number)s states %(declared)s litres. The fee is determined for the "
                "contracted containers."
            )
            % facts
        )
    return {
        "property": finding.property,
        "payer": declaration.payer,
        "finding": finding,
        "declaration": declaration,
        "effective_from": month,
        "justification": justification,
        "estimated": estimated,
        **data,
    }


def waste_decision_initial(*, property: WasteProperty, day: datetime.date | None = None) -> dict:
    """The draft's initial data for a property without a finding: the declaration in force (if any, in doubt),
    else the per-resident method with no data; the fee from the current month."""
    day = day or timezone.localdate()
    declaration = waste_declarations_in_force(property, day).first()
    initial = {
        "property": property,
        "payer": declaration.payer if declaration else None,
        "finding": None,
        "declaration": declaration,
        "effective_from": day.replace(day=1),
        "justification": "",
        "estimated": False,
    }
    if declaration is not None:
        initial.update(_data_of(declaration))
    else:
        initial.update(method=WasteMethod.PER_RESIDENT, residents=None, water_m3=None, dwelling_m2=property.dwelling_m2,
                       households=None, selective=True, composts=False, exemptions=[], containers=[])  # fmt: skip
    return initial


def suggested_fee(data: dict) -> domain.FeeResult | None:
    """The fee the suggested (or initial) data give under the rates of their month; None when they cannot."""
    rates = waste_rates_on(data["effective_from"])
    if rates is None:
        return None
    households = data.get("households")
    declared = domain.Declared(
        method=DOMAIN_METHOD.get(data.get("method") or "", data.get("method") or ""), residents=data.get("residents"),
        water_m3=data.get("water_m3"), area_m2=data.get("dwelling_m2"),
        households=1 if households is None else households,
        selective=bool(data.get("selective", True)), composts=bool(data.get("composts")),
        exemptions=tuple(data.get("exemptions") or ()), cottage=data["property"].kind == WasteProperty.Kind.COTTAGE,
        containers=tuple(domain.Container(int(c["capacity_l"]), int(c["frequency"]), int(c.get("count", 1)))
                         for c in data.get("containers") or ()),
    )  # fmt: skip
    try:
        return domain.monthly_fee(declared, rates)
    except domain.WasteFeeError:
        return None


# --- draft, cancel -------------------------------------------------------------------------------------------------


def _case_for(*, actor, prop: WasteProperty, payer, finding, declaration):
    """The finding's case, the declaration's case, else a new case under JRWA 3120 in the actor's unit."""
    from documents.models import JrwaClass
    from documents.services.cases import case_open

    if finding is not None and finding.status == VerificationFinding.Status.CASE_OPENED and finding.case_id:
        return finding.case
    if declaration is not None and declaration.case_id:
        return declaration.case
    unit = getattr(actor, "org_unit", None)
    if unit is None:
        raise ApplicationError(_("You are not assigned to an organisational unit."), code="no_unit")
    jrwa = JrwaClass.objects.filter(symbol=JRWA_CASE, is_leaf=True).order_by("-version__is_current", "-pk").first()
    if jrwa is None:
        raise ApplicationError(_("The JRWA class 3120 is missing."), code="no_jrwa")
    title = _("Waste fee: decision determining the fee for %(property)s") % {"property": prop.identifier}
    return case_open(actor=actor, unit=unit, jrwa=jrwa, title=title, parties=[payer])


def fee_of(decision) -> domain.FeeResult:
    """The fee the decision's data give under the rates in force in the month it applies from."""
    rates = waste_rates_on(decision.effective_from)
    if rates is None:
        raise ApplicationError(_("No waste fee resolution is in force on %(date)s.") % {
            "date": f"{decision.effective_from:%d.%m.%Y}"}, code="invalid")  # fmt: skip
    try:
        return domain.monthly_fee(declared_of(decision), rates)
    except domain.WasteFeeError as error:
        raise ApplicationError(str(error), code="invalid") from error


def waste_decision_draft(
    *,
    actor,
    property: WasteProperty,
    effective_from: datetime.date,
    justification: str,
    payer=None,
    finding: VerificationFinding | None = None,
    declaration: WasteDeclaration | None = None,
    method: str = "",
    residents=None,
    water_m3=None,
    dwelling_m2=None,
    households=None,
    selective: bool = True,
    composts: bool = False,
    exemptions=(),
    containers=(),
    estimated: bool = False,
) -> WasteDecision:
    """A DRAFT decision for ``property`` from the month of ``effective_from``. Refused (nothing written) without the
    permission, a justification or a payer, for data the resolution in force cannot compute (the precise messages of
    ``declared_problems``, keyed by problem), a finding or declaration of another property, or while the property
    has another decision not cancelled and not delivered."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    if not isinstance(property, WasteProperty):
        _refuse("property", _("Choose the property."))
    if finding is not None and finding.property_id != property.pk:
        errors["finding"] = [_("The finding concerns another property.")]
    if declaration is None and finding is not None:
        declaration = finding.declaration
    if declaration is not None and declaration.property_id != property.pk:
        errors["declaration"] = [_("The declaration concerns another property.")]
    if payer is None and declaration is not None:
        payer = declaration.payer
    if payer is None:
        errors["payer"] = [_("Choose the fee payer.")]
    if not isinstance(effective_from, datetime.date):
        errors["effective_from"] = [_("Enter the month the fee applies from.")]
    justification = (justification or "").strip()
    if not justification:
        errors["justification"] = [_("Give the justification: the evidence or the grounds of the estimate.")]
    method = method or ""
    if method and method not in WasteMethod.values:
        errors["method"] = [_("Choose the method of the fee.")]
    if errors:
        raise ServiceValidationError(next(iter(errors.values()))[0], errors=errors)
    data = checked_data(
        property=property, effective_from=effective_from, method=method, residents=residents, water_m3=water_m3,
        dwelling_m2=dwelling_m2, households=households, selective=selective, composts=composts,
        exemptions=exemptions, containers=containers,
    )  # fmt: skip
    effective_from, residents, households = data.effective_from, data.residents, data.households
    water, area, exemptions, containers = data.water_m3, data.dwelling_m2, data.exemptions, data.containers
    declared, rates = data.declared, data.rates
    fee = domain.monthly_fee(declared, rates)

    def refuse_open(existing: WasteDecision):
        _refuse("property", _("The property %(property)s already has the decision %(number)s (%(status)s); finish "
                              "or cancel it first.") % {"property": property.identifier, "number": existing.number,
                                                        "status": existing.get_status_display()})  # fmt: skip

    if (existing := open_decision(property)) is not None:
        refuse_open(existing)
    from documents.services.numbering import next_number

    with transaction.atomic():
        WasteProperty.objects.select_for_update().get(pk=property.pk)
        if (existing := open_decision(property)) is not None:
            refuse_open(existing)
        case = _case_for(actor=actor, prop=property, payer=payer, finding=finding, declaration=declaration)
        year = timezone.localdate().year
        decision = WasteDecision.objects.create(
            number=number_of(year, next_number(f"taxes:waste-decision:{year}")), property=property, payer=payer,
            finding=finding, declaration=declaration, case=case, effective_from=effective_from, method=method,
            residents=residents, water_m3=water, dwelling_m2=area, households=households, selective=bool(selective),
            composts=bool(composts), exemption_codes=exemptions, containers=containers, estimated=bool(estimated),
            justification=justification, monthly_fee=fee.total, created_by=actor,
        )  # fmt: skip
        audit_log(actor=actor, action="taxes.waste_decision.draft", obj=decision, details={
            "number": decision.number, "property": property.pk, "payer": payer.pk,
            "effective_from": effective_from.isoformat(), "method": method, "residents": residents,
            "monthly_fee": str(fee.total), "annual_fee": str(fee.annual), "estimated": bool(estimated),
            "finding": finding.pk if finding else None, "declaration": declaration.pk if declaration else None,
            "case": case.mark})  # fmt: skip
    return decision


def waste_decision_cancel(*, actor, decision: WasteDecision, reason: str) -> WasteDecision:
    """DRAFT → CANCELLED with the reason (required); an issued decision can no longer be cancelled."""
    _require(actor)
    reason = (reason or "").strip()
    if not reason:
        _refuse("reason", _("Give the reason."))
    with transaction.atomic():
        locked = WasteDecision.objects.select_for_update().get(pk=decision.pk)
        _transition(locked, S.CANCELLED, actor=actor, fields={"cancel_reason": reason}, details={"reason": reason})
    return locked


# --- the documents -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeeRow:
    label: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    kind: str
    code: str

    @property
    def quantity_text(self) -> str:
        return _number(self.quantity).replace(".", ",")

    @property
    def rate_text(self) -> str:
        return _number(self.rate).replace(".", ",")


@dataclass(frozen=True)
class WasteDecisionView:
    """Everything the PDF and the XML show (read once from the database)."""

    decision: WasteDecision
    organ: str
    office: str
    addressee: str
    address: str
    property_address: str
    fee: domain.FeeResult
    rows: tuple[FeeRow, ...]
    method_label: str
    exemptions: tuple[str, ...]
    due_day: int
    bank_account: str
    qr_payload: str
    qr_png_base64: str
    legal_basis: tuple[str, ...]
    cottage: bool


def _number(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def fee_rows(fee: domain.FeeResult) -> tuple[FeeRow, ...]:
    """The computation lines with a label each (active language)."""
    rows = []
    for line in fee.lines:
        if line.kind == "base":
            label = _("Fee %(method)s") % {"method": domain.method_name(line.code)}
        elif line.kind == "cap":
            label = _("Limit of the water method per household")
        elif line.kind == "multiplier":
            label = _("Increase for waste not collected selectively")
        elif line.kind == "discount":
            label = _("Discount for composting bio-waste at home")
        elif line.kind == "exemption":
            label = _("Exemption %(code)s") % {"code": line.code}
        elif line.kind == "container":
            capacity, _slash, frequency = line.code.partition("/")
            label = _("Container %(capacity)s l emptied %(frequency)s times a month") % {
                "capacity": capacity, "frequency": frequency}  # fmt: skip
        else:
            label = _("Holiday cottage, annual flat rate")
        rows.append(FeeRow(label, line.quantity, line.rate, line.amount, line.kind, line.code))
    return tuple(rows)


def _bank_account(payer, property_id: int, *, create: bool) -> str:
    """The payer's individual account for the waste fee from finance — the property's own when the office keeps one
    per property (``taxes.services.waste_charges.account_ref``) — or "" when finance has no bank profile. ``create``:
    the issued decision (the account is opened on first use); a preview only reads (never uses up a number)."""
    from finance.models import ReceivableType
    from finance.services.virtual_accounts import virtual_account_for, virtual_account_of
    from taxes.services.waste_charges import account_ref

    receivable_type = ReceivableType.objects.filter(code="waste_fee").first()
    ref = account_ref(property_id)
    if not create:
        found = virtual_account_of(party=payer, receivable_type=receivable_type, source_ref=ref, fallback=True)
        return found.nrb if found is not None else ""
    try:
        return virtual_account_for(party=payer, receivable_type=receivable_type, source_ref=ref).nrb
    except ApplicationError:
        return ""


def decision_view(decision: WasteDecision, *, create_account: bool = False) -> WasteDecisionView:
    from taxes.services.assessment import qr_payload
    from taxes.services.decisions import _address, organ_name, qr_png

    d = WasteDecision.objects.select_related("payer__registered_address", "property__address", "case").get(
        pk=decision.pk
    )
    d.issue_date = decision.issue_date or d.issue_date  # the date about to be set when issuing
    fee = fee_of(d)
    resolution = waste_resolution_on(d.effective_from)
    account = _bank_account(d.payer, d.property_id, create=create_account)
    amount = fee.total if fee.total > 0 else fee.annual
    payload = qr_payload(account=account, amount=amount, title=f"{d.number} odpady") if account and amount else ""
    names = {e.code: e.name for e in resolution.exemptions.all()} if resolution else {}
    return WasteDecisionView(
        decision=d,
        organ=organ_name(),
        office=getattr(settings, "MAGISTRAT_OFFICE_NAME", ""),
        addressee=d.payer.display_name,
        address=_address(d.payer),
        property_address=str(d.property.address),
        fee=fee,
        rows=fee_rows(fee),
        method_label=d.get_method_display() if d.method else "",
        exemptions=tuple(f"{code} – {names.get(code, code)}" for code in d.exemption_codes or ()),
        due_day=resolution.due_day if resolution else 0,
        bank_account=account,
        qr_payload=payload,
        qr_png_base64=base64.b64encode(qr_png(payload)).decode() if payload else "",
        legal_basis=LEGAL_BASIS,
        cottage=d.property.kind == WasteProperty.Kind.COTTAGE,
    )


def decision_html(view: WasteDecisionView) -> str:
    with translation.override("pl"):
        return render_to_string("taxes/waste/decision_pdf.html", {"v": view, "d": view.decision})


@cache
def _schema():
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(XSD_PATH)))


def _money(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01'))}"


def decision_xml(view: WasteDecisionView) -> bytes:
    """The decision in the documented layout (docs: waste-decision XML), validated against the XSD."""
    from lxml import etree

    d = view.decision
    ns = f"{{{XML_NS}}}"

    def sub(parent, tag, text=None, **attrs):
        el = etree.SubElement(parent, ns + tag, {k: str(a) for k, a in attrs.items()})
        if text is not None:
            el.text = str(text)
        return el

    root = etree.Element(ns + "WasteDecision", nsmap={None: XML_NS}, version="1")
    sub(root, "Number", d.number)
    sub(root, "IssueDate", (d.issue_date or timezone.localdate()).isoformat())
    sub(root, "Organ", view.organ)
    if d.case_id:
        sub(root, "Case", d.case.mark)
    addressee = sub(root, "Addressee", id=d.payer_id)
    sub(addressee, "Name", view.addressee)
    if view.address:
        sub(addressee, "Address", view.address)
    prop = sub(root, "Property", id=d.property_id)
    sub(prop, "Identifier", d.property.identifier)
    sub(prop, "Address", view.property_address)
    sub(prop, "Kind", d.property.kind)
    basis = sub(root, "LegalBasis")
    for text in view.legal_basis:
        sub(basis, "Provision", text)
    sub(root, "FeeFrom", d.effective_from.isoformat())
    data = sub(root, "Data", estimated=str(d.estimated).lower())
    if d.method:
        sub(data, "Method", d.method)
    if d.residents is not None:
        sub(data, "Residents", d.residents)
    if d.water_m3 is not None:
        sub(data, "WaterM3", _money(d.water_m3))
    if d.dwelling_m2 is not None:
        sub(data, "DwellingM2", _money(d.dwelling_m2))
    if d.households is not None:
        sub(data, "Households", d.households)
    sub(data, "Selective", str(d.selective).lower())
    sub(data, "Composts", str(d.composts).lower())
    for code in d.exemption_codes or ():
        sub(data, "Exemption", code=code)
    for c in declared_of(d).containers:
        sub(data, "Container", capacity=c.capacity_l, frequency=c.frequency, count=c.count)
    computation = sub(root, "Computation")
    for row in view.rows:
        attrs = {"kind": row.kind, "quantity": _number(row.quantity), "rate": _number(row.rate)}
        if row.code:
            attrs["code"] = row.code
        sub(computation, "Line", _number(row.amount), **attrs)
    sub(root, "MonthlyFee", _money(view.fee.total))
    if view.cottage:
        sub(root, "AnnualFee", _money(view.fee.annual))
    payment = sub(root, "Payment")
    sub(payment, "DueDay", view.due_day)
    if view.bank_account:
        sub(payment, "BankAccount", view.bank_account)
    if view.qr_payload:
        sub(payment, "QrPayload", view.qr_payload)
    sub(root, "Justification", d.justification)
    if d.finding_id:
        sub(root, "Finding", id=d.finding_id, kind=d.finding.kind, month=d.finding.month.isoformat())
    if d.declaration_id:
        sub(root, "DeclarationInDoubt", d.declaration.number or str(d.declaration_id), id=d.declaration_id)
    content = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    schema = _schema()
    if not schema.validate(etree.fromstring(content)):
        raise ApplicationError(
            _("The decision XML does not match its schema: %(error)s") % {"error": str(schema.error_log.last_error)},
            code="invalid_xml",
        )
    return content


def waste_decision_render(decision: WasteDecision) -> tuple[bytes, bytes]:
    """(PDF, XML) of ``decision`` as issued: the payer's individual account is opened by finance on first use."""
    from core.pdf import render_pdf

    view = decision_view(decision, create_account=True)
    return render_pdf(decision_html(view), compact_ua=True), decision_xml(view)


# --- issue, dispatch -----------------------------------------------------------------------------------------------


def _file_name(decision: WasteDecision, ext: str) -> str:
    return f"{decision.number.replace('/', '-')}.{ext}"


def waste_decision_issue(*, actor, decision: WasteDecision) -> WasteDecision:
    """Render the PDF and XML and hand them over to EZD as an outgoing decision in the decision's case (the payer
    the recipient, ``source_ref`` ``waste-decision:<id>``); DRAFT → ISSUED with today's issue date. Idempotent: a
    decision with a document is returned as it is."""
    from documents.models.outgoing import DocumentKind
    from documents.services.outgoing import outgoing_create

    _require(actor)
    current = WasteDecision.objects.get(pk=decision.pk)
    if current.document_id:
        return current
    if current.status != S.DRAFT:
        raise ApplicationError(_("Only a draft decision can be issued."), code="invalid_transition")
    if not current.case_id:
        raise ApplicationError(_("The decision has no case."), code="no_case")
    current.issue_date = current.issue_date or timezone.localdate()
    pdf, xml = waste_decision_render(current)
    with transaction.atomic():
        locked = (
            WasteDecision.objects.select_for_update(of=("self",)).select_related("case", "payer").get(pk=current.pk)
        )
        if locked.document_id:
            return locked
        if locked.status != S.DRAFT:
            raise ApplicationError(_("Only a draft decision can be issued."), code="invalid_transition")
        document = outgoing_create(
            case=locked.case, document=pdf, file_name=_file_name(locked, "pdf"), mime="application/pdf",
            title=_("Decision determining the waste fee %(number)s") % {"number": locked.number},
            kind=DocumentKind.DECISION, recipients=[locked.payer], source_app="taxes",
            source_ref=f"{REF_PREFIX}{locked.pk}", actor=None if isinstance(actor, str) else actor,
            attachments=[(_file_name(locked, "xml"), "application/xml", xml)],
        )  # fmt: skip
        _transition(
            locked, S.ISSUED, actor=actor, fields={"document": document, "issue_date": current.issue_date},
            details={"document": document.pk, "case": locked.case.mark},
        )  # fmt: skip
    return locked


def waste_decision_dispatch(*, actor, decision: WasteDecision, edoreczenia=None, epuap=None) -> WasteDecision:
    """Sign (e-seal) and dispatch the issued decision's document by the documents app's channel rule; a dispatched
    document is left as it is."""
    from documents.models import OutgoingDocument
    from documents.services.dispatch import document_dispatch
    from documents.services.signing import document_sign

    _require(actor)
    decision = WasteDecision.objects.select_related("document").get(pk=decision.pk)
    if decision.document_id is None:
        raise ApplicationError(_("A decision not yet issued cannot be dispatched."), code="not_issued")
    document = decision.document
    if document.status == OutgoingDocument.Status.DISPATCHED:
        return decision
    dispatcher = actor if not isinstance(actor, str) and actor.has_perm("documents.dispatch_mail") else SYSTEM
    signed = False
    if document.status != OutgoingDocument.Status.SIGNED:
        document_sign(actor=actor, document=document)
        signed = True
    shipments = document_dispatch(actor=dispatcher, document=document, edoreczenia=edoreczenia, epuap=epuap)
    with transaction.atomic():
        audit_log(actor=actor, action="taxes.waste_decision.dispatched", obj=decision, details={
            "number": decision.number, "document": document.pk, "signed": signed,
            "shipments": [s.pk for s in shipments or ()]})  # fmt: skip
    decision.document.refresh_from_db()
    return decision


# --- delivery → the fee register → finance -------------------------------------------------------------------------


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The 1st of every month from ``first``'s month to ``last``'s month (inclusive)."""
    month, end, result = first.replace(day=1), last.replace(day=1), []
    while month <= end:
        result.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return result


def _bring_finance_in_line(decision: WasteDecision) -> dict:
    """Charged months from the decision's month corrected to the decided fee, the months up to the current one not
    yet charged posted (original due dates: the decision is declaratory). Failures are recorded, not raised."""
    from taxes.services.waste_charges import waste_charges_correct, waste_charges_post

    result = {"corrected": [], "posted": 0, "errors": []}
    try:
        rows = waste_charges_correct(actor=SYSTEM, property=decision.property, from_month=decision.effective_from)
        result["corrected"] = [r["month"] for r in rows]
    except ApplicationError as error:
        result["errors"].append(str(error.message))
    for month in months_between(decision.effective_from, timezone.localdate()):
        try:
            counts = waste_charges_post(actor=SYSTEM, month=month, property_ids=[decision.property_id])
        except ApplicationError as error:
            result["errors"].append(f"{month:%Y-%m}: {error.message}")
            continue
        result["posted"] += counts.get("posted", 0)
        if counts.get("errors"):
            result["errors"].append(f"{month:%Y-%m}: {counts['errors']}")
    return result


def waste_decision_delivered(*, decision_id: int, delivered_on: datetime.date, actor=SYSTEM) -> WasteDecision:
    """ISSUED → DELIVERED, once (a second receipt changes nothing): the decision's row in the fee register (a
    ``WasteDeclaration`` of purpose DECISION, accepted, superseding the accepted declarations of the property not yet
    superseded, as accepting a declaration does), then finance brought in line."""
    _require(actor)
    with transaction.atomic():
        decision = WasteDecision.objects.select_for_update().get(pk=decision_id)
        if decision.status != S.ISSUED:
            return decision
        WasteProperty.objects.select_for_update().get(pk=decision.property_id)
        in_force = declarations_in_force(decision.effective_from, property_ids=[decision.property_id])
        previous = in_force[0] if in_force else None
        # the accepted declarations from a later month (a change filed meanwhile) stay in force from their month
        # (art. 6o ust. 2: the decided fee applies until a change of data); the earliest of them ends the decision
        later = (
            WasteDeclaration.objects.filter(
                property_id=decision.property_id, status=WasteDeclaration.Status.ACCEPTED,
                effective_from__gt=decision.effective_from,
            )
            .order_by("effective_from", "pk")
            .first()
        )  # fmt: skip
        row = WasteDeclaration.objects.create(
            property_id=decision.property_id, payer_id=decision.payer_id, number=decision.number,
            filed_on=delivered_on, effective_from=decision.effective_from, purpose=WasteDeclaration.Purpose.DECISION,
            status=WasteDeclaration.Status.ACCEPTED, case_id=decision.case_id, previous=previous,
            superseded_by=later, decided_at=timezone.now(), payload={"decision": decision.pk},
            **{name: getattr(decision, name) for name in DATA_FIELDS},
        )  # fmt: skip
        earlier = list(
            WasteDeclaration.objects.select_for_update(of=("self",))
            .filter(property_id=decision.property_id, status=WasteDeclaration.Status.ACCEPTED,
                    effective_from__lte=decision.effective_from)
            .exclude(pk=row.pk)
            .exclude(superseded_by__status=WasteDeclaration.Status.ACCEPTED,
                     superseded_by__effective_from__lte=decision.effective_from)
            .order_by("pk")
        )  # fmt: skip
        for old in earlier:
            old.superseded_by = row
            old.save(update_fields=["superseded_by"])
        _transition(
            decision, S.DELIVERED, actor=actor, fields={"delivered_on": delivered_on, "basis": row},
            details={"delivered_on": delivered_on.isoformat(), "register_row": row.pk,
                     "superseded": [old.pk for old in earlier], "ended_by": later.pk if later else None},
        )  # fmt: skip
    finance = _bring_finance_in_line(decision)
    with transaction.atomic():
        audit_log(actor=actor, action="taxes.waste_decision.finance", obj=decision, details=finance)
    return decision


def on_waste_decision_receipt(event) -> None:
    """documents.events receipt handler for source_app "taxes": refs ``waste-decision:<id>``; others are ignored."""
    ref = event.source_ref or ""
    if ref.startswith(REF_PREFIX):
        waste_decision_delivered(decision_id=int(ref[len(REF_PREFIX) :]), delivered_on=event.delivered_on)


def waste_decision_document_read(*, actor, decision: WasteDecision, fmt: str) -> bytes:
    """The PDF or XML of a decision for download (a draft: a preview); the read is logged."""
    _require(actor)
    if fmt not in ("pdf", "xml"):
        _refuse("fmt", _("Choose the format: PDF or XML."))
    view = decision_view(decision)
    content = render_pdf_of(view) if fmt == "pdf" else decision_xml(view)
    with transaction.atomic():
        audit_log(actor=actor, action="taxes.waste_decision.read", obj=decision, details={"format": fmt})
    return content


def render_pdf_of(view: WasteDecisionView) -> bytes:
    from core.pdf import render_pdf

    return render_pdf(decision_html(view), compact_ua=True)
