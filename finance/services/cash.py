"""The cash desk (kasa): the daily cash report (raport kasowy), receipts (KP), deposits to the bank (KW).

* ``cash_report_open`` — one report per desk and day; the opening balance is the previous report's closing balance
  (the previous report must be closed). Receipts and deposits are taken only on today's open report.
* ``cash_receipt_payment`` — a tax payment in cash: a ``Payment`` of source CASH allocated exactly like a bank
  payment (``payment_allocate``; journal ``payment_cash`` 101/221 per component), numbered
  ``KP/<desk>/<year>/<nnnnnn>`` (``next_number`` per desk and year — two cashiers never get the same number).
* ``cash_receipt_other`` — the stamp duty or another revenue with its classification: journal ``cash_revenue``
  101/720 (stamp duty: the classification from ``finance/data/cash_revenue.csv``, 756/75618/0410); a stamp duty
  receipt linked to a certificate records the certificate's fee as paid.
* ``cash_receipt_cancel`` — storno, on the day of the receipt only while its report is open: a payment receipt
  reverses every entry of its payment (reversal entries with the original value dates and one storno journal entry
  221/101 — ``unallocation.reverse_payment_entries``; refused when an overpayment of the payment was already
  credited, transferred or refunded) and the payment becomes ``cancelled``; another receipt gets the storno of its
  journal entry (and its certificate's fee is unpaid again — refused once the certificate is decided).
* ``cash_deposit`` — KW ``KW/<desk>/<year>/<nnnnnn>``, journal ``cash_deposit`` 140/101, not above the cash on hand;
  ``cash_deposit_confirm`` — the bank credited it: journal ``cash_deposit_credited`` 133/140.
* ``cash_report_close`` — totals computed from the rows (never incremented), closing = opening + receipts −
  payouts; a closed report cannot change.

Refusals write nothing. Permission ``finance.operate_cash_desk``.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import user_or_none as _user
from core.exceptions import ApplicationError, ServiceValidationError
from core.models import Party
from core.pdf import render_pdf
from core.services.audit import audit_log
from documents.services.numbering import next_number
from finance.domain.rounding import ZERO
from finance.models import CashDeposit, CashDesk, CashReceipt, CashReport, Certificate, Payment, StatementLine
from finance.reference import _rows as _data_rows
from finance.services import ledger
from finance.services.accounts import amount_error
from finance.services.certificates import mark_fee_paid
from finance.services.payments import payment_allocate
from finance.services.unallocation import reverse_payment_entries

PERM = "finance.operate_cash_desk"
R = CashReport.Status
KIND = CashReceipt.Kind


def _require(actor) -> None:
    if not (actor and getattr(actor, "is_active", False) and actor.has_perm(PERM)):
        raise ApplicationError(_("You may not operate the cash desk."), code="forbidden")


@functools.cache
def default_classification() -> dict[str, dict[str, str]]:
    """kind → {dzial, rozdzial, paragraf} from finance/data/cash_revenue.csv (data, not code)."""
    return {
        r["kind"]: {"dzial": r["dzial"], "rozdzial": r["rozdzial"], "paragraf": r["paragraf"]}
        for r in _data_rows("cash_revenue.csv")
    }


def _amount(amount) -> Decimal:
    error = amount_error(amount)
    if error:
        raise ServiceValidationError(error, errors={"amount": [error]})
    return Decimal(str(amount))


def _fmt_number(prefix: str, desk: CashDesk, year: int, n: int) -> str:
    return f"{prefix}/{desk.code}/{year}/{n:06d}"


# --- the report ---------------------------------------------------------------------------------------------


def cash_report_open(*, actor, desk: CashDesk, day: datetime.date | None = None) -> CashReport:
    _require(actor)
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise ServiceValidationError(
            _("A cash report cannot be opened for a future day."), errors={"day": [_("The day is in the future.")]}
        )
    if not desk.active:
        raise ApplicationError(_("The cash desk is not active."), code="desk_inactive")
    with transaction.atomic():
        CashDesk.objects.select_for_update().get(pk=desk.pk)  # serialises openings of one desk
        if CashReport.objects.filter(desk=desk, day=day).exists():
            raise ApplicationError(_("The cash report of this day is already open."), code="report_exists")
        if CashReport.objects.filter(desk=desk, day__gt=day).exists():
            raise ApplicationError(_("A later cash report of this desk exists."), code="report_later")
        previous = CashReport.objects.filter(desk=desk, day__lt=day).order_by("-day").first()
        if previous is not None and previous.status != R.CLOSED:
            raise ApplicationError(
                _("Close the cash report %(number)s first.") % {"number": previous.number}, code="previous_open"
            )
        opening = previous.closing_balance if previous is not None else ZERO
        number = next_number(f"cash-report:{desk.pk}:{day.year}")
        report = CashReport.objects.create(
            desk=desk, day=day, number=_fmt_number("RK", desk, day.year, number), opening_balance=opening
        )
        audit_log(
            actor=actor, action="finance.cash_report.opened", obj=report,
            details={"desk": desk.code, "day": day.isoformat(), "opening": str(opening)},
        )  # fmt: skip
    return report


def _today_report(desk: CashDesk) -> CashReport:
    """Today's report of the desk, locked; refused when there is none or it is closed."""
    today = timezone.localdate()
    report = CashReport.objects.select_for_update().filter(desk=desk, day=today).first()
    if report is None:
        raise ApplicationError(_("Open today's cash report first."), code="no_open_report")
    if report.status != R.OPEN:
        raise ApplicationError(_("Today's cash report is closed."), code="report_closed")
    return report


@dataclass(frozen=True)
class Totals:
    receipts: Decimal
    payouts: Decimal

    def closing(self, opening: Decimal) -> Decimal:
        return opening + self.receipts - self.payouts


def report_totals(report: CashReport) -> Totals:
    """Computed from the rows: receipts not cancelled, deposits (KW)."""
    receipts = report.receipts.filter(cancelled_at__isnull=True).aggregate(s=Sum("amount"))["s"] or ZERO
    payouts = report.deposits.aggregate(s=Sum("amount"))["s"] or ZERO
    return Totals(receipts=receipts, payouts=payouts)


def cash_on_hand(report: CashReport) -> Decimal:
    return report_totals(report).closing(report.opening_balance)


def cash_report_close(*, actor, report: CashReport) -> CashReport:
    _require(actor)
    with transaction.atomic():
        locked = CashReport.objects.select_for_update().get(pk=report.pk)
        if locked.status != R.OPEN:
            raise ApplicationError(_("The cash report is already closed."), code="report_closed")
        totals = report_totals(locked)
        closing = totals.closing(locked.opening_balance)
        if closing < 0:
            raise ApplicationError(_("The closing balance would be negative."), code="negative_balance")
        locked.receipts_total = totals.receipts
        locked.payouts_total = totals.payouts
        locked.closing_balance = closing
        locked.status = R.CLOSED
        locked.closed_by = _user(actor)
        locked.closed_at = timezone.now()
        locked.save()
        audit_log(
            actor=actor, action="finance.cash_report.closed", obj=locked,
            details={
                "opening": str(locked.opening_balance), "receipts": str(totals.receipts),
                "payouts": str(totals.payouts), "closing": str(closing),
            },
        )  # fmt: skip
    report.__dict__.update({k: getattr(locked, k) for k in (
        "receipts_total", "payouts_total", "closing_balance", "status", "closed_by_id", "closed_at")})  # fmt: skip
    return locked


# --- receipts (KP) ------------------------------------------------------------------------------------------


def _party(party) -> Party:
    if isinstance(party, Party):
        return party
    found = None
    try:
        found = Party.objects.filter(pk=int(party)).first() if party not in (None, "") else None
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise ServiceValidationError(_("Choose the payer."), errors={"party": [_("Unknown party.")]})
    return found


def cash_receipt_payment(*, actor, desk: CashDesk, party, amount, indicated_type=None, title: str = "") -> CashReceipt:
    """A tax payment in cash, allocated like a bank payment (OP art. 60 §1 pkt 1: paid on the day it is paid in)."""
    _require(actor)
    amount = _amount(amount)
    party = _party(party)
    today = timezone.localdate()
    with transaction.atomic():
        report = _today_report(desk)
        number = _fmt_number("KP", desk, today.year, next_number(f"kp:{desk.pk}:{today.year}"))
        title = (title or "").strip() or _("Payment of taxes and fees")
        payment = Payment.objects.create(
            source=Payment.Source.CASH, party=party, indicated_type=indicated_type, amount=amount,
            payment_date=today, received_on=today, title=f"{number} {title}"[:500],
            status=Payment.Status.UNIDENTIFIED, created_by=_user(actor),
        )  # fmt: skip
        payment_allocate(payment=payment, actor=actor)
        payment.refresh_from_db()
        receipt = CashReceipt.objects.create(
            desk=desk, report=report, number=number, kind=KIND.PAYMENT, party=party,
            payer_name=party.display_name[:300], amount=amount, title=title[:500], payment=payment,
            cashier=actor,
        )  # fmt: skip
        audit_log(
            actor=actor, action="finance.cash_receipt.created", obj=receipt,
            details={"number": number, "kind": KIND.PAYMENT, "amount": str(amount), "party": party.pk,
                     "payment": payment.pk},
        )  # fmt: skip
    return receipt


def cash_receipt_other(
    *, actor, desk: CashDesk, payer_name: str, amount, kind: str = KIND.STAMP_DUTY, dzial: str = "",
    rozdzial: str = "", paragraf: str = "", title: str = "", certificate: Certificate | None = None, party=None,
) -> CashReceipt:  # fmt: skip
    """The stamp duty or another revenue: journal ``cash_revenue`` (101/720) with its classification."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    error = amount_error(amount)
    if error:
        errors["amount"] = [error]
    payer_name = (payer_name or "").strip()
    if not payer_name and party is None:
        errors["payer_name"] = [_("Give the payer's name.")]
    if kind not in (KIND.STAMP_DUTY, KIND.OTHER):
        errors["kind"] = [_("Unknown kind of receipt.")]
    cls = {"dzial": (dzial or "").strip(), "rozdzial": (rozdzial or "").strip(), "paragraf": (paragraf or "").strip()}
    if not all(cls.values()):
        cls = default_classification().get(str(kind), cls)
    if not (cls["dzial"].isdigit() and len(cls["dzial"]) == 3 and cls["rozdzial"].isdigit()
            and len(cls["rozdzial"]) == 5 and cls["paragraf"].isdigit() and len(cls["paragraf"]) == 4):  # fmt: skip
        errors["paragraf"] = [_("Give the budget classification (dział, rozdział, paragraf).")]
    if certificate is not None and kind != KIND.STAMP_DUTY:
        errors["certificate"] = [_("Only the stamp duty is paid for a certificate.")]
    if errors:
        raise ServiceValidationError(_("Correct the receipt."), errors=errors)
    amount = Decimal(str(amount))
    if party is not None:
        party = _party(party)
        payer_name = payer_name or party.display_name
    today = timezone.localdate()
    title = (title or "").strip() or (_("Stamp duty") if kind == KIND.STAMP_DUTY else _("Other revenue"))
    with transaction.atomic():
        report = _today_report(desk)
        number = _fmt_number("KP", desk, today.year, next_number(f"kp:{desk.pk}:{today.year}"))
        if certificate is not None:
            locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
            if amount != locked.fee_amount:
                raise ServiceValidationError(
                    _("Correct the receipt."),
                    errors={"amount": [_("The stamp duty of the certificate is %(amount)s.") % {
                        "amount": f"{locked.fee_amount:.2f}".replace(".", ",") + " zł"}]},
                )  # fmt: skip
            mark_fee_paid(certificate=locked, paid_on=today, reference=number)
        debit, credit = ledger.posting_accounts("cash_revenue", "any")
        journal = ledger.journal_post(
            date=today, event="cash_revenue", description=f"{number} {title}", actor=actor,
            lines=[ledger.Line(account=debit, debit=amount, **cls), ledger.Line(account=credit, credit=amount, **cls)],
        )  # fmt: skip
        receipt = CashReceipt.objects.create(
            desk=desk, report=report, number=number, kind=kind, party=party, payer_name=payer_name[:300],
            amount=amount, title=title[:500], certificate=certificate, journal_entry=journal, cashier=actor, **cls,
        )  # fmt: skip
        audit_log(
            actor=actor, action="finance.cash_receipt.created", obj=receipt,
            details={"number": number, "kind": str(kind), "amount": str(amount), "certificate": getattr(
                certificate, "pk", None), "classification": "/".join(cls.values())},
        )  # fmt: skip
    return receipt


def cash_receipt_cancel(*, actor, receipt: CashReceipt, reason: str) -> CashReceipt:
    """Storno of a receipt on its own day while the report is open (see the module docstring)."""
    _require(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceValidationError(
            _("Give the reason of the cancellation."), errors={"reason": [_("Give the reason of the cancellation.")]}
        )
    with transaction.atomic():
        report = CashReport.objects.select_for_update().get(pk=receipt.report_id)
        locked = CashReceipt.objects.select_for_update().get(pk=receipt.pk)
        if locked.cancelled_at is not None:
            raise ApplicationError(_("The receipt has already been cancelled."), code="already_cancelled")
        if report.status != R.OPEN or report.day != timezone.localdate():
            raise ApplicationError(
                _("A receipt can be cancelled only on its day, while the cash report is open."), code="report_closed"
            )
        description = _("Cancellation of the receipt %(number)s: %(reason)s") % {
            "number": locked.number, "reason": reason}  # fmt: skip
        done: dict = {}
        if locked.payment_id:
            payment = Payment.objects.select_for_update(of=("self",)).get(pk=locked.payment_id)
            done = reverse_payment_entries(
                payment=payment, actor=actor, event="cash_receipt_cancelled", description=description, money_to="out"
            )
            payment.status = Payment.Status.CANCELLED
            payment.save(update_fields=["status"])
        else:
            if locked.certificate_id:
                certificate = Certificate.objects.select_for_update().get(pk=locked.certificate_id)
                if certificate.status != Certificate.Status.REQUESTED:
                    raise ApplicationError(
                        _("The certificate has already been decided: the stamp duty cannot be cancelled."),
                        code="certificate_decided",
                    )
                certificate.fee_paid_on = None
                certificate.fee_reference = ""
                certificate.save(update_fields=["fee_paid_on", "fee_reference"])
            journal = ledger.journal_reverse(
                original=locked.journal_entry, date=timezone.localdate(), description=description, actor=actor
            )
            done = {"journal": journal.pk}
        locked.cancelled_at = timezone.now()
        locked.cancel_reason = reason[:300]
        locked.save(update_fields=["cancelled_at", "cancel_reason"])
        audit_log(
            actor=actor, action="finance.cash_receipt.cancelled", obj=locked,
            details={"number": locked.number, "amount": str(locked.amount), "reason": reason[:300], **done},
        )  # fmt: skip
    receipt.cancelled_at, receipt.cancel_reason = locked.cancelled_at, locked.cancel_reason
    return locked


# --- deposits (KW) ------------------------------------------------------------------------------------------


def cash_deposit(*, actor, desk: CashDesk, amount) -> CashDeposit:
    """Cash taken from the desk to the bank (KW): journal 140/101, not above the cash on hand."""
    _require(actor)
    amount = _amount(amount)
    today = timezone.localdate()
    with transaction.atomic():
        report = _today_report(desk)
        on_hand = cash_on_hand(report)
        if amount > on_hand:
            raise ServiceValidationError(
                _("Correct the deposit."),
                errors={"amount": [_("There is only %(amount)s in the cash desk.") % {
                    "amount": f"{on_hand:.2f}".replace(".", ",") + " zł"}]},
            )  # fmt: skip
        number = _fmt_number("KW", desk, today.year, next_number(f"kw:{desk.pk}:{today.year}"))
        debit, credit = ledger.posting_accounts("cash_deposit", "any")
        journal = ledger.journal_post(
            date=today, event="cash_deposit", description=_("%(number)s cash to the bank") % {"number": number},
            actor=actor, lines=[ledger.Line(account=debit, debit=amount), ledger.Line(account=credit, credit=amount)],
        )  # fmt: skip
        deposit = CashDeposit.objects.create(
            desk=desk, report=report, number=number, amount=amount, handed_over_journal=journal, created_by=actor
        )
        audit_log(
            actor=actor, action="finance.cash_deposit.created", obj=deposit,
            details={"number": number, "amount": str(amount), "journal": journal.pk},
        )  # fmt: skip
    return deposit


def cash_deposit_confirm(
    *, actor, deposit: CashDeposit, on: datetime.date, statement_line: StatementLine | None = None
) -> CashDeposit:
    """The bank credited the deposit on ``on``: journal 133/140."""
    _require(actor)
    with transaction.atomic():
        locked = CashDeposit.objects.select_for_update().select_related("report").get(pk=deposit.pk)
        if locked.status != CashDeposit.Status.HANDED_OVER:
            raise ApplicationError(_("The deposit has already been confirmed."), code="already_confirmed")
        if on is None or on < locked.report.day or on > timezone.localdate():
            raise ServiceValidationError(
                _("Correct the date."),
                errors={"on": [_("The bank cannot credit the deposit before it was handed over or in the future.")]},
            )
        if statement_line is not None:
            if CashDeposit.objects.filter(statement_line=statement_line).exists():
                raise ApplicationError(_("This statement line confirms another deposit."), code="line_used")
            if statement_line.amount != locked.amount:
                raise ApplicationError(_("The amount of the statement line differs."), code="amount_differs")
        debit, credit = ledger.posting_accounts("cash_deposit_credited", "any")
        journal = ledger.journal_post(
            date=on, event="cash_deposit_credited", actor=actor,
            description=_("%(number)s credited by the bank") % {"number": locked.number},
            lines=[ledger.Line(account=debit, debit=locked.amount), ledger.Line(account=credit, credit=locked.amount)],
        )  # fmt: skip
        locked.status = CashDeposit.Status.CONFIRMED
        locked.confirmed_on = on
        locked.statement_line = statement_line
        locked.confirmed_journal = journal
        locked.save(update_fields=["status", "confirmed_on", "statement_line", "confirmed_journal"])
        audit_log(
            actor=actor, action="finance.cash_deposit.confirmed", obj=locked,
            details={
                "on": on.isoformat(), "journal": journal.pk, "statement_line": getattr(statement_line, "pk", None),
            },
        )  # fmt: skip
    deposit.status, deposit.confirmed_on, deposit.confirmed_journal_id = locked.status, on, journal.pk
    return locked


# --- reading and printing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    number: str
    kind: str  # "KP" or "KW"
    time: datetime.datetime
    description: str
    receipt: Decimal
    payout: Decimal
    balance: Decimal
    cancelled: bool
    obj: object


def cash_report_rows(report: CashReport) -> list[ReportRow]:
    """KP and KW of the report in time order with the running balance (cancelled receipts shown, not counted)."""
    items = [(r.created_at, r.pk, "KP", r) for r in report.receipts.select_related("party")] + [
        (d.created_at, d.pk, "KW", d) for d in report.deposits.all()
    ]
    items.sort(key=lambda x: (x[0], x[2], x[1]))
    balance = report.opening_balance
    rows = []
    for created, _pk, kind, obj in items:
        cancelled = kind == "KP" and obj.cancelled_at is not None
        receipt = obj.amount if kind == "KP" and not cancelled else ZERO
        payout = obj.amount if kind == "KW" else ZERO
        balance = balance + receipt - payout
        description = f"{obj.payer_name}: {obj.title}" if kind == "KP" else _("Cash to the bank")
        rows.append(ReportRow(obj.number, kind, created, description, receipt, payout, balance, cancelled, obj))
    return rows


def cash_report_pdf(report: CashReport) -> bytes:
    rows = cash_report_rows(report)
    totals = report_totals(report)
    return render_pdf(render_to_string("finance/cash/report_pdf.html", {
        "report": report, "rows": rows, "totals": totals, "closing": totals.closing(report.opening_balance),
    }))  # fmt: skip


def cash_receipt_pdf(receipt: CashReceipt) -> bytes:
    allocation = []
    if receipt.payment_id:
        allocation = list(receipt.payment.entries.select_related("account__receivable_type").order_by("id"))
    return render_pdf(render_to_string("finance/cash/receipt_pdf.html", {"receipt": receipt, "entries": allocation}))
