"""Payments: registration at the cash desk and allocation of an identified payment (OP art. 62, 55 §2).

``payment_allocate`` puts one payment on obligors' accounts (the cash desk, the unidentified queue);
``payments_allocate_batch`` does the same for all identified credits of a bank statement at once, with exactly the
same entries and balances (see there; the journal as collective entries). ``payment_allocate`` locks the payment
and every account of the payer (as obligor or co-obligor, in id order), computes the open items as of the
payment date, allocates with the pure :func:`finance.domain.allocation.allocate`, and writes in one transaction:

* ``allocation`` entries (principal / interest / costs) with the payment, journal ``payment_bank`` (133/221) or
  ``payment_cash`` (101/221) per component with the receivable type's paragraf (interest 0910, costs 0640);
* for interest, first the ``interest`` entry — the przypis of interest on the payment date, journal 221/720 0910;
* an ``overpayment`` entry for the remainder (journal with the principal paragraf);
* ``payment.status = allocated`` and an audit event.

It is idempotent: an allocated payment is returned as it was allocated.

**A scoped payment** (``Payment.indicated_ref``: paid to a virtual account scoped to the obligor accounts with one
``source_ref``, e.g. one property's waste fee) settles only the payer's accounts (as obligor or co-obligor) with
that ``source_ref`` and the indicated receivable type: their reminder costs, then their installments in the same
OP art. 62 order, with interest as for any payment. What remains is an overpayment on that scope's account (the
payer's own, latest year) — never spent on his other accounts by the allocation (the payer meant that property);
the nightly ex officio settlement of overpayments (OP art. 76) treats it as any overpayment. When the payer has
no account of that scope yet (paid before the first charge), one is opened for the year of the payment
(``account_get_or_create``; its ``source_app`` taken from another account of the scope, if any) and the money
stays there as an overpayment.
"""

from __future__ import annotations

import bisect
import datetime
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import user_or_none as _user
from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from finance import selectors
from finance.domain.allocation import Allocation, AllocationResult, CostItem, OpenInstallment, allocate
from finance.domain.rounding import ZERO
from finance.models import AccountEntry, ObligorAccount, Payment, ReceivableType
from finance.services import ledger
from finance.services.accounts import account_get_or_create, amount_error, lock_accounts
from finance.services.bulk import bulk_insert_rows, chunks
from finance.services.ledger import post_event

K = AccountEntry.Kind
C = AccountEntry.Component
FAR_FUTURE = datetime.date(9000, 12, 31)


@dataclass
class OpenItems:
    """Everything a party owes as of a date, in the shape the allocation needs, with where each item lives."""

    installments: list[OpenInstallment]
    costs: list[CostItem]
    account_of_installment: dict[int, ObligorAccount]
    account_of_cost: dict[int, ObligorAccount]
    overpayment: dict[int, Decimal]  # account id → overpayment as of the date


def _group(rows) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        grouped[row.account_id].append(row)
    return grouped


def open_items(accounts: list[ObligorAccount], *, on: datetime.date) -> OpenItems:
    """Open installments (principal never above what is still unpaid after entries dated later — a payment
    booked out of date order is never allocated twice) and open reminder costs, oldest first."""
    ids = [a.pk for a in accounts]
    entries = _group(selectors._entry_rows(account_id__in=ids))
    installments = _group(selectors._inst_rows(charge__account_id__in=ids))
    ctx = selectors._Context(on, adjustments=selectors._adjustment_rows(ids))
    return _open_items(accounts, entries, installments, on=on, ctx=ctx)


def _open_items(accounts, entries: dict[int, list], installments: dict[int, list], *, on, ctx) -> OpenItems:
    """:func:`open_items` from the rows of the accounts already loaded (entries of every date, in (value date, id)
    order — the batch keeps them so in memory)."""
    open_installments, costs = [], []
    by_inst, by_cost, overpayment = {}, {}, {}
    cost_dates = {}
    for account in accounts:
        rows, insts = entries.get(account.pk, ()), installments.get(account.pk, ())
        now = selectors._state_from_rows(account, rows, insts, on, ctx)
        later = rows and rows[-1].value_date > on  # rows are in (value date, id) order
        latest = (
            {
                v.id: v.state.principal
                for v in selectors._state_from_rows(account, rows, insts, FAR_FUTURE, ctx).installments
            }
            if later
            else {}  # nothing dated later: the principal as of ``on`` is the latest
        )
        overpayment[account.pk] = now.overpayment
        for v in now.installments:
            principal = max(min(v.state.principal, latest.get(v.id, v.state.principal)), ZERO)
            interest = max(v.state.interest, ZERO)
            if principal + interest > 0:
                open_installments.append(
                    OpenInstallment(
                        id=v.id,
                        receivable_type=account.receivable_type.code,
                        due_date=v.effective_due_date,
                        principal=principal,
                        interest=interest if principal > 0 or interest > 0 else ZERO,
                    )
                )
                by_inst[v.id] = account
        if now.cost_items:
            cost_dates.update({e.pk: e.value_date for e in rows if e.kind == K.REMINDER_COST})
        for c in now.cost_items:
            costs.append(c)
            by_cost[c.id] = account
    costs.sort(key=lambda c: (cost_dates.get(c.id), c.id))
    return OpenItems(open_installments, costs, by_inst, by_cost, overpayment)


def write_allocations(
    *,
    allocations: list[Allocation],
    items: OpenItems,
    day: datetime.date,
    event: str,
    description: str,
    actor,
    payment: Payment | None = None,
    source_account: ObligorAccount | None = None,
) -> list[AccountEntry]:
    """Entries and journal for allocations of a payment (``event`` = payment_bank / payment_cash /
    unidentified_resolved) or of an overpayment credited from ``source_account`` (``event`` =
    overpayment_credit, journal 221 source / 221 target)."""
    written: list[AccountEntry] = []
    booked = timezone.localdate()
    for a in allocations:
        if a.target == "cost":
            account, installment_id = items.account_of_cost[a.item_id], None
        else:
            account, installment_id = items.account_of_installment[a.item_id], a.item_id
        common = {"booked_on": booked, "created_by": _user(actor), "value_date": day, "payment": payment}
        if a.component == C.INTEREST:
            przypis = post_event(
                event="interest", component="interest", amount=a.amount, date=day,
                description=_("Interest charged on the payment date"), obligor_account=account, actor=actor,
            )  # fmt: skip
            written.append(AccountEntry.objects.create(
                account=account, kind=K.INTEREST, component=C.INTEREST, amount=a.amount,
                installment_id=installment_id, description=_("Late-payment interest"), journal_entry=przypis,
                counter_account=source_account, **common,
            ))  # fmt: skip
        if source_account is None:
            journal = post_event(
                event=event, component=a.component, amount=a.amount, date=day, description=description,
                obligor_account=account, actor=actor,
            )  # fmt: skip
        else:
            journal = post_event(
                event=event, component=a.component, amount=a.amount, date=day, description=description,
                obligor_account=source_account, counter_obligor_account=account,
                receivable_type=account.receivable_type, actor=actor,
            )  # fmt: skip
            written.append(AccountEntry.objects.create(
                account=source_account, kind=K.OVERPAYMENT_CREDIT, component=C.OVERPAYMENT, amount=a.amount,
                counter_account=account, installment=None, description=description[:500],
                journal_entry=journal, **common,
            ))  # fmt: skip
        written.append(AccountEntry.objects.create(
            account=account, kind=K.ALLOCATION, component=a.component, amount=a.amount,
            installment_id=installment_id, counter_account=source_account, description=description[:500],
            journal_entry=journal, **common,
        ))  # fmt: skip
    return written


def _ref(payment) -> str:
    """The scope a payment indicates (``Payment.indicated_ref``; the statement import's new payments may lack it)."""
    return getattr(payment, "indicated_ref", "") or ""


def _in_scope(account: ObligorAccount, *, ref: str, type_id: int | None) -> bool:
    return account.source_ref == ref and (type_id is None or account.receivable_type_id == type_id)


def _scoped(payment, accounts: list[ObligorAccount]) -> list[ObligorAccount]:
    """The accounts a payment may settle: all of the payer's, or those of the scope it indicates."""
    ref = _ref(payment)
    if not ref:
        return accounts
    return [a for a in accounts if _in_scope(a, ref=ref, type_id=payment.indicated_type_id)]


def _open_scope_account(*, party_id: int, type_id: int | None, ref: str, day: datetime.date) -> ObligorAccount:
    """A payment to a scope without any account of the payer yet: the scope's account for the payment's year."""
    from core.models import Party

    if type_id is None:
        raise ApplicationError(
            _("The payment indicates the accounts %(ref)s but no receivable type.") % {"ref": ref}, code="invalid"
        )
    source_app = (
        ObligorAccount.objects.filter(source_ref=ref).exclude(source_app="").values_list("source_app", flat=True)
    ).first()
    return account_get_or_create(
        party=Party.objects.get(pk=party_id),
        receivable_type=ReceivableType.objects.get(pk=type_id),
        year=day.year,
        source_app=source_app or "",
        source_ref=ref,
    )


def _overpayment_account(payment: Payment, accounts: list[ObligorAccount], allocations, items) -> ObligorAccount:
    if payment.indicated_type_id:
        typed = [a for a in accounts if a.receivable_type_id == payment.indicated_type_id]
        if typed:
            return max(typed, key=lambda a: (a.party_id == payment.party_id, a.year, a.pk))
    for a in reversed(allocations):
        return items.account_of_cost[a.item_id] if a.target == "cost" else items.account_of_installment[a.item_id]
    return max(accounts, key=lambda a: (a.party_id == payment.party_id, a.year, a.pk))


def _result_of(payment: Payment) -> AllocationResult:
    allocations, remainder = [], ZERO
    for e in payment.entries.filter(reversed_by__isnull=True).exclude(kind=K.REVERSAL).order_by("id"):
        if e.kind == K.ALLOCATION:
            target = "cost" if e.component == C.COSTS else "installment"
            allocations.append(Allocation(target, e.installment_id or 0, e.component, e.amount))
        elif e.kind == K.OVERPAYMENT:
            remainder += e.amount
    return AllocationResult(allocations=allocations, remainder=remainder)


def payment_allocate(*, payment: Payment, actor=None, event: str | None = None) -> AllocationResult:
    """Allocate an identified payment over every account of its payer (see the module docstring).

    ``event`` overrides the journal event (default ``payment_bank`` / ``payment_cash`` by the source; the bank
    import passes ``unidentified_resolved`` for money that waited on account 240)."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status == Payment.Status.ALLOCATED:
            return _result_of(payment)
        if payment.status == Payment.Status.RETURNED:
            raise ApplicationError(_("The payment has been returned to the payer."), code="invalid")
        if payment.party_id is None:
            raise ApplicationError(_("The payer of this payment is not identified."), code="unidentified")
        if payment.amount <= 0:
            raise ApplicationError(_("The amount must be positive."), code="invalid")
        mine = selectors.party_accounts(payment.party)
        ref = _ref(payment)
        if ref and not _scoped(payment, mine):
            mine.append(
                _open_scope_account(
                    party_id=payment.party_id, type_id=payment.indicated_type_id, ref=ref, day=payment.payment_date
                )
            )
        account_ids = [a.pk for a in mine]
        if not account_ids:
            raise ApplicationError(_("The payer has no account with the office."), code="no_account")
        locked = lock_accounts(account_ids)
        accounts = [locked[pk] for pk in sorted(locked)]
        for a in accounts:  # select_for_update cannot join nullable relations on PostgreSQL
            a.receivable_type  # noqa: B018 — load once, used for every entry
        accounts = _scoped(payment, accounts)  # a scoped payment settles only the accounts of its scope
        day = payment.payment_date
        items = open_items(accounts, on=day)
        result = allocate(
            amount=payment.amount,
            payment_date=day,
            installments=items.installments,
            costs=items.costs,
            indicated_type=payment.indicated_type.code if payment.indicated_type_id else None,
        )
        event = event or ("payment_cash" if payment.source == Payment.Source.CASH else "payment_bank")
        description = _("Payment of %(date)s") % {"date": f"{day:%d.%m.%Y}"}
        written = write_allocations(
            allocations=result.allocations, items=items, day=day, event=event, description=description,
            actor=actor, payment=payment,
        )  # fmt: skip
        if result.remainder > 0:
            account = _overpayment_account(payment, accounts, result.allocations, items)
            journal = post_event(
                event=event, component="overpayment", amount=result.remainder, date=day,
                description=_("Overpayment"), obligor_account=account, actor=actor,
            )  # fmt: skip
            written.append(AccountEntry.objects.create(
                account=account, kind=K.OVERPAYMENT, component=C.OVERPAYMENT, amount=result.remainder,
                value_date=day, booked_on=timezone.localdate(), payment=payment, description=_("Overpayment"),
                journal_entry=journal, created_by=_user(actor),
            ))  # fmt: skip
        payment.status = Payment.Status.ALLOCATED
        payment.save(update_fields=["status"])
        audit_log(
            actor=actor or "system", action="finance.payment.allocated", obj=payment,
            details={
                "amount": str(payment.amount), "party": payment.party_id, "entries": [e.pk for e in written],
                "overpayment": str(result.remainder), **({"indicated_ref": ref} if ref else {}),
            },
        )  # fmt: skip
    return result


# --- many payments at once (the statement import) ----------------------------------------------------------

_SYNTHETIC_PK = 10**15  # in-memory rows written by the batch sort after every stored entry, as their ids will


# Obligor accounts per part of a collective journal entry. On PostgreSQL the deferred balance trigger (migration
# 0003) sums the whole entry once per line at commit — quadratic in the size of an entry — so a statement's
# collective entry is written in balanced parts of this many obligor accounts (each part: its 221 analytic lines
# and its own 133 / 720 / 240 counter-lines).
JOURNAL_PART_ACCOUNTS = 50


@dataclass
class _JournalBook:
    """Journal lines of a batch summed per (date, event) and per (side, ledger account, obligor account, dział,
    rozdział, paragraf): one collective entry (dekret zbiorczy) per date and event, in balanced parts of
    :data:`JOURNAL_PART_ACCOUNTS` obligor accounts."""

    rules: ledger.PostingRules
    sums: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(lambda: ZERO)))
    parts: dict = field(default_factory=dict)

    templates: dict = field(default_factory=dict)

    def _template(self, event, component, account) -> list[tuple]:
        """The lines ``ledger.event_lines`` gives for (event, component, receivable type) as (side, ledger
        account, on the obligor account?, dział, rozdział, paragraf) — computed once per combination."""
        key = (event, component, account.receivable_type_id)
        if key not in self.templates:
            self.templates[key] = [
                ("debit" if line.debit > 0 else "credit", line.account, line.obligor_account_id is not None,
                 line.dzial, line.rozdzial, line.paragraf)
                for line in ledger.event_lines(
                    rules=self.rules, event=event, component=component, amount=Decimal(1), obligor_account=account
                )
            ]  # fmt: skip
        return self.templates[key]

    def add(self, *, day, event, component, amount, account) -> tuple:
        part = self.parts.setdefault(account.pk, len(self.parts) // JOURNAL_PART_ACCOUNTS)
        sums = self.sums[(day, event, part)]
        for side, number, analytic, dzial, rozdzial, paragraf in self._template(event, component, account):
            sums[(side, number, account.pk if analytic else None, dzial, rozdzial, paragraf)] += amount
        return (day, event, part)

    def drafts(self, description) -> tuple[list[tuple], list[ledger.JournalDraft]]:
        keys, drafts = [], []
        for (day, event, part), sums in sorted(self.sums.items()):
            ordered = sorted(sums.items(), key=lambda kv: (kv[0][0] != "debit", kv[0][1], kv[0][2] or 0, kv[0][3:]))
            lines = [
                ledger.Line(account=acc, obligor_account_id=obligor, dzial=dz, rozdzial=rz, paragraf=par, **{side: amt})
                for (side, acc, obligor, dz, rz, par), amt in ordered
            ]
            keys.append((day, event, part))
            drafts.append(
                ledger.JournalDraft(date=day, event=event, description=description(day, event, part), lines=lines)
            )
        return keys, drafts


def _open_scope_accounts(payments, accounts_of: dict[int, set[int]]) -> None:
    """Open the scope's account (:func:`_open_scope_account`) for each scoped payment whose payer has no account of
    its scope yet, and add it to ``accounts_of``. One query for the scopes of the payers' accounts."""
    scoped = [p for p in payments if _ref(p)]
    if not scoped:
        return
    ids = sorted({pk for p in scoped for pk in accounts_of.get(p.party_id, ())})
    scope_of: dict[int, tuple[str, int]] = {}
    for chunk in chunks(ids):
        for pk, ref, type_id in ObligorAccount.objects.filter(pk__in=chunk).values_list(
            "pk", "source_ref", "receivable_type_id"
        ):
            scope_of[pk] = (ref, type_id)
    for p in sorted(scoped, key=lambda p: (p.payment_date, p.pk)):
        ref, type_id = _ref(p), p.indicated_type_id
        if any(
            scope_of[pk][0] == ref and (type_id is None or scope_of[pk][1] == type_id)
            for pk in accounts_of.get(p.party_id, ())
        ):
            continue
        account = _open_scope_account(party_id=p.party_id, type_id=type_id, ref=ref, day=p.payment_date)
        accounts_of[p.party_id].add(account.pk)
        scope_of[account.pk] = (account.source_ref, account.receivable_type_id)


def payments_allocate_batch(
    *, payments, actor=None, event: str | None = None, statement=None, created_here: bool = False
) -> dict[int, AllocationResult]:
    """Allocate many identified payments at once, with exactly the result of :func:`payment_allocate` called for
    each of them in (payment date, given order) order — for one bank statement.

    In a few queries: the payments are locked (id order) and re-read (an allocated one is skipped — idempotent);
    the accounts of every payer (as obligor or co-obligor) are locked in one ``SELECT … FOR UPDATE`` ordered by id
    (in chunks of :data:`CHUNK`, still in id order), and their entries and installments loaded. Each payment is
    allocated by the pure :func:`~finance.domain.allocation.allocate` against the state replayed in memory, which
    is then updated (a payer's later payment sees the earlier one). Then: the entries by ``bulk_create``, the
    journal as one collective entry (dekret zbiorczy) per payment date and event (``interest`` for the interest
    charged on the payment date, 221/720; the payment event for the payments, 133/221 or 240/221) with lines summed
    per ledger account, obligor account and classification — written in balanced parts of
    :data:`JOURNAL_PART_ACCOUNTS` obligor accounts (see there) — the payments marked allocated in one ``UPDATE`` and
    one audit event (``finance.payments.allocated``, on ``statement`` when given) with the counts and totals.

    ``created_here``: new payments of the caller's transaction (the statement import: :class:`~finance.services.
    bulk.NewPayment` objects with reserved ids, written by the caller after this) — they are not locked, re-read
    or updated, only their ``status`` is set. Returns the result per payment id. Refusals (a returned payment, an
    unidentified payer, a payer without an account, a non-positive amount) refuse the whole batch and write
    nothing."""
    payments = list(payments)
    if not payments:
        return {}
    order = {p.pk: n for n, p in enumerate(payments)}
    with transaction.atomic():
        ids = sorted(order)
        status: dict[int, str] = {}
        if created_here:  # inserted in the caller's transaction: nobody else sees them, nothing to lock or re-read
            status = {p.pk: p.status for p in payments}
        for chunk in [] if created_here else chunks(ids):
            status.update(
                Payment.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk", "status")
            )
        todo = []
        results: dict[int, AllocationResult] = {}
        for p in payments:
            current = status.get(p.pk)
            if current == Payment.Status.ALLOCATED:
                results[p.pk] = _result_of(p)
                continue
            if current == Payment.Status.RETURNED:
                raise ApplicationError(_("The payment has been returned to the payer."), code="invalid")
            if p.party_id is None:
                raise ApplicationError(_("The payer of this payment is not identified."), code="unidentified")
            if p.amount <= 0:
                raise ApplicationError(_("The amount must be positive."), code="invalid")
            todo.append(p)
        if not todo:
            return results
        parties = sorted({p.party_id for p in todo})
        accounts_of: dict[int, set[int]] = defaultdict(set)
        for chunk in chunks(parties):
            for pk, party_id in ObligorAccount.objects.filter(party_id__in=chunk).values_list("pk", "party_id"):
                accounts_of[party_id].add(pk)
            joint = ObligorAccount.co_obligors.through.objects.filter(party_id__in=chunk)
            for pk, party_id in joint.values_list("obligoraccount_id", "party_id"):
                accounts_of[party_id].add(pk)
        _open_scope_accounts(todo, accounts_of)
        if any(not accounts_of.get(p.party_id) for p in todo):
            raise ApplicationError(_("The payer has no account with the office."), code="no_account")
        account_ids = sorted({pk for pks in accounts_of.values() for pk in pks})
        types = {t.pk: t for t in ReceivableType.objects.all()}
        accounts: dict[int, ObligorAccount] = {}
        entries: dict[int, list] = defaultdict(list)
        installments: dict[int, list] = defaultdict(list)
        for chunk in chunks(account_ids):
            accounts.update(lock_accounts(chunk))
            for row in selectors._entry_rows(account_id__in=chunk):
                entries[row.account_id].append(row)
            for row in selectors._inst_rows(charge__account_id__in=chunk):
                installments[row.account_id].append(row)
        for a in accounts.values():
            a.receivable_type = types[a.receivable_type_id]
        party_accounts = {party: [accounts[pk] for pk in sorted(pks)] for party, pks in accounts_of.items()}

        tables, adjustments = selectors.interest_rate_tables(), selectors._adjustment_rows(account_ids)
        contexts: dict[datetime.date, selectors._Context] = {}
        book = _JournalBook(ledger.PostingRules())
        booked, user = timezone.localdate(), _user(actor)
        synthetic = itertools.count(_SYNTHETIC_PK)
        planned: list[tuple[dict, tuple]] = []  # (AccountEntry values, journal key)
        user_id = user.pk if user is not None else None
        descriptions: dict[datetime.date, str] = {}
        interest_text, overpayment_text = _("Late-payment interest"), _("Overpayment")
        totals: dict[str, Decimal] = defaultdict(lambda: ZERO)

        def remember(account, kind, component, amount, day, installment_id):
            row = selectors._Entry(next(synthetic), account.pk, kind, component, amount, day, installment_id, None)
            bisect.insort(entries[account.pk], row, key=lambda e: (e.value_date, e.pk))

        for p in sorted(todo, key=lambda p: (p.payment_date, order[p.pk])):
            day = p.payment_date
            ctx = contexts.get(day) or contexts.setdefault(
                day, selectors._Context(day, tables=tables, adjustments=adjustments)
            )
            mine = _scoped(p, party_accounts[p.party_id])
            items = _open_items(mine, entries, installments, on=day, ctx=ctx)
            result = allocate(
                amount=p.amount, payment_date=day, installments=items.installments, costs=items.costs,
                indicated_type=types[p.indicated_type_id].code if p.indicated_type_id else None,
            )  # fmt: skip
            ev = event or ("payment_cash" if p.source == Payment.Source.CASH else "payment_bank")
            if day not in descriptions:
                descriptions[day] = (_("Payment of %(date)s") % {"date": f"{day:%d.%m.%Y}"})[:500]
            description = descriptions[day]
            common = {"booked_on": booked, "created_by_id": user_id, "value_date": day, "payment_id": p.pk}
            for a in result.allocations:
                if a.target == "cost":
                    account, installment_id = items.account_of_cost[a.item_id], None
                else:
                    account, installment_id = items.account_of_installment[a.item_id], a.item_id
                if a.component == C.INTEREST:
                    key = book.add(day=day, event="interest", component="interest", amount=a.amount, account=account)
                    planned.append((dict(
                        account_id=account.pk, kind=K.INTEREST.value, component=C.INTEREST.value, amount=a.amount,
                        installment_id=installment_id, description=interest_text, **common,
                    ), key))  # fmt: skip
                    remember(account, K.INTEREST, C.INTEREST, a.amount, day, installment_id)
                key = book.add(day=day, event=ev, component=a.component, amount=a.amount, account=account)
                planned.append((dict(
                    account_id=account.pk, kind=K.ALLOCATION.value, component=str(a.component), amount=a.amount,
                    installment_id=installment_id, description=description, **common,
                ), key))  # fmt: skip
                remember(account, K.ALLOCATION, a.component, a.amount, day, installment_id)
                totals[a.component] += a.amount
            if result.remainder > 0:
                account = _overpayment_account(p, mine, result.allocations, items)
                key = book.add(day=day, event=ev, component="overpayment", amount=result.remainder, account=account)
                planned.append((dict(
                    account_id=account.pk, kind=K.OVERPAYMENT.value, component=C.OVERPAYMENT.value,
                    amount=result.remainder, installment_id=None, description=overpayment_text, **common,
                ), key))  # fmt: skip
                remember(account, K.OVERPAYMENT, C.OVERPAYMENT, result.remainder, day, None)
                totals["overpayment"] += result.remainder
            results[p.pk] = result

        reference = getattr(statement, "reference", "")

        def journal_description(day, ev, part):
            values = {"date": f"{day:%d.%m.%Y}", "reference": reference, "part": part + 1}
            if ev == "interest":
                return _("Interest charged on %(date)s, statement %(reference)s, part %(part)d") % values
            return _("Payments of %(date)s, statement %(reference)s, part %(part)d") % values

        keys, drafts = book.drafts(journal_description)
        journal = dict(zip(keys, ledger.journal_post_many(drafts=drafts, actor=actor), strict=True))
        for row, key in planned:
            row["journal_entry_id"] = journal[key].pk
        bulk_insert_rows(AccountEntry, [row for row, _key in planned])
        if not created_here:  # the caller writes its new payments with the status set here
            for chunk in chunks(sorted(p.pk for p in todo)):
                Payment.objects.filter(pk__in=chunk).update(status=Payment.Status.ALLOCATED)
        for p in todo:
            p.status = Payment.Status.ALLOCATED
        scoped = sum(1 for p in todo if _ref(p))
        audit_log(
            actor=actor or "system", action="finance.payments.allocated", obj=statement or todo[0],
            details={
                "payments": len(todo), "amount": str(sum((p.amount for p in todo), ZERO)),
                "parties": len(parties), "accounts": len(account_ids), "entries": len(planned),
                "allocated": {k: str(v) for k, v in sorted(totals.items()) if k != "overpayment"},
                "overpayment": str(totals["overpayment"]), "journal_entries": [e.pk for e in journal.values()],
                **({"scoped_payments": scoped} if scoped else {}),
            },
        )  # fmt: skip
    return results


def payment_register_cash(
    *, actor, party, amount, payment_date: datetime.date, indicated_type=None, title: str = ""
) -> Payment:
    """A payment at the office's cash desk (OP art. 60 §1 pkt 1: paid on the day it is paid in), allocated at once."""
    if not actor.has_perm("finance.manage_payments"):
        raise ApplicationError(_("You may not register payments."), code="forbidden")
    errors: dict[str, list[str]] = {}
    error = amount_error(amount)
    if error:
        errors["amount"] = [error]
    else:
        amount = Decimal(str(amount))
    if payment_date > timezone.localdate():
        errors["payment_date"] = [_("The payment date cannot be in the future.")]
    if party is None:
        errors["party"] = [_("Choose the payer.")]
    if errors:
        raise ServiceValidationError(_("Correct the payment."), errors=errors)
    with transaction.atomic():
        payment = Payment.objects.create(
            source=Payment.Source.CASH, party=party, indicated_type=indicated_type, amount=amount,
            payment_date=payment_date, received_on=payment_date, title=title[:500],
            status=Payment.Status.UNIDENTIFIED, created_by=_user(actor),
        )  # fmt: skip
        audit_log(actor=actor, action="finance.payment.cash_registered", obj=payment, details={"amount": str(amount)})
        payment_allocate(payment=payment, actor=actor)
        payment.refresh_from_db()
    return payment
