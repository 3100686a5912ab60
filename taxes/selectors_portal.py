"""Reads of taxes for the residents' portal ("My taxes and fees"): one party's decisions (as addressee or jointly
liable), how their amounts were computed (the calculation table), their installments, the declarations and
information (IN-1, DN-1, … and the waste-fee DO-1), the waste fee's monthly computation and the decision PDFs.

Every function takes the party (never an id from a request) and returns plain frozen dataclasses. A decision is
shown once it reached the resident: delivered, final (self-assessments are recorded final) or cancelled after
delivery — never a draft nor one still on its way. Reads are set-based (prefetch): the number of queries does not
grow with the number of decisions, items or installments; the waste fee's computation reads the rates once per
distinct month a declaration starts in within the year (bounded by the declarations, not by installments).
The PDF read is the document delivered (the latest version of its outgoing document in EZD) and is logged.
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
        kind="tax", form=d.form, form_label=d.get_form_display(), number="", purpose_label=d.get_purpose_display(),
        filed_on=d.filed_on, effective_from=d.event_date, status=d.status, status_label=d.get_status_display(),
        property="",
    )  # fmt: skip


def _waste_declaration_info(d) -> DeclarationInfo:
    return DeclarationInfo(
        kind="waste", form="DO-1", form_label=str(WasteDeclaration._meta.verbose_name), number=d.number,
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
