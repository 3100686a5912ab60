"""Undoing the allocation of a bank payment: a clerk's un-allocation (a wrong match, a wrong payment date) and the
bank's own reversal of a credit (MT940 ``RC``).

``payment_unallocate`` puts an allocated bank payment back into the unidentified queue. In one transaction, the
payment locked first and then every account it touched (id order): each entry of the payment not yet reversed (the
interest przypis, the allocations, the overpayment) gets a ``reversal`` entry with the SAME value date — the account
history is corrected retroactively, so the balance as of any date is the corrected truth — booked today. The journal
gets ONE entry dated today: for each reversed entry the lines of its original event (``interest``,
``payment_bank`` or ``unidentified_resolved``, read from the entry's journal entry — for a statement's collective
entry too, which stays untouched) with the sides swapped, and the money put on account 240 by the ``unidentified``
rule (133/240) for what had come from 133: net 221 Dt / 240 Ct (and 720 Dt / 221 Ct for the interest przypis).

``payment_reverse_by_bank`` cancels a payment the bank took back (an ``RC`` statement line): an allocated one as
above, but the receipt itself is cancelled (net 221 Dt / 133 Ct; for money that had waited on 240, 240 Dt / 133 Ct
by ``unidentified_returned``), an unidentified one 240 Dt / 133 Ct; the payment becomes ``reversed`` and points at
the line. ``bank_reversals_import`` is what the statement import calls for its ``RC`` lines: the original payment
is found by the bank reference, else by the amount and the account within :data:`REVERSAL_WINDOW_DAYS`; a line
with no single original (or whose reversal is refused) is left for a clerk (``unmatched_reversals``).

Refusals write nothing: no permission, no reason, a cash payment, a payment not allocated (a second call), an
overpayment of the payment meanwhile credited, transferred or refunded, today's period closed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import user_or_none as _user
from core.domain.money import format_pln
from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from finance.domain.rounding import ZERO
from finance.models import AccountEntry, ObligorAccount, Payment, StatementLine
from finance.services import ledger
from finance.services.accounts import lock_accounts

K = AccountEntry.Kind
C = AccountEntry.Component
PERM = "finance.manage_payments"
REVERSAL_WINDOW_DAYS = 60
EVENT_UNALLOCATED = "payment_unallocated"
EVENT_REVERSED_BY_BANK = "payment_reversed_by_bank"
_OVERPAYMENT_OUT = (K.OVERPAYMENT_CREDIT, K.TRANSFER, K.REFUND)


def _require(actor) -> None:
    if actor is not None and not actor.has_perm(PERM):
        raise ApplicationError(_("You may not un-allocate or reverse payments."), code="forbidden")


def _fmt(amount: Decimal) -> str:
    return format_pln(amount)


# --- the overpayment check ------------------------------------------------------------------------------------


def _overpayment_delta(kind: str, amount: Decimal, reverses_id, originals: dict[int, tuple[str, Decimal]]) -> Decimal:
    """How an entry moves an account's overpayment (a reversal: the opposite of the entry it cancels)."""
    if kind == K.REVERSAL:
        if reverses_id not in originals:
            return ZERO
        return -_overpayment_delta(*originals[reverses_id], None, originals)
    if kind == K.OVERPAYMENT:
        return amount
    if kind in _OVERPAYMENT_OUT:
        return -amount
    return ZERO


def _check_overpayments(overpayments: dict[int, list[AccountEntry]], accounts: dict[int, ObligorAccount]) -> None:
    """Refuse when taking the payment's overpayment away would leave an account's overpayment below zero on any
    day from the overpayment's value date on: the overpayment has meanwhile been credited, transferred or refunded
    (replayed from the entries, reversals included)."""
    for account_id, own in sorted(overpayments.items()):
        rows = list(
            AccountEntry.objects.filter(account_id=account_id)
            .order_by("value_date", "id")
            .values_list("pk", "kind", "amount", "value_date", "reverses_id")
        )
        kinds = {pk: (kind, amount) for pk, kind, amount, _day, _rev in rows}
        first = min(e.value_date for e in own)
        taken = sum((e.amount for e in own), ZERO)
        running, lowest = ZERO, None
        by_day: dict[datetime.date, Decimal] = {}
        for _pk, kind, amount, day, reverses_id in rows:
            running += _overpayment_delta(kind, amount, reverses_id, kinds)
            by_day[day] = running  # the balance at the end of each day
        for day, value in by_day.items():
            if day >= first:
                lowest = value if lowest is None else min(lowest, value)
        if lowest is not None and lowest < taken:
            used = sorted(
                {
                    str(K(kind).label)
                    for _pk, kind, _amount, day, _rev in rows
                    if kind in _OVERPAYMENT_OUT and day >= first
                }
            )
            raise ApplicationError(
                _(
                    "The overpayment of %(amount)s from this payment on the account %(account)s has meanwhile been "
                    "used (%(how)s): only %(left)s of it is left. Reverse that first."
                )
                % {
                    "amount": _fmt(taken), "account": accounts[account_id], "how": ", ".join(used) or "—",
                    "left": _fmt(max(lowest, ZERO)),
                },
                code="overpayment_used",
            )  # fmt: skip


# --- the storno of a payment's entries ------------------------------------------------------------------------


@dataclass
class _Storno:
    lines: list[ledger.Line] = field(default_factory=list)
    # original receipt debit account (133 or 240) → amount that came through it
    came_from: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))


def _original_event(entry: AccountEntry) -> str:
    if entry.journal_entry_id is not None:
        return entry.journal_entry.event
    return "interest" if entry.kind == K.INTEREST else "payment_bank"


def _storno_lines(entries: list[AccountEntry], accounts: dict[int, ObligorAccount]) -> _Storno:
    rules = ledger.PostingRules()
    out = _Storno()
    for e in entries:
        event = _original_event(e)
        original = ledger.event_lines(
            rules=rules, event=event, component=e.component, amount=e.amount, obligor_account=accounts[e.account_id]
        )
        for line in reversed(original):  # the original credit becomes the storno's debit: debit lines first
            out.lines.append(
                ledger.Line(
                    account=line.account, debit=line.credit, credit=line.debit,
                    obligor_account_id=line.obligor_account_id, dzial=line.dzial, rozdzial=line.rozdzial,
                    paragraf=line.paragraf,
                )
            )  # fmt: skip
        if e.kind != K.INTEREST:  # a receipt: the money came in through the event's debit account
            out.came_from[rules.accounts(event, e.component)[0]] += e.amount
    return out


def _open_entries(payment: Payment) -> list[AccountEntry]:
    return list(
        payment.entries.exclude(kind=K.REVERSAL)
        .filter(reversed_by__isnull=True)
        .select_related("journal_entry")
        .order_by("id")
    )


def reverse_payment_entries(*, payment: Payment, actor, event: str, description: str, money_to: str) -> dict:
    """Reversal entries for every open entry of ``payment`` (the value date of each original) and ONE journal entry
    dated today: the original events' lines swapped, and the money moved ``money_to`` ``"240"`` (un-allocation:
    the ``unidentified`` rule for what came from 133) or ``"out"`` (the bank's reversal: ``unidentified_returned``
    for what came from 240). The caller holds the payment's lock."""
    entries = _open_entries(payment)
    accounts = lock_accounts({e.account_id for e in entries})
    for a in accounts.values():
        a.receivable_type  # noqa: B018 — loaded once (select_for_update cannot join it on PostgreSQL)
    overpayments: dict[int, list[AccountEntry]] = defaultdict(list)
    for e in entries:
        if e.kind == K.OVERPAYMENT:
            overpayments[e.account_id].append(e)
    _check_overpayments(overpayments, accounts)
    today = timezone.localdate()
    storno = _storno_lines(entries, accounts)
    rules = ledger.PostingRules()
    if money_to == "240":
        debit, credit = rules.accounts("unidentified", "any")  # 133 / 240
        moved = storno.came_from.get(debit, ZERO)
    else:
        debit, credit = rules.accounts("unidentified_returned", "any")  # 240 / 133
        moved = storno.came_from.get(debit, ZERO)
    lines = list(storno.lines)
    if moved > 0:
        lines += [ledger.Line(account=debit, debit=moved), ledger.Line(account=credit, credit=moved)]
    journal = None
    if lines:
        journal = ledger.journal_post(date=today, event=event, description=description, lines=lines, actor=actor)
    user = _user(actor)
    reversals = [
        AccountEntry.objects.create(
            account=accounts[e.account_id], kind=K.REVERSAL, component=e.component, amount=e.amount,
            value_date=e.value_date, booked_on=today, installment_id=e.installment_id, payment=payment, reverses=e,
            description=description[:500], journal_entry=journal, created_by=user,
        )
        for e in entries
    ]  # fmt: skip
    return {
        "entries": [e.pk for e in entries],
        "reversals": [r.pk for r in reversals],
        "journal": journal.pk if journal else None,
        "accounts": sorted(accounts),
    }


# --- un-allocation by a clerk ---------------------------------------------------------------------------------


def payment_unallocate(*, actor, payment: Payment, reason: str) -> Payment:
    """Put an allocated bank payment back into the unidentified queue (see the module docstring)."""
    if actor is None or not actor.has_perm(PERM):
        raise ApplicationError(_("You may not un-allocate or reverse payments."), code="forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceValidationError(
            _("Give the reason for un-allocating the payment."),
            errors={"reason": [_("Give the reason for un-allocating the payment.")]},
        )
    with transaction.atomic():
        locked = Payment.objects.select_for_update(of=("self",)).get(pk=payment.pk)
        if locked.source == Payment.Source.CASH:
            raise ApplicationError(
                _("A cash payment cannot be un-allocated here: the cash desk corrects its own receipts."),
                code="cash_payment",
            )
        if locked.status != Payment.Status.ALLOCATED:
            raise ApplicationError(_("Only an allocated payment can be un-allocated."), code="not_allocated")
        description = _("Un-allocation of the payment #%(id)s of %(date)s: %(reason)s") % {
            "id": locked.pk, "date": f"{locked.payment_date:%d.%m.%Y}", "reason": reason,
        }  # fmt: skip
        done = reverse_payment_entries(
            payment=locked, actor=actor, event=EVENT_UNALLOCATED, description=description, money_to="240"
        )
        old_party, old_type, old_ref = locked.party_id, locked.indicated_type, locked.indicated_ref
        locked.status = Payment.Status.UNIDENTIFIED
        locked.party = None
        locked.indicated_type = None
        locked.indicated_ref = ""
        locked.save(update_fields=["status", "party", "indicated_type", "indicated_ref"])
        audit_log(
            actor=actor, action="finance.payment.unallocated", obj=locked,
            details={
                "reason": reason[:500], "amount": str(locked.amount), "party": old_party,
                "indicated_type": getattr(old_type, "code", None), **done,
                **({"indicated_ref": old_ref} if old_ref else {}),
            },
        )  # fmt: skip
    payment.status, payment.party, payment.indicated_type, payment.indicated_ref = locked.status, None, None, ""
    return locked


# --- the bank's reversal (RC) ---------------------------------------------------------------------------------


def payment_reverse_by_bank(*, payment: Payment, line: StatementLine, actor) -> Payment:
    """Cancel ``payment`` taken back by the bank in the ``RC`` line ``line`` (see the module docstring)."""
    _require(actor)
    with transaction.atomic():
        locked = Payment.objects.select_for_update(of=("self",)).get(pk=payment.pk)
        line = StatementLine.objects.select_for_update(of=("self",)).get(pk=line.pk)
        if not line.is_reversal or line.is_credit:
            raise ApplicationError(_("The line is not a reversal of a credit (RC)."), code="not_a_reversal")
        if Payment.objects.filter(reversed_by=line).exists():
            raise ApplicationError(_("The reversal has already been matched to a payment."), code="already_matched")
        if locked.source != Payment.Source.BANK:
            raise ApplicationError(_("Only a bank payment can be reversed by the bank."), code="cash_payment")
        if locked.status not in (Payment.Status.ALLOCATED, Payment.Status.UNIDENTIFIED):
            raise ApplicationError(
                _("The payment is %(status)s: it cannot be reversed.") % {"status": locked.get_status_display()},
                code="invalid_state",
            )
        if locked.amount != line.amount:
            raise ApplicationError(
                _("The reversal is for %(line)s, the payment for %(payment)s.")
                % {"line": _fmt(line.amount), "payment": _fmt(locked.amount)},
                code="amount_mismatch",
            )
        description = _("Reversal by the bank of the payment #%(id)s of %(date)s (statement line %(line)s)") % {
            "id": locked.pk, "date": f"{locked.payment_date:%d.%m.%Y}", "line": line.pk,
        }  # fmt: skip
        was = locked.status
        if was == Payment.Status.ALLOCATED:
            done = reverse_payment_entries(
                payment=locked, actor=actor, event=EVENT_REVERSED_BY_BANK, description=description, money_to="out"
            )
        else:
            journal = ledger.post_event(
                event="unidentified_returned", component="any", amount=locked.amount, date=timezone.localdate(),
                description=description, actor=actor,
            )  # fmt: skip
            done = {"entries": [], "reversals": [], "journal": journal.pk, "accounts": []}
        locked.status = Payment.Status.REVERSED
        locked.reversed_by = line
        locked.save(update_fields=["status", "reversed_by"])
        audit_log(
            actor=actor or "system", action="finance.payment.reversed_by_bank", obj=locked,
            details={"line": line.pk, "amount": str(locked.amount), "was": was, "party": locked.party_id, **done},
        )  # fmt: skip
    payment.status, payment.reversed_by = locked.status, line
    return locked


def reversal_candidates(line: StatementLine) -> list[Payment]:
    """Payments an ``RC`` line may take back: of the same amount, from the bank, allocated or unidentified, not yet
    reversed — with the line's bank reference if it has one and it is found, else with the same virtual account or
    payer's account and a value date within :data:`REVERSAL_WINDOW_DAYS` before the line's."""
    base = Payment.objects.filter(
        source=Payment.Source.BANK,
        status__in=(Payment.Status.ALLOCATED, Payment.Status.UNIDENTIFIED),
        reversed_by__isnull=True,
        amount=line.amount,
        statement_line__is_credit=True,
        statement_line__is_reversal=False,
    ).order_by("id")
    reference = (line.bank_reference or "").strip()
    if reference and reference.upper() != "NONREF":
        by_reference = list(base.filter(statement_line__bank_reference=reference))
        if by_reference:
            return by_reference
    same_account = Q()
    if line.virtual_account:
        same_account |= Q(statement_line__virtual_account=line.virtual_account)
    if line.counterparty_account:
        same_account |= Q(payer_account=line.counterparty_account)
    if not same_account:
        return []
    since = line.value_date - datetime.timedelta(days=REVERSAL_WINDOW_DAYS)
    return list(base.filter(same_account, received_on__gte=since, received_on__lte=line.value_date))


def unmatched_reversals() -> QuerySet[StatementLine]:
    """``RC`` lines (the bank took a credit back) not matched to a payment: for a clerk to pick the payment."""
    return (
        StatementLine.objects.filter(is_reversal=True, is_credit=False, reversed_payment__isnull=True)
        .select_related("statement")
        .order_by("value_date", "id")
    )


@dataclass
class ReversalsResult:
    reversed: list[int] = field(default_factory=list)  # payment ids
    unmatched: list[int] = field(default_factory=list)  # line ids
    warnings: list[str] = field(default_factory=list)
    count: int = 0  # reversal lines (RC and RD) of the statement, set by the import


def bank_reversals_import(*, line_ids: list[int], actor) -> ReversalsResult:
    """For the statement import: each ``RC`` line of ``line_ids`` cancels its original payment when exactly one is
    found; otherwise — or when the reversal is refused (e.g. the overpayment is used) — it is left for a clerk, with
    the reason in ``warnings``. Never raises an :class:`ApplicationError`: the import goes on."""
    result = ReversalsResult()
    lines = StatementLine.objects.filter(pk__in=line_ids, is_reversal=True, is_credit=False).order_by("index")
    for line in lines:
        candidates = reversal_candidates(line)
        values = {"index": line.index, "amount": _fmt(line.amount)}
        if len(candidates) != 1:
            result.unmatched.append(line.pk)
            message = (
                _("Reversal in line %(index)s (%(amount)s): no original payment found; left for a clerk.")
                if not candidates
                else _("Reversal in line %(index)s (%(amount)s): several payments may be meant; left for a clerk.")
            )
            result.warnings.append(message % values)
            continue
        try:
            payment_reverse_by_bank(payment=candidates[0], line=line, actor=actor)
        except ApplicationError as exc:
            result.unmatched.append(line.pk)
            result.warnings.append(
                _("Reversal in line %(index)s (%(amount)s) left for a clerk: %(reason)s")
                % {**values, "reason": exc.message}
            )
        else:
            result.reversed.append(candidates[0].pk)
    return result
