"""Un-allocating a bank payment (``payment_unallocate``): every entry of the payment reversed with its own value date
(balances as of any date are those before the payment), one storno journal entry dated today (net 221 Dt / 240 Ct),
the payment back in the unidentified queue, re-resolved with an earlier date; refusals write nothing; a payment of a
statement (collective journal entry) un-allocated; the screen and the API with their permission checks."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from core import roles
from core.domain.money import format_pln
from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from finance import selectors
from finance.domain import nrb
from finance.models import (
    AccountEntry,
    AccountingPeriod,
    JournalEntry,
    JournalLine,
    Payment,
    StatementLine,
    VirtualAccount,
)
from finance.services.overpayments import overpayment_settle
from finance.services.payments import payment_allocate, payment_register_cash
from finance.services.statements import payment_date_override, payment_resolve, statement_import
from finance.services.unallocation import EVENT_UNALLOCATED, payment_unallocate
from tests.finance.conftest_accounts import *  # noqa: F403
from tests.finance.conftest_bank import OFFICE_TILDE, profile_tilde, write_mt940  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
D = Decimal
d = datetime.date
DUE = d(2024, 1, 15)  # Monday
PAID = d(2024, 5, 20)  # 126 days at 14.5 %: 50 zł of interest; 500.00 → 476.19 principal / 23.81 interest (E5)
AS_OF = (d(2024, 1, 1), DUE, d(2024, 3, 20), d(2024, 5, 19), PAID, d(2024, 5, 21), d(2024, 12, 31), d(2026, 1, 31))


def counts():
    return (
        AccountEntry.objects.count(), JournalEntry.objects.count(), JournalLine.objects.count(),
        AuditEvent.objects.count(), Payment.objects.filter(status="allocated").count(),
    )  # fmt: skip


def balances(account):
    return {day: selectors.balance(account, as_of=day) for day in AS_OF}


def ledger_balance(number, obligor_account=None):
    lines = JournalLine.objects.filter(account__number=number)
    if obligor_account is not None:
        lines = lines.filter(obligor_account=obligor_account)
    return sum((x.debit - x.credit for x in lines), D("0.00"))


@pytest.fixture
def allocated(person, property_tax, charge, bank_payment):
    """E5: 1000.00 due 15.01.2024, 500.00 paid on 20.05.2024 → 476.19 principal, 23.81 interest (przypis 23.81)."""
    account, _ = charge(person, property_tax, [(DUE, "1000.00")], value_date=d(2023, 12, 1))
    before = balances(account)
    payment = bank_payment(person, "500.00", PAID, indicated_type=property_tax)
    payment_allocate(payment=payment)
    return account, payment, before


def test_unallocate_restores_every_balance_and_books_one_storno(accountant, person, allocated):
    account, payment, before = allocated
    assert selectors.balance(account, as_of=PAID).principal == D("523.81")
    originals = list(payment.entries.order_by("id"))
    assert [(e.kind, e.component, e.amount) for e in originals] == [
        ("allocation", "principal", D("476.19")), ("interest", "interest", D("23.81")),
        ("allocation", "interest", D("23.81")),
    ]  # fmt: skip

    result = payment_unallocate(actor=accountant, payment=payment, reason="wpłata przypisana do złej osoby")

    assert balances(account) == before
    reversals = AccountEntry.objects.filter(kind="reversal").order_by("id")
    today = timezone.localdate()
    assert [(r.reverses_id, r.component, r.amount, r.value_date, r.booked_on) for r in reversals] == [
        (e.pk, e.component, e.amount, PAID, today) for e in originals
    ]
    # ONE journal entry dated today: the original lines swapped, and the money put on 240 (133/240)
    storno = JournalEntry.objects.get(event=EVENT_UNALLOCATED)
    assert storno.date == today
    assert {r.journal_entry_id for r in reversals} == {storno.pk}
    rows = [(x.account.number, x.debit, x.credit, x.paragraf) for x in storno.lines.order_by("id")]
    assert rows == [
        ("221", D("476.19"), D("0.00"), "0310"), ("133", D("0.00"), D("476.19"), "0310"),
        ("720", D("23.81"), D("0.00"), "0910"), ("221", D("0.00"), D("23.81"), "0910"),
        ("221", D("23.81"), D("0.00"), "0910"), ("133", D("0.00"), D("23.81"), "0910"),
        ("133", D("500.00"), D("0.00"), ""), ("240", D("0.00"), D("500.00"), ""),
    ]  # fmt: skip
    # the ledger as before the payment, the money waiting on 240
    assert ledger_balance("221", account) == D("1000.00")
    assert ledger_balance("720") == D("-1000.00")
    assert ledger_balance("133") == D("500.00")
    assert ledger_balance("240") == D("-500.00")
    # back in the queue, the old payer in the audit event
    assert (result.status, result.party_id, result.indicated_type_id) == ("unidentified", None, None)
    payment.refresh_from_db()
    assert (payment.status, payment.party_id, payment.indicated_type_id) == ("unidentified", None, None)
    event = AuditEvent.objects.get(action="finance.payment.unallocated")
    assert event.details["party"] == person.pk
    assert event.details["indicated_type"] == "property_tax_person"
    assert event.details["reason"] == "wpłata przypisana do złej osoby"
    assert event.details["entries"] == [e.pk for e in originals]


def test_re_resolved_with_an_earlier_date_gives_the_right_interest(accountant, person, property_tax, allocated):
    account, payment, _before = allocated
    payment_unallocate(actor=accountant, payment=payment, reason="zła data zapłaty")
    earlier = d(2024, 3, 20)  # 16.01–20.03.2024 = 65 days: 1000 × 65 × 14.5 % / 365 = 25.82 → 26 zł
    payment_date_override(actor=accountant, payment=payment, payment_date=earlier, reason="potwierdzenie z banku")
    payment_resolve(actor=accountant, payment=payment, party=person, receivable_type=property_tax)
    payment.refresh_from_db()
    assert payment.status == "allocated"
    live = payment.entries.filter(reversed_by__isnull=True).exclude(kind="reversal").order_by("id")
    assert [(e.kind, e.component, e.amount, e.value_date) for e in live] == [
        ("allocation", "principal", D("487.33"), earlier), ("interest", "interest", D("12.67"), earlier),
        ("allocation", "interest", D("12.67"), earlier),
    ]  # fmt: skip
    b = selectors.balance(account, as_of=earlier)
    assert (b.principal, b.interest) == (D("512.67"), D("13.33"))
    # 240 is empty again (resolved: 240/221); 221 = 1000 − 487.33 − 12.67 + 12.67
    assert ledger_balance("240") == D("0.00")
    assert ledger_balance("221", account) == D("512.67")
    assert ledger_balance("133") == D("500.00")


def test_refusals_write_nothing(accountant, make_user, person, property_tax, charge, allocated):
    _account, payment, _before = allocated
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        payment_unallocate(actor=accountant, payment=payment, reason="  ")
    assert "reason" in exc.value.errors
    with pytest.raises(ApplicationError) as exc:
        payment_unallocate(actor=make_user(roles.TAX_CLERK), payment=payment, reason="x")
    assert exc.value.code == "forbidden"
    today = timezone.localdate()
    period = AccountingPeriod.objects.create(year=today.year, month=today.month, closed_at=timezone.now())
    with pytest.raises(ApplicationError) as exc:
        payment_unallocate(actor=accountant, payment=payment, reason="x")
    assert exc.value.code == "period_closed"
    period.delete()
    assert counts() == before
    payment.refresh_from_db()
    assert (payment.status, payment.party_id) == ("allocated", person.pk)

    cash = payment_register_cash(actor=accountant, party=person, amount="10.00", payment_date=d(2024, 6, 3))
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        payment_unallocate(actor=accountant, payment=cash, reason="x")
    assert exc.value.code == "cash_payment"
    assert counts() == before

    # idempotent: a second call refuses and writes nothing
    payment_unallocate(actor=accountant, payment=payment, reason="pierwszy raz")
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        payment_unallocate(actor=accountant, payment=payment, reason="drugi raz")
    assert exc.value.code == "not_allocated"
    assert counts() == before


def test_overpayment_already_credited_is_refused(accountant, person, property_tax, waste_fee, charge, bank_payment):
    tax, _ = charge(person, property_tax, [(d(2025, 3, 17), "100.00")])
    payment = bank_payment(person, "150.00", d(2025, 3, 1), indicated_type=property_tax)
    payment_allocate(payment=payment)
    charge(person, waste_fee, [(d(2025, 3, 17), "40.00")], value_date=d(2025, 3, 2))  # charged after the payment
    assert selectors.balance(tax, as_of=d(2025, 3, 1)).overpayment == D("50.00")
    overpayment_settle(party=person, on=d(2025, 3, 2))  # 40.00 credited to the waste fee
    assert selectors.balance(tax, as_of=d(2025, 3, 2)).overpayment == D("10.00")
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        payment_unallocate(actor=accountant, payment=payment, reason="x")
    assert exc.value.code == "overpayment_used"
    assert format_pln(D("50.00")) in exc.value.message
    assert format_pln(D("10.00")) in exc.value.message
    assert counts() == before


def test_overpayment_not_used_is_reversed(accountant, person, property_tax, charge, bank_payment):
    tax, _ = charge(person, property_tax, [(d(2025, 3, 17), "100.00")])
    payment = bank_payment(person, "150.00", d(2025, 3, 1), indicated_type=property_tax)
    payment_allocate(payment=payment)
    payment_unallocate(actor=accountant, payment=payment, reason="x")
    for day in (d(2025, 2, 28), d(2025, 3, 1), d(2025, 12, 31)):
        b = selectors.balance(tax, as_of=day)
        assert (b.principal, b.overpayment) == (D("100.00"), D("0.00"))
    assert ledger_balance("221", tax) == D("100.00")
    assert ledger_balance("240") == D("-150.00")


# --- a payment of a statement (collective journal entry) -------------------------------------------------------


def _lines_of(entry):
    return sorted((x.account.number, x.obligor_account_id, x.debit, x.credit, x.paragraf) for x in entry.lines.all())


def test_batch_allocated_payment_unallocated(accountant, property_tax, charge, profile_tilde):  # noqa: F811
    from tests.factories import PersonFactory

    day = d(2025, 6, 20)
    parties = [PersonFactory(), PersonFactory()]
    accounts = [charge(p, property_tax, [(d(2025, 3, 17), "1000.00")])[0] for p in parties]
    vas = [
        VirtualAccount.objects.create(
            nrb=nrb.build(sort_code="10201026", client_prefix="987654", identifier=700 + n, id_length=10),
            party=p,
            profile=profile_tilde,
            identifier=700 + n,
        )
        for n, p in enumerate(parties)
    ]
    before = [balances(a) for a in accounts]
    text = write_mt940(
        account=OFFICE_TILDE, reference="UNALLOC-1", sequence="1", day=day,
        movements=[(D("300.00"), vas[0].nrb, "podatek"), (D("400.00"), vas[1].nrb, "podatek")],
    )  # fmt: skip
    summary = statement_import(actor=accountant, profile=profile_tilde, data=text.encode("cp852"))
    assert summary.matched == 2
    lines = StatementLine.objects.filter(statement_id=summary.statements[0]).order_by("index")
    first, _second = (line.payment for line in lines)
    collective = {e.pk: _lines_of(e) for e in JournalEntry.objects.filter(account_entries__payment=first).distinct()}
    assert sorted(JournalEntry.objects.filter(pk__in=collective).values_list("event", flat=True)) == [
        "interest", "payment_bank",
    ]  # fmt: skip
    second_after = balances(accounts[1])

    payment_unallocate(actor=accountant, payment=first, reason="zły rachunek wirtualny")

    assert balances(accounts[0]) == before[0]
    assert balances(accounts[1]) == second_after  # the other payment of the statement stays
    # the collective entries untouched; the storno is its own entry
    assert {pk: _lines_of(JournalEntry.objects.get(pk=pk)) for pk in collective} == collective
    storno = JournalEntry.objects.get(event=EVENT_UNALLOCATED)
    assert storno.pk not in collective
    sums = defaultdict(lambda: D("0.00"))
    for x in storno.lines.all():
        sums[x.account.number] += x.debit - x.credit
    # net: 221 Dt 300 (less the interest przypis cancelled: 720 Dt), 240 Ct 300, 133 nets to zero
    assert sums["133"] == D("0.00")
    assert sums["240"] == D("-300.00")
    assert sums["221"] + sums["720"] == D("300.00")
    assert ledger_balance("221", accounts[0]) == D("1000.00")
    first.refresh_from_db()
    assert (first.status, first.party_id) == ("unidentified", None)


# --- screens and API ------------------------------------------------------------------------------------------


def test_unallocate_screen(client, accountant, make_user, allocated):
    _account, payment, _before = allocated
    url = reverse("finance:payment-unallocate", args=[payment.pk])
    client.force_login(make_user(roles.TAX_CLERK))
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "x"}).status_code == 403
    client.force_login(accountant)
    page = client.get(url)
    assert page.status_code == 200
    assert gettext("Un-allocate the payment") in page.content.decode()
    assert client.post(url, {"reason": ""}).status_code == 400
    payment.refresh_from_db()
    assert payment.status == "allocated"
    response = client.post(url, {"reason": "zła osoba"})
    assert response.status_code == 302
    assert response["Location"] == reverse("finance:payment-resolve", args=[payment.pk])
    payment.refresh_from_db()
    assert payment.status == "unidentified"
    assert client.get(reverse("finance:payment-unallocate", args=[999999])).status_code == 404


def test_unallocate_api(client, accountant, make_user, allocated):
    _account, payment, _before = allocated
    url = f"/api/v1/finance/payments/{payment.pk}/unallocate/"
    assert client.post(url, {"reason": "x"}, content_type="application/json").status_code in (401, 403)
    client.force_login(make_user(roles.TAX_CLERK))
    assert client.post(url, {"reason": "x"}, content_type="application/json").status_code == 403
    client.force_login(accountant)
    assert client.post("/api/v1/finance/payments/999999/unallocate/", {"reason": "x"},
                       content_type="application/json").status_code == 404  # fmt: skip
    refused = client.post(url, {"reason": ""}, content_type="application/json")
    assert refused.status_code == 400
    response = client.post(url, {"reason": "zła osoba"}, content_type="application/json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["party"]) == ("unidentified", None)
    again = client.post(url, {"reason": "zła osoba"}, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (400, "not_allocated")
