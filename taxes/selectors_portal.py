"""Reads of taxes for the residents' portal ("My taxes and fees"): one party's decisions (as addressee or jointly
liable), how their amounts were computed (the calculation table), their installments, the declarations and
information (IN-1, DN-1, … and the waste-fee DO-1), the waste fee's monthly computation and the decision PDFs.

Every function takes the party (never an id from a request) and returns plain frozen dataclasses. A decision is
shown once it reached the resident: delivered, final (self-assessments are recorded final) or cancelled after
delivery — never a draft nor one still on its way. Reads are set-based (prefetch): the number of queries does not
grow with the number of decisions, items or installments; the waste fee's computation reads the rates once per
distinct month a declaration starts in within the year (bounded by the declarations, not by installments).
The PDF read is the document delivered (the latest version of its outgoing document in EZD) and is logged. A
declaration's PDF (``declaration_pdf`` / ``waste_declaration_pdf``) is the PDF it came with in EZD, else a
visualisation of the data stored (rendered with WeasyPrint), and is logged too.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch, Q

from core.exceptions import NotFoundOrForbidden
from core.services.audit import audit_log
from taxes.domain import waste as waste_domain
from taxes.models import (
    Decision,
    DecisionInstallment,
    DecisionItem,
    Declaration,
    RateCategory,
    WasteDecision,
    WasteDeclaration,
)
from taxes.models.reference import Tax

S = Decision.Status
WS = WasteDecision.Status


@dataclass(frozen=True)
class ItemLine:
    tax: str
    tax_label: str
    object: str
    category: str
    category_name: str
    unit: str  # m2 / ha / percent / vehicle / ha_conv
    unit_label: str
    base: Decimal
    rate: Decimal
    months: int
    share: str
    amount: Decimal  # exact (4 places)


@dataclass(frozen=True)
class TaxLine:
    tax: str
    tax_label: str
    exact: Decimal
    amount: Decimal


@dataclass(frozen=True)
class DecisionInstallmentLine:
    number: int
    due_date: datetime.date
    effective_due_date: datetime.date | None
    amount: Decimal


@dataclass(frozen=True)
class DecisionInfo:
    id: int
    kind: str
    kind_label: str
    number: str
    year: int
    issue_date: datetime.date | None
    status: str
    status_label: str
    delivered_on: datetime.date | None
    final_on: datetime.date | None
    total: Decimal
    role: str  # addressee / co_obligor
    changes_number: str
    has_pdf: bool
    taxes: tuple[TaxLine, ...]
    items: tuple[ItemLine, ...]
    installments: tuple[DecisionInstallmentLine, ...]


@dataclass(frozen=True)
class WasteDecisionInfo:
    id: int
    number: str
    property_identifier: str
    property_address: str
    effective_from: datetime.date
    method_label: str
    monthly_fee: Decimal
    status: str
    status_label: str
    issue_date: datetime.date | None
    delivered_on: datetime.date | None
    has_pdf: bool


@dataclass(frozen=True)
class DeclarationInfo:
    pk: int  # of the Declaration (kind tax) or the WasteDeclaration (kind waste): the PDF's URL
    kind: str  # tax / waste
    form: str  # IN-1, DN-1, … / DO-1
    form_label: str
    number: str
    purpose_label: str
    filed_on: datetime.date
    effective_from: datetime.date | None
    status: str
    status_label: str
    property: str


@dataclass(frozen=True)
class FeeLineInfo:
    label: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal


@dataclass(frozen=True)
class WasteComputation:
    """How the monthly waste fee of a declaration in force in the year is computed (under the rates in force in the
    first month of the year it applies to)."""

    declaration_number: str
    property_identifier: str
    property_address: str
    month: datetime.date  # the month the computation is for
    until: datetime.date | None  # the last month it applies to in the year (None: to the end of the year)
    method_label: str
    residents: int | None
    lines: tuple[FeeLineInfo, ...]
    monthly: Decimal  # payable per month
    annual: Decimal  # a holiday cottage's annual flat rate
    error: str  # when the fee cannot be computed (no resolution, …)


@dataclass(frozen=True)
class TaxYear:
    year: int
    decisions: tuple[DecisionInfo, ...]
    waste_decisions: tuple[WasteDecisionInfo, ...]
    declarations: tuple[DeclarationInfo, ...]
    waste_computations: tuple[WasteComputation, ...]


def _visible() -> Q:
    return Q(status__in=(S.DELIVERED, S.FINAL)) | Q(status=S.CANCELLED, delivered_on__isnull=False)


def _decisions_qs(party):
    # the joint decisions' ids first (indexed), so that the OR is two index lookups, not a scan with a subplan
    joint = list(Decision.co_obligors.through.objects.filter(party_id=party.pk).values_list("decision_id", flat=True))
    return Decision.objects.filter(Q(party_id=party.pk) | Q(pk__in=joint)).filter(_visible())


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def party_decisions(party, *, year: int | None = None) -> list[DecisionInfo]:
    """The party's tax decisions (of ``year`` when given) with items, taxes and installments, newest first: five
    queries whatever their number."""
    qs = _decisions_qs(party)
    if year is not None:
        qs = qs.filter(year=year)
    qs = qs.select_related("changes").prefetch_related(
        Prefetch("items", queryset=DecisionItem.objects.select_related("object").order_by("tax", "id")),
        "taxes",
        Prefetch("installments", queryset=DecisionInstallment.objects.order_by("number")),
    )
    decisions = list(qs.order_by("-year", "issue_date", "id"))
    if not decisions:
        return []
    categories = {code: (name, unit) for code, name, unit in RateCategory.objects.values_list("code", "name", "unit")}
    result = []
    for d in decisions:
        items = []
        for i in d.items.all():
            name, unit = categories.get(i.category, (i.category, ""))
            items.append(ItemLine(
                tax=i.tax, tax_label=_label(Tax, i.tax), object=str(i.object), category=i.category,
                category_name=name, unit=unit, unit_label=_label(RateCategory.Unit, unit) if unit else "",
                base=i.base, rate=i.rate, months=i.months, share=i.share, amount=i.amount,
            ))  # fmt: skip
        result.append(DecisionInfo(
            id=d.pk, kind=d.kind, kind_label=d.get_kind_display(), number=d.number, year=d.year,
            issue_date=d.issue_date, status=d.status, status_label=d.get_status_display(),
            delivered_on=d.delivered_on, final_on=d.final_on, total=d.total,
            role="addressee" if d.party_id == party.pk else "co_obligor",
            changes_number=d.changes.number if d.changes_id else "", has_pdf=d.document_id is not None,
            taxes=tuple(TaxLine(t.tax, _label(Tax, t.tax), t.exact, t.amount)
                        for t in sorted(d.taxes.all(), key=lambda t: t.tax)),
            items=tuple(items),
            installments=tuple(DecisionInstallmentLine(i.number, i.due_date, i.effective_due_date, i.amount)
                               for i in d.installments.all()),
        ))  # fmt: skip
    return result


def _waste_decisions_qs(party):
    return WasteDecision.objects.filter(payer_id=party.pk, status__in=(WS.DELIVERED,))


def decisions_visible_to(party):
    """The tax decisions ``party`` may see (addressee or co-obligor; delivered, final, or cancelled after delivery):
    the portal's pages and the "my data" export apply the same rule."""
    return _decisions_qs(party)


def waste_decisions_visible_to(party):
    """The waste fee decisions (art. 6o) of ``party`` that were delivered."""
    return _waste_decisions_qs(party)


def party_waste_decisions(party, *, year: int | None = None) -> list[WasteDecisionInfo]:
    """The party's delivered waste-fee decisions (art. 6o) that apply in ``year`` (from a month of it or earlier)."""
    qs = _waste_decisions_qs(party).select_related("property__address__street", "property__address__locality")
    if year is not None:
        qs = qs.filter(effective_from__lte=datetime.date(year, 12, 31))
    return [_waste_decision_info(d) for d in qs.order_by("-effective_from", "-id")]


def _waste_decision_info(d) -> WasteDecisionInfo:
    return WasteDecisionInfo(
        id=d.pk, number=d.number, property_identifier=d.property.identifier,
        property_address=_address(d.property.address), effective_from=d.effective_from,
        method_label=waste_domain.method_name(_domain_method(d.method)), monthly_fee=d.monthly_fee,
        status=d.status, status_label=d.get_status_display(), issue_date=d.issue_date,
        delivered_on=d.delivered_on, has_pdf=d.document_id is not None,
    )  # fmt: skip


def _address(address) -> str:
    if address is None:
        return ""
    one_line = getattr(address, "one_line", None)
    return one_line if isinstance(one_line, str) else str(address)


def _domain_method(method: str) -> str:
    from taxes.selectors_waste import DOMAIN_METHOD

    return DOMAIN_METHOD.get(method, method or "")


def _waste_in_year(year: int):
    """Waste declarations applying in ``year``: from a month up to its end and not superseded before it starts."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return Q(effective_from__lte=end) & (
        Q(superseded_by__isnull=True) | Q(superseded_by__effective_from__gt=start) | Q(effective_from__gte=start)
    )


def party_declarations(party, *, year: int) -> list[DeclarationInfo]:
    """The party's tax declarations and information of ``year`` and its waste-fee declarations applying in it
    (newest first): two queries."""
    result = [_tax_declaration_info(d) for d in Declaration.objects.filter(party_id=party.pk, year=year)]
    waste = (
        WasteDeclaration.objects.filter(payer_id=party.pk)
        .filter(_waste_in_year(year))
        .exclude(purpose=WasteDeclaration.Purpose.DECISION)
        .select_related("property")
    )
    result += [_waste_declaration_info(d) for d in waste]
    result.sort(key=lambda d: d.filed_on, reverse=True)
    return result


def _tax_declaration_info(d) -> DeclarationInfo:
    return DeclarationInfo(
        pk=d.pk, kind="tax", form=d.form, form_label=d.get_form_display(), number="",
        purpose_label=d.get_purpose_display(), filed_on=d.filed_on, effective_from=d.event_date, status=d.status,
        status_label=d.get_status_display(), property="",
    )  # fmt: skip


def _waste_declaration_info(d) -> DeclarationInfo:
    return DeclarationInfo(
        pk=d.pk, kind="waste", form="DO-1", form_label=str(WasteDeclaration._meta.verbose_name), number=d.number,
        purpose_label=d.get_purpose_display(), filed_on=d.filed_on, effective_from=d.effective_from,
        status=d.status, status_label=d.get_status_display(), property=d.property.identifier,
    )  # fmt: skip


def party_waste_computations(party, *, year: int) -> list[WasteComputation]:
    """For each accepted waste-fee record (declaration or decision) of the party applying in ``year``: the monthly
    fee's computation lines (quantity × rate) under the rates in force in its first month within the year."""
    from taxes.selectors_waste import declared_of, waste_rates_on
    from taxes.services.waste_decisions import fee_rows

    start = datetime.date(year, 1, 1)
    rows = list(
        WasteDeclaration.objects.filter(payer_id=party.pk, status=WasteDeclaration.Status.ACCEPTED)
        .filter(_waste_in_year(year))
        .select_related("property__address__street", "property__address__locality", "superseded_by")
        .order_by("property_id", "effective_from", "id")
    )
    rates_of: dict[datetime.date, object] = {}
    result = []
    for d in rows:
        month = max(d.effective_from, start)
        until = None
        if d.superseded_by_id and d.superseded_by.effective_from.year == year:
            nxt = d.superseded_by.effective_from
            until = datetime.date(nxt.year - (nxt.month == 1), 12 if nxt.month == 1 else nxt.month - 1, 1)
        if month not in rates_of:
            rates_of[month] = waste_rates_on(month)
        rates = rates_of[month]
        lines, monthly, annual, error = (), Decimal("0.00"), Decimal("0.00"), ""
        if rates is None:
            error = "no_resolution"
        else:
            try:
                fee = waste_domain.monthly_fee(declared_of(d), rates)
            except waste_domain.WasteFeeError as exc:
                error = str(exc)
            else:
                lines = tuple(FeeLineInfo(r.label, r.quantity, r.rate, r.amount) for r in fee_rows(fee))
                monthly, annual = fee.total, waste_domain.payable(fee.annual)
        result.append(WasteComputation(
            declaration_number=d.number or str(d.pk), property_identifier=d.property.identifier,
            property_address=_address(d.property.address), month=month, until=until,
            method_label=waste_domain.method_name(_domain_method(d.method)), residents=d.residents, lines=lines,
            monthly=monthly, annual=annual, error=error,
        ))  # fmt: skip
    return result


def party_tax_year(party, *, year: int) -> TaxYear:
    """Everything of taxes the portal's year page shows."""
    return TaxYear(
        year=year,
        decisions=tuple(party_decisions(party, year=year)),
        waste_decisions=tuple(party_waste_decisions(party, year=year)),
        declarations=tuple(party_declarations(party, year=year)),
        waste_computations=tuple(party_waste_computations(party, year=year)),
    )


def party_tax_years(party) -> set[int]:
    """The years in which the party has a visible decision or a declaration (two queries)."""
    years = set(_decisions_qs(party).values_list("year", flat=True).distinct())
    years |= set(Declaration.objects.filter(party_id=party.pk).values_list("year", flat=True).distinct())
    return years


def _latest_pdf(document_id: int) -> bytes | None:
    from documents.models import DocumentVersion

    pdf = DocumentVersion.objects.filter(document_id=document_id).order_by("-number").values_list("pdf", flat=True)
    found = pdf.first()
    return bytes(found) if found is not None else None


def decision_pdf(*, user, party, decision_id: int) -> tuple[str, bytes]:
    """(file name, PDF) of the party's own tax decision as delivered (addressee or jointly liable). The same
    NotFoundOrForbidden for another's decision, one not delivered, one without a document, or none at all. The read
    is logged (``taxes.decision.read``, channel portal)."""
    decision = _decisions_qs(party).filter(pk=decision_id, document__isnull=False).first()
    content = _latest_pdf(decision.document_id) if decision is not None else None
    if content is None:
        raise NotFoundOrForbidden("Not found.")
    with transaction.atomic():
        audit_log(actor=user, action="taxes.decision.read", obj=decision,
                  details={"format": "pdf", "channel": "portal", "party": party.pk})  # fmt: skip
    return f"{(decision.number or str(decision.pk)).replace('/', '-')}.pdf", content


def waste_decision_pdf(*, user, party, decision_id: int) -> tuple[str, bytes]:
    """(file name, PDF) of the party's own delivered waste-fee decision; NotFoundOrForbidden otherwise; logged."""
    decision = _waste_decisions_qs(party).filter(pk=decision_id, document__isnull=False).first()
    content = _latest_pdf(decision.document_id) if decision is not None else None
    if content is None:
        raise NotFoundOrForbidden("Not found.")
    with transaction.atomic():
        audit_log(actor=user, action="taxes.waste_decision.read", obj=decision,
                  details={"format": "pdf", "channel": "portal", "party": party.pk})  # fmt: skip
    return f"{decision.number.replace('/', '-')}.pdf", content


# --- the declarations' PDF ------------------------------------------------------------------------------------------


def _withheld(context: dict) -> dict:
    """A rejected declaration's visualisation: the record only, not the content (it may have been recorded for the
    wrong person — a mistyped PESEL — and the clerk rejected it)."""
    from django.utils.translation import gettext as _

    fields = [*context["fields"], (_("Content"), _("not shown: the declaration was rejected"))]
    return {**context, "fields": fields, "declared": [], "tables": []}


@dataclass(frozen=True)
class PrintTable:
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _d(value) -> str:
    """A declared number as the resident gave it (decimal comma, no trailing zeros)."""
    from taxes.domain.forms import decimal_or_none

    if value in (None, ""):
        return ""
    number = decimal_or_none(value)
    if number is None:
        return str(value)
    return f"{number.normalize():f}".replace(".", ",")


def _date_text(day: datetime.date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


def _yes_no(value) -> str:
    from django.utils.translation import gettext as _

    return _("yes") if value else _("no")


def _person(data) -> str:
    name = " ".join(p for p in (data.get("first_name"), data.get("surname")) if p) or data.get("name") or ""
    ids = ", ".join(f"{label} {data[key]}" for key, label in (("pesel", "PESEL"), ("nip", "NIP")) if data.get(key))
    return f"{name} ({ids})" if name and ids else (name or ids)


def _object_base(obj) -> str:
    """The declared base of an object: area (m², ha), value (zł) or a vehicle's data."""
    from django.utils.translation import gettext as _

    kind = obj.get("kind")
    if kind == "structure":
        return f"{_d(obj.get('value'))} zł" if obj.get("value") not in (None, "") else ""
    if kind == "vehicle":
        parts = []
        if obj.get("vehicle_mass_kg"):
            parts.append(_("%(mass)s kg") % {"mass": obj["vehicle_mass_kg"]})
        if obj.get("vehicle_axles"):
            parts.append(_("axles: %(n)s") % {"n": obj["vehicle_axles"]})
        if obj.get("vehicle_seats"):
            parts.append(_("seats: %(n)s") % {"n": obj["vehicle_seats"]})
        if obj.get("vehicle_year"):
            parts.append(_("year of manufacture: %(year)s") % {"year": obj["vehicle_year"]})
        return ", ".join(parts)
    if obj.get("area") in (None, ""):
        return ""
    unit = "ha" if kind in ("agricultural", "forest") else "m²"
    text = f"{_d(obj.get('area'))} {unit}"
    if kind == "agricultural" and (obj.get("land_type") or obj.get("land_class")):
        text += f" ({' '.join(p for p in (obj.get('land_type'), obj.get('land_class')) if p)})"
    return text


def _tax_declaration_print(d: Declaration) -> dict:
    """What the visualisation of a tax declaration shows: the record and the form's content (``payload``) as the
    taxpayer declared it — not the clerk's proposed change of the register."""
    from django.utils.translation import gettext as _

    from taxes.models import ExemptionReason, Liability, TaxObject

    payload = d.payload if isinstance(d.payload, dict) else {}
    fields = [
        (_("Form"), d.get_form_display()),
        (_("Tax year"), str(d.year)),
        (_("Purpose"), d.get_purpose_display()),
        (_("Filed on"), _date_text(d.filed_on)),
    ]
    if d.event_date:
        fields.append((_("Date of the event"), _date_text(d.event_date)))
    if d.incoming_entry_id:
        fields.append((_("Entry in the RPW"), d.incoming_entry.rpw_number))
    fields.append((_("Status"), d.get_status_display()))
    taxpayer = payload.get("taxpayer") if isinstance(payload.get("taxpayer"), dict) else {}
    declared = []
    if taxpayer:
        declared.append((_("Taxpayer"), _person(taxpayer)))
        if taxpayer.get("role"):
            declared.append((_("Legal title"), _label(Liability.Role, taxpayer["role"])))
        if taxpayer.get("share"):
            declared.append((_("Share"), str(taxpayer["share"])))
    if payload.get("declared_tax") not in (None, ""):
        declared.append((_("Tax declared"), f"{_d(payload['declared_tax'])} zł"))
    objects = [o for o in payload.get("objects") or () if isinstance(o, dict)]
    categories = dict(RateCategory.objects.filter(code__in={o.get("category") for o in objects}).values_list(
        "code", "name"))  # fmt: skip
    exemptions = dict(ExemptionReason.objects.filter(code__in={o.get("exemption") for o in objects}).values_list(
        "code", "name"))  # fmt: skip
    rows = []
    for n, o in enumerate(objects, start=1):
        what = _label(TaxObject.Kind, o.get("kind") or "")
        if o.get("event") == "disposed":
            what = f"{what} ({_('disposed')})"
        where = " ".join(p for p in (o.get("precinct"), o.get("parcel"), o.get("identifier")) if p)
        category = o.get("category") or ""
        exemption = o.get("exemption") or ""
        rows.append((
            str(n), what, where or "—", categories.get(category, category) or "—", _object_base(o) or "—",
            f"{exemption} – {exemptions[exemption]}" if exemption in exemptions else (exemption or "—"),
        ))  # fmt: skip
    tables = []
    if rows:
        tables.append(PrintTable(
            _("Declared objects"),
            (_("No."), _("Object"), _("Precinct, parcel or identifier"), _("Category"), _("Area / base"),
             _("Exemption")),
            tuple(rows),
        ))  # fmt: skip
    co_owners = [c for c in payload.get("co_owners") or () if isinstance(c, dict)]
    if co_owners:
        tables.append(PrintTable(
            _("Co-owners"), (_("Co-owner"), _("Share")),
            tuple((_person(c) or "—", str(c.get("share") or "—")) for c in co_owners),
        ))  # fmt: skip
    return {"title": d.get_form_display(), "form": d.form, "fields": fields, "declared": declared, "tables": tables}


def _waste_declaration_print(d: WasteDeclaration) -> dict:
    """What the visualisation of a waste-fee declaration shows: the record and the data declared (the model's
    fields: the method and its quantities, selective collection, composting, exemptions, containers)."""
    from django.utils.translation import gettext as _

    from taxes.selectors_waste import waste_resolution_on

    fields = [(_("Form"), f"DO-1 {WasteDeclaration._meta.verbose_name}")]
    if d.number:
        fields.append((_("Number"), d.number))
    fields += [
        (_("Purpose"), d.get_purpose_display()),
        (_("Filed on"), _date_text(d.filed_on)),
        (_("Fee from (month)"), d.effective_from.strftime("%m.%Y")),
    ]
    if d.incoming_entry_id:
        fields.append((_("Entry in the RPW"), d.incoming_entry.rpw_number))
    fields.append((_("Status"), d.get_status_display()))
    prop = d.property
    declared = [
        (_("Property"), ", ".join(p for p in (prop.identifier, _address(prop.address)) if p)),
        (_("Kind of property"), prop.get_kind_display()),
    ]
    if d.method:
        declared.append((_("Method"), d.get_method_display()))
    for label, value in (
        (_("Residents"), d.residents),
        (_("Water consumed (m³ per month)"), _d(d.water_m3)),
        (_("Dwelling area (m²)"), _d(d.dwelling_m2)),
        (_("Households"), d.households),
    ):
        if value not in (None, ""):
            declared.append((label, str(value)))
    declared += [
        (_("Waste collected selectively"), _yes_no(d.selective)),
        (_("Bio-waste composted at home"), _yes_no(d.composts)),
    ]
    if d.exemption_codes:
        resolution = waste_resolution_on(d.effective_from)
        names = dict(resolution.exemptions.values_list("code", "name")) if resolution else {}
        for code in d.exemption_codes:
            declared.append((_("Exemption claimed"), f"{code} – {names[code]}" if code in names else str(code)))
    rows = []
    for row in d.containers or ():
        if isinstance(row, dict):
            capacity, frequency, count = row.get("capacity_l"), row.get("frequency"), row.get("count", 1)
        else:
            capacity, frequency, count = [*row, 1, 1, 1][:3]
        rows.append((str(capacity), str(frequency), str(count)))
    tables = []
    if rows:
        tables.append(PrintTable(
            _("Containers"), (_("Capacity (l)"), _("Collections per month"), _("Number of containers")), tuple(rows),
        ))  # fmt: skip
    title = str(WasteDeclaration._meta.verbose_name)
    return {"title": title, "form": "DO-1", "fields": fields, "declared": declared, "tables": tables}


DECLARATION_PDF_TEMPLATE = "taxes/declarations/visualisation_pdf.html"


def _visualisation(context: dict) -> bytes:
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.utils import timezone

    from core.pdf import render_pdf

    html = render_to_string(DECLARATION_PDF_TEMPLATE, {
        **context, "office": getattr(settings, "MAGISTRAT_OFFICE_NAME", ""), "printed_on": timezone.localdate(),
    })  # fmt: skip
    return render_pdf(html)


def _file_name(prefix: str, form: str, filed_on: datetime.date, pk: int) -> str:
    return f"{prefix}-{form}-{filed_on:%Y-%m-%d}-{pk}.pdf"


def _served(declaration, *, user, party, rejected: bool, render, action: str, form: str) -> tuple[str, bytes]:
    """(file name, PDF) of a declaration found as the party's own: its PDF from EZD (not for a rejected one), else the
    visualisation by ``render`` (a rejected one's without its content); the read logged as ``action``."""
    from documents.selectors_portal import sent_entry_pdf

    content = None if rejected else sent_entry_pdf(party_id=party.pk, entry=declaration.incoming_entry)
    source = "ezd" if content is not None else "visualisation"
    if content is None:
        context = render(declaration)
        content = _visualisation(_withheld(context) if rejected else context)
    with transaction.atomic():
        audit_log(actor=user, action=action, obj=declaration,
                  details={"format": "pdf", "channel": "portal", "party": party.pk, "source": source})  # fmt: skip
    return _file_name("deklaracja", form, declaration.filed_on, declaration.pk), content


def declaration_pdf(*, user, party, declaration_id: int) -> tuple[str, bytes]:
    """(file name, PDF) of the party's own tax declaration or information: the PDF it came with in EZD (the RPW
    entry's original, scan or PDF preview: ``documents.selectors_portal.sent_entry_pdf``), else a visualisation of
    the data stored (:func:`_tax_declaration_print`; a rejected declaration's without its content, :func:`_withheld`).
    The same NotFoundOrForbidden for another's declaration or none at all. The read is logged
    (``taxes.declaration.read``, channel portal; ``source``: ``ezd`` or ``visualisation``)."""
    declaration = (
        Declaration.objects.filter(pk=declaration_id, party_id=party.pk).select_related("incoming_entry").first()
    )
    if declaration is None:
        raise NotFoundOrForbidden("Not found.")
    rejected = declaration.status == Declaration.Status.REJECTED
    return _served(declaration, user=user, party=party, rejected=rejected, render=_tax_declaration_print,
                   action="taxes.declaration.read", form=declaration.form)  # fmt: skip


def waste_declaration_pdf(*, user, party, declaration_id: int) -> tuple[str, bytes]:
    """(file name, PDF) of the party's own waste-fee declaration (as the payer; not a record made by an art. 6o
    decision): as received in EZD, else a visualisation of the data stored; NotFoundOrForbidden otherwise; logged
    (``taxes.waste_declaration.read``)."""
    declaration = (
        WasteDeclaration.objects.filter(pk=declaration_id, payer_id=party.pk)
        .exclude(purpose=WasteDeclaration.Purpose.DECISION)
        .select_related("property__address__street", "property__address__locality", "incoming_entry")
        .first()
    )
    if declaration is None:
        raise NotFoundOrForbidden("Not found.")
    rejected = declaration.status == WasteDeclaration.Status.REJECTED
    return _served(declaration, user=user, party=party, rejected=rejected, render=_waste_declaration_print,
                   action="taxes.waste_declaration.read", form="DO-1")  # fmt: skip
