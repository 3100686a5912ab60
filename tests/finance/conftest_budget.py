"""Fixtures of the budget-area tests (imported by ``tests/finance/test_budget_*.py``).

The clock is pinned to 20.03.2026. ``budget_scenario`` books, for the year 2026 (report period 1.01–31.03.2026):

* A — property tax, natural person (756/75616/0310): charge 1 200,00 (600,00 due 15.01, 600,00 due 16.03), paid
  600,00 at the cash desk on 15.01, reduced by 100,00 on 20.02 (the second installment → 500,00, unpaid: arrears
  15 days old at 31.03).
* B — waste fee (900/90002/0490): charge 3 000,00 due 15.01, reminder costs 16,00 on 10.02 (0640), bank payment
  3 100,00 on 16.03 → costs 16,00, interest 54,00 (0910), principal 3 000,00, overpayment 30,00; refund 20,00 on
  20.03 → overpayment 10,00 left.
* C — property tax, legal person (756/75615/0310): charge 100,00 on 1.03.2024 due 15.03.2024, unpaid (arrears
  > 365 days, no movement in 2026).
* Plan 2026: 756/75616/0310 2 000,00; 756/75615/0310 1 000,00; 756/75616/0320 500,00 (no movement);
  900/90002/0490 3 500,00.

``storno_scenario`` adds to it three payments undone by a storno posted under its own event (``reverses=None``),
all on 20.03.2026, each principal charged on 5.01 and due 15.01:

* D — forest tax, natural person (756/75616/0330), 5 000,00: paid 5 000,00 at the cash desk on 20.03 (KP: interest
  for 15.01–20.03 charged on the payment date, the rest on the principal), the KP cancelled the same day
  (``cash_receipt_cancelled``) → 5 000,00 arrears, no receipt, no interest.
* E — transport tax, legal person (756/75615/0340), 4 000,00: bank payment 4 000,00 of 16.03 allocated (interest
  and principal), un-allocated on 20.03 (``payment_unallocated``, money to 240) and resolved again for E on 20.03
  (``unidentified_resolved``, the same payment date 16.03) → the interest and the receipt counted once.
* F — market fee (756/75616/0430), 2 000,00: bank payment 2 000,00 of 16.03 allocated, taken back by the bank (RC
  line, ``payment_reversed_by_bank``) on 20.03 → 2 000,00 arrears, no receipt, no interest.
"""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine

from core import roles
from finance.models import (
    BankProfile,
    BankStatement,
    BudgetPlanLine,
    CashDesk,
    ObligorAccount,
    Payment,
    ReceivableType,
    StatementLine,
)
from finance.services.accounts import charge_post, reduction_post, reminder_cost_post
from finance.services.cash import cash_receipt_cancel, cash_receipt_payment, cash_report_open
from finance.services.payments import payment_allocate, payment_register_cash
from finance.services.refunds import refund_order
from finance.services.statements import payment_resolve
from finance.services.unallocation import payment_reverse_by_bank, payment_unallocate
from tests.factories import PersonFactory

D = Decimal
TODAY = datetime.date(2026, 3, 20)
PERIOD_END = datetime.date(2026, 3, 31)
PAYER_NRB = "61109010140000071219812874"


@pytest.fixture
def today():
    noon = datetime.datetime(2026, 3, 20, 12, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Warsaw"))
    with time_machine.travel(noon, tick=False):
        yield TODAY


@pytest.fixture
def accountant(make_user):
    return make_user(roles.ACCOUNTANT, username="ksiegowa-budzet")


@pytest.fixture
def head_of_unit(make_user):
    return make_user(roles.HEAD_OF_UNIT, username="kierownik-budzet")


@pytest.fixture
def tax_clerk(make_user):
    return make_user(roles.TAX_CLERK, username="referent-budzet")


def _account(code: str, year: int, **names) -> ObligorAccount:
    return ObligorAccount.objects.create(
        party=PersonFactory(**names), receivable_type=ReceivableType.objects.get(code=code), year=year
    )


@pytest.fixture
def budget_scenario(today, accountant):
    a = _account("property_tax_person", 2026, first_names="Anna", surname="Kowalska")
    b = _account("waste_fee", 2026, first_names="Bogdan", surname="Nowak")
    c = _account("property_tax_legal", 2024, first_names="Cezary", surname="Wiśniewski")
    charge_a = charge_post(
        actor=accountant, account=a, amount=D("1200.00"), value_date=datetime.date(2026, 1, 5), description="Przypis",
        installments=[(datetime.date(2026, 1, 15), D("600.00")), (datetime.date(2026, 3, 16), D("600.00"))],
    )  # fmt: skip
    payment_register_cash(actor=accountant, party=a.party, amount=D("600.00"), payment_date=datetime.date(2026, 1, 15))
    reduction_post(
        actor=accountant, charge=charge_a, amount=D("100.00"), value_date=datetime.date(2026, 2, 20),
        description="Odpis",
    )  # fmt: skip
    charge_post(
        actor=accountant, account=b, amount=D("3000.00"), value_date=datetime.date(2026, 1, 5), description="Przypis",
        installments=[(datetime.date(2026, 1, 15), D("3000.00"))],
    )  # fmt: skip
    reminder_cost_post(actor=accountant, account=b, value_date=datetime.date(2026, 2, 10))
    payment = Payment.objects.create(
        source=Payment.Source.BANK, party=b.party, amount=D("3100.00"), payment_date=datetime.date(2026, 3, 16),
        received_on=datetime.date(2026, 3, 16), payer_account=PAYER_NRB, title="opłata",
        status=Payment.Status.UNIDENTIFIED,
    )  # fmt: skip
    payment_allocate(payment=payment, actor=accountant)
    refund_order(actor=accountant, account=b, amount=D("20.00"), target_account=PAYER_NRB, reason="zwrot")
    charge_post(
        actor=accountant, account=c, amount=D("100.00"), value_date=datetime.date(2024, 3, 1), description="Przypis",
        installments=[(datetime.date(2024, 3, 15), D("100.00"))],
    )  # fmt: skip
    for dzial, rozdzial, paragraf, amount in (
        ("756", "75616", "0310", "2000.00"),
        ("756", "75615", "0310", "1000.00"),
        ("756", "75616", "0320", "500.00"),
        ("900", "90002", "0490", "3500.00"),
    ):
        BudgetPlanLine.objects.create(year=2026, dzial=dzial, rozdzial=rozdzial, paragraf=paragraf, amount=D(amount))
    return {"a": a, "b": b, "c": c}


def _charged(accountant, code: str, amount: str, **names) -> ObligorAccount:
    account = _account(code, 2026, **names)
    charge_post(
        actor=accountant, account=account, amount=D(amount), value_date=datetime.date(2026, 1, 5),
        description="Przypis", installments=[(datetime.date(2026, 1, 15), D(amount))],
    )  # fmt: skip
    return account


def _bank_payment(accountant, account: ObligorAccount, amount: str) -> Payment:
    payment = Payment.objects.create(
        source=Payment.Source.BANK, party=account.party, amount=D(amount), payment_date=datetime.date(2026, 3, 16),
        received_on=datetime.date(2026, 3, 16), payer_account=PAYER_NRB, title="podatek",
        status=Payment.Status.UNIDENTIFIED,
    )  # fmt: skip
    payment_allocate(payment=payment, actor=accountant)
    return payment


def _rc_line(payment: Payment) -> StatementLine:
    profile = BankProfile.objects.create(
        code="bank-budzet", name="Bank Gminy", separator="~", encoding="cp852",
        virtual_account_field=BankProfile.VirtualAccountField.SUBFIELD_29, office_account=PAYER_NRB,
        sort_code="10201026", client_prefix="987654", id_length=10,
    )  # fmt: skip
    statement = BankStatement.objects.create(
        profile=profile, reference="RC-BUDZET", account=PAYER_NRB, sequence="1", content_sha256="0" * 64, raw=b"",
        opening_balance=D("0.00"), closing_balance=D("0.00"), statement_date=TODAY,
    )  # fmt: skip
    return StatementLine.objects.create(
        statement=statement, index=1, value_date=TODAY, is_credit=False, is_reversal=True, amount=payment.amount,
        counterparty_account=PAYER_NRB,
    )  # fmt: skip


@pytest.fixture
def storno_scenario(budget_scenario, accountant):
    d = _charged(accountant, "forest_tax_person", "5000.00", first_names="Dorota", surname="Lis")
    e = _charged(accountant, "transport_tax_legal", "4000.00", first_names="Edward", surname="Zając")
    f = _charged(accountant, "market_fee", "2000.00", first_names="Feliks", surname="Wrona")
    desk = CashDesk.objects.create(code="KB", name="Kasa budżetowa")
    cash_report_open(actor=accountant, desk=desk)
    receipt = cash_receipt_payment(actor=accountant, desk=desk, party=d.party, amount=D("5000.00"))
    cash_receipt_cancel(actor=accountant, receipt=receipt, reason="pomyłka kasjera")
    unallocated = _bank_payment(accountant, e, "4000.00")
    payment_unallocate(actor=accountant, payment=unallocated, reason="błędne przypisanie")
    payment_resolve(actor=accountant, payment=unallocated, party=e.party)
    reversed_ = _bank_payment(accountant, f, "2000.00")
    payment_reverse_by_bank(payment=reversed_, line=_rc_line(reversed_), actor=accountant)
    return {**budget_scenario, "d": d, "e": e, "f": f, "receipt": receipt, "unallocated": unallocated,
            "reversed": reversed_}  # fmt: skip
