"""Reads of finance other apps may use: balances of obligor accounts as of any date (with interest), a party's
balance, arrears for reports. ``access_account`` is the permission-checked, logged read of one account.

Balances are never stored: they are replayed from the immutable entries (``finance.domain.account_state``), so they
are exact for any past or future date. Entries reversed (storno) on or before the date are left out, together with
their reversals.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q

from core.exceptions import NotFoundOrForbidden
from core.services.audit import audit_log
from finance.domain import account_state as st
from finance.domain import interest_periods as ip
from finance.domain.allocation import CostItem
from finance.domain.interest import RatePeriod, rate_table
from finance.domain.rounding import ZERO
from finance.models import (
    AccountEntry,
    FinanceParameter,
    Installment,
    InterestAdjustment,
    InterestRate,
    ObligorAccount,
)

K = AccountEntry.Kind
C = AccountEntry.Component


def interest_rates(kind: str = InterestRate.Kind.STANDARD) -> list[RatePeriod]:
    return [RatePeriod(valid_from=d, rate=r) for d, r in InterestRate.objects.filter(kind=kind).values_list(
        "valid_from", "rate").order_by("valid_from")]  # fmt: skip


def interest_rate_tables() -> dict[str, list[RatePeriod]]:
    """The standard, reduced and increased rate tables, in one query."""
    tables: dict[str, list[RatePeriod]] = {k: [] for k in InterestRate.Kind.values}
    for kind, d, r in InterestRate.objects.values_list("kind", "valid_from", "rate").order_by("valid_from"):
        tables.setdefault(kind, []).append(RatePeriod(valid_from=d, rate=r))
    return tables


def parameter(code: str, on: datetime.date) -> Decimal:
    """A dated finance parameter (``interest_minimum``, ``reminder_cost``) in force on ``on``."""
    row = FinanceParameter.objects.filter(code=code, valid_from__lte=on).order_by("-valid_from").first()
    if row is None:
        raise LookupError(f"No finance parameter {code!r} in force on {on:%d.%m.%Y}")
    return row.value


@dataclass(frozen=True)
class InstallmentView:
    id: int
    number: int
    charge_id: int
    due_date: datetime.date
    effective_due_date: datetime.date
    amount: Decimal
    state: st.InstallmentState


@dataclass
class AccountState:
    account: ObligorAccount
    as_of: datetime.date
    installments: list[InstallmentView] = field(default_factory=list)
    cost_items: list[CostItem] = field(default_factory=list)
    overpayment: Decimal = ZERO

    @property
    def principal(self) -> Decimal:
        return sum((i.state.principal for i in self.installments), ZERO)

    @property
    def interest(self) -> Decimal:
        return sum((i.state.interest for i in self.installments), ZERO)

    @property
    def costs(self) -> Decimal:
        return sum((c.amount for c in self.cost_items), ZERO)

    @property
    def arrears(self) -> Decimal:
        """Principal of installments whose effective due date is before ``as_of``."""
        return sum((i.state.principal for i in self.installments if i.effective_due_date < self.as_of), ZERO)


@dataclass(frozen=True)
class Balance:
    principal: Decimal
    interest: Decimal
    costs: Decimal
    overpayment: Decimal
    arrears: Decimal = ZERO

    @property
    def total_due(self) -> Decimal:
        return self.principal + self.interest + self.costs

    def __add__(self, other: Balance) -> Balance:
        return Balance(*(getattr(self, f) + getattr(other, f) for f in (
            "principal", "interest", "costs", "overpayment", "arrears")))  # fmt: skip


EMPTY = Balance(ZERO, ZERO, ZERO, ZERO, ZERO)


class _Entry(NamedTuple):
    pk: int
    account_id: int
    kind: str
    component: str
    amount: Decimal
    value_date: datetime.date
    installment_id: int | None
    reverses_id: int | None


class _Inst(NamedTuple):
    pk: int
    account_id: int
    charge_id: int
    number: int
    due_date: datetime.date
    effective_due_date: datetime.date
    amount: Decimal


_ENTRY_FIELDS = ("pk", "account_id", "kind", "component", "amount", "value_date", "installment_id", "reverses_id")
_INST_FIELDS = ("pk", "charge__account_id", "charge_id", "number", "due_date", "effective_due_date", "amount")


def _entry_rows(**filters) -> list[_Entry]:
    qs = AccountEntry.objects.filter(**filters).order_by("value_date", "id").values_list(*_ENTRY_FIELDS)
    return [_Entry._make(row) for row in qs]


def _inst_rows(**filters) -> list[_Inst]:
    return [_Inst._make(row) for row in Installment.objects.filter(**filters).values_list(*_INST_FIELDS)]


_ADJ_CHUNK = 5000  # ids per IN (…) list


class _Adj(NamedTuple):
    pk: int
    account_id: int
    installment_id: int | None
    kind: str
    date_from: datetime.date
    date_to: datetime.date | None
    created_at: datetime.datetime
    cancelled_at: datetime.datetime | None


@dataclass
class _AccountAdjustments:
    """The interest adjustments of one account (cancelled ones too) and, per installment, the allocations to it
    that are not reversed: (value date, created at) — what the interest fixed at a payment is history for."""

    adjustments: list[_Adj] = field(default_factory=list)
    allocations: dict[int, list[tuple[datetime.date, datetime.datetime]]] = field(default_factory=dict)


def _adjustment_rows(account_ids: Iterable[int]) -> dict[int, _AccountAdjustments]:
    """Adjustments of many accounts: one query (per 5 000 ids), plus one for the allocations of the accounts that
    have any — nothing more when no account has an adjustment."""
    ids = sorted(set(account_ids))
    found: dict[int, _AccountAdjustments] = {}
    for start in range(0, len(ids), _ADJ_CHUNK):
        qs = InterestAdjustment.objects.filter(account_id__in=ids[start : start + _ADJ_CHUNK]).order_by("id")
        for row in qs.values_list(*_Adj._fields):
            adj = _Adj._make(row)
            found.setdefault(adj.account_id, _AccountAdjustments()).adjustments.append(adj)
    with_adj = sorted(found)
    for start in range(0, len(with_adj), _ADJ_CHUNK):
        qs = AccountEntry.objects.filter(
            account_id__in=with_adj[start : start + _ADJ_CHUNK], kind=K.ALLOCATION, installment__isnull=False,
            reversed_by__isnull=True,
        ).values_list("account_id", "installment_id", "value_date", "created_at")  # fmt: skip
        for account_id, inst_id, value_date, created_at in qs:
            found[account_id].allocations.setdefault(inst_id, []).append((value_date, created_at))
    return found


def _settled_until(allocations, moment) -> datetime.date | None:
    """The last payment date on an installment among the allocations recorded before ``moment``."""
    days = [day for day, created in allocations if created < moment]
    return max(days) if days else None


def installment_adjustments(found: _AccountAdjustments | None, installment_id: int) -> tuple[ip.Adjustment, ...]:
    """The adjustments in effect for one installment, each cut to the days after the installment's last payment
    recorded before the adjustment (interest fixed at a payment is history) and — when cancelled — to the days up
    to the last payment recorded before the cancellation (a cancellation does not rewrite a payment either; with
    no payment in between, a cancelled adjustment has no effect at all)."""
    if found is None:
        return ()
    allocations = found.allocations.get(installment_id, ())
    out: list[ip.Adjustment] = []
    for a in found.adjustments:
        if a.installment_id not in (None, installment_id):
            continue
        until = None
        if a.cancelled_at is not None:
            until = _settled_until(allocations, a.cancelled_at)
            if until is None:
                continue
        after = _settled_until(allocations, a.created_at)
        out.extend(ip.clip([ip.Adjustment(a.kind, a.date_from, a.date_to, a.pk)], after=after, until=until))
    return tuple(out)


class _Context:
    """Rates (standard, reduced, increased), the minimum and the interest adjustments, loaded once for many
    accounts. ``adjustments`` maps account ids to their adjustments (:func:`_adjustment_rows`); when not given,
    each account's are read when its state is computed (one query per account: pass them for many accounts)."""

    def __init__(self, as_of: datetime.date, rates=None, minimum=None, *, tables=None, adjustments=None):
        if tables is None and rates is None:
            tables = interest_rate_tables()
        self._tables = tables
        standard = rates if rates is not None else tables[InterestRate.Kind.STANDARD]
        self.rates = rate_table(standard)
        self.minimum = minimum if minimum is not None else parameter("interest_minimum", as_of)
        self.adjustments = adjustments
        self._effective: dict[tuple, object] = {}

    @property
    def tables(self) -> dict[str, list[RatePeriod]]:
        if self._tables is None:
            self._tables = interest_rate_tables()
        return self._tables

    def adjustments_of(self, account_id: int) -> _AccountAdjustments | None:
        if self.adjustments is None:
            return _adjustment_rows([account_id]).get(account_id)
        return self.adjustments.get(account_id)

    def rates_for(self, adjustments: tuple[ip.Adjustment, ...]):
        """The shared standard table without adjustments, else the effective table (computed once per set)."""
        if not adjustments:
            return self.rates
        table = self._effective.get(adjustments)
        if table is None:
            t = self.tables
            table = rate_table(ip.effective_rates(
                self.rates.ordered, t[InterestRate.Kind.REDUCED], t[InterestRate.Kind.INCREASED], adjustments
            ))  # fmt: skip
            self._effective[adjustments] = table
        return table


def _state_from_rows(
    account: ObligorAccount, entries: Iterable[_Entry], installments: Iterable[_Inst], as_of, ctx
) -> AccountState:
    entries = [e for e in entries if e.value_date <= as_of]
    reversed_ids = {e.reverses_id for e in entries if e.kind == K.REVERSAL}
    live = [e for e in entries if e.kind != K.REVERSAL and e.pk not in reversed_ids]
    charges = {e.pk: e for e in live if e.kind == K.CHARGE}
    events: dict[int, list[st.InstallmentEvent]] = defaultdict(list)
    costs_charged: list[_Entry] = []
    costs_paid = ZERO
    overpayment = ZERO
    for e in live:
        if e.kind == K.REDUCTION and e.installment_id:
            events[e.installment_id].append(st.InstallmentEvent(e.value_date, st.REDUCTION, e.amount))
        elif e.kind == K.ALLOCATION:
            if e.component == C.COSTS:
                costs_paid += e.amount
            elif e.installment_id:
                kind = st.PRINCIPAL_PAID if e.component == C.PRINCIPAL else st.INTEREST_PAID
                events[e.installment_id].append(st.InstallmentEvent(e.value_date, kind, e.amount))
        elif e.kind == K.REMINDER_COST:
            costs_charged.append(e)
        elif e.kind == K.OVERPAYMENT:
            overpayment += e.amount
            if e.installment_id:
                events[e.installment_id].append(st.InstallmentEvent(e.value_date, st.RESTORATION, e.amount))
        elif e.kind in (K.OVERPAYMENT_CREDIT, K.TRANSFER, K.REFUND):
            overpayment -= e.amount
    state = AccountState(account=account, as_of=as_of, overpayment=overpayment)
    for c in sorted(costs_charged, key=lambda e: (e.value_date, e.pk)):
        take = min(costs_paid, c.amount)
        costs_paid -= take
        if c.amount - take > 0:
            state.cost_items.append(CostItem(id=c.pk, amount=c.amount - take))
    interest_applies = account.receivable_type.interest_applies
    adjustments = ctx.adjustments_of(account.pk) if interest_applies else None
    for inst in installments:
        charge = charges.get(inst.charge_id)
        if charge is None:
            continue
        state.installments.append(
            InstallmentView(
                id=inst.pk,
                number=inst.number,
                charge_id=inst.charge_id,
                due_date=inst.due_date,
                effective_due_date=inst.effective_due_date,
                amount=inst.amount,
                state=st.installment_state(
                    amount=inst.amount,
                    charged_on=charge.value_date,
                    due_date=inst.effective_due_date,
                    events=events.get(inst.pk, ()),
                    as_of=as_of,
                    rates=ctx.rates_for(installment_adjustments(adjustments, inst.pk)),
                    minimum=ctx.minimum,
                    interest_applies=interest_applies,
                ),
            )
        )
    state.installments.sort(key=lambda i: (i.effective_due_date, i.id))
    return state


def account_state(account: ObligorAccount, *, as_of: datetime.date, ctx: _Context | None = None) -> AccountState:
    ctx = ctx or _Context(as_of)
    entries = _entry_rows(account=account, value_date__lte=as_of)
    installments = _inst_rows(charge__account=account)
    return _state_from_rows(account, entries, installments, as_of, ctx)


def _balance_of(state: AccountState) -> Balance:
    return Balance(state.principal, state.interest, state.costs, state.overpayment, state.arrears)


def balance(account: ObligorAccount, *, as_of: datetime.date) -> Balance:
    """Principal, interest (as if paid on ``as_of``), costs and overpayment of one account as of a date."""
    return _balance_of(account_state(account, as_of=as_of))


def party_accounts(party) -> list[ObligorAccount]:
    """Every account where ``party`` is the obligor or a co-obligor (joint liability)."""
    return list(
        ObligorAccount.objects.filter(Q(party=party) | Q(co_obligors=party))
        .distinct()
        .select_related("receivable_type")
        .order_by("id")
    )


def party_balances(party, *, as_of: datetime.date) -> list[tuple[ObligorAccount, Balance]]:
    """Every account of ``party`` (as obligor or co-obligor) with its balance, read in a few queries."""
    accounts = party_accounts(party)
    found = balances(accounts, as_of=as_of)
    return [(a, found[a.pk]) for a in accounts]


def party_balance(party, *, as_of: datetime.date) -> Balance:
    total = EMPTY
    for _account, b in party_balances(party, as_of=as_of):
        total = total + b
    return total


def account_states(accounts: Iterable[ObligorAccount], *, as_of: datetime.date) -> dict[int, AccountState]:
    """States (installments with interest, costs, overpayment) of many accounts with a constant number of queries:
    entries, installments, rates, the minimum, the interest adjustments (and, only when some account has one, the
    allocations the adjustments are cut at)."""
    accounts = {a.pk: a for a in accounts}
    ctx = _Context(as_of, adjustments=_adjustment_rows(accounts))
    entries: dict[int, list] = defaultdict(list)
    for e in _entry_rows(account_id__in=accounts, value_date__lte=as_of):
        entries[e.account_id].append(e)
    insts: dict[int, list] = defaultdict(list)
    for i in _inst_rows(charge__account_id__in=accounts):
        insts[i.account_id].append(i)
    return {pk: _state_from_rows(a, entries[pk], insts[pk], as_of, ctx) for pk, a in accounts.items()}


def balances(accounts: Iterable[ObligorAccount], *, as_of: datetime.date) -> dict[int, Balance]:
    """Balances of many accounts (for reports and the arrears benchmark) — :func:`account_states` summed."""
    return {pk: _balance_of(state) for pk, state in account_states(accounts, as_of=as_of).items()}


def arrears(*, as_of: datetime.date, receivable_type=None) -> list[tuple[ObligorAccount, Balance]]:
    """Accounts with arrears (principal past due) as of a date, with their balance including interest."""
    qs = ObligorAccount.objects.select_related("receivable_type", "party").order_by("id")
    if receivable_type is not None:
        qs = qs.filter(receivable_type=receivable_type)
    qs = qs.filter(entries__kind=K.CHARGE, entries__installments__effective_due_date__lt=as_of).distinct()
    result = []
    batch = list(qs)
    for start in range(0, len(batch), 2000):
        chunk = batch[start : start + 2000]
        found = balances(chunk, as_of=as_of)
        result.extend((a, found[a.pk]) for a in chunk if found[a.pk].arrears > 0)
    return result


def access_account(*, user, account_id: int, purpose: str = "") -> ObligorAccount:
    """One account for a user holding ``finance.view_balances``; the read is logged (personal financial data)."""
    if not user.has_perm("finance.view_balances"):
        raise NotFoundOrForbidden("Not found.")
    account = ObligorAccount.objects.select_related("party", "receivable_type").filter(pk=account_id).first()
    if account is None:
        raise NotFoundOrForbidden("Not found.")
    audit_log(actor=user, action="finance.account.viewed", obj=account, details={"purpose": purpose})
    return account


def charge_remaining(charge) -> Decimal:
    """What a charge (przypis) still charges: its amount less the reductions (odpisy) booked against its installments
    that have not been reversed — the most a further reduction may take."""
    from finance.models import AccountEntry

    K = AccountEntry.Kind
    reversed_ids = set(
        AccountEntry.objects.filter(kind=K.REVERSAL, account_id=charge.account_id).values_list("reverses_id", flat=True)
    )
    reduced = sum(
        (
            amount
            for pk, amount in AccountEntry.objects.filter(installment__charge=charge, kind=K.REDUCTION).values_list(
                "pk", "amount"
            )
            if pk not in reversed_ids
        ),
        Decimal(0),
    )
    return charge.amount - reduced
