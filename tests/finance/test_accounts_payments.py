"""Payment allocation on the accounts (E5 to the grosz, journal per component, joint liability, idempotency,
overpayments credited ex officio), cash payments, and the refusals that write nothing."""

import datetime
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, connections

from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from finance import selectors
from finance.domain.allocation import Allocation
from finance.models import AccountEntry, JournalEntry, JournalLine, Payment
from finance.services.accounts import reminder_cost_post
from finance.services.overpayments import overpayment_settle
from finance.services.payments import payment_allocate, payment_register_cash
from tests.factories import PersonFactory
from tests.finance.conftest_accounts import *  # noqa: F403

pytestmark = pytest.mark.django_db
D = Decimal
d = datetime.date
DUE = d(2024, 1, 15)  # Monday
PAID = d(2024, 5, 20)  # 126 days at 14.5 %: 1000 × 126 × 14.5 % / 365 = 50.05 → 50 zł


def counts():
    return (AccountEntry.objects.count(), JournalEntry.objects.count(), JournalLine.objects.count(),
            AuditEvent.objects.count(), Payment.objects.filter(status="allocated").count())  # fmt: skip


def journal(payment):
    rows = []
    for e in payment.entries.order_by("id"):
        for line in e.journal_entry.lines.order_by("id"):
            rows.append((e.kind, e.component, line.account.number, line.debit, line.credit, line.paragraf))
    return rows


def test_e5_payment_split_between_arrear_and_interest(person, property_tax, charge, bank_payment):
    account, _ = charge(person, property_tax, [(DUE, "1000.00")], value_date=d(2023, 12, 1))
    assert selectors.balance(account, as_of=PAID).interest == D("50")
    payment = bank_payment(person, "500.00", PAID)
    result = payment_allocate(payment=payment)
    inst = account.entries.get(kind="charge").installments.get()
    assert result.allocations == [
        Allocation("installment", inst.pk, "principal", D("476.19")),
        Allocation("installment", inst.pk, "interest", D("23.81")),
    ]
    assert result.remainder == D("0.00")
    b = selectors.balance(account, as_of=PAID)
    assert (b.principal, b.interest) == (D("523.81"), D("26.19"))
    # new interest accrues on 523.81 from the next day
    later = selectors.balance(account, as_of=d(2024, 9, 30))
    exact = D("523.81") * 133 * D("14.5") / 100 / 365  # 21.05–30.09 = 133 days
    assert later.interest == D("26.19") + exact.quantize(D("1"))
    assert journal(payment) == [
        ("allocation", "principal", "133", D("476.19"), D("0.00"), "0310"),
        ("allocation", "principal", "221", D("0.00"), D("476.19"), "0310"),
        ("interest", "interest", "221", D("23.81"), D("0.00"), "0910"),
        ("interest", "interest", "720", D("0.00"), D("23.81"), "0910"),
        ("allocation", "interest", "133", D("23.81"), D("0.00"), "0910"),
        ("allocation", "interest", "221", D("0.00"), D("23.81"), "0910"),
    ]
    payment.refresh_from_db()
    assert payment.status == "allocated"
    assert AuditEvent.objects.filter(action="finance.payment.allocated", object_id=str(payment.pk)).count() == 1


def test_e5_with_reminder_costs(accountant, person, property_tax, charge, bank_payment):
    account, _ = charge(person, property_tax, [(DUE, "1000.00")], value_date=d(2023, 12, 1))
    reminder_cost_post(actor=accountant, account=account, value_date=d(2024, 3, 1))
    payment = bank_payment(person, "500.00", PAID)
    result = payment_allocate(payment=payment)
    assert [(a.component, a.amount) for a in result.allocations] == [
        ("costs", D("16.00")), ("principal", D("460.95")), ("interest", D("23.05"))]  # fmt: skip
    b = selectors.balance(account, as_of=PAID)
    assert (b.principal, b.interest, b.costs) == (D("539.05"), D("26.95"), D("0.00"))
    assert ("allocation", "costs", "133", D("16.00"), D("0.00"), "0640") in journal(payment)


def test_allocation_is_idempotent(person, property_tax, charge, bank_payment):
    charge(person, property_tax, [(DUE, "1000.00")], value_date=d(2023, 12, 1))
    payment = bank_payment(person, "500.00", PAID)
    first = payment_allocate(payment=payment)
    before = counts()
    assert payment_allocate(payment=payment) == first
    assert counts() == before


def test_overpayment_remainder_on_the_indicated_account(person, property_tax, waste_fee, charge, bank_payment):
    tax, _ = charge(person, property_tax, [(d(2025, 3, 17), "100.00")])
    fee, _ = charge(person, waste_fee, [(d(2025, 3, 31), "50.00")])
    payment = bank_payment(person, "200.00", d(2025, 3, 10), indicated_type=waste_fee)
    result = payment_allocate(payment=payment)
    # no arrears: indicated type first, then earliest due; the rest is an overpayment on the indicated account
    assert [(a.component, a.amount) for a in result.allocations] == [
        ("principal", D("50.00")),
        ("principal", D("100.00")),
    ]
    assert result.remainder == D("50.00")
    assert selectors.balance(fee, as_of=d(2025, 3, 10)).overpayment == D("50.00")
    assert selectors.balance(tax, as_of=d(2025, 3, 10)).principal == D("0.00")
    over = payment.entries.get(kind="overpayment")
    assert over.account == fee
    assert list(over.journal_entry.lines.values_list("account__number", "debit", "credit", "paragraf")) == [
        ("133", D("50.00"), D("0.00"), "0490"), ("221", D("0.00"), D("50.00"), "0490")]  # fmt: skip


def test_joint_liability_payment_by_a_co_obligor(person, property_tax, charge, bank_payment):
    spouse = PersonFactory()
    account, _ = charge(person, property_tax, [(d(2025, 3, 17), "300.00")], co_obligors=[spouse])
    payment_allocate(payment=bank_payment(spouse, "120.00", d(2025, 3, 1)))
    assert selectors.balance(account, as_of=d(2025, 3, 1)).principal == D("180.00")
    assert selectors.party_balance(person, as_of=d(2025, 3, 1)).principal == D("180.00")
    assert selectors.party_balance(spouse, as_of=d(2025, 3, 1)).principal == D("180.00")


def test_refusals_write_nothing(person, property_tax, charge, bank_payment):
    charge(person, property_tax, [(DUE, "1000.00")], value_date=d(2023, 12, 1))
    unknown = Payment.objects.create(
        source="bank", amount=D("5"), payment_date=PAID, received_on=PAID, status="unidentified"
    )
    no_account = bank_payment(PersonFactory(), "5.00", PAID)
    returned = bank_payment(person, "5.00", PAID)
    Payment.objects.filter(pk=returned.pk).update(status="returned")
    before = counts()
    for payment, code in ((unknown, "unidentified"), (no_account, "no_account"), (returned, "invalid")):
        with pytest.raises(ApplicationError) as exc:
            payment_allocate(payment=payment)
        assert exc.value.code == code
    assert counts() == before


def test_cash_payment(accountant, clerk, person, property_tax, charge):
    account, _ = charge(person, property_tax, [(d(2025, 3, 17), "100.00")])
    payment = payment_register_cash(actor=accountant, party=person, amount="40.00", payment_date=d(2025, 3, 3))
    assert (payment.source, payment.status) == ("cash", "allocated")
    assert journal(payment)[0][2] == "101"
    assert selectors.balance(account, as_of=d(2025, 3, 3)).principal == D("60.00")
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        payment_register_cash(actor=accountant, party=person, amount="0", payment_date=datetime.date(2999, 1, 1))
    assert set(exc.value.errors) == {"amount", "payment_date"}
    with pytest.raises(ServiceValidationError):
        payment_register_cash(actor=accountant, party=person, amount="1.001", payment_date=d(2025, 3, 3))
    with pytest.raises(ApplicationError):
        payment_register_cash(actor=clerk, party=person, amount="1", payment_date=d(2025, 3, 3))
    assert counts() == before
    assert Payment.objects.count() == 1


def test_overpayment_credited_ex_officio_to_an_arrear_with_interest(person, property_tax, waste_fee, charge,
                                                                   bank_payment):  # fmt: skip
    fee, _ = charge(person, waste_fee, [(DUE, "1000.00")], value_date=d(2023, 12, 1))
    tax, _ = charge(person, property_tax, [(d(2024, 3, 15), "100.00")], value_date=d(2024, 2, 1))
    # paid 600 for the property tax: 100 to it (indicated), but the oldest arrear (waste fee) is older → art. 62 §1
    # takes the oldest arrear of the indicated type first; there is none in property tax on 14.03, so the waste fee
    payment = bank_payment(person, "100.00", d(2024, 3, 14), indicated_type=property_tax)
    result = payment_allocate(payment=payment)
    assert {a.item_id for a in result.allocations} == {fee.entries.get(kind="charge").installments.get().pk}
    # an overpayment appears on the property-tax account (a transfer from elsewhere)
    over = AccountEntry.objects.create(account=tax, kind="overpayment", component="overpayment", amount=D("500.00"),
                                       value_date=PAID, booked_on=PAID)  # fmt: skip
    assert over.pk
    before_fee = selectors.balance(fee, as_of=PAID)
    settled = overpayment_settle(party=person, on=PAID)
    after_fee = selectors.balance(fee, as_of=PAID)
    assert settled.credited == D("500.00")
    paid_to_fee = before_fee.principal + before_fee.interest - after_fee.principal - after_fee.interest
    assert paid_to_fee + (D("100.00") - selectors.balance(tax, as_of=PAID).principal) == D("500.00")
    credits = AccountEntry.objects.filter(kind="overpayment_credit", account=tax)
    assert sum(c.amount for c in credits) == D("500.00")
    assert selectors.balance(tax, as_of=PAID).overpayment == D("0.00")
    line = credits.first().journal_entry.lines.order_by("id")
    assert [(x.account.number, x.obligor_account_id) for x in line] == [
        ("221", tax.pk),
        ("221", credits.first().counter_account_id),
    ]
    assert (settled.kept, settled.to_refund) == (D("0.00"), D("0.00"))


def test_overpayment_small_kept_large_to_refund(person, property_tax, charge, bank_payment):
    account, _ = charge(person, property_tax, [(d(2025, 3, 17), "100.00")])
    payment_allocate(payment=bank_payment(person, "110.00", d(2025, 3, 1)))
    result = overpayment_settle(party=person, on=d(2025, 3, 2))
    assert (result.credited, result.kept, result.to_refund) == (D("0.00"), D("10.00"), D("0.00"))
    payment_allocate(payment=bank_payment(person, "20.00", d(2025, 3, 2)))
    result = overpayment_settle(party=person, on=d(2025, 3, 3))
    assert (result.kept, result.to_refund, result.refundable) == (D("0.00"), D("30.00"), {account.pk: D("30.00")})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_payments_at_once_give_the_same_result_as_one_after_the_other(person, property_tax, charge,
                                                                          bank_payment):  # fmt: skip
    account, _ = charge(person, property_tax, [(DUE, "1000.00")], value_date=d(2023, 12, 1))
    payments = [bank_payment(person, "500.00", PAID), bank_payment(person, "300.00", PAID)]
    barrier = threading.Barrier(2)
    errors = []

    def run(p):
        try:
            barrier.wait()
            payment_allocate(payment=p)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(p,)) for p in payments]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    b = selectors.balance(account, as_of=PAID)
    # 1000 + 50 interest owed, 800 paid: whichever order, principal + interest left = 250.00
    assert b.principal + b.interest == D("250.00")
    assert b.overpayment == D("0.00")
    assert sum(e.amount for e in AccountEntry.objects.filter(kind="allocation")) == D("800.00")


def test_nightly_task_credits_an_overpayment_to_a_new_charge_ex_officio(person, property_tax, waste_fee, charge,
                                                                         bank_payment):  # fmt: skip
    from finance.tasks import settle_overpayments

    tax, _ = charge(person, property_tax, [(d(2025, 3, 17), "100.00")])
    payment_allocate(payment=bank_payment(person, "150.00", d(2025, 3, 1)))
    assert selectors.balance(tax, as_of=d(2025, 3, 1)).overpayment == D("50.00")
    fee, _ = charge(person, waste_fee, [(d(2025, 3, 31), "30.00")])  # a new liability appears later
    with time_machine.travel(datetime.datetime(2025, 3, 5, 2, 30), tick=False):
        assert settle_overpayments() == {"parties": 1, "credited": 1}
        assert selectors.balance(fee, as_of=d(2025, 3, 5)).principal == D("0.00")
        assert selectors.balance(tax, as_of=d(2025, 3, 5)).overpayment == D("20.00")
        before = AccountEntry.objects.count()
        assert settle_overpayments() == {"parties": 1, "credited": 0}  # nothing more to credit: no entry
        assert AccountEntry.objects.count() == before
