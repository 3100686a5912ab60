"""An unidentified payment returned to the payer: Wn 240 / Ma 133, a refund order bound to the payment, exported
with the other refunds; refusals write nothing."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from core import roles
from core.exceptions import ApplicationError
from core.models import AuditEvent
from finance.models import JournalEntry, JournalLine, Payment, RefundOrder
from finance.services.ledger import post_event
from finance.services.refunds import refunds_export
from finance.services.returns import payment_return
from tests.finance.conftest_bank import PAYER_ACCOUNT, profile_tilde  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def accountant(make_user):
    return make_user(roles.ACCOUNTANT, username="ksiegowa-zwroty")


@pytest.fixture
def unidentified(db):
    day = datetime.date(2025, 6, 20)
    payment = Payment.objects.create(
        source=Payment.Source.BANK, amount=D("75.50"), payment_date=day, received_on=day,
        payer_account=PAYER_ACCOUNT, title="wpłata bez opisu", status=Payment.Status.UNIDENTIFIED,
    )  # fmt: skip
    post_event(event="unidentified", component="any", amount=D("75.50"), date=day, description="x")
    return payment


def _balance(number):
    lines = JournalLine.objects.filter(account__number=number)
    return sum(x.debit for x in lines) - sum(x.credit for x in lines)


def test_return_books_240_133_and_orders_the_refund(accountant, unidentified, profile_tilde):  # noqa: F811
    order = payment_return(actor=accountant, payment=unidentified, reason="brak danych wpłacającego")
    unidentified.refresh_from_db()
    assert unidentified.status == Payment.Status.RETURNED
    assert (order.payment, order.account, order.amount, order.target_account) == (
        unidentified, None, D("75.50"), PAYER_ACCOUNT,
    )  # fmt: skip
    assert _balance("240") == D("0.00")
    assert _balance("133") == D("0.00")
    export = refunds_export(actor=accountant, orders=[order])
    assert b"7550" in bytes(export.content)  # the amount in grosze in the Elixir-O line
    order.refresh_from_db()
    assert order.status == RefundOrder.Status.EXPORTED


def test_refusals_write_nothing(accountant, unidentified, make_user):
    before = (JournalEntry.objects.count(), RefundOrder.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError):
        payment_return(actor=accountant, payment=unidentified, reason="")
    with pytest.raises(ApplicationError):
        payment_return(actor=accountant, payment=unidentified, reason="x", target_account="12345")
    with pytest.raises(ApplicationError):
        payment_return(actor=make_user(roles.TAX_CLERK), payment=unidentified, reason="x")
    Payment.objects.filter(pk=unidentified.pk).update(status=Payment.Status.ALLOCATED)
    with pytest.raises(ApplicationError) as exc:
        payment_return(actor=accountant, payment=unidentified, reason="x")
    assert exc.value.code == "not_unidentified"
    assert (JournalEntry.objects.count(), RefundOrder.objects.count(), AuditEvent.objects.count()) == before


def test_return_from_the_resolve_screen(client, accountant, unidentified):
    client.force_login(accountant)
    url = reverse("finance:payment-resolve", args=[unidentified.pk])
    assert client.post(url, {"action": "return", "reason": ""}).status_code == 400
    response = client.post(url, {"action": "return", "reason": "nadawca nieznany", "target_account": PAYER_ACCOUNT})
    assert response.status_code == 302
    assert RefundOrder.objects.get().payment_id == unidentified.pk
