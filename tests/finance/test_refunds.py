"""Refunds of overpayments (OP art. 77): the order (entry + journal 221/133 in one transaction), the cancellation
(storno), the Elixir-O export with its exact line, and refusals that write nothing."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from finance.models import AccountEntry, AccountingPeriod, JournalEntry, RefundExport, RefundOrder
from finance.selectors import balance
from finance.services.refunds import refund_cancel, refund_order, refunds_export
from tests.finance.conftest_ledger import *  # noqa: F403 — fixtures
from tests.finance.conftest_ledger import OFFICE_NRB, PAYER_NRB, book_overpayment

pytestmark = pytest.mark.django_db
D = Decimal
OTHER_NRB = "38102010269876540000012345"


@pytest.fixture(autouse=True)
def office(settings):
    settings.MAGISTRAT_OFFICE_NAME = "Urząd Gminy Magistrowo"
    settings.MAGISTRAT_OFFICE_ADDRESS = "pl. Wolności 1, 05-990 Magistrowo"


@pytest.fixture
def overpaid(obligor_account, today):
    book_overpayment(obligor_account, D("150.00"), day=datetime.date(2026, 3, 10))
    return obligor_account


def counts():
    return (
        RefundOrder.objects.count(),
        AccountEntry.objects.count(),
        JournalEntry.objects.count(),
        RefundExport.objects.count(),
        AuditEvent.objects.count(),
    )


def expected_title(account):
    with translation.override("pl"):
        return gettext("Refund of overpayment: %(type)s %(year)s") % {
            "type": account.receivable_type.name,
            "year": account.year,
        }


def test_refund_order_books_the_entry_and_the_journal_in_one_go(overpaid, accountant, today):
    order = refund_order(actor=accountant, account=overpaid, amount=D("120.00"))
    assert (order.status, order.amount, order.target_account) == ("ordered", D("120.00"), PAYER_NRB)
    assert order.recipient_name == "Jan Nowak"
    assert order.title == expected_title(overpaid)
    entry = order.entry
    assert (entry.kind, entry.component, entry.amount, entry.value_date) == (
        "refund",
        "overpayment",
        D("120.00"),
        today,
    )
    lines = list(entry.journal_entry.lines.order_by("id").values_list(
        "account__number", "debit", "credit", "obligor_account_id", "dzial", "rozdzial", "paragraf"))  # fmt: skip
    assert entry.journal_entry.event == "refund"
    assert lines == [
        ("221", D("120.00"), D("0.00"), overpaid.pk, "756", "75616", "0310"),
        ("133", D("0.00"), D("120.00"), None, "756", "75616", "0310"),
    ]
    assert balance(overpaid, as_of=today).overpayment == D("30.00")
    assert AuditEvent.objects.filter(action="finance.refund.ordered", object_id=str(order.pk)).count() == 1


def test_the_target_may_be_given_and_a_second_refund_takes_the_rest(overpaid, accountant, today):
    refund_order(actor=accountant, account=overpaid, amount=D("100.00"), target_account=f"PL{OTHER_NRB}")
    second = refund_order(actor=accountant, account=overpaid, amount=D("50.00"))
    assert RefundOrder.objects.order_by("id").first().target_account == OTHER_NRB
    assert second.target_account == PAYER_NRB
    assert balance(overpaid, as_of=today).overpayment == D("0.00")
    with pytest.raises(ApplicationError) as exc:
        refund_order(actor=accountant, account=overpaid, amount=D("0.01"))
    assert exc.value.code == "exceeds_overpayment"


@pytest.mark.parametrize(
    ("amount", "target", "code", "field"),
    [
        (D("150.01"), None, "exceeds_overpayment", None),
        (D("10.00"), "62109010140000071219812874", "invalid", "target_account"),
        (D("0.00"), None, "invalid", "amount"),
        (D("-5.00"), None, "invalid", "amount"),
        (D("1.005"), None, "invalid", "amount"),
    ],
)
def test_refusals_write_nothing(overpaid, accountant, amount, target, code, field):
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        refund_order(actor=accountant, account=overpaid, amount=amount, target_account=target)
    assert exc.value.code == code
    if field:
        assert field in exc.value.errors
    assert counts() == before


def test_refused_in_a_closed_period_and_without_a_target_and_without_permission(
    overpaid, obligor_account, accountant, tax_clerk_user, today
):
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        refund_order(actor=tax_clerk_user, account=overpaid, amount=D("10.00"))
    assert exc.value.code == "forbidden"
    AccountingPeriod.objects.create(year=2026, month=3, closed_at=datetime.datetime(2026, 3, 20, tzinfo=datetime.UTC))
    with pytest.raises(ApplicationError) as exc:
        refund_order(actor=accountant, account=overpaid, amount=D("10.00"))
    assert exc.value.code == "period_closed"
    assert counts() == before
    AccountingPeriod.objects.all().delete()
    # An overpayment from a payment without the payer's account (cash): the target must be given.
    other = obligor_account.__class__.objects.create(
        party=obligor_account.party, receivable_type=obligor_account.receivable_type, year=2025
    )
    book_overpayment(other, D("5.00"), day=datetime.date(2026, 3, 11), payer_account="")
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        refund_order(actor=accountant, account=other, amount=D("5.00"))
    assert "target_account" in exc.value.errors
    assert counts() == before


def test_cancel_before_export_reverses_the_entry_and_the_journal(overpaid, accountant, today):
    order = refund_order(actor=accountant, account=overpaid, amount=D("120.00"))
    refund_cancel(actor=accountant, order=order, reason="wniosek strony")
    order.refresh_from_db()
    assert order.status == "cancelled"
    reversal = AccountEntry.objects.get(reverses=order.entry)
    assert (reversal.kind, reversal.amount, reversal.value_date) == ("reversal", D("120.00"), today)
    assert reversal.journal_entry.reverses_id == order.entry.journal_entry_id
    lines = list(reversal.journal_entry.lines.order_by("id").values_list(
        "account__number", "debit", "credit", "obligor_account_id"))  # fmt: skip
    assert lines == [("221", D("0.00"), D("120.00"), overpaid.pk), ("133", D("120.00"), D("0.00"), None)]
    assert balance(overpaid, as_of=today).overpayment == D("150.00")
    before = counts()
    with pytest.raises(ApplicationError):
        refund_cancel(actor=accountant, order=order)
    assert counts() == before


def test_export_writes_the_exact_elixir_line_and_never_twice(overpaid, accountant, bank_profile, today):
    order = refund_order(actor=accountant, account=overpaid, amount=D("120.00"))
    export = refunds_export(actor=accountant, orders=[order])
    order.refresh_from_db()
    assert (order.status, order.export_id) == ("exported", export.pk)
    assert (export.format, export.total) == ("elixir-o", D("120.00"))
    assert export.file_name == "zwroty-20260320-120000.pli"
    title = expected_title(overpaid)
    title_parts = {
        "Refund of overpayment: Podatek od nieruchomości — osoby fizyczne 2026": (
            "Refund of overpayment: Podatek od|nieruchomości — osoby fizyczne 2026||"
        ),
        "Zwrot nadpłaty: Podatek od nieruchomości — osoby fizyczne 2026": (
            "Zwrot nadpłaty: Podatek od|nieruchomości — osoby fizyczne 2026||"
        ),
    }[title]
    line = (
        f'110,20260320,12000,10201026,0,"{OFFICE_NRB}","{PAYER_NRB}",'
        '"Urząd Gminy Magistrowo|pl. Wolności 1, 05-990 Magistrowo||","Jan Nowak|||",0,10901014,'
        f'"{title_parts}","","","51","REFUND/{order.pk}"\r\n'
    )
    assert bytes(export.content) == line.encode("cp1250")
    assert AuditEvent.objects.filter(action="finance.refund.exported", object_id=str(export.pk)).count() == 1
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        refunds_export(actor=accountant, orders=[order])
    assert exc.value.code == "already_exported"
    with pytest.raises(ApplicationError):
        refund_cancel(actor=accountant, order=order)
    assert counts() == before


def test_export_of_several_orders_one_line_each_and_refusals(overpaid, accountant, bank_profile, today):
    first = refund_order(actor=accountant, account=overpaid, amount=D("100.00"))
    second = refund_order(actor=accountant, account=overpaid, amount=D("50.00"), target_account=OTHER_NRB)
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        refunds_export(actor=accountant, orders=[])
    assert exc.value.code == "invalid"
    with pytest.raises(ApplicationError) as exc:
        refunds_export(actor=accountant, orders=[first.pk, 999999])
    assert exc.value.code == "not_found"
    assert counts() == before
    export = refunds_export(actor=accountant, orders=[second.pk, first.pk])
    lines = bytes(export.content).decode("cp1250").split("\r\n")
    assert lines[-1] == ""
    assert len(lines) == 3
    assert [x.split(",")[2] for x in lines[:2]] == ["10000", "5000"]  # ordered by id: first, then second
    assert export.total == D("150.00")


def test_export_without_a_bank_profile_is_refused(overpaid, accountant, today):
    order = refund_order(actor=accountant, account=overpaid, amount=D("10.00"))
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        refunds_export(actor=accountant, orders=[order])
    assert exc.value.code == "no_bank_profile"
    assert counts() == before


def test_refund_api_flow(client, overpaid, accountant, tax_clerk_user, bank_profile, today):
    client.force_login(tax_clerk_user)
    assert client.get(reverse("api-finance-refunds")).status_code == 403
    client.force_login(accountant)
    response = client.post(
        reverse("api-finance-refunds"), {"account": overpaid.pk, "amount": "200.00"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "exceeds_overpayment"
    response = client.post(
        reverse("api-finance-refunds"), {"account": overpaid.pk, "amount": "120.00"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount"], body["target_account"], body["status"]) == ("120.00", PAYER_NRB, "ordered")
    listed = client.get(reverse("api-finance-refunds"), {"status": "ordered"}).json()
    assert [r["id"] for r in listed["results"]] == [body["id"]]
    response = client.post(
        reverse("api-finance-refunds-export"), {"orders": [body["id"]]}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.content.startswith(b"110,20260320,12000,10201026,0,")
    export_id = int(response["X-Export-Id"])
    download = client.get(reverse("api-finance-refund-export-download", args=[export_id]))
    assert download.status_code == 200
    assert download.content == response.content
    again = client.post(
        reverse("api-finance-refunds-export"), {"orders": [body["id"]]}, content_type="application/json"
    )
    assert again.status_code == 400
    assert again.json()["code"] == "already_exported"


def test_refund_api_cancel(client, overpaid, accountant, today):
    client.force_login(accountant)
    order = refund_order(actor=accountant, account=overpaid, amount=D("20.00"))
    response = client.post(reverse("api-finance-refund-cancel", args=[order.pk]), {}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


def test_refund_screens(client, overpaid, accountant, tax_clerk_user, bank_profile, today):
    client.force_login(tax_clerk_user)
    assert client.get(reverse("finance:refunds")).status_code == 403
    client.force_login(accountant)
    url = reverse("finance:refund-create", args=[overpaid.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "150,00" in page.content.decode()
    refused = client.post(url, {"amount": "150,01", "target_account": "", "reason": ""})
    assert refused.status_code == 422
    assert RefundOrder.objects.count() == 0
    bad_nrb = client.post(url, {"amount": "10,00", "target_account": "12 3456", "reason": ""})
    assert bad_nrb.status_code == 422
    done = client.post(url, {"amount": "100,00", "target_account": "", "reason": "wniosek"})
    assert done.status_code == 302
    order = RefundOrder.objects.get()
    assert order.title.endswith(". wniosek")
    listing = client.get(reverse("finance:refunds"))
    assert listing.status_code == 200
    assert PAYER_NRB in listing.content.decode()
    assert client.post(reverse("finance:refunds-export"), {"orders": [order.pk]}).status_code == 302
    export = RefundExport.objects.get()
    download = client.get(reverse("finance:refund-export-download", args=[export.pk]))
    assert download.status_code == 200
    assert download.content == bytes(export.content)
    assert 'filename="zwroty-20260320-120000.pli"' in download["Content-Disposition"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks under real concurrency: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_refunds_at_once_never_exceed_the_overpayment(obligor_account, accountant, today):
    """Two clerks order 100.00 each of a 150.00 overpayment at the same moment: the account row lock makes the
    second wait and see the first refund, so exactly one order succeeds."""
    book_overpayment(obligor_account, D("150.00"), day=datetime.date(2026, 3, 10))
    barrier = threading.Barrier(2)
    outcomes = []

    def order():
        try:
            barrier.wait()
            refund_order(actor=accountant, account=obligor_account, amount=D("100.00"))
            outcomes.append("ok")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=order) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["exceeds_overpayment", "ok"]
    assert RefundOrder.objects.count() == 1
    assert balance(obligor_account, as_of=today).overpayment == D("50.00")
