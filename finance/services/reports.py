"""Ledger reports (reads): the trial balance (zestawienie obrotów i sald), the turnover of one account and the
receipts per budget classification. Computed from the journal lines by aggregate queries.

* **Trial balance** for ``date_from``–``date_to``: per ledger account the opening balance (all lines dated before
  ``date_from``), the debit and credit turnover in the period and the closing balance, each balance on the Wn or the
  Ma side. On an account kept per obligor (221) the balances are those of its analytic accounts, summed per side
  (debit balances = receivables, credit balances = overpayments), as a trial balance of synthetic accounts built
  from their analytics shows them. Totals: Wn = Ma for the opening balances, the turnover and the closing balances.
* **Account turnover**: the opening balance, the lines of the period (with the obligor account on 221) and the
  closing balance of one account (optionally of one analytic account).
* **Receipts per classification** (dział / rozdział / paragraf): on the accounts kept per obligor, the credits of
  the receipt events (payment by bank, at the cash desk, a resolved unidentified payment) less the refunds — the
  "wpływy" of the Rb-27S report — with reversals of those entries counted with their sign, and less the debits of
  the stornos posted under their own event (:data:`RECEIPT_REVERSAL_EVENTS`: an un-allocated payment, a payment
  the bank took back, a cancelled cash receipt). One definition, :func:`receipt_lines`, shared with the Rb-27S
  report and the dashboard (``finance.services.budget_reports``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from core.exceptions import ServiceValidationError
from finance.models import JournalLine, LedgerAccount, ObligorAccount

ZERO = Decimal("0.00")
RECEIPT_EVENTS = ("payment_bank", "payment_cash", "unidentified_resolved", "refund")
# Stornos of a payment's entries posted under their own event with ``reverses=None`` (finance/services/
# unallocation.py ``reverse_payment_entries``): the original lines with the sides swapped. On 221 their debit lines take
# receipts back (payment_bank / payment_cash / unidentified_resolved), their credit lines cancel the interest
# charged on the payment date (interest, never a receipt) — see :func:`receipt_lines` and
# ``budget_reports.charge_lines``.
RECEIPT_REVERSAL_EVENTS = ("payment_unallocated", "payment_reversed_by_bank", "cash_receipt_cancelled")


def _sum(column: str, condition: Q | None = None):
    return Coalesce(
        Sum(column, filter=condition),
        Value(ZERO),
        output_field=DecimalField(max_digits=18, decimal_places=2),
    )


def check_range(date_from: datetime.date | None, date_to: datetime.date | None) -> None:
    errors = {}
    if date_from is None:
        errors["from"] = [_("Give the first day of the period.")]
    if date_to is None:
        errors["to"] = [_("Give the last day of the period.")]
    if not errors and date_from > date_to:
        errors["to"] = [_("The end of the period is before its start.")]
    if errors:
        raise ServiceValidationError(_("The period is not valid."), errors=errors)


def _sides(net: Decimal) -> tuple[Decimal, Decimal]:
    return (net, ZERO) if net > 0 else (ZERO, -net)


@dataclass
class TrialBalanceRow:
    number: str
    name: str
    opening_debit: Decimal = ZERO
    opening_credit: Decimal = ZERO
    turnover_debit: Decimal = ZERO
    turnover_credit: Decimal = ZERO
    closing_debit: Decimal = ZERO
    closing_credit: Decimal = ZERO

    COLUMNS = (
        "opening_debit",
        "opening_credit",
        "turnover_debit",
        "turnover_credit",
        "closing_debit",
        "closing_credit",
    )

    def values(self) -> list[Decimal]:
        return [getattr(self, c) for c in self.COLUMNS]


@dataclass
class TrialBalance:
    date_from: datetime.date
    date_to: datetime.date
    rows: list[TrialBalanceRow]
    totals: TrialBalanceRow = field(default_factory=lambda: TrialBalanceRow("", ""))

    @property
    def balanced(self) -> bool:
        t = self.totals
        return (
            t.opening_debit == t.opening_credit
            and t.turnover_debit == t.turnover_credit
            and t.closing_debit == t.closing_credit
        )


def trial_balance(*, date_from: datetime.date, date_to: datetime.date, include_empty: bool = False) -> TrialBalance:
    check_range(date_from, date_to)
    before, within = Q(entry__date__lt=date_from), Q(entry__date__gte=date_from)
    grouped = (
        JournalLine.objects.filter(entry__date__lte=date_to)
        .values("account_id", "obligor_account_id")
        .annotate(
            ob_d=_sum("debit", before),
            ob_c=_sum("credit", before),
            t_d=_sum("debit", within),
            t_c=_sum("credit", within),
        )
        .order_by()
    )
    accounts = {a.pk: a for a in LedgerAccount.objects.all()}
    rows: dict[int, TrialBalanceRow] = {}
    for g in grouped:
        account = accounts[g["account_id"]]
        row = rows.setdefault(account.pk, TrialBalanceRow(account.number, account.name))
        row.turnover_debit += g["t_d"]
        row.turnover_credit += g["t_c"]
        # Balances per analytic account (obligor) on analytic accounts, per account otherwise (netted below).
        opening = _sides(g["ob_d"] - g["ob_c"])
        closing = _sides(g["ob_d"] + g["t_d"] - g["ob_c"] - g["t_c"])
        row.opening_debit += opening[0]
        row.opening_credit += opening[1]
        row.closing_debit += closing[0]
        row.closing_credit += closing[1]
    for pk, row in rows.items():
        if not accounts[pk].analytic_by_obligor:
            row.opening_debit, row.opening_credit = _sides(row.opening_debit - row.opening_credit)
            row.closing_debit, row.closing_credit = _sides(row.closing_debit - row.closing_credit)
    if include_empty:
        for account in accounts.values():
            if account.is_active:
                rows.setdefault(account.pk, TrialBalanceRow(account.number, account.name))
    ordered = sorted(rows.values(), key=lambda r: r.number)
    totals = TrialBalanceRow("", _("Total"))
    for row in ordered:
        for column in TrialBalanceRow.COLUMNS:
            setattr(totals, column, getattr(totals, column) + getattr(row, column))
    return TrialBalance(date_from=date_from, date_to=date_to, rows=ordered, totals=totals)


@dataclass
class AccountTurnover:
    account: LedgerAccount
    obligor_account: ObligorAccount | None
    date_from: datetime.date
    date_to: datetime.date
    opening: Decimal  # net, Wn positive
    turnover_debit: Decimal
    turnover_credit: Decimal
    lines: object  # a queryset of JournalLine

    @property
    def closing(self) -> Decimal:
        return self.opening + self.turnover_debit - self.turnover_credit

    @property
    def opening_sides(self) -> tuple[Decimal, Decimal]:
        return _sides(self.opening)

    @property
    def closing_sides(self) -> tuple[Decimal, Decimal]:
        return _sides(self.closing)


def account_turnover(
    *,
    number: str,
    date_from: datetime.date,
    date_to: datetime.date,
    obligor_account: ObligorAccount | None = None,
) -> AccountTurnover:
    """The lines of one ledger account (``number``) in the period; ``LedgerAccount.DoesNotExist`` if unknown."""
    check_range(date_from, date_to)
    account = LedgerAccount.objects.get(number=number)
    lines = JournalLine.objects.filter(account=account)
    if obligor_account is not None:
        lines = lines.filter(obligor_account=obligor_account)
    sums = lines.filter(entry__date__lte=date_to).aggregate(
        ob_d=_sum("debit", Q(entry__date__lt=date_from)),
        ob_c=_sum("credit", Q(entry__date__lt=date_from)),
        t_d=_sum("debit", Q(entry__date__gte=date_from)),
        t_c=_sum("credit", Q(entry__date__gte=date_from)),
    )
    period_lines = (
        lines.filter(entry__date__gte=date_from, entry__date__lte=date_to)
        .select_related("entry", "obligor_account__party", "obligor_account__receivable_type")
        .order_by("entry__date", "entry_id", "id")
    )
    return AccountTurnover(
        account=account,
        obligor_account=obligor_account,
        date_from=date_from,
        date_to=date_to,
        opening=sums["ob_d"] - sums["ob_c"],
        turnover_debit=sums["t_d"],
        turnover_credit=sums["t_c"],
        lines=period_lines,
    )


@dataclass(frozen=True)
class ClassificationRow:
    dzial: str
    rozdzial: str
    paragraf: str
    receipts: Decimal
    refunds: Decimal

    @property
    def net(self) -> Decimal:
        return self.receipts - self.refunds


def receipt_lines() -> Q:
    """The journal lines of an account kept per obligor (221) that are receipts, counted credit − debit: the lines
    of the receipt events (a refund is a debit: receipts net of refunds) and of their stornos (``reverses``), and
    the DEBIT lines of :data:`RECEIPT_REVERSAL_EVENTS` (receipts taken back; their credit lines cancel the interest
    charged on the payment date, which was never a receipt). The caller adds the account and the period."""
    return (
        Q(entry__event__in=RECEIPT_EVENTS)
        | Q(entry__reverses__event__in=RECEIPT_EVENTS)
        | Q(entry__event__in=RECEIPT_REVERSAL_EVENTS, debit__gt=0)
    )


def receipts_by_classification(*, date_from: datetime.date, date_to: datetime.date) -> list[ClassificationRow]:
    check_range(date_from, date_to)
    grouped = (
        JournalLine.objects.filter(
            receipt_lines(),
            account__analytic_by_obligor=True,
            entry__date__gte=date_from,
            entry__date__lte=date_to,
        )
        .values("dzial", "rozdzial", "paragraf")
        .annotate(credit=_sum("credit"), debit=_sum("debit"))
        .order_by("dzial", "rozdzial", "paragraf")
    )
    return [
        ClassificationRow(g["dzial"], g["rozdzial"], g["paragraf"], receipts=g["credit"], refunds=g["debit"])
        for g in grouped
    ]


def classification_total(rows: list[ClassificationRow]) -> ClassificationRow:
    return ClassificationRow(
        "",
        "",
        "",
        receipts=sum((r.receipts for r in rows), ZERO),
        refunds=sum((r.refunds for r in rows), ZERO),
    )
