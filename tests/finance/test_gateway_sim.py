"""The simulated payment gateway (/sim/platnosci/): signed requests in, bank choice, authorise / reject, the signed
asynchronous notification of the merchant (retried until it answers 200)."""

import json
import urllib.parse
from decimal import Decimal

import pytest
from django.utils.translation import gettext

from epuap.transport import HttpResponseData, TransportError
from finance.gateway_sim import notify, signing
from finance.models import GatewayTransaction
from finance.tasks_gateway import gateway_notify

TOKEN = "a" * 32


def _params(**changes) -> dict:
    params = {
        "amount": "123.45", "currency": "PLN", "description": "Płatność A1", "merchant": "Urząd Gminy",
        "notify_url": "http://testserver/portal/platnosci/powiadomienie/", "order": TOKEN,
        "return_url": f"http://testserver/portal/platnosci/{TOKEN}/wynik/",
    }  # fmt: skip
    params.update(changes)
    params["sig"] = signing.sign(signing.canonical(params))
    return params


def _start_url(params: dict) -> str:
    return f"/sim/platnosci/{params['order']}/?{urllib.parse.urlencode(params)}"


class FakeMerchant:
    def __init__(self, status: int = 200, fail: bool = False):
        self.status, self.fail, self.calls = status, fail, []

    def __call__(self, method, url, headers, body):
        self.calls.append((method, url, headers, body))
        if self.fail:
            raise TransportError("connection refused")
        return HttpResponseData(self.status, "application/json", b"{}")


@pytest.fixture
def merchant(monkeypatch):
    fake = FakeMerchant()
    monkeypatch.setattr(notify, "get_transport", lambda: fake)
    return fake


@pytest.mark.django_db
def test_index_page(client):
    page = client.get("/sim/platnosci/")
    assert page.status_code == 200
    assert "mBank" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {**_params(), "amount": "999.99"},  # tampered after signing
        {**_params(), "sig": "0" * 64},
        _params(currency="EUR"),
        _params(amount="-5.00"),
        _params(amount="1.001"),
        _params(notify_url="/relative/"),
        _params(return_url="javascript:alert(1)"),
    ],
    ids=["tampered", "bad-sig", "currency", "negative", "fraction", "relative-notify", "bad-return"],
)
def test_invalid_requests_are_refused(client, params):
    response = client.get(_start_url(params))
    assert response.status_code == 400
    assert gettext("The payment request is invalid or its signature does not match.") in response.content.decode()
    assert GatewayTransaction.objects.count() == 0


@pytest.mark.django_db
def test_order_of_another_token_is_refused(client):
    params = _params()
    response = client.get(f"/sim/platnosci/{'b' * 32}/?{urllib.parse.urlencode(params)}")
    assert response.status_code == 400
    assert GatewayTransaction.objects.count() == 0


@pytest.mark.django_db
def test_authorise_records_the_time_and_notifies_with_a_signature(
    client, merchant, django_capture_on_commit_callbacks, monkeypatch
):
    page = client.get(_start_url(_params()))
    assert page.status_code == 200
    assert client.get(_start_url(_params())).status_code == 200  # a reload: the same transaction
    assert GatewayTransaction.objects.count() == 1
    tx = GatewayTransaction.objects.get()
    assert tx.amount == Decimal("123.45")
    assert tx.status == GatewayTransaction.Status.NEW
    assert tx.transaction_id.startswith("SIM-")
    # no bank chosen → the choice again, 400
    missing = client.post(f"/sim/platnosci/{TOKEN}/", {"bank": "nobank"})
    assert missing.status_code == 400
    assert gettext("Choose your bank.") in missing.content.decode()
    assert client.post(f"/sim/platnosci/{TOKEN}/", {"bank": "ing"})["Location"] == f"/sim/platnosci/{TOKEN}/bank/"
    bank_page = client.get(f"/sim/platnosci/{TOKEN}/bank/")
    assert "ING Bank Śląski" in bank_page.content.decode()
    assert client.post(f"/sim/platnosci/{TOKEN}/bank/", {"action": "maybe"}).status_code == 400
    sent = []
    monkeypatch.setattr(gateway_notify, "delay", lambda pk: sent.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/sim/platnosci/{TOKEN}/bank/", {"action": "pay"})
    assert response.status_code == 302
    assert response["Location"] == f"http://testserver/portal/platnosci/{TOKEN}/wynik/"
    tx.refresh_from_db()
    assert sent == [tx.pk]
    assert tx.status == GatewayTransaction.Status.AUTHORISED
    assert tx.authorised_at is not None
    assert tx.bank == "ing"
    # finished: a second "pay" changes nothing and enqueues nothing
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(f"/sim/platnosci/{TOKEN}/bank/", {"action": "reject"})
    assert again.status_code == 200
    assert sent == [tx.pk]
    tx.refresh_from_db()
    assert tx.status == GatewayTransaction.Status.AUTHORISED

    assert gateway_notify(tx.pk) is True
    ((method, url, headers, body),) = merchant.calls
    assert (method, url) == ("POST", "http://testserver/portal/platnosci/powiadomienie/")
    assert headers["X-Gateway-Signature"] == signing.sign(body)
    data = json.loads(body)
    assert {k: data[k] for k in ("order", "transaction_id", "status", "amount", "currency", "bank")} == {
        "order": TOKEN, "transaction_id": tx.transaction_id, "status": "authorised", "amount": "123.45",
        "currency": "PLN", "bank": "ing",
    }  # fmt: skip
    assert data["authorised_at"] == tx.authorised_at.isoformat()
    tx.refresh_from_db()
    assert tx.notified_at is not None
    assert tx.notify_attempts == 1
    assert gateway_notify(tx.pk) is True
    assert len(merchant.calls) == 1


@pytest.mark.django_db
def test_failed_notifications_are_recorded_and_retried(client, monkeypatch, django_capture_on_commit_callbacks):
    client.get(_start_url(_params()))
    client.post(f"/sim/platnosci/{TOKEN}/", {"bank": "pko"})
    monkeypatch.setattr(gateway_notify, "delay", lambda pk: None)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(f"/sim/platnosci/{TOKEN}/bank/", {"action": "reject"})
    assert page.status_code == 200
    assert gettext("Payment rejected") in page.content.decode()
    tx = GatewayTransaction.objects.get()
    assert tx.status == GatewayTransaction.Status.REJECTED
    assert tx.authorised_at is None

    down = FakeMerchant(fail=True)
    monkeypatch.setattr(notify, "get_transport", lambda: down)
    assert notify.deliver(tx.pk) is False
    error = FakeMerchant(status=500)
    monkeypatch.setattr(notify, "get_transport", lambda: error)
    assert gateway_notify(tx.pk) is False  # called directly: no retry scheduled, the caller sees False
    tx.refresh_from_db()
    assert tx.notify_attempts == 2
    assert tx.notified_at is None
    assert tx.last_error.startswith("HTTP 500")
    assert json.loads(error.calls[0][3])["status"] == "rejected"
    ok = FakeMerchant()
    monkeypatch.setattr(notify, "get_transport", lambda: ok)
    assert notify.deliver(tx.pk) is True
    tx.refresh_from_db()
    assert tx.notify_attempts == 3
    assert tx.notified_at is not None
    assert tx.last_error == ""


@pytest.mark.django_db
def test_a_started_order_cannot_change_its_amount(client):
    client.get(_start_url(_params()))
    response = client.get(_start_url(_params(amount="1.00")))
    assert response.status_code == 400
    assert GatewayTransaction.objects.get().amount == Decimal("123.45")


@pytest.mark.django_db
def test_unknown_transaction_pages_are_404(client):
    assert client.post(f"/sim/platnosci/{TOKEN}/", {"bank": "pko"}).status_code == 404
    assert client.get(f"/sim/platnosci/{TOKEN}/bank/").status_code == 404
