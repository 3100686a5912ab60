"""The cash desk: KP receipts allocated exactly like bank payments, numbering, refusals writing nothing, the daily
report (opening + receipts − deposits = closing), deposits 140/101 then 133/140, stamp duty 101/720, storno,
closed report immutable, permissions, screens and API."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from core.exceptions import ApplicationError, ServiceValidationError
from finance import selectors
from finance.models import AccountEntry, CashDesk, CashReport, JournalEntry, Payment
from finance.services.cash import (
    cash_deposit,
    cash_deposit_confirm,
    cash_receipt_cancel,
    cash_receipt_other,
    cash_receipt_payment,
    cash_receipt_pdf,
    cash_report_close,
    cash_report_open,
    cash_report_pdf,
)
from finance.services.certificates import certificate_issue, certificate_request
from finance.services.payments import payment_allocate
from tests.factories import PersonFactory
from tests.finance.conftest_certcash import *  # noqa: F403
from tests.finance.conftest_certcash import counts, journal_lines

D = datetime.date
M = Decimal


@pytest.fixture
def report(cashier, desk):
    return cash_report_open(actor=cashier, desk=desk)


def _entries(payment) -> list[tuple]:
    return [
        (e.kind, e.component, e.amount, e.value_date, e.installment.number if e.installment_id else None)
        for e in AccountEntry.objects.filter(payment=payment).select_related("installment").order_by("id")
    ]


@pytest.mark.django_db
def test_cash_receipt_allocates_exactly_like_a_bank_payment(cashier, report, desk, property_tax, charge, bank_payment):
    today = timezone.localdate()
    a, b = PersonFactory(), PersonFactory()
    acc_a, _e = charge(a, property_tax, [(D(2026, 3, 15), "600.00"), (D(2026, 5, 15), "600.00")])
    acc_b, _e = charge(b, property_tax, [(D(2026, 3, 15), "600.00"), (D(2026, 5, 15), "600.00")])
    bank = bank_payment(a, "700.00", today)
    payment_allocate(payment=bank, actor=cashier)
    receipt = cash_receipt_payment(actor=cashier, desk=desk, party=b, amount="700.00", title="podatek")
    assert _entries(receipt.payment) == _entries(bank)
    assert receipt.payment.source == Payment.Source.CASH
    assert receipt.payment.status == Payment.Status.ALLOCATED
    assert selectors.balance(acc_a, as_of=today) == selectors.balance(acc_b, as_of=today)
    cash_journal = {e.journal_entry_id for e in receipt.payment.entries.filter(kind=AccountEntry.Kind.ALLOCATION)}
    lines = [journal_lines(JournalEntry.objects.get(pk=pk)) for pk in sorted(cash_journal)]
    assert all(ln[0][0] == "101" and ln[1][0] == "221" for ln in lines)
    assert sum(ln[0][1] for ln in lines) == M("700.00") - sum(
        e.amount for e in receipt.payment.entries.filter(kind=AccountEntry.Kind.OVERPAYMENT)
    )


@pytest.mark.django_db
def test_kp_numbering_sequential(cashier, report, desk, person, property_tax, charge):
    charge(person, property_tax, [(D(2026, 3, 15), "100.00")])
    year = timezone.localdate().year
    first = cash_receipt_payment(actor=cashier, desk=desk, party=person, amount="10.00")
    second = cash_receipt_other(actor=cashier, desk=desk, payer_name="Jan Nowak", amount="21.00")
    third = cash_receipt_payment(actor=cashier, desk=desk, party=person.pk, amount="5.00")
    assert [first.number, second.number, third.number] == [
        f"KP/K1/{year}/000001",
        f"KP/K1/{year}/000002",
        f"KP/K1/{year}/000003",
    ]
    assert report.number == f"RK/K1/{year}/000001"


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["-10.00", "0", "0.001", "abc"])
def test_bad_amount_refused_nothing_written(cashier, report, desk, person, property_tax, charge, amount):
    charge(person, property_tax, [(D(2026, 3, 15), "100.00")])
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        cash_receipt_payment(actor=cashier, desk=desk, party=person, amount=amount)
    assert "amount" in exc.value.errors
    with pytest.raises(ServiceValidationError):
        cash_receipt_other(actor=cashier, desk=desk, payer_name="X", amount=amount)
    with pytest.raises(ServiceValidationError):
        cash_deposit(actor=cashier, desk=desk, amount=amount)
    assert counts() == before


@pytest.mark.django_db
def test_no_open_report_and_no_account_refused(cashier, desk, person):
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        cash_receipt_payment(actor=cashier, desk=desk, party=person, amount="10.00")
    assert exc.value.code == "no_open_report"
    cash_report_open(actor=cashier, desk=desk)
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        cash_receipt_payment(actor=cashier, desk=desk, party=person, amount="10.00")  # no account with the office
    assert exc.value.code == "no_account"
    assert counts() == before


@pytest.mark.django_db
def test_report_balances_and_closed_report_immutable(cashier, desk, person, property_tax, charge):
    today = timezone.localdate()
    CashReport.objects.create(desk=desk, day=today - datetime.timedelta(days=1), number="RK/K1/old",
                              opening_balance=M("0.00"), closing_balance=M("150.00"), status="closed")  # fmt: skip
    charge(person, property_tax, [(D(2026, 3, 15), "1000.00")])
    report = cash_report_open(actor=cashier, desk=desk)
    assert report.opening_balance == M("150.00")
    cash_receipt_payment(actor=cashier, desk=desk, party=person, amount="300.00")
    cancelled = cash_receipt_other(actor=cashier, desk=desk, payer_name="Anna Kowal", amount="21.00")
    cash_receipt_other(actor=cashier, desk=desk, payer_name="Anna Kowal", amount="21.00")
    cash_receipt_cancel(actor=cashier, receipt=cancelled, reason="pomyłka")
    with pytest.raises(ServiceValidationError):
        cash_deposit(actor=cashier, desk=desk, amount="471.01")  # more than the cash on hand
    cash_deposit(actor=cashier, desk=desk, amount="400.00")
    closed = cash_report_close(actor=cashier, report=report)
    assert (closed.receipts_total, closed.payouts_total, closed.closing_balance) == (
        M("321.00"),
        M("400.00"),
        M("71.00"),
    )
    assert M("150.00") + M("321.00") - M("400.00") == closed.closing_balance
    before = counts()
    for call in (
        lambda: cash_receipt_payment(actor=cashier, desk=desk, party=person, amount="1.00"),
        lambda: cash_receipt_other(actor=cashier, desk=desk, payer_name="X", amount="1.00"),
        lambda: cash_deposit(actor=cashier, desk=desk, amount="1.00"),
        lambda: cash_report_close(actor=cashier, report=closed),
        lambda: cash_receipt_cancel(actor=cashier, receipt=closed.receipts.last(), reason="x"),
        lambda: cash_report_open(actor=cashier, desk=desk),
    ):
        with pytest.raises(ApplicationError):
            call()
    assert counts() == before
    assert bytes(cash_report_pdf(closed)).startswith(b"%PDF")
    assert bytes(cash_receipt_pdf(closed.receipts.first())).startswith(b"%PDF")


@pytest.mark.django_db
def test_previous_report_must_be_closed(cashier, desk):
    cash_report_open(actor=cashier, desk=desk, day=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(ApplicationError) as exc:
        cash_report_open(actor=cashier, desk=desk)
    assert exc.value.code == "previous_open"


@pytest.mark.django_db
def test_deposit_journal_140_101_then_133_140(cashier, report, desk):
    cash_receipt_other(actor=cashier, desk=desk, payer_name="Anna Kowal", amount="250.00")
    deposit = cash_deposit(actor=cashier, desk=desk, amount="200.00")
    assert deposit.number == f"KW/K1/{timezone.localdate().year}/000001"
    assert journal_lines(deposit.handed_over_journal) == [
        ("140", M("200.00"), M("0.00"), "", "", ""),
        ("101", M("0.00"), M("200.00"), "", "", ""),
    ]
    done = cash_deposit_confirm(actor=cashier, deposit=deposit, on=timezone.localdate())
    assert done.status == "confirmed"
    assert journal_lines(done.confirmed_journal) == [
        ("133", M("200.00"), M("0.00"), "", "", ""),
        ("140", M("0.00"), M("200.00"), "", "", ""),
    ]
    before = counts()
    with pytest.raises(ApplicationError):
        cash_deposit_confirm(actor=cashier, deposit=deposit, on=timezone.localdate())
    assert counts() == before


@pytest.mark.django_db
def test_stamp_duty_101_720_with_classification_pays_certificate(cashier, certifier, report, desk, person):
    certificate = certificate_request(actor=certifier, party=person)
    with pytest.raises(ServiceValidationError):
        cash_receipt_other(actor=cashier, desk=desk, payer_name="X", amount="20.00", certificate=certificate)
    receipt = cash_receipt_other(actor=cashier, desk=desk, payer_name="", party=person, amount="21.00",
                                 certificate=certificate)  # fmt: skip
    assert (receipt.dzial, receipt.rozdzial, receipt.paragraf) == ("756", "75618", "0410")
    assert journal_lines(receipt.journal_entry) == [
        ("101", M("21.00"), M("0.00"), "756", "75618", "0410"),
        ("720", M("0.00"), M("21.00"), "756", "75618", "0410"),
    ]
    certificate.refresh_from_db()
    assert (certificate.fee_paid_on, certificate.fee_reference) == (timezone.localdate(), receipt.number)
    other = cash_receipt_other(actor=cashier, desk=desk, payer_name="Y", amount="50.00", kind="other",
                               dzial="700", rozdzial="70005", paragraf="0750")  # fmt: skip
    assert journal_lines(other.journal_entry)[0] == ("101", M("50.00"), M("0.00"), "700", "70005", "0750")
    with pytest.raises(ServiceValidationError):
        cash_receipt_other(actor=cashier, desk=desk, payer_name="Y", amount="50.00", kind="other")
    certificate_issue(actor=certifier, certificate=certificate)
    before = counts()
    with pytest.raises(ApplicationError):
        cash_receipt_cancel(actor=cashier, receipt=receipt, reason="pomyłka")
    assert counts() == before


@pytest.mark.django_db
def test_cancel_payment_receipt_reverses_entries(cashier, report, desk, person, property_tax, charge):
    today = timezone.localdate()
    account, _e = charge(person, property_tax, [(D(2026, 3, 15), "1000.00")])
    before_balance = selectors.balance(account, as_of=today)
    receipt = cash_receipt_payment(actor=cashier, desk=desk, party=person, amount="300.00")
    assert selectors.balance(account, as_of=today) != before_balance
    cash_receipt_cancel(actor=cashier, receipt=receipt, reason="zła osoba")
    assert selectors.balance(account, as_of=today) == before_balance
    receipt.payment.refresh_from_db()
    assert receipt.payment.status == Payment.Status.CANCELLED
    storno = JournalEntry.objects.get(event="cash_receipt_cancelled")
    lines = journal_lines(storno)
    assert sum(x[1] for x in lines) == sum(x[2] for x in lines)
    assert sum(x[2] for x in lines if x[0] == "101") == M("300.00")
    with pytest.raises(ApplicationError):
        cash_receipt_cancel(actor=cashier, receipt=receipt, reason="znowu")


@pytest.mark.django_db
def test_permission(certifier, desk, person):
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        cash_report_open(actor=certifier, desk=desk)
    assert exc.value.code == "forbidden"
    assert counts() == before


@pytest.mark.django_db
def test_api(client, cashier, certifier, desk, person, property_tax, charge):
    charge(person, property_tax, [(D(2026, 3, 15), "1000.00")])
    client.force_login(certifier)
    assert client.get("/api/v1/finance/cash-desks/").status_code == 403
    client.force_login(cashier)
    assert client.get("/api/v1/finance/cash-desks/").json()[0]["code"] == "K1"
    response = client.post("/api/v1/finance/cash-reports/", {"desk": "K1"}, content_type="application/json")
    assert response.status_code == 201, response.content
    report_id = response.json()["id"]
    before = counts()
    response = client.post("/api/v1/finance/cash-receipts/", {"desk": "K1", "party": person.pk, "amount": "-5.00"},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 400
    assert counts() == before
    response = client.post("/api/v1/finance/cash-receipts/", {"desk": "K1", "party": person.pk, "amount": "300.00"},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 201, response.content
    response = client.post("/api/v1/finance/cash-receipts/",
                           {"desk": "K1", "kind": "stamp_duty", "payer_name": "Jan", "amount": "21.00"},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 201, response.content
    response = client.post("/api/v1/finance/cash-deposits/", {"desk": "K1", "amount": "321.00"},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 201, response.content
    deposit_id = response.json()["id"]
    response = client.post(f"/api/v1/finance/cash-deposits/{deposit_id}/confirm/", {"on": str(timezone.localdate())},
                           content_type="application/json")  # fmt: skip
    assert response.json()["status"] == "confirmed"
    response = client.post(f"/api/v1/finance/cash-reports/{report_id}/close/")
    assert response.status_code == 200
    body = client.get(f"/api/v1/finance/cash-reports/{report_id}/").json()
    assert (body["receipts_total"], body["payouts_total"], body["closing_balance"]) == ("321.00", "321.00", "0.00")
    assert [r["kind"] for r in body["rows"]] == ["KP", "KP", "KW"]
    assert client.get("/api/v1/finance/cash-reports/").json()["count"] == 1


@pytest.mark.django_db
def test_screens(client, cashier, desk, person, property_tax, charge):
    charge(person, property_tax, [(D(2026, 3, 15), "1000.00")])
    client.force_login(cashier)
    url = reverse("finance:cash-desk")
    assert client.get(url).status_code == 200
    assert client.post(url, {"desk": "K1", "action": "open"}).status_code == 302
    assert client.post(url, {"desk": "K1", "action": "payment", "party": person.pk, "amount": "-1"}).status_code == 422
    assert (
        client.post(url, {"desk": "K1", "action": "payment", "party": person.pk, "amount": "100.00"}).status_code == 302
    )
    assert client.post(url, {"desk": "K1", "action": "deposit", "amount": "100.00"}).status_code == 302
    assert client.post(url, {"desk": "K1", "action": "close"}).status_code == 302
    report = CashReport.objects.get()
    assert report.closing_balance == M("0.00")
    assert client.get(reverse("finance:cash-reports")).status_code == 200
    assert client.get(reverse("finance:cash-report", args=[report.pk])).status_code == 200
    assert client.get(reverse("finance:cash-report-pdf", args=[report.pk])).content.startswith(b"%PDF")


class _KeyRecorder(dict):
    """A menu registry that remembers every key registered more than once."""

    def __init__(self):
        super().__init__()
        self.duplicates = []

    def __setitem__(self, key, value):
        if key in self:
            self.duplicates.append((key, self[key].label, value.label))
        super().__setitem__(key, value)


def test_finance_menu_keys_are_unique(monkeypatch):
    from core import navigation
    from finance import hooks

    registry = _KeyRecorder()
    monkeypatch.setattr(navigation, "_items", registry)
    hooks.register()
    assert registry.duplicates == []
    assert str(registry["finance-cash"].label) == str(gettext("Cash payment"))
    assert str(registry["finance-cash-desk"].label) == str(gettext("Cash desk"))


@pytest.mark.django_db
def test_both_cash_entries_in_the_menu(cashier):
    from core.navigation import menu_for

    urls = {item["key"]: item["url"] for item in menu_for(cashier)}
    assert urls["finance-cash-desk"] == reverse("finance:cash-desk")
    assert urls["finance-cash"] == reverse("finance:payment-cash")


@pytest.mark.django_db
def test_report_left_open_on_an_earlier_day_is_closed_from_the_screens(client, cashier, desk):
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    earlier = cash_report_open(actor=cashier, desk=desk, day=yesterday)
    CashReport.objects.filter(pk=earlier.pk).update(opening_balance=M("50.00"))  # cash carried from before
    client.force_login(cashier)
    page = client.get(reverse("finance:cash-desk")).content.decode()
    assert 'data-testid="earlier-open"' in page
    assert f'name="report" value="{earlier.pk}"' in page
    reports = client.get(reverse("finance:cash-reports")).content.decode()
    assert f'name="report" value="{earlier.pk}"' in reports
    assert str(gettext("Close")) in reports
    # today's report cannot be opened while the earlier one is open (nothing written)
    before = counts()
    response = client.post(reverse("finance:cash-desk"), {"desk": desk.code, "action": "open"})
    assert response.status_code == 422
    assert counts() == before
    assert not CashReport.objects.filter(desk=desk, day=today).exists()
    # a report of another desk is not closed through this one
    other = CashDesk.objects.create(code="K2", name="Kasa 2")
    response = client.post(reverse("finance:cash-desk"), {"desk": other.code, "action": "close", "report": earlier.pk})
    assert response.status_code == 404
    response = client.post(reverse("finance:cash-desk"), {"desk": desk.code, "action": "close", "report": earlier.pk})
    assert response.status_code == 302
    earlier.refresh_from_db()
    assert (earlier.status, earlier.closing_balance) == (CashReport.Status.CLOSED, M("50.00"))
    assert 'data-testid="earlier-open"' not in client.get(reverse("finance:cash-desk")).content.decode()
    response = client.post(reverse("finance:cash-desk"), {"desk": desk.code, "action": "open"})
    assert response.status_code == 302
    assert CashReport.objects.get(desk=desk, day=today).opening_balance == M("50.00")
