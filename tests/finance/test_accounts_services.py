"""Obligor accounts: charges with installments and due-date shifts, balances as of any date, reductions,
reminder costs, transfers and reversals — exact amounts, journal entries, and nothing written on a refusal."""

import datetime
from decimal import Decimal

import pytest

from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from finance import selectors
from finance.models import AccountEntry, Installment, JournalEntry, JournalLine
from finance.services.accounts import (
    account_get_or_create,
    charge_post,
    entry_reverse,
    reduction_post,
    reminder_cost_post,
    transfer_post,
)
from finance.services.payments import payment_allocate
from tests.factories import PersonFactory
from tests.finance.conftest_accounts import *  # noqa: F403

pytestmark = pytest.mark.django_db
D = Decimal
d = datetime.date


def counts():
    return (AccountEntry.objects.count(), JournalEntry.objects.count(), JournalLine.objects.count(),
            Installment.objects.count(), AuditEvent.objects.count())  # fmt: skip


def lines_of(entry):
    return list(
        entry.journal_entry.lines.order_by("id").values_list(
            "account__number", "debit", "credit", "obligor_account_id", "paragraf"
        )
    )


def test_e1_charge_with_installments_and_shifted_due_dates(accountant, person, property_tax):
    account = account_get_or_create(party=person, receivable_type=property_tax, year=2025)
    entry = charge_post(
        actor=accountant, account=account, amount=D("727.00"), value_date=d(2025, 2, 20), description="Decyzja 2025",
        installments=[(d(2025, 3, 15), D("181.75")), (d(2025, 5, 15), D("181.75")), (d(2025, 9, 15), D("181.75")),
                      (d(2025, 11, 15), D("181.75"))],
    )  # fmt: skip
    assert list(entry.installments.values_list("number", "due_date", "effective_due_date", "amount")) == [
        (1, d(2025, 3, 15), d(2025, 3, 17), D("181.75")),
        (2, d(2025, 5, 15), d(2025, 5, 15), D("181.75")),
        (3, d(2025, 9, 15), d(2025, 9, 15), D("181.75")),
        (4, d(2025, 11, 15), d(2025, 11, 17), D("181.75")),
    ]
    assert lines_of(entry) == [
        ("221", D("727.00"), D("0.00"), account.pk, "0310"),
        ("720", D("0.00"), D("727.00"), None, "0310"),
    ]
    assert AuditEvent.objects.filter(action="finance.charge.posted", object_id=str(account.pk)).count() == 1
    assert account_get_or_create(party=person, receivable_type=property_tax, year=2025) == account


def test_due_date_on_a_holiday_moves(accountant, person, property_tax, charge):
    # 1.05.2025 (Thursday, holiday) → 2.05.2025; 3.05.2025 (Saturday, holiday) → 5.05.2025
    _acc, entry = charge(person, property_tax, [(d(2025, 5, 1), "10.00"), (d(2025, 5, 3), "10.00")])
    assert list(entry.installments.values_list("effective_due_date", flat=True)) == [d(2025, 5, 2), d(2025, 5, 5)]


def test_installments_must_add_up_and_refusal_writes_nothing(accountant, person, property_tax, nobody):
    account = account_get_or_create(party=person, receivable_type=property_tax, year=2025)
    before = counts()
    with pytest.raises(ServiceValidationError):
        charge_post(actor=accountant, account=account, amount=D("727.00"), value_date=d(2025, 2, 20), description="x",
                    installments=[(d(2025, 3, 15), D("363.50")), (d(2025, 5, 15), D("363.49"))])  # fmt: skip
    with pytest.raises(ServiceValidationError):
        charge_post(actor=accountant, account=account, amount=D("-1"), value_date=d(2025, 2, 20), description="x",
                    installments=[(d(2025, 3, 15), D("-1"))])  # fmt: skip
    with pytest.raises(ApplicationError):
        charge_post(actor=nobody, account=account, amount=D("10"), value_date=d(2025, 2, 20), description="x",
                    installments=[(d(2025, 3, 15), D("10"))])  # fmt: skip
    assert counts() == before


def test_balance_e3_as_of_any_date(person, property_tax, charge):
    account, _entry = charge(person, property_tax, [(d(2025, 5, 15), "1000.00")], value_date=d(2025, 4, 1))
    assert selectors.balance(account, as_of=d(2025, 3, 31)) == selectors.EMPTY
    b = selectors.balance(account, as_of=d(2025, 5, 15))
    assert (b.principal, b.interest, b.arrears) == (D("1000.00"), D("0.00"), D("0.00"))
    b = selectors.balance(account, as_of=d(2025, 6, 24))
    assert (b.principal, b.interest, b.costs, b.overpayment, b.arrears) == (
        D("1000.00"), D("15"), D("0.00"), D("0.00"), D("1000.00"))  # fmt: skip
    # E4 on the same engine: due 15.09.2025 paid 24.10.2025 → 13
    account2, _ = charge(person, property_tax, [(d(2025, 9, 15), "1000.00")], year=2024)
    assert selectors.balance(account2, as_of=d(2025, 10, 24)).interest == D("13")


def test_reduction_of_a_paid_installment_becomes_an_overpayment(accountant, person, property_tax, charge,
                                                               bank_payment):  # fmt: skip
    account, entry = charge(person, property_tax, [(d(2025, 3, 15), "181.75"), (d(2025, 5, 15), "181.75")])
    payment_allocate(payment=bank_payment(person, "181.75", d(2025, 3, 10)))
    first = entry.installments.get(number=1)
    written = reduction_post(actor=accountant, charge=entry, installment=first, amount=D("100.00"),
                             value_date=d(2025, 4, 1), description="Decyzja zmieniająca")  # fmt: skip
    assert [(e.kind, e.amount) for e in written] == [("reduction", D("100.00")), ("overpayment", D("100.00"))]
    assert lines_of(written[0]) == [
        ("720", D("100.00"), D("0.00"), None, "0310"),
        ("221", D("0.00"), D("100.00"), account.pk, "0310"),
    ]
    b = selectors.balance(account, as_of=d(2025, 4, 1))
    assert (b.principal, b.overpayment) == (D("181.75"), D("100.00"))
    # a reduction of the unpaid installment is a plain odpis; more than is charged is refused
    written = reduction_post(actor=accountant, charge=entry, amount=D("81.75"), value_date=d(2025, 4, 2),
                             description="x")  # fmt: skip
    assert [(e.kind, e.amount, e.installment.number) for e in written] == [("reduction", D("81.75"), 2)]
    before = counts()
    with pytest.raises(ServiceValidationError):
        reduction_post(actor=accountant, charge=entry, amount=D("181.76"), value_date=d(2025, 4, 2), description="x")
    assert counts() == before
    assert selectors.balance(account, as_of=d(2025, 4, 2)).principal == D("100.00")


def test_reminder_cost_from_the_dated_parameter_and_its_reversal(accountant, person, property_tax, charge):
    account, _ = charge(person, property_tax, [(d(2025, 3, 15), "100.00")])
    old = reminder_cost_post(actor=accountant, account=account, value_date=d(2021, 10, 12))
    new = reminder_cost_post(actor=accountant, account=account, value_date=d(2025, 4, 1))
    assert (old.amount, new.amount) == (D("11.60"), D("16.00"))
    assert lines_of(new) == [
        ("221", D("16.00"), D("0.00"), account.pk, "0640"),
        ("720", D("0.00"), D("16.00"), None, "0640"),
    ]
    assert selectors.balance(account, as_of=d(2025, 4, 1)).costs == D("27.60")
    reversal = entry_reverse(actor=accountant, entry=new, value_date=d(2025, 4, 2), reason="błędne doręczenie")
    assert (reversal.kind, reversal.reverses_id, reversal.amount) == ("reversal", new.pk, D("16.00"))
    assert lines_of(reversal) == [
        ("221", D("0.00"), D("16.00"), account.pk, "0640"),
        ("720", D("16.00"), D("0.00"), None, "0640"),
    ]
    assert reversal.journal_entry.reverses_id == new.journal_entry_id
    assert selectors.balance(account, as_of=d(2025, 4, 1)).costs == D("27.60")  # before the storno
    assert selectors.balance(account, as_of=d(2025, 4, 2)).costs == D("11.60")
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        entry_reverse(actor=accountant, entry=new, value_date=d(2025, 4, 3), reason="again")
    assert exc.value.code == "already_reversed"
    assert counts() == before


def test_charge_reversal_refused_once_paid(accountant, person, property_tax, charge, bank_payment):
    _account, entry = charge(person, property_tax, [(d(2025, 3, 15), "100.00")])
    payment_allocate(payment=bank_payment(person, "10.00", d(2025, 3, 1)))
    before = counts()
    with pytest.raises(ApplicationError):
        entry_reverse(actor=accountant, entry=entry, value_date=d(2025, 4, 1), reason="x")
    assert counts() == before


def test_charge_reversal(accountant, person, property_tax, charge):
    account, entry = charge(person, property_tax, [(d(2025, 3, 15), "100.00")])
    entry_reverse(actor=accountant, entry=entry, value_date=d(2025, 3, 1), reason="uchylona")
    assert selectors.balance(account, as_of=d(2025, 12, 31)) == selectors.EMPTY
    assert selectors.balance(account, as_of=d(2025, 2, 28)).principal == D("100.00")


def test_transfer_between_accounts_of_one_obligor(accountant, person, property_tax, waste_fee, charge, bank_payment):
    source, _ = charge(person, property_tax, [(d(2025, 3, 15), "100.00")])
    target, _ = charge(person, waste_fee, [(d(2025, 3, 31), "50.00")])
    payment_allocate(payment=bank_payment(person, "180.00", d(2025, 3, 10), indicated_type=property_tax))
    assert selectors.balance(source, as_of=d(2025, 3, 10)).overpayment == D("30.00")
    out, into = transfer_post(actor=accountant, source=source, target=target, amount=D("30.00"),
                              value_date=d(2025, 3, 11))  # fmt: skip
    assert (out.kind, into.kind, into.counter_account_id) == ("transfer", "overpayment", source.pk)
    assert sorted(lines_of(out)) == sorted([("221", D("30.00"), D("0.00"), source.pk, "0310"),
                                            ("221", D("0.00"), D("30.00"), target.pk, "0310")])  # fmt: skip
    assert selectors.balance(source, as_of=d(2025, 3, 11)).overpayment == D("0.00")
    assert selectors.balance(target, as_of=d(2025, 3, 11)).overpayment == D("30.00")
    other = account_get_or_create(party=PersonFactory(), receivable_type=waste_fee, year=2025)
    before = counts()
    with pytest.raises(ServiceValidationError):
        transfer_post(actor=accountant, source=target, target=other, amount=D("1.00"), value_date=d(2025, 3, 12))
    with pytest.raises(ServiceValidationError):
        transfer_post(actor=accountant, source=target, target=source, amount=D("30.01"), value_date=d(2025, 3, 12))
    assert counts() == before


def test_access_account_checks_permission_and_logs(accountant, nobody, person, property_tax, charge):
    account, _ = charge(person, property_tax, [(d(2025, 3, 15), "100.00")])
    assert selectors.access_account(user=accountant, account_id=account.pk, purpose="karta") == account
    assert AuditEvent.objects.filter(action="finance.account.viewed", object_id=str(account.pk)).count() == 1
    from core.exceptions import NotFoundOrForbidden

    with pytest.raises(NotFoundOrForbidden):
        selectors.access_account(user=nobody, account_id=account.pk)
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_account(user=accountant, account_id=account.pk + 1000)


def test_arrears_report_matches_single_balances(person, property_tax, waste_fee, charge, bank_payment):
    a1, _ = charge(person, property_tax, [(d(2025, 3, 15), "100.00"), (d(2025, 9, 15), "100.00")])
    a2, _ = charge(PersonFactory(), waste_fee, [(d(2025, 3, 31), "50.00")])
    a3, _ = charge(PersonFactory(), waste_fee, [(d(2025, 12, 31), "50.00")])  # not yet due
    payment_allocate(payment=bank_payment(a2.party, "50.00", d(2025, 3, 31)))  # paid on time
    as_of = d(2026, 1, 31)
    rows = selectors.arrears(as_of=as_of)
    assert [a.pk for a, _b in rows] == [a1.pk, a3.pk]
    for account, b in rows:
        assert b == selectors.balance(account, as_of=as_of)
    assert selectors.arrears(as_of=d(2025, 6, 1)) == [(a1, selectors.balance(a1, as_of=d(2025, 6, 1)))]
    assert [a.pk for a, _b in selectors.arrears(as_of=as_of, receivable_type=waste_fee)] == [a3.pk]


def test_reversal_of_one_part_of_a_spread_reduction(accountant, person, property_tax, charge):
    account, entry = charge(person, property_tax, [(d(2025, 3, 15), "100.00"), (d(2025, 5, 15), "100.00")])
    first, second = reduction_post(actor=accountant, charge=entry, amount=D("150.00"), value_date=d(2025, 3, 1),
                                   description="Decyzja zmieniająca")  # fmt: skip
    assert [(x.installment.number, x.amount) for x in (first, second)] == [(2, D("100.00")), (1, D("50.00"))]
    reversal = entry_reverse(actor=accountant, entry=second, value_date=d(2025, 3, 2), reason="błąd")
    assert lines_of(reversal) == [
        ("221", D("50.00"), D("0.00"), account.pk, "0310"),
        ("720", D("0.00"), D("50.00"), None, "0310"),
    ]
    assert selectors.balance(account, as_of=d(2025, 3, 2)).principal == D("100.00")


@pytest.mark.parametrize("bad", ["Infinity", "NaN", "abc", "10.001", "0", "-5"])
def test_money_input_refuses_what_is_not_a_positive_amount_in_grosze(bad):
    from core.exceptions import ServiceValidationError
    from finance.services.accounts import money_input

    with pytest.raises(ServiceValidationError) as exc:
        money_input(bad)
    assert set(exc.value.errors) == {"amount"}
