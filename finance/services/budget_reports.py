"""Budget reports (reads): the Rb-27S report and the finance dashboard, computed from the journal by aggregate
queries and from the set-based balances of ``finance.selectors``.

Definitions for the period 1 January – ``period_end`` (documented in docs/finance.md), one for the report and the
dashboard (:func:`charge_lines`, :func:`receipt_lines`):

* **plan** — :class:`~finance.models.BudgetPlanLine` of the year.
* **należności** (charges) — on account 221, debits − credits of the events ``charge``, ``interest``,
  ``reminder_cost`` and ``reduction`` (a reduction is a credit, so it counts negatively; a storno keeps the event
  with the sides swapped, so it counts negatively too), and the CREDIT lines of the stornos posted under their own
  event (``payment_unallocated``, ``payment_reversed_by_bank``, ``cash_receipt_cancelled``: the interest charged on
  the payment date cancelled, 720 Wn / 221 Ma under the interest paragraf); plus revenue received without a prior
  charge (event ``cash_revenue``, 101/720): credits − debits of 720. Per the classification on the journal lines.
* **dochody wykonane** (receipts) — on account 221, credits − debits of the receipt events ``payment_bank``,
  ``payment_cash``, ``unidentified_resolved`` and ``refund`` (a refund is a debit of 221, so receipts are net of
  refunds) and the DEBIT lines of those three stornos (receipts taken back: a KP cancelled, a payment un-allocated —
  counted again when it is resolved — or taken back by the bank); plus ``cash_revenue`` as above. The definition of
  ``finance.services.reports.receipt_lines`` (the ledger's receipts per classification). Overpaid amounts are
  receipts (they reached the budget account).
* **zaległości** (arrears) — principal of installments past their effective due date and unpaid at the period end,
  from ``finance.selectors.arrears(as_of=period_end)`` (interest not yet charged and reminder costs are not
  arrears here), under the classification of the account's receivable type (its paragraf).
* **nadpłaty** (overpayments) — at the period end, the credit balance of each analytic account of 221 (one obligor
  account, all its lines up to the period end), under the classification of that account's receivable type: the
  same figure as the Ma closing balance of 221 in the trial balance.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce, ExtractMonth
from django.utils.translation import gettext as _
from lxml import etree

from core.exceptions import ServiceValidationError
from finance import selectors
from finance.domain import rb27s
from finance.models import BudgetPlanLine, JournalLine, ObligorAccount, ReceivableType
from finance.services import reports as ledger_reports

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
CHARGE_EVENTS = ("charge", "interest", "reminder_cost")
REDUCTION_EVENTS = ("reduction",)
RECEIPT_EVENTS = ledger_reports.RECEIPT_EVENTS
STORNO_EVENTS = ledger_reports.RECEIPT_REVERSAL_EVENTS  # stornos under their own event (reverses=None)
DIRECT_REVENUE_EVENTS = ("cash_revenue",)
RECEIVABLES = "221"
REVENUE = "720"
XML_NS = "urn:magistrat:finance:rb27s:1"
XSD_PATH = Path(__file__).resolve().parent.parent / "data" / "rb27s" / "rb27s-magistrat-1.xsd"
CLS = ("dzial", "rozdzial", "paragraf")


def _cents(value: Decimal) -> Decimal:
    """A sum to the grosz: SQLite adds decimals as floats and returns e.g. ``0E-11`` or ``70.7300000000000``."""
    return value.quantize(CENT)


def _sum(column: str, condition: Q | None = None):
    return Coalesce(
        Sum(column, filter=condition), Value(ZERO), output_field=DecimalField(max_digits=18, decimal_places=2)
    )


def _events(names) -> Q:
    return Q(entry__event__in=names) | Q(entry__reverses__event__in=names)


def _period(start: datetime.date, end: datetime.date) -> Q:
    return Q(entry__date__gte=start, entry__date__lte=end)


def _key(row) -> rb27s.Key:
    return (row["dzial"], row["rozdzial"], row["paragraf"])


def _grouped(q: Q, sign: str, group=CLS) -> dict:
    """Σ (debit − credit) when ``sign`` is ``"debit"``, Σ (credit − debit) otherwise, per ``group``."""
    out: dict = defaultdict(lambda: ZERO)
    rows = JournalLine.objects.filter(q).values(*group).annotate(d=_sum("debit"), c=_sum("credit")).order_by()
    for row in rows:
        key = tuple(row[g] for g in group) if len(group) > 1 else row[group[0]]
        out[key] += _cents((row["d"] - row["c"]) if sign == "debit" else (row["c"] - row["d"]))
    return out


def _merge(*parts: dict, negate: tuple[dict, ...] = ()) -> dict:
    out: dict = defaultdict(lambda: ZERO)
    for part in parts:
        for k, v in part.items():
            out[k] += v
    for part in negate:
        for k, v in part.items():
            out[k] -= v
    return dict(out)


def charge_lines() -> Q:
    """Lines of 221 counted as charges, debit − credit (see the module docstring)."""
    return Q(account__number=RECEIVABLES) & (
        _events(CHARGE_EVENTS + REDUCTION_EVENTS) | Q(entry__event__in=STORNO_EVENTS, credit__gt=0)
    )


def direct_revenue_lines() -> Q:
    """Lines of 720 of revenue received without a prior charge, credit − debit: a charge and a receipt at once."""
    return Q(account__number=REVENUE) & _events(DIRECT_REVENUE_EVENTS)


def receipt_lines() -> Q:
    """Lines counted as receipts, credit − debit: 221 by ``finance.services.reports.receipt_lines``, and 720 of
    ``cash_revenue``."""
    return (Q(account__number=RECEIVABLES) & ledger_reports.receipt_lines()) | direct_revenue_lines()


def charges_by_classification(start: datetime.date, end: datetime.date, group=CLS) -> dict:
    within = _period(start, end)
    return _merge(
        _grouped(charge_lines() & within, "debit", group),
        _grouped(direct_revenue_lines() & within, "credit", group),
    )


def receipts_by_classification(start: datetime.date, end: datetime.date, group=CLS) -> dict:
    return _merge(_grouped(receipt_lines() & _period(start, end), "credit", group))


def _type_key(receivable_type: ReceivableType) -> rb27s.Key:
    return (receivable_type.dzial, receivable_type.rozdzial, receivable_type.paragraf)


def overpayments_by_classification(end: datetime.date) -> dict:
    """Credit balances of the analytic accounts of 221 at ``end``, under each account's receivable type."""
    rows = (
        JournalLine.objects.filter(account__number=RECEIVABLES, entry__date__lte=end, obligor_account__isnull=False)
        .values("obligor_account_id")
        .annotate(d=_sum("debit"), c=_sum("credit"))
        .order_by()
    )
    credit = {r["obligor_account_id"]: _cents(r["c"] - r["d"]) for r in rows if _cents(r["c"] - r["d"]) > 0}
    types = dict(ObligorAccount.objects.filter(pk__in=credit).values_list("pk", "receivable_type_id"))
    by_type = {t.pk: t for t in ReceivableType.objects.filter(pk__in=set(types.values()))}
    out: dict = defaultdict(lambda: ZERO)
    for pk, amount in credit.items():
        out[_type_key(by_type[types[pk]])] += amount
    return dict(out)


def arrears_by_classification(end: datetime.date) -> dict:
    out: dict = defaultdict(lambda: ZERO)
    for account, balance in selectors.arrears(as_of=end):
        out[_type_key(account.receivable_type)] += balance.arrears
    return dict(out)


def check_period(year, period_end) -> tuple[int, datetime.date]:
    errors: dict[str, list[str]] = {}
    try:
        year = int(year)
    except (TypeError, ValueError):
        errors["year"] = [_("Give a valid year.")]
    if not isinstance(period_end, datetime.date):
        errors["period_end"] = [_("Give the last day of the period.")]
    if not errors and not rb27s.period_end_valid(year, period_end):
        errors["period_end"] = [_("The period must end on the last day of a month of the report's year.")]
    if errors:
        raise ServiceValidationError(_("The report period is not valid."), errors=errors)
    return year, period_end


def rb27s_report(*, year, period_end: datetime.date) -> rb27s.Rb27sReport:
    """The Rb-27S report for 1 January – ``period_end`` of ``year`` (definitions in the module docstring)."""
    year, period_end = check_period(year, period_end)
    start = datetime.date(year, 1, 1)
    plan = {
        (x.dzial, x.rozdzial, x.paragraf): x.amount
        for x in BudgetPlanLine.objects.filter(year=year).only("dzial", "rozdzial", "paragraf", "amount")
    }
    return rb27s.build_report(
        year=year,
        period_end=period_end,
        plan=plan,
        charges=charges_by_classification(start, period_end),
        receipts=receipts_by_classification(start, period_end),
        arrears=arrears_by_classification(period_end),
        overpayments=overpayments_by_classification(period_end),
    )


def rb27s_csv(report: rb27s.Rb27sReport) -> tuple[list[str], list[list]]:
    header = [_("Section"), _("Chapter"), _("Paragraph"), _("Plan"), _("Charges"), _("Receipts"), _("Arrears"),
              _("Overpayments")]  # fmt: skip
    rows = [[x.dzial, x.rozdzial, x.paragraf, *x.values()] for x in report.lines]
    rows.append([_("Total"), "", "", *report.totals.values()])
    return header, rows


def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_PATH)))


def rb27s_xml(report: rb27s.Rb27sReport, *, office: str = "", generated_at: datetime.datetime | None = None) -> bytes:
    """The report in our layout (docs/integrations/rb27s.md), validated against rb27s-magistrat-1.xsd."""

    def el(parent, name, text=None, **attrs):
        node = etree.SubElement(parent, f"{{{XML_NS}}}{name}", **attrs)
        if text is not None:
            node.text = str(text)
        return node

    def amounts(parent, line):
        for tag, column in (("Plan", "plan"), ("Naleznosci", "charges"), ("DochodyWykonane", "receipts"),
                            ("Zaleglosci", "arrears"), ("Nadplaty", "overpayments")):  # fmt: skip
            el(parent, tag, f"{getattr(line, column):.2f}")

    root = etree.Element(f"{{{XML_NS}}}Rb27S", nsmap={None: XML_NS}, wersja="1")
    header = el(root, "Naglowek")
    el(header, "Rok", report.year)
    el(header, "OkresOd", report.period_start.isoformat())
    el(header, "OkresDo", report.period_end.isoformat())
    if office:
        el(header, "Jednostka", office[:300])
    if generated_at is not None:
        el(header, "Wygenerowano", generated_at.replace(microsecond=0).isoformat())
    positions = el(root, "Pozycje")
    for line in report.lines:
        item = el(positions, "Pozycja", dzial=line.dzial, rozdzial=line.rozdzial, paragraf=line.paragraf)
        amounts(item, line)
    amounts(el(root, "Razem"), report.totals)
    document = etree.ElementTree(root)
    schema = _schema()
    if not schema.validate(document):  # pragma: no cover - a programming error, never the user's
        raise ValueError(f"Rb-27S XML does not match its schema: {schema.error_log.last_error}")
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- the dashboard ------------------------------------------------------------------------------------------


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if not whole else (part * 100 / whole).quantize(Decimal("0.01"))


def _account_states(accounts: list[ObligorAccount], as_of: datetime.date):
    return list(selectors.account_states(accounts, as_of=as_of).values())


def arrears_ageing(as_of: datetime.date) -> list[dict]:
    """Per receivable type and ageing bucket (days after the effective due date: 0–30, 31–90, 91–365, > 365): the
    overdue unpaid principal and the number of obligor accounts with such an installment."""
    types = {t.pk: t for t in ReceivableType.objects.all()}
    amounts: dict = defaultdict(lambda: ZERO)
    counts: dict = defaultdict(set)
    qs = (
        ObligorAccount.objects.filter(entries__kind="charge", entries__installments__effective_due_date__lt=as_of)
        .distinct()
        .select_related("receivable_type")
        .order_by("id")
    )
    batch = list(qs)
    for start in range(0, len(batch), 2000):
        for state in _account_states(batch[start : start + 2000], as_of):
            for inst in state.installments:
                if inst.effective_due_date < as_of and inst.state.principal > 0:
                    bucket = rb27s.age_bucket((as_of - inst.effective_due_date).days)
                    key = (state.account.receivable_type_id, bucket)
                    amounts[key] += inst.state.principal
                    counts[key].add(state.account.pk)
    out = []
    for type_id in sorted({k[0] for k in amounts}, key=lambda pk: types[pk].code):
        buckets = [
            {
                "bucket": label,
                "amount": amounts.get((type_id, label), ZERO),
                "count": len(counts.get((type_id, label), ())),
            }
            for _low, _high, label in rb27s.AGE_BUCKETS
        ]
        out.append({"receivable_type": types[type_id].code, "name": types[type_id].name, "buckets": buckets})
    return out


def collection_rates(year: int, as_of: datetime.date) -> list[dict]:
    """Per receivable type: charges and receipts (the Rb-27S definitions, without ``cash_revenue``, which has no
    obligor account) from 1 January to ``as_of`` and receipts as a percentage of charges."""
    start, end = datetime.date(year, 1, 1), min(as_of, datetime.date(year, 12, 31))
    group = ("obligor_account__receivable_type_id",)
    charges = charges_by_classification(start, end, group)
    receipts = receipts_by_classification(start, end, group)
    types = {t.pk: t for t in ReceivableType.objects.all()}
    out = []
    for pk in sorted((k for k in set(charges) | set(receipts) if k is not None), key=lambda k: types[k].code):
        c, r = charges.get(pk, ZERO), receipts.get(pk, ZERO)
        out.append({"receivable_type": types[pk].code, "name": types[pk].name, "charges": c, "receipts": r,
                    "rate": _percent(r, c)})  # fmt: skip
    return out


def receipts_per_month(year: int) -> list[dict]:
    """Receipts (the Rb-27S definition) per month of ``year``: 12 rows, months without receipts as zero."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    rows = (
        JournalLine.objects.filter(receipt_lines() & _period(start, end))
        .annotate(month=ExtractMonth("entry__date"))
        .values("month")
        .annotate(d=_sum("debit"), c=_sum("credit"))
        .order_by()
    )
    found = defaultdict(lambda: ZERO)
    for row in rows:
        found[row["month"]] += _cents(row["c"] - row["d"])
    return [{"month": m, "receipts": found.get(m, ZERO)} for m in range(1, 13)]


def dashboard(*, year: int, as_of: datetime.date) -> dict:
    return {
        "year": year,
        "as_of": as_of,
        "collection": collection_rates(year, as_of),
        "ageing": arrears_ageing(as_of),
        "receipts_per_month": receipts_per_month(year),
    }
