"""Reads of finance for the residents' portal ("My taxes and fees"): the accounts of one party (as obligor or
co-obligor) with their installments, payments and how each was allocated, interest to a date and the per-year
statement (assessed, corrections, arrears from previous years, interest, payments, balance).

Every function takes the party (never an id from a request) and returns plain frozen dataclasses. The reads are
set-based: a constant number of queries whatever the number of accounts, installments and payments of the party
(the accounts, :func:`finance.selectors.account_states` — entries, installments, rates, the minimum, adjustments —,
the entries' references and the payments). Interest is finance's own (``finance.domain.account_state``: accrued
from the day after the effective due date, rounded to full złoty per installment with the minimum applied).

Figures of an account as of ``as_of``:

* ``assessed`` — the charges (przypisy) booked; ``corrections`` — minus the reductions (odpisy);
* ``paid`` — what payments (and overpayment credits) settled: principal + interest + reminder costs;
* ``principal`` — principal still unpaid, ``arrears`` — the part of it past the effective due date;
* ``interest`` — interest owed as if paid on ``as_of``; ``costs`` — reminder costs unpaid;
* ``overpayment`` — money held on the account (nadpłata); ``balance`` = principal + interest + costs − overpayment
  (positive: to pay; negative: the office owes the resident).

A reversed entry (storno) and its reversal are left out, as finance does.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from finance import selectors as fs
from finance.domain.rounding import ZERO
from finance.models import AccountEntry, BankProfile, ObligorAccount, Payment, VirtualAccount

K = AccountEntry.Kind
C = AccountEntry.Component

PAID = "paid"
OVERDUE = "overdue"
DUE = "due"
REDUCED = "reduced"  # nothing left to pay and nothing paid: written off by a reduction (odpis)


@dataclass(frozen=True)
class InstallmentLine:
    id: int
    number: int
    due_date: datetime.date
    effective_due_date: datetime.date
    amount: Decimal
    paid: Decimal  # principal paid
    unpaid: Decimal  # principal outstanding
    interest: Decimal  # interest owed as of the date (rounded as finance does)
    status: str  # paid / overdue / due / reduced
    charge_ref: str  # source_ref of the charge (e.g. "decision:12:property", "waste:7:2026-03")
    description: str


@dataclass(frozen=True)
class PaymentLine:
    """One payment (or overpayment credit) as it settled this account: the parts it was allocated to."""

    date: datetime.date
    amount: Decimal  # the payment as received (for a credit: what it brought to this account)
    to_account: Decimal  # principal + interest + costs + overpayment on this account
    principal: Decimal
    interest: Decimal
    costs: Decimal
    overpayment: Decimal
    source: str  # bank / cash / credit


@dataclass(frozen=True)
class ChargeLine:
    """A charge (przypis) or a reduction (odpis) of the account."""

    date: datetime.date
    kind: str  # charge / reduction
    amount: Decimal  # positive for a charge, negative for a reduction
    description: str
    source_ref: str


@dataclass(frozen=True)
class PortalAccount:
    id: int
    receivable_type_id: int
    receivable_code: str
    receivable_name: str
    receivable_order: int
    year: int
    role: str  # obligor / co_obligor
    source_ref: str
    as_of: datetime.date
    assessed: Decimal
    corrections: Decimal
    paid: Decimal
    principal: Decimal
    arrears: Decimal
    interest: Decimal
    costs: Decimal
    overpayment: Decimal
    installments: tuple[InstallmentLine, ...]
    payments: tuple[PaymentLine, ...]
    charges: tuple[ChargeLine, ...]

    @property
    def total_due(self) -> Decimal:
        return self.principal + self.interest + self.costs

    @property
    def balance(self) -> Decimal:
        return self.total_due - self.overpayment


@dataclass(frozen=True)
class YearStatement:
    """The per-year statement of a party: the sums of its accounts of ``year`` and what is still due on the accounts
    of earlier years (principal + interest + costs − overpayment, each account not below zero)."""

    year: int
    as_of: datetime.date
    assessed: Decimal
    corrections: Decimal
    arrears_previous: Decimal
    interest: Decimal
    costs: Decimal
    paid: Decimal
    overpayment: Decimal
    principal: Decimal
    arrears: Decimal
    balance: Decimal  # of the year's accounts
    total_due: Decimal  # the year's balance (not below zero) + arrears from previous years


def _accounts_qs(party, years=None):
    # the joint accounts' ids first (an indexed read), so that the OR below is two index lookups (BitmapOr), not a
    # scan of all accounts with a subplan
    joint = list(
        ObligorAccount.co_obligors.through.objects.filter(party_id=party.pk).values_list("obligoraccount_id", flat=True)
    )
    qs = ObligorAccount.objects.filter(Q(party_id=party.pk) | Q(pk__in=joint)).select_related("receivable_type")
    if years is not None:
        qs = qs.filter(year__in=list(years))
    return qs.order_by("-year", "receivable_type__order", "receivable_type__code", "id")


def _status(inst: fs.InstallmentView, as_of: datetime.date) -> str:
    if inst.state.principal > 0:
        return OVERDUE if inst.effective_due_date < as_of else DUE
    return PAID if inst.state.principal_paid > 0 else REDUCED


def _live(rows):
    reversed_ids = {r["reverses_id"] for r in rows if r["kind"] == K.REVERSAL}
    return [r for r in rows if r["kind"] != K.REVERSAL and r["pk"] not in reversed_ids]


def _payments_of(rows, payments: dict[int, dict]) -> list[PaymentLine]:
    groups: dict[tuple, dict] = {}
    for r in rows:
        if r["kind"] == K.ALLOCATION:
            part = {C.PRINCIPAL: "principal", C.INTEREST: "interest", C.COSTS: "costs"}.get(r["component"])
        elif r["kind"] == K.OVERPAYMENT and r["installment_id"] is None and r["payment_id"] is not None:
            part = "overpayment"
        else:
            continue
        if part is None:
            continue
        key = ("p", r["payment_id"]) if r["payment_id"] else ("c", r["value_date"])
        group = groups.setdefault(key, {"date": r["value_date"], "principal": ZERO, "interest": ZERO, "costs": ZERO,
                                        "overpayment": ZERO})  # fmt: skip
        group[part] += r["amount"]
    lines = []
    for key, g in groups.items():
        to_account = g["principal"] + g["interest"] + g["costs"] + g["overpayment"]
        payment = payments.get(key[1]) if key[0] == "p" else None
        lines.append(PaymentLine(
            date=payment["payment_date"] if payment else g["date"],
            amount=payment["amount"] if payment else to_account, to_account=to_account, principal=g["principal"],
            interest=g["interest"], costs=g["costs"], overpayment=g["overpayment"],
            source=payment["source"] if payment else "credit",
        ))  # fmt: skip
    lines.sort(key=lambda p: p.date)
    return lines


def party_accounts_detail(party, *, as_of: datetime.date, years=None) -> list[PortalAccount]:
    """The accounts of ``party`` (obligor or co-obligor; of ``years`` when given) with everything the portal shows,
    newest year first, then in the receivable types' order. A constant number of queries."""
    accounts = list(_accounts_qs(party, years))
    if not accounts:
        return []
    states = fs.account_states(accounts, as_of=as_of)
    rows_of: dict[int, list[dict]] = defaultdict(list)
    fields = ("pk", "account_id", "kind", "component", "amount", "value_date", "installment_id", "reverses_id",
              "payment_id", "source_ref", "description")  # fmt: skip
    qs = AccountEntry.objects.filter(account_id__in=[a.pk for a in accounts], value_date__lte=as_of)
    for row in qs.order_by("value_date", "id").values(*fields):
        rows_of[row["account_id"]].append(row)
    live_of = {a.pk: _live(rows_of[a.pk]) for a in accounts}
    payment_ids = {r["payment_id"] for rows in live_of.values() for r in rows if r["payment_id"]}
    payments = {
        p["pk"]: p for p in Payment.objects.filter(pk__in=payment_ids).values("pk", "amount", "payment_date", "source")
    } if payment_ids else {}  # fmt: skip
    result = []
    for account in accounts:
        state = states[account.pk]
        live = live_of[account.pk]
        charges_by_pk = {r["pk"]: r for r in live if r["kind"] == K.CHARGE}
        charge_lines = [
            ChargeLine(date=r["value_date"], kind=r["kind"],
                       amount=r["amount"] if r["kind"] == K.CHARGE else -r["amount"],
                       description=r["description"], source_ref=r["source_ref"])
            for r in live if r["kind"] in (K.CHARGE, K.REDUCTION)
        ]  # fmt: skip
        payment_lines = _payments_of(live, payments)
        installments = []
        for inst in state.installments:
            charge = charges_by_pk.get(inst.charge_id, {})
            installments.append(InstallmentLine(
                id=inst.id, number=inst.number, due_date=inst.due_date, effective_due_date=inst.effective_due_date,
                amount=inst.amount, paid=inst.state.principal_paid, unpaid=inst.state.principal,
                interest=inst.state.interest, status=_status(inst, as_of), charge_ref=charge.get("source_ref", ""),
                description=charge.get("description", ""),
            ))  # fmt: skip
        result.append(PortalAccount(
            id=account.pk, receivable_type_id=account.receivable_type_id, receivable_code=account.receivable_type.code,
            receivable_name=account.receivable_type.name,
            receivable_order=account.receivable_type.order, year=account.year,
            role="obligor" if account.party_id == party.pk else "co_obligor", source_ref=account.source_ref,
            as_of=as_of,
            assessed=sum((c.amount for c in charge_lines if c.kind == K.CHARGE), ZERO),
            corrections=sum((c.amount for c in charge_lines if c.kind == K.REDUCTION), ZERO),
            paid=sum((p.principal + p.interest + p.costs for p in payment_lines), ZERO),
            principal=state.principal, arrears=state.arrears, interest=state.interest, costs=state.costs,
            overpayment=state.overpayment, installments=tuple(installments), payments=tuple(payment_lines),
            charges=tuple(charge_lines),
        ))  # fmt: skip
    return result


def year_statement(accounts: list[PortalAccount], year: int, *, as_of: datetime.date) -> YearStatement:
    """The statement of ``year`` from the party's accounts (all years: the earlier ones give the arrears from
    previous years). Pure: no query."""
    own = [a for a in accounts if a.year == year]
    earlier = sum((max(a.balance, ZERO) for a in accounts if a.year < year), ZERO)

    def total(attr: str) -> Decimal:
        return sum((getattr(a, attr) for a in own), ZERO)

    balance = total("balance")
    return YearStatement(
        year=year, as_of=as_of, assessed=total("assessed"), corrections=total("corrections"),
        arrears_previous=earlier, interest=total("interest"), costs=total("costs"), paid=total("paid"),
        overpayment=total("overpayment"), principal=total("principal"), arrears=total("arrears"), balance=balance,
        total_due=max(balance, ZERO) + earlier,
    )  # fmt: skip


def party_years(accounts: list[PortalAccount]) -> list[int]:
    return sorted({a.year for a in accounts}, reverse=True)


def party_total_due(accounts: list[PortalAccount]) -> Decimal:
    """What the party has to pay as of the accounts' date: the positive balances of all its accounts."""
    return sum((max(a.balance, ZERO) for a in accounts), ZERO)


def party_payment_accounts(party, accounts: list[PortalAccount]) -> tuple[str, dict[int, str]]:
    """The party's individual bank accounts (virtual NRB) — the obligor-level one and, per account of ``accounts``,
    the one a payment for it should go to — chosen as ``finance.services.virtual_accounts.virtual_account_of``
    chooses (the account scoped to the obligor account's reference, else the obligor-level one, per receivable type
    when the bank profile says so), in two queries; "" where none was assigned yet. A read: never creates one."""
    profile = BankProfile.objects.filter(is_active=True).order_by("code").first()
    if profile is None:
        return "", {}
    found = {
        (rt, ref): nrb
        for rt, ref, nrb in VirtualAccount.objects.filter(party_id=party.pk, profile=profile).values_list(
            "receivable_type_id", "source_ref", "nrb"
        )
    }

    def level(rt) -> str:
        return found.get((rt if profile.per_receivable_type else None, ""), "")

    per_account = {}
    for account in accounts:
        rt = account.receivable_type_id
        ref = (account.source_ref or "").strip()
        per_account[account.id] = (found.get((rt, ref)) if ref else None) or level(rt)
    return found.get((None, ""), ""), per_account
